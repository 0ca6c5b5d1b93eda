//! Personal-data classifications as stored: suggestions written by scans, decisions made by
//! stewards. A rejected category is never suggested again for the same column, and a
//! confirmed or manual one is never overwritten by a scan.

use super::entity as classification;
use crate::audit::{self, Action, Record};
use crate::catalog::{self, Catalog, CatalogError, ChangeKind};
use crate::classify::taxonomy::CategoryKey;
use crate::classify::Suggestion;
use crate::ids::GlobalId;
use crate::store::begin_write;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use std::collections::HashMap;

pub use classification::ClassificationStatus;

/// A column's classification into a personal-data category.
#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    pub id: i64,
    pub column_id: i64,
    pub category: CategoryKey,
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
            category: CategoryKey::stored(m.category),
            status: m.status,
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

/// A classification with its column.
#[derive(Debug, Clone)]
pub struct ClassifiedColumn {
    pub classification: Classification,
    pub column: catalog::Column,
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

/// What a scan compares of a stored classification (no timestamps: many rows are read).
#[derive(Debug, sea_orm::FromQueryResult)]
struct StoredSuggestion {
    id: i64,
    column_id: i64,
    category: String,
    status: ClassificationStatus,
    confidence: f64,
    evidence: String,
}

/// Writes a scan's suggestions for the given columns (inside the scan's transaction).
/// `results` holds every column the scan classified, with its suggestion or none. Returns
/// what changed and the columns whose categories changed.
pub async fn apply_suggestions<C: ConnectionTrait>(
    db: &C,
    scan_id: i64,
    results: &[(i64, Option<Suggestion>)],
    now: DateTime<Utc>,
) -> Result<(ClassificationSummary, Vec<i64>), DbErr> {
    let mut summary = ClassificationSummary::default();
    let mut changed: Vec<i64> = Vec::new();
    let ids: Vec<i64> = results.iter().map(|(id, _)| *id).collect();
    let mut existing: HashMap<i64, Vec<StoredSuggestion>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for m in classification::Entity::find()
            .select_only()
            .columns([
                classification::Column::Id,
                classification::Column::ColumnId,
                classification::Column::Category,
                classification::Column::Status,
                classification::Column::Confidence,
                classification::Column::Evidence,
            ])
            .filter(classification::Column::ColumnId.is_in(chunk.to_vec()))
            .into_model::<StoredSuggestion>()
            .all(db)
            .await?
        {
            existing.entry(m.column_id).or_default().push(m);
        }
    }
    let mut inserts = Vec::new();
    let mut withdraw = Vec::new();
    for (column_id, suggestion) in results {
        let rows = existing.remove(column_id).unwrap_or_default();
        for row in &rows {
            let stale = row.status == ClassificationStatus::Suggested && suggestion.as_ref().is_none_or(|s| s.category != row.category);
            if stale {
                withdraw.push(row.id);
                changed.push(*column_id);
            }
        }
        let Some(s) = suggestion else { continue };
        let evidence = serde_json::to_string(&s.evidence).unwrap_or_else(|_| "[]".into());
        match rows.iter().find(|r| r.category == s.category) {
            Some(row) if row.status == ClassificationStatus::Suggested => {
                if (row.confidence - s.confidence).abs() > 1e-9 || row.evidence != evidence {
                    let mut am = classification::ActiveModel { id: sea_orm::ActiveValue::Unchanged(row.id), ..Default::default() };
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
                    status: Set(ClassificationStatus::Suggested),
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
    crate::store::insert_in_chunks(db, inserts, CHUNK).await?;
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

/// A column's classifications, best first.
pub async fn of_column(catalog: &Catalog, column_id: i64) -> Result<Vec<Classification>, CatalogError> {
    Ok(classification::Entity::find()
        .filter(classification::Column::ColumnId.eq(column_id))
        .order_by_desc(classification::Column::Confidence)
        .all(catalog.connection())
        .await?
        .into_iter()
        .map(Classification::from)
        .collect())
}

/// A classification by id.
pub async fn get(catalog: &Catalog, id: i64) -> Result<Classification, CatalogError> {
    classification::Entity::find_by_id(id)
        .one(catalog.connection())
        .await?
        .map(Classification::from)
        .ok_or_else(|| CatalogError::NotFound(format!("classification {id} not found")))
}

/// A column's classification in `category` (of any status).
pub async fn find(catalog: &Catalog, column_id: i64, category: &CategoryKey) -> Result<Classification, CatalogError> {
    classification::Entity::find()
        .filter(classification::Column::ColumnId.eq(column_id))
        .filter(classification::Column::Category.eq(category.as_str()))
        .one(catalog.connection())
        .await?
        .map(Classification::from)
        .ok_or_else(|| CatalogError::NotFound(format!("column {column_id} has no classification as `{category}` (add one first)")))
}

/// Confirms or rejects a classification, as the catalog's actor; recorded as a change event
/// with who and why, and audited.
pub async fn decide(catalog: &Catalog, id: i64, decision: Decision, note: Option<&str>) -> Result<Classification, CatalogError> {
    let note = validate_note(note)?;
    let actor = catalog.who().actor.label();
    let txn = begin_write(catalog.connection()).await?;
    let row = classification::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("classification {id} not found")))?;
    let before = row.status;
    let status = match decision {
        Decision::Confirm => ClassificationStatus::Confirmed,
        Decision::Reject => ClassificationStatus::Rejected,
    };
    // Deciding again what is already decided, without a new note, changes nothing: the
    // steward's note stays and no event or audit entry is written. A decision without a note
    // keeps the note written before.
    // A new decision without a note keeps no earlier note: the note of a confirmation is not
    // the reason for a rejection.
    let note = if before == status { note.or_else(|| row.note.clone()) } else { note };
    if before == status && note == row.note {
        txn.rollback().await?;
        return Ok(row.into());
    }
    let now = Utc::now();
    let column_id = row.column_id;
    let category = row.category.clone();
    let mut am = row.into_active_model();
    am.status = Set(status);
    am.decided_by = Set(Some(actor.clone()));
    am.decided_at = Set(Some(now));
    am.note = Set(note.clone());
    am.updated_at = Set(now);
    let updated = am.update(&txn).await?;
    let (source_id, dataset_id) = catalog::column_owner(&txn, column_id).await?;
    crate::outbox::enqueue(&txn, [dataset_id]).await?;
    let kind = match decision {
        Decision::Confirm => ChangeKind::ClassificationConfirmed,
        Decision::Reject => ChangeKind::ClassificationRejected,
    };
    let details =
        serde_json::json!({ "category": category, "before": before.as_str(), "after": status.as_str(), "by": actor, "note": note });
    catalog::record_event(&txn, source_id, None, Some(dataset_id), Some(column_id), kind, details, now).await?;
    let action = match decision {
        Decision::Confirm => Action::ClassificationConfirm,
        Decision::Reject => Action::ClassificationReject,
    };
    let record = Record::new(action, vec![GlobalId::classification(id), GlobalId::column(column_id)])
        .before(serde_json::json!({ "category": category, "status": before.as_str() }))
        .after(serde_json::json!({ "category": category, "status": status.as_str(), "note": note }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// Adds a category to a column by hand (status `manual`), as the catalog's actor; a rejected
/// one becomes manual.
pub async fn add(catalog: &Catalog, column_id: i64, category: &CategoryKey, note: Option<&str>) -> Result<Classification, CatalogError> {
    by_hand(catalog, column_id, category, note, ClassificationStatus::Manual).await
}

/// Rejects a category for a column that holds no classification row for it (one carried there
/// by lineage, say): stored as `rejected`, so propagation stops at the column.
pub async fn reject_category(
    catalog: &Catalog,
    column_id: i64,
    category: &CategoryKey,
    note: Option<&str>,
) -> Result<Classification, CatalogError> {
    by_hand(catalog, column_id, category, note, ClassificationStatus::Rejected).await
}

async fn by_hand(
    catalog: &Catalog,
    column_id: i64,
    category: &CategoryKey,
    note: Option<&str>,
    status: ClassificationStatus,
) -> Result<Classification, CatalogError> {
    let note = validate_note(note)?;
    let actor = catalog.who().actor.label();
    let txn = begin_write(catalog.connection()).await?;
    let (source_id, dataset_id) = catalog::column_owner(&txn, column_id).await?;
    crate::outbox::enqueue(&txn, [dataset_id]).await?;
    let now = Utc::now();
    let existing = classification::Entity::find()
        .filter(classification::Column::ColumnId.eq(column_id))
        .filter(classification::Column::Category.eq(category.as_str()))
        .one(&txn)
        .await?;
    let before = existing.as_ref().map(|e| e.status.as_str());
    // A category a steward already confirmed or added stays as it is (adding it again changes
    // nothing, unless with a new note for a manual one).
    let note = note.or_else(|| existing.as_ref().and_then(|e| e.note.clone()));
    if let Some(row) = existing.as_ref().filter(|e| {
        (status == ClassificationStatus::Manual && e.status == ClassificationStatus::Confirmed) || (e.status == status && e.note == note)
    }) {
        txn.rollback().await?;
        return Ok(row.clone().into());
    }
    let verb = if status == ClassificationStatus::Rejected { "rejected" } else { "added" };
    let evidence = serde_json::json!([{ "kind": "manual", "rule": format!("{verb} by {actor}"), "weight": 1.0 }]).to_string();
    let confidence = if status == ClassificationStatus::Rejected { 0.0 } else { 1.0 };
    let model = match existing {
        Some(row) => {
            let mut am = row.into_active_model();
            am.status = Set(status);
            am.confidence = Set(confidence);
            am.evidence = Set(evidence);
            am.decided_by = Set(Some(actor.clone()));
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
                status: Set(status),
                confidence: Set(confidence),
                evidence: Set(evidence),
                scan_id: Set(None),
                decided_by: Set(Some(actor.clone())),
                decided_at: Set(Some(now)),
                note: Set(note.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    let (change, action) = match status {
        ClassificationStatus::Rejected => (ChangeKind::ClassificationRejected, Action::ClassificationReject),
        _ => (ChangeKind::ClassificationAdded, Action::ClassificationAdd),
    };
    let details = serde_json::json!({ "category": category, "before": before, "after": status.as_str(), "by": actor, "note": note });
    catalog::record_event(&txn, source_id, None, Some(dataset_id), Some(column_id), change, details, now).await?;
    let record = Record::new(action, vec![GlobalId::classification(model.id), GlobalId::column(column_id)])
        .before(serde_json::json!({ "category": category, "status": before }))
        .after(serde_json::json!({ "category": category, "status": status.as_str(), "note": note }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    Ok(model.into())
}

/// The personal-data categories (not rejected) of the columns `columns` selects, by column
/// id: for the search index.
pub async fn categories_by_column<C: ConnectionTrait>(
    db: &C,
    columns: sea_orm::sea_query::SelectStatement,
) -> Result<HashMap<i64, Vec<String>>, DbErr> {
    use sea_orm::QuerySelect;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, category) in classification::Entity::find()
        .select_only()
        .columns([classification::Column::ColumnId, classification::Column::Category])
        .filter(classification::Column::ColumnId.in_subquery(columns))
        .filter(classification::Column::Status.ne(ClassificationStatus::Rejected))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
    {
        out.entry(id).or_default().push(category);
    }
    Ok(out)
}
