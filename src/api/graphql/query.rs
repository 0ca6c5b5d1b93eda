//! Query root: sources, datasets and columns by id or qualified name, scans, change events.

use super::ids::{self, Kind};
use super::objects::{change_page, Classification, Column, Dataset, PiiCategory, Scan, Source};
use super::{app, ApiError, ApiResult};
use crate::catalog::names::QualifiedName;
use crate::catalog::ChangeFilter;
use crate::privacy::inventory::{self, InventoryFilter};
use crate::privacy::ClassificationStatus;
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};

pub struct QueryRoot;

/// What a personal-data listing selects, to count it when `totalCount` is asked for.
pub struct PersonalDataTotal(InventoryFilter);

#[Object]
impl PersonalDataTotal {
    /// How many classified columns the listing holds, over all its pages.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let state = super::app(ctx)?;
        Ok(inventory::count(&state.catalog, state.classifier.taxonomy(), &self.0).await? as i64)
    }

    /// The source's columns that hold a listed category through lineage (fed by identity or
    /// transformed edges from a classified column), each with the path it came by; not paged.
    async fn propagated(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::lineage::PropagatedPersonalData>> {
        let state = super::acting(ctx)?;
        let rows = inventory::propagated(&state.catalog, state.classifier.taxonomy(), &self.0).await?;
        Ok(rows
            .into_iter()
            .map(|p| super::lineage::PropagatedPersonalData {
                column: super::objects::Column(p.column),
                category: p.category.to_string(),
                from: p.origin.to_string(),
                path: p.path.iter().map(|q| q.to_string()).collect(),
            })
            .collect())
    }
}

fn exactly_one<'a>(id: Option<&'a ID>, name: Option<&'a str>) -> ApiResult<(Option<&'a ID>, Option<&'a str>)> {
    match (id, name) {
        (Some(_), Some(_)) | (None, None) => Err(ApiError::InvalidInput("pass exactly one of `id` and `qualifiedName`".into())),
        other => Ok(other),
    }
}

#[Object(name = "Query")]
impl QueryRoot {
    /// All registered sources.
    async fn sources(&self, ctx: &Context<'_>) -> ApiResult<Vec<Source>> {
        Ok(app(ctx)?.catalog.sources().await?.into_iter().map(Source).collect())
    }

    /// A source by name.
    async fn source(&self, ctx: &Context<'_>, name: String) -> ApiResult<Option<Source>> {
        Ok(Some(Source(app(ctx)?.catalog.source_by_name(&name).await?)))
    }

    /// A dataset by stable id or by qualified name (`source.namespace.dataset`).
    async fn dataset(&self, ctx: &Context<'_>, id: Option<ID>, qualified_name: Option<String>) -> ApiResult<Option<Dataset>> {
        let catalog = &app(ctx)?.catalog;
        let found = match exactly_one(id.as_ref(), qualified_name.as_deref())? {
            (Some(id), _) => catalog.dataset(ids::decode(Kind::Dataset, id)?).await?,
            (_, Some(name)) => {
                let qn = QualifiedName::parse(name)?;
                if qn.column.is_some() {
                    return Err(ApiError::InvalidInput(format!("`{name}` names a column; use `column`")));
                }
                catalog.dataset_by_name(&qn).await?
            }
            _ => unreachable!("exactly_one checked"),
        };
        Ok(Some(Dataset(found)))
    }

    /// A column by id or by qualified name (`source.namespace.dataset.column`).
    async fn column(&self, ctx: &Context<'_>, id: Option<ID>, qualified_name: Option<String>) -> ApiResult<Option<Column>> {
        let catalog = &app(ctx)?.catalog;
        let found = match exactly_one(id.as_ref(), qualified_name.as_deref())? {
            (Some(id), _) => catalog.column(ids::decode(Kind::Column, id)?).await?,
            (_, Some(name)) => {
                let qn = QualifiedName::parse(name)?;
                catalog.column_by_name(&qn).await?
            }
            _ => unreachable!("exactly_one checked"),
        };
        Ok(Some(Column(found)))
    }

    /// A scan by id: poll it to follow a scan started with `scanSource`.
    async fn scan(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Scan>> {
        Ok(Some(Scan(app(ctx)?.catalog.scan(ids::decode(Kind::Scan, &id)?).await?)))
    }

    /// Finds datasets and columns by what they mean, in plain words: free words, "phrases",
    /// and filters `type:column`, `source:NAME`, `namespace:NAME`, `pii:email`, `tag:gold`,
    /// `owner:payments-team`, `family:text`, in the query text or in `filters`.
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        filters: Option<Vec<String>>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] include_removed: bool,
    ) -> ApiResult<super::search::SearchResult> {
        super::search::search(ctx, query, filters, first, after, include_removed).await
    }

    /// The audit log, newest first: every mutation with who, when, the objects acted on and
    /// the state before and after. Filter by action (`tag.add`), actor subject or target id.
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity", guard = "super::guard::Allowed(super::guard::AUDIT)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        action: Option<String>,
        subject: Option<String>,
        target_id: Option<ID>,
    ) -> ApiResult<super::audit::AuditPage> {
        super::audit::audit_log(ctx, first, after, action, subject, target_id).await
    }

    /// An erasure request by id (`req_1`): state, plan and report; never the identifiers.
    #[graphql(guard = "super::guard::Allowed(super::guard::ERASURE)")]
    async fn erasure_request(&self, ctx: &Context<'_>, id: ID) -> ApiResult<super::erasure::ErasureRequest> {
        super::erasure::get(ctx, id).await
    }

    /// Open erasure and access requests, soonest due first (a held request is due when its
    /// hold ends); with `dueWithinDays`, only those due by then, overdue ones included.
    #[graphql(guard = "super::guard::Allowed(super::guard::ERASURE)")]
    async fn erasure_requests(&self, ctx: &Context<'_>, due_within_days: Option<u32>) -> ApiResult<Vec<super::erasure::ErasureRequest>> {
        super::erasure::list(ctx, due_within_days).await
    }

    /// A data subject's copy of their data (GDPR Art. 15): their rows in every scanned database,
    /// grouped by dataset with each column's categories, the downstream recipients from lineage,
    /// and what could not be searched. Audited as a listing of personal data.
    #[graphql(guard = "super::guard::Allowed(super::guard::ERASURE)")]
    async fn access_export(&self, ctx: &Context<'_>, subjects: Vec<String>) -> ApiResult<async_graphql::Json<serde_json::Value>> {
        super::erasure::access_export(ctx, subjects).await
    }

    /// The erasure policies in force, or with `scope` every version of that scope's policy.
    #[graphql(guard = "super::guard::Allowed(super::guard::ERASURE)")]
    async fn erasure_policies(&self, ctx: &Context<'_>, scope: Option<String>) -> ApiResult<Vec<super::erasure::ErasurePolicy>> {
        super::erasure::policies(ctx, scope).await
    }

    /// The personal-data categories: built-in and configured ones.
    async fn pii_categories(&self, ctx: &Context<'_>) -> ApiResult<Vec<PiiCategory>> {
        Ok(app(ctx)?.classifier.taxonomy().all().iter().cloned().map(PiiCategory).collect())
    }

    /// The personal-data columns of a source: suggested, confirmed and manual
    /// classifications (rejected ones only with `status: REJECTED`).
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn personal_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Source name")] source: String,
        #[graphql(desc = "Only these categories")] categories: Option<Vec<String>>,
        status: Option<ClassificationStatus>,
        #[graphql(default = false, desc = "Only special categories (GDPR Art. 9)")] special_only: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Classification, PersonalDataTotal>> {
        let state = super::acting(ctx)?;
        let taxonomy = state.classifier.taxonomy();
        let categories = categories.unwrap_or_default().iter().map(|c| taxonomy.key(c)).collect::<Result<Vec<_>, _>>()?;
        let filter = InventoryFilter { source, categories, status, special_only };
        let limit = super::page_size(ctx, first)?;
        let after_id = ids::parse_cursor(after.as_deref())?;
        let (rows, more) = inventory::list(&state.catalog, taxonomy, &filter, after_id, limit).await?;
        let mut conn = Connection::with_additional_fields(after_id.is_some(), more, PersonalDataTotal(filter));
        conn.edges.extend(rows.into_iter().map(|r| Edge::new(ids::cursor(r.classification.id), Classification(r.classification))));
        Ok(conn)
    }

    /// The lineage around a dataset or column (`source.namespace.dataset[.column]`): edges to
    /// `depth` levels upstream, downstream or both, a page at a time.
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn lineage(
        &self,
        ctx: &Context<'_>,
        name: String,
        #[graphql(default_with = "super::lineage::LineageDirection::Both")] direction: super::lineage::LineageDirection,
        #[graphql(default = 3)] depth: i32,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, super::lineage::LineageEdge, super::lineage::LineageGraphInfo>> {
        super::lineage::lineage(ctx, name, direction, depth, first, after).await
    }

    /// Everything downstream of a column, grouped by dataset, with owners: what a change to
    /// it reaches.
    async fn impact(
        &self,
        ctx: &Context<'_>,
        column: String,
        #[graphql(default = 10)] depth: i32,
    ) -> ApiResult<Vec<super::lineage::ImpactedDatasetObject>> {
        super::lineage::impact(ctx, column, depth).await
    }

    /// The jobs OpenLineage events (`POST /api/v1/lineage`) told about, with their last run.
    async fn lineage_jobs(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::lineage::LineageJobObject>> {
        super::lineage::jobs(ctx).await
    }

    /// Change events, oldest first, of one source or of all.
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Source name")] source: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<super::objects::ChangeConnection> {
        let source_id = match source {
            Some(name) => Some(app(ctx)?.catalog.source_by_name(&name).await?.id),
            None => None,
        };
        change_page(ctx, ChangeFilter { source_id, ..Default::default() }, first, after).await
    }
}
