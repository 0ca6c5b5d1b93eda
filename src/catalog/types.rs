//! Domain types of the catalog, built from store rows; the API and CLI see only these.

use super::entity;
use super::names::QualifiedName;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::StringLen;
use serde::Serialize;

pub use almanac_scanners::DatasetKind;

/// A registered source (a database the catalog scans). Its URL never holds a password.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub id: i64,
    pub name: String,
    pub engine: String,
    pub url: String,
    pub password_env: Option<String>,
    pub password_file: Option<String>,
    pub sample_rows: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl From<entity::source::Model> for Source {
    fn from(m: entity::source::Model) -> Self {
        Source {
            id: m.id,
            name: m.name,
            engine: m.engine,
            url: m.url,
            password_env: m.password_env,
            password_file: m.password_file,
            sample_rows: m.sample_rows,
            created_at: m.created_at,
        }
    }
}

// Stored as its lower-case name.
/// Where a scan is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sea_orm::EnumIter, sea_orm::DeriveActiveEnum, Serialize, async_graphql::Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum ScanStatus {
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    #[sea_orm(string_value = "failed")]
    Failed,
}

impl ScanStatus {
    /// Stable lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanStatus::Running => "running",
            ScanStatus::Succeeded => "succeeded",
            ScanStatus::Failed => "failed",
        }
    }
}

/// One scan of a source: its status, progress and outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    pub id: i64,
    pub source_id: i64,
    pub status: ScanStatus,
    pub phase: Option<String>,
    pub steps_done: i64,
    pub steps_total: Option<i64>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub datasets: Option<i64>,
    pub columns: Option<i64>,
    pub changes: Option<i64>,
    /// What the scan could read only in part; the scan still succeeded.
    pub warnings: Vec<almanac_scanners::ScanWarning>,
    /// The job that runs it (see [`crate::jobs`]).
    pub job_id: Option<i64>,
}

impl From<entity::scan::Model> for Scan {
    fn from(m: entity::scan::Model) -> Self {
        Scan {
            id: m.id,
            source_id: m.source_id,
            status: m.status,
            phase: m.phase,
            steps_done: m.steps_done,
            steps_total: m.steps_total,
            started_at: m.started_at,
            finished_at: m.finished_at,
            error: m.error,
            datasets: m.datasets,
            columns: m.columns,
            changes: m.changes,
            warnings: m.warnings.and_then(|w| serde_json::from_str(&w).ok()).unwrap_or_default(),
            job_id: m.job_id,
        }
    }
}

/// A namespace of a source: PostgreSQL schema, MySQL database, or `main` for SQLite.
#[derive(Debug, Clone, Serialize)]
pub struct Namespace {
    pub id: i64,
    pub source_id: i64,
    pub name: String,
    pub removed_at: Option<DateTime<Utc>>,
}

impl From<entity::namespace::Model> for Namespace {
    fn from(m: entity::namespace::Model) -> Self {
        Namespace { id: m.id, source_id: m.source_id, name: m.name, removed_at: m.removed_at }
    }
}

/// A cataloged table, view or similar.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub id: i64,
    pub source_id: i64,
    pub namespace_id: i64,
    pub qualified_name: QualifiedName,
    pub kind: DatasetKind,
    pub comment: Option<String>,
    pub description: Option<String>,
    pub description_version: i32,
    pub row_estimate: Option<i64>,
    pub view_definition: Option<String>,
    pub partitions: Vec<String>,
    /// The owner the source reports (owning role, view definer).
    pub source_owner: Option<String>,
    /// The owner people assigned (a team or a person), versioned like a description.
    pub owner: Option<String>,
    pub owner_version: i32,
    /// File datasets: the URL of their folder (or file) and their format.
    pub location: Option<String>,
    pub format: Option<String>,
    /// File datasets: how their files differ from the first, as last scanned.
    pub file_drift: Vec<almanac_scanners::FileDrift>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
}

impl Dataset {
    pub(crate) fn from_model(m: entity::dataset::Model, source: &str, namespace: &str) -> Self {
        Dataset {
            id: m.id,
            source_id: m.source_id,
            namespace_id: m.namespace_id,
            qualified_name: QualifiedName::dataset(source, namespace, &m.name),
            kind: DatasetKind::parse(&m.kind).unwrap_or(DatasetKind::Table),
            comment: m.comment,
            description: m.description,
            description_version: m.description_version,
            row_estimate: m.row_estimate,
            view_definition: m.view_definition,
            partitions: m.partitions.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default(),
            source_owner: m.source_owner,
            owner: m.owner,
            owner_version: m.owner_version,
            location: m.location,
            format: m.format,
            file_drift: m.file_drift.and_then(|d| serde_json::from_str(&d).ok()).unwrap_or_default(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            removed_at: m.removed_at,
        }
    }

    /// The dataset's own name.
    pub fn name(&self) -> &str {
        &self.qualified_name.dataset
    }

    /// Who answers for the dataset: the assigned owner, else the one the source reports.
    pub fn effective_owner(&self) -> Option<&str> {
        self.owner.as_deref().or(self.source_owner.as_deref())
    }
}

/// A cataloged column.
#[derive(Debug, Clone)]
pub struct Column {
    pub id: i64,
    pub dataset_id: i64,
    pub qualified_name: QualifiedName,
    pub ordinal: i32,
    pub data_type: String,
    pub type_family: String,
    pub nullable: bool,
    pub default_value: Option<String>,
    pub primary_key: bool,
    pub unique: bool,
    pub comment: Option<String>,
    pub description: Option<String>,
    pub description_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
}

impl Column {
    pub(crate) fn from_model(m: entity::dataset_column::Model, dataset: &QualifiedName) -> Self {
        Column {
            id: m.id,
            dataset_id: m.dataset_id,
            qualified_name: dataset.with_column(&m.name),
            ordinal: m.ordinal,
            data_type: m.data_type,
            type_family: m.type_family,
            nullable: m.nullable,
            default_value: m.default_value,
            primary_key: m.is_primary_key,
            unique: m.is_unique,
            comment: m.comment,
            description: m.description,
            description_version: m.description_version,
            created_at: m.created_at,
            updated_at: m.updated_at,
            removed_at: m.removed_at,
        }
    }

    /// The column's own name.
    pub fn name(&self) -> &str {
        self.qualified_name.column.as_deref().unwrap_or_default()
    }
}

/// A foreign key between two datasets of one source.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub id: i64,
    pub name: String,
    /// The dataset holding the referencing columns.
    pub from_dataset: QualifiedName,
    pub from_dataset_id: i64,
    pub columns: Vec<String>,
    /// The referenced dataset.
    pub to_dataset: QualifiedName,
    pub referenced_columns: Vec<String>,
    pub removed_at: Option<DateTime<Utc>>,
}

/// What a description or tag is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Dataset(i64),
    Column(i64),
}

impl Target {
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Target::Dataset(_) => "dataset",
            Target::Column(_) => "column",
        }
    }

    pub(crate) fn id(self) -> i64 {
        match self {
            Target::Dataset(id) | Target::Column(id) => id,
        }
    }

    /// The global id (`ds_12`, `col_40`).
    pub fn global_id(self) -> crate::ids::GlobalId {
        match self {
            Target::Dataset(id) => crate::ids::GlobalId::dataset(id),
            Target::Column(id) => crate::ids::GlobalId::column(id),
        }
    }
}

/// A correction to a registered source.
#[derive(Debug, Clone, Default)]
pub struct SourceChange {
    /// A new URL, without password.
    pub url: Option<almanac_scanners::SourceUrl>,
    /// `Some(None)` clears it.
    pub password_env: Option<Option<String>>,
    /// `Some(None)` clears it.
    pub password_file: Option<Option<String>>,
    /// `Some(None)` returns to the server default.
    pub sample_rows: Option<Option<i32>>,
}

/// A source to register.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub name: super::names::SourceName,
    pub url: almanac_scanners::SourceUrl,
    pub password_env: Option<String>,
    pub password_file: Option<String>,
    pub sample_rows: Option<i32>,
}
