//! The GraphQL schema: thin resolvers over the catalog, typed errors with a code in
//! `extensions`, and depth/complexity limits.

mod audit;
mod erasure;
mod guard;
mod history;
mod ids;
pub mod limits;
mod lineage;
mod mutation;
mod objects;
mod query;
mod search;

use crate::app::AppState;
use crate::catalog::CatalogError;
use crate::scanning::ScanRunError;
use async_graphql::{EmptySubscription, ErrorExtensions, Schema};

pub use mutation::MutationRoot;

/// A calendar date, `YYYY-MM-DD` (effective dates of meanings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Date(pub chrono::NaiveDate);

async_graphql::scalar!(Date, "Date", "A calendar date, YYYY-MM-DD.");

pub use query::QueryRoot;

/// The schema type served at `/graphql`.
pub type AlmanacSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Builds the schema over `app`, with the configured limits.
pub fn build_schema(app: AppState) -> AlmanacSchema {
    let limits = app.config.api.clone();
    Schema::build(QueryRoot, MutationRoot, EmptySubscription)
        .data(app)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .finish()
}

/// The SDL of the schema (what `schema.graphql` holds).
pub fn sdl() -> String {
    Schema::build(QueryRoot, MutationRoot, EmptySubscription).finish().sdl()
}

/// An error as clients see it: a message and a stable code in `extensions.code`.
#[derive(Debug, Clone)]
pub enum ApiError {
    NotFound(String),
    Conflict(String),
    StaleVersion { message: String, current: i32 },
    InvalidInput(String),
    SourceUnreachable(String),
    Forbidden(String),
    Internal,
}

impl ApiError {
    fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::Conflict(_) | ApiError::StaleVersion { .. } => "CONFLICT",
            ApiError::InvalidInput(_) => "INVALID_INPUT",
            ApiError::SourceUnreachable(_) => "SOURCE_UNREACHABLE",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::Internal => "INTERNAL",
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        let code = e.code();
        let (message, current) = match e {
            ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::InvalidInput(m)
            | ApiError::SourceUnreachable(m)
            | ApiError::Forbidden(m) => (m, None),
            ApiError::StaleVersion { message, current } => (message, Some(current)),
            ApiError::Internal => ("internal error; see the server log".to_string(), None),
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(v) = current {
                ext.set("currentVersion", v);
            }
        })
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::NotFound(_) => ApiError::NotFound(e.to_string()),
            CatalogError::Conflict(m) => ApiError::Conflict(m),
            CatalogError::StaleVersion { current, .. } => ApiError::StaleVersion { message: e.to_string(), current },
            CatalogError::Invalid(m) => ApiError::InvalidInput(m),
            CatalogError::Name(n) => ApiError::InvalidInput(n.to_string()),
            CatalogError::Store(err) => {
                tracing::error!(error = %err, "store error");
                ApiError::Internal
            }
        }
    }
}

impl From<crate::classify::taxonomy::UnknownCategory> for ApiError {
    fn from(e: crate::classify::taxonomy::UnknownCategory) -> Self {
        ApiError::InvalidInput(e.to_string())
    }
}

impl From<crate::catalog::names::NameError> for ApiError {
    fn from(e: crate::catalog::names::NameError) -> Self {
        ApiError::InvalidInput(e.to_string())
    }
}

impl From<almanac_scanners::SourceUrlError> for ApiError {
    fn from(e: almanac_scanners::SourceUrlError) -> Self {
        ApiError::InvalidInput(e.to_string())
    }
}

impl From<crate::ids::IdError> for ApiError {
    fn from(e: crate::ids::IdError) -> Self {
        ApiError::InvalidInput(e.to_string())
    }
}

impl From<ScanRunError> for ApiError {
    fn from(e: ScanRunError) -> Self {
        match e {
            ScanRunError::Catalog(c) => c.into(),
            ScanRunError::Secret(m) | ScanRunError::Target(m) => ApiError::InvalidInput(m),
            ScanRunError::Source(s) => ApiError::SourceUnreachable(s.to_string()),
            ScanRunError::Ingest(i) => {
                tracing::error!(error = %i, "ingest error");
                ApiError::Internal
            }
        }
    }
}

/// Page size when `first` is not given.
pub const DEFAULT_PAGE: usize = 50;

/// Clamps a requested page size to the configured maximum.
pub fn page_size(ctx: &async_graphql::Context<'_>, first: Option<i32>) -> ApiResult<u64> {
    let max = app(ctx)?.config.api.max_page_size;
    match first {
        None => Ok(DEFAULT_PAGE.min(max) as u64),
        Some(n) if n < 0 => Err(ApiError::InvalidInput("`first` must not be negative".into())),
        Some(n) => Ok((n as usize).min(max) as u64),
    }
}

/// The application state from the request context.
pub(crate) fn app<'a>(ctx: &async_graphql::Context<'a>) -> ApiResult<&'a AppState> {
    ctx.data::<AppState>().map_err(|_| ApiError::Internal)
}

/// What resolvers return: errors always carry a code, never a bare message.
pub type ApiResult<T> = std::result::Result<T, ApiError>;

/// The application state acting for the caller of this request (audited as them).
pub(crate) fn acting(ctx: &async_graphql::Context<'_>) -> ApiResult<AppState> {
    let state = app(ctx)?;
    Ok(match ctx.data_opt::<crate::audit::Who>() {
        Some(who) => state.acting(who.clone()),
        None => state.clone(),
    })
}
