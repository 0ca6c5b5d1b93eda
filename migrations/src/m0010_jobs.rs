//! Jobs with an owner and a lease (scans now; erasure steps and scheduled scans later): a job
//! is failed only when the process running it stops renewing its lease, never because another
//! process opened the store. Scans point at their job. The store gets an identity, so a search
//! index can tell which store it was built from.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_jobs"
    }
}

#[derive(Iden)]
enum Job {
    Table,
    Id,
    Kind,
    Owner,
    State,
    LeaseUntil,
    StartedAt,
    FinishedAt,
    Error,
}

#[derive(Iden)]
enum Scan {
    Table,
    JobId,
}

#[derive(Iden)]
enum StoreInfo {
    Table,
    Key,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Job::Table)
                .col(ColumnDef::new(Job::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(Job::Kind).string().not_null())
                .col(ColumnDef::new(Job::Owner).string().not_null())
                .col(ColumnDef::new(Job::State).string().not_null())
                .col(ColumnDef::new(Job::LeaseUntil).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Job::StartedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Job::FinishedAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(Job::Error).text().null())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("job_state_lease").table(Job::Table).col(Job::State).col(Job::LeaseUntil).to_owned()).await?;
        m.alter_table(Table::alter().table(Scan::Table).add_column(ColumnDef::new(Scan::JobId).big_integer().null()).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(StoreInfo::Table)
                .col(ColumnDef::new(StoreInfo::Key).string().not_null().primary_key())
                .col(ColumnDef::new(StoreInfo::Value).text().not_null())
                .to_owned(),
        )
        .await
    }
}
