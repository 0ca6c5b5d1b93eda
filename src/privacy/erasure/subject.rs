//! A data subject as a request names them: identifiers typed by kind (`email=...`,
//! `phone=...`, `national_id=...`) or bound to one column (`source.namespace.dataset.column=...`),
//! each normalised once here so that every source is searched for the same value.

use crate::catalog::names::QualifiedName;
use std::fmt;

/// Longest identifier value accepted, in characters.
pub const MAX_VALUE_CHARS: usize = 1_024;

/// What an identifier is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IdentifierKind {
    /// An e-mail address: trimmed and case-folded.
    Email,
    /// A phone number: written in E.164 (`+4971112842222`).
    Phone,
    /// A national identification number: without separators, upper case.
    NationalId,
    /// The value of one named column, trimmed and otherwise as stored.
    Column(QualifiedName),
}

impl IdentifierKind {
    /// The kind [`IdentifierKind::label`] wrote.
    pub fn from_label(label: &str) -> Option<IdentifierKind> {
        match label {
            "email" => Some(IdentifierKind::Email),
            "phone" => Some(IdentifierKind::Phone),
            "national_id" => Some(IdentifierKind::NationalId),
            other => QualifiedName::parse(other).ok().filter(|n| n.column.is_some()).map(IdentifierKind::Column),
        }
    }

    /// The kind as written before the `=`.
    pub fn label(&self) -> String {
        match self {
            IdentifierKind::Email => "email".into(),
            IdentifierKind::Phone => "phone".into(),
            IdentifierKind::NationalId => "national_id".into(),
            IdentifierKind::Column(name) => name.to_string(),
        }
    }
}

/// One normalised identifier of a data subject.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SubjectIdentifier {
    kind: IdentifierKind,
    value: String,
}

// The value is personal data: it never reaches a log through `{:?}`.
impl fmt::Debug for SubjectIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubjectIdentifier({}=<{} chars>)", self.kind.label(), self.value.chars().count())
    }
}

/// Why an identifier was refused. The messages never repeat the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectError {
    #[error("a subject identifier is written KIND=VALUE, where KIND is email, phone, national_id or source.namespace.dataset.column")]
    Shape,
    #[error("`{0}` is not a kind of identifier: use email, phone, national_id or source.namespace.dataset.column")]
    UnknownKind(String),
    #[error("the {0} given is empty")]
    Empty(String),
    #[error("the {0} given is longer than {MAX_VALUE_CHARS} characters")]
    TooLong(String),
    #[error("the {0} given holds control characters")]
    ControlCharacters(String),
    #[error("the e-mail address given is not of the form local@domain")]
    Email,
    #[error("the phone number given is not a valid number with its country code (+49 ..., 0049 ...)")]
    Phone,
    #[error("the national id given holds no letters or digits")]
    NationalId,
}

impl SubjectIdentifier {
    /// Parses `KIND=VALUE`. The kind is `email`, `phone`, `national_id` or a column's qualified
    /// name (parts may be double-quoted, so a name may hold `=` or `.`).
    pub fn parse(input: &str) -> Result<Self, SubjectError> {
        let split = split_at_equals(input).ok_or(SubjectError::Shape)?;
        let (kind, value) = (input[..split].trim(), &input[split + 1..]);
        let kind = match kind.to_ascii_lowercase().as_str() {
            "email" | "e-mail" => IdentifierKind::Email,
            "phone" => IdentifierKind::Phone,
            "national_id" => IdentifierKind::NationalId,
            _ => match QualifiedName::parse(kind) {
                Ok(name) if name.column.is_some() => IdentifierKind::Column(name),
                _ => return Err(SubjectError::UnknownKind(kind.chars().take(200).collect())),
            },
        };
        Self::new(kind, value)
    }

    /// An identifier of `kind` with `value` normalised.
    pub fn new(kind: IdentifierKind, value: &str) -> Result<Self, SubjectError> {
        let label = kind.label();
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(SubjectError::Empty(label));
        }
        if trimmed.chars().count() > MAX_VALUE_CHARS {
            return Err(SubjectError::TooLong(label));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(SubjectError::ControlCharacters(label));
        }
        let value = match &kind {
            IdentifierKind::Email => normalise_email(trimmed)?,
            IdentifierKind::Phone => normalise_phone(trimmed).ok_or(SubjectError::Phone)?,
            IdentifierKind::NationalId => {
                let v = normalise_national_id(trimmed);
                if v.is_empty() {
                    return Err(SubjectError::NationalId);
                }
                v
            }
            IdentifierKind::Column(_) => trimmed.to_string(),
        };
        Ok(SubjectIdentifier { kind, value })
    }

    /// What the identifier is.
    pub fn kind(&self) -> &IdentifierKind {
        &self.kind
    }

    /// The normalised value. Personal data: never log or store it in clear.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// The byte offset of the first `=` outside double quotes.
fn split_at_equals(input: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in input.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '=' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// Trimmed and case-folded; one `@` with something on each side and no white space.
pub fn normalise_email(text: &str) -> Result<String, SubjectError> {
    let folded = text.trim().to_lowercase();
    let ok = matches!(folded.split_once('@'), Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@'))
        && !folded.chars().any(char::is_whitespace);
    if ok {
        Ok(folded)
    } else {
        Err(SubjectError::Email)
    }
}

/// E.164 (`+4971112842222`), or `None` when the text is no valid number. Without a leading `+`
/// or `00` there is no country to read the number in, so it is refused rather than guessed.
pub fn normalise_phone(text: &str) -> Option<String> {
    let text = text.trim();
    let international = match text.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => text.to_string(),
    };
    let number = phonenumber::parse(None, &international).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// A stored phone number in E.164 when it reads as one, trying the subject's country for
/// numbers written without one.
pub fn normalise_stored_phone(text: &str, country: Option<phonenumber::country::Id>) -> Option<String> {
    if let Some(e164) = normalise_phone(text) {
        return Some(e164);
    }
    let number = phonenumber::parse(country, text.trim()).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// The country an E.164 number belongs to.
pub fn phone_country(e164: &str) -> Option<phonenumber::country::Id> {
    phonenumber::parse(None, e164).ok().and_then(|n| n.country().id())
}

/// Letters and digits only, upper case: `123-45-6789` and `123 45 6789` are one id.
pub fn normalise_national_id(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect()
}

/// The separators a national id or phone number is written with, removed in SQL before
/// comparing (the same set on every engine).
pub const SEPARATORS: &[&str] = &[" ", "-", ".", "/", "(", ")"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_case_folded() {
        let s = SubjectIdentifier::parse("email=  LeoneKohler@SurfEU.de ").unwrap();
        assert_eq!(s.kind(), &IdentifierKind::Email);
        assert_eq!(s.value(), "leonekohler@surfeu.de");
        assert_eq!(SubjectIdentifier::parse("EMAIL=ÉMILE@Exemple.FR").unwrap().value(), "émile@exemple.fr");
        assert_eq!(SubjectIdentifier::parse("email=no-at-sign"), Err(SubjectError::Email));
        assert_eq!(SubjectIdentifier::parse("email=a b@c.d"), Err(SubjectError::Email));
        assert_eq!(SubjectIdentifier::parse("email=   "), Err(SubjectError::Empty("email".into())));
    }

    #[test]
    fn phones_become_e164_and_need_a_country() {
        let want = "+4971112842222";
        for written in ["phone=+49 711 12842222", "phone=0049 711 12842222", "phone=+49 (0711) 128-42222"] {
            assert_eq!(SubjectIdentifier::parse(written).map(|s| s.value().to_string()), Ok(want.to_string()), "{written}");
        }
        assert_eq!(SubjectIdentifier::parse("phone=0711 12842222"), Err(SubjectError::Phone));
        assert_eq!(SubjectIdentifier::parse("phone=+1 not a number"), Err(SubjectError::Phone));
        assert_eq!(normalise_stored_phone("0711 12842222", phone_country(want)).as_deref(), Some(want));
    }

    #[test]
    fn national_ids_lose_their_separators() {
        assert_eq!(SubjectIdentifier::parse("national_id= 123-45 67.89 ").unwrap().value(), "123456789");
        assert_eq!(SubjectIdentifier::parse("national_id=ab/12").unwrap().value(), "AB12");
        assert_eq!(SubjectIdentifier::parse("national_id=-- //"), Err(SubjectError::NationalId));
    }

    #[test]
    fn column_identifiers_name_a_column_and_keep_their_value() {
        let s = SubjectIdentifier::parse("sales.public.customers.customer_no= 42 ").unwrap();
        let IdentifierKind::Column(name) = s.kind() else { panic!("not a column") };
        assert_eq!((name.dataset.as_str(), name.column.as_deref()), ("customers", Some("customer_no")));
        assert_eq!(s.value(), "42");
        // A quoted part may hold `=` and `.`; the value may hold `=`, quotes and SQL.
        let s = SubjectIdentifier::parse(r#"crm.main."a=b"."c.d"=x'); DROP TABLE t; --="#).unwrap();
        let IdentifierKind::Column(name) = s.kind() else { panic!("not a column") };
        assert_eq!((name.dataset.as_str(), name.column.as_deref()), ("a=b", Some("c.d")));
        assert_eq!(s.value(), "x'); DROP TABLE t; --=");
        // As a request stores it (kind label and value) and reads it back.
        let back = SubjectIdentifier::new(IdentifierKind::from_label(&s.kind().label()).unwrap(), s.value()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn malformed_identifiers_are_refused_without_echoing_the_value() {
        assert_eq!(SubjectIdentifier::parse("secret@example.org"), Err(SubjectError::Shape));
        assert!(matches!(SubjectIdentifier::parse("colour=red"), Err(SubjectError::UnknownKind(_))));
        assert!(matches!(SubjectIdentifier::parse("a.b.c=red"), Err(SubjectError::UnknownKind(_))));
        let long = format!("email={}@x.org", "a".repeat(MAX_VALUE_CHARS));
        assert_eq!(SubjectIdentifier::parse(&long), Err(SubjectError::TooLong("email".into())));
        assert_eq!(SubjectIdentifier::parse("email=a\u{0}b@c.d"), Err(SubjectError::ControlCharacters("email".into())));
        let err = SubjectIdentifier::parse("phone=+49 secret").unwrap_err().to_string();
        assert!(!err.contains("secret"), "{err}");
        assert!(!format!("{:?}", SubjectIdentifier::parse("email=leak@x.org").unwrap()).contains("leak"));
    }
}
