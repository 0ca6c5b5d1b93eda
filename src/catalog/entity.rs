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
        pub removed_at: Option<DateTimeUtc>,
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
        pub status: super::super::ScanStatus,
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
        /// The job that runs the scan (its owner and lease); none for scans of older versions.
        pub job_id: Option<i64>,
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
        /// File datasets: the folder's (or file's) URL, the format, and the drift between
        /// files as last scanned (JSON).
        pub location: Option<String>,
        pub format: Option<String>,
        pub file_drift: Option<String>,
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
        pub kind: super::super::change_kind::ChangeKind,
        /// JSON object with the before/after values or other evidence.
        pub details: String,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
