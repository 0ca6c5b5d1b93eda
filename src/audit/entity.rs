//! The `audit_log` table (created by migration m0004, guarded by m0009).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// RFC 3339, UTC, microseconds: stored as hashed.
    pub at: String,
    pub actor_issuer: String,
    pub actor_subject: String,
    pub actor_name: Option<String>,
    pub action: String,
    /// JSON array of the ids acted on.
    pub targets: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
