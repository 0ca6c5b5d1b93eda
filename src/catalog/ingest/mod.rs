//! Applies a scanner [`Snapshot`] to the catalog in one transaction: adds what is new,
//! updates only what changed, soft-deletes what disappeared, and records a change event
//! for every structural difference. Sampled values are not persisted here.

use crate::catalog::entity::{change_event, dataset, dataset_column, foreign_key, namespace, scan};
use crate::catalog::{ChangeKind, ScanStatus};
use crate::classify::{Classifier, ColumnFacts};
use crate::privacy::classifications::{apply_suggestions, ClassificationSummary};
use crate::store::insert_in_chunks;
use almanac_scanners as snap;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why applying a snapshot failed. The catalog is unchanged when it does.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("catalog store error while applying the scan: {0}")]
    Store(#[from] DbErr),
    #[error("scan {0} is not running")]
    ScanNotRunning(i64),
}

/// What one applied snapshot amounted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestSummary {
    pub datasets: usize,
    pub columns: usize,
    pub changes: usize,
    /// What classification of the scanned columns wrote.
    pub classifications: ClassificationSummary,
    /// The scanner's warnings and the columns whose classification or profile failed.
    pub warnings: Vec<snap::ScanWarning>,
    pub elapsed: Duration,
}

const CHUNK: usize = 500;

struct Events {
    source_id: i64,
    scan_id: i64,
    at: DateTime<Utc>,
    rows: Vec<change_event::ActiveModel>,
    /// column_added events whose column id is known only after insertion.
    pending_columns: Vec<(i64, String, serde_json::Value)>,
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

fn fk_key(fk: &snap::ForeignKey) -> String {
    fk.name.clone().unwrap_or_else(|| format!("fk_{}", fk.columns.join("_")))
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
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

/// Applies `snapshot` as the result of scan `scan_id` of source `source_id`, and marks the
/// scan succeeded, all in one transaction. Classification and profiling, the CPU work over
/// every sampled value, run on blocking threads.
pub async fn apply_snapshot(
    db: &DatabaseConnection,
    source_id: i64,
    scan_id: i64,
    snapshot: Arc<snap::Snapshot>,
    classifier: Arc<Classifier>,
    drift: &crate::history::drift::DriftConfig,
) -> Result<IngestSummary, IngestError> {
    use tracing::Instrument;
    let span = tracing::info_span!("ingest", source_id, scan_id);
    apply_in_transaction(db, source_id, scan_id, snapshot, classifier, drift).instrument(span).await
}

async fn apply_in_transaction(
    db: &DatabaseConnection,
    source_id: i64,
    scan_id: i64,
    snapshot: Arc<snap::Snapshot>,
    classifier: Arc<Classifier>,
    drift: &crate::history::drift::DriftConfig,
) -> Result<IngestSummary, IngestError> {
    let started = Instant::now();
    let txn = crate::catalog::begin_write(db).await?;
    let now = Utc::now();

    // The scan must still be this process's to finish: running, under a live lease.
    let scan_row = scan::Entity::find_by_id(scan_id).one(&txn).await?.filter(|s| s.status == ScanStatus::Running);
    let job = scan_row.as_ref().and_then(|s| s.job_id);
    let live = match job {
        Some(job) => crate::jobs::is_ours_and_live(&txn, job).await?,
        None => scan_row.is_some(),
    };
    if !live {
        return Err(IngestError::ScanNotRunning(scan_id));
    }

    let mut events = Events { source_id, scan_id, at: now, rows: Vec::new(), pending_columns: Vec::new() };
    let ns_ids = apply_namespaces(&txn, source_id, &snapshot, now, &mut events).await?;
    apply_datasets(&txn, source_id, &snapshot, &ns_ids, now, &mut events).await?;

    // Resolve ids of columns added to existing datasets, then write all events.
    if !events.pending_columns.is_empty() {
        let ds_ids: HashSet<i64> = events.pending_columns.iter().map(|(d, _, _)| *d).collect();
        let mut ids: HashMap<(i64, String), i64> = HashMap::new();
        let list: Vec<i64> = ds_ids.into_iter().collect();
        for chunk in list.chunks(CHUNK) {
            for c in dataset_column::Entity::find().filter(dataset_column::Column::DatasetId.is_in(chunk.to_vec())).all(&txn).await? {
                ids.insert((c.dataset_id, c.name), c.id);
            }
        }
        for (ds, name, details) in std::mem::take(&mut events.pending_columns) {
            let col_id = ids.get(&(ds, name)).copied();
            events.push(Some(ds), col_id, ChangeKind::ColumnAdded, details);
        }
    }
    let columns = Arc::new(load_columns(&txn, source_id).await?);
    let mut warnings = snapshot.warnings.clone();
    let (classifications, classified_datasets) =
        classify_snapshot(&txn, scan_id, snapshot.clone(), classifier, columns.clone(), now, &mut warnings).await?;
    // Profiles of the sampled values, compared with the previous scan's: semantic changes.
    let ids: crate::history::ColumnIds = columns.iter().map(|(k, (c, d, _))| (k.clone(), (*c, *d))).collect();
    for (dataset_id, column_id, kind, details) in
        crate::history::record_profiles(&txn, scan_id, snapshot.clone(), Arc::new(ids), drift, now, &mut warnings).await?
    {
        events.push(Some(dataset_id), column_id, kind, details);
    }
    // The search index follows these datasets through the outbox.
    let touched: std::collections::BTreeSet<i64> =
        events.rows.iter().filter_map(|e| e.dataset_id.try_as_ref().copied().flatten()).chain(classified_datasets).collect();
    crate::search::outbox::enqueue(&txn, touched).await?;
    let changes = events.rows.len();
    let rows = std::mem::take(&mut events.rows);
    insert_in_chunks(&txn, rows, CHUNK * 2).await?;

    let summary = IngestSummary {
        datasets: snapshot.dataset_count(),
        columns: snapshot.column_count(),
        changes,
        classifications,
        warnings,
        elapsed: started.elapsed(),
    };
    scan::Entity::update_many()
        .col_expr(scan::Column::Status, Expr::value(ScanStatus::Succeeded.as_str()))
        .col_expr(scan::Column::Phase, Expr::value("done"))
        .col_expr(scan::Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(scan::Column::Datasets, Expr::value(summary.datasets as i64))
        .col_expr(scan::Column::Columns, Expr::value(summary.columns as i64))
        .col_expr(scan::Column::Changes, Expr::value(summary.changes as i64))
        .col_expr(
            scan::Column::Warnings,
            Expr::value((!summary.warnings.is_empty()).then(|| serde_json::to_string(&summary.warnings).unwrap_or_default())),
        )
        .filter(scan::Column::Id.eq(scan_id))
        .exec(&txn)
        .await?;
    if let Some(job) = job {
        crate::jobs::finish(&txn, job, None).await?;
    }
    txn.commit().await?;
    tracing::info!(datasets = summary.datasets, columns = summary.columns, changes, "scan applied");
    Ok(summary)
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
    for (name, m) in &existing {
        if m.removed_at.is_none() && !ids.contains_key(name) {
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
    let of_source =
        || Query::select().column(dataset::Column::Id).from(dataset::Entity).and_where(dataset::Column::SourceId.eq(source_id)).to_owned();
    let mut columns: HashMap<i64, Vec<dataset_column::Model>> = HashMap::new();
    for c in dataset_column::Entity::find().filter(dataset_column::Column::DatasetId.in_subquery(of_source())).all(txn).await? {
        columns.entry(c.dataset_id).or_default().push(c);
    }
    let mut fks: HashMap<i64, Vec<foreign_key::Model>> = HashMap::new();
    for f in foreign_key::Entity::find().filter(foreign_key::Column::DatasetId.in_subquery(of_source())).all(txn).await? {
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
            column_inserts.extend(d.columns.iter().map(|c| new_column(id, c, now)));
            fk_inserts.extend(d.foreign_keys.iter().map(|f| new_fk(id, f, now)));
        }
    }

    insert_in_chunks(txn, column_inserts, CHUNK * 2).await?;
    insert_in_chunks(txn, fk_inserts, CHUNK).await?;

    // Datasets that disappeared: soft-deleted, never dropped.
    let gone: Vec<&dataset::Model> = existing.values().filter(|m| m.removed_at.is_none() && !seen.contains(&m.id)).collect();
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
    if changed {
        am.updated_at = Set(now);
        am.update(txn).await?;
    }
    Ok(())
}

async fn diff_columns(
    txn: &DatabaseTransaction,
    dataset_id: i64,
    existing: Vec<dataset_column::Model>,
    scanned: &[snap::Column],
    now: DateTime<Utc>,
    events: &mut Events,
    inserts: &mut Vec<dataset_column::ActiveModel>,
) -> Result<(), DbErr> {
    let mut by_name: HashMap<String, dataset_column::Model> = existing.into_iter().map(|c| (c.name.clone(), c)).collect();
    for c in scanned {
        let Some(m) = by_name.remove(&c.name) else {
            inserts.push(new_column(dataset_id, c, now));
            events.pending_columns.push((dataset_id, c.name.clone(), json!({ "data_type": c.data_type, "nullable": c.nullable })));
            continue;
        };
        let id = Some(m.id);
        let ds = Some(dataset_id);
        let mut am = m.clone().into_active_model();
        let mut changed = false;
        if m.removed_at.is_some() {
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
    for m in by_name.into_values().filter(|m| m.removed_at.is_none()) {
        events.push(Some(dataset_id), Some(m.id), ChangeKind::ColumnRemoved, json!({ "data_type": m.data_type }));
        let mut am = m.into_active_model();
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

/// Classifies every scanned column (names, comments, curated descriptions, types, sampled
/// values) and writes the suggestions; the samples are read here and nowhere stored.
/// The source's live columns by (namespace, dataset, column): (column id, dataset id,
/// curated description). Read once per scan, after the datasets are applied.
type ColumnIds = HashMap<(String, String, String), (i64, i64, Option<String>)>;

/// Classifies every scanned column the catalog knows. A panic while classifying one column
/// (a bug meeting data nobody foresaw) leaves that column as it was and becomes a warning
/// naming it; the others are classified and the scan goes on.
fn classify_columns(
    snapshot: &snap::Snapshot,
    columns: &ColumnIds,
    classify: impl Fn(&ColumnFacts<'_>) -> Option<crate::classify::Suggestion>,
    warnings: &mut Vec<snap::ScanWarning>,
) -> Vec<(i64, Option<crate::classify::Suggestion>)> {
    let mut results = Vec::with_capacity(columns.len());
    for ns in &snapshot.namespaces {
        for d in &ns.datasets {
            for c in &d.columns {
                let key = (ns.name.clone(), d.name.clone(), c.name.clone());
                let Some((id, _, description)) = columns.get(&key) else { continue };
                let facts = ColumnFacts::scanned(d, c, description.as_deref());
                match crate::contain::contained(|| classify(&facts)) {
                    Ok(found) => results.push((*id, found)),
                    Err(e) => warnings.push(snap::ScanWarning::column(&ns.name, &d.name, &c.name, format!("not classified: {e}"))),
                }
            }
        }
    }
    results
}

async fn load_columns(txn: &DatabaseTransaction, source_id: i64) -> Result<ColumnIds, DbErr> {
    let datasets: HashMap<i64, dataset::Model> =
        dataset::Entity::find().filter(dataset::Column::SourceId.eq(source_id)).all(txn).await?.into_iter().map(|d| (d.id, d)).collect();
    let namespaces: HashMap<i64, String> = namespace::Entity::find()
        .filter(namespace::Column::SourceId.eq(source_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|n| (n.id, n.name))
        .collect();
    let of_source =
        Query::select().column(dataset::Column::Id).from(dataset::Entity).and_where(dataset::Column::SourceId.eq(source_id)).to_owned();
    let mut columns: ColumnIds = HashMap::new();
    for c in dataset_column::Entity::find()
        .filter(dataset_column::Column::DatasetId.in_subquery(of_source))
        .filter(dataset_column::Column::RemovedAt.is_null())
        .all(txn)
        .await?
    {
        let Some(d) = datasets.get(&c.dataset_id) else { continue };
        let ns = namespaces.get(&d.namespace_id).cloned().unwrap_or_default();
        columns.insert((ns, d.name.clone(), c.name), (c.id, c.dataset_id, c.description));
    }
    Ok(columns)
}

async fn classify_snapshot(
    txn: &DatabaseTransaction,
    scan_id: i64,
    snapshot: Arc<snap::Snapshot>,
    classifier: Arc<Classifier>,
    columns: Arc<ColumnIds>,
    now: DateTime<Utc>,
    warnings: &mut Vec<snap::ScanWarning>,
) -> Result<(ClassificationSummary, Vec<i64>), DbErr> {
    let dataset_of: HashMap<i64, i64> = columns.values().map(|(c, d, _)| (*c, *d)).collect();
    let (results, more_warnings) = tokio::task::spawn_blocking(move || {
        let mut warnings = Vec::new();
        let results = classify_columns(&snapshot, &columns, |facts| classifier.classify(facts), &mut warnings);
        (results, warnings)
    })
    .await
    .map_err(|e| DbErr::Custom(format!("classification stopped: {e}")))?;
    warnings.extend(more_warnings);
    let (summary, changed) = apply_suggestions(txn, scan_id, &results, now).await?;
    Ok((summary, changed.into_iter().filter_map(|c| dataset_of.get(&c).copied()).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str) -> snap::Column {
        snap::Column {
            name: name.into(),
            ordinal: 1,
            data_type: "text".into(),
            type_family: snap::TypeFamily::Text,
            nullable: true,
            default: None,
            primary_key: false,
            unique: false,
            comment: None,
            sample_values: vec![Some("Seppälä".into())],
        }
    }

    #[test]
    fn a_panic_on_one_column_is_a_warning_and_the_others_are_classified() {
        let dataset = snap::Dataset {
            name: "customers".into(),
            kind: snap::DatasetKind::Table,
            comment: None,
            row_estimate: None,
            view_definition: None,
            owner: None,
            columns: vec![column("email"), column("surname"), column("phone")],
            foreign_keys: Vec::new(),
            partitions: Vec::new(),
            sample: None,
        };
        let snapshot = snap::Snapshot {
            engine: snap::Engine::Sqlite,
            database: "t".into(),
            server_version: None,
            namespaces: vec![snap::Namespace { name: "main".into(), datasets: vec![dataset] }],
            warnings: Vec::new(),
        };
        let columns: ColumnIds = ["email", "surname", "phone"]
            .iter()
            .enumerate()
            .map(|(i, c)| (("main".to_string(), "customers".to_string(), c.to_string()), (i as i64 + 1, 1, None)))
            .collect();
        let mut warnings = Vec::new();
        let results = classify_columns(
            &snapshot,
            &columns,
            |facts| {
                if facts.column == "surname" {
                    // What `split_at(8)` did to "Seppälä" before the fix.
                    let v = facts.values[0].as_deref().unwrap_or_default();
                    let _ = v.split_at(5);
                }
                None
            },
            &mut warnings,
        );
        assert_eq!(results.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(warnings.len(), 1);
        let w = &warnings[0];
        assert_eq!((w.dataset.as_deref(), w.column.as_deref()), (Some("customers"), Some("surname")));
        assert!(w.message.starts_with("not classified: internal error at "), "{}", w.message);
        assert!(!w.message.contains("Seppälä"), "the warning must not quote the value: {}", w.message);
    }
}
