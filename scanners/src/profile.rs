//! Column profiles: aggregate figures computed from the rows a scan read. A profile never
//! holds a value: only counts, quantiles of numbers, lengths and value shapes, and the
//! engine's own statistics of the column where it keeps some.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

type Fold = foldhash::fast::RandomState;

/// Runs of digits longer than this are written `9{n}`; shorter ones literally (`9999-99-99`).
const LITERAL_DIGITS: usize = 4;
/// Shapes are cut after this many characters (long text all looks alike anyway).
const MAX_SHAPE: usize = 40;
/// Shapes kept per profile.
const TOP_SHAPES: usize = 8;

/// The shape of a value: upper-case letters `A`, lower-case `a`, digits `9`, runs of a letter
/// class as `a+`, long digit runs as `9{n}`, other characters as they are, whitespace as one
/// space. `John Smith` -> `Aa+ Aa+`, `12345` -> `9{5}`, `2024-03-01T10:00:00+02:00` ->
/// `9999-99-99A99:99:99+99:99`.
pub fn shape(value: &str) -> String {
    let mut out = String::new();
    shape_into(value, &mut out);
    out
}

/// [`shape`] written into `out` (emptied first), so that profiling a column reuses one buffer.
fn shape_into(value: &str, out: &mut String) {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Upper,
        Lower,
        Digit,
        Space,
        Other(char),
    }
    let class = |c: char| {
        if c.is_uppercase() {
            Class::Upper
        } else if c.is_alphabetic() {
            Class::Lower
        } else if c.is_ascii_digit() {
            Class::Digit
        } else if c.is_whitespace() {
            Class::Space
        } else {
            Class::Other(c)
        }
    };
    out.clear();
    // Characters in `out`; every piece but `Other` is ASCII, so its length in bytes counts.
    let mut chars_out = 0;
    let mut chars = value.trim().chars().peekable();
    while let Some(c) = chars.next() {
        let k = class(c);
        let mut run = 1;
        // A single capital letter does not start a run: `John` is `Aa+`, `USA` is `A+`.
        while let Some(&n) = chars.peek() {
            if class(n) == k && !matches!(k, Class::Other(_)) {
                run += 1;
                chars.next();
            } else {
                break;
            }
        }
        let before = out.len();
        match k {
            Class::Upper => out.push_str(if run > 1 { "A+" } else { "A" }),
            Class::Lower => out.push_str(if run > 1 { "a+" } else { "a" }),
            Class::Digit if run > LITERAL_DIGITS => {
                use std::fmt::Write;
                let _ = write!(out, "9{{{run}}}");
            }
            Class::Digit => out.extend(std::iter::repeat_n('9', run)),
            Class::Space => out.push(' '),
            Class::Other(c) => out.push(c),
        }
        chars_out += if matches!(k, Class::Other(_)) { 1 } else { out.len() - before };
        if chars_out > MAX_SHAPE {
            let cut = out.char_indices().nth(MAX_SHAPE).map_or(out.len(), |(i, _)| i);
            out.truncate(cut);
            out.push('…');
            return;
        }
    }
}

/// Quantiles of a numeric column's sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Numbers {
    pub count: usize,
    pub min: f64,
    pub p10: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub p90: f64,
    pub max: f64,
    pub mean: f64,
}

impl Numbers {
    fn of(mut v: Vec<f64>) -> Option<Numbers> {
        if v.is_empty() {
            return None;
        }
        v.sort_by(|a, b| a.total_cmp(b));
        let q = |p: f64| {
            let pos = p * (v.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
        };
        Some(Numbers {
            count: v.len(),
            min: v[0],
            p10: q(0.10),
            p25: q(0.25),
            median: q(0.5),
            p75: q(0.75),
            p90: q(0.90),
            max: v[v.len() - 1],
            mean: v.iter().sum::<f64>() / v.len() as f64,
        })
    }

    /// The quantiles compared by the drift detectors, low to high.
    pub fn quantiles(&self) -> [f64; 5] {
        [self.p10, self.p25, self.median, self.p75, self.p90]
    }
}

/// A column's profile in one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Sampled values (nulls included).
    pub sampled: usize,
    pub null_fraction: f64,
    /// Distinct non-null values in the sample.
    pub distinct: usize,
    /// Numeric values (numbers, or numbers written as text).
    pub numbers: Option<Numbers>,
    /// Timestamps and dates, as seconds since 1970 (naive ones read as UTC).
    pub instants: Option<Numbers>,
    /// Text length in characters.
    pub lengths: Option<Numbers>,
    /// The most common value shapes with their share of non-null values, most common first.
    pub shapes: Vec<(String, f64)>,
    /// How the rows were chosen (profiles of older scans have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<crate::SampleMethod>,
    /// The engine's statistics of the whole column, when it keeps them (`pg_stats`,
    /// `mysql.column_stats`): a second signal, as fresh as the engine's last analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineStats>,
}

/// What an engine's statistics say of a column (as of its last `ANALYZE`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EngineStats {
    /// Share of nulls, 0-1.
    pub null_fraction: f64,
    /// Smallest and largest value of a numeric column over all its rows (Parquet statistics):
    /// aggregates of numbers only, never of text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl Profile {
    /// The dominant shape and its share.
    pub fn dominant_shape(&self) -> Option<(&str, f64)> {
        self.shapes.first().map(|(s, f)| (s.as_str(), *f))
    }

    /// The share of non-null values with this shape.
    pub fn shape_share(&self, shape: &str) -> f64 {
        self.shapes.iter().find(|(s, _)| s == shape).map_or(0.0, |(_, f)| *f)
    }
}

/// Reads an instant from the ISO forms engines print: `YYYY-MM-DD`, then optionally `T` or a
/// space, `HH:MM:SS`, a fraction, and `Z` or an offset (`+02`, `+0200`, `+02:00`); a time
/// without an offset is read as UTC. Whole seconds since 1970. Read by hand: this runs for
/// every sampled value, and a format-string parser was a good part of a scan's time.
pub fn instant(value: &str) -> Option<f64> {
    let b = value.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &[u8]| -> Option<u32> {
        (!s.is_empty() && s.len() <= 9 && s.iter().all(u8::is_ascii_digit))
            .then(|| s.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0')))
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(&b[..4])? as i32, num(&b[5..7])?, num(&b[8..10])?)?;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp() as f64);
    }
    if rest.len() < 9 || !matches!(rest[0], b'T' | b' ') || rest[3] != b':' || rest[6] != b':' {
        return None;
    }
    let time = chrono::NaiveTime::from_hms_opt(num(&rest[1..3])?, num(&rest[4..6])?, num(&rest[7..9])?)?;
    let mut tail = &rest[9..];
    if let Some(frac) = tail.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        tail = &frac[digits..];
    }
    let offset: i64 = match tail {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), digits @ ..] => {
            let (h, m) = match digits {
                [h1, h2] => (num(&[*h1, *h2])?, 0),
                [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => (num(&[*h1, *h2])?, num(&[*m1, *m2])?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = i64::from(h * 3600 + m * 60);
            if *sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    Some((date.and_time(time).and_utc().timestamp() - offset) as f64)
}

/// The profile of one column's sampled values.
pub fn profile(values: &[Option<String>]) -> Profile {
    let sampled = values.len();
    let present: Vec<&str> = values.iter().flatten().map(String::as_str).collect();
    let nulls = sampled - present.len();
    // Hashed with foldhash: this runs for every sampled value of every scan, and the
    // standard SipHash was a tenth of the profile's time. The sets hold at most
    // `profile_rows` values, so a source that chose colliding values slows only itself.
    let mut seen: HashSet<&str, Fold> = HashSet::with_capacity_and_hasher(present.len(), Fold::default());
    seen.extend(present.iter().copied());
    let distinct = seen.len();
    drop(seen);
    let numbers: Vec<f64> = present.iter().filter_map(|v| v.trim().parse::<f64>().ok()).filter(|x| x.is_finite()).collect();
    let instants: Vec<f64> = present.iter().filter_map(|v| instant(v)).collect();
    // A column counts as numeric (or temporal) when most of its values are.
    let most = |n: usize| !present.is_empty() && n * 10 >= present.len() * 9;
    let mut shapes: HashMap<String, usize, Fold> = HashMap::default();
    let mut buffer = String::new();
    for v in &present {
        shape_into(v, &mut buffer);
        match shapes.get_mut(buffer.as_str()) {
            Some(n) => *n += 1,
            None => {
                shapes.insert(buffer.clone(), 1);
            }
        }
    }
    let mut shapes: Vec<(String, usize)> = shapes.into_iter().collect();
    shapes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total = present.len().max(1) as f64;
    Profile {
        sampled,
        null_fraction: if sampled == 0 { 0.0 } else { nulls as f64 / sampled as f64 },
        distinct,
        numbers: if most(numbers.len()) { Numbers::of(numbers) } else { None },
        instants: if most(instants.len()) { Numbers::of(instants) } else { None },
        lengths: Numbers::of(present.iter().map(|v| v.chars().count() as f64).collect()),
        shapes: shapes.into_iter().take(TOP_SHAPES).map(|(s, n)| (s, n as f64 / total)).collect(),
        method: None,
        engine: None,
    }
}

/// The share of sampled rows that repeat an earlier row exactly (all columns equal), from the
/// columns' sampled values (row i of the sample is the i-th value of every column).
pub fn duplicate_share(columns: &[&[Option<String>]]) -> Option<f64> {
    let rows = columns.iter().map(|c| c.len()).min()?;
    if rows == 0 || columns.is_empty() {
        return None;
    }
    let mut seen: BTreeMap<Vec<Option<&str>>, ()> = BTreeMap::new();
    let mut dups = 0;
    for i in 0..rows {
        let row: Vec<Option<&str>> = columns.iter().map(|c| c[i].as_deref()).collect();
        if seen.insert(row, ()).is_some() {
            dups += 1;
        }
    }
    Some(dups as f64 / rows as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_in_the_forms_engines_print() {
        let t = 1_709_287_200.0; // 2024-03-01T10:00:00Z
        assert_eq!(instant("2024-03-01T10:00:00Z"), Some(t));
        assert_eq!(instant("2024-03-01 10:00:00"), Some(t));
        assert_eq!(instant("2024-03-01 10:00:00.123456"), Some(t));
        assert_eq!(instant("2024-03-01 12:00:00+02"), Some(t));
        assert_eq!(instant("2024-03-01T12:00:00+02:00"), Some(t));
        assert_eq!(instant("2024-03-01 05:30:00-0430"), Some(t));
        assert_eq!(instant(" 2024-03-01 "), Some(1_709_251_200.0));
        for bad in [
            "2024-02-30",
            "2024-03-01T25:00:00",
            "2024-03-01 10:00",
            "2024-03-01T10:00:00+2",
            "2024-03-01x",
            "20240301",
            "2024-03-01 10:00:00.",
            "٢٠٢٤-03-01",
        ] {
            assert_eq!(instant(bad), None, "{bad}");
        }
    }

    #[test]
    fn shapes_as_in_the_issue() {
        assert_eq!(shape("John Smith"), "Aa+ Aa+");
        assert_eq!(shape("Smith, John"), "Aa+, Aa+");
        assert_eq!(shape("12345"), "9{5}");
        assert_eq!(shape("jane@example.com"), "a+@a+.a+");
        assert_eq!(shape("2024-03-01T10:00:00+02:00"), "9999-99-99A99:99:99+99:99");
        assert_eq!(shape("2024-03-01 10:00:00"), "9999-99-99 99:99:99");
        assert_eq!(shape("USA"), "A+");
        assert!(shape(&"word ".repeat(40)).ends_with('…'));
    }

    #[test]
    fn profiles_count_and_never_keep_values() {
        let values: Vec<Option<String>> = (0..100).map(|i| if i % 4 == 0 { None } else { Some(format!("{}", i * 10)) }).collect();
        let p = profile(&values);
        assert_eq!(p.sampled, 100);
        assert!((p.null_fraction - 0.25).abs() < 1e-9);
        assert_eq!(p.distinct, 75);
        let n = p.numbers.as_ref().unwrap();
        assert_eq!((n.min, n.max), (10.0, 990.0));
        assert!(p.instants.is_none());
        let json = serde_json::to_string(&p).unwrap();
        assert!(!json.contains("\"990\"") && !json.contains("\"10\""), "{json}");

        let ts: Vec<Option<String>> =
            vec![Some("2024-03-01T10:00:00Z".into()), Some("2024-03-01 12:00:00+02:00".into()), Some("2024-03-01".into())];
        let p = profile(&ts);
        let i = p.instants.unwrap();
        assert_eq!(i.max - i.min, 36_000.0);
        assert_eq!(i.median, i.max);
    }

    #[test]
    fn duplicate_rows() {
        let a: Vec<Option<String>> = ["1", "2", "1", "3"].iter().map(|s| Some(s.to_string())).collect();
        let b: Vec<Option<String>> = ["x", "y", "x", "x"].iter().map(|s| Some(s.to_string())).collect();
        assert_eq!(duplicate_share(&[&a, &b]), Some(0.25));
        assert_eq!(duplicate_share(&[&b]), Some(0.5));
    }
}
