//! CSV, TSV and JSON Lines files, plain or compressed: the head of the file is read (a bounded
//! number of bytes and rows), its columns and their types inferred, and problems found on
//! the way (bad lines, invalid UTF-8, type conflicts) kept as notes for the scan report.

use super::infer::{kind_of_text, Kind, KindCounts};
use super::{Compression, FileColumn};
use std::collections::HashMap;
use std::io::Read;

/// Most columns read from one file; the rest are reported.
const MAX_COLUMNS: usize = 10_000;
/// Deepest nesting of JSON objects flattened to dotted paths; deeper values are kept as JSON.
const MAX_DEPTH: usize = 32;

/// The decompressed head of a file.
pub struct Head {
    pub bytes: Vec<u8>,
    /// The whole file is in `bytes`.
    pub complete: bool,
}

/// Decompresses `raw` (the whole file when `whole`, else its first bytes) up to `limit` bytes.
pub fn decompress(raw: &[u8], compression: Compression, whole: bool, limit: usize) -> Result<Head, String> {
    let mut out = Vec::new();
    let result = match compression {
        Compression::None => {
            let n = raw.len().min(limit);
            return Ok(Head { bytes: raw[..n].to_vec(), complete: whole && raw.len() <= limit });
        }
        Compression::Gzip => flate2::read::MultiGzDecoder::new(raw).take(limit as u64).read_to_end(&mut out),
        Compression::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::new(raw).map_err(|e| format!("not a zstd stream: {e}"))?;
            // At most an 8 MiB window: a tiny frame may not ask for gigabytes.
            decoder.window_log_max(23).map_err(|e| format!("not a zstd stream: {e}"))?;
            decoder.take(limit as u64).read_to_end(&mut out)
        }
    };
    let name = compression.name();
    match result {
        Ok(_) => Ok(Head { complete: whole && out.len() < limit, bytes: out }),
        // The head of a larger file ends mid-stream: what came out before is good.
        Err(_) if !whole && !out.is_empty() => Ok(Head { bytes: out, complete: false }),
        Err(e) if out.is_empty() => Err(format!("the {name} stream cannot be read: {e}")),
        Err(e) => Err(format!("the {name} stream is corrupt after {} bytes: {e}", out.len())),
    }
}

/// What a text file's head held.
#[derive(Debug, Default)]
pub struct Parsed {
    pub columns: Vec<FileColumn>,
    /// Records read (not counting a header).
    pub rows_read: u64,
    /// Bytes of the head the records read came from.
    pub bytes_used: u64,
    /// The first rows, each aligned with `columns` (None for a null or empty value).
    pub rows: Vec<Vec<Option<String>>>,
    /// Problems that did not stop the file from being read.
    pub notes: Vec<String>,
}

fn unique_name(name: String, taken: &mut HashMap<String, usize>, position: usize) -> String {
    let base = if name.trim().is_empty() { format!("column_{position}") } else { name };
    let n = taken.entry(base.clone()).or_insert(0);
    *n += 1;
    if *n == 1 {
        base
    } else {
        format!("{base}_{n}")
    }
}

/// The delimiter that splits the first lines into the same number of fields, the most of them.
fn sniff_delimiter(data: &[u8]) -> u8 {
    let sample_end = data.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(20).map_or(data.len(), |(i, _)| i + 1);
    let sample = &data[..sample_end];
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let mut reader = csv::ReaderBuilder::new().delimiter(d).has_headers(false).flexible(true).from_reader(sample);
        let counts: Vec<usize> = reader.byte_records().take(20).filter_map(Result::ok).map(|r| r.len()).collect();
        let complete = if data.len() > sample.len() && counts.len() > 1 { &counts[..counts.len() - 1] } else { &counts[..] };
        let Some(&first) = complete.first() else { continue };
        if first > 1 && complete.iter().all(|&c| c == first) && first > best.1 {
            best = (d, first);
        }
    }
    best.0
}

/// Reads a CSV (or, with `tab`, TSV) head: at most `max_rows` records, keeping `keep_rows`.
pub fn read_csv(head: &Head, tab: bool, max_rows: usize, keep_rows: usize) -> Result<Parsed, String> {
    let data = head.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head.bytes);
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err("the file holds no records".into());
    }
    let delimiter = if tab { b'\t' } else { sniff_delimiter(data) };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(data);
    let mut records: Vec<(csv::ByteRecord, u64, u64)> = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut broken: Option<String> = None;
    loop {
        if records.len() > max_rows {
            break;
        }
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                records.push((record.clone(), line, reader.position().byte()));
            }
            Ok(false) => break,
            Err(e) => {
                broken = Some(e.to_string());
                break;
            }
        }
    }
    // The head of a larger file ends mid-record.
    if !head.complete && records.len() > 1 {
        records.pop();
    }
    if let Some(e) = broken {
        if records.is_empty() {
            return Err(format!("not readable as CSV: {e}"));
        }
    }
    let Some((first, _, _)) = records.first() else { return Err("the file holds no records".into()) };
    let first_text: Vec<String> = first.iter().map(|f| String::from_utf8_lossy(f).trim().to_string()).collect();
    let distinct = first_text.iter().collect::<std::collections::HashSet<_>>().len() == first_text.len();
    let header = distinct && first_text.iter().all(|f| !f.is_empty() && kind_of_text(f) == Kind::Text);
    let width = records.iter().map(|(r, _, _)| r.len()).max().unwrap_or(0).min(MAX_COLUMNS);
    let mut taken = HashMap::new();
    let names: Vec<String> = (0..width)
        .map(|i| {
            let name = if header { first_text.get(i).cloned().unwrap_or_default() } else { String::new() };
            unique_name(name, &mut taken, i + 1)
        })
        .collect();
    let body = if header { &records[1..] } else { &records[..] };
    let mut kinds = vec![KindCounts::default(); width];
    let mut parsed = Parsed::default();
    let (mut invalid_utf8, mut first_invalid, mut ragged, mut first_ragged) = (0u64, 0u64, 0u64, 0u64);
    let expected = if header { first.len() } else { width };
    for (rec, line, end) in body.iter().take(max_rows) {
        if rec.len() != expected {
            ragged += 1;
            if first_ragged == 0 {
                first_ragged = *line;
            }
        }
        let mut row = Vec::with_capacity(if parsed.rows.len() < keep_rows { width } else { 0 });
        for (i, kinds) in kinds.iter_mut().enumerate() {
            let value = match rec.get(i) {
                None => None,
                Some(raw) => match std::str::from_utf8(raw) {
                    Ok(s) => Some(std::borrow::Cow::Borrowed(s)),
                    Err(_) => {
                        invalid_utf8 += 1;
                        if first_invalid == 0 {
                            first_invalid = *line;
                        }
                        Some(String::from_utf8_lossy(raw))
                    }
                },
            };
            let value = value.filter(|v| !v.is_empty());
            match &value {
                None => kinds.add_null(),
                Some(v) => kinds.add(kind_of_text(v), *line),
            }
            if parsed.rows.len() < keep_rows {
                row.push(value.map(|v| v.into_owned()));
            }
        }
        if parsed.rows.len() < keep_rows {
            parsed.rows.push(row);
        }
        parsed.rows_read += 1;
        parsed.bytes_used = *end;
    }
    if invalid_utf8 > 0 {
        parsed.notes.push(format!(
            "{invalid_utf8} value{} not valid UTF-8 (first at line {first_invalid}); read with replacement characters",
            if invalid_utf8 == 1 { " is" } else { "s are" }
        ));
    }
    if ragged > 0 {
        parsed.notes.push(format!(
            "{ragged} record{} a different number of fields than the first (first at line {first_ragged})",
            if ragged == 1 { " has" } else { "s have" }
        ));
    }
    if records.iter().any(|(r, _, _)| r.len() > MAX_COLUMNS) {
        parsed.notes.push(format!("only the first {MAX_COLUMNS} fields of each record were read"));
    }
    parsed.columns = names
        .into_iter()
        .zip(kinds)
        .enumerate()
        .map(|(i, (name, k))| {
            let r = k.resolve(false);
            FileColumn { name, data_type: r.data_type, family: r.family, nullable: k.nulls > 0, ordinal: i + 1 }
        })
        .collect();
    Ok(parsed)
}

/// Reads a JSON Lines head: at most `max_rows` lines holding objects, keeping `keep_rows`.
/// Nested objects become dotted columns (`device.os`); arrays are one column.
pub fn read_jsonl(head: &Head, max_rows: usize, keep_rows: usize) -> Result<Parsed, String> {
    let data = head.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head.bytes);
    let mut lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    if !head.complete && lines.len() > 1 {
        lines.pop();
    }
    let mut parsed = Parsed::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut kinds: Vec<KindCounts> = Vec::new();
    let mut present: Vec<u64> = Vec::new();
    let mut sparse_rows: Vec<Vec<(usize, Option<String>)>> = Vec::new();
    let (mut bad, mut bad_lines, mut first_error) = (0u64, Vec::new(), None);
    let mut too_many = false;
    let mut offset = 0u64;
    for (i, raw) in lines.iter().enumerate() {
        offset += raw.len() as u64 + 1;
        let line_no = i as u64 + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if parsed.rows_read as usize >= max_rows {
            break;
        }
        let value: serde_json::Value = match serde_json::from_slice(raw) {
            Ok(serde_json::Value::Object(o)) => serde_json::Value::Object(o),
            Ok(_) => {
                bad += 1;
                if bad_lines.len() < 5 {
                    bad_lines.push(line_no);
                }
                first_error.get_or_insert_with(|| format!("line {line_no} is not a JSON object"));
                continue;
            }
            Err(e) => {
                bad += 1;
                if bad_lines.len() < 5 {
                    bad_lines.push(line_no);
                }
                first_error.get_or_insert_with(|| format!("line {line_no}: {e}"));
                continue;
            }
        };
        let mut flat = Vec::new();
        flatten("", &value, 0, &mut flat);
        let keep = sparse_rows.len() < keep_rows;
        let mut row = Vec::new();
        for (path, v) in flat {
            let idx = match index.get(&path) {
                Some(&i) => i,
                None if names.len() >= MAX_COLUMNS => {
                    too_many = true;
                    continue;
                }
                None => {
                    index.insert(path.clone(), names.len());
                    names.push(path);
                    kinds.push(KindCounts::default());
                    present.push(0);
                    names.len() - 1
                }
            };
            present[idx] += 1;
            let kind = match v {
                serde_json::Value::Null => None,
                serde_json::Value::Bool(_) => Some(Kind::Boolean),
                serde_json::Value::Number(n) => Some(if n.is_f64() { Kind::Float } else { Kind::Integer }),
                serde_json::Value::String(s) => Some(match kind_of_text(s) {
                    k @ (Kind::Date | Kind::Timestamp | Kind::TimestampTz) => k,
                    _ => Kind::Text,
                }),
                serde_json::Value::Array(_) => Some(Kind::Array),
                serde_json::Value::Object(_) => Some(Kind::Object),
            };
            match kind {
                None => kinds[idx].add_null(),
                Some(k) => kinds[idx].add(k, line_no),
            }
            if keep {
                let text = match v {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                };
                row.push((idx, text));
            }
        }
        if keep {
            sparse_rows.push(row);
        }
        parsed.rows_read += 1;
        parsed.bytes_used = offset;
    }
    if parsed.rows_read == 0 {
        return Err(match first_error {
            Some(e) => format!("no line holds a JSON object ({e})"),
            None => "the file holds no records".into(),
        });
    }
    if bad > 0 {
        let shown: Vec<String> = bad_lines.iter().map(u64::to_string).collect();
        parsed.notes.push(format!(
            "{bad} line{} not valid JSON objects and {} skipped (line{} {}{}); {}",
            if bad == 1 { " is" } else { "s are" },
            if bad == 1 { "was" } else { "were" },
            if bad_lines.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if bad as usize > bad_lines.len() { ", ..." } else { "" },
            first_error.unwrap_or_default()
        ));
    }
    if too_many {
        parsed.notes.push(format!("only the first {MAX_COLUMNS} keys were read"));
    }
    parsed.rows = sparse_rows
        .into_iter()
        .map(|sparse| {
            let mut row = vec![None; names.len()];
            for (i, v) in sparse {
                row[i] = v;
            }
            row
        })
        .collect();
    for (name, k) in names.iter().zip(&kinds) {
        if let Some(conflict) = k.resolve(true).conflict {
            parsed.notes.push(format!("type conflict in column {name:?}: {conflict}"));
        }
    }
    let rows = parsed.rows_read;
    parsed.columns = names
        .into_iter()
        .zip(kinds)
        .zip(present)
        .enumerate()
        .map(|(i, ((name, k), seen))| {
            let r = k.resolve(true);
            FileColumn { name, data_type: r.data_type, family: r.family, nullable: k.nulls > 0 || seen < rows, ordinal: i + 1 }
        })
        .collect();
    Ok(parsed)
}

fn flatten<'a>(prefix: &str, value: &'a serde_json::Value, depth: usize, out: &mut Vec<(String, &'a serde_json::Value)>) {
    match value {
        serde_json::Value::Object(map) if depth < MAX_DEPTH && !map.is_empty() => {
            for (k, v) in map {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&path, v, depth + 1, out);
            }
        }
        _ if prefix.is_empty() => {}
        other => out.push((prefix.to_string(), other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(s: &[u8]) -> Head {
        Head { bytes: s.to_vec(), complete: true }
    }

    #[test]
    fn csv_with_quoted_delimiters_and_newlines_keeps_its_records() {
        let p = read_csv(&whole(b"id;name;note\n1;Anna;\"a; b\nc\"\n2;Bo;\n"), false, 100, 10).unwrap();
        let names: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "name", "note"]);
        assert_eq!(p.columns[0].family, crate::TypeFamily::Integer);
        assert_eq!(p.rows[0][2].as_deref(), Some("a; b\nc"));
        assert_eq!(p.rows[1][2], None);
        assert!(p.columns[2].nullable);
    }

    #[test]
    fn csv_without_a_header_gets_numbered_columns_and_bad_bytes_are_told() {
        let p = read_csv(&whole(b"1,M\xfcller\n2,Bo\n"), false, 100, 10).unwrap();
        assert_eq!(p.columns[0].name, "column_1");
        assert_eq!(p.rows_read, 2);
        assert!(p.notes[0].contains("not valid UTF-8 (first at line 1)"), "{:?}", p.notes);
    }

    #[test]
    fn jsonl_flattens_objects_and_reports_bad_lines_and_conflicts() {
        let text = b"{\"a\": 1, \"d\": {\"os\": \"x\"}}\n{\"a\": \"n/a\"\n{\"a\": \"n/a\", \"d\": {\"os\": \"y\"}}\n[1]\n";
        let p = read_jsonl(&whole(text), 100, 10).unwrap();
        let names: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "d.os"]);
        assert_eq!(p.rows_read, 2);
        assert!(p.notes.iter().any(|n| n.starts_with("2 lines are not valid JSON objects and were skipped (lines 2, 4)")), "{:?}", p.notes);
        assert!(p.notes.iter().any(|n| n.contains("type conflict in column \"a\"")), "{:?}", p.notes);
        assert!(read_jsonl(&whole(b"nope\n"), 10, 10).unwrap_err().starts_with("no line holds a JSON object"));
    }

    #[test]
    fn a_cut_head_drops_its_partial_last_record() {
        let head = Head { bytes: b"a,b\n1,2\n3,4\n5,".to_vec(), complete: false };
        assert_eq!(read_csv(&head, false, 100, 10).unwrap().rows_read, 2);
        let head = Head { bytes: b"{\"a\":1}\n{\"a\":2}\n{\"a\"".to_vec(), complete: false };
        let p = read_jsonl(&head, 100, 10).unwrap();
        assert_eq!((p.rows_read, p.notes.len()), (2, 0));
    }
}
