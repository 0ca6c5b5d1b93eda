//! Types of text values (CSV fields, JSON strings) and of a column over many values: what a
//! column holds when all its values agree, and the conflict when they do not.

use crate::TypeFamily;
use std::collections::BTreeMap;

/// The type of one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Boolean,
    Integer,
    Float,
    Date,
    Timestamp,
    TimestampTz,
    Text,
    Array,
    Object,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Boolean => "boolean",
            Kind::Integer => "integer",
            Kind::Float => "number",
            Kind::Date => "date",
            Kind::Timestamp => "timestamp",
            Kind::TimestampTz => "timestamp with time zone",
            Kind::Text => "string",
            Kind::Array => "array",
            Kind::Object => "object",
        }
    }

    fn family(self) -> TypeFamily {
        match self {
            Kind::Boolean => TypeFamily::Boolean,
            Kind::Integer => TypeFamily::Integer,
            Kind::Float => TypeFamily::Float,
            Kind::Date => TypeFamily::Date,
            Kind::Timestamp => TypeFamily::Timestamp,
            Kind::TimestampTz => TypeFamily::TimestampTz,
            Kind::Text => TypeFamily::Text,
            Kind::Array => TypeFamily::Array,
            Kind::Object => TypeFamily::Json,
        }
    }
}

/// The type of a text value: a number, a boolean, an ISO date or timestamp, or text.
pub fn kind_of_text(value: &str) -> Kind {
    let v = value.trim();
    if v.is_empty() || v.len() > 64 {
        return Kind::Text;
    }
    let bytes = v.as_bytes();
    let digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    // Numbers with a leading zero (`007`, postal codes, phone numbers) are identifiers, not numbers.
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    let leading_zero = unsigned.len() > 1 && unsigned.starts_with('0') && !unsigned.starts_with("0.");
    if !leading_zero && unsigned.len() <= 18 && digits(unsigned.as_bytes()) {
        return Kind::Integer;
    }
    if !leading_zero
        && v.parse::<f64>().is_ok_and(f64::is_finite)
        && v.bytes().any(|b| b.is_ascii_digit())
        && !v.contains(['i', 'I', 'n', 'N'])
    {
        return Kind::Float;
    }
    if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") {
        return Kind::Boolean;
    }
    let is_date = |b: &[u8]| b.len() == 10 && digits(&b[0..4]) && b[4] == b'-' && digits(&b[5..7]) && b[7] == b'-' && digits(&b[8..10]);
    if bytes.len() >= 10 && is_date(&bytes[..10]) {
        if bytes.len() == 10 {
            return Kind::Date;
        }
        // Bytes, not characters: the rest may hold any text.
        let rest = &bytes[10..];
        if matches!(rest.first(), Some(b'T' | b' ')) && rest.len() >= 6 && digits(&rest[1..3]) && rest[3] == b':' {
            let zoned = matches!(rest.last(), Some(b'Z' | b'z')) || {
                let tail = &rest[rest.len().saturating_sub(6)..];
                tail.len() == 6 && matches!(tail[0], b'+' | b'-') && tail[3] == b':'
            };
            return if zoned { Kind::TimestampTz } else { Kind::Timestamp };
        }
    }
    Kind::Text
}

/// The kinds one column's values took, with where each was first seen.
#[derive(Debug, Default, Clone)]
pub struct KindCounts {
    seen: BTreeMap<Kind, (u64, u64)>,
    pub nulls: u64,
}

/// What a column's values agree on.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub data_type: String,
    pub family: TypeFamily,
    /// The values disagree: how, for the scan report.
    pub conflict: Option<String>,
}

impl KindCounts {
    pub fn add(&mut self, kind: Kind, line: u64) {
        let e = self.seen.entry(kind).or_insert((0, line));
        e.0 += 1;
    }

    pub fn add_null(&mut self) {
        self.nulls += 1;
    }

    /// The column's type; `strict` (JSON, where values carry their type) reports values of
    /// several types as a conflict, while text formats fall back to text without one.
    pub fn resolve(&self, strict: bool) -> Resolved {
        let kinds: Vec<Kind> = self.seen.keys().copied().collect();
        let one = |k: Kind| Resolved { data_type: k.name().to_string(), family: k.family(), conflict: None };
        match kinds.as_slice() {
            [] => Resolved { data_type: "null".into(), family: TypeFamily::Other, conflict: None },
            [k] => one(*k),
            // Widening that loses nothing.
            [Kind::Integer, Kind::Float] => one(Kind::Float),
            [Kind::Date, Kind::Timestamp] => one(Kind::Timestamp),
            [Kind::Timestamp, Kind::TimestampTz] | [Kind::Date, Kind::Timestamp, Kind::TimestampTz] | [Kind::Date, Kind::TimestampTz] => {
                one(Kind::TimestampTz)
            }
            _ if !strict => one(Kind::Text),
            _ => {
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                let detail: Vec<String> = self
                    .seen
                    .iter()
                    .map(|(k, (n, first))| format!("{} in {n} line{} (first at line {first})", k.name(), if *n == 1 { "" } else { "s" }))
                    .collect();
                let family =
                    if kinds.iter().any(|k| matches!(k, Kind::Object | Kind::Array)) { TypeFamily::Json } else { TypeFamily::Text };
                Resolved { data_type: format!("conflict: {}", names.join(" | ")), family, conflict: Some(detail.join(", ")) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_are_typed_and_identifiers_stay_text() {
        assert_eq!(kind_of_text("42"), Kind::Integer);
        assert_eq!(kind_of_text("-3.5e2"), Kind::Float);
        assert_eq!(kind_of_text("00123"), Kind::Text);
        assert_eq!(kind_of_text("+49 30 1234567"), Kind::Text);
        assert_eq!(kind_of_text("NaN"), Kind::Text);
        assert_eq!(kind_of_text("inf"), Kind::Text);
        assert_eq!(kind_of_text("TRUE"), Kind::Boolean);
        assert_eq!(kind_of_text("2024-02-29"), Kind::Date);
        assert_eq!(kind_of_text("2024-02-29 10:00:00"), Kind::Timestamp);
        assert_eq!(kind_of_text("2024-02-29T10:00:00Z"), Kind::TimestampTz);
        assert_eq!(kind_of_text("2024-02-29T10:00:00+02:00"), Kind::TimestampTz);
        assert_eq!(kind_of_text("anna@example.com"), Kind::Text);
        assert_eq!(kind_of_text("2024-01-01T10:€a€"), Kind::Timestamp);
        assert_eq!(kind_of_text("2024-01-01 ünïcödé"), Kind::Text);
    }

    #[test]
    fn disagreeing_values_are_a_conflict_only_where_values_carry_types() {
        let mut k = KindCounts::default();
        k.add(Kind::Integer, 1);
        k.add(Kind::Integer, 2);
        k.add(Kind::Text, 8);
        let strict = k.resolve(true);
        assert_eq!(strict.family, TypeFamily::Text);
        assert_eq!(strict.conflict.as_deref(), Some("integer in 2 lines (first at line 1), string in 1 line (first at line 8)"));
        assert_eq!(k.resolve(false).conflict, None);
        let mut n = KindCounts::default();
        n.add(Kind::Integer, 1);
        n.add(Kind::Float, 2);
        assert_eq!(n.resolve(true), Resolved { data_type: "number".into(), family: TypeFamily::Float, conflict: None });
    }
}
