//! What a column means, with an effective date, every version kept; and people's reviews of
//! detected semantic changes (acknowledged, optionally as a meaning, or dismissed).

use super::entity::{change_review, column_meaning, ReviewDecision};
use crate::audit::{self, Action, Record};
use crate::catalog::{self, record_event, Catalog, CatalogError, ChangeKind};
use crate::ids::GlobalId;
use crate::store::begin_write;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

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
        Meaning {
            id: m.id,
            column_id: m.column_id,
            meaning: m.meaning,
            effective_from: m.effective_from,
            author: m.author,
            change_event_id: m.change_event_id,
            created_at: m.created_at,
        }
    }
}

/// A person's decision on a detected change.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub change_event_id: i64,
    pub decision: ReviewDecision,
    pub note: Option<String>,
    pub author: String,
    pub meaning_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<change_review::Model> for Review {
    fn from(m: change_review::Model) -> Review {
        Review {
            change_event_id: m.change_event_id,
            decision: m.decision,
            note: m.note,
            author: m.author,
            meaning_id: m.meaning_id,
            created_at: m.created_at,
        }
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

async fn insert_meaning<C: ConnectionTrait>(
    db: &C,
    catalog: &Catalog,
    column_id: i64,
    meaning: &str,
    effective_from: NaiveDate,
    change_event_id: Option<i64>,
) -> Result<Meaning, CatalogError> {
    let meaning = validate(meaning)?;
    let (source_id, dataset_id) = catalog::column_owner(db, column_id).await?;
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
    let details = json!({ "meaning": meaning, "effective_from": effective_from.to_string(), "by": author, "acknowledges": change_event_id.map(|e| GlobalId::change(e).to_string()) });
    record_event(db, source_id, None, Some(dataset_id), Some(column_id), ChangeKind::MeaningAnnotated, details.clone(), now).await?;
    // The meaning in effect is searchable like a description.
    crate::outbox::enqueue(db, [dataset_id]).await?;
    audit::append(db, catalog.who(), Record::new(Action::MeaningAnnotate, vec![GlobalId::column(column_id)]).after(details)).await?;
    Ok(m.into())
}

/// Records what a column means from a date on; earlier versions stay.
pub async fn annotate_meaning(
    catalog: &Catalog,
    column_id: i64,
    meaning: &str,
    effective_from: NaiveDate,
) -> Result<Meaning, CatalogError> {
    let txn = begin_write(catalog.connection()).await?;
    let m = insert_meaning(&txn, catalog, column_id, meaning, effective_from, None).await?;
    txn.commit().await?;
    Ok(m)
}

/// Every version of a column's meaning, by effective date then by when it was written.
pub async fn meanings(catalog: &Catalog, column_id: i64) -> Result<Vec<Meaning>, CatalogError> {
    Ok(column_meaning::Entity::find()
        .filter(column_meaning::Column::ColumnId.eq(column_id))
        .order_by_asc(column_meaning::Column::EffectiveFrom)
        .order_by_asc(column_meaning::Column::Id)
        .all(catalog.connection())
        .await?
        .into_iter()
        .map(Meaning::from)
        .collect())
}

/// What the column meant on `date`: the latest version in effect then (the most recently
/// written one when several take effect on the same day).
pub async fn meaning_at(catalog: &Catalog, column_id: i64, date: NaiveDate) -> Result<Option<Meaning>, CatalogError> {
    Ok(column_meaning::Entity::find()
        .filter(column_meaning::Column::ColumnId.eq(column_id))
        .filter(column_meaning::Column::EffectiveFrom.lte(date))
        .order_by_desc(column_meaning::Column::EffectiveFrom)
        .order_by_desc(column_meaning::Column::Id)
        .one(catalog.connection())
        .await?
        .map(Meaning::from))
}

/// Acknowledges (optionally recording what the column means from a date on) or dismisses a
/// detected change. A change is reviewed once.
pub async fn review_change(
    catalog: &Catalog,
    event_id: i64,
    decision: Decision,
    note: Option<&str>,
    meaning: Option<(&str, NaiveDate)>,
) -> Result<Review, CatalogError> {
    let txn = begin_write(catalog.connection()).await?;
    let event = catalog::change_event(&txn, event_id)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("change {} not found", GlobalId::change(event_id))))?;
    if !event.kind.is_detected() {
        return Err(CatalogError::Invalid(format!(
            "`{}` is not a detected semantic change; only those are acknowledged or dismissed",
            event.kind
        )));
    }
    if let Some(r) = change_review::Entity::find().filter(change_review::Column::ChangeEventId.eq(event_id)).one(&txn).await? {
        return Err(CatalogError::Conflict(format!(
            "change {} was already {} by {}",
            GlobalId::change(event_id),
            r.decision.as_str(),
            r.author
        )));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    let meaning_id = match (decision, meaning) {
        (Decision::Acknowledge, Some((text, from))) => {
            let column = event
                .column_id
                .ok_or_else(|| CatalogError::Invalid("this change concerns a dataset, not a column: it takes no meaning".into()))?;
            Some(insert_meaning(&txn, catalog, column, text, from, Some(event_id)).await?.id)
        }
        (Decision::Dismiss, Some(_)) => return Err(CatalogError::Invalid("a dismissed change takes no meaning".into())),
        _ => None,
    };
    let decision = match decision {
        Decision::Acknowledge => ReviewDecision::Acknowledged,
        Decision::Dismiss => ReviewDecision::Dismissed,
    };
    let now = Utc::now();
    let author = catalog.who().actor.label();
    let review = change_review::ActiveModel {
        change_event_id: Set(event_id),
        decision: Set(decision),
        note: Set(note.clone()),
        author: Set(author.clone()),
        meaning_id: Set(meaning_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let details = json!({ "change": GlobalId::change(event_id).to_string(), "change_kind": event.kind, "decision": decision.as_str(), "note": note, "by": author });
    let (kind, action) = match decision {
        ReviewDecision::Acknowledged => (ChangeKind::ChangeAcknowledged, Action::ChangeAcknowledge),
        ReviewDecision::Dismissed => (ChangeKind::ChangeDismissed, Action::ChangeDismiss),
    };
    record_event(&txn, event.source_id, None, event.dataset_id, event.column_id, kind, details.clone(), now).await?;
    audit::append(&txn, catalog.who(), Record::new(action, vec![GlobalId::change(event_id)]).after(details)).await?;
    txn.commit().await?;
    Ok(review.into())
}

/// The review of a change, if any.
pub async fn review_of(catalog: &Catalog, event_id: i64) -> Result<Option<Review>, CatalogError> {
    Ok(change_review::Entity::find()
        .filter(change_review::Column::ChangeEventId.eq(event_id))
        .one(catalog.connection())
        .await?
        .map(Review::from))
}

/// Whether any meaning was ever recorded (most catalogs hold few or none).
pub async fn any_meaning<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    Ok(column_meaning::Entity::find().select_only().column(column_meaning::Column::Id).into_tuple::<i64>().one(db).await?.is_some())
}

/// The meaning in effect on `date` of each column `columns` selects that has one: the latest
/// effective date, then the latest written.
pub async fn meanings_in_effect<C: ConnectionTrait>(
    db: &C,
    columns: sea_orm::sea_query::SelectStatement,
    date: NaiveDate,
) -> Result<HashMap<i64, String>, DbErr> {
    let mut out = HashMap::new();
    for (column_id, meaning) in column_meaning::Entity::find()
        .select_only()
        .columns([column_meaning::Column::ColumnId, column_meaning::Column::Meaning])
        .filter(column_meaning::Column::ColumnId.in_subquery(columns))
        .filter(column_meaning::Column::EffectiveFrom.lte(date))
        .order_by_desc(column_meaning::Column::EffectiveFrom)
        .order_by_desc(column_meaning::Column::Id)
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
    {
        out.entry(column_id).or_insert(meaning);
    }
    Ok(out)
}
