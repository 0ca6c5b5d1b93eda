//! The guard every restricted field and mutation carries: it looks the operation up in the
//! policy table (`crate::auth::POLICY`) and checks the caller's roles.

use super::ApiError;
use crate::auth::Principal;
use async_graphql::{Context, Guard};

/// Allows the operation to callers whose roles the policy table lists for it (and admins).
pub struct Allowed(pub &'static str);

impl Guard for Allowed {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        // The HTTP layer always puts a principal in; its absence is a wiring bug: deny.
        match ctx.data_opt::<Principal>() {
            Some(p) if p.may(self.0) => Ok(()),
            Some(p) => Err(ApiError::Forbidden(format!(
                "`{}` needs one of the roles {} (you have {})",
                self.0,
                role_list(crate::auth::allowed(self.0)),
                role_list(&p.roles.iter().copied().collect::<Vec<_>>())
            ))
            .into()),
            None => Err(ApiError::Forbidden("no caller identity".into()).into()),
        }
    }
}

fn role_list(roles: &[crate::auth::Role]) -> String {
    let mut names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    if !names.contains(&"admin") {
        names.push("admin");
    }
    names.join(", ")
}

pub use crate::auth::op::{AUDIT, CLASSIFY, CURATE, ERASURE, EVIDENCE, LINEAGE, MEANING, SOURCES};
