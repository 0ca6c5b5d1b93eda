//! The catalog's bulk writer: applies the structure of a scanner [`Snapshot`] inside the
//! caller's transaction: adds what is new, updates only what changed, soft-deletes what
//! disappeared, and records a change event for every structural difference. It writes the
//! catalog's own tables only; the scan's other effects (classification, profiles) are written
//! by their modules in the same transaction, composed by [`crate::scanning`]. Sampled values
//! are not persisted here.

use crate::catalog::entity::{change_event, dataset, dataset_column, foreign_key, namespace, scan};
use crate::catalog::{ChangeKind, ScanStatus};
use crate::store::insert_in_chunks;
use almanac_scanners as snap;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
    QueryTrait, Set,
};
use serde_json::json;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Why applying a snapshot failed. The catalog is unchanged when it does.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("catalog store error while applying the scan: {0}")]
    Store(#[from] DbErr),
    #[error("scan {0} is not running")]
    ScanNotRunning(i64),
}

const CHUNK: usize = 500;

/// The source's live columns by (namespace, dataset, column): (column id, dataset id,
/// curated description). Read once per scan, after the datasets are applied, for the
/// modules that write about columns.
pub type ScannedColumns = HashMap<(String, String, String), (i64, i64, Option<String>)>;

struct Events {
    source_id: i64,
    scan_id: i64,
    at: DateTime<Utc>,
    rows: Vec<change_event::ActiveModel>,
    /// Events of columns (column_added, file_drift) whose id is known only after insertion.
    pending_columns: Vec<(i64, String, ChangeKind, serde_json::Value)>,
}

impl Events {
    fn push(&mut self, dataset_id: Option<i64>, column_id: Option<i64>, kind: ChangeKind, details: serde_json::Value) {
        self.rows.push(change_event::ActiveModel {
            id: NotSet,
            source_id: Set(self.source_id),
            scan_id: Set(Some(self.scan_id)),
            dataset_id: Set(dataset_id),
            column_id: Set(column_id),
            kind: Set(kind),
            details: Set(details.to_string()),
            at: Set(self.at),
        });
    }
}

/// A snapshot's structure applied inside an open transaction, waiting for
/// [`Applied::finish`]: the change events found so far (others may be added) and the
/// source's live columns.
pub struct Applied {
    scan_id: i64,
    job: Option<i64>,
    events: Events,
    /// The source's live columns after the scan.
    pub columns: ScannedColumns,
}

/// How the scan ended, for its record.
pub struct ScanOutcome<'a> {
    pub datasets: usize,
    pub columns: usize,
    pub warnings: &'a [snap::ScanWarning],
}

/// Applies `snapshot`'s structure as the result of scan `scan_id` of source `source_id`,
/// inside `txn`. Fails when the scan is no longer this process's to finish (not running, or
/// its job's lease ran out).
pub async fn apply_structure(
    txn: &DatabaseTransaction,
    source_id: i64,
    scan_id: i64,
    snapshot: &snap::Snapshot,
    now: DateTime<Utc>,
) -> Result<Applied, IngestError> {
    // The scan must still be this process's to finish: running, under a live lease.
    let scan_row = scan::Entity::find_by_id(scan_id).one(txn).await?.filter(|s| s.status == ScanStatus::Running);
    let job = scan_row.as_ref().and_then(|s| s.job_id);
    let live = match job {
        Some(job) => crate::jobs::is_ours_and_live(txn, job).await?,
        None => scan_row.is_some(),
    };
    if !live {
        return Err(IngestError::ScanNotRunning(scan_id));
    }

    let mut events = Events { source_id, scan_id, at: now, rows: Vec::new(), pending_columns: Vec::new() };
    let ns_ids = apply_namespaces(txn, source_id, snapshot, now, &mut events).await?;
    apply_datasets(txn, source_id, snapshot, &ns_ids, now, &mut events).await?;

    // Resolve ids of columns added to existing datasets.
    if !events.pending_columns.is_empty() {
        let ds_ids: HashSet<i64> = events.pending_columns.iter().map(|(d, _, _, _)| *d).collect();
        let mut ids: HashMap<(i64, String), i64> = HashMap::new();
        let list: Vec<i64> = ds_ids.into_iter().collect();
        for chunk in list.chunks(CHUNK) {
            for c in dataset_column::Entity::find().filter(dataset_column::Column::DatasetId.is_in(chunk.to_vec())).all(txn).await? {
                ids.insert((c.dataset_id, c.name), c.id);
            }
        }
        for (ds, name, kind, details) in std::mem::take(&mut events.pending_columns) {
            let col_id = ids.get(&(ds, name)).copied();
            events.push(Some(ds), col_id, kind, details);
        }
    }
    let columns = load_columns(txn, source_id).await?;
    Ok(Applied { scan_id, job, events, columns })
}

impl Applied {
    /// Adds a change event found by another module (a semantic change, say).
    pub fn push_event(&mut self, dataset_id: i64, column_id: Option<i64>, kind: ChangeKind, details: serde_json::Value) {
        self.events.push(Some(dataset_id), column_id, kind, details);
    }

    /// Writes the change events, queues every dataset they or `also_touched` name for the
    /// search index, and marks the scan succeeded (its job finished). Returns the number of
    /// change events. The caller commits.
    pub async fn finish(
        self,
        txn: &DatabaseTransaction,
        also_touched: impl IntoIterator<Item = i64>,
        outcome: ScanOutcome<'_>,
    ) -> Result<usize, IngestError> {
        let Applied { scan_id, job, mut events, .. } = self;
        // The search index follows these datasets through the outbox.
        let touched: BTreeSet<i64> =
            events.rows.iter().filter_map(|e| e.dataset_id.try_as_ref().copied().flatten()).chain(also_touched).collect();
        crate::outbox::enqueue(txn, touched).await?;
        let changes = events.rows.len();
        let rows = std::mem::take(&mut events.rows);
        insert_in_chunks(txn, rows, CHUNK * 2).await?;
        scan::Entity::update_many()
            .col_expr(scan::Column::Status, Expr::value(ScanStatus::Succeeded.as_str()))
            .col_expr(scan::Column::Phase, Expr::value("done"))
            .col_expr(scan::Column::FinishedAt, Expr::value(Utc::now()))
            .col_expr(scan::Column::Datasets, Expr::value(outcome.datasets as i64))
            .col_expr(scan::Column::Columns, Expr::value(outcome.columns as i64))
            .col_expr(scan::Column::Changes, Expr::value(changes as i64))
            .col_expr(
                scan::Column::Warnings,
                Expr::value((!outcome.warnings.is_empty()).then(|| serde_json::to_string(outcome.warnings).unwrap_or_default())),
            )
            .filter(scan::Column::Id.eq(scan_id))
            .exec(txn)
            .await?;
        if let Some(job) = job {
            crate::jobs::finish(txn, job, None).await?;
        }
        Ok(changes)
    }
}

fn fk_key(fk: &snap::ForeignKey) -> String {
    fk.name.clone().unwrap_or_else(|| format!("fk_{}", fk.columns.join("_")))
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// A file dataset's drift between files, as stored.
fn drift_json(d: &snap::Dataset) -> Option<String> {
    d.files.as_ref().filter(|f| !f.drift.is_empty()).and_then(|f| serde_json::to_string(&f.drift).ok())
}

/// Records a file_drift event for each difference between files not recorded before.
fn record_file_drift(dataset_id: i64, before: Option<&str>, d: &snap::Dataset, events: &mut Events) {
    let Some(files) = &d.files else { return };
    // A difference is the file, the column and the change; its detail names the dataset's
    // first file, which may change (an old partition deleted) while the difference stays.
    let known: Vec<snap::FileDrift> = before.and_then(|b| serde_json::from_str(b).ok()).unwrap_or_default();
    let known: HashSet<(&str, &str, &str)> = known.iter().map(|k| (k.file.as_str(), k.column.as_str(), k.change.as_str())).collect();
    for drift in files.drift.iter().filter(|x| !known.contains(&(x.file.as_str(), x.column.as_str(), x.change.as_str()))) {
        events.pending_columns.push((
            dataset_id,
            drift.column.clone(),
            ChangeKind::FileDrift,
            json!({ "file": drift.file, "column": drift.column, "change": drift.change, "detail": drift.detail }),
        ));
    }
}

fn partitions_json(d: &snap::Dataset) -> Option<String> {
    (!d.partitions.is_empty()).then(|| json_list(&d.partitions))
}

fn new_column(dataset_id: i64, c: &snap::Column, now: DateTime<Utc>) -> dataset_column::ActiveModel {
    dataset_column::ActiveModel {
        id: NotSet,
        dataset_id: Set(dataset_id),
        name: Set(c.name.clone()),
        ordinal: Set(c.ordinal),
        data_type: Set(c.data_type.clone()),
        type_family: Set(c.type_family.as_str().into()),
        nullable: Set(c.nullable),
        default_value: Set(c.default.clone()),
        is_primary_key: Set(c.primary_key),
        is_unique: Set(c.unique),
        comment: Set(c.comment.clone()),
        description: Set(None),
        description_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        removed_at: Set(None),
    }
}

fn new_fk(dataset_id: i64, fk: &snap::ForeignKey, now: DateTime<Utc>) -> foreign_key::ActiveModel {
    foreign_key::ActiveModel {
        id: NotSet,
        dataset_id: Set(dataset_id),
        name: Set(fk_key(fk)),
        columns: Set(json_list(&fk.columns)),
        referenced_namespace: Set(fk.referenced_namespace.clone()),
        referenced_dataset: Set(fk.referenced_dataset.clone()),
        referenced_columns: Set(json_list(&fk.referenced_columns)),
        created_at: Set(now),
        removed_at: Set(None),
    }
}

async fn apply_namespaces(
    txn: &DatabaseTransaction,
    source_id: i64,
    snapshot: &snap::Snapshot,
    now: DateTime<Utc>,
    events: &mut Events,
) -> Result<HashMap<String, i64>, DbErr> {
    let existing: HashMap<String, namespace::Model> = namespace::Entity::find()
        .filter(namespace::Column::SourceId.eq(source_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|n| (n.name.clone(), n))
        .collect();
    let mut ids = HashMap::new();
    for ns in &snapshot.namespaces {
        match existing.get(&ns.name) {
            Some(m) => {
                if m.removed_at.is_some() {
                    let mut am = m.clone().into_active_model();
                    am.removed_at = Set(None);
                    am.update(txn).await?;
                    events.push(None, None, ChangeKind::NamespaceAdded, json!({ "namespace": ns.name, "restored": true }));
                }
                ids.insert(ns.name.clone(), m.id);
            }
            None => {
                let m = namespace::ActiveModel {
                    id: NotSet,
                    source_id: Set(source_id),
                    name: Set(ns.name.clone()),
                    created_at: Set(now),
                    removed_at: Set(None),
                }
                .insert(txn)
                .await?;
                events.push(None, None, ChangeKind::NamespaceAdded, json!({ "namespace": ns.name }));
                ids.insert(ns.name.clone(), m.id);
            }
        }
    }
    // A namespace that only holds declared datasets stays: they wait for the scan that finds them.
    let holding_declared: HashSet<i64> = dataset::Entity::find()
        .select_only()
        .column(dataset::Column::NamespaceId)
        .filter(dataset::Column::SourceId.eq(source_id))
        .filter(dataset::Column::Kind.eq(snap::DatasetKind::Declared.as_str()))
        .filter(dataset::Column::RemovedAt.is_null())
        .into_tuple::<i64>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    for (name, m) in &existing {
        if m.removed_at.is_none() && !ids.contains_key(name) && !holding_declared.contains(&m.id) {
            let mut am = m.clone().into_active_model();
            am.removed_at = Set(Some(now));
            am.update(txn).await?;
            events.push(None, None, ChangeKind::NamespaceRemoved, json!({ "namespace": name }));
        }
    }
    Ok(ids)
}

async fn apply_datasets(
    txn: &DatabaseTransaction,
    source_id: i64,
    snapshot: &snap::Snapshot,
    ns_ids: &HashMap<String, i64>,
    now: DateTime<Utc>,
    events: &mut Events,
) -> Result<(), DbErr> {
    let existing: HashMap<(i64, String), dataset::Model> = dataset::Entity::find()
        .filter(dataset::Column::SourceId.eq(source_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|d| ((d.namespace_id, d.name.clone()), d))
        .collect();
    let mut columns: HashMap<i64, Vec<ColumnState>> = HashMap::new();
    for c in dataset_column::Entity::find()
        .select_only()
        .columns([
            dataset_column::Column::Id,
            dataset_column::Column::DatasetId,
            dataset_column::Column::Name,
            dataset_column::Column::Ordinal,
            dataset_column::Column::DataType,
            dataset_column::Column::TypeFamily,
            dataset_column::Column::Nullable,
            dataset_column::Column::DefaultValue,
            dataset_column::Column::IsPrimaryKey,
            dataset_column::Column::IsUnique,
            dataset_column::Column::Comment,
        ])
        .column_as(Expr::col(dataset_column::Column::RemovedAt).is_not_null(), "removed")
        .filter(dataset_column::Column::DatasetId.in_subquery(crate::catalog::datasets_of_source(source_id)))
        .into_model::<ColumnState>()
        .all(txn)
        .await?
    {
        columns.entry(c.dataset_id).or_default().push(c);
    }
    let mut fks: HashMap<i64, Vec<foreign_key::Model>> = HashMap::new();
    for f in foreign_key::Entity::find()
        .filter(foreign_key::Column::DatasetId.in_subquery(crate::catalog::datasets_of_source(source_id)))
        .all(txn)
        .await?
    {
        fks.entry(f.dataset_id).or_default().push(f);
    }

    let mut seen: HashSet<i64> = HashSet::new();
    let mut new_datasets: Vec<(i64, &snap::Dataset)> = Vec::new();
    let mut column_inserts: Vec<dataset_column::ActiveModel> = Vec::new();
    let mut fk_inserts: Vec<foreign_key::ActiveModel> = Vec::new();

    for ns in &snapshot.namespaces {
        let Some(&ns_id) = ns_ids.get(&ns.name) else { continue };
        for d in &ns.datasets {
            let Some(m) = existing.get(&(ns_id, d.name.clone())) else {
                new_datasets.push((ns_id, d));
                continue;
            };
            seen.insert(m.id);
            diff_dataset(txn, m, d, now, events).await?;
            let existing_cols = columns.remove(&m.id).unwrap_or_default();
            diff_columns(txn, m.id, existing_cols, &d.columns, now, events, &mut column_inserts).await?;
            let existing_fks = fks.remove(&m.id).unwrap_or_default();
            diff_foreign_keys(txn, m.id, existing_fks, &d.foreign_keys, now, events, &mut fk_inserts).await?;
        }
    }

    if !new_datasets.is_empty() {
        for chunk in new_datasets.chunks(CHUNK) {
            let models: Vec<dataset::ActiveModel> = chunk
                .iter()
                .map(|(ns_id, d)| dataset::ActiveModel {
                    id: NotSet,
                    source_id: Set(source_id),
                    namespace_id: Set(*ns_id),
                    name: Set(d.name.clone()),
                    kind: Set(d.kind.as_str().into()),
                    comment: Set(d.comment.clone()),
                    description: Set(None),
                    description_version: Set(0),
                    row_estimate: Set(d.row_estimate),
                    view_definition: Set(d.view_definition.clone()),
                    partitions: Set(partitions_json(d)),
                    created_at: Set(now),
                    updated_at: Set(now),
                    removed_at: Set(None),
                    source_owner: Set(d.owner.clone()),
                    owner: Set(None),
                    owner_version: Set(0),
                    location: Set(d.files.as_ref().map(|f| f.location.clone())),
                    format: Set(d.files.as_ref().map(|f| f.format.clone())),
                    file_drift: Set(drift_json(d)),
                })
                .collect();
            dataset::Entity::insert_many(models).exec_without_returning(txn).await?;
        }
        let wanted: HashSet<(i64, &str)> = new_datasets.iter().map(|(ns, d)| (*ns, d.name.as_str())).collect();
        let mut new_ids: HashMap<(i64, String), i64> = HashMap::new();
        for m in dataset::Entity::find().filter(dataset::Column::SourceId.eq(source_id)).all(txn).await? {
            if wanted.contains(&(m.namespace_id, m.name.as_str())) {
                new_ids.insert((m.namespace_id, m.name), m.id);
            }
        }
        for (ns_id, d) in &new_datasets {
            let Some(&id) = new_ids.get(&(*ns_id, d.name.clone())) else { continue };
            seen.insert(id);
            events.push(Some(id), None, ChangeKind::DatasetAdded, json!({ "kind": d.kind.as_str(), "columns": d.columns.len() }));
            record_file_drift(id, None, d, events);
            column_inserts.extend(d.columns.iter().map(|c| new_column(id, c, now)));
            fk_inserts.extend(d.foreign_keys.iter().map(|f| new_fk(id, f, now)));
        }
    }

    insert_in_chunks(txn, column_inserts, CHUNK * 2).await?;
    insert_in_chunks(txn, fk_inserts, CHUNK).await?;

    // Datasets that disappeared: soft-deleted, never dropped.
    // Declared datasets (named by lineage, not scanned yet) wait for the scan that finds them.
    let declared = snap::DatasetKind::Declared.as_str();
    let gone: Vec<&dataset::Model> =
        existing.values().filter(|m| m.removed_at.is_none() && !seen.contains(&m.id) && m.kind != declared).collect();
    let gone_ids: Vec<i64> = gone.iter().map(|m| m.id).collect();
    for chunk in gone_ids.chunks(CHUNK) {
        dataset::Entity::update_many()
            .col_expr(dataset::Column::RemovedAt, Expr::value(now))
            .col_expr(dataset::Column::UpdatedAt, Expr::value(now))
            .filter(dataset::Column::Id.is_in(chunk.to_vec()))
            .exec(txn)
            .await?;
    }
    for m in gone {
        events.push(Some(m.id), None, ChangeKind::DatasetRemoved, json!({ "kind": m.kind }));
    }
    Ok(())
}

async fn diff_dataset(
    txn: &DatabaseTransaction,
    m: &dataset::Model,
    d: &snap::Dataset,
    now: DateTime<Utc>,
    events: &mut Events,
) -> Result<(), DbErr> {
    let mut am = m.clone().into_active_model();
    let mut changed = false;
    if m.removed_at.is_some() {
        am.removed_at = Set(None);
        changed = true;
        events.push(Some(m.id), None, ChangeKind::DatasetAdded, json!({ "kind": d.kind.as_str(), "restored": true }));
    }
    if m.kind != d.kind.as_str() {
        am.kind = Set(d.kind.as_str().into());
        changed = true;
        events.push(Some(m.id), None, ChangeKind::KindChanged, json!({ "before": m.kind, "after": d.kind.as_str() }));
    }
    if m.comment != d.comment {
        am.comment = Set(d.comment.clone());
        changed = true;
        events.push(Some(m.id), None, ChangeKind::CommentChanged, json!({ "before": m.comment, "after": d.comment }));
    }
    if m.view_definition != d.view_definition {
        am.view_definition = Set(d.view_definition.clone());
        changed = true;
        events.push(
            Some(m.id),
            None,
            ChangeKind::ViewDefinitionChanged,
            json!({ "before": m.view_definition, "after": d.view_definition }),
        );
    }
    // The owner people assign is kept apart and never touched by a scan.
    if m.source_owner != d.owner {
        am.source_owner = Set(d.owner.clone());
        changed = true;
        events.push(Some(m.id), None, ChangeKind::SourceOwnerChanged, json!({ "before": m.source_owner, "after": d.owner }));
    }
    // Statistics drift on every scan; they are kept current but are not schema changes.
    if m.row_estimate != d.row_estimate {
        am.row_estimate = Set(d.row_estimate);
        changed = true;
    }
    let partitions = partitions_json(d);
    if m.partitions != partitions {
        am.partitions = Set(partitions);
        changed = true;
    }
    let (location, format) = (d.files.as_ref().map(|f| f.location.clone()), d.files.as_ref().map(|f| f.format.clone()));
    if m.location != location || m.format != format {
        am.location = Set(location);
        am.format = Set(format);
        changed = true;
    }
    let drift = drift_json(d);
    if m.file_drift != drift {
        record_file_drift(m.id, m.file_drift.as_deref(), d, events);
        am.file_drift = Set(drift);
        changed = true;
    }
    if changed {
        am.updated_at = Set(now);
        am.update(txn).await?;
    }
    Ok(())
}

/// What a re-scan compares of a stored column: no timestamps (a source holds many columns,
/// and reading every row's times as dates costs more than the rest together).
#[derive(Debug, sea_orm::FromQueryResult)]
struct ColumnState {
    id: i64,
    dataset_id: i64,
    name: String,
    ordinal: i32,
    data_type: String,
    type_family: String,
    nullable: bool,
    default_value: Option<String>,
    is_primary_key: bool,
    is_unique: bool,
    comment: Option<String>,
    removed: bool,
}

async fn diff_columns(
    txn: &DatabaseTransaction,
    dataset_id: i64,
    existing: Vec<ColumnState>,
    scanned: &[snap::Column],
    now: DateTime<Utc>,
    events: &mut Events,
    inserts: &mut Vec<dataset_column::ActiveModel>,
) -> Result<(), DbErr> {
    let mut by_name: HashMap<String, ColumnState> = existing.into_iter().map(|c| (c.name.clone(), c)).collect();
    for c in scanned {
        let Some(m) = by_name.remove(&c.name) else {
            inserts.push(new_column(dataset_id, c, now));
            events.pending_columns.push((
                dataset_id,
                c.name.clone(),
                ChangeKind::ColumnAdded,
                json!({ "data_type": c.data_type, "nullable": c.nullable }),
            ));
            continue;
        };
        let id = Some(m.id);
        let ds = Some(dataset_id);
        // Only what changed is written.
        let mut am = dataset_column::ActiveModel { id: sea_orm::ActiveValue::Unchanged(m.id), ..Default::default() };
        let mut changed = false;
        if m.removed {
            am.removed_at = Set(None);
            changed = true;
            events.push(ds, id, ChangeKind::ColumnAdded, json!({ "data_type": c.data_type, "nullable": c.nullable, "restored": true }));
        }
        if m.data_type != c.data_type {
            events.push(
                ds,
                id,
                ChangeKind::TypeChanged,
                json!({
                    "before": m.data_type, "after": c.data_type,
                    "family_before": m.type_family, "family_after": c.type_family.as_str(),
                }),
            );
            am.data_type = Set(c.data_type.clone());
            am.type_family = Set(c.type_family.as_str().into());
            changed = true;
        } else if m.type_family != c.type_family.as_str() {
            am.type_family = Set(c.type_family.as_str().into());
            changed = true;
        }
        if m.nullable != c.nullable {
            events.push(ds, id, ChangeKind::NullabilityChanged, json!({ "before": m.nullable, "after": c.nullable }));
            am.nullable = Set(c.nullable);
            changed = true;
        }
        if m.comment != c.comment {
            events.push(ds, id, ChangeKind::CommentChanged, json!({ "before": m.comment, "after": c.comment }));
            am.comment = Set(c.comment.clone());
            changed = true;
        }
        if m.default_value != c.default {
            events.push(ds, id, ChangeKind::DefaultChanged, json!({ "before": m.default_value, "after": c.default }));
            am.default_value = Set(c.default.clone());
            changed = true;
        }
        if m.is_primary_key != c.primary_key || m.is_unique != c.unique {
            events.push(
                ds,
                id,
                ChangeKind::KeyChanged,
                json!({
                    "primary_key_before": m.is_primary_key, "primary_key_after": c.primary_key,
                    "unique_before": m.is_unique, "unique_after": c.unique,
                }),
            );
            am.is_primary_key = Set(c.primary_key);
            am.is_unique = Set(c.unique);
            changed = true;
        }
        if m.ordinal != c.ordinal {
            am.ordinal = Set(c.ordinal);
            changed = true;
        }
        if changed {
            am.updated_at = Set(now);
            am.update(txn).await?;
        }
    }
    for m in by_name.into_values().filter(|m| !m.removed) {
        events.push(Some(dataset_id), Some(m.id), ChangeKind::ColumnRemoved, json!({ "data_type": m.data_type }));
        let mut am = dataset_column::ActiveModel { id: sea_orm::ActiveValue::Unchanged(m.id), ..Default::default() };
        am.removed_at = Set(Some(now));
        am.updated_at = Set(now);
        am.update(txn).await?;
    }
    Ok(())
}

async fn diff_foreign_keys(
    txn: &DatabaseTransaction,
    dataset_id: i64,
    existing: Vec<foreign_key::Model>,
    scanned: &[snap::ForeignKey],
    now: DateTime<Utc>,
    events: &mut Events,
    inserts: &mut Vec<foreign_key::ActiveModel>,
) -> Result<(), DbErr> {
    let mut by_name: HashMap<String, foreign_key::Model> = existing.into_iter().map(|f| (f.name.clone(), f)).collect();
    for fk in scanned {
        let name = fk_key(fk);
        let target = format!("{}.{}({})", fk.referenced_namespace, fk.referenced_dataset, fk.referenced_columns.join(", "));
        let Some(m) = by_name.remove(&name) else {
            inserts.push(new_fk(dataset_id, fk, now));
            events.push(
                Some(dataset_id),
                None,
                ChangeKind::ForeignKeyAdded,
                json!({ "name": name, "columns": fk.columns, "references": target }),
            );
            continue;
        };
        let columns = json_list(&fk.columns);
        let ref_columns = json_list(&fk.referenced_columns);
        let same = m.columns == columns
            && m.referenced_namespace == fk.referenced_namespace
            && m.referenced_dataset == fk.referenced_dataset
            && m.referenced_columns == ref_columns;
        if same && m.removed_at.is_none() {
            continue;
        }
        let kind = if m.removed_at.is_some() { ChangeKind::ForeignKeyAdded } else { ChangeKind::ForeignKeyChanged };
        events.push(Some(dataset_id), None, kind, json!({ "name": name, "columns": fk.columns, "references": target }));
        let mut am = m.into_active_model();
        am.columns = Set(columns);
        am.referenced_namespace = Set(fk.referenced_namespace.clone());
        am.referenced_dataset = Set(fk.referenced_dataset.clone());
        am.referenced_columns = Set(ref_columns);
        am.removed_at = Set(None);
        am.update(txn).await?;
    }
    for m in by_name.into_values().filter(|m| m.removed_at.is_none()) {
        events.push(Some(dataset_id), None, ChangeKind::ForeignKeyRemoved, json!({ "name": m.name }));
        let mut am = m.into_active_model();
        am.removed_at = Set(Some(now));
        am.update(txn).await?;
    }
    Ok(())
}

/// The curated descriptions of the source's live columns, by namespace, dataset and column
/// name: what a scan's classification reads before the catalog is updated. A scan never
/// changes a description; on SQLite its write transaction also keeps anyone else from doing
/// so, and elsewhere a column whose description changed meanwhile is classified again.
pub async fn load_descriptions(txn: &DatabaseTransaction, source_id: i64) -> Result<HashMap<(String, String, String), String>, DbErr> {
    let columns = read_columns(txn, source_id, true).await?;
    Ok(columns.into_iter().filter_map(|(key, (_, _, description))| Some((key, description?))).collect())
}

/// The source's live columns with their ids, datasets and curated descriptions.
async fn load_columns(txn: &DatabaseTransaction, source_id: i64) -> Result<ScannedColumns, DbErr> {
    read_columns(txn, source_id, false).await
}

async fn read_columns(txn: &DatabaseTransaction, source_id: i64, described_only: bool) -> Result<ScannedColumns, DbErr> {
    // Only the fields needed, as tuples: a source may hold hundreds of thousands of columns.
    let datasets: HashMap<i64, (i64, String)> = dataset::Entity::find()
        .select_only()
        .columns([dataset::Column::Id, dataset::Column::NamespaceId, dataset::Column::Name])
        .filter(dataset::Column::SourceId.eq(source_id))
        .into_tuple::<(i64, i64, String)>()
        .all(txn)
        .await?
        .into_iter()
        .map(|(id, ns, name)| (id, (ns, name)))
        .collect();
    let namespaces: HashMap<i64, String> = namespace::Entity::find()
        .select_only()
        .columns([namespace::Column::Id, namespace::Column::Name])
        .filter(namespace::Column::SourceId.eq(source_id))
        .into_tuple::<(i64, String)>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let mut columns: ScannedColumns = HashMap::new();
    for (id, dataset_id, name, description) in dataset_column::Entity::find()
        .select_only()
        .columns([
            dataset_column::Column::Id,
            dataset_column::Column::DatasetId,
            dataset_column::Column::Name,
            dataset_column::Column::Description,
        ])
        .filter(dataset_column::Column::DatasetId.in_subquery(crate::catalog::datasets_of_source(source_id)))
        .filter(dataset_column::Column::RemovedAt.is_null())
        .apply_if(described_only.then_some(()), |q, ()| q.filter(dataset_column::Column::Description.is_not_null()))
        .into_tuple::<(i64, i64, String, Option<String>)>()
        .all(txn)
        .await?
    {
        let Some((ns_id, dataset)) = datasets.get(&dataset_id) else { continue };
        let ns = namespaces.get(ns_id).cloned().unwrap_or_default();
        columns.insert((ns, dataset.clone(), name), (id, dataset_id, description));
    }
    Ok(columns)
}
