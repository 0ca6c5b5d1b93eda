//! The `classification` table: one row per column and category, with its status.

use sea_orm::entity::prelude::*;
use serde::Serialize;

// Stored as its lower-case name.
/// Where a classification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, async_graphql::Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum ClassificationStatus {
    /// Found by a scan.
    #[sea_orm(string_value = "suggested")]
    Suggested,
    /// A steward agreed.
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    /// A steward disagreed: never suggested again for that column.
    #[sea_orm(string_value = "rejected")]
    Rejected,
    /// Added by a steward.
    #[sea_orm(string_value = "manual")]
    Manual,
}

impl ClassificationStatus {
    /// Every status.
    pub const ALL: [ClassificationStatus; 4] =
        [ClassificationStatus::Suggested, ClassificationStatus::Confirmed, ClassificationStatus::Rejected, ClassificationStatus::Manual];

    /// Stable lower-case name, as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            ClassificationStatus::Suggested => "suggested",
            ClassificationStatus::Confirmed => "confirmed",
            ClassificationStatus::Rejected => "rejected",
            ClassificationStatus::Manual => "manual",
        }
    }

    /// Parses a name (`suggested`, `confirmed`, `rejected`, `manual`).
    pub fn parse(s: &str) -> Option<Self> {
        ClassificationStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "classification")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub column_id: i64,
    pub category: String,
    pub status: ClassificationStatus,
    pub confidence: f64,
    /// JSON array of signals; never sampled values.
    pub evidence: String,
    pub scan_id: Option<i64>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
