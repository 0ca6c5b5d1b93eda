//! Global ids: a type prefix and the store id (`ds_12`, `col_40`), stable across re-scans.

use super::ApiError;
use async_graphql::ID;

/// The kinds of object with a global id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Source,
    Scan,
    Namespace,
    Dataset,
    Column,
    ForeignKey,
    Change,
    Classification,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Source => "src",
            Kind::Scan => "scan",
            Kind::Namespace => "ns",
            Kind::Dataset => "ds",
            Kind::Column => "col",
            Kind::ForeignKey => "fk",
            Kind::Change => "chg",
            Kind::Classification => "cls",
        }
    }

    const ALL: [Kind; 8] =
        [Kind::Source, Kind::Scan, Kind::Namespace, Kind::Dataset, Kind::Column, Kind::ForeignKey, Kind::Change, Kind::Classification];
}

/// Encodes a store id.
pub fn encode(kind: Kind, id: i64) -> ID {
    ID(format!("{}_{id}", kind.prefix()))
}

/// Decodes any global id into its kind and store id.
pub fn decode_any(id: &ID) -> Result<(Kind, i64), ApiError> {
    let invalid = || ApiError::InvalidInput(format!("`{}` is not an Almanac id", id.as_str()));
    let (prefix, num) = id.as_str().split_once('_').ok_or_else(invalid)?;
    let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix).ok_or_else(invalid)?;
    let n: i64 = num.parse().map_err(|_| invalid())?;
    if n <= 0 {
        return Err(invalid());
    }
    Ok((kind, n))
}

/// Decodes a global id that must be of `kind`.
pub fn decode(kind: Kind, id: &ID) -> Result<i64, ApiError> {
    match decode_any(id)? {
        (k, n) if k == kind => Ok(n),
        _ => Err(ApiError::InvalidInput(format!("`{}` is not a {} id", id.as_str(), kind.prefix()))),
    }
}

/// Encodes a pagination cursor (the last store id seen).
pub fn cursor(id: i64) -> String {
    format!("c{id}")
}

/// Decodes a pagination cursor.
pub fn parse_cursor(after: Option<&str>) -> Result<Option<i64>, ApiError> {
    parse_prefixed(after, 'c')
}

/// Decodes a cursor made of `prefix` and a number (each listing has its own prefix, so a
/// cursor from one is refused by another).
pub fn parse_prefixed<T: std::str::FromStr>(after: Option<&str>, prefix: char) -> Result<Option<T>, ApiError> {
    match after {
        None => Ok(None),
        Some(c) => c
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<T>().ok())
            .map(Some)
            .ok_or_else(|| ApiError::InvalidInput(format!("`{c}` is not a valid cursor"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = encode(Kind::Dataset, 42);
        assert_eq!(id.as_str(), "ds_42");
        assert_eq!(decode(Kind::Dataset, &id).unwrap(), 42);
        assert!(decode(Kind::Column, &id).is_err());
        assert!(decode_any(&ID("x_1".into())).is_err());
        assert!(decode_any(&ID("ds_abc".into())).is_err());
        assert!(decode_any(&ID("ds_-3".into())).is_err());
        assert_eq!(parse_cursor(Some(&cursor(9))).unwrap(), Some(9));
        assert!(parse_cursor(Some("zzz")).is_err());
    }
}
