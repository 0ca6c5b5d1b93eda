//! Global ids: the ids clients see, a kind prefix and the store id (`ds_12`, `col_40`), stable
//! across re-scans. One type serves the API, the search index and audit targets, so no module
//! builds one by hand.

use std::fmt;

/// The kinds of object with a global id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Source,
    Scan,
    Namespace,
    Dataset,
    Column,
    ForeignKey,
    Change,
    Classification,
    Meaning,
    LineageEdge,
    PrivacyRequest,
}

impl IdKind {
    /// Every kind.
    pub const ALL: [IdKind; 11] = [
        IdKind::Source,
        IdKind::Scan,
        IdKind::Namespace,
        IdKind::Dataset,
        IdKind::Column,
        IdKind::ForeignKey,
        IdKind::Change,
        IdKind::Classification,
        IdKind::Meaning,
        IdKind::LineageEdge,
        IdKind::PrivacyRequest,
    ];

    /// The prefix of this kind's ids.
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::Source => "src",
            IdKind::Scan => "scan",
            IdKind::Namespace => "ns",
            IdKind::Dataset => "ds",
            IdKind::Column => "col",
            IdKind::ForeignKey => "fk",
            IdKind::Change => "chg",
            IdKind::Classification => "cls",
            IdKind::Meaning => "mng",
            IdKind::LineageEdge => "lin",
            IdKind::PrivacyRequest => "req",
        }
    }
}

/// A global id: its kind and the store id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalId {
    pub kind: IdKind,
    pub id: i64,
}

/// Why a text is not a global id (of the kind wanted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("`{0}` is not an Almanac id")]
    Malformed(String),
    #[error("`{text}` is not a {wanted} id")]
    WrongKind { text: String, wanted: &'static str },
}

impl GlobalId {
    /// The id of an object of `kind` with store id `id`.
    pub fn new(kind: IdKind, id: i64) -> GlobalId {
        GlobalId { kind, id }
    }

    /// Shorthands for the common kinds.
    pub fn source(id: i64) -> GlobalId {
        GlobalId::new(IdKind::Source, id)
    }
    pub fn scan(id: i64) -> GlobalId {
        GlobalId::new(IdKind::Scan, id)
    }
    pub fn dataset(id: i64) -> GlobalId {
        GlobalId::new(IdKind::Dataset, id)
    }
    pub fn column(id: i64) -> GlobalId {
        GlobalId::new(IdKind::Column, id)
    }
    pub fn change(id: i64) -> GlobalId {
        GlobalId::new(IdKind::Change, id)
    }
    pub fn lineage_edge(id: i64) -> GlobalId {
        GlobalId::new(IdKind::LineageEdge, id)
    }
    pub fn classification(id: i64) -> GlobalId {
        GlobalId::new(IdKind::Classification, id)
    }
    pub fn privacy_request(id: i64) -> GlobalId {
        GlobalId::new(IdKind::PrivacyRequest, id)
    }

    /// Parses any global id.
    pub fn parse(text: &str) -> Result<GlobalId, IdError> {
        let malformed = || IdError::Malformed(text.chars().take(100).collect());
        let (prefix, num) = text.split_once('_').ok_or_else(malformed)?;
        let kind = IdKind::ALL.into_iter().find(|k| k.prefix() == prefix).ok_or_else(malformed)?;
        let id: i64 = num.parse().map_err(|_| malformed())?;
        if id <= 0 {
            return Err(malformed());
        }
        Ok(GlobalId { kind, id })
    }

    /// Parses a global id that must be of `kind`; returns the store id.
    pub fn parse_as(kind: IdKind, text: &str) -> Result<i64, IdError> {
        match GlobalId::parse(text)? {
            g if g.kind == kind => Ok(g.id),
            _ => Err(IdError::WrongKind { text: text.chars().take(100).collect(), wanted: kind.prefix() }),
        }
    }
}

impl fmt::Display for GlobalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.kind.prefix(), self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_refuse_garbage() {
        let id = GlobalId::dataset(42);
        assert_eq!(id.to_string(), "ds_42");
        assert_eq!(GlobalId::parse("ds_42"), Ok(id));
        assert_eq!(GlobalId::parse_as(IdKind::Dataset, "ds_42"), Ok(42));
        assert!(matches!(GlobalId::parse_as(IdKind::Column, "ds_42"), Err(IdError::WrongKind { .. })));
        for bad in ["x_1", "ds_abc", "ds_-3", "ds_0", "ds", "", "ds_1_2"] {
            assert!(GlobalId::parse(bad).is_err(), "{bad}");
        }
        for k in IdKind::ALL {
            assert_eq!(GlobalId::parse(&GlobalId::new(k, 7).to_string()).map(|g| g.kind), Ok(k));
        }
    }
}
