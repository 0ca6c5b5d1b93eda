//! Change events: every difference a scan finds, every curation, every semantic change the
//! detectors find, in one timeline per dataset and column. [`ChangeKind`] is the vocabulary.

pub use super::change_kind::ChangeKind;
use super::entity::change_event;
use super::{Catalog, CatalogError};
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;

/// Something recorded about a change in a source or in curated metadata.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeEvent {
    pub id: i64,
    pub source_id: i64,
    pub scan_id: Option<i64>,
    pub dataset_id: Option<i64>,
    pub column_id: Option<i64>,
    pub kind: ChangeKind,
    pub details: serde_json::Value,
    pub at: DateTime<Utc>,
}

impl From<change_event::Model> for ChangeEvent {
    fn from(m: change_event::Model) -> Self {
        ChangeEvent {
            id: m.id,
            source_id: m.source_id,
            scan_id: m.scan_id,
            dataset_id: m.dataset_id,
            column_id: m.column_id,
            kind: m.kind,
            details: serde_json::from_str(&m.details).unwrap_or(serde_json::Value::Null),
            at: m.at,
        }
    }
}

/// Which change events to list.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    pub source_id: Option<i64>,
    pub dataset_id: Option<i64>,
    pub column_id: Option<i64>,
    pub scan_id: Option<i64>,
    /// Only these kinds (all when empty).
    pub kinds: Vec<ChangeKind>,
    /// At or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Before this time.
    pub until: Option<DateTime<Utc>>,
}

/// Appends one change event.
#[allow(clippy::too_many_arguments)]
pub async fn record_event<C: ConnectionTrait>(
    db: &C,
    source_id: i64,
    scan_id: Option<i64>,
    dataset_id: Option<i64>,
    column_id: Option<i64>,
    kind: ChangeKind,
    details: serde_json::Value,
    at: chrono::DateTime<Utc>,
) -> Result<(), DbErr> {
    change_event::ActiveModel {
        source_id: Set(source_id),
        scan_id: Set(scan_id),
        dataset_id: Set(dataset_id),
        column_id: Set(column_id),
        kind: Set(kind),
        details: Set(details.to_string()),
        at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// One change event by id.
pub async fn change_event<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<ChangeEvent>, DbErr> {
    Ok(change_event::Entity::find_by_id(id).one(db).await?.map(ChangeEvent::from))
}

impl Catalog {
    /// Change events matching `filter`, oldest first, after the event with id `after`.
    pub async fn changes(&self, filter: ChangeFilter, after: Option<i64>, limit: u64) -> Result<(Vec<ChangeEvent>, bool), CatalogError> {
        let mut q = filtered(filter);
        if let Some(after) = after {
            q = q.filter(change_event::Column::Id.gt(after));
        }
        let mut rows = q.order_by_asc(change_event::Column::Id).limit(limit + 1).all(self.connection()).await?;
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        Ok((rows.into_iter().map(ChangeEvent::from).collect(), more))
    }

    /// How many change events match `filter`.
    pub async fn count_changes(&self, filter: ChangeFilter) -> Result<u64, CatalogError> {
        use sea_orm::PaginatorTrait;
        Ok(filtered(filter).count(self.connection()).await?)
    }
}

/// The change events `filter` selects.
fn filtered(filter: ChangeFilter) -> sea_orm::Select<change_event::Entity> {
    {
        let mut q = change_event::Entity::find();
        if let Some(v) = filter.source_id {
            q = q.filter(change_event::Column::SourceId.eq(v));
        }
        if let Some(v) = filter.dataset_id {
            q = q.filter(change_event::Column::DatasetId.eq(v));
        }
        if let Some(v) = filter.column_id {
            q = q.filter(change_event::Column::ColumnId.eq(v));
        }
        if let Some(v) = filter.scan_id {
            q = q.filter(change_event::Column::ScanId.eq(v));
        }
        if !filter.kinds.is_empty() {
            q = q.filter(change_event::Column::Kind.is_in(filter.kinds));
        }
        if let Some(t) = filter.since {
            q = q.filter(change_event::Column::At.gte(t));
        }
        if let Some(t) = filter.until {
            q = q.filter(change_event::Column::At.lt(t));
        }
        q
    }
}
