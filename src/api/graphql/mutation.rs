//! Mutation root: register and scan sources, curate descriptions (optimistic concurrency),
//! and tag datasets and columns.

use super::guard::{self, Allowed};
use super::ids::{self, Kind};
use super::objects::{Classification, Column, Dataset, Scan, Source};
use super::{acting, ApiError, ApiResult};
use crate::catalog::names::{OwnerName, SourceName, TagName};
use crate::catalog::{NewSource, Target};
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

fn target(id: &ID) -> ApiResult<Target> {
    match ids::decode_any(id)? {
        (Kind::Dataset, n) => Ok(Target::Dataset(n)),
        (Kind::Column, n) => Ok(Target::Column(n)),
        _ => Err(ApiError::InvalidInput(format!("`{}` is neither a dataset nor a column id", id.as_str()))),
    }
}

#[Object]
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

    /// Starts a scan of a registered source in the background; poll `scan(id)` for progress.
    #[graphql(guard = "Allowed(guard::SOURCES)")]
    async fn scan_source(&self, ctx: &Context<'_>, name: String) -> ApiResult<Scan> {
        let scan = acting(ctx)?.start_background_scan(&name).await.map_err(ApiError::from)?;
        Ok(Scan(scan))
    }

    /// Sets a dataset's curated description. `expectedVersion` is the `descriptionVersion`
    /// the edit was made against; a newer one fails with code CONFLICT. Null or empty clears it.
    #[graphql(guard = "Allowed(guard::CURATE)")]
    async fn set_dataset_description(
        &self,
        ctx: &Context<'_>,
        id: ID,
        description: Option<String>,
        expected_version: i32,
    ) -> ApiResult<Dataset> {
        let catalog = &acting(ctx)?.catalog;
        let ds = ids::decode(Kind::Dataset, &id)?;
        catalog.set_description(Target::Dataset(ds), description.as_deref(), expected_version).await?;
        Ok(Dataset(catalog.dataset(ds).await?))
    }

    /// Assigns a dataset's owner: a team or a person, one word (`payments-team`,
    /// `alice@example.com`), stored in lower case. `expectedVersion` is the `ownerVersion` the
    /// edit was made against; a newer one fails with code CONFLICT. Null clears the assignment
    /// (the owner the source reports stays).
    #[graphql(guard = "Allowed(guard::CURATE)")]
    async fn set_dataset_owner(&self, ctx: &Context<'_>, id: ID, owner: Option<String>, expected_version: i32) -> ApiResult<Dataset> {
        let catalog = &acting(ctx)?.catalog;
        let ds = ids::decode(Kind::Dataset, &id)?;
        let owner = owner.as_deref().filter(|o| !o.trim().is_empty()).map(OwnerName::parse).transpose()?;
        catalog.set_owner(ds, owner.as_ref(), expected_version).await?;
        Ok(Dataset(catalog.dataset(ds).await?))
    }

    /// Sets a column's curated description, with the same version check.
    #[graphql(guard = "Allowed(guard::CURATE)")]
    async fn set_column_description(
        &self,
        ctx: &Context<'_>,
        id: ID,
        description: Option<String>,
        expected_version: i32,
    ) -> ApiResult<Column> {
        let catalog = &acting(ctx)?.catalog;
        let col = ids::decode(Kind::Column, &id)?;
        catalog.set_description(Target::Column(col), description.as_deref(), expected_version).await?;
        Ok(Column(catalog.column(col).await?))
    }

    /// Adds a free-form tag to a dataset or column; returns its tags.
    #[graphql(guard = "Allowed(guard::CURATE)")]
    async fn add_tag(&self, ctx: &Context<'_>, target_id: ID, tag: String) -> ApiResult<Vec<String>> {
        let tag = TagName::parse(&tag)?;
        Ok(acting(ctx)?.catalog.add_tag(target(&target_id)?, &tag).await?)
    }

    /// Confirms a suggested classification; later scans never overwrite it.
    #[graphql(guard = "Allowed(guard::CLASSIFY)")]
    async fn confirm_classification(&self, ctx: &Context<'_>, id: ID, note: Option<String>) -> ApiResult<Classification> {
        let id = ids::decode(Kind::Classification, &id)?;
        let c = classifications::decide(&acting(ctx)?.catalog, id, Decision::Confirm, note.as_deref()).await?;
        Ok(Classification(c))
    }

    /// Rejects a classification; later scans never suggest this category for the column again.
    #[graphql(guard = "Allowed(guard::CLASSIFY)")]
    async fn reject_classification(&self, ctx: &Context<'_>, id: ID, note: Option<String>) -> ApiResult<Classification> {
        let id = ids::decode(Kind::Classification, &id)?;
        let c = classifications::decide(&acting(ctx)?.catalog, id, Decision::Reject, note.as_deref()).await?;
        Ok(Classification(c))
    }

    /// Adds a personal-data category to a column by hand (status MANUAL).
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
        let col = ids::decode(Kind::Column, &column_id)?;
        let c = classifications::add(&state.catalog, col, &category, note.as_deref()).await?;
        Ok(Classification(c))
    }

    /// Removes a tag from a dataset or column; returns its tags.
    #[graphql(guard = "Allowed(guard::CURATE)")]
    async fn remove_tag(&self, ctx: &Context<'_>, target_id: ID, tag: String) -> ApiResult<Vec<String>> {
        let tag = TagName::parse(&tag)?;
        Ok(acting(ctx)?.catalog.remove_tag(target(&target_id)?, &tag).await?)
    }

    /// Records what a column means from a date on ("from 2024-03-01 amount includes 19% VAT").
    /// Earlier versions stay; `Column.meaningAt(date)` answers for any date.
    #[graphql(guard = "Allowed(guard::MEANING)")]
    async fn annotate_meaning(
        &self,
        ctx: &Context<'_>,
        column_id: ID,
        meaning: String,
        effective_from: chrono::NaiveDate,
    ) -> ApiResult<super::history::Meaning> {
        let col = ids::decode(Kind::Column, &column_id)?;
        Ok(super::history::Meaning(crate::history::meanings::annotate_meaning(&acting(ctx)?.catalog, col, &meaning, effective_from).await?))
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
        effective_from: Option<chrono::NaiveDate>,
    ) -> ApiResult<super::history::ChangeReview> {
        let event = ids::decode(Kind::Change, &id)?;
        let meaning = match (meaning.as_deref(), effective_from) {
            (Some(m), Some(d)) => Some((m, d)),
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
