//! GraphQL over erasure requests, for privacy officers only: the requester and the approver
//! are the callers whose tokens made the requests, so four eyes means two people.

use super::{acting, ApiError, ApiResult};
use crate::ids::{GlobalId, IdKind};
use crate::privacy::erasure::policy::{self, Policy, StoredPolicy};
use crate::privacy::erasure::{execute, request, ErasureError, PrivacyRequest, RequestKind, RequestStatus, SubjectIdentifier};
use async_graphql::{Context, Json, Object, ID};

/// An erasure request (GDPR Art. 17): never the subject's identifiers, only their count.
pub struct ErasureRequest(pub PrivacyRequest);

#[Object]
impl ErasureRequest {
    async fn id(&self) -> ID {
        ID(GlobalId::privacy_request(self.0.id).to_string())
    }
    /// `received`, `planned`, `approved`, `executing`, `verifying`, `completed`, `held`
    /// (rows kept under a legal hold until `holdUntil`), `partially_completed`, `failed`,
    /// `rejected`, `cancelled`.
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
    /// When held: the day its held rows are to be erased (RFC 3339, UTC).
    async fn hold_until(&self) -> Option<String> {
        self.0.hold_until.map(|d| d.to_rfc3339())
    }
    /// Where later scans saw an identifier this request erased again (scan, dataset, column,
    /// time), never which identifier.
    async fn reappearances(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        let state = acting(ctx)?;
        Ok(Json(execute::report(&state.catalog, self.0.id).await?["reappearances"].clone()))
    }
    /// Why the due date was extended, when it was.
    async fn extension_reason(&self) -> Option<&str> {
        self.0.extension_reason.as_deref()
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

/// How a request is closed without being carried out.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    Cancelled,
    Rejected,
}

pub async fn access_export(ctx: &Context<'_>, subjects: Vec<String>) -> ApiResult<Json<serde_json::Value>> {
    let state = acting(ctx)?;
    let subjects = subjects.iter().map(|s| SubjectIdentifier::parse(s)).collect::<Result<Vec<_>, _>>().map_err(ErasureError::from)?;
    let export = crate::privacy::erasure::access::export(&state.catalog, &state.config, &subjects).await?;
    Ok(Json(serde_json::to_value(export).unwrap_or_default()))
}

pub async fn extend(ctx: &Context<'_>, id: ID, reason: String) -> ApiResult<ErasureRequest> {
    let state = acting(ctx)?;
    Ok(ErasureRequest(request::extend(&state.catalog, request_id(&id)?, &reason, chrono::Utc::now()).await?))
}

pub async fn close(ctx: &Context<'_>, id: ID, outcome: Closing, reason: String) -> ApiResult<ErasureRequest> {
    let state = acting(ctx)?;
    let status = match outcome {
        Closing::Cancelled => RequestStatus::Cancelled,
        Closing::Rejected => RequestStatus::Rejected,
    };
    Ok(ErasureRequest(request::close(&state.catalog, request_id(&id)?, status, &reason, chrono::Utc::now()).await?))
}

pub async fn list(ctx: &Context<'_>, due_within_days: Option<u32>) -> ApiResult<Vec<ErasureRequest>> {
    let state = acting(ctx)?;
    let within = due_within_days.map(|d| chrono::Duration::days(i64::from(d)));
    Ok(request::open_requests(&state.catalog, within, chrono::Utc::now()).await?.into_iter().map(ErasureRequest).collect())
}

/// A version of an erasure policy.
pub struct ErasurePolicy(pub StoredPolicy);

#[Object]
impl ErasurePolicy {
    /// `*`, a source's name, or a dataset's qualified name.
    async fn scope(&self) -> &str {
        &self.0.scope
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The policy (action, column strategies, hold, reason); null when this version removed it.
    async fn policy(&self) -> Option<Json<serde_json::Value>> {
        self.0.policy.as_ref().map(|p| Json(serde_json::to_value(p).unwrap_or_default()))
    }
    async fn author(&self) -> &str {
        &self.0.author
    }
    /// RFC 3339, UTC.
    async fn created_at(&self) -> String {
        self.0.created_at.to_rfc3339()
    }
}

pub async fn policies(ctx: &Context<'_>, scope: Option<String>) -> ApiResult<Vec<ErasurePolicy>> {
    let state = acting(ctx)?;
    let all = match scope {
        Some(scope) => policy::history(&state.catalog, &scope).await?,
        None => policy::in_force(state.catalog.connection()).await?.into_values().collect(),
    };
    Ok(all.into_iter().map(ErasurePolicy).collect())
}

pub async fn set_policy(ctx: &Context<'_>, scope: String, value: Option<serde_json::Value>) -> ApiResult<ErasurePolicy> {
    let state = acting(ctx)?;
    // The parser's message names a field or a variant, never a subject's value.
    let parsed: Option<Policy> =
        value.map(serde_json::from_value).transpose().map_err(|e| ApiError::InvalidInput(format!("not an erasure policy: {e}")))?;
    Ok(ErasurePolicy(policy::set(&state.catalog, &scope, parsed, chrono::Utc::now()).await?))
}

impl From<ErasureError> for ApiError {
    fn from(e: ErasureError) -> Self {
        match e {
            ErasureError::NoRequest(_) => ApiError::NotFound(e.to_string()),
            ErasureError::Subject(_)
            | ErasureError::NoSubject
            | ErasureError::TooManyIdentifiers(_)
            | ErasureError::BadActor(_)
            | ErasureError::Policy(_)
            | ErasureError::UnknownColumn(_) => ApiError::InvalidInput(e.to_string()),
            ErasureError::WrongState { .. }
            | ErasureError::SelfApproval(_)
            | ErasureError::StalePlan(_)
            | ErasureError::Concurrent(_)
            | ErasureError::PlanChanged(_)
            | ErasureError::ManualFirst(_)
            | ErasureError::AlreadyExtended(_)
            | ErasureError::Uncovered { .. }
            | ErasureError::WrongKind { .. }
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
