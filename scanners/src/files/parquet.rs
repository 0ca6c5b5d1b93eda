//! Parquet files: the schema and statistics from the footer alone (the file's tail), and a
//! sample of rows from one row group (that row group's bytes and the footer, never the whole
//! file). Nested groups become dotted columns (`shipping.city`); lists and maps stay one
//! column each.

use super::FileColumn;
use crate::TypeFamily;
use bytes::{Buf, Bytes};
use parquet::basic::{ConvertedType, LogicalType, Repetition, Type as Physical};
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use parquet::file::reader::{ChunkReader, FileReader, Length};
use parquet::file::statistics::Statistics;
use parquet::record::Field;
use parquet::schema::types::Type;
use std::collections::HashMap;

/// Bytes read from a file's end at first: footers of ordinary files fit in them.
pub const TAIL_GUESS: u64 = 64 * 1024;
/// Largest footer read (a file claiming more is reported).
const MAX_FOOTER: u64 = 64 * 1024 * 1024;
/// Largest row group read for a sample; a larger first row group is sampled from its first
/// column chunks only when they fit, otherwise the file goes unsampled.
pub const MAX_ROW_GROUP_BYTES: u64 = 64 * 1024 * 1024;
/// Largest row group, uncompressed, a sample is read from.
const MAX_ROW_GROUP_EXPANDED: u64 = 256 * 1024 * 1024;
const FOOTER: u64 = 8;
/// Most columns read from one file's schema.
const MAX_COLUMNS: usize = 10_000;
const MAGIC: &[u8] = b"PAR1";

/// What the footer tells of a file.
pub struct Footer {
    pub columns: Vec<FileColumn>,
    pub rows: u64,
    /// Per column (aligned with `columns`): nulls over the whole file, when every row group
    /// says; and the smallest and largest number of a numeric column.
    pub nulls: Vec<Option<u64>>,
    pub ranges: Vec<Option<(f64, f64)>>,
    /// The byte range of the first non-empty row group.
    pub first_row_group: Option<(usize, u64, u64)>,
    /// Why the file cannot be sampled, when its footer says so (a row group that would
    /// expand past what a sample may hold).
    pub unsampled: Option<String>,
    /// The footer's own bytes (metadata and the last 8 bytes), kept for the sample read.
    pub tail: Bytes,
}

/// Where the footer is, from the file's size and its last bytes (`tail`, at most the whole
/// file): Ok(None) asks for a longer tail of the given length.
pub fn footer_length(size: u64, tail: &[u8]) -> Result<u64, String> {
    if size == 0 {
        return Err("the file is empty (0 bytes)".into());
    }
    if size < 12 {
        return Err(format!("too short to be a Parquet file ({size} bytes)"));
    }
    let end: &[u8; 8] = tail[tail.len() - 8..].try_into().map_err(|_| "short read".to_string())?;
    if &end[4..] != MAGIC {
        return Err("not a Parquet file, or a truncated one: it does not end with the PAR1 marker".into());
    }
    let meta = ParquetMetaDataReader::decode_footer_tail(end).map_err(|e| format!("the footer cannot be read: {e}"))?;
    if meta.is_encrypted_footer() {
        return Err("the footer is encrypted".into());
    }
    let length = meta.metadata_length() as u64;
    if length + FOOTER + 4 > size {
        return Err(format!("truncated: the footer claims {length} bytes of metadata but the file has {size} bytes"));
    }
    if length > MAX_FOOTER {
        return Err(format!("the footer claims {length} bytes of metadata, more than the {MAX_FOOTER} read"));
    }
    Ok(length + FOOTER)
}

/// Reads the footer from `tail`, the file's last bytes (at least the footer's length).
pub fn read_footer(size: u64, tail: Bytes) -> Result<Footer, String> {
    let need = footer_length(size, &tail)?;
    if (tail.len() as u64) < need {
        return Err(format!("internal: the tail read holds {} of the footer's {need} bytes", tail.len()));
    }
    // A copy of the footer alone: the read buffer around it is not kept for the whole scan.
    let tail = Bytes::copy_from_slice(&tail[tail.len() - need as usize..]);
    // The crate believes the sizes a footer declares; they are checked first.
    super::footer_guard::check(&tail[..tail.len() - FOOTER as usize])?;
    let metadata = ParquetMetaDataReader::decode_metadata(&tail[..tail.len() - FOOTER as usize])
        .map_err(|e| format!("the footer cannot be read: {e}"))?;
    describe(&metadata, size, tail)
}

fn describe(metadata: &ParquetMetaData, size: u64, tail: Bytes) -> Result<Footer, String> {
    let schema = metadata.file_metadata().schema_descr();
    let mut columns = Vec::new();
    let mut leaf_paths: Vec<(String, bool)> = Vec::new();
    walk(schema.root_schema(), "", 0, &mut columns, &mut leaf_paths);
    let by_path: HashMap<&str, usize> = columns.iter().enumerate().map(|(i, c)| (c.name.as_str(), i)).collect();
    // Counts come from the footer, which may claim anything: sums saturate.
    let rows: u64 = metadata.row_groups().iter().fold(0u64, |a, rg| a.saturating_add(rg.num_rows().max(0) as u64));
    let mut nulls: Vec<Option<u64>> = vec![Some(0); columns.len()];
    let mut ranges: Vec<Option<(f64, f64)>> = vec![None; columns.len()];
    let mut seen_range = vec![true; columns.len()];
    for rg in metadata.row_groups() {
        for chunk in rg.columns() {
            let path = chunk.column_path().parts().join(".");
            let Some(&i) = by_path.get(path.as_str()) else { continue };
            let stats = chunk.statistics();
            nulls[i] = match (nulls[i], stats.and_then(Statistics::null_count_opt)) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            };
            let numeric = matches!(columns[i].family, TypeFamily::Integer | TypeFamily::Float);
            // Unsigned integers are stored in signed types, bit for bit.
            let unsigned = columns[i].data_type.starts_with("uint");
            let range = stats.filter(|_| numeric).and_then(|s| match s {
                Statistics::Int32(v) if unsigned => Some((f64::from(*v.min_opt()? as u32), f64::from(*v.max_opt()? as u32))),
                Statistics::Int64(v) if unsigned => Some((*v.min_opt()? as u64 as f64, *v.max_opt()? as u64 as f64)),
                Statistics::Int32(v) => Some((f64::from(*v.min_opt()?), f64::from(*v.max_opt()?))),
                Statistics::Int64(v) => Some((*v.min_opt()? as f64, *v.max_opt()? as f64)),
                Statistics::Float(v) => Some((f64::from(*v.min_opt()?), f64::from(*v.max_opt()?))),
                Statistics::Double(v) => Some((*v.min_opt()?, *v.max_opt()?)),
                _ => None,
            });
            if rg.num_rows() > 0 {
                ranges[i] = match (ranges[i], range) {
                    (_, None) => {
                        seen_range[i] = false;
                        None
                    }
                    (None, Some(r)) if seen_range[i] => Some(r),
                    (Some((lo, hi)), Some((a, b))) => Some((lo.min(a), hi.max(b))),
                    (None, Some(_)) => None,
                };
            }
        }
    }
    // Columns without a chunk of their own (lists, maps) have no null count.
    let leaves: std::collections::HashSet<&str> = leaf_paths.iter().filter(|(_, own)| *own).map(|(p, _)| p.as_str()).collect();
    for (i, c) in columns.iter().enumerate() {
        if !leaves.contains(c.name.as_str()) || metadata.row_groups().is_empty() {
            nulls[i] = None;
        }
        if ranges[i].is_some_and(|(lo, hi)| !lo.is_finite() || !hi.is_finite()) {
            ranges[i] = None;
        }
    }
    let first_row_group = metadata.row_groups().iter().enumerate().find(|(_, rg)| rg.num_rows() > 0).and_then(|(i, rg)| {
        let mut start = u64::MAX;
        let mut end = 0u64;
        for chunk in rg.columns() {
            let offset = chunk.dictionary_page_offset().unwrap_or_else(|| chunk.data_page_offset());
            let length = chunk.compressed_size();
            if offset < 0 || length < 0 {
                return None;
            }
            start = start.min(offset as u64);
            end = end.max((offset as u64).checked_add(length as u64)?);
        }
        (start < end && end <= size).then_some((i, start, end))
    });
    // What the first row group expands to, as its footer tells (pages may still lie: the
    // reader runs contained, and a sample is read from a few files only).
    let mut unsampled = None;
    let mut first_row_group = first_row_group;
    if let Some((i, _, _)) = first_row_group {
        let expanded = metadata
            .row_group(i)
            .columns()
            .iter()
            .fold(0u64, |a, c| a.saturating_add(u64::try_from(c.uncompressed_size()).unwrap_or(u64::MAX)));
        if expanded > MAX_ROW_GROUP_EXPANDED {
            unsampled = Some(format!("not sampled: its first row group expands to more than {} MiB", MAX_ROW_GROUP_EXPANDED >> 20));
            first_row_group = None;
        }
    }
    Ok(Footer { columns, rows, nulls, ranges, first_row_group, unsampled, tail })
}

/// The columns of a schema tree: structs flattened to dotted paths, lists and maps as one
/// column. `leaves` gets each primitive's path, and whether it is a column of its own.
fn walk(group: &Type, prefix: &str, depth: usize, out: &mut Vec<FileColumn>, leaves: &mut Vec<(String, bool)>) {
    for field in group.get_fields() {
        if out.len() >= MAX_COLUMNS {
            return;
        }
        let info = field.get_basic_info();
        let path = if prefix.is_empty() { info.name().to_string() } else { format!("{prefix}.{}", info.name()) };
        let repetition = info.has_repetition().then(|| info.repetition());
        let nullable = repetition != Some(Repetition::REQUIRED);
        let mut push = |data_type: String, family: TypeFamily| {
            out.push(FileColumn { name: path.clone(), data_type, family, nullable, ordinal: out.len() + 1 });
        };
        if field.is_group() {
            let logical = info.logical_type();
            let converted = info.converted_type();
            if matches!(logical, Some(LogicalType::List)) || converted == ConvertedType::LIST || repetition == Some(Repetition::REPEATED) {
                push(format!("list<{}>", first_leaf(field).unwrap_or_else(|| "?".into())), TypeFamily::Array);
                collect_leaves(field, &path, leaves);
            } else if matches!(logical, Some(LogicalType::Map)) || matches!(converted, ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE) {
                push("map".into(), TypeFamily::Json);
                collect_leaves(field, &path, leaves);
            } else if depth >= 32 {
                push("struct".into(), TypeFamily::Json);
                collect_leaves(field, &path, leaves);
            } else {
                walk(field, &path, depth + 1, out, leaves);
            }
        } else if repetition == Some(Repetition::REPEATED) {
            push(format!("list<{}>", primitive(field).0), TypeFamily::Array);
            leaves.push((path.clone(), false));
        } else {
            let (data_type, family) = primitive(field);
            push(data_type, family);
            leaves.push((path.clone(), true));
        }
    }
}

fn collect_leaves(t: &Type, path: &str, leaves: &mut Vec<(String, bool)>) {
    for f in t.get_fields() {
        let p = format!("{path}.{}", f.name());
        if f.is_group() {
            collect_leaves(f, &p, leaves);
        } else {
            leaves.push((p, false));
        }
    }
}

fn first_leaf(t: &Type) -> Option<String> {
    t.get_fields().iter().find_map(|f| if f.is_group() { first_leaf(f) } else { Some(primitive(f).0) })
}

/// A primitive column's type as Parquet names it, and its family.
fn primitive(t: &Type) -> (String, TypeFamily) {
    let info = t.get_basic_info();
    if let Some(logical) = info.logical_type() {
        let known = match logical {
            LogicalType::String | LogicalType::Enum => Some(("string".to_string(), TypeFamily::Text)),
            LogicalType::Json => Some(("json".into(), TypeFamily::Json)),
            LogicalType::Bson => Some(("bson".into(), TypeFamily::Binary)),
            LogicalType::Uuid => Some(("uuid".into(), TypeFamily::Uuid)),
            LogicalType::Date => Some(("date".into(), TypeFamily::Date)),
            LogicalType::Time { .. } => Some(("time".into(), TypeFamily::Time)),
            LogicalType::Timestamp { is_adjusted_to_u_t_c: true, unit } => {
                Some((format!("timestamp[{}, UTC]", unit_name(&unit)), TypeFamily::TimestampTz))
            }
            LogicalType::Timestamp { is_adjusted_to_u_t_c: false, unit } => {
                Some((format!("timestamp[{}]", unit_name(&unit)), TypeFamily::Timestamp))
            }
            LogicalType::Decimal { scale, precision } => Some((format!("decimal({precision},{scale})"), TypeFamily::Decimal)),
            LogicalType::Integer { bit_width, is_signed } => {
                Some((format!("{}int{bit_width}", if is_signed { "" } else { "u" }), TypeFamily::Integer))
            }
            LogicalType::Float16 => Some(("float16".into(), TypeFamily::Float)),
            LogicalType::Geometry | LogicalType::Geography => Some(("geometry".into(), TypeFamily::Geometry)),
            _ => None,
        };
        if let Some(k) = known {
            return k;
        }
    }
    match info.converted_type() {
        ConvertedType::UTF8 | ConvertedType::ENUM => return ("string".into(), TypeFamily::Text),
        ConvertedType::JSON => return ("json".into(), TypeFamily::Json),
        ConvertedType::DATE => return ("date".into(), TypeFamily::Date),
        ConvertedType::TIMESTAMP_MILLIS | ConvertedType::TIMESTAMP_MICROS => return ("timestamp".into(), TypeFamily::Timestamp),
        ConvertedType::DECIMAL => return (format!("decimal({},{})", t.get_precision(), t.get_scale()), TypeFamily::Decimal),
        _ => {}
    }
    match t.get_physical_type() {
        Physical::BOOLEAN => ("boolean".into(), TypeFamily::Boolean),
        Physical::INT32 => ("int32".into(), TypeFamily::Integer),
        Physical::INT64 => ("int64".into(), TypeFamily::Integer),
        Physical::INT96 => ("int96 timestamp".into(), TypeFamily::Timestamp),
        Physical::FLOAT => ("float".into(), TypeFamily::Float),
        Physical::DOUBLE => ("double".into(), TypeFamily::Float),
        Physical::BYTE_ARRAY => ("binary".into(), TypeFamily::Binary),
        Physical::FIXED_LEN_BYTE_ARRAY => {
            let length = match t {
                Type::PrimitiveType { type_length, .. } => *type_length,
                Type::GroupType { .. } => -1,
            };
            (format!("fixed_len_byte_array({length})"), TypeFamily::Binary)
        }
    }
}

fn unit_name(unit: &parquet::basic::TimeUnit) -> &'static str {
    match unit {
        parquet::basic::TimeUnit::MILLIS(_) => "ms",
        parquet::basic::TimeUnit::MICROS(_) => "us",
        parquet::basic::TimeUnit::NANOS(_) => "ns",
    }
}

/// The parts of a file held in memory: ranges at their offsets, of a file of `len` bytes.
struct Pieces {
    len: u64,
    pieces: Vec<(u64, Bytes)>,
}

impl Pieces {
    fn slice(&self, start: u64, length: Option<usize>) -> parquet::errors::Result<Bytes> {
        for (offset, bytes) in &self.pieces {
            let end = offset + bytes.len() as u64;
            if start >= *offset && start <= end {
                let from = (start - offset) as usize;
                let to = match length {
                    Some(n) => from.checked_add(n).filter(|&to| to <= bytes.len()),
                    None => Some(bytes.len()),
                };
                if let Some(to) = to {
                    return Ok(bytes.slice(from..to));
                }
            }
        }
        Err(parquet::errors::ParquetError::EOF(format!("bytes at {start} lie outside the parts read")))
    }
}

impl Length for Pieces {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for Pieces {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(self.slice(start, None)?.reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.slice(start, Some(length))
    }
}

/// Up to `n` rows of row group `group` (whose bytes start at `offset`), each aligned with
/// `columns`, read with the file's footer `tail`.
pub fn read_rows(
    size: u64,
    tail: Bytes,
    group: usize,
    offset: u64,
    bytes: Bytes,
    columns: &[FileColumn],
    n: usize,
) -> Result<Vec<Vec<Option<String>>>, String> {
    let tail_start = size - tail.len() as u64;
    let pieces = Pieces { len: size, pieces: vec![(offset, bytes.clone()), (tail_start, tail)] };
    let reader =
        parquet::file::serialized_reader::SerializedFileReader::new(pieces).map_err(|e| format!("the footer cannot be read: {e}"))?;
    // The pages' headers are checked before the crate reads them (it believes their sizes).
    let mut expanded = 0u64;
    for chunk in reader.metadata().row_group(group).columns() {
        let (start, length) = chunk.byte_range();
        let chunk_bytes = start
            .checked_sub(offset)
            .and_then(|from| Some(from as usize..usize::try_from(from.checked_add(length)?).ok()?))
            .and_then(|range| bytes.get(range))
            .ok_or_else(|| format!("row group {group}: a column chunk lies outside the row group's bytes"))?;
        let pages = super::footer_guard::check_pages(chunk_bytes)
            .map_err(|e| format!("row group {group}, column {}: {e}", chunk.column_path().parts().join(".")))?;
        expanded = expanded.saturating_add(pages);
    }
    if expanded > MAX_ROW_GROUP_EXPANDED {
        return Err(format!("row group {group}'s pages expand to more than {} MiB", MAX_ROW_GROUP_EXPANDED >> 20));
    }
    let row_group = reader.get_row_group(group).map_err(|e| format!("row group {group} cannot be read: {e}"))?;
    let index: HashMap<&str, usize> = columns.iter().enumerate().map(|(i, c)| (c.name.as_str(), i)).collect();
    let mut rows = Vec::new();
    for row in row_group.get_row_iter(None).map_err(|e| format!("row group {group} cannot be read: {e}"))?.take(n) {
        let row = row.map_err(|e| format!("row group {group} cannot be read: {e}"))?;
        let mut values = vec![None; columns.len()];
        for (name, field) in row.get_column_iter() {
            place(name, field, &index, &mut values, 0);
        }
        rows.push(values);
    }
    Ok(rows)
}

fn place(path: &str, field: &Field, index: &HashMap<&str, usize>, values: &mut [Option<String>], depth: usize) {
    if let Some(&i) = index.get(path) {
        values[i] = text(field);
        return;
    }
    if let (Field::Group(row), true) = (field, depth < 32) {
        for (name, f) in row.get_column_iter() {
            place(&format!("{path}.{name}"), f, index, values, depth + 1);
        }
    }
}

/// A value as text: strings as they are, numbers plainly, the rest as the crate shows them.
fn text(field: &Field) -> Option<String> {
    Some(match field {
        Field::Null => return None,
        Field::Str(s) => s.clone(),
        Field::Bytes(b) => String::from_utf8_lossy(b.data()).into_owned(),
        Field::Float(v) => v.to_string(),
        Field::Double(v) => v.to_string(),
        other => other.to_string(),
    })
}
