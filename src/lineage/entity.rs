//! The `lineage_edge` and `lineage_job` tables.

pub mod lineage_edge {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "lineage_edge")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub from_dataset_id: i64,
        pub from_column_id: Option<i64>,
        pub to_dataset_id: i64,
        /// None for a `filter` or `join` edge: it ends at the dataset whose rows it shapes.
        pub to_column_id: Option<i64>,
        pub kind: String,
        pub origin: String,
        pub origin_ref: String,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod lineage_job {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "lineage_job")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub namespace: String,
        pub name: String,
        pub last_run_id: Option<String>,
        pub last_state: Option<String>,
        pub last_event_at: Option<DateTimeUtc>,
        pub runs: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
