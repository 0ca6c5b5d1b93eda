//! Maps engine-declared types to a [`TypeFamily`] so columns compare across engines.

use crate::TypeFamily;

/// The family of a PostgreSQL type, from its base type name (`pg_type.typname` of the
/// base type, or `format_type` output) and `typcategory`.
pub fn postgres_family(type_name: &str, category: &str, is_enum: bool) -> TypeFamily {
    if is_enum {
        return TypeFamily::Enum;
    }
    if category == "A" {
        return TypeFamily::Array;
    }
    let t = type_name.to_ascii_lowercase();
    let stripped = strip_parens(&t);
    let base = stripped.trim();
    match base {
        "smallint" | "integer" | "bigint" | "int2" | "int4" | "int8" | "smallserial" | "serial" | "bigserial" | "oid" => {
            TypeFamily::Integer
        }
        "numeric" | "decimal" | "money" => TypeFamily::Decimal,
        "real" | "double precision" | "float4" | "float8" => TypeFamily::Float,
        "boolean" | "bool" => TypeFamily::Boolean,
        "text" | "character varying" | "varchar" | "character" | "char" | "bpchar" | "name" | "citext" | "xml" | "tsvector" => {
            TypeFamily::Text
        }
        "date" => TypeFamily::Date,
        "time without time zone" | "time with time zone" | "time" | "timetz" => TypeFamily::Time,
        "timestamp without time zone" | "timestamp" => TypeFamily::Timestamp,
        "timestamp with time zone" | "timestamptz" => TypeFamily::TimestampTz,
        "interval" => TypeFamily::Interval,
        "bytea" => TypeFamily::Binary,
        "json" | "jsonb" => TypeFamily::Json,
        "uuid" => TypeFamily::Uuid,
        "inet" | "cidr" | "macaddr" | "macaddr8" => TypeFamily::Network,
        "point" | "line" | "lseg" | "box" | "path" | "polygon" | "circle" | "geometry" | "geography" => TypeFamily::Geometry,
        _ if base.starts_with("timestamp") && base.contains("with time zone") => TypeFamily::TimestampTz,
        _ if base.starts_with("timestamp") => TypeFamily::Timestamp,
        _ if base.starts_with("time") => TypeFamily::Time,
        _ if base.starts_with("bit") => TypeFamily::Binary,
        _ => match category {
            "N" => TypeFamily::Decimal,
            "S" => TypeFamily::Text,
            "B" => TypeFamily::Boolean,
            "D" => TypeFamily::Timestamp,
            "I" => TypeFamily::Network,
            "G" => TypeFamily::Geometry,
            "T" => TypeFamily::Interval,
            _ => TypeFamily::Other,
        },
    }
}

/// Removes `(..)` modifiers: `timestamp(3) with time zone` -> `timestamp with time zone`.
fn strip_parens(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut depth = 0;
    for c in t.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The family of a MySQL/MariaDB column from `DATA_TYPE` and `COLUMN_TYPE`.
pub fn mysql_family(data_type: &str, column_type: &str) -> TypeFamily {
    let dt = data_type.to_ascii_lowercase();
    let ct = column_type.to_ascii_lowercase();
    match dt.as_str() {
        "tinyint" if ct.starts_with("tinyint(1)") => TypeFamily::Boolean,
        "bool" | "boolean" => TypeFamily::Boolean,
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "year" => TypeFamily::Integer,
        "decimal" | "numeric" => TypeFamily::Decimal,
        "float" | "double" | "real" => TypeFamily::Float,
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" => {
            // MariaDB reports JSON columns as longtext with a json_valid check.
            TypeFamily::Text
        }
        "json" => TypeFamily::Json,
        "date" => TypeFamily::Date,
        "time" => TypeFamily::Time,
        "datetime" => TypeFamily::Timestamp,
        // TIMESTAMP values are stored in UTC and converted to the session zone.
        "timestamp" => TypeFamily::TimestampTz,
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" | "bit" => TypeFamily::Binary,
        "enum" | "set" => TypeFamily::Enum,
        "uuid" => TypeFamily::Uuid,
        "inet4" | "inet6" => TypeFamily::Network,
        "geometry" | "point" | "linestring" | "polygon" | "multipoint" | "multilinestring" | "multipolygon" | "geometrycollection" => {
            TypeFamily::Geometry
        }
        _ => TypeFamily::Other,
    }
}

/// The family of an SQLite declared type, following SQLite's affinity rules and
/// the conventional names people declare (DATE, DATETIME, BOOLEAN).
pub fn sqlite_family(declared: &str) -> TypeFamily {
    let t = declared.to_ascii_uppercase();
    if t.is_empty() {
        return TypeFamily::Other;
    }
    if t.contains("BOOL") {
        return TypeFamily::Boolean;
    }
    if t.contains("INT") {
        return TypeFamily::Integer;
    }
    if t.contains("DATETIME") || t.contains("TIMESTAMP") {
        return TypeFamily::Timestamp;
    }
    if t.starts_with("DATE") {
        return TypeFamily::Date;
    }
    if t.starts_with("TIME") {
        return TypeFamily::Time;
    }
    if t.contains("JSON") {
        return TypeFamily::Json;
    }
    if t.contains("UUID") {
        return TypeFamily::Uuid;
    }
    if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        return TypeFamily::Text;
    }
    if t.contains("BLOB") {
        return TypeFamily::Binary;
    }
    if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        return TypeFamily::Float;
    }
    if t.contains("NUMERIC") || t.contains("DECIMAL") || t.contains("MONEY") {
        return TypeFamily::Decimal;
    }
    TypeFamily::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_agree_across_engines() {
        assert_eq!(postgres_family("character varying(160)", "S", false), TypeFamily::Text);
        assert_eq!(mysql_family("varchar", "varchar(160)"), TypeFamily::Text);
        assert_eq!(sqlite_family("NVARCHAR(160)"), TypeFamily::Text);

        assert_eq!(postgres_family("numeric(10,2)", "N", false), TypeFamily::Decimal);
        assert_eq!(mysql_family("decimal", "decimal(10,2)"), TypeFamily::Decimal);
        assert_eq!(sqlite_family("NUMERIC(10,2)"), TypeFamily::Decimal);

        assert_eq!(postgres_family("integer", "N", false), TypeFamily::Integer);
        assert_eq!(mysql_family("int", "int(11)"), TypeFamily::Integer);
        assert_eq!(sqlite_family("INTEGER"), TypeFamily::Integer);

        assert_eq!(postgres_family("timestamp without time zone", "D", false), TypeFamily::Timestamp);
        assert_eq!(postgres_family("timestamp(3) with time zone", "D", false), TypeFamily::TimestampTz);
        assert_eq!(mysql_family("datetime", "datetime"), TypeFamily::Timestamp);
        assert_eq!(sqlite_family("DATETIME"), TypeFamily::Timestamp);
    }

    #[test]
    fn special_types() {
        assert_eq!(postgres_family("inet", "I", false), TypeFamily::Network);
        assert_eq!(postgres_family("integer[]", "A", false), TypeFamily::Array);
        assert_eq!(postgres_family("mood", "E", true), TypeFamily::Enum);
        assert_eq!(mysql_family("tinyint", "tinyint(1)"), TypeFamily::Boolean);
        assert_eq!(mysql_family("tinyint", "tinyint(4)"), TypeFamily::Integer);
        assert_eq!(sqlite_family(""), TypeFamily::Other);
        assert_eq!(sqlite_family("BLOB"), TypeFamily::Binary);
        assert_eq!(sqlite_family("DATE"), TypeFamily::Date);
    }
}
