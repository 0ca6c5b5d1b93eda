//! sea-orm entities for the catalog tables. Private to the catalog and ingest modules;
//! everything else goes through the domain types in `catalog::types`.

pub mod source {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "source")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub engine: String,
        pub url: String,
        pub password_env: Option<String>,
        pub password_file: Option<String>,
        pub sample_rows: Option<i32>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod scan {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "scan")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub source_id: i64,
        pub status: String,
        pub phase: Option<String>,
        pub steps_done: i64,
        pub steps_total: Option<i64>,
        pub started_at: DateTimeUtc,
        pub finished_at: Option<DateTimeUtc>,
        pub error: Option<String>,
        pub datasets: Option<i64>,
        pub columns: Option<i64>,
        pub changes: Option<i64>,
        /// JSON list of the scan's warnings (objects read in part, columns not classified).
        pub warnings: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod namespace {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "namespace")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub source_id: i64,
        pub name: String,
        pub created_at: DateTimeUtc,
        pub removed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod dataset {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "dataset")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub source_id: i64,
        pub namespace_id: i64,
        pub name: String,
        pub kind: String,
        pub comment: Option<String>,
        pub description: Option<String>,
        pub description_version: i32,
        pub row_estimate: Option<i64>,
        pub view_definition: Option<String>,
        pub partitions: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub removed_at: Option<DateTimeUtc>,
        pub source_owner: Option<String>,
        pub owner: Option<String>,
        pub owner_version: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod dataset_column {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "dataset_column")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub dataset_id: i64,
        pub name: String,
        pub ordinal: i32,
        pub data_type: String,
        pub type_family: String,
        pub nullable: bool,
        pub default_value: Option<String>,
        pub is_primary_key: bool,
        pub is_unique: bool,
        pub comment: Option<String>,
        pub description: Option<String>,
        pub description_version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub removed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod foreign_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "foreign_key")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub dataset_id: i64,
        pub name: String,
        /// JSON array of column names.
        pub columns: String,
        pub referenced_namespace: String,
        pub referenced_dataset: String,
        /// JSON array of column names.
        pub referenced_columns: String,
        pub created_at: DateTimeUtc,
        pub removed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod tag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tag")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub target_kind: String,
        pub target_id: i64,
        pub name: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod change_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "change_event")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub source_id: i64,
        pub scan_id: Option<i64>,
        pub dataset_id: Option<i64>,
        pub column_id: Option<i64>,
        pub kind: String,
        /// JSON object with the before/after values or other evidence.
        pub details: String,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod classification {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "classification")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub column_id: i64,
        pub category: String,
        pub status: String,
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
}

pub mod search_outbox {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "search_outbox")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub dataset_id: i64,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_log {
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
}

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
        pub decision: String,
        pub note: Option<String>,
        pub author: String,
        pub meaning_id: Option<i64>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
