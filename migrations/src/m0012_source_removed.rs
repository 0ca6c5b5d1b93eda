//! Sources can be removed: the row stays (scans, history and audit entries point at it) with
//! the time it was removed; registering the name again brings it back.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_source_removed"
    }
}

#[derive(Iden)]
enum Source {
    Table,
    RemovedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(Source::Table).add_column(ColumnDef::new(Source::RemovedAt).timestamp_with_time_zone().null()).to_owned(),
        )
        .await
    }
}
