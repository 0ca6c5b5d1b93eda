//! Almanac's scanners: connect to a source, read its schema (and a bounded sample of values),
//! and return a normalized [`Snapshot`]. This crate knows nothing about the catalog store.

pub mod contain;
pub mod files;
#[cfg(test)]
mod hostile_tests;
mod mysql;
mod postgres;
pub mod profile;
mod sample;
mod snapshot;
mod source_url;
mod sqlite;
mod sqlite_ddl;
pub mod types;

pub use snapshot::*;
pub use source_url::{LakeRoot, SourceUrl, SourceUrlError};

use std::time::Duration;

/// What a scan reads beyond the schema.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Sampled values kept per column for classification; 0 disables sampling.
    pub sample_rows: u32,
    /// Rows read per table and profiled (at least `sample_rows`): as many as the drift
    /// detectors need to see a change (see `DriftConfig::rows_needed` in the server).
    pub profile_rows: u32,
    /// Up to this estimated row count a table's sample is chosen by hashing every row's key
    /// (the same rows every scan); above it, the engine's random method is used.
    pub hash_sample_max_rows: i64,
    /// Longest sampled value kept, in characters; longer values are cut.
    pub max_value_chars: usize,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Time allowed for any one query on the source.
    pub statement_timeout: Duration,
    /// Connections a scan opens to one source at most (each runs one query at a time): the
    /// bound on the load a scan puts on a production database. Samples are read over all of
    /// them at once; the schema over one.
    pub max_connections: u32,
    /// How an S3 lake is reached, beyond the standard AWS variables.
    pub s3: files::S3Settings,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            sample_rows: 100,
            profile_rows: 1_024,
            hash_sample_max_rows: 10_000_000,
            max_value_chars: 512,
            connect_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(60),
            max_connections: 4,
            s3: files::S3Settings::default(),
        }
    }
}

impl ScanOptions {
    /// Connections to sample `datasets` over: at least one, at most `max_connections`.
    pub fn sampling_connections(&self, datasets: usize) -> usize {
        (self.max_connections.max(1) as usize).min(datasets.max(1))
    }

    /// Rows read per sampled table.
    pub fn rows_to_read(&self) -> u32 {
        if self.sample_rows == 0 {
            0
        } else {
            self.sample_rows.max(self.profile_rows)
        }
    }
}

/// Receives progress while a scan runs (a progress bar, log lines, a scan record).
pub trait ScanProgress: Send + Sync {
    /// A new phase starts; `total` is the number of steps when known.
    fn phase(&self, name: &str, total: Option<u64>);
    /// `n` steps of the current phase are done.
    fn advance(&self, n: u64);
}

/// Progress sink that ignores everything.
pub struct NoProgress;

impl ScanProgress for NoProgress {
    fn phase(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
}

/// Why a scan failed.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("source unreachable: {0}")]
    Unreachable(String),
    #[error("source refused the credentials: {0}")]
    Authentication(String),
    #[error("source not found: {0}")]
    NotFound(String),
    #[error("could not read {what} from the source: {message}")]
    Query { what: String, message: String },
}

impl ScanError {
    fn query(what: impl Into<String>, err: impl QueryFailure) -> Self {
        let message = if err.connection_lost() { format!("the connection was lost ({err})") } else { err.to_string() };
        ScanError::Query { what: what.into(), message }
    }

    /// Maps a connection error to the most helpful variant.
    fn connect(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) => {
                // MySQL reports its error number apart from the SQLSTATE.
                let code = match db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                    Some(my) => my.number().to_string(),
                    None => db.code().map(|c| c.to_string()).unwrap_or_default(),
                };
                // 28xxx: PostgreSQL auth; 1045: MySQL access denied; 3D000/1049: unknown database.
                if code.starts_with("28") || code == "1045" || code == "1044" {
                    ScanError::Authentication(db.message().to_string())
                } else if code == "3D000" || code == "1049" {
                    ScanError::NotFound(db.message().to_string())
                } else {
                    ScanError::Unreachable(db.message().to_string())
                }
            }
            sqlx::Error::PoolTimedOut => ScanError::Unreachable("timed out while connecting".into()),
            _ => ScanError::Unreachable(err.to_string()),
        }
    }
}

/// Why a read failed, as [`ScanError::query`] tells it: a lost connection is said to be one,
/// whatever words the driver found for it (a killed session can end in a bare end of file).
trait QueryFailure: std::fmt::Display {
    fn connection_lost(&self) -> bool {
        false
    }
}

impl QueryFailure for sqlx::Error {
    fn connection_lost(&self) -> bool {
        is_connection_lost(self)
    }
}

impl QueryFailure for &str {}
impl QueryFailure for String {}
impl QueryFailure for tokio::task::JoinError {}

/// Scans the source at `url` (which may carry a password) and returns its snapshot.
pub async fn scan(url: &SourceUrl, options: &ScanOptions, progress: &dyn ScanProgress) -> Result<Snapshot, ScanError> {
    use tracing::Instrument;
    let span = tracing::info_span!("scan", source = %url.redacted(), engine = url.engine().as_str());
    async {
        let mut snapshot = match url.engine() {
            Engine::Postgres => postgres::scan(url, options, progress).await,
            Engine::Mysql => mysql::scan(url, options, progress).await,
            Engine::Sqlite => sqlite::scan(url, options, progress).await,
            Engine::Files => {
                let root = url.lake_root().ok_or_else(|| ScanError::NotFound("not a lake URL".into()))?;
                let lake = match root {
                    LakeRoot::Local(path) => files::Lake::local(path)?,
                    LakeRoot::S3 { bucket, prefix } => files::Lake::s3(bucket, prefix, &options.s3)?,
                };
                files::scan_lake(&lake, &root.name(), options, progress).await
            }
        }?;
        snapshot.enforce_limits();
        Ok(snapshot)
    }
    .instrument(span)
    .await
}

/// Whether an error means the connection to the source is gone (server stopped, network
/// dropped, session killed), as opposed to one query failing on one table.
pub(crate) fn is_connection_lost(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::PoolClosed | sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(db) => {
            // SQLSTATE class 08 (connection exception) and 57P (operator intervention:
            // terminated, shutting down); MySQL 2006/2013 (server gone away, lost connection).
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            code.starts_with("08") || code.starts_with("57P") || code == "2006" || code == "2013"
        }
        _ => false,
    }
}

/// Handles a failed sample of one dataset: a lost connection fails the scan; anything else
/// (no privilege, an odd type, a broken object) leaves only that dataset without a sample,
/// with a warning that says so.
fn sampling_failed(namespace: &str, dataset: &str, err: sqlx::Error, warnings: &mut Vec<ScanWarning>) -> Result<(), ScanError> {
    if is_connection_lost(&err) {
        return Err(ScanError::Unreachable(format!("connection lost while sampling {namespace}.{dataset}: {err}")));
    }
    tracing::warn!(namespace, dataset, error = %err, "sampling failed; dataset kept without a sample");
    warnings.push(ScanWarning::dataset(namespace, dataset, format!("not sampled: {}", sampling_error(&err))));
    Ok(())
}

/// A sampling error as a warning may tell it.
pub(crate) fn sampling_error(err: &sqlx::Error) -> String {
    match err {
        // Data exceptions (SQLSTATE class 22) may quote the value that failed; the catalog
        // never keeps a sampled value, so only the code is kept.
        sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("22")) => {
            format!("a value could not be read (SQLSTATE {})", db.code().unwrap_or_default())
        }
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    }
}

/// Cuts a sampled value to at most `max` characters.
/// An engine's null fraction per (namespace, dataset, column), from its statistics.
type NullFractions = std::collections::HashMap<(String, String, String), f64>;

/// Puts what the engine's statistics say of each profiled column into its profile.
fn attach_engine_stats<'a>(namespaces: impl IntoIterator<Item = (&'a String, &'a mut Vec<Dataset>)>, stats: &NullFractions) {
    if stats.is_empty() {
        return;
    }
    for (ns, datasets) in namespaces {
        for d in datasets.iter_mut() {
            for c in &mut d.columns {
                if let (Some(p), Some(f)) = (c.profile.as_mut(), stats.get(&(ns.clone(), d.name.clone(), c.name.clone()))) {
                    p.engine = Some(profile::EngineStats { null_fraction: f.clamp(0.0, 1.0), min: None, max: None });
                }
            }
        }
    }
}

fn truncate_value(mut s: String, max: usize) -> String {
    if let Some((idx, _)) = s.char_indices().nth(max) {
        s.truncate(idx);
    }
    s
}

/// Quotes an identifier with double quotes (PostgreSQL, SQLite).
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes an identifier with backticks (MySQL).
fn quote_ident_mysql(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}
