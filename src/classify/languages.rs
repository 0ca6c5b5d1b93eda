//! Column-name vocabularies kept as data: one file per language under
//! `src/classify/vocabulary/` (and one for ERP and CRM field names), compiled into the binary.
//! Each file lists terms (a column name's words joined, lower case, accents folded) with the
//! category they point at and how strongly, and examples of column names the classifier must
//! recognize from the name alone; `tests` checks every file and every example.
//!
//! Adding a language: write `vocabulary/<code>.txt` in the same format and add it to
//! [`FILES`]. Files are read in [`FILES`] order and a term keeps its first entry: English
//! (`en.txt`, which also holds the terms several languages share and the international
//! abbreviations) comes first, then German, French, Spanish, Italian, Dutch, Polish and
//! Swedish, then the other languages; a later file never overrides a term an earlier one has.

use super::taxonomy::BUILT_IN;
use super::words::fold;

/// The vocabulary files: code and text.
pub const FILES: &[(&str, &str)] = &[
    ("en", include_str!("vocabulary/en.txt")),
    ("de", include_str!("vocabulary/de.txt")),
    ("fr", include_str!("vocabulary/fr.txt")),
    ("es", include_str!("vocabulary/es.txt")),
    ("it", include_str!("vocabulary/it.txt")),
    ("nl", include_str!("vocabulary/nl.txt")),
    ("pl", include_str!("vocabulary/pl.txt")),
    ("sv", include_str!("vocabulary/sv.txt")),
    ("bg", include_str!("vocabulary/bg.txt")),
    ("cs", include_str!("vocabulary/cs.txt")),
    ("da", include_str!("vocabulary/da.txt")),
    ("el", include_str!("vocabulary/el.txt")),
    ("et", include_str!("vocabulary/et.txt")),
    ("fi", include_str!("vocabulary/fi.txt")),
    ("ga", include_str!("vocabulary/ga.txt")),
    ("hr", include_str!("vocabulary/hr.txt")),
    ("hu", include_str!("vocabulary/hu.txt")),
    ("is", include_str!("vocabulary/is.txt")),
    ("lt", include_str!("vocabulary/lt.txt")),
    ("lv", include_str!("vocabulary/lv.txt")),
    ("mt", include_str!("vocabulary/mt.txt")),
    ("no", include_str!("vocabulary/no.txt")),
    ("pt", include_str!("vocabulary/pt.txt")),
    ("ro", include_str!("vocabulary/ro.txt")),
    ("sk", include_str!("vocabulary/sk.txt")),
    ("sl", include_str!("vocabulary/sl.txt")),
    ("erp", include_str!("vocabulary/erp.txt")),
];

/// How strongly a term points at its category (the weights of `words.rs`).
fn weight(strength: &str) -> Option<f64> {
    match strength {
        "strong" => Some(super::words::STRONG),
        "medium" => Some(super::words::MEDIUM),
        "weak" => Some(super::words::WEAK),
        _ => None,
    }
}

/// The built-in category key equal to `key`, with the static lifetime the vocabulary keeps.
fn category(key: &str) -> Option<&'static str> {
    BUILT_IN.iter().map(|(k, _, _)| *k).find(|k| *k == key)
}

/// One parsed file.
#[derive(Debug, Default)]
pub struct Parsed {
    /// (term, category, weight).
    pub terms: Vec<(String, &'static str, f64)>,
    /// (column name, expected category).
    pub examples: Vec<(String, &'static str)>,
    /// Lines that are not in the format, with their numbers.
    pub errors: Vec<String>,
}

/// Parses one vocabulary file.
pub fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["example", column, cat] => match category(cat) {
                Some(c) => out.examples.push((column.to_string(), c)),
                None => out.errors.push(format!("line {}: unknown category `{cat}`", n + 1)),
            },
            [term, cat, strength] => match (category(cat), weight(strength)) {
                (Some(c), Some(w)) if fold(term) == *term => out.terms.push((term.to_string(), c, w)),
                (Some(_), Some(_)) => out.errors.push(format!("line {}: term `{term}` is not folded (write `{}`)", n + 1, fold(term))),
                (None, _) => out.errors.push(format!("line {}: unknown category `{cat}`", n + 1)),
                (_, None) => out.errors.push(format!("line {}: strength `{strength}` is not strong, medium or weak", n + 1)),
            },
            _ => out.errors.push(format!("line {}: expected `term category strength` or `example column category`", n + 1)),
        }
    }
    out
}

/// Every term of every file, in file order (a term already listed keeps its first entry).
/// Lines out of format are left out (the tests refuse them).
pub fn terms() -> Vec<(String, &'static str, f64)> {
    FILES.iter().flat_map(|(_, text)| parse(text).terms).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{Classifier, ClassifyConfig, ColumnFacts};

    /// Checks one file: well formed, and every example recognized from its name alone.
    fn check(code: &str) {
        let (_, text) = FILES.iter().find(|(c, _)| *c == code).expect("listed");
        let parsed = parse(text);
        assert!(parsed.errors.is_empty(), "{code}: {:?}", parsed.errors);
        assert!(parsed.terms.len() >= 20, "{code}: only {} terms", parsed.terms.len());
        assert!(parsed.examples.len() >= 5, "{code}: only {} examples", parsed.examples.len());
        let classifier = Classifier::new(ClassifyConfig::default()).unwrap();
        let mut wrong = Vec::new();
        for (column, expected) in &parsed.examples {
            let got = classifier
                .classify(&ColumnFacts {
                    dataset: "master_data",
                    table: crate::classify::TableContext::from_name("master_data"),
                    column,
                    data_type: "text",
                    type_family: "text",
                    comment: None,
                    description: None,
                    primary_key: false,
                    values: &[],
                })
                .map(|s| s.category);
            if got.as_deref() != Some(*expected) {
                wrong.push(format!("{column}: expected {expected}, got {got:?}"));
            }
        }
        assert!(wrong.is_empty(), "{code}: {} of {} examples wrong: {wrong:#?}", wrong.len(), parsed.examples.len());
    }

    macro_rules! language_tests {
        ($($name:ident => $code:literal),* $(,)?) => {
            $(#[test] fn $name() { check($code); })*
        };
    }

    language_tests! {
        english => "en", german => "de", french => "fr", spanish => "es", italian => "it", dutch => "nl",
        polish => "pl", swedish => "sv",
        bulgarian => "bg", czech => "cs", danish => "da", greek => "el", estonian => "et", finnish => "fi",
        irish => "ga", croatian => "hr", hungarian => "hu", icelandic => "is", lithuanian => "lt", latvian => "lv",
        maltese => "mt", norwegian => "no", portuguese => "pt", romanian => "ro", slovak => "sk", slovenian => "sl",
        erp_and_crm_fields => "erp",
    }

    #[test]
    fn every_file_is_tested_and_malformed_lines_are_named() {
        assert_eq!(FILES.len(), 27);
        let p = parse("# c\nvorname user.name.first strong\nVorname user.name.first strong\nx user.nosuch strong\nx user.name loud\nexample a user.name\njust two\n");
        assert_eq!(p.terms.len(), 1);
        assert_eq!(p.examples.len(), 1);
        assert_eq!(p.errors.len(), 4, "{:?}", p.errors);
        assert!(p.errors[0].contains("not folded"));
    }
}
