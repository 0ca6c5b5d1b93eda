//! Erasure policies (every version of each scope's policy: a dataset, a source or `*`), the
//! day a request's legal holds end, when rows it kept are to be erased, and where later scans
//! saw an identifier it erased again, and what reclaimed the space of its deleted rows.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0016_erasure_policies"
    }
}

#[derive(Iden)]
enum ErasurePolicy {
    Table,
    Id,
    Scope,
    Version,
    Policy,
    Author,
    CreatedAt,
}

#[derive(Iden)]
enum PrivacyRequest {
    Table,
    HoldUntil,
    Reappearances,
    Compaction,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ErasurePolicy::Table)
                .col(ColumnDef::new(ErasurePolicy::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(ErasurePolicy::Scope).text().not_null())
                .col(ColumnDef::new(ErasurePolicy::Version).integer().not_null())
                .col(ColumnDef::new(ErasurePolicy::Policy).text().null())
                .col(ColumnDef::new(ErasurePolicy::Author).string().not_null())
                .col(ColumnDef::new(ErasurePolicy::CreatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("erasure_policy_scope_version")
                .table(ErasurePolicy::Table)
                .col(ErasurePolicy::Scope)
                .col(ErasurePolicy::Version)
                .unique()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(PrivacyRequest::Table)
                .add_column(ColumnDef::new(PrivacyRequest::HoldUntil).timestamp_with_time_zone().null())
                .to_owned(),
        )
        .await?;
        // SQLite adds one column per statement.
        m.alter_table(
            Table::alter().table(PrivacyRequest::Table).add_column(ColumnDef::new(PrivacyRequest::Reappearances).text().null()).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table(PrivacyRequest::Table).add_column(ColumnDef::new(PrivacyRequest::Compaction).text().null()).to_owned(),
        )
        .await
    }
}
