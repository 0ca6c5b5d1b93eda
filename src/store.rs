//! The store: opens the database named by one URL (SQLite by default, PostgreSQL in
//! production), brings its schema up to date with the migrations, and offers the write helpers
//! every module's store functions share (a write transaction, chunked inserts).

use almanac_migrations::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, EntityTrait, TransactionTrait};
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
                // The database itself is missing: say how to make it.
                sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000") => {
                    let name = url::Url::parse(url).ok().map(|u| u.path().trim_start_matches('/').to_string()).unwrap_or_default();
                    format!("{}; create it first (`createdb {name}` or CREATE DATABASE), Almanac creates its tables itself", db.message())
                }
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
                std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory { path: dir.display().to_string(), source })?;
            }
        }
        let mut opts = ConnectOptions::new(format!("sqlite://{path}?mode=rwc"));
        opts.max_connections(8).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                // A scan's transaction touches tens of megabytes: with SQLite's 2 MiB default
                // cache it spills pages to the WAL and reads them back mid-transaction.
                // Reads go through a shared memory map instead of a read call per page.
                .pragma("cache_size", "-32768")
                .pragma("mmap_size", "268435456")
                .pragma("temp_store", "memory")
                // Deleted and overwritten cells are zeroed in their pages (requests' sealed
                // identifiers among them), where it costs no extra writes.
                .pragma("secure_delete", "fast")
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

/// Starts a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so concurrent writers wait their turn instead of failing when a
/// read lock cannot be upgraded.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Inserts `rows` in statements of at most `chunk` rows (bind-parameter limits differ
/// between SQLite and PostgreSQL; a few hundred rows fit both).
pub async fn insert_in_chunks<A, C>(db: &C, rows: Vec<A>, chunk: usize) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        let part: Vec<A> = it.by_ref().take(chunk).collect();
        <A::Entity as EntityTrait>::insert_many(part).exec_without_returning(db).await?;
    }
    Ok(())
}

/// This store's identity: a random value written once, when the store is first opened, and
/// kept with it (a copied SQLite file keeps it, another database has its own). A search index
/// records the identity of the store it was built from.
pub async fn identity(db: &DatabaseConnection) -> Result<String, DbErr> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
    let backend = db.get_database_backend();
    let table = Alias::new("store_info");
    let select =
        Query::select().column(Alias::new("value")).from(table.clone()).and_where(Expr::col(Alias::new("key")).eq("identity")).to_owned();
    let read = || async { db.query_one_raw(backend.build(&select)).await?.map(|row| row.try_get_by_index::<String>(0)).transpose() };
    if let Some(id) = read().await? {
        return Ok(id);
    }
    let mut insert = Query::insert();
    insert.into_table(table.clone()).columns([Alias::new("key"), Alias::new("value")]);
    insert.values(["identity".into(), random_identity().into()]).map_err(|e| DbErr::Custom(e.to_string()))?;
    insert.on_conflict(OnConflict::column(Alias::new("key")).do_nothing().to_owned());
    db.execute_raw(backend.build(&insert)).await?;
    // Another process may have written one first: the stored one wins.
    read().await?.ok_or_else(|| DbErr::RecordNotFound("store identity".into()))
}

/// 128 random bits as hex, from the standard library's randomly seeded hasher.
fn random_identity() -> String {
    use std::hash::{BuildHasher, Hasher};
    let part = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(salt);
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
        h.finish()
    };
    format!("{:016x}{:016x}", part(1), part(u64::from(std::process::id())))
}
