//! Personal-data classifications as stored: suggestions written by scans, decisions made by
//! stewards. A rejected category is never suggested again for the same column, and a
//! confirmed or manual one is never overwritten by a scan.

use super::entity::{classification, dataset, dataset_column, namespace, source};
use super::{begin_write, record_event, Catalog, CatalogError, Column, QualifiedName};
use crate::classify::Suggestion;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Where a classification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassificationStatus {
    Suggested,
    Confirmed,
    Rejected,
    Manual,
}

impl ClassificationStatus {
    /// Stable lower-case name, as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            ClassificationStatus::Suggested => "suggested",
            ClassificationStatus::Confirmed => "confirmed",
            ClassificationStatus::Rejected => "rejected",
            ClassificationStatus::Manual => "manual",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "suggested" => ClassificationStatus::Suggested,
            "confirmed" => ClassificationStatus::Confirmed,
            "rejected" => ClassificationStatus::Rejected,
            "manual" => ClassificationStatus::Manual,
            _ => return None,
        })
    }
}

/// A column's classification into a personal-data category.
#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    pub id: i64,
    pub column_id: i64,
    pub category: String,
    pub status: ClassificationStatus,
    pub confidence: f64,
    /// Signals that produced it (rule, weight, shares); never sampled values.
    pub evidence: serde_json::Value,
    pub scan_id: Option<i64>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<classification::Model> for Classification {
    fn from(m: classification::Model) -> Self {
        Classification {
            id: m.id,
            column_id: m.column_id,
            category: m.category,
            status: ClassificationStatus::parse(&m.status).unwrap_or(ClassificationStatus::Suggested),
            confidence: m.confidence,
            evidence: serde_json::from_str(&m.evidence).unwrap_or(serde_json::Value::Null),
            scan_id: m.scan_id,
            decided_by: m.decided_by,
            decided_at: m.decided_at,
            note: m.note,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A steward's decision on a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Confirm,
    Reject,
}

/// Which classified columns to list.
#[derive(Debug, Clone, Default)]
pub struct PiiFilter {
    pub source_id: i64,
    pub categories: Option<Vec<String>>,
    pub status: Option<ClassificationStatus>,
}

/// A classification with its column.
#[derive(Debug, Clone)]
pub struct ClassifiedColumn {
    pub classification: Classification,
    pub column: Column,
}

/// What applying a scan's suggestions did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassificationSummary {
    pub suggested: usize,
    pub updated: usize,
    pub withdrawn: usize,
    pub kept_decisions: usize,
}

const CHUNK: usize = 500;

/// Writes a scan's suggestions for the given columns (inside the scan's transaction).
/// `results` holds every column the scan classified, with its suggestion or none.
pub(crate) async fn apply_suggestions<C: ConnectionTrait>(
    db: &C,
    scan_id: i64,
    results: &[(i64, Option<Suggestion>)],
    now: DateTime<Utc>,
) -> Result<(ClassificationSummary, Vec<i64>), DbErr> {
    let mut summary = ClassificationSummary::default();
    let mut changed: Vec<i64> = Vec::new();
    let ids: Vec<i64> = results.iter().map(|(id, _)| *id).collect();
    let mut existing: HashMap<i64, Vec<classification::Model>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for m in classification::Entity::find().filter(classification::Column::ColumnId.is_in(chunk.to_vec())).all(db).await? {
            existing.entry(m.column_id).or_default().push(m);
        }
    }
    let mut inserts = Vec::new();
    let mut withdraw = Vec::new();
    for (column_id, suggestion) in results {
        let rows = existing.remove(column_id).unwrap_or_default();
        for row in &rows {
            let stale = row.status == ClassificationStatus::Suggested.as_str()
                && suggestion.as_ref().is_none_or(|s| s.category != row.category);
            if stale {
                withdraw.push(row.id);
                changed.push(*column_id);
            }
        }
        let Some(s) = suggestion else { continue };
        let evidence = serde_json::to_string(&s.evidence).unwrap_or_else(|_| "[]".into());
        match rows.iter().find(|r| r.category == s.category) {
            Some(row) if row.status == ClassificationStatus::Suggested.as_str() => {
                if (row.confidence - s.confidence).abs() > 1e-9 || row.evidence != evidence {
                    let mut am = row.clone().into_active_model();
                    am.confidence = Set(s.confidence);
                    am.evidence = Set(evidence);
                    am.scan_id = Set(Some(scan_id));
                    am.updated_at = Set(now);
                    am.update(db).await?;
                    summary.updated += 1;
                    changed.push(*column_id);
                }
            }
            // Rejected stays rejected; confirmed and manual are people's decisions.
            Some(_) => summary.kept_decisions += 1,
            None => {
                inserts.push(classification::ActiveModel {
                    id: NotSet,
                    column_id: Set(*column_id),
                    category: Set(s.category.clone()),
                    status: Set(ClassificationStatus::Suggested.as_str().into()),
                    confidence: Set(s.confidence),
                    evidence: Set(evidence),
                    scan_id: Set(Some(scan_id)),
                    decided_by: Set(None),
                    decided_at: Set(None),
                    note: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                });
                summary.suggested += 1;
                changed.push(*column_id);
            }
        }
    }
    super::insert_in_chunks(db, inserts, CHUNK).await?;
    for chunk in withdraw.chunks(CHUNK) {
        classification::Entity::delete_many().filter(classification::Column::Id.is_in(chunk.to_vec())).exec(db).await?;
    }
    summary.withdrawn = withdraw.len();
    Ok((summary, changed))
}

fn validate_note(note: Option<&str>) -> Result<Option<String>, CatalogError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2_000) {
        return Err(CatalogError::Invalid("note is longer than 2000 characters".into()));
    }
    Ok(note.map(str::to_string))
}

impl Catalog {
    /// A column's classifications, best first.
    pub async fn classifications(&self, column_id: i64) -> Result<Vec<Classification>, CatalogError> {
        Ok(classification::Entity::find()
            .filter(classification::Column::ColumnId.eq(column_id))
            .order_by_desc(classification::Column::Confidence)
            .all(self.connection())
            .await?
            .into_iter()
            .map(Classification::from)
            .collect())
    }

    /// A classification by id.
    pub async fn classification(&self, id: i64) -> Result<Classification, CatalogError> {
        classification::Entity::find_by_id(id)
            .one(self.connection())
            .await?
            .map(Classification::from)
            .ok_or_else(|| CatalogError::NotFound(format!("classification {id}")))
    }

    /// Confirms or rejects a classification; recorded as a change event with who and why.
    pub async fn decide_classification(&self, id: i64, decision: Decision, actor: &str, note: Option<&str>) -> Result<Classification, CatalogError> {
        let note = validate_note(note)?;
        let txn = begin_write(self.connection()).await?;
        let row = classification::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| CatalogError::NotFound(format!("classification {id}")))?;
        let before = row.status.clone();
        let status = match decision {
            Decision::Confirm => ClassificationStatus::Confirmed,
            Decision::Reject => ClassificationStatus::Rejected,
        };
        let now = Utc::now();
        let column_id = row.column_id;
        let category = row.category.clone();
        let mut am = row.into_active_model();
        am.status = Set(status.as_str().into());
        am.decided_by = Set(Some(actor.to_string()));
        am.decided_at = Set(Some(now));
        am.note = Set(note.clone());
        am.updated_at = Set(now);
        let updated = am.update(&txn).await?;
        let (source_id, dataset_id) = column_owner(&txn, column_id).await?;
        super::indexing::enqueue(&txn, [dataset_id]).await?;
        let kind = match decision {
            Decision::Confirm => "classification_confirmed",
            Decision::Reject => "classification_rejected",
        };
        record_event(
            &txn,
            source_id,
            None,
            Some(dataset_id),
            Some(column_id),
            kind,
            serde_json::json!({ "category": category, "before": before, "after": status.as_str(), "by": actor, "note": note }),
            now,
        )
        .await?;
        let action = match decision {
            Decision::Confirm => "classification.confirm",
            Decision::Reject => "classification.reject",
        };
        let record = super::audit::Record::new(action, vec![format!("cls_{id}"), format!("col_{column_id}")])
            .before(serde_json::json!({ "category": category, "status": before }))
            .after(serde_json::json!({ "category": category, "status": status.as_str(), "note": note }));
        super::audit::append(&txn, self.who(), record).await?;
        txn.commit().await?;
        Ok(updated.into())
    }

    /// Adds a category to a column by hand (status `manual`); a rejected one becomes manual.
    pub async fn add_classification(&self, column_id: i64, category: &str, actor: &str, note: Option<&str>) -> Result<Classification, CatalogError> {
        let note = validate_note(note)?;
        let txn = begin_write(self.connection()).await?;
        let (source_id, dataset_id) = column_owner(&txn, column_id).await?;
        super::indexing::enqueue(&txn, [dataset_id]).await?;
        let now = Utc::now();
        let existing = classification::Entity::find()
            .filter(classification::Column::ColumnId.eq(column_id))
            .filter(classification::Column::Category.eq(category))
            .one(&txn)
            .await?;
        let before = existing.as_ref().map(|e| e.status.clone());
        let evidence = serde_json::json!([{ "kind": "manual", "rule": format!("added by {actor}"), "weight": 1.0 }]).to_string();
        let model = match existing {
            Some(row) => {
                let mut am = row.into_active_model();
                am.status = Set(ClassificationStatus::Manual.as_str().into());
                am.confidence = Set(1.0);
                am.evidence = Set(evidence);
                am.decided_by = Set(Some(actor.to_string()));
                am.decided_at = Set(Some(now));
                am.note = Set(note.clone());
                am.updated_at = Set(now);
                am.update(&txn).await?
            }
            None => {
                classification::ActiveModel {
                    id: NotSet,
                    column_id: Set(column_id),
                    category: Set(category.to_string()),
                    status: Set(ClassificationStatus::Manual.as_str().into()),
                    confidence: Set(1.0),
                    evidence: Set(evidence),
                    scan_id: Set(None),
                    decided_by: Set(Some(actor.to_string())),
                    decided_at: Set(Some(now)),
                    note: Set(note.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?
            }
        };
        record_event(
            &txn,
            source_id,
            None,
            Some(dataset_id),
            Some(column_id),
            "classification_added",
            serde_json::json!({ "category": category, "before": before, "after": "manual", "by": actor, "note": note }),
            now,
        )
        .await?;
        let record = super::audit::Record::new("classification.add", vec![format!("cls_{}", model.id), format!("col_{column_id}")])
            .before(serde_json::json!({ "category": category, "status": before }))
            .after(serde_json::json!({ "category": category, "status": "manual", "note": note }));
        super::audit::append(&txn, self.who(), record).await?;
        txn.commit().await?;
        Ok(model.into())
    }

    /// Classified columns of a source, in classification id order, after id `after`.
    /// Removed columns and datasets are left out; rejected ones only when asked for.
    pub async fn personal_data(&self, filter: &PiiFilter, after: Option<i64>, limit: u64) -> Result<(Vec<ClassifiedColumn>, bool), CatalogError> {
        let live_columns = Query::select()
            .column((dataset_column::Entity, dataset_column::Column::Id))
            .from(dataset_column::Entity)
            .inner_join(
                dataset::Entity,
                Expr::col((dataset::Entity, dataset::Column::Id)).equals((dataset_column::Entity, dataset_column::Column::DatasetId)),
            )
            .and_where(Expr::col((dataset::Entity, dataset::Column::SourceId)).eq(filter.source_id))
            .and_where(Expr::col((dataset::Entity, dataset::Column::RemovedAt)).is_null())
            .and_where(Expr::col((dataset_column::Entity, dataset_column::Column::RemovedAt)).is_null())
            .to_owned();
        let mut q = classification::Entity::find().filter(classification::Column::ColumnId.in_subquery(live_columns));
        match filter.status {
            Some(s) => q = q.filter(classification::Column::Status.eq(s.as_str())),
            None => q = q.filter(classification::Column::Status.ne(ClassificationStatus::Rejected.as_str())),
        }
        if let Some(cats) = &filter.categories {
            q = q.filter(classification::Column::Category.is_in(cats.clone()));
        }
        if let Some(after) = after {
            q = q.filter(classification::Column::Id.gt(after));
        }
        let mut rows = q.order_by_asc(classification::Column::Id).limit(limit + 1).all(self.connection()).await?;
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);

        // Batch-load the columns and their datasets for the page.
        let col_ids: Vec<i64> = rows.iter().map(|r| r.column_id).collect::<HashSet<_>>().into_iter().collect();
        let cols: HashMap<i64, dataset_column::Model> = dataset_column::Entity::find()
            .filter(dataset_column::Column::Id.is_in(col_ids))
            .all(self.connection())
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let ds_ids: Vec<i64> = cols.values().map(|c| c.dataset_id).collect::<HashSet<_>>().into_iter().collect();
        let datasets: HashMap<i64, dataset::Model> =
            dataset::Entity::find().filter(dataset::Column::Id.is_in(ds_ids)).all(self.connection()).await?.into_iter().map(|d| (d.id, d)).collect();
        let src = source::Entity::find_by_id(filter.source_id).one(self.connection()).await?.map(|s| s.name).unwrap_or_default();
        let namespaces: HashMap<i64, String> = namespace::Entity::find()
            .filter(namespace::Column::SourceId.eq(filter.source_id))
            .all(self.connection())
            .await?
            .into_iter()
            .map(|n| (n.id, n.name))
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let Some(col) = cols.get(&r.column_id) else { continue };
            let Some(ds) = datasets.get(&col.dataset_id) else { continue };
            let qn = QualifiedName::dataset(&src, namespaces.get(&ds.namespace_id).map(String::as_str).unwrap_or(""), &ds.name);
            out.push(ClassifiedColumn { column: Column::from_model(col.clone(), &qn), classification: r.into() });
        }
        Ok((out, more))
    }
}

async fn column_owner<C: ConnectionTrait>(db: &C, column_id: i64) -> Result<(i64, i64), CatalogError> {
    let col = dataset_column::Entity::find_by_id(column_id)
        .one(db)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("column {column_id}")))?;
    let ds = dataset::Entity::find_by_id(col.dataset_id)
        .one(db)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("dataset {}", col.dataset_id)))?;
    Ok((ds.source_id, ds.id))
}
