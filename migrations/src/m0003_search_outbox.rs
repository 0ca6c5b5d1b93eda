//! The search outbox: datasets whose index documents must be rebuilt, written in the same
//! transaction as the change. Each server replica follows it with its own position.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_search_outbox"
    }
}

#[derive(Iden)]
enum SearchOutbox {
    Table,
    Id,
    DatasetId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SearchOutbox::Table)
                .col(ColumnDef::new(SearchOutbox::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(SearchOutbox::DatasetId).big_integer().not_null())
                .col(ColumnDef::new(SearchOutbox::CreatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await
    }
}
