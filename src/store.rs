//! Opens the catalog store named by one URL (SQLite by default, PostgreSQL in production)
//! and brings its schema up to date with the migrations.

use almanac_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported store URL `{0}`: use sqlite://PATH or postgres://...")]
    Unsupported(String),
    #[error("cannot create the store directory {path}: {source}")]
    Directory { path: String, source: std::io::Error },
    #[error("cannot open the catalog store: {0}")]
    Connect(DbErr),
    #[error("cannot connect to the catalog store {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("cannot migrate the catalog store: {0}")]
    Migrate(DbErr),
}

/// Where an SQLite store URL keeps its file, if it is one.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    Some(rest.split('?').next().unwrap_or(rest))
}

/// Connects once, so that a wrong host, port, password or database name fails at once with
/// the server's own reason; a pool would retry until its acquire timeout and then report
/// only "pool timed out".
async fn check_postgres(url: &str) -> Result<(), StoreError> {
    use sqlx::ConnectOptions as _;
    let shown = match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => "(unparsable URL)".to_string(),
    };
    let unreachable = |reason: String| StoreError::Unreachable { url: shown.clone(), reason };
    let opts: sqlx::postgres::PgConnectOptions = url.parse().map_err(|e: sqlx::Error| unreachable(e.to_string()))?;
    let conn = tokio::time::timeout(CONNECT_TIMEOUT, opts.log_statements(tracing::log::LevelFilter::Off).connect())
        .await
        .map_err(|_| unreachable(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())))?
        .map_err(|e| {
            unreachable(match &e {
                sqlx::Error::Database(db) => db.message().to_string(),
                sqlx::Error::Io(io) => io.to_string(),
                other => other.to_string(),
            })
        })?;
    let _ = sqlx::Connection::close(conn).await;
    Ok(())
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the store and runs pending migrations.
pub async fn open(url: &str) -> Result<DatabaseConnection, StoreError> {
    let mut opts = if let Some(path) = sqlite_path(url) {
        if path != ":memory:" {
            if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|source| StoreError::Directory { path: dir.display().to_string(), source })?;
            }
        }
        let mut opts = ConnectOptions::new(format!("sqlite://{path}?mode=rwc"));
        opts.max_connections(8).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
        });
        opts
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        check_postgres(url).await?;
        let mut opts = ConnectOptions::new(url.to_string());
        opts.max_connections(16);
        opts
    } else {
        return Err(StoreError::Unsupported(url.to_string()));
    };
    opts.sqlx_logging(false).connect_timeout(CONNECT_TIMEOUT).acquire_timeout(Duration::from_secs(30));
    let db = Database::connect(opts).await.map_err(StoreError::Connect)?;
    Migrator::up(&db, None).await.map_err(StoreError::Migrate)?;
    Ok(db)
}
