//! The normalized model every scanner returns: what a source holds, engine differences removed.

use serde::Serialize;

/// The database engine a snapshot was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    Postgres,
    Mysql,
    Sqlite,
    /// A lake of files (a local folder or an S3 prefix).
    Files,
}

impl Engine {
    /// Stable lower-case name, as stored in the catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Sqlite => "sqlite",
            Engine::Files => "files",
        }
    }
}

/// Everything one scan read from one source.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub engine: Engine,
    /// Database name (PostgreSQL/MySQL), file stem (SQLite) or the lake root's folder name.
    pub database: String,
    pub server_version: Option<String>,
    pub namespaces: Vec<Namespace>,
    /// Objects the scan could read only in part (a view over a dropped column, a virtual table
    /// whose module is not loaded); they are in `namespaces` with what could be read.
    pub warnings: Vec<ScanWarning>,
}

/// Something one object of a source did not give up, and why; the rest of the scan goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ScanWarning {
    pub namespace: String,
    pub dataset: Option<String>,
    pub column: Option<String>,
    pub message: String,
}

impl ScanWarning {
    /// A warning about a whole dataset.
    pub fn dataset(namespace: &str, dataset: &str, message: impl Into<String>) -> Self {
        ScanWarning { namespace: namespace.into(), dataset: Some(dataset.into()), column: None, message: message.into() }
    }

    /// A warning about one column.
    pub fn column(namespace: &str, dataset: &str, column: &str, message: impl Into<String>) -> Self {
        ScanWarning { namespace: namespace.into(), dataset: Some(dataset.into()), column: Some(column.into()), message: message.into() }
    }
}

impl std::fmt::Display for ScanWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names come from the source: any character, so they are shown as debug strings
        // (quoted, control characters escaped).
        write!(f, "{:?}", self.namespace)?;
        if let Some(d) = &self.dataset {
            write!(f, ".{d:?}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ".{c:?}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Longest name kept (of a namespace, dataset or column), in characters. Engines allow 63 or
/// 64; SQLite any length. An object with a longer name is left out with a warning: a name
/// cannot be cut without making it another name.
pub const MAX_NAME_CHARS: usize = 1_024;
/// Longest comment kept, in characters (a longer one is cut, with a warning).
pub const MAX_COMMENT_CHARS: usize = 20_000;
/// Longest view definition kept, in characters.
pub const MAX_VIEW_SQL_CHARS: usize = 1_000_000;
/// Longest declared type or default expression kept, in characters.
pub const MAX_EXPRESSION_CHARS: usize = 4_000;

/// `text` cut to `max` characters, or None when it fits.
fn cut(text: &str, max: usize) -> Option<String> {
    text.char_indices().nth(max).map(|(i, _)| format!("{}…", &text[..i]))
}

impl Snapshot {
    /// Applies the size limits above to everything a source said, so that no name, comment or
    /// SQL text of a hostile or broken source can make the catalog, its index or its answers
    /// grow without bound. What was cut or left out is named in `warnings`.
    pub fn enforce_limits(&mut self) {
        let too_long = |n: &str| n.chars().count() > MAX_NAME_CHARS;
        let shown = |n: &str| n.chars().take(40).collect::<String>() + "…";
        let warnings = &mut self.warnings;
        self.namespaces.retain(|ns| {
            let keep = !too_long(&ns.name);
            if !keep {
                warnings.push(ScanWarning {
                    namespace: shown(&ns.name),
                    dataset: None,
                    column: None,
                    message: format!("left out: its name is longer than {MAX_NAME_CHARS} characters"),
                });
            }
            keep
        });
        for ns in &mut self.namespaces {
            ns.datasets.retain(|d| {
                let keep = !too_long(&d.name);
                if !keep {
                    warnings.push(ScanWarning::dataset(
                        &ns.name,
                        &shown(&d.name),
                        format!("left out: its name is longer than {MAX_NAME_CHARS} characters"),
                    ));
                }
                keep
            });
            for d in &mut ns.datasets {
                d.columns.retain(|c| {
                    let keep = !too_long(&c.name);
                    if !keep {
                        warnings.push(ScanWarning::column(
                            &ns.name,
                            &d.name,
                            &shown(&c.name),
                            format!("left out: its name is longer than {MAX_NAME_CHARS} characters"),
                        ));
                    }
                    keep
                });
                if let Some(c) = d.comment.as_deref().and_then(|t| cut(t, MAX_COMMENT_CHARS)) {
                    d.comment = Some(c);
                    warnings.push(ScanWarning::dataset(&ns.name, &d.name, format!("comment cut to {MAX_COMMENT_CHARS} characters")));
                }
                if let Some(v) = d.view_definition.as_deref().and_then(|t| cut(t, MAX_VIEW_SQL_CHARS)) {
                    d.view_definition = Some(v);
                    warnings.push(ScanWarning::dataset(
                        &ns.name,
                        &d.name,
                        format!("view definition cut to {MAX_VIEW_SQL_CHARS} characters"),
                    ));
                }
                if let Some(o) = d.owner.as_deref().and_then(|t| cut(t, MAX_NAME_CHARS)) {
                    d.owner = Some(o);
                }
                for c in &mut d.columns {
                    if let Some(t) = c.comment.as_deref().and_then(|t| cut(t, MAX_COMMENT_CHARS)) {
                        c.comment = Some(t);
                        warnings.push(ScanWarning::column(
                            &ns.name,
                            &d.name,
                            &c.name,
                            format!("comment cut to {MAX_COMMENT_CHARS} characters"),
                        ));
                    }
                    if let Some(t) = cut(&c.data_type, MAX_EXPRESSION_CHARS) {
                        c.data_type = t;
                    }
                    if let Some(t) = c.default.as_deref().and_then(|t| cut(t, MAX_EXPRESSION_CHARS)) {
                        c.default = Some(t);
                    }
                }
                d.foreign_keys.retain(|fk| {
                    !fk.columns.iter().chain(&fk.referenced_columns).any(|n| too_long(n)) && !too_long(&fk.referenced_dataset)
                });
            }
        }
    }

    /// Number of datasets over all namespaces.
    pub fn dataset_count(&self) -> usize {
        self.namespaces.iter().map(|n| n.datasets.len()).sum()
    }

    /// Number of columns over all datasets.
    pub fn column_count(&self) -> usize {
        self.namespaces.iter().flat_map(|n| &n.datasets).map(|d| d.columns.len()).sum()
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
    /// Files of a lake read as one table (a folder of files, or one file).
    File,
    /// Named by lineage (a submitted script's target) but not found by a scan yet; scanners
    /// never return it, the catalog merges it with the real dataset when a scan finds one.
    Declared,
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
            DatasetKind::File => "file",
            DatasetKind::Declared => "declared",
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
            "file" => DatasetKind::File,
            "declared" => DatasetKind::Declared,
            _ => return None,
        })
    }

    /// Whether rows can be sampled cheaply (views may run arbitrary queries).
    pub fn holds_rows(self) -> bool {
        matches!(self, DatasetKind::Table | DatasetKind::MaterializedView | DatasetKind::PartitionedTable | DatasetKind::File)
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
    /// For a dataset of files: where they are, their format, and how they differ.
    pub files: Option<FileSet>,
}

/// The files behind a file dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileSet {
    /// `parquet`, `csv`, `tsv` or `jsonl`.
    pub format: String,
    /// The dataset's folder (or its single file) as a URL: `file:///data/lake/sales/orders`,
    /// `s3://bucket/lake/sales/orders`.
    pub location: String,
    pub files: u64,
    pub bytes: u64,
    /// Whole-file compressions met (`gzip`, `zstd`); Parquet's own compression is not one.
    pub compression: Vec<String>,
    /// Hive partition keys, in folder order (also columns of the dataset).
    pub partition_keys: Vec<String>,
    /// How files differ from the dataset's first file (at most 200 entries).
    pub drift: Vec<FileDrift>,
    /// Differences found in all, of which `drift` holds the first.
    pub drift_total: usize,
}

/// One file of a dataset that adds or lacks a column, or types it otherwise, compared with
/// the dataset's first file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FileDrift {
    /// The file's path below the scanned root.
    pub file: String,
    pub column: String,
    /// `added`, `missing` or `type_changed`.
    pub change: String,
    pub detail: Option<String>,
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
    /// Sampled values rendered as text (None for SQL NULL), at most `sample_rows` of them,
    /// for classification; empty when not sampled. Personal data: consumers must drop these
    /// after classification.
    #[serde(skip)]
    pub sample_values: Vec<Option<String>>,
    /// Aggregates of all the rows read (`profile_rows`), never a value; none when not sampled.
    #[serde(skip)]
    pub profile: Option<crate::profile::Profile>,
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
    /// Rows read (and profiled).
    pub rows: usize,
    /// The share of the rows read that repeat another exactly (key columns left out).
    pub duplicate_share: Option<f64>,
}

/// The sampling method used for one dataset (see the `sample` module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleMethod {
    /// The rows with the smallest hash of their primary key: the same rows every scan.
    KeyHash,
    /// The rows with the smallest hash of their whole content (tables without a key).
    RowHash,
    /// PostgreSQL `TABLESAMPLE SYSTEM ... REPEATABLE`: pages chosen by a fixed seed (the same
    /// pages while the table's layout holds).
    TableSample,
    /// A window of rows starting at a random key (MySQL, SQLite).
    RandomKeyWindow,
    /// The first rows the engine returns (the fallback).
    Limit,
    /// The first rows of the first row group (or the head) of up to 8 files spread evenly
    /// over a file dataset: the same rows while the files stay.
    FileRows,
}

impl SampleMethod {
    /// Whether two samples taken this way read the same rows of unchanged data, and the same
    /// rows after their values changed: a change then shows row for row.
    pub fn row_for_row(self) -> bool {
        self == SampleMethod::KeyHash
    }
}
