//! A walk over a Parquet footer's Thrift bytes before the parquet crate decodes them.
//!
//! The crate believes the sizes a footer declares. A list that claims a billion entries is
//! allocated in full before its first entry is read: the allocation fails, and a failed
//! allocation aborts the process instead of returning an error. A schema whose groups nest
//! ten thousand deep is built by recursion and overflows the stack, which also aborts. Both
//! fit in a few bytes of a hostile or damaged file.
//!
//! This walk reads the same compact-protocol bytes without building anything. It refuses a
//! footer when a list claims more entries than the bytes left could hold (every entry takes
//! at least one byte), when the decoded form would pass a memory budget, when structures
//! nest deeper than the Parquet format ever does, or when the schema's groups nest deeper
//! than any real file. The walk does as much work as the crate's own decoding and allocates
//! nothing beyond one number per schema element.
//!
//! The crate reads a field it knows as the format's type for it, whatever type the field's
//! header declares: an integer declared where the format has a list is read as a list. So
//! the walk knows the format's structures too (the tables below, field ids and types as
//! parquet-format defines them) and refuses a known field declared with another type;
//! otherwise the walk and the crate would part ways at that field and read different bytes
//! as the same list's length. Fields the format does not define are skipped by their
//! declared type, as the crate skips them.

/// Deepest nesting of Thrift structures and collections (the format itself needs about six).
const MAX_NESTING: usize = 64;
/// Deepest nesting of groups in a schema.
pub const MAX_SCHEMA_DEPTH: usize = 128;
/// What the decoded footer may take in memory, as estimated from its declared lists.
const MEMORY_BUDGET: u64 = 1 << 30;
/// Estimated bytes in memory per list entry: structures are counted generously (a decoded
/// column chunk with its statistics takes several hundred bytes); the contents of strings
/// are in the input already and so bounded by it.
const STRUCT_WEIGHT: u64 = 1024;
const OTHER_WEIGHT: u64 = 32;

// Compact protocol type codes.
const STOP: u8 = 0;
const BOOL_TRUE: u8 = 1;
const BOOL_FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;

/// A value's type as the format defines it.
#[derive(Clone, Copy)]
enum Ty {
    Bool,
    Byte,
    I16,
    I32,
    I64,
    Double,
    Binary,
    List(&'static Ty),
    Struct(&'static Def),
}

/// A structure of the format: its name (for messages) and its fields' ids and types.
struct Def {
    name: &'static str,
    fields: &'static [(i16, Ty)],
}

use Ty::{Binary as Bin, Bool as Flag, Double as F64, I16 as Short, I32 as Int, I64 as Long};

const fn def(name: &'static str, fields: &'static [(i16, Ty)]) -> Def {
    Def { name, fields }
}
/// A union whose members are all empty structures (time units, orders, and the like).
const EMPTY: Def = def("empty structure", &[]);
const STATISTICS: Def = def("Statistics", &[(1, Bin), (2, Bin), (3, Long), (4, Long), (5, Bin), (6, Bin), (7, Flag), (8, Flag)]);
const TIME_UNIT: Def = def("TimeUnit", &[(1, Ty::Struct(&EMPTY)), (2, Ty::Struct(&EMPTY)), (3, Ty::Struct(&EMPTY))]);
const TIMED: Def = def("TimeType", &[(1, Flag), (2, Ty::Struct(&TIME_UNIT))]);
const LOGICAL_TYPE: Def = def(
    "LogicalType",
    &[
        (1, Ty::Struct(&EMPTY)),
        (2, Ty::Struct(&EMPTY)),
        (3, Ty::Struct(&EMPTY)),
        (4, Ty::Struct(&EMPTY)),
        (5, Ty::Struct(&def("DecimalType", &[(1, Int), (2, Int)]))),
        (6, Ty::Struct(&EMPTY)),
        (7, Ty::Struct(&TIMED)),
        (8, Ty::Struct(&TIMED)),
        (10, Ty::Struct(&def("IntType", &[(1, Ty::Byte), (2, Flag)]))),
        (11, Ty::Struct(&EMPTY)),
        (12, Ty::Struct(&EMPTY)),
        (13, Ty::Struct(&EMPTY)),
        (14, Ty::Struct(&EMPTY)),
        (15, Ty::Struct(&EMPTY)),
        (16, Ty::Struct(&def("VariantType", &[(1, Ty::Byte)]))),
        (17, Ty::Struct(&def("GeometryType", &[(1, Bin)]))),
        (18, Ty::Struct(&def("GeographyType", &[(1, Bin), (2, Int)]))),
    ],
);
const SCHEMA_ELEMENT: Def = def(
    "SchemaElement",
    &[(1, Int), (2, Int), (3, Int), (4, Bin), (5, Int), (6, Int), (7, Int), (8, Int), (9, Int), (10, Ty::Struct(&LOGICAL_TYPE))],
);
const KEY_VALUE: Def = def("KeyValue", &[(1, Bin), (2, Bin)]);
const COLUMN_META_DATA: Def = def(
    "ColumnMetaData",
    &[
        (1, Int),
        (2, Ty::List(&Int)),
        (3, Ty::List(&Bin)),
        (4, Int),
        (5, Long),
        (6, Long),
        (7, Long),
        (8, Ty::List(&Ty::Struct(&KEY_VALUE))),
        (9, Long),
        (10, Long),
        (11, Long),
        (12, Ty::Struct(&STATISTICS)),
        (13, Ty::List(&Ty::Struct(&def("PageEncodingStats", &[(1, Int), (2, Int), (3, Int)])))),
        (14, Long),
        (15, Int),
        (16, Ty::Struct(&def("SizeStatistics", &[(1, Long), (2, Ty::List(&Long)), (3, Ty::List(&Long))]))),
        (
            17,
            Ty::Struct(&def(
                "GeospatialStatistics",
                &[
                    (1, Ty::Struct(&def("BoundingBox", &[(1, F64), (2, F64), (3, F64), (4, F64), (5, F64), (6, F64), (7, F64), (8, F64)]))),
                    (2, Ty::List(&Int)),
                ],
            )),
        ),
    ],
);
const COLUMN_CHUNK: Def = def(
    "ColumnChunk",
    &[
        (1, Bin),
        (2, Long),
        (3, Ty::Struct(&COLUMN_META_DATA)),
        (4, Long),
        (5, Int),
        (6, Long),
        (7, Int),
        (
            8,
            Ty::Struct(&def(
                "ColumnCryptoMetaData",
                &[(1, Ty::Struct(&EMPTY)), (2, Ty::Struct(&def("EncryptionWithColumnKey", &[(1, Ty::List(&Bin)), (2, Bin)])))],
            )),
        ),
        (9, Bin),
    ],
);
const ROW_GROUP: Def = def(
    "RowGroup",
    &[
        (1, Ty::List(&Ty::Struct(&COLUMN_CHUNK))),
        (2, Long),
        (3, Long),
        (4, Ty::List(&Ty::Struct(&def("SortingColumn", &[(1, Int), (2, Flag), (3, Flag)])))),
        (5, Long),
        (6, Long),
        (7, Short),
    ],
);
const AES: Def = def("AesGcmV1", &[(1, Bin), (2, Bin), (3, Flag)]);
const FILE_META_DATA: Def = def(
    "FileMetaData",
    &[
        (1, Int),
        (2, Ty::List(&Ty::Struct(&SCHEMA_ELEMENT))),
        (3, Long),
        (4, Ty::List(&Ty::Struct(&ROW_GROUP))),
        (5, Ty::List(&Ty::Struct(&KEY_VALUE))),
        (6, Bin),
        (7, Ty::List(&Ty::Struct(&EMPTY))),
        (8, Ty::Struct(&def("EncryptionAlgorithm", &[(1, Ty::Struct(&AES)), (2, Ty::Struct(&AES))]))),
        (9, Bin),
    ],
);
const PAGE_HEADER: Def = def(
    "PageHeader",
    &[
        (1, Int),
        (2, Int),
        (3, Int),
        (4, Int),
        (5, Ty::Struct(&def("DataPageHeader", &[(1, Int), (2, Int), (3, Int), (4, Int), (5, Ty::Struct(&STATISTICS))]))),
        (6, Ty::Struct(&EMPTY)),
        (7, Ty::Struct(&def("DictionaryPageHeader", &[(1, Int), (2, Int), (3, Flag)]))),
        (
            8,
            Ty::Struct(&def(
                "DataPageHeaderV2",
                &[(1, Int), (2, Int), (3, Int), (4, Int), (5, Int), (6, Int), (7, Flag), (8, Ty::Struct(&STATISTICS))],
            )),
        ),
    ],
);

impl Ty {
    /// The type a declared code stands for when it holds no other values.
    fn scalar(code: u8) -> Option<Ty> {
        Some(match code {
            BOOL_TRUE | BOOL_FALSE => Ty::Bool,
            BYTE => Ty::Byte,
            I16 => Ty::I16,
            I32 => Ty::I32,
            I64 => Ty::I64,
            DOUBLE => Ty::Double,
            BINARY => Ty::Binary,
            _ => return None,
        })
    }

    /// Whether a declared compact-protocol type code is this type.
    fn declared_as(self, code: u8) -> bool {
        code == match self {
            Ty::Bool => return code == BOOL_TRUE || code == BOOL_FALSE,
            Ty::Byte => BYTE,
            Ty::I16 => I16,
            Ty::I32 => I32,
            Ty::I64 => I64,
            Ty::Double => DOUBLE,
            Ty::Binary => BINARY,
            Ty::List(_) => LIST,
            Ty::Struct(_) => STRUCT,
        }
    }
}

fn type_name(code: u8) -> &'static str {
    match code {
        BOOL_TRUE | BOOL_FALSE => "a boolean",
        BYTE => "a byte",
        I16 => "a 16-bit integer",
        I32 => "a 32-bit integer",
        I64 => "a 64-bit integer",
        DOUBLE => "a double",
        BINARY => "a string",
        LIST => "a list",
        SET => "a set",
        MAP => "a map",
        STRUCT => "a structure",
        _ => "an unknown type",
    }
}

/// FileMetaData's field holding the schema, and SchemaElement's field holding the number of
/// children.
const FILE_SCHEMA_FIELD: i16 = 2;
const ELEMENT_CHILDREN_FIELD: i16 = 5;
const SCHEMA_CHILDREN: &[&[i16]] = &[&[FILE_SCHEMA_FIELD, ELEMENT_CHILDREN_FIELD]];

/// Checks `metadata` (a footer's Thrift bytes, without the length and marker at the end).
pub fn check(metadata: &[u8]) -> Result<(), String> {
    let mut walk = Walk::new(metadata, SCHEMA_CHILDREN);
    walk.file_metadata().map_err(|e| format!("the footer cannot be read: {e}"))?;
    schema_depth(&walk.children)
}

/// PageHeader's fields: the uncompressed and compressed sizes, and a dictionary page's
/// number of values.
const PAGE_FIELDS: &[&[i16]] = &[&[2], &[3], &[7, 1]];
/// Largest page read, uncompressed.
const MAX_PAGE: i64 = 256 << 20;

/// Checks a column chunk's pages (`chunk`: its bytes, where the footer places them) before
/// the crate reads them, which it does with the same trust in declared sizes as for footers;
/// returns what the pages expand to.
pub fn check_pages(chunk: &[u8]) -> Result<u64, String> {
    let mut pos = 0;
    let mut expanded = 0u64;
    let mut page = 0;
    while pos < chunk.len() {
        page += 1;
        let mut walk = Walk::new(&chunk[pos..], PAGE_FIELDS);
        walk.structure(1, Some(&PAGE_HEADER)).map_err(|e| format!("the header of page {page} cannot be read: {e}"))?;
        let field = |i: usize| walk.found.iter().rev().find(|(w, _)| *w == i).map(|(_, v)| *v);
        let (Some(uncompressed), Some(compressed)) = (field(0), field(1)) else {
            return Err(format!("the header of page {page} lacks its sizes"));
        };
        if !(0..=MAX_PAGE).contains(&uncompressed) {
            return Err(format!("page {page} claims {uncompressed} bytes uncompressed (at most {} MiB are read)", MAX_PAGE >> 20));
        }
        let left = chunk.len() - pos - walk.pos;
        if compressed < 0 || compressed as u64 > left as u64 {
            return Err(format!("page {page} claims {compressed} bytes where {left} remain in its column chunk"));
        }
        // Dictionary values are stored plainly: a bit each at the very least.
        if let Some(n) = field(2) {
            if n < 0 || n > uncompressed.saturating_mul(8) {
                return Err(format!("page {page}, a dictionary, claims {n} values in {uncompressed} bytes"));
            }
        }
        expanded = expanded.saturating_add(uncompressed as u64);
        pos += walk.pos + compressed as usize;
    }
    Ok(expanded)
}

struct Walk<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Estimated memory of the decoded footer so far.
    memory: u64,
    /// Each schema element's number of children, in order.
    children: Vec<i64>,
    /// Field ids from the top structure down to the value being read.
    path: Vec<i16>,
    /// Integer fields to report, by path, and what was found: (index in `watch`, value).
    watch: &'static [&'static [i16]],
    found: Vec<(usize, i64)>,
}

impl<'a> Walk<'a> {
    fn new(buf: &'a [u8], watch: &'static [&'static [i16]]) -> Self {
        Walk { buf, pos: 0, memory: 0, children: Vec::new(), path: Vec::new(), watch, found: Vec::new() }
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.buf.get(self.pos).ok_or_else(|| format!("its metadata ends early, at byte {}", self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!("its metadata holds a malformed number at byte {}", self.pos))
    }

    fn zigzag(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn skip(&mut self, n: u64) -> Result<(), String> {
        let left = (self.buf.len() - self.pos) as u64;
        if n > left {
            return Err(format!("its metadata declares {n} bytes at byte {} where {left} remain", self.pos));
        }
        self.pos += n as usize;
        Ok(())
    }

    /// A collection of `count` entries, each of type `ty` (two types for a map's entries),
    /// walked by their declared types.
    fn entries(&mut self, count: u64, types: &[u8], depth: usize) -> Result<(), String> {
        let weight: u64 = types.iter().map(|&t| entry_weight(t)).sum();
        self.claim_entries(count, weight)?;
        for _ in 0..count {
            for &t in types {
                // Booleans in collections take a byte each.
                if t == BOOL_TRUE || t == BOOL_FALSE {
                    self.byte()?;
                } else {
                    self.value(t, depth)?;
                }
            }
        }
        Ok(())
    }

    fn claim_entries(&mut self, count: u64, weight: u64) -> Result<(), String> {
        let at = self.pos;
        self.claim(count, weight, |left| format!("a list at byte {at} claims {count} entries where {left} bytes remain"))
    }

    /// A collection's claim of `count` entries of `weight` bytes each in memory: at most one
    /// entry per byte left (`too_many` tells otherwise, from the bytes left), and within the
    /// memory budget with what came before.
    fn claim(&mut self, count: u64, weight: u64, too_many: impl FnOnce(u64) -> String) -> Result<(), String> {
        let left = (self.buf.len() - self.pos) as u64;
        if count > left {
            return Err(too_many(left));
        }
        self.memory = self.memory.saturating_add(count.saturating_mul(weight));
        if self.memory > MEMORY_BUDGET {
            return Err(format!("its metadata would take more than {} MiB of memory to read", MEMORY_BUDGET >> 20));
        }
        Ok(())
    }

    fn list_header(&mut self) -> Result<(u64, u8), String> {
        let header = self.byte()?;
        let count = match header >> 4 {
            15 => self.varint()?,
            n => u64::from(n),
        };
        Ok((count, header & 0x0f))
    }

    /// One value of declared type `ty`, as the crate skips a field it does not know; an
    /// integer's value is returned.
    fn value(&mut self, ty: u8, depth: usize) -> Result<Option<i64>, String> {
        if let Some(scalar) = Ty::scalar(ty) {
            return self.typed(scalar, depth);
        }
        if depth > MAX_NESTING {
            return Err(format!("its metadata nests more than {MAX_NESTING} levels deep"));
        }
        match ty {
            LIST | SET => {
                let (count, elem) = self.list_header()?;
                check_type(elem)?;
                self.entries(count, &[elem], depth + 1)?;
            }
            MAP => {
                let count = self.varint()?;
                if count > 0 {
                    let kinds = self.byte()?;
                    let (k, v) = (kinds >> 4, kinds & 0x0f);
                    check_type(k)?;
                    check_type(v)?;
                    self.entries(count, &[k, v], depth + 1)?;
                }
            }
            STRUCT => self.structure(depth + 1, None)?,
            other => return Err(format!("its metadata holds an unknown type code {other} at byte {}", self.pos)),
        }
        Ok(None)
    }

    /// One value of the format's type `ty`, read as the crate reads it; an integer's value is
    /// returned.
    fn typed(&mut self, ty: Ty, depth: usize) -> Result<Option<i64>, String> {
        if depth > MAX_NESTING {
            return Err(format!("its metadata nests more than {MAX_NESTING} levels deep"));
        }
        match ty {
            Ty::Bool => {}
            Ty::Byte => self.skip(1)?,
            Ty::I16 | Ty::I32 | Ty::I64 => return Ok(Some(self.zigzag()?)),
            Ty::Double => self.skip(8)?,
            Ty::Binary => {
                let n = self.varint()?;
                self.skip(n)?;
            }
            Ty::List(elem) => {
                let at = self.pos;
                let (count, code) = self.list_header()?;
                if !elem.declared_as(code) {
                    return Err(format!("a list at byte {at} declares {} entries where the format has other ones", type_name(code)));
                }
                self.claim_entries(count, entry_weight(code))?;
                for _ in 0..count {
                    if matches!(elem, Ty::Bool) {
                        self.byte()?;
                    } else {
                        self.typed(*elem, depth + 1)?;
                    }
                }
            }
            Ty::Struct(def) => self.structure(depth + 1, Some(def))?,
        }
        Ok(None)
    }

    /// A field's header: its id (from the one before, `last`) and type; None at the stop byte.
    fn field_header(&mut self, last: &mut i16) -> Result<Option<(i16, u8)>, String> {
        let header = self.byte()?;
        let ty = header & 0x0f;
        if ty == STOP {
            return Ok(None);
        }
        *last = match header >> 4 {
            0 => self.zigzag()? as i16,
            delta => last.wrapping_add(i16::from(delta)),
        };
        Ok(Some((*last, ty)))
    }

    /// A field's value, with its id on the path: as the format's type when `def` defines the
    /// field (refused when declared otherwise), as its declared type when not; a watched
    /// integer is kept in `found`.
    fn field(&mut self, def: Option<&Def>, id: i16, code: u8, depth: usize) -> Result<(), String> {
        let expected = def.and_then(|d| d.fields.iter().find(|(i, _)| *i == id).map(|&(_, t)| (d.name, t)));
        self.path.push(id);
        let value = match expected {
            Some((name, ty)) if !ty.declared_as(code) => {
                return Err(format!(
                    "field {id} of a {name} at byte {} is declared as {} where the format has another type",
                    self.pos,
                    type_name(code)
                ))
            }
            Some((_, ty)) => self.typed(ty, depth)?,
            None => self.value(code, depth)?,
        };
        if let Some(v) = value {
            if let Some(i) = self.watch.iter().position(|w| *w == self.path.as_slice()) {
                self.found.push((i, v));
            }
        }
        self.path.pop();
        Ok(())
    }

    /// A structure's fields up to its stop byte; `def` is the format's definition of it, or
    /// None for a structure the format does not define.
    fn structure(&mut self, depth: usize, def: Option<&Def>) -> Result<(), String> {
        let mut last: i16 = 0;
        while let Some((id, ty)) = self.field_header(&mut last)? {
            self.field(def, id, ty, depth)?;
        }
        Ok(())
    }

    /// The top structure, FileMetaData; its schema's elements are walked one by one so that
    /// each one's number of children (watched) is kept.
    fn file_metadata(&mut self) -> Result<(), String> {
        let mut last: i16 = 0;
        while let Some((id, ty)) = self.field_header(&mut last)? {
            if id != FILE_SCHEMA_FIELD || ty != LIST {
                self.field(Some(&FILE_META_DATA), id, ty, 1)?;
                continue;
            }
            let at = self.pos;
            let (count, elem) = self.list_header()?;
            if elem != STRUCT {
                return Err(format!("its schema at byte {at} is a list of {} where the format has structures", type_name(elem)));
            }
            self.claim(count, STRUCT_WEIGHT, |left| format!("its schema claims {count} elements where {left} bytes remain"))?;
            self.path.push(id);
            for _ in 0..count {
                self.found.clear();
                self.structure(2, Some(&SCHEMA_ELEMENT))?;
                self.children.push(self.found.last().map_or(0, |&(_, v)| v));
            }
            self.path.pop();
        }
        Ok(())
    }
}

/// What a collection's entry of declared type `code` is counted as in memory.
fn entry_weight(code: u8) -> u64 {
    if code == STRUCT {
        STRUCT_WEIGHT
    } else {
        OTHER_WEIGHT
    }
}

fn check_type(ty: u8) -> Result<(), String> {
    match ty {
        BOOL_TRUE..=STRUCT => Ok(()),
        other => Err(format!("its metadata holds an unknown type code {other}")),
    }
}

/// How deep the schema's groups nest, from each element's number of children in the
/// depth-first order the format stores them in; refused past `MAX_SCHEMA_DEPTH`.
fn schema_depth(children: &[i64]) -> Result<(), String> {
    // Children still to come at each open group.
    let mut open: Vec<i64> = Vec::new();
    for &n in children {
        if let Some(top) = open.last_mut() {
            *top -= 1;
        }
        if n > 0 {
            open.push(n);
            if open.len() > MAX_SCHEMA_DEPTH {
                return Err(format!("its schema nests groups more than {MAX_SCHEMA_DEPTH} deep"));
            }
        }
        while open.last() == Some(&0) {
            open.pop();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A FileMetaData with a version, a schema of `elements` (name and number of children,
    /// children 0 for a leaf), and nothing else.
    fn footer(elements: &[(&str, i32)]) -> Vec<u8> {
        let mut b = vec![0x15, 0x02]; // field 1, i32: version 1
        b.push(0x19); // field 2, list
        if elements.len() < 15 {
            b.push(((elements.len() as u8) << 4) | STRUCT);
        } else {
            b.push(0xf0 | STRUCT);
            varint(&mut b, elements.len() as u64);
        }
        for (name, children) in elements {
            b.push(0x48); // field 4, binary: name
            varint(&mut b, name.len() as u64);
            b.extend_from_slice(name.as_bytes());
            if *children > 0 {
                b.push(0x15); // field 5, i32
                varint(&mut b, ((*children << 1) ^ (*children >> 31)) as u64);
            }
            b.push(STOP);
        }
        b.push(STOP);
        b
    }

    fn varint(b: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            b.push((v as u8) | 0x80);
            v >>= 7;
        }
        b.push(v as u8);
    }

    /// A page header: type, sizes, and a dictionary header claiming `values`.
    fn page(uncompressed: i64, compressed: i64, values: i64) -> Vec<u8> {
        let zz = |v: i64| ((v << 1) ^ (v >> 63)) as u64;
        let mut b = vec![0x15, 0x04]; // field 1, i32: DICTIONARY_PAGE (2)
        b.push(0x15);
        varint(&mut b, zz(uncompressed));
        b.push(0x15);
        varint(&mut b, zz(compressed));
        b.push(0x4c); // field 7, struct: the dictionary page header
        b.push(0x15);
        varint(&mut b, zz(values));
        b.push(STOP);
        b.push(STOP);
        b
    }

    #[test]
    fn pages_are_walked_and_their_claims_checked() {
        let mut chunk = page(10, 4, 2);
        chunk.extend_from_slice(&[1, 2, 3, 4]);
        let second = page(6, 2, 1);
        chunk.extend_from_slice(&second);
        chunk.extend_from_slice(&[5, 6]);
        assert_eq!(check_pages(&chunk).unwrap(), 16);
        let err = check_pages(&page(1 << 30, 0, 0)).unwrap_err();
        assert!(err.contains("uncompressed"), "{err}");
        let err = check_pages(&page(10, 4, 0)).unwrap_err();
        assert!(err.contains("where 0 remain"), "{err}");
        let err = check_pages(&page(4, 0, 1 << 40)).unwrap_err();
        assert!(err.contains("a dictionary, claims"), "{err}");
    }

    #[test]
    fn an_ordinary_schema_passes() {
        check(&footer(&[("schema", 2), ("id", 0), ("shipping", 1), ("city", 0)])).unwrap();
    }

    #[test]
    fn a_list_claiming_more_entries_than_bytes_is_refused() {
        // Field 4, the row groups.
        let mut b = vec![0x15, 0x02, 0x39, 0xf0 | STRUCT];
        varint(&mut b, 1 << 40);
        b.extend_from_slice(&[0, 0, 0]);
        let err = check(&b).unwrap_err();
        assert!(err.contains("claims 1099511627776 entries"), "{err}");
    }

    #[test]
    fn a_field_declared_with_another_type_than_the_formats_is_refused() {
        // The row groups (field 4) declared as an integer whose bytes, read as the list the
        // crate expects there, would claim about 2^31 row groups.
        let mut b = footer(&[("schema", 1), ("id", 0)]);
        b.pop();
        b.extend_from_slice(&[0x25, 0xff, 0xff, 0xff, 0xff, 0x07, STOP]);
        let err = check(&b).unwrap_err();
        assert!(err.contains("field 4 of a FileMetaData") && err.contains("declared as a 32-bit integer"), "{err}");
        // A list of the wrong entries, deeper down: a schema element's name given as a list.
        let mut b = vec![0x15, 0x02, 0x19, 0x1c, 0x49, 0x15, 0x02, STOP, STOP];
        let err = check(&b).unwrap_err();
        assert!(err.contains("field 4 of a SchemaElement"), "{err}");
        // A field the format does not define is skipped by its declared type, as the crate does.
        b = footer(&[("schema", 1), ("id", 0)]);
        b.pop();
        b.extend_from_slice(&[0x0c, 40, 0x15, 0x04, STOP, STOP]);
        check(&b).unwrap();
    }

    #[test]
    fn deep_schemas_are_refused() {
        let depth = MAX_SCHEMA_DEPTH + 1;
        let mut elements: Vec<(&str, i32)> = vec![("g", 1); depth];
        elements.push(("leaf", 0));
        let err = check(&footer(&elements)).unwrap_err();
        assert!(err.contains("nests groups more than"), "{err}");
        let mut fine: Vec<(&str, i32)> = vec![("g", 1); MAX_SCHEMA_DEPTH];
        fine.push(("leaf", 0));
        check(&footer(&fine)).unwrap();
    }

    #[test]
    fn deep_structures_and_truncation_are_refused() {
        // A structure in a field the format does not define (15), nested in itself deeper
        // than any real footer.
        let b = vec![0xfc; MAX_NESTING + 2];
        let err = check(&b).unwrap_err();
        assert!(err.contains("levels deep"), "{err}");
        let ok = footer(&[("schema", 1), ("id", 0)]);
        for cut in 1..ok.len() {
            let err = check(&ok[..ok.len() - cut]).unwrap_err();
            assert!(err.starts_with("the footer cannot be read: its "), "{err}");
        }
    }
}
