//! The `privacy_request` table: one row per erasure or access request.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "privacy_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub requester: String,
    pub received_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    /// The subject's identifiers, encrypted with the key outside the store; none once closed.
    pub subjects_sealed: Option<String>,
    pub subject_count: i32,
    /// The stored plan (JSON): datasets, actions and row counts, never identifiers.
    pub plan: Option<String>,
    pub plan_hash: Option<String>,
    pub planned_at: Option<DateTimeUtc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTimeUtc>,
    /// What execution applied, per source (JSON), written after each source's commit.
    pub execution: Option<String>,
    /// What verification found left (JSON).
    pub verification: Option<String>,
    /// Keyed hashes of the identifiers, kept once the request is closed (the suppression list).
    pub subject_hashes: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    /// Why the due date was extended (GDPR Art. 12(3): by two months at most, once).
    pub extension_reason: Option<String>,
    /// Why a request was rejected or cancelled.
    pub closing_reason: Option<String>,
    /// While held: the day the first legal hold on kept rows ends.
    pub hold_until: Option<DateTimeUtc>,
    /// Erased identifiers seen again by later scans (JSON): where and when, never which.
    pub reappearances: Option<String>,
    /// What was run to reclaim the space of deleted rows on the sources (JSON).
    pub compaction: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
