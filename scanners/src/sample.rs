//! Sampling a table's values, the same way on every engine: the engine offers its ways to read
//! a random part of a large table (PostgreSQL's `TABLESAMPLE`, a random key window), tried in
//! order, and the first rows as the fallback that always stops early. A way that fails, or
//! comes back with fewer than half the rows wanted, gives way to the next. The sample is cut to at most
//! `max_value_chars` per value and lives only in memory.

use crate::{Dataset, SampleInfo, SampleMethod, ScanOptions};
use std::future::Future;

/// An engine's connection, as sampling uses it: run a query, read a value as text.
pub(crate) trait SampleSource {
    type Row;
    /// Runs a query and returns its rows.
    fn fetch(&mut self, sql: String) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send;
    /// Column `i` of a row as text.
    fn text(row: &Self::Row, i: usize) -> Result<Option<String>, sqlx::Error>;
}

/// One way to read a sample: its method and the query.
pub(crate) struct Attempt {
    pub method: SampleMethod,
    pub sql: String,
}

/// Samples `dataset` over `conn` with `random` ways first (for tables above
/// `large_table_rows`), then its first rows; `select_list` and `table` are quoted for the engine.
pub(crate) async fn take<S: SampleSource>(
    conn: &mut S,
    dataset: &mut Dataset,
    options: &ScanOptions,
    select_list: &str,
    table: &str,
    random: Vec<Attempt>,
) -> Result<(), sqlx::Error> {
    if dataset.columns.is_empty() {
        return Ok(());
    }
    let n = options.sample_rows;
    let large = dataset.row_estimate.unwrap_or(0) > options.large_table_rows;
    let first_rows = Attempt { method: SampleMethod::Limit, sql: format!("SELECT {select_list} FROM {table} LIMIT {n}") };
    let attempts = if large { random } else { Vec::new() }.into_iter().chain([first_rows]);
    let mut taken = None;
    for attempt in attempts {
        let last = attempt.method == SampleMethod::Limit;
        let rows = match conn.fetch(attempt.sql).await {
            Ok(rows) => rows,
            // A random way the table does not allow (a WITHOUT ROWID table, a view of a
            // foreign server): the first rows still can, and their error is the one told.
            Err(e) if !last => {
                tracing::debug!(dataset = %dataset.name, error = %e, "random sample refused; reading the first rows");
                continue;
            }
            Err(e) => return Err(e),
        };
        let enough = rows.len() >= (n as usize) / 2 || last;
        taken = Some((attempt.method, rows));
        if enough {
            break;
        }
    }
    let Some((method, rows)) = taken else { return Ok(()) };
    for (i, col) in dataset.columns.iter_mut().enumerate() {
        col.sample_values = rows
            .iter()
            .map(|row| S::text(row, i).map(|v| v.map(|s| crate::truncate_value(s, options.max_value_chars))))
            .collect::<Result<_, _>>()?;
    }
    dataset.sample = Some(SampleInfo { method, rows: rows.len() });
    Ok(())
}
