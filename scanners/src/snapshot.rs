//! The normalized model every scanner returns: what a source holds, engine differences removed.

use serde::Serialize;

/// The database engine a snapshot was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    Postgres,
    Mysql,
    Sqlite,
}

impl Engine {
    /// Stable lower-case name, as stored in the catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Sqlite => "sqlite",
        }
    }
}

/// Everything one scan read from one source.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub engine: Engine,
    /// Database name (PostgreSQL/MySQL) or file stem (SQLite).
    pub database: String,
    pub server_version: Option<String>,
    pub namespaces: Vec<Namespace>,
}

impl Snapshot {
    /// Number of datasets over all namespaces.
    pub fn dataset_count(&self) -> usize {
        self.namespaces.iter().map(|n| n.datasets.len()).sum()
    }

    /// Number of columns over all datasets.
    pub fn column_count(&self) -> usize {
        self.namespaces
            .iter()
            .flat_map(|n| &n.datasets)
            .map(|d| d.columns.len())
            .sum()
    }
}

/// A PostgreSQL schema, a MySQL database, or `main` for SQLite.
#[derive(Debug, Clone, Serialize)]
pub struct Namespace {
    pub name: String,
    pub datasets: Vec<Dataset>,
}

/// The kind of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    Table,
    View,
    MaterializedView,
    /// A partitioned table; its partitions are folded into it.
    PartitionedTable,
    ForeignTable,
}

impl DatasetKind {
    /// Stable lower-case name, as stored in the catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetKind::Table => "table",
            DatasetKind::View => "view",
            DatasetKind::MaterializedView => "materialized_view",
            DatasetKind::PartitionedTable => "partitioned_table",
            DatasetKind::ForeignTable => "foreign_table",
        }
    }

    /// Parses the stored name back.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "table" => DatasetKind::Table,
            "view" => DatasetKind::View,
            "materialized_view" => DatasetKind::MaterializedView,
            "partitioned_table" => DatasetKind::PartitionedTable,
            "foreign_table" => DatasetKind::ForeignTable,
            _ => return None,
        })
    }

    /// Whether rows can be sampled cheaply (views may run arbitrary queries).
    pub fn holds_rows(self) -> bool {
        matches!(
            self,
            DatasetKind::Table | DatasetKind::MaterializedView | DatasetKind::PartitionedTable
        )
    }
}

/// A table, view or similar object holding rows.
#[derive(Debug, Clone, Serialize)]
pub struct Dataset {
    pub name: String,
    pub kind: DatasetKind,
    pub comment: Option<String>,
    /// The engine's own estimate (statistics), never a full count on large tables.
    pub row_estimate: Option<i64>,
    /// The SQL text of a view's query.
    pub view_definition: Option<String>,
    /// Who owns the object in the source: the owning role (PostgreSQL) or a view's definer
    /// (MySQL); None where the engine has no owners (SQLite, MySQL tables).
    pub owner: Option<String>,
    pub columns: Vec<Column>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Names of partitions folded into this dataset.
    pub partitions: Vec<String>,
    /// How values were sampled, when they were.
    pub sample: Option<SampleInfo>,
}

/// The normalized family of a declared type, comparable across engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeFamily {
    Integer,
    Decimal,
    Float,
    Boolean,
    Text,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Interval,
    Binary,
    Json,
    Uuid,
    Network,
    Geometry,
    Array,
    Enum,
    Other,
}

impl TypeFamily {
    /// Stable lower-case name, as stored in the catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            TypeFamily::Integer => "integer",
            TypeFamily::Decimal => "decimal",
            TypeFamily::Float => "float",
            TypeFamily::Boolean => "boolean",
            TypeFamily::Text => "text",
            TypeFamily::Date => "date",
            TypeFamily::Time => "time",
            TypeFamily::Timestamp => "timestamp",
            TypeFamily::TimestampTz => "timestamp_tz",
            TypeFamily::Interval => "interval",
            TypeFamily::Binary => "binary",
            TypeFamily::Json => "json",
            TypeFamily::Uuid => "uuid",
            TypeFamily::Network => "network",
            TypeFamily::Geometry => "geometry",
            TypeFamily::Array => "array",
            TypeFamily::Enum => "enum",
            TypeFamily::Other => "other",
        }
    }
}

/// One column of a dataset.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub name: String,
    /// 1-based position in the dataset.
    pub ordinal: i32,
    /// The type as the engine declares it (`character varying(120)`, `int(11)`, `TEXT`).
    pub data_type: String,
    pub type_family: TypeFamily,
    pub nullable: bool,
    pub default: Option<String>,
    pub primary_key: bool,
    /// Covered by a single-column unique constraint or index (or is the sole primary key).
    pub unique: bool,
    pub comment: Option<String>,
    /// Sampled values rendered as text (None for SQL NULL); empty when not sampled.
    /// Personal data: consumers must drop these after classification and profiling.
    #[serde(skip)]
    pub sample_values: Vec<Option<String>>,
}

/// A foreign key from this dataset's columns to another dataset's columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub referenced_namespace: String,
    pub referenced_dataset: String,
    pub referenced_columns: Vec<String>,
}

/// How a dataset's rows were sampled.
#[derive(Debug, Clone, Serialize)]
pub struct SampleInfo {
    pub method: SampleMethod,
    pub rows: usize,
}

/// The sampling method used for one dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleMethod {
    /// The first rows the engine returns (small tables).
    Limit,
    /// PostgreSQL `TABLESAMPLE SYSTEM`: random pages.
    TableSample,
    /// A window of rows starting at a random key (MySQL, SQLite).
    RandomKeyWindow,
}
