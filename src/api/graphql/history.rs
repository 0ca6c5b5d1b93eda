//! GraphQL over a column's and a dataset's history: timelines, per-scan profiles, meanings over
//! time and reviews of detected changes.

use super::ids;
use super::objects::change_page;
use super::page_size;
use super::{app, ApiResult};
use crate::catalog::ChangeFilter;
use crate::history::{self, meanings};
use async_graphql::{Context, Json, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

/// One version of what a column means.
pub struct Meaning(pub meanings::Meaning);

#[Object]
impl Meaning {
    async fn id(&self) -> ID {
        ids::encode(ids::Kind::Meaning, self.0.id)
    }
    async fn meaning(&self) -> &str {
        &self.0.meaning
    }
    /// From this date on (until a later version takes effect).
    async fn effective_from(&self) -> super::Date {
        super::Date(self.0.effective_from)
    }
    async fn author(&self) -> &str {
        &self.0.author
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The detected change this annotation acknowledged, if any.
    async fn acknowledges(&self) -> Option<ID> {
        self.0.change_event_id.map(|id| ids::encode(ids::Kind::Change, id))
    }
}

/// A person's decision on a detected change.
pub struct ChangeReview(pub meanings::Review);

#[Object]
impl ChangeReview {
    async fn decision(&self) -> crate::history::ReviewDecision {
        self.0.decision
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn author(&self) -> &str {
        &self.0.author
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn meaning_id(&self) -> Option<ID> {
        self.0.meaning_id.map(|id| ids::encode(ids::Kind::Meaning, id))
    }
}

/// A column's profile in one scan: aggregates of the sampled values, never the values.
#[derive(SimpleObject)]
pub struct ScanProfile {
    pub scan_id: ID,
    pub at: DateTime<Utc>,
    /// null_fraction, distinct, numbers/instants/lengths quantiles, shapes with shares.
    pub profile: Json<serde_json::Value>,
}

/// A page of a dataset's or column's timeline, oldest first.
#[allow(clippy::too_many_arguments)]
pub async fn timeline(
    ctx: &Context<'_>,
    dataset_id: Option<i64>,
    column_id: Option<i64>,
    kinds: Option<Vec<crate::catalog::ChangeKind>>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<super::objects::ChangeConnection> {
    let filter = ChangeFilter { dataset_id, column_id, kinds: kinds.unwrap_or_default(), since, until, ..Default::default() };
    change_page(ctx, filter, first, after).await
}

pub async fn profiles(ctx: &Context<'_>, column_id: i64, first: Option<i32>) -> ApiResult<Vec<ScanProfile>> {
    let limit = page_size(ctx, first)?;
    Ok(history::profiles(&app(ctx)?.catalog, column_id, limit)
        .await?
        .into_iter()
        .map(|p| ScanProfile { scan_id: ids::encode(ids::Kind::Scan, p.scan_id), at: p.at, profile: Json(p.profile) })
        .collect())
}
