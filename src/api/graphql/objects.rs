//! GraphQL object types. Each wraps a catalog domain type, never a store entity.

use super::ids::{self, Kind};
use super::{app, page_size, ApiError, ApiResult};
use crate::catalog::{self, ChangeFilter, Target};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, Json, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

/// The kind of a dataset.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum DatasetKind {
    Table,
    View,
    MaterializedView,
    PartitionedTable,
    ForeignTable,
    /// Named by submitted lineage SQL, not found by a scan yet.
    Declared,
    /// Files of a lake (a folder of files, or one file) read as one table.
    File,
}

/// A file of a file dataset that adds or lacks a column, or types it otherwise, compared with
/// the dataset's first file.
#[derive(SimpleObject)]
pub struct FileDrift {
    /// The file's path below the scanned root.
    pub file: String,
    pub column: String,
    /// `added`, `missing` or `type_changed`.
    pub change: String,
    pub detail: Option<String>,
}

impl From<catalog::DatasetKind> for DatasetKind {
    fn from(k: catalog::DatasetKind) -> Self {
        match k {
            catalog::DatasetKind::Table => DatasetKind::Table,
            catalog::DatasetKind::View => DatasetKind::View,
            catalog::DatasetKind::MaterializedView => DatasetKind::MaterializedView,
            catalog::DatasetKind::PartitionedTable => DatasetKind::PartitionedTable,
            catalog::DatasetKind::ForeignTable => DatasetKind::ForeignTable,
            catalog::DatasetKind::Declared => DatasetKind::Declared,
            catalog::DatasetKind::File => DatasetKind::File,
        }
    }
}

/// A registered source: a database the catalog scans.
pub struct Source(pub catalog::Source);

#[Object]
impl Source {
    async fn id(&self) -> ID {
        ids::encode(Kind::Source, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// `postgres`, `mysql` or `sqlite`.
    async fn engine(&self) -> &str {
        &self.0.engine
    }
    /// The connection URL without password.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// Name of the environment variable holding the password, if any (never the password).
    async fn password_env(&self) -> Option<&str> {
        self.0.password_env.as_deref()
    }
    async fn sample_rows(&self) -> Option<i32> {
        self.0.sample_rows
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The source's namespaces (schemas or databases).
    async fn namespaces(&self, ctx: &Context<'_>, #[graphql(default = false)] include_removed: bool) -> ApiResult<Vec<Namespace>> {
        let list = app(ctx)?.catalog.namespaces(self.0.id, include_removed).await?;
        Ok(list.into_iter().map(Namespace).collect())
    }
    /// The source's datasets, in the order they were first cataloged.
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn datasets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Only datasets of this namespace")] namespace: Option<String>,
        #[graphql(default = false)] include_removed: bool,
    ) -> ApiResult<DatasetConnection> {
        let state = app(ctx)?;
        let ns_id = match namespace {
            Some(name) => {
                let all = state.catalog.namespaces(self.0.id, true).await?;
                Some(
                    all.into_iter()
                        .find(|n| n.name == name)
                        .map(|n| n.id)
                        .ok_or_else(|| ApiError::NotFound(format!("namespace `{name}`")))?,
                )
            }
            None => None,
        };
        dataset_page(ctx, self.0.id, ns_id, include_removed, first, after).await
    }
    /// Recent scans, newest first.
    async fn scans(&self, ctx: &Context<'_>, #[graphql(default = 20)] last: i32) -> ApiResult<Vec<Scan>> {
        let n = last.clamp(0, 500) as u64;
        Ok(app(ctx)?.catalog.scans(self.0.id, n).await?.into_iter().map(Scan).collect())
    }
    /// The newest scan, if any.
    async fn last_scan(&self, ctx: &Context<'_>) -> ApiResult<Option<Scan>> {
        Ok(app(ctx)?.catalog.scans(self.0.id, 1).await?.into_iter().next().map(Scan))
    }
}

/// A page of datasets, with the listing's total.
pub type DatasetConnection = Connection<String, Dataset, DatasetTotal>;
/// A page of change events, with the listing's total.
pub type ChangeConnection = Connection<String, ChangeEvent, ChangeTotal>;

/// What a dataset listing selects, to count it when `totalCount` is asked for (and only then).
pub struct DatasetTotal {
    source_id: i64,
    namespace_id: Option<i64>,
    include_removed: bool,
}

#[Object]
impl DatasetTotal {
    /// How many datasets the listing holds, over all its pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let n = app(ctx)?.catalog.count_datasets(self.source_id, self.namespace_id, self.include_removed).await?;
        Ok(n as i64)
    }
}

/// What a change-event listing selects, to count it when `totalCount` is asked for.
pub struct ChangeTotal(ChangeFilter);

#[Object]
impl ChangeTotal {
    /// How many change events the listing holds, over all its pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(app(ctx)?.catalog.count_changes(self.0.clone()).await? as i64)
    }
}

pub(crate) async fn dataset_page(
    ctx: &Context<'_>,
    source_id: i64,
    namespace_id: Option<i64>,
    include_removed: bool,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<DatasetConnection> {
    let limit = page_size(ctx, first)?;
    let after_id = ids::parse_cursor(after.as_deref())?;
    let (list, more) = app(ctx)?.catalog.datasets_page(source_id, namespace_id, include_removed, after_id, limit).await?;
    let mut conn = Connection::with_additional_fields(after_id.is_some(), more, DatasetTotal { source_id, namespace_id, include_removed });
    conn.edges.extend(list.into_iter().map(|d| Edge::new(ids::cursor(d.id), Dataset(d))));
    Ok(conn)
}

/// A namespace: PostgreSQL schema, MySQL database, or `main` for SQLite.
pub struct Namespace(pub catalog::Namespace);

#[Object]
impl Namespace {
    async fn id(&self) -> ID {
        ids::encode(Kind::Namespace, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn removed_at(&self) -> Option<DateTime<Utc>> {
        self.0.removed_at
    }
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn datasets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] include_removed: bool,
    ) -> ApiResult<DatasetConnection> {
        dataset_page(ctx, self.0.source_id, Some(self.0.id), include_removed, first, after).await
    }
}

/// A table, view, materialized view or partitioned table.
pub struct Dataset(pub catalog::Dataset);

#[Object]
impl Dataset {
    /// The dataset's timeline with its columns', oldest first (see `Column.timeline`).
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        kinds: Option<Vec<catalog::ChangeKind>>,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<ChangeConnection> {
        super::history::timeline(ctx, Some(self.0.id), None, kinds, since, until, first, after).await
    }
    /// Stable id: it survives re-scans and keeps pointing here after the dataset is removed.
    async fn id(&self) -> ID {
        ids::encode(Kind::Dataset, self.0.id)
    }
    async fn name(&self) -> &str {
        self.0.name()
    }
    /// `source.namespace.dataset`, parts with dots, spaces or quotes double-quoted.
    async fn qualified_name(&self) -> String {
        self.0.qualified_name.to_string()
    }
    async fn namespace(&self) -> &str {
        &self.0.qualified_name.namespace
    }
    async fn source(&self, ctx: &Context<'_>) -> ApiResult<Source> {
        Ok(Source(app(ctx)?.catalog.source(self.0.source_id).await?))
    }
    async fn kind(&self) -> DatasetKind {
        self.0.kind.into()
    }
    /// The comment kept in the source (COMMENT ON, TABLE_COMMENT, SQLite DDL comment).
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// The curated description written by people in the catalog.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Pass this to `setDatasetDescription` as `expectedVersion`.
    async fn description_version(&self) -> i32 {
        self.0.description_version
    }
    /// Who answers for the dataset: the assigned owner, else the owner the source reports.
    async fn owner(&self) -> Option<&str> {
        self.0.effective_owner()
    }
    /// The owner people assigned in the catalog (`setDatasetOwner`).
    async fn assigned_owner(&self) -> Option<&str> {
        self.0.owner.as_deref()
    }
    /// The owner the source reports: the owning role (PostgreSQL) or a view's definer (MySQL).
    async fn source_owner(&self) -> Option<&str> {
        self.0.source_owner.as_deref()
    }
    /// Pass this to `setDatasetOwner` as `expectedVersion`.
    async fn owner_version(&self) -> i32 {
        self.0.owner_version
    }
    async fn row_estimate(&self) -> Option<i64> {
        self.0.row_estimate
    }
    /// The SQL of a view's query.
    async fn view_definition(&self) -> Option<&str> {
        self.0.view_definition.as_deref()
    }
    /// Partitions folded into this partitioned table; for a file dataset, its Hive
    /// partitions (`dt=2024-01-01/country=DE`).
    async fn partitions(&self) -> &[String] {
        &self.0.partitions
    }
    /// A file dataset's folder (or single file) as a URL: `file:///...`, `s3://bucket/...`.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    /// A file dataset's format: `parquet`, `csv`, `tsv` or `jsonl`.
    async fn format(&self) -> Option<&str> {
        self.0.format.as_deref()
    }
    /// A file dataset's files that differ from its first file, as last scanned.
    async fn file_drift(&self) -> Vec<FileDrift> {
        self.0
            .file_drift
            .iter()
            .map(|d| FileDrift { file: d.file.clone(), column: d.column.clone(), change: d.change.clone(), detail: d.detail.clone() })
            .collect()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When a scan found the dataset gone (it is kept, marked removed).
    async fn removed_at(&self) -> Option<DateTime<Utc>> {
        self.0.removed_at
    }
    /// The dataset's columns, in ordinal order. Costs `20 x` its fields against the complexity
    /// limit (about a dataset's columns on average).
    #[graphql(complexity = "super::limits::COLUMNS_COST * child_complexity")]
    async fn columns(&self, ctx: &Context<'_>, #[graphql(default = false)] include_removed: bool) -> ApiResult<Vec<Column>> {
        Ok(app(ctx)?.catalog.columns(&self.0, include_removed).await?.into_iter().map(Column).collect())
    }
    /// One column by name.
    async fn column(&self, ctx: &Context<'_>, name: String) -> ApiResult<Option<Column>> {
        let cols = app(ctx)?.catalog.columns(&self.0, true).await?;
        Ok(cols.into_iter().find(|c| c.name() == name).map(Column))
    }
    /// Foreign keys declared on this dataset.
    async fn foreign_keys(&self, ctx: &Context<'_>) -> ApiResult<Vec<ForeignKey>> {
        Ok(app(ctx)?.catalog.foreign_keys(&self.0).await?.into_iter().map(ForeignKey).collect())
    }
    /// Foreign keys of other datasets that reference this one.
    async fn referenced_by(&self, ctx: &Context<'_>) -> ApiResult<Vec<ForeignKey>> {
        Ok(app(ctx)?.catalog.referencing_foreign_keys(&self.0).await?.into_iter().map(ForeignKey).collect())
    }
    async fn tags(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        Ok(app(ctx)?.catalog.tags(Target::Dataset(self.0.id)).await?)
    }
    /// Change events of this dataset and its columns, oldest first.
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn changes(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> ApiResult<ChangeConnection> {
        change_page(ctx, ChangeFilter { dataset_id: Some(self.0.id), ..Default::default() }, first, after).await
    }
}

/// A column of a dataset.
pub struct Column(pub catalog::Column);

#[Object]
impl Column {
    async fn id(&self) -> ID {
        ids::encode(Kind::Column, self.0.id)
    }
    /// The column's timeline, oldest first: structural changes, detected semantic changes
    /// (`null_rate_shift`, `unit_change`, `tax_change`, `timezone_shift`, `format_change`),
    /// description edits, meaning annotations and reviews. Filter by kind and time.
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        kinds: Option<Vec<catalog::ChangeKind>>,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<ChangeConnection> {
        super::history::timeline(ctx, None, Some(self.0.id), kinds, since, until, first, after).await
    }
    /// Profiles of the sampled values, newest scan first.
    async fn profiles(&self, ctx: &Context<'_>, first: Option<i32>) -> ApiResult<Vec<super::history::ScanProfile>> {
        super::history::profiles(ctx, self.0.id, first).await
    }
    /// Every version of what the column means, by effective date.
    async fn meanings(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::history::Meaning>> {
        Ok(crate::history::meanings::meanings(&app(ctx)?.catalog, self.0.id).await?.into_iter().map(super::history::Meaning).collect())
    }
    /// What the column meant on `date`.
    async fn meaning_at(&self, ctx: &Context<'_>, date: super::Date) -> ApiResult<Option<super::history::Meaning>> {
        Ok(crate::history::meanings::meaning_at(&app(ctx)?.catalog, self.0.id, date.0).await?.map(super::history::Meaning))
    }
    async fn name(&self) -> &str {
        self.0.name()
    }
    async fn qualified_name(&self) -> String {
        self.0.qualified_name.to_string()
    }
    /// 1-based position.
    async fn ordinal(&self) -> i32 {
        self.0.ordinal
    }
    /// The type as the source declares it.
    async fn data_type(&self) -> &str {
        &self.0.data_type
    }
    /// Normalized type family, comparable across engines (integer, text, timestamp_tz ...).
    async fn type_family(&self) -> &str {
        &self.0.type_family
    }
    async fn nullable(&self) -> bool {
        self.0.nullable
    }
    async fn default_value(&self) -> Option<&str> {
        self.0.default_value.as_deref()
    }
    async fn is_primary_key(&self) -> bool {
        self.0.primary_key
    }
    async fn is_unique(&self) -> bool {
        self.0.unique
    }
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Pass this to `setColumnDescription` as `expectedVersion`.
    async fn description_version(&self) -> i32 {
        self.0.description_version
    }
    async fn removed_at(&self) -> Option<DateTime<Utc>> {
        self.0.removed_at
    }
    async fn dataset(&self, ctx: &Context<'_>) -> ApiResult<Dataset> {
        Ok(Dataset(app(ctx)?.catalog.dataset(self.0.dataset_id).await?))
    }
    async fn tags(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        Ok(app(ctx)?.catalog.tags(Target::Column(self.0.id)).await?)
    }
    /// Personal-data classifications of this column (rejected ones included, marked so).
    async fn classifications(&self, ctx: &Context<'_>) -> ApiResult<Vec<Classification>> {
        Ok(crate::privacy::classifications::of_column(&app(ctx)?.catalog, self.0.id).await?.into_iter().map(Classification).collect())
    }
    /// Change events of this column, oldest first.
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn changes(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> ApiResult<ChangeConnection> {
        change_page(ctx, ChangeFilter { column_id: Some(self.0.id), ..Default::default() }, first, after).await
    }
}

/// A foreign key from one dataset's columns to another's.
pub struct ForeignKey(pub catalog::ForeignKey);

#[Object]
impl ForeignKey {
    async fn id(&self) -> ID {
        ids::encode(Kind::ForeignKey, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Qualified name of the referencing dataset.
    async fn from_dataset_name(&self) -> String {
        self.0.from_dataset.to_string()
    }
    async fn from_dataset(&self, ctx: &Context<'_>) -> ApiResult<Dataset> {
        Ok(Dataset(app(ctx)?.catalog.dataset(self.0.from_dataset_id).await?))
    }
    async fn columns(&self) -> &[String] {
        &self.0.columns
    }
    /// Qualified name of the referenced dataset.
    async fn to_dataset_name(&self) -> String {
        self.0.to_dataset.to_string()
    }
    /// The referenced dataset, when it is cataloged.
    async fn to_dataset(&self, ctx: &Context<'_>) -> ApiResult<Option<Dataset>> {
        match app(ctx)?.catalog.dataset_by_name(&self.0.to_dataset).await {
            Ok(d) => Ok(Some(Dataset(d))),
            Err(catalog::CatalogError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
    async fn referenced_columns(&self) -> &[String] {
        &self.0.referenced_columns
    }
}

/// One scan of a source.
pub struct Scan(pub catalog::Scan);

/// An object or column a scan could read only in part, and why.
pub struct ScanWarning(pub almanac_scanners::ScanWarning);

#[Object]
impl ScanWarning {
    async fn namespace(&self) -> &str {
        &self.0.namespace
    }
    async fn dataset(&self) -> Option<&str> {
        self.0.dataset.as_deref()
    }
    async fn column(&self) -> Option<&str> {
        self.0.column.as_deref()
    }
    async fn message(&self) -> &str {
        &self.0.message
    }
}

#[Object]
impl Scan {
    async fn id(&self) -> ID {
        ids::encode(Kind::Scan, self.0.id)
    }
    async fn source(&self, ctx: &Context<'_>) -> ApiResult<Source> {
        Ok(Source(app(ctx)?.catalog.source(self.0.source_id).await?))
    }
    async fn status(&self) -> catalog::ScanStatus {
        self.0.status
    }
    /// What the scan is doing now (connecting, reading schema, sampling values, applying ...).
    async fn phase(&self) -> Option<&str> {
        self.0.phase.as_deref()
    }
    async fn steps_done(&self) -> i64 {
        self.0.steps_done
    }
    async fn steps_total(&self) -> Option<i64> {
        self.0.steps_total
    }
    /// Share of the current phase done, 0 to 1, when its size is known.
    async fn progress(&self) -> Option<f64> {
        self.0.steps_total.filter(|t| *t > 0).map(|t| (self.0.steps_done as f64 / t as f64).min(1.0))
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// Why the scan failed.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    async fn datasets(&self) -> Option<i64> {
        self.0.datasets
    }
    async fn columns(&self) -> Option<i64> {
        self.0.columns
    }
    /// Number of change events this scan recorded.
    async fn changes(&self) -> Option<i64> {
        self.0.changes
    }
    /// What the scan could read only in part (a broken view, a table it could not sample, a
    /// column whose classification failed); the rest was scanned.
    async fn warnings(&self) -> Vec<ScanWarning> {
        self.0.warnings.iter().cloned().map(ScanWarning).collect()
    }
    /// The change events this scan recorded.
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn change_events(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> ApiResult<ChangeConnection> {
        change_page(ctx, ChangeFilter { scan_id: Some(self.0.id), ..Default::default() }, first, after).await
    }
}

pub(crate) async fn change_page(
    ctx: &Context<'_>,
    filter: ChangeFilter,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<ChangeConnection> {
    let limit = page_size(ctx, first)?;
    let after_id = ids::parse_cursor(after.as_deref())?;
    let (list, more) = app(ctx)?.catalog.changes(filter.clone(), after_id, limit).await?;
    let mut conn = Connection::with_additional_fields(after_id.is_some(), more, ChangeTotal(filter));
    conn.edges.extend(list.into_iter().map(|c| Edge::new(ids::cursor(c.id), ChangeEvent(c))));
    Ok(conn)
}

/// A recorded change: found by a scan, or an edit of curated metadata.
pub struct ChangeEvent(pub catalog::ChangeEvent);

#[Object]
impl ChangeEvent {
    async fn id(&self) -> ID {
        ids::encode(Kind::Change, self.0.id)
    }
    /// For a detected semantic change: whether a person acknowledged or dismissed it.
    async fn review(&self, ctx: &Context<'_>) -> ApiResult<Option<super::history::ChangeReview>> {
        Ok(crate::history::meanings::review_of(&app(ctx)?.catalog, self.0.id).await?.map(super::history::ChangeReview))
    }
    /// What changed: a structural change from a scan, a curation, or a detected semantic change.
    async fn kind(&self) -> catalog::ChangeKind {
        self.0.kind
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Before/after values and other particulars.
    async fn details(&self) -> Json<serde_json::Value> {
        Json(self.0.details.clone())
    }
    /// The scan that found the change (none for edits made in the catalog).
    async fn scan(&self, ctx: &Context<'_>) -> ApiResult<Option<Scan>> {
        match self.0.scan_id {
            Some(id) => Ok(Some(Scan(app(ctx)?.catalog.scan(id).await?))),
            None => Ok(None),
        }
    }
    async fn dataset(&self, ctx: &Context<'_>) -> ApiResult<Option<Dataset>> {
        match self.0.dataset_id {
            Some(id) => Ok(Some(Dataset(app(ctx)?.catalog.dataset(id).await?))),
            None => Ok(None),
        }
    }
    async fn column(&self, ctx: &Context<'_>) -> ApiResult<Option<Column>> {
        match self.0.column_id {
            Some(id) => Ok(Some(Column(app(ctx)?.catalog.column(id).await?))),
            None => Ok(None),
        }
    }
}

/// A category of personal data.
pub struct PiiCategory(pub crate::classify::taxonomy::Category);

#[Object]
impl PiiCategory {
    /// Dotted key, e.g. `user.contact.email`.
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// A special category of personal data (GDPR Art. 9).
    async fn special(&self) -> bool {
        self.0.special
    }
}

/// A column's classification into a personal-data category.
pub struct Classification(pub crate::privacy::Classification);

#[Object]
impl Classification {
    async fn id(&self) -> ID {
        ids::encode(Kind::Classification, self.0.id)
    }
    async fn category(&self) -> &str {
        self.0.category.as_str()
    }
    /// Whether the category is special (GDPR Art. 9).
    async fn special(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(app(ctx)?.classifier.taxonomy().is_special(self.0.category.as_str()))
    }
    async fn status(&self) -> crate::privacy::ClassificationStatus {
        self.0.status
    }
    /// 0 to 1.
    async fn confidence(&self) -> f64 {
        self.0.confidence
    }
    /// The signals behind the suggestion: which name rule, which validator, the share of
    /// sampled values that validated. Never sampled values themselves. Stewards, privacy
    /// officers and admins only.
    #[graphql(guard = "super::guard::Allowed(super::guard::EVIDENCE)")]
    async fn evidence(&self) -> Json<serde_json::Value> {
        Json(self.0.evidence.clone())
    }
    async fn decided_by(&self) -> Option<&str> {
        self.0.decided_by.as_deref()
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn column(&self, ctx: &Context<'_>) -> ApiResult<Column> {
        Ok(Column(app(ctx)?.catalog.column(self.0.column_id).await?))
    }
}
