//! Mutation root: register and scan sources, curate descriptions (optimistic concurrency),
//! and tag datasets and columns.

use super::guard::{self, Allowed};
use super::ids::{self, Kind};
use super::objects::{Classification, Column, Dataset, Scan, Source};
use super::{acting, ApiError, ApiResult, Date};
use crate::app::AppState;
use crate::catalog::names::{OwnerName, QualifiedName, SourceName, TagName};
use crate::catalog::{Catalog, NewSource, SourceChange, Target};
use crate::privacy::{classifications, Decision};

use almanac_scanners::SourceUrl;
use async_graphql::{Context, InputObject, Object, ID};

pub struct MutationRoot;

/// A source to register.
#[derive(InputObject)]
pub struct RegisterSourceInput {
    /// Unique name; the first part of qualified names.
    pub name: String,
    /// postgres://, mysql:// or sqlite:// URL, without password.
    pub url: String,
    /// Environment variable of the server holding the source's password.
    pub password_env: Option<String>,
    /// File on the server holding the source's password.
    pub password_file: Option<String>,
    /// Rows sampled per table; the server default when absent.
    pub sample_rows: Option<i32>,
}

/// A correction to a registered source; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateSourceInput {
    /// A new postgres://, mysql:// or sqlite:// URL of the same engine, without password.
    pub url: Option<String>,
    /// Environment variable of the server holding the password (empty clears it).
    pub password_env: Option<String>,
    /// File on the server holding the password (empty clears it).
    pub password_file: Option<String>,
    /// Rows sampled per table.
    pub sample_rows: Option<i32>,
}

/// Whether `id` is a qualified name rather than a global id (ids hold no dot or quote).
fn is_qualified_name(id: &ID) -> bool {
    id.as_str().contains(['.', '"'])
}

/// A dataset or column named by id or by qualified name (`source.namespace.dataset[.column]`).
async fn target(catalog: &Catalog, id: &ID) -> ApiResult<Target> {
    if is_qualified_name(id) {
        let qn = QualifiedName::parse(id.as_str())?;
        return Ok(match qn.column {
            Some(_) => Target::Column(catalog.column_by_name(&qn).await?.id),
            None => Target::Dataset(catalog.dataset_by_name(&qn).await?.id),
        });
    }
    match ids::decode_any(id)? {
        (Kind::Dataset, n) => Ok(Target::Dataset(n)),
        (Kind::Column, n) => Ok(Target::Column(n)),
        _ => Err(ApiError::InvalidInput(format!("`{}` is neither a dataset nor a column id or qualified name", id.as_str()))),
    }
}

/// A dataset by id or qualified name.
async fn dataset_id(catalog: &Catalog, id: &ID) -> ApiResult<i64> {
    match target(catalog, id).await? {
        Target::Dataset(n) => Ok(n),
        Target::Column(_) => Err(ApiError::InvalidInput(format!("`{}` names a column, not a dataset", id.as_str()))),
    }
}

/// A column by id or qualified name.
async fn column_id(catalog: &Catalog, id: &ID) -> ApiResult<i64> {
    match target(catalog, id).await? {
        Target::Column(n) => Ok(n),
        Target::Dataset(_) => Err(ApiError::InvalidInput(format!("`{}` names a dataset, not a column", id.as_str()))),
    }
}

/// Confirms or rejects the classification named by `id`, or by `column` and `category`.
async fn decide(
    ctx: &Context<'_>,
    decision: Decision,
    id: Option<ID>,
    column: Option<ID>,
    category: Option<String>,
    note: Option<String>,
) -> ApiResult<Classification> {
    let state = acting(ctx)?;
    // A category carried to the column by lineage has no row of its own: rejecting it there
    // stores the rejection, and propagation stops at the column.
    if let (Decision::Reject, None, Some(column), Some(category)) = (decision, &id, &column, &category) {
        let col = column_id(&state.catalog, column).await?;
        let key = state.classifier.taxonomy().key(category)?;
        if let Err(crate::catalog::CatalogError::NotFound(_)) = classifications::find(&state.catalog, col, &key).await {
            return Ok(Classification(classifications::reject_category(&state.catalog, col, &key, note.as_deref()).await?));
        }
    }
    let id = classification_id(&state, id.as_ref(), column.as_ref(), category.as_deref()).await?;
    Ok(Classification(classifications::decide(&state.catalog, id, decision, note.as_deref()).await?))
}

/// A classification by its id, or by its column (id or qualified name) and category.
async fn classification_id(state: &AppState, id: Option<&ID>, column: Option<&ID>, category: Option<&str>) -> ApiResult<i64> {
    match (id, column, category) {
        (Some(id), None, None) => Ok(ids::decode(Kind::Classification, id)?),
        (None, Some(column), Some(category)) => {
            let col = column_id(&state.catalog, column).await?;
            let key = state.classifier.taxonomy().key(category)?;
            Ok(classifications::find(&state.catalog, col, &key).await?.id)
        }
        _ => Err(ApiError::InvalidInput("pass either `id`, or `column` and `category`".into())),
    }
}

#[Object(name = "Mutation")]
impl MutationRoot {
    /// Registers a source. Passwords are never accepted here: name where the server finds it.
    #[graphql(guard = "Allowed(guard::SOURCES)")]
    async fn register_source(&self, ctx: &Context<'_>, input: RegisterSourceInput) -> ApiResult<Source> {
        let url = SourceUrl::parse(&input.url)?;
        if url.has_password() {
            return Err(ApiError::InvalidInput("the URL holds a password; remove it and pass passwordEnv or passwordFile instead".into()));
        }
        let source = acting(ctx)?
            .catalog
            .register_source(NewSource {
                name: SourceName::parse(&input.name)?,
                url,
                password_env: input.password_env,
                password_file: input.password_file,
                sample_rows: input.sample_rows,
            })
            .await?;
        Ok(Source(source))
    }

    /// Corrects a registered source's URL (same engine, no password), password location or
    /// sample size. Audited.
    #[graphql(guard = "Allowed(guard::SOURCES)")]
    async fn update_source(&self, ctx: &Context<'_>, name: String, input: UpdateSourceInput) -> ApiResult<Source> {
        let url = input.url.as_deref().map(SourceUrl::parse).transpose()?;
        if url.as_ref().is_some_and(SourceUrl::has_password) {
            return Err(ApiError::InvalidInput("the URL holds a password; remove it and pass passwordEnv or passwordFile instead".into()));
        }
        let blank_is_none = |v: Option<String>| v.map(|v| Some(v).filter(|v| !v.trim().is_empty()));
        let change = SourceChange {
            url,
            password_env: blank_is_none(input.password_env),
            password_file: blank_is_none(input.password_file),
            sample_rows: input.sample_rows.map(Some),
        };
        Ok(Source(acting(ctx)?.catalog.update_source(&name, change).await?))
    }

    /// Removes a source: its datasets leave listings and search (soft-deleted; their history,
    /// classifications and audit entries stay). Registering the name again brings it back.
    /// Refused with CONFLICT while a scan of it runs. Audited.
    #[graphql(guard = "Allowed(guard::SOURCES)")]
    async fn remove_source(&self, ctx: &Context<'_>, name: String) -> ApiResult<Source> {
        Ok(Source(acting(ctx)?.catalog.remove_source(&name).await?))
    }

    /// Starts a scan of a registered source in the background; poll `scan(id)` for progress.
    #[graphql(guard = "Allowed(guard::SOURCES)")]
    async fn scan_source(&self, ctx: &Context<'_>, name: String) -> ApiResult<Scan> {
        let scan = acting(ctx)?.start_background_scan(&name).await.map_err(ApiError::from)?;
        Ok(Scan(scan))
    }

    /// Sets a dataset's curated description. `id` is the dataset's id or qualified name.
    /// `expectedVersion` is the `descriptionVersion` the edit was made against; a newer one
    /// fails with code CONFLICT. Null or empty clears it.
    #[graphql(guard = "Allowed(guard::CURATE)")]
    async fn set_dataset_description(
        &self,
        ctx: &Context<'_>,
        id: ID,
        description: Option<String>,
        expected_version: i32,
    ) -> ApiResult<Dataset> {
        let catalog = &acting(ctx)?.catalog;
        let ds = dataset_id(catalog, &id).await?;
        catalog.set_description(Target::Dataset(ds), description.as_deref(), expected_version).await?;
        Ok(Dataset(catalog.dataset(ds).await?))
    }

    /// Assigns a dataset's owner (`id`: id or qualified name): a team or a person, one word (`payments-team`,
    /// `alice@example.com`), stored in lower case. `expectedVersion` is the `ownerVersion` the
    /// edit was made against; a newer one fails with code CONFLICT. Null clears the assignment
    /// (the owner the source reports stays).
    #[graphql(guard = "Allowed(guard::CURATE)")]
    async fn set_dataset_owner(&self, ctx: &Context<'_>, id: ID, owner: Option<String>, expected_version: i32) -> ApiResult<Dataset> {
        let catalog = &acting(ctx)?.catalog;
        let ds = dataset_id(catalog, &id).await?;
        let owner = owner.as_deref().filter(|o| !o.trim().is_empty()).map(OwnerName::parse).transpose()?;
        catalog.set_owner(ds, owner.as_ref(), expected_version).await?;
        Ok(Dataset(catalog.dataset(ds).await?))
    }

    /// Sets a column's curated description (`id`: id or qualified name), with the same
    /// version check.
    #[graphql(guard = "Allowed(guard::CURATE)")]
    async fn set_column_description(
        &self,
        ctx: &Context<'_>,
        id: ID,
        description: Option<String>,
        expected_version: i32,
    ) -> ApiResult<Column> {
        let catalog = &acting(ctx)?.catalog;
        let col = column_id(catalog, &id).await?;
        catalog.set_description(Target::Column(col), description.as_deref(), expected_version).await?;
        Ok(Column(catalog.column(col).await?))
    }

    /// Adds a free-form tag to a dataset or column (`targetId`: id or qualified name);
    /// returns its tags.
    #[graphql(guard = "Allowed(guard::CURATE)")]
    async fn add_tag(&self, ctx: &Context<'_>, target_id: ID, tag: String) -> ApiResult<Vec<String>> {
        let tag = TagName::parse(&tag)?;
        let catalog = &acting(ctx)?.catalog;
        Ok(catalog.add_tag(target(catalog, &target_id).await?, &tag).await?)
    }

    /// Confirms a suggested classification, named by `id` or by `column` (id or qualified
    /// name) and `category`; later scans never overwrite it. Without a note, the note written
    /// before stays; confirming what is confirmed changes nothing and is not audited.
    #[graphql(guard = "Allowed(guard::CLASSIFY)")]
    async fn confirm_classification(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        column: Option<ID>,
        category: Option<String>,
        note: Option<String>,
    ) -> ApiResult<Classification> {
        decide(ctx, Decision::Confirm, id, column, category, note).await
    }

    /// Rejects a classification (named as for `confirmClassification`); later scans never
    /// suggest this category for the column again.
    #[graphql(guard = "Allowed(guard::CLASSIFY)")]
    async fn reject_classification(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        column: Option<ID>,
        category: Option<String>,
        note: Option<String>,
    ) -> ApiResult<Classification> {
        decide(ctx, Decision::Reject, id, column, category, note).await
    }

    /// Adds a personal-data category to a column (`columnId`: id or qualified name) by hand
    /// (status MANUAL).
    #[graphql(guard = "Allowed(guard::CLASSIFY)")]
    async fn add_classification(
        &self,
        ctx: &Context<'_>,
        column_id: ID,
        category: String,
        note: Option<String>,
    ) -> ApiResult<Classification> {
        let state = acting(ctx)?;
        let category = state.classifier.taxonomy().key(&category)?;
        let col = self::column_id(&state.catalog, &column_id).await?;
        let c = classifications::add(&state.catalog, col, &category, note.as_deref()).await?;
        Ok(Classification(c))
    }

    /// Records the column lineage of SQL (one statement or an ETL script) run against a
    /// source; targets the catalog does not hold are declared. Submitting the same SQL again
    /// changes nothing.
    #[graphql(guard = "Allowed(guard::LINEAGE)")]
    async fn add_lineage_sql(
        &self,
        ctx: &Context<'_>,
        input: super::lineage::LineageSqlInput,
    ) -> ApiResult<super::lineage::LineageSqlReport> {
        super::lineage::add_sql(ctx, input).await
    }

    /// Adds a lineage edge by hand: from a column to a column (IDENTITY, TRANSFORMED,
    /// AGGREGATED) or to a dataset whose rows it shapes (FILTER, JOIN).
    #[graphql(guard = "Allowed(guard::LINEAGE)")]
    async fn add_lineage_edge(
        &self,
        ctx: &Context<'_>,
        from: String,
        to: String,
        kind: super::lineage::LineageKind,
    ) -> ApiResult<super::lineage::LineageEdge> {
        super::lineage::add_edge(ctx, from, to, kind).await
    }

    /// Receives an erasure request for the subject named by `subjects` (`email=...`,
    /// `phone=...`, `national_id=...`, `source.namespace.dataset.column=...`); the caller is
    /// its requester.
    #[graphql(guard = "Allowed(guard::ERASURE)")]
    async fn create_erasure_request(&self, ctx: &Context<'_>, subjects: Vec<String>) -> ApiResult<super::erasure::ErasureRequest> {
        super::erasure::create(ctx, subjects).await
    }

    /// Plans an erasure request over the live sources (a dry run), storing the plan and its
    /// hash; withdraws an approval of an earlier plan.
    #[graphql(guard = "Allowed(guard::ERASURE)")]
    async fn plan_erasure_request(&self, ctx: &Context<'_>, id: ID) -> ApiResult<super::erasure::ErasureRequest> {
        super::erasure::plan(ctx, id).await
    }

    /// Approves the plan with `planHash`; refused (CONFLICT) to the request's requester and for
    /// any other hash than the current plan's.
    #[graphql(guard = "Allowed(guard::ERASURE)")]
    async fn approve_erasure_request(&self, ctx: &Context<'_>, id: ID, plan_hash: String) -> ApiResult<super::erasure::ErasureRequest> {
        super::erasure::approve(ctx, id, plan_hash).await
    }

    /// Carries out the approved plan and verifies it; call again to resume a stopped run.
    #[graphql(guard = "Allowed(guard::ERASURE)")]
    async fn execute_erasure_request(&self, ctx: &Context<'_>, id: ID) -> ApiResult<super::erasure::ErasureRequest> {
        super::erasure::execute(ctx, id).await
    }

    /// Verifies a partially completed request again.
    #[graphql(guard = "Allowed(guard::ERASURE)")]
    async fn verify_erasure_request(&self, ctx: &Context<'_>, id: ID) -> ApiResult<super::erasure::ErasureRequest> {
        super::erasure::verify(ctx, id).await
    }

    /// Extends a request's due date by two months (once, GDPR Art. 12(3)), with the reason.
    #[graphql(guard = "Allowed(guard::ERASURE)")]
    async fn extend_erasure_request(&self, ctx: &Context<'_>, id: ID, reason: String) -> ApiResult<super::erasure::ErasureRequest> {
        super::erasure::extend(ctx, id, reason).await
    }

    /// Closes an open request without carrying it out: `CANCELLED` (withdrawn) or `REJECTED`
    /// (unfounded or excessive, Art. 12(5)), with the reason; its identifiers are dropped.
    #[graphql(guard = "Allowed(guard::ERASURE)")]
    async fn close_erasure_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        outcome: super::erasure::Closing,
        reason: String,
    ) -> ApiResult<super::erasure::ErasureRequest> {
        super::erasure::close(ctx, id, outcome, reason).await
    }

    /// Sets the erasure policy of `scope` (`*`, a source, or a dataset's qualified name) as a
    /// new version, audited. `policy` is JSON: `{"action": "delete"|"anonymize"|"retain",
    /// "columns": {"COL": {"strategy": "null"|"fake"|"hash"|"fixed"|"keep", "value"?, "reason"?}},
    /// "hold": {"ground": "legal_obligation", "statute": "...", "until": "YYYY-MM-DD"},
    /// "reason": "..."}`; `null` removes the scope's policy.
    #[graphql(guard = "Allowed(guard::ERASURE)")]
    async fn set_erasure_policy(
        &self,
        ctx: &Context<'_>,
        scope: String,
        policy: Option<async_graphql::Json<serde_json::Value>>,
    ) -> ApiResult<super::erasure::ErasurePolicy> {
        super::erasure::set_policy(ctx, scope, policy.map(|p| p.0)).await
    }

    /// Removes a lineage edge added by hand.
    #[graphql(guard = "Allowed(guard::LINEAGE)")]
    async fn remove_lineage_edge(&self, ctx: &Context<'_>, id: ID) -> ApiResult<bool> {
        super::lineage::remove_edge(ctx, id).await
    }

    /// Removes a tag from a dataset or column (`targetId`: id or qualified name); returns its
    /// tags.
    #[graphql(guard = "Allowed(guard::CURATE)")]
    async fn remove_tag(&self, ctx: &Context<'_>, target_id: ID, tag: String) -> ApiResult<Vec<String>> {
        let tag = TagName::parse(&tag)?;
        let catalog = &acting(ctx)?.catalog;
        Ok(catalog.remove_tag(target(catalog, &target_id).await?, &tag).await?)
    }

    /// Records what a column means (`columnId`: id or qualified name) from a date on ("from
    /// 2024-03-01 amount includes 19% VAT"). Earlier versions stay; `Column.meaningAt(date)`
    /// answers for any date.
    #[graphql(guard = "Allowed(guard::MEANING)")]
    async fn annotate_meaning(
        &self,
        ctx: &Context<'_>,
        column_id: ID,
        meaning: String,
        effective_from: Date,
    ) -> ApiResult<super::history::Meaning> {
        let catalog = &acting(ctx)?.catalog;
        let col = self::column_id(catalog, &column_id).await?;
        Ok(super::history::Meaning(crate::history::meanings::annotate_meaning(catalog, col, &meaning, effective_from.0).await?))
    }

    /// Acknowledges a detected semantic change, optionally recording the column's meaning from
    /// `effectiveFrom` on (both or neither).
    #[graphql(guard = "Allowed(guard::MEANING)")]
    async fn acknowledge_change(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: Option<String>,
        meaning: Option<String>,
        effective_from: Option<Date>,
    ) -> ApiResult<super::history::ChangeReview> {
        let event = ids::decode(Kind::Change, &id)?;
        let meaning = match (meaning.as_deref(), effective_from) {
            (Some(m), Some(d)) => Some((m, d.0)),
            (None, None) => None,
            _ => return Err(ApiError::InvalidInput("pass both `meaning` and `effectiveFrom`, or neither".into())),
        };
        let review = crate::history::meanings::review_change(
            &acting(ctx)?.catalog,
            event,
            crate::history::meanings::Decision::Acknowledge,
            note.as_deref(),
            meaning,
        )
        .await?;
        Ok(super::history::ChangeReview(review))
    }

    /// Dismisses a detected semantic change as a false alarm (remembered).
    #[graphql(guard = "Allowed(guard::MEANING)")]
    async fn dismiss_change(&self, ctx: &Context<'_>, id: ID, note: Option<String>) -> ApiResult<super::history::ChangeReview> {
        let event = ids::decode(Kind::Change, &id)?;
        let review = crate::history::meanings::review_change(
            &acting(ctx)?.catalog,
            event,
            crate::history::meanings::Decision::Dismiss,
            note.as_deref(),
            None,
        )
        .await?;
        Ok(super::history::ChangeReview(review))
    }
}
