//! The tables history owns: per-scan column profiles, meanings over time, and reviews of
//! detected changes.

pub mod column_profile {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "column_profile")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub scan_id: i64,
        pub dataset_id: i64,
        /// None: the dataset-level row (duplicate share of the sampled rows).
        pub column_id: Option<i64>,
        /// JSON: `history::profile::Profile`, or `{rows, duplicate_share}` for a dataset.
        pub profile: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod column_meaning {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "column_meaning")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub column_id: i64,
        pub meaning: String,
        pub effective_from: chrono::NaiveDate,
        pub author: String,
        /// The detected change this annotation acknowledged, if any.
        pub change_event_id: Option<i64>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod change_review {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "change_review")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub change_event_id: i64,
        /// `acknowledged` or `dismissed`.
        pub decision: super::ReviewDecision,
        pub note: Option<String>,
        pub author: String,
        pub meaning_id: Option<i64>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use sea_orm::entity::prelude::StringLen;

// Stored as its name.
/// A person's decision on a detected change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sea_orm::EnumIter, sea_orm::DeriveActiveEnum, serde::Serialize, async_graphql::Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// The change is real; a meaning from a date on may say what it is.
    #[sea_orm(string_value = "acknowledged")]
    Acknowledged,
    /// A false alarm.
    #[sea_orm(string_value = "dismissed")]
    Dismissed,
}

impl ReviewDecision {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewDecision::Acknowledged => "acknowledged",
            ReviewDecision::Dismissed => "dismissed",
        }
    }
}
