//! What a column means, with an effective date, every version kept; and people's reviews of
//! detected semantic changes (acknowledged, optionally as a meaning, or dismissed).

use crate::catalog::audit::{self, Record};
use crate::catalog::entity::{change_event, change_review, column_meaning, dataset, dataset_column};
use crate::catalog::{begin_write, record_event, Catalog, CatalogError};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use serde_json::json;

/// The kinds of change a person may acknowledge or dismiss.
pub const DETECTED: &[&str] = &["null_rate_shift", "unit_change", "tax_change", "timezone_shift", "format_change", "duplicates_rise"];
const MAX_MEANING_CHARS: usize = 4_000;

/// One version of a column's meaning.
#[derive(Debug, Clone, Serialize)]
pub struct Meaning {
    pub id: i64,
    pub column_id: i64,
    pub meaning: String,
    pub effective_from: NaiveDate,
    pub author: String,
    pub change_event_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<column_meaning::Model> for Meaning {
    fn from(m: column_meaning::Model) -> Meaning {
        Meaning { id: m.id, column_id: m.column_id, meaning: m.meaning, effective_from: m.effective_from, author: m.author, change_event_id: m.change_event_id, created_at: m.created_at }
    }
}

/// A person's decision on a detected change.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub change_event_id: i64,
    /// `acknowledged` or `dismissed`.
    pub decision: String,
    pub note: Option<String>,
    pub author: String,
    pub meaning_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<change_review::Model> for Review {
    fn from(m: change_review::Model) -> Review {
        Review { change_event_id: m.change_event_id, decision: m.decision, note: m.note, author: m.author, meaning_id: m.meaning_id, created_at: m.created_at }
    }
}

/// A decision on a detected change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Acknowledge,
    Dismiss,
}

fn validate(meaning: &str) -> Result<String, CatalogError> {
    let m = meaning.trim();
    if m.is_empty() {
        return Err(CatalogError::Invalid("a meaning must not be empty".into()));
    }
    if m.chars().count() > MAX_MEANING_CHARS {
        return Err(CatalogError::Invalid(format!("a meaning is longer than {MAX_MEANING_CHARS} characters")));
    }
    Ok(m.to_string())
}

/// (source id, dataset id) of a column.
async fn owner<C: ConnectionTrait>(db: &C, column_id: i64) -> Result<(i64, i64), CatalogError> {
    let col = dataset_column::Entity::find_by_id(column_id).one(db).await?.ok_or_else(|| CatalogError::NotFound(format!("column {column_id}")))?;
    let ds = dataset::Entity::find_by_id(col.dataset_id).one(db).await?.ok_or_else(|| CatalogError::NotFound(format!("dataset {}", col.dataset_id)))?;
    Ok((ds.source_id, ds.id))
}

async fn insert_meaning<C: ConnectionTrait>(
    db: &C,
    catalog: &Catalog,
    column_id: i64,
    meaning: &str,
    effective_from: NaiveDate,
    change_event_id: Option<i64>,
) -> Result<Meaning, CatalogError> {
    let meaning = validate(meaning)?;
    let (source_id, dataset_id) = owner(db, column_id).await?;
    let now = Utc::now();
    let author = catalog.who().actor.label();
    let m = column_meaning::ActiveModel {
        column_id: Set(column_id),
        meaning: Set(meaning.clone()),
        effective_from: Set(effective_from),
        author: Set(author.clone()),
        change_event_id: Set(change_event_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let details = json!({ "meaning": meaning, "effective_from": effective_from.to_string(), "by": author, "acknowledges": change_event_id.map(|e| format!("chg_{e}")) });
    record_event(db, source_id, None, Some(dataset_id), Some(column_id), "meaning_annotated", details.clone(), now).await?;
    // The meaning in effect is searchable like a description.
    crate::catalog::indexing::enqueue(db, [dataset_id]).await?;
    audit::append(db, catalog.who(), Record::new("meaning.annotate", vec![format!("col_{column_id}")]).after(details)).await?;
    Ok(m.into())
}

impl Catalog {
    /// Records what a column means from a date on; earlier versions stay.
    pub async fn annotate_meaning(&self, column_id: i64, meaning: &str, effective_from: NaiveDate) -> Result<Meaning, CatalogError> {
        let txn = begin_write(self.connection()).await?;
        let m = insert_meaning(&txn, self, column_id, meaning, effective_from, None).await?;
        txn.commit().await?;
        Ok(m)
    }

    /// Every version of a column's meaning, by effective date then by when it was written.
    pub async fn meanings(&self, column_id: i64) -> Result<Vec<Meaning>, CatalogError> {
        Ok(column_meaning::Entity::find()
            .filter(column_meaning::Column::ColumnId.eq(column_id))
            .order_by_asc(column_meaning::Column::EffectiveFrom)
            .order_by_asc(column_meaning::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(Meaning::from)
            .collect())
    }

    /// What the column meant on `date`: the latest version in effect then (the most recently
    /// written one when several take effect on the same day).
    pub async fn meaning_at(&self, column_id: i64, date: NaiveDate) -> Result<Option<Meaning>, CatalogError> {
        Ok(column_meaning::Entity::find()
            .filter(column_meaning::Column::ColumnId.eq(column_id))
            .filter(column_meaning::Column::EffectiveFrom.lte(date))
            .order_by_desc(column_meaning::Column::EffectiveFrom)
            .order_by_desc(column_meaning::Column::Id)
            .one(self.connection())
            .await?
            .map(Meaning::from))
    }

    /// Acknowledges (optionally recording what the column means from a date on) or dismisses a
    /// detected change. A change is reviewed once.
    pub async fn review_change(&self, event_id: i64, decision: Decision, note: Option<&str>, meaning: Option<(&str, NaiveDate)>) -> Result<Review, CatalogError> {
        let txn = begin_write(self.connection()).await?;
        let event = change_event::Entity::find_by_id(event_id).one(&txn).await?.ok_or_else(|| CatalogError::NotFound(format!("change chg_{event_id}")))?;
        if !DETECTED.contains(&event.kind.as_str()) {
            return Err(CatalogError::Invalid(format!("`{}` is not a detected semantic change; only those are acknowledged or dismissed", event.kind)));
        }
        if let Some(r) = change_review::Entity::find().filter(change_review::Column::ChangeEventId.eq(event_id)).one(&txn).await? {
            return Err(CatalogError::Conflict(format!("change chg_{event_id} was already {} by {}", r.decision, r.author)));
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
        let meaning_id = match (decision, meaning) {
            (Decision::Acknowledge, Some((text, from))) => {
                let column = event.column_id.ok_or_else(|| CatalogError::Invalid("this change concerns a dataset, not a column: it takes no meaning".into()))?;
                Some(insert_meaning(&txn, self, column, text, from, Some(event_id)).await?.id)
            }
            (Decision::Dismiss, Some(_)) => return Err(CatalogError::Invalid("a dismissed change takes no meaning".into())),
            _ => None,
        };
        let decision = match decision {
            Decision::Acknowledge => "acknowledged",
            Decision::Dismiss => "dismissed",
        };
        let now = Utc::now();
        let author = self.who().actor.label();
        let review = change_review::ActiveModel {
            change_event_id: Set(event_id),
            decision: Set(decision.into()),
            note: Set(note.clone()),
            author: Set(author.clone()),
            meaning_id: Set(meaning_id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let details = json!({ "change": format!("chg_{event_id}"), "change_kind": event.kind, "decision": decision, "note": note, "by": author });
        record_event(&txn, event.source_id, None, event.dataset_id, event.column_id, &format!("change_{decision}"), details.clone(), now).await?;
        audit::append(&txn, self.who(), Record::new(if decision == "acknowledged" { "change.acknowledge" } else { "change.dismiss" }, vec![format!("chg_{event_id}")]).after(details)).await?;
        txn.commit().await?;
        Ok(review.into())
    }

    /// The review of a change, if any.
    pub async fn review_of(&self, event_id: i64) -> Result<Option<Review>, CatalogError> {
        Ok(change_review::Entity::find().filter(change_review::Column::ChangeEventId.eq(event_id)).one(self.connection()).await?.map(Review::from))
    }
}
