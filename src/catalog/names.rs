//! Qualified names (`source.namespace.dataset[.column]`) and validated tag names.

use std::fmt;

/// Why a name was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    #[error("`{0}` is not a qualified name: name a dataset as source.namespace.dataset or a column as source.namespace.dataset.column (double-quote a part that holds a dot)")]
    WrongPartCount(String),
    #[error("qualified name `{0}` has an unterminated quote")]
    UnterminatedQuote(String),
    #[error("qualified name `{0}` has an empty part")]
    EmptyPart(String),
    #[error("tag `{0}` is invalid: use 1-64 letters, digits, '-', '_', ':', '.' or '/'")]
    InvalidTag(String),
    #[error("owner `{0}` is invalid: use 1-128 letters, digits, '-', '_', '.', '@', '+', ':' or '/' (a team like `payments-team` or an address like `alice@example.com`)")]
    InvalidOwner(String),
    #[error("source name `{0}` is invalid: use 1-100 letters, digits, '_' or '-'")]
    InvalidSourceName(String),
}

/// A dataset or column name qualified by source and namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    pub source: String,
    pub namespace: String,
    pub dataset: String,
    pub column: Option<String>,
}

impl QualifiedName {
    /// A dataset's qualified name.
    pub fn dataset(source: &str, namespace: &str, dataset: &str) -> Self {
        QualifiedName { source: source.into(), namespace: namespace.into(), dataset: dataset.into(), column: None }
    }

    /// The same name extended by a column.
    pub fn with_column(&self, column: &str) -> Self {
        QualifiedName { column: Some(column.into()), ..self.clone() }
    }

    /// The dataset part of a column's name.
    pub fn dataset_name(&self) -> Self {
        QualifiedName { column: None, ..self.clone() }
    }

    /// Parses `a.b.c` or `a.b.c.d`; parts may be double-quoted, with `""` for a quote; an
    /// unquoted part may not be empty.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let mut parts = Vec::new();
        let mut chars = input.trim().chars().peekable();
        loop {
            let mut part = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            part.push('"');
                        }
                        Some('"') => break,
                        Some(c) => part.push(c),
                        None => return Err(NameError::UnterminatedQuote(input.into())),
                    }
                }
                match chars.next() {
                    None => {
                        parts.push(part);
                        break;
                    }
                    Some('.') => parts.push(part),
                    Some(_) => return Err(NameError::UnterminatedQuote(input.into())),
                }
            } else {
                let mut ended = true;
                for c in chars.by_ref() {
                    if c == '.' {
                        ended = false;
                        break;
                    }
                    part.push(c);
                }
                if part.is_empty() {
                    return Err(NameError::EmptyPart(input.into()));
                }
                parts.push(part);
                if ended {
                    break;
                }
            }
        }
        // A quoted empty part (`""`) is a name: SQLite allows `CREATE TABLE "" (...)`.
        let mut it = parts.into_iter();
        match (it.next(), it.next(), it.next(), it.next(), it.next()) {
            (Some(source), Some(namespace), Some(dataset), column, None) => Ok(QualifiedName { source, namespace, dataset, column }),
            _ => Err(NameError::WrongPartCount(input.into())),
        }
    }
}

/// Writes one part, quoting it when it holds a dot, space or quote.
pub fn quote_part(part: &str) -> String {
    if part.is_empty() || part.contains(['.', ' ', '"']) || part.chars().any(char::is_whitespace) {
        format!("\"{}\"", part.replace('"', "\"\""))
    } else {
        part.to_string()
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", quote_part(&self.source), quote_part(&self.namespace), quote_part(&self.dataset))?;
        if let Some(c) = &self.column {
            write!(f, ".{}", quote_part(c))?;
        }
        Ok(())
    }
}

/// A source's registered name: 1-100 letters, digits, `_` or `-`, so that it is one part of a
/// qualified name and one word of the search filter `source:NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceName(String);

impl SourceName {
    /// Validates a source name (kept as given: names are case-sensitive).
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let ok = !input.is_empty() && input.chars().count() <= 100 && input.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-'));
        if ok {
            Ok(SourceName(input.to_string()))
        } else {
            Err(NameError::InvalidSourceName(input.into()))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A free-form tag, normalized to lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TagName(String);

impl TagName {
    /// Validates and normalizes a tag.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let t = input.trim().to_lowercase();
        let ok =
            !t.is_empty() && t.chars().count() <= 64 && t.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.' | '/'));
        if ok {
            Ok(TagName(t))
        } else {
            Err(NameError::InvalidTag(input.into()))
        }
    }

    /// The normalized text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who answers for a dataset: a team or a person, normalized to lower case. One word, so
/// that the search filter `owner:payments-team` names it whole.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OwnerName(String);

impl OwnerName {
    /// Validates and normalizes an owner.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let t = input.trim().to_lowercase();
        let ok = !t.is_empty()
            && t.chars().count() <= 128
            && t.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+' | ':' | '/'));
        if ok {
            Ok(OwnerName(t))
        } else {
            Err(NameError::InvalidOwner(input.into()))
        }
    }

    /// The normalized text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_are_one_word_of_letters_digits_and_dashes() {
        assert_eq!(SourceName::parse("Shop_EU-2").unwrap().as_str(), "Shop_EU-2");
        assert_eq!(SourceName::parse("kunden_müller").unwrap().as_str(), "kunden_müller");
        for bad in ["", "a b", "a.b", "x\u{0}", "shop;drop", "\u{202e}evil"] {
            assert!(matches!(SourceName::parse(bad), Err(NameError::InvalidSourceName(_))), "{bad:?}");
        }
        assert!(SourceName::parse(&"s".repeat(100)).is_ok());
        assert!(SourceName::parse(&"s".repeat(101)).is_err());
    }

    #[test]
    fn owners_are_one_lower_case_word() {
        assert_eq!(OwnerName::parse("  Payments-Team ").unwrap().as_str(), "payments-team");
        assert_eq!(OwnerName::parse("Alice@Example.com").unwrap().as_str(), "alice@example.com");
        assert!(matches!(OwnerName::parse("payments team"), Err(NameError::InvalidOwner(_))));
        assert!(OwnerName::parse("").is_err());
        assert!(OwnerName::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn round_trips_plain_and_quoted_names() {
        let q = QualifiedName::parse("warehouse.public.customers.email").unwrap();
        assert_eq!(q.column.as_deref(), Some("email"));
        assert_eq!(q.to_string(), "warehouse.public.customers.email");

        let odd = QualifiedName {
            source: "my.src".into(),
            namespace: "main".into(),
            dataset: "order items".into(),
            column: Some("say \"hi\"".into()),
        };
        let text = odd.to_string();
        assert_eq!(text, "\"my.src\".main.\"order items\".\"say \"\"hi\"\"\"");
        assert_eq!(QualifiedName::parse(&text).unwrap(), odd);
    }

    #[test]
    fn rejects_malformed_names() {
        assert!(matches!(QualifiedName::parse("a.b"), Err(NameError::WrongPartCount(_))));
        assert!(matches!(QualifiedName::parse("a.b.c.d.e"), Err(NameError::WrongPartCount(_))));
        assert!(matches!(QualifiedName::parse("a..c"), Err(NameError::EmptyPart(_))));
        assert!(matches!(QualifiedName::parse("a.\"b.c"), Err(NameError::UnterminatedQuote(_))));
        assert!(matches!(QualifiedName::parse("a.\"b\"x.c"), Err(NameError::UnterminatedQuote(_))));
    }

    #[test]
    fn tags_are_normalized_and_validated() {
        assert_eq!(TagName::parse(" Gold ").unwrap().as_str(), "gold");
        assert_eq!(TagName::parse("domain:sales/eu").unwrap().as_str(), "domain:sales/eu");
        assert!(TagName::parse("").is_err());
        assert!(TagName::parse("two words").is_err());
        assert!(TagName::parse(&"x".repeat(65)).is_err());
    }
}

/// The candidate a mistyped name most likely meant: one equal but for case, else the one
/// closest in edit distance (at most 2, and less than a third of the name). None when nothing
/// is close or two candidates are equally close.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let budget = (name.chars().count() / 3).min(2);
    let mut best: Option<(usize, &'a str)> = None;
    let mut tied = false;
    for c in candidates {
        let d = if c.to_lowercase() == lower { 0 } else { bounded_distance(&lower, &c.to_lowercase(), budget) };
        if d > budget {
            continue;
        }
        match best {
            Some((b, _)) if d > b => {}
            Some((b, _)) if d == b => tied = true,
            _ => {
                best = Some((d, c));
                tied = false;
            }
        }
    }
    best.filter(|_| !tied).map(|(_, c)| c)
}

/// Levenshtein distance between `a` and `b`, or `budget + 1` once it is known to exceed it.
/// Names are compared by characters; long ones stop early.
fn bounded_distance(a: &str, b: &str, budget: usize) -> usize {
    let a: Vec<char> = a.chars().take(256).collect();
    let b: Vec<char> = b.chars().take(256).collect();
    if a.len().abs_diff(b.len()) > budget {
        return budget + 1;
    }
    // Optimal string alignment: two swapped neighbours (`emial`) are one edit.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 0..a.len() {
        cur[0] = i + 1;
        for j in 0..b.len() {
            let mut d = (prev[j] + usize::from(a[i] != b[j])).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                d = d.min(before[j - 1] + 1);
            }
            cur[j + 1] = d;
        }
        if cur.iter().min().is_some_and(|m| *m > budget) {
            return budget + 1;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod suggestion_tests {
    use super::did_you_mean;

    #[test]
    fn suggests_case_and_typos_but_not_far_or_tied_names() {
        let names = ["Customer", "Invoice", "InvoiceLine", "Track"];
        assert_eq!(did_you_mean("customer", names), Some("Customer"));
        assert_eq!(did_you_mean("INVOICE", names), Some("Invoice"));
        assert_eq!(did_you_mean("Invoce", names), Some("Invoice"));
        assert_eq!(did_you_mean("Invocie", names), Some("Invoice"));
        assert_eq!(did_you_mean("nosuch", names), None);
        assert_eq!(did_you_mean("ab", ["ac", "ad"]), None);
        assert_eq!(did_you_mean("Ünïcödé", ["ünïcödé"]), Some("ünïcödé"));
        assert_eq!(did_you_mean(&"x".repeat(10_000), names), None);
    }
}
