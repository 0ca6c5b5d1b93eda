//! GraphQL over the audit log: page and filter entries, newest first.

use super::page_size;
use super::{app, ApiError, ApiResult};
use crate::audit::{Action, AuditFilter, Entry};
use crate::ids::GlobalId;
use async_graphql::{Context, Json, Object, SimpleObject, ID};

/// The identity behind an audit entry.
#[derive(SimpleObject)]
pub struct AuditActor {
    pub issuer: String,
    pub subject: String,
    pub name: Option<String>,
}

/// One audit entry: who did what to which objects, when, with the state before and after.
pub struct AuditEntry(pub Entry);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(format!("aud_{}", self.0.id))
    }
    /// RFC 3339, UTC.
    async fn at(&self) -> &str {
        &self.0.at
    }
    async fn actor(&self) -> AuditActor {
        let a = &self.0.actor;
        AuditActor { issuer: a.issuer.clone(), subject: a.subject.clone(), name: a.name.clone() }
    }
    /// e.g. `description.set`, `tag.add`, `classification.confirm`, `source.register`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// Ids of the objects acted on.
    async fn targets(&self) -> Vec<ID> {
        self.0.targets.iter().cloned().map(ID).collect()
    }
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// The `x-request-id` of the request that made the change.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The hash of the entry before this one, and this entry's own hash (SHA-256, hex).
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

/// A page of audit entries.
#[derive(SimpleObject)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `after` for the next (older) page.
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

pub async fn audit_log(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    action: Option<String>,
    subject: Option<String>,
    target_id: Option<ID>,
) -> ApiResult<AuditPage> {
    let limit = page_size(ctx, first)?;
    let before_id = super::ids::parse_prefixed::<i64>(after.as_deref(), 'a')?;
    let action = match action {
        Some(a) => Some(Action::parse(&a).ok_or_else(|| {
            ApiError::InvalidInput(format!("unknown action `{a}` (one of {})", Action::ALL.map(Action::as_str).join(", ")))
        })?),
        None => None,
    };
    let target = target_id.map(|t| GlobalId::parse(t.as_str())).transpose()?;
    let filter = AuditFilter { action, subject, target, since: None };
    let mut entries = crate::audit::entries(app(ctx)?.catalog.connection(), &filter, before_id, limit + 1)
        .await
        .map_err(crate::catalog::CatalogError::from)?;
    let has_next_page = entries.len() as u64 > limit;
    entries.truncate(limit as usize);
    Ok(AuditPage {
        end_cursor: entries.last().map(|e| format!("a{}", e.id)),
        has_next_page,
        entries: entries.into_iter().map(AuditEntry).collect(),
    })
}
