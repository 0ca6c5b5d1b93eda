//! History of meaning: per-scan column profiles and the drift detectors that compare them,
//! meanings over time, reviews of detected changes, and the timeline of a dataset or column.
//! Owns `column_profile`, `column_meaning` and `change_review`; the change events themselves
//! are the catalog's.

pub mod drift;
mod entity;
pub mod meanings;
/// Profiles are computed by the scanners as they read the rows; history stores and compares them.
pub use almanac_scanners::profile;

use crate::catalog::ChangeKind;
use almanac_scanners as snap;
use chrono::{DateTime, Utc};
use entity::column_profile;
pub use entity::ReviewDecision;
pub use meanings::{any_meaning, meanings_in_effect};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;
use std::collections::HashMap;

/// Words of a column name that say it holds money (the tax detector needs one).
const MONEY_WORDS: &[&str] =
    &["amount", "amt", "price", "total", "revenue", "cost", "fee", "net", "gross", "subtotal", "paid", "charge", "sum", "value"];

fn is_money(column: &snap::Column) -> bool {
    column.type_family == snap::TypeFamily::Decimal
        || crate::classify::words::split_identifier(&column.name).iter().any(|w| MONEY_WORDS.contains(&w.as_str()))
}

/// (namespace, dataset, column) names -> (column id, dataset id), for the columns of a scan.
pub type ColumnIds = HashMap<(String, String, String), (i64, i64)>;

/// A detected semantic change: (dataset id, column id, kind, details).
pub type Detected = (i64, Option<i64>, ChangeKind, serde_json::Value);

/// Stores the profiles of this scan's sampled columns (made by the scanner as it read the
/// rows) and compares them with the same columns' profiles in the source's previous profiled
/// scan. Returns the changes found. The comparisons run on a blocking thread.
pub(crate) async fn record_profiles(
    txn: &DatabaseTransaction,
    scan_id: i64,
    snapshot: std::sync::Arc<snap::Snapshot>,
    ids: std::sync::Arc<ColumnIds>,
    config: &drift::DriftConfig,
    now: DateTime<Utc>,
    warnings: &mut Vec<snap::ScanWarning>,
) -> Result<Vec<Detected>, DbErr> {
    // A scan without samples (schema only) has nothing to profile or compare.
    if snapshot.namespaces.iter().flat_map(|n| &n.datasets).all(|d| d.sample.is_none()) {
        return Ok(Vec::new());
    }
    let before = previous_profiles(txn, scan_id, &ids).await?;
    // Each previous column profile is parsed once, off the async threads.
    let (before, mut parsed) = tokio::task::spawn_blocking(move || {
        let parsed = parse_profiles(&before);
        (before, parsed)
    })
    .await
    .map_err(|e| DbErr::Custom(format!("profiling stopped: {e}")))?;
    same_way_profiles(txn, scan_id, &snapshot, &ids, &mut parsed).await?;
    let config = config.clone();
    let measured = tokio::task::spawn_blocking(move || measure(scan_id, &snapshot, &ids, &before, &parsed, &config, now))
        .await
        .map_err(|e| DbErr::Custom(format!("profiling stopped: {e}")))?;
    let (rows, found, more_warnings) = measured;
    warnings.extend(more_warnings);
    // Five values a row: 1,000 rows stay far below either engine's bind-parameter limit.
    crate::store::insert_in_chunks(txn, rows, 1_000).await?;
    Ok(found)
}

/// (dataset id, column id or None) -> the stored profile JSON of the source's previous
/// profiled scan of these datasets.
async fn previous_profiles(txn: &DatabaseTransaction, scan_id: i64, ids: &ColumnIds) -> Result<HashMap<(i64, Option<i64>), String>, DbErr> {
    let dataset_ids: Vec<i64> = {
        let mut v: Vec<i64> = ids.values().map(|(_, d)| *d).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut previous_scan: Option<i64> = None;
    for chunk in dataset_ids.chunks(500) {
        let max: Option<Option<i64>> = column_profile::Entity::find()
            .select_only()
            .column_as(Expr::col(column_profile::Column::ScanId).max(), "m")
            .filter(column_profile::Column::DatasetId.is_in(chunk.to_vec()))
            .filter(column_profile::Column::ScanId.lt(scan_id))
            .into_tuple()
            .one(txn)
            .await?;
        previous_scan = std::cmp::Ord::max(previous_scan, max.flatten());
    }
    let mut before: HashMap<(i64, Option<i64>), String> = HashMap::new();
    if let Some(prev) = previous_scan {
        for chunk in dataset_ids.chunks(500) {
            for (dataset_id, column_id, profile) in column_profile::Entity::find()
                .select_only()
                .columns([column_profile::Column::DatasetId, column_profile::Column::ColumnId, column_profile::Column::Profile])
                .filter(column_profile::Column::ScanId.eq(prev))
                .filter(column_profile::Column::DatasetId.is_in(chunk.to_vec()))
                .into_tuple::<(i64, Option<i64>, String)>()
                .all(txn)
                .await?
            {
                before.insert((dataset_id, column_id), profile);
            }
        }
    }
    Ok(before)
}

/// Previous column profiles by (dataset id, column id), parsed; on two threads when many.
fn parse_profiles(before: &HashMap<(i64, Option<i64>), String>) -> HashMap<(i64, i64), profile::Profile> {
    let columns: Vec<((i64, i64), &String)> = before.iter().filter_map(|((d, c), j)| c.map(|c| ((*d, c), j))).collect();
    let parse = |part: &[((i64, i64), &String)]| -> Vec<((i64, i64), profile::Profile)> {
        part.iter().filter_map(|(k, j)| serde_json::from_str::<profile::Profile>(j).ok().map(|p| (*k, p))).collect()
    };
    if columns.len() < 2_000 {
        return parse(&columns).into_iter().collect();
    }
    let (a, b) = columns.split_at(columns.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| parse(b));
        let mut out: HashMap<(i64, i64), profile::Profile> = parse(a).into_iter().collect();
        out.extend(other.join().unwrap_or_default());
        out
    })
}

/// Most datasets per scan whose earlier profiles are searched for one taken the same way.
const MAX_DATASETS_LOOKED_BACK: usize = 500;
/// How many earlier profiled scans of one dataset are searched.
const MAX_SCANS_LOOKED_BACK: u64 = 10;

/// Where the previous scan sampled a dataset another way than this one (a hashed sample that
/// timed out and fell back to the engine's random method, say), profiles are compared only
/// with profiles taken the same way: replaces each such column's previous profile with the
/// latest earlier one taken as this scan's, so a change that lands after one fallback scan is
/// still found on the next.
async fn same_way_profiles(
    txn: &DatabaseTransaction,
    scan_id: i64,
    snapshot: &snap::Snapshot,
    ids: &ColumnIds,
    before: &mut HashMap<(i64, i64), profile::Profile>,
) -> Result<(), DbErr> {
    let method_of = |json: &str| serde_json::from_str::<profile::Profile>(json).ok().and_then(|p| p.method);
    let mut looked_back = 0;
    for ns in &snapshot.namespaces {
        for d in &ns.datasets {
            let Some(now) = d.sample.as_ref().map(|s| s.method) else { continue };
            let columns: Vec<i64> =
                d.columns.iter().filter_map(|c| ids.get(&(ns.name.clone(), d.name.clone(), c.name.clone())).map(|(col, _)| *col)).collect();
            let Some(&(_, ds)) = d.columns.first().and_then(|c| ids.get(&(ns.name.clone(), d.name.clone(), c.name.clone()))) else {
                continue;
            };
            let differ = columns.iter().any(|c| before.get(&(ds, *c)).is_some_and(|p| p.method != Some(now)));
            if !differ || looked_back >= MAX_DATASETS_LOOKED_BACK {
                continue;
            }
            looked_back += 1;
            let scans: Vec<i64> = column_profile::Entity::find()
                .select_only()
                .column(column_profile::Column::ScanId)
                .distinct()
                .filter(column_profile::Column::DatasetId.eq(ds))
                .filter(column_profile::Column::ScanId.lt(scan_id))
                .order_by_desc(column_profile::Column::ScanId)
                .limit(MAX_SCANS_LOOKED_BACK)
                .into_tuple()
                .all(txn)
                .await?;
            let rows = column_profile::Entity::find()
                .filter(column_profile::Column::DatasetId.eq(ds))
                .filter(column_profile::Column::ScanId.is_in(scans))
                .order_by_desc(column_profile::Column::ScanId)
                .all(txn)
                .await?;
            let mut replaced = std::collections::HashSet::new();
            for row in rows {
                let Some(col) = row.column_id else { continue };
                if replaced.contains(&col) || method_of(&row.profile) != Some(now) {
                    continue;
                }
                if before.get(&(ds, col)).is_some_and(|p| p.method != Some(now)) {
                    if let Ok(p) = serde_json::from_str::<profile::Profile>(&row.profile) {
                        before.insert((ds, col), p);
                    }
                }
                replaced.insert(col);
            }
        }
    }
    Ok(())
}

type Measured = (Vec<column_profile::ActiveModel>, Vec<Detected>, Vec<snap::ScanWarning>);

/// Compares every profiled column with its previous profile (pure CPU work).
fn measure(
    scan_id: i64,
    snapshot: &snap::Snapshot,
    ids: &ColumnIds,
    before: &HashMap<(i64, Option<i64>), String>,
    previous: &HashMap<(i64, i64), profile::Profile>,
    config: &drift::DriftConfig,
    now: DateTime<Utc>,
) -> Measured {
    let mut rows = Vec::new();
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    for ns in &snapshot.namespaces {
        for d in &ns.datasets {
            if d.sample.is_none() {
                continue;
            }
            let mut dataset_id = None;
            for c in &d.columns {
                let Some(&(column_id, ds)) = ids.get(&(ns.name.clone(), d.name.clone(), c.name.clone())) else { continue };
                dataset_id = Some(ds);
                let Some(p) = &c.profile else { continue };
                let old = previous.get(&(ds, column_id));
                let compared = crate::contain::contained(|| old.map(|old| drift::detect(old, p, is_money(c), config)).unwrap_or_default());
                let changes = match compared {
                    Ok(changes) => changes,
                    Err(e) => {
                        warnings.push(snap::ScanWarning::column(
                            &ns.name,
                            &d.name,
                            &c.name,
                            format!("not compared with the previous scan: {e}"),
                        ));
                        Vec::new()
                    }
                };
                for change in changes {
                    found.push((
                        ds,
                        Some(column_id),
                        change.kind,
                        json!({ "column": c.name, "confidence": change.confidence, "evidence": change.evidence }),
                    ));
                }
                rows.push(column_profile::ActiveModel {
                    scan_id: Set(scan_id),
                    dataset_id: Set(ds),
                    column_id: Set(Some(column_id)),
                    profile: Set(serde_json::to_string(p).unwrap_or_default()),
                    created_at: Set(now),
                    ..Default::default()
                });
            }
            let Some(ds) = dataset_id else { continue };
            let Some(sample) = &d.sample else { continue };
            let (rows_sampled, dup) = (sample.rows, sample.duplicate_share);
            let old = before.get(&(ds, None)).and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok());
            // Samples taken different ways are not compared (a new baseline starts).
            if let Some(old) = old.filter(|o| o["method"] == json!(sample.method)) {
                let old_rows = old["sampled_rows"].as_u64().unwrap_or(0) as usize;
                if let Some(change) = drift::duplicates(old["duplicate_share"].as_f64(), dup, (old_rows, rows_sampled), config) {
                    found.push((ds, None, change.kind, json!({ "confidence": change.confidence, "evidence": change.evidence })));
                }
            }
            rows.push(column_profile::ActiveModel {
                scan_id: Set(scan_id),
                dataset_id: Set(ds),
                column_id: Set(None),
                profile: Set(json!({ "sampled_rows": rows_sampled, "row_estimate": d.row_estimate, "duplicate_share": dup, "method": sample.method })
                    .to_string()),
                created_at: Set(now),
                ..Default::default()
            });
        }
    }
    (rows, found, warnings)
}

/// One event of a timeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimelineEvent {
    /// RFC 3339.
    pub at: DateTime<Utc>,
    pub kind: ChangeKind,
    /// The column it concerns, if any.
    pub column: Option<String>,
    pub details: serde_json::Value,
}

/// The timeline of a dataset (with its columns) or of one column, oldest first: structural
/// changes, detected semantic changes and curation, from the change events.
pub async fn timeline(
    catalog: &crate::catalog::Catalog,
    name: &crate::catalog::names::QualifiedName,
) -> Result<Vec<TimelineEvent>, crate::catalog::CatalogError> {
    use crate::catalog::ChangeFilter;
    let dataset = catalog.dataset_by_name(&name.dataset_name()).await?;
    let columns: HashMap<i64, String> =
        catalog.columns(&dataset, true).await?.into_iter().map(|c| (c.id, c.qualified_name.column.unwrap_or_default())).collect();
    let filter = match &name.column {
        Some(col) => {
            let id = columns
                .iter()
                .find(|(_, n)| *n == col)
                .map(|(id, _)| *id)
                .ok_or_else(|| crate::catalog::CatalogError::NotFound(format!("column {name} not found")))?;
            ChangeFilter { column_id: Some(id), ..Default::default() }
        }
        None => ChangeFilter { dataset_id: Some(dataset.id), ..Default::default() },
    };
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let (page, more) = catalog.changes(filter.clone(), after, 1_000).await?;
        after = page.last().map(|e| e.id);
        for e in page {
            let column = e.column_id.and_then(|id| columns.get(&id).cloned()).or_else(|| e.details["column"].as_str().map(str::to_string));
            out.push(TimelineEvent { at: e.at, kind: e.kind, column, details: e.details });
        }
        if !more {
            break;
        }
    }
    Ok(out)
}

/// A column's profile in one scan.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScanProfile {
    pub scan_id: i64,
    pub at: DateTime<Utc>,
    pub profile: serde_json::Value,
}

/// A column's profiles, newest scan first.
pub async fn profiles(
    catalog: &crate::catalog::Catalog,
    column_id: i64,
    limit: u64,
) -> Result<Vec<ScanProfile>, crate::catalog::CatalogError> {
    use sea_orm::QueryOrder;
    Ok(column_profile::Entity::find()
        .filter(column_profile::Column::ColumnId.eq(column_id))
        .order_by_desc(column_profile::Column::ScanId)
        .limit(limit)
        .all(catalog.connection())
        .await?
        .into_iter()
        .map(|m| ScanProfile { scan_id: m.scan_id, at: m.created_at, profile: serde_json::from_str(&m.profile).unwrap_or_default() })
        .collect())
}
