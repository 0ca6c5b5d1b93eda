//! Global ids as GraphQL `ID`s (see [`crate::ids`]), and pagination cursors.

use super::ApiError;
use crate::ids::GlobalId;
use async_graphql::ID;

pub use crate::ids::IdKind as Kind;

/// Encodes a store id.
pub fn encode(kind: Kind, id: i64) -> ID {
    ID(GlobalId::new(kind, id).to_string())
}

/// Decodes any global id into its kind and store id.
pub fn decode_any(id: &ID) -> Result<(Kind, i64), ApiError> {
    let g = GlobalId::parse(id.as_str())?;
    Ok((g.kind, g.id))
}

/// Decodes a global id that must be of `kind`.
pub fn decode(kind: Kind, id: &ID) -> Result<i64, ApiError> {
    Ok(GlobalId::parse_as(kind, id.as_str())?)
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
