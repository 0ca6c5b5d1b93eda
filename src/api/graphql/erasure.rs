//! GraphQL over erasure requests, for privacy officers only: the requester and the approver
//! are the callers whose tokens made the requests, so four eyes means two people.

use super::{acting, ApiError, ApiResult};
use crate::ids::{GlobalId, IdKind};
use crate::privacy::erasure::{execute, request, ErasureError, PrivacyRequest, RequestKind, SubjectIdentifier};
use async_graphql::{Context, Json, Object, ID};

/// An erasure request (GDPR Art. 17): never the subject's identifiers, only their count.
pub struct ErasureRequest(pub PrivacyRequest);

#[Object]
impl ErasureRequest {
    async fn id(&self) -> ID {
        ID(GlobalId::privacy_request(self.0.id).to_string())
    }
    /// `received`, `planned`, `approved`, `executing`, `verifying`, `completed`,
    /// `partially_completed`.
    async fn status(&self) -> &str {
        self.0.status.as_str()
    }
    async fn requester(&self) -> &str {
        &self.0.requester
    }
    /// RFC 3339, UTC.
    async fn received_at(&self) -> String {
        self.0.received_at.to_rfc3339()
    }
    /// One calendar month after receipt.
    async fn due_at(&self) -> String {
        self.0.due_at.to_rfc3339()
    }
    async fn subject_count(&self) -> i32 {
        self.0.subject_count
    }
    /// The hash of the current plan, which an approval names.
    async fn plan_hash(&self) -> Option<&str> {
        self.0.plan_hash.as_deref()
    }
    async fn approved_by(&self) -> Option<&str> {
        self.0.approved_by.as_deref()
    }
    /// The stored plan: steps (dataset, action, rows, how found), manual tasks, paths not
    /// followed.
    async fn plan(&self, ctx: &Context<'_>) -> ApiResult<Option<Json<serde_json::Value>>> {
        let state = acting(ctx)?;
        let plan = request::stored_plan(&state.catalog, self.0.id).await?;
        Ok(plan.map(|p| Json(serde_json::to_value(p).unwrap_or_default())))
    }
    /// The completion report: what was found and done, verification, physical copies.
    async fn report(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        let state = acting(ctx)?;
        Ok(Json(execute::report(&state.catalog, self.0.id).await?))
    }
}

fn request_id(id: &ID) -> ApiResult<i64> {
    Ok(GlobalId::parse_as(IdKind::PrivacyRequest, &id.0)?)
}

/// The caller, as requests name people: the token's subject.
fn caller(ctx: &Context<'_>) -> ApiResult<String> {
    Ok(acting(ctx)?.catalog.who().actor.subject.clone())
}

pub async fn get(ctx: &Context<'_>, id: ID) -> ApiResult<ErasureRequest> {
    let state = acting(ctx)?;
    Ok(ErasureRequest(request::get(&state.catalog, request_id(&id)?).await?))
}

pub async fn create(ctx: &Context<'_>, subjects: Vec<String>) -> ApiResult<ErasureRequest> {
    let state = acting(ctx)?;
    let subjects = subjects.iter().map(|s| SubjectIdentifier::parse(s)).collect::<Result<Vec<_>, _>>().map_err(ErasureError::from)?;
    let r = request::create(&state.catalog, &state.config, RequestKind::Erasure, &subjects, &caller(ctx)?, chrono::Utc::now()).await?;
    Ok(ErasureRequest(r))
}

pub async fn plan(ctx: &Context<'_>, id: ID) -> ApiResult<ErasureRequest> {
    let state = acting(ctx)?;
    let id = request_id(&id)?;
    request::plan(&state.catalog, &state.config, id, chrono::Utc::now()).await?;
    Ok(ErasureRequest(request::get(&state.catalog, id).await?))
}

pub async fn approve(ctx: &Context<'_>, id: ID, plan_hash: String) -> ApiResult<ErasureRequest> {
    let state = acting(ctx)?;
    let r = request::approve(&state.catalog, request_id(&id)?, &plan_hash, &caller(ctx)?, chrono::Utc::now()).await?;
    Ok(ErasureRequest(r))
}

pub async fn execute(ctx: &Context<'_>, id: ID) -> ApiResult<ErasureRequest> {
    let state = acting(ctx)?;
    Ok(ErasureRequest(execute::execute(&state.catalog, &state.config, request_id(&id)?, chrono::Utc::now()).await?))
}

pub async fn verify(ctx: &Context<'_>, id: ID) -> ApiResult<ErasureRequest> {
    let state = acting(ctx)?;
    Ok(ErasureRequest(execute::verify(&state.catalog, &state.config, request_id(&id)?, chrono::Utc::now()).await?))
}

impl From<ErasureError> for ApiError {
    fn from(e: ErasureError) -> Self {
        match e {
            ErasureError::NoRequest(_) => ApiError::NotFound(e.to_string()),
            ErasureError::Subject(_)
            | ErasureError::NoSubject
            | ErasureError::TooManyIdentifiers(_)
            | ErasureError::BadActor(_)
            | ErasureError::UnknownColumn(_) => ApiError::InvalidInput(e.to_string()),
            ErasureError::WrongState { .. }
            | ErasureError::SelfApproval(_)
            | ErasureError::StalePlan(_)
            | ErasureError::Concurrent(_)
            | ErasureError::PlanChanged(_)
            | ErasureError::ManualFirst(_)
            | ErasureError::AlreadyExtended(_)
            | ErasureError::Closed(_) => ApiError::Conflict(e.to_string()),
            ErasureError::Unreachable { .. } | ErasureError::Query { .. } | ErasureError::FilesNotSearched(_) => {
                ApiError::SourceUnreachable(e.to_string())
            }
            ErasureError::Catalog(c) => c.into(),
            ErasureError::Seal(_) | ErasureError::Corrupt(_) | ErasureError::Store(_) => {
                tracing::error!(error = %e, "erasure request");
                ApiError::Internal
            }
        }
    }
}
