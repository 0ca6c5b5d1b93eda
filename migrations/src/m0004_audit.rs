//! The audit log: one row per mutation or privacy-relevant read, each holding the hash of the
//! row before it. The store refuses to update or delete a row (triggers), so changing the
//! history takes someone who can drop the triggers, and `almanac audit verify` finds it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_audit"
    }
}

#[derive(Iden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorIssuer,
    ActorSubject,
    ActorName,
    Action,
    Targets,
    Before,
    After,
    RequestId,
    PrevHash,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(ColumnDef::new(AuditLog::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(AuditLog::At).string().not_null())
                .col(ColumnDef::new(AuditLog::ActorIssuer).string().not_null())
                .col(ColumnDef::new(AuditLog::ActorSubject).string().not_null())
                .col(ColumnDef::new(AuditLog::ActorName).string())
                .col(ColumnDef::new(AuditLog::Action).string().not_null())
                .col(ColumnDef::new(AuditLog::Targets).text().not_null())
                .col(ColumnDef::new(AuditLog::Before).text())
                .col(ColumnDef::new(AuditLog::After).text())
                .col(ColumnDef::new(AuditLog::RequestId).string())
                .col(ColumnDef::new(AuditLog::PrevHash).string().not_null())
                .col(ColumnDef::new(AuditLog::Hash).string().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("audit_log_action").table(AuditLog::Table).col(AuditLog::Action).to_owned()).await?;
        m.create_index(Index::create().name("audit_log_subject").table(AuditLog::Table).col(AuditLog::ActorSubject).to_owned()).await?;
        let db = m.get_connection();
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_log_no_{} BEFORE {op} ON audit_log BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
                        op.to_lowercase()
                    ))
                    .await?;
                }
            }
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
                )
                .await?;
            }
            DatabaseBackend::MySql => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_log_no_{} BEFORE {op} ON audit_log FOR EACH ROW \
                         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit entries are append-only'",
                        op.to_lowercase()
                    ))
                    .await?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
