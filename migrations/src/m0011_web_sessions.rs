//! Browser sessions in the store (the login in progress, then who is logged in), so every
//! server replica over one store knows the same logins.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_web_sessions"
    }
}

#[derive(Iden)]
enum WebSession {
    Table,
    Id,
    Data,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebSession::Table)
                .col(ColumnDef::new(WebSession::Id).string().not_null().primary_key())
                .col(ColumnDef::new(WebSession::Data).text().not_null())
                .col(ColumnDef::new(WebSession::ExpiresAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("web_session_expires").table(WebSession::Table).col(WebSession::ExpiresAt).to_owned()).await
    }
}
