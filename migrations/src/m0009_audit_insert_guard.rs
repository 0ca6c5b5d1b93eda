//! Closes two ways around the audit log's append-only triggers.
//!
//! - SQLite: `INSERT OR REPLACE` (and `REPLACE`) deletes the row it conflicts with without
//!   firing DELETE triggers (unless `recursive_triggers` is on), so an entry could be
//!   rewritten in place. A BEFORE INSERT trigger now refuses an id that exists, and any id at
//!   or below the newest entry's: the log only grows at its end.
//! - PostgreSQL: `SET session_replication_role = replica` skips ordinary triggers. The trigger
//!   is now `ENABLE ALWAYS`, which fires in every replication role.
//!
//! What the owner of the database can still do (drop the triggers or the table) is for the
//! hash chain and an anchored head hash to reveal; see the README's audit section.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_audit_insert_guard"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => {
                db.execute_unprepared(
                    // In a BEFORE INSERT trigger an id left to SQLite reads as -1.
                    "CREATE TRIGGER audit_log_append_at_end BEFORE INSERT ON audit_log \
                     WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) \
                       OR (NEW.id <> -1 AND NEW.id <= (SELECT coalesce(max(id), 0) FROM audit_log)) \
                     BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
                )
                .await?;
            }
            DatabaseBackend::Postgres => {
                db.execute_unprepared("ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only").await?;
            }
            _ => {}
        }
        Ok(())
    }
}
