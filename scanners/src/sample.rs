//! Sampling a table's values, the same way on every engine, so that two scans of unchanged
//! data read the same rows and a change shows row for row.
//!
//! The rows read are those with the smallest hash of their primary key (a "bottom-k" sample):
//! a uniform sample of the table that does not depend on where rows lie on disk, so a
//! reorder, a `VACUUM FULL` or an `OPTIMIZE` reads the same rows again, and appending rows
//! replaces only the few whose hash falls below the cut. A table without a primary key is
//! sampled by a hash of the whole row: unchanged rows are found again, but a row whose values
//! change leaves the sample, so only large changes (units) show there. Above
//! [`ScanOptions::hash_sample_max_rows`] hashing every row costs too much: the engine's own
//! random method is used instead (PostgreSQL `TABLESAMPLE ... REPEATABLE`, a random key
//! window elsewhere), and its samples are not comparable row for row.
//!
//! The rows are profiled here, at once (aggregates only: see [`crate::profile`]); only the
//! first [`ScanOptions::sample_rows`] values of each column, themselves a uniform sample, are
//! kept for classification. Values are cut to `max_value_chars` and live only in memory.

use crate::contain::contained;
use crate::profile::{self, Profile};
use crate::{Dataset, SampleInfo, SampleMethod, ScanOptions, ScanWarning};
use std::collections::BinaryHeap;
use std::future::Future;

/// An engine's connection, as sampling uses it: run a query, read a value as text.
pub(crate) trait SampleSource {
    type Row: Send + 'static;
    /// Runs a query and returns its rows.
    fn fetch(&mut self, sql: String) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send;
    /// Runs a query whose first `key_columns` columns are the hash input, and returns the `n`
    /// rows with the smallest hash, in hash order, reading the rows one at a time. For
    /// engines without a usable hash function in SQL (SQLite).
    fn fetch_smallest(
        &mut self,
        sql: String,
        key_columns: usize,
        n: usize,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send {
        let _ = (sql, key_columns, n);
        async { Err(sqlx::Error::Protocol("this engine hashes in SQL".into())) }
    }
    /// Column `i` of a row as text.
    fn text(row: &Self::Row, i: usize) -> Result<Option<String>, sqlx::Error>;
    /// Splits a row read as one text in the engine's record syntax into its values; `None`
    /// when the text is not one whole record (cut short by the query's length limit).
    fn split_record(text: &str) -> Option<Vec<Option<String>>> {
        let _ = text;
        None
    }
}

/// An engine's connection that samples one dataset (its own queries, then [`take`]).
pub(crate) trait SampleDataset: Send {
    fn sample_dataset<'a>(
        &'a mut self,
        namespace: &'a str,
        dataset: &'a mut Dataset,
        options: &'a ScanOptions,
    ) -> impl Future<Output = Result<Vec<ScanWarning>, sqlx::Error>> + Send + 'a;
}

/// One way to read a sample: its method and the query. The query returns the select list
/// (after `key_columns` hash-input columns when the rows are hashed here) in sample order.
pub(crate) struct Attempt {
    pub method: SampleMethod,
    pub sql: String,
    /// The query ranks the whole table: whatever number of rows it returns is the sample.
    pub complete: bool,
    /// When non-zero, the rows come unordered with this many key columns first, and the
    /// `n` with the smallest hash are kept here.
    pub key_columns: usize,
    /// When set, `sql` returns each row as one text in the engine's record syntax (one value
    /// to convert and send per row instead of one per column), and this query returns the
    /// same rows one column per value; it runs when a record comes back cut short.
    pub by_columns: Option<String>,
}

impl Attempt {
    /// A query that ranks every row in SQL.
    pub fn ranked(method: SampleMethod, sql: String) -> Attempt {
        Attempt { method, sql, complete: true, key_columns: 0, by_columns: None }
    }

    /// A random draw that may come back short.
    pub fn random(method: SampleMethod, sql: String) -> Attempt {
        Attempt { method, sql, complete: false, key_columns: 0, by_columns: None }
    }

    /// The same attempt reading rows as records with `sql`, and by columns with its own query
    /// when a record is too long to come back whole.
    pub fn by_records(self, sql: String) -> Attempt {
        Attempt { by_columns: Some(self.sql), sql, ..self }
    }
}

/// Whether a table of this estimated size is sampled by hashing every row.
pub(crate) fn hash_every_row(dataset: &Dataset, options: &ScanOptions) -> bool {
    // 0 turns hashing off; a table whose size the engine does not know (never analyzed) is
    // hashed, within the statement timeout (a timeout falls back to the random method).
    options.hash_sample_max_rows > 0 && dataset.row_estimate.unwrap_or(0) <= options.hash_sample_max_rows
}

/// The 64-bit hash the rows of engines without one in SQL are ranked by: FNV-1a over the key
/// columns' text (each preceded by its length, a null marked apart), then the SplitMix64
/// finalizer so that neighbouring keys land far apart. Fixed forever: changing it changes
/// every sample.
pub(crate) fn key_hash<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for part in parts {
        match part {
            Some(s) => {
                eat(&(s.len() as u64).to_le_bytes());
                eat(s.as_bytes());
            }
            None => eat(&[0xff; 8]),
        }
    }
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Keeps the `n` smallest-hash rows of a stream, in hash order (ties by arrival).
pub(crate) struct Smallest<R> {
    n: usize,
    seen: u64,
    heap: BinaryHeap<Ranked<R>>,
}

struct Ranked<R> {
    hash: u64,
    order: u64,
    row: R,
}

impl<R> PartialEq for Ranked<R> {
    fn eq(&self, other: &Self) -> bool {
        (self.hash, self.order) == (other.hash, other.order)
    }
}
impl<R> Eq for Ranked<R> {}
impl<R> PartialOrd for Ranked<R> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<R> Ord for Ranked<R> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.hash, self.order).cmp(&(other.hash, other.order))
    }
}

impl<R> Smallest<R> {
    pub fn new(n: usize) -> Self {
        Smallest { n, seen: 0, heap: BinaryHeap::with_capacity(n + 1) }
    }

    /// Offers a row with its hash.
    pub fn offer(&mut self, hash: u64, row: R) {
        self.seen += 1;
        if self.n == 0 {
            return;
        }
        if self.heap.len() < self.n {
            self.heap.push(Ranked { hash, order: self.seen, row });
        } else if self.heap.peek().is_some_and(|top| hash < top.hash) {
            self.heap.pop();
            self.heap.push(Ranked { hash, order: self.seen, row });
        }
    }

    /// The rows kept, smallest hash first.
    pub fn into_sorted(self) -> Vec<R> {
        self.heap.into_sorted_vec().into_iter().map(|r| r.row).collect()
    }
}

/// Samples `dataset` over `conn` with the `attempts` in order, then its first rows as the
/// fallback that always stops early; profiles the rows read and keeps the classification
/// sample. Returns warnings for columns whose profile failed.
pub(crate) async fn take<S: SampleSource>(
    conn: &mut S,
    namespace: &str,
    dataset: &mut Dataset,
    options: &ScanOptions,
    select_list: &str,
    table: &str,
    attempts: Vec<Attempt>,
) -> Result<Vec<ScanWarning>, sqlx::Error> {
    if dataset.columns.is_empty() {
        return Ok(Vec::new());
    }
    let n = options.rows_to_read();
    let first_rows = Attempt::random(SampleMethod::Limit, format!("SELECT {select_list} FROM {table} LIMIT {n}"));
    let mut taken = None;
    let mut warnings = Vec::new();
    for attempt in attempts.into_iter().chain([first_rows]) {
        let last = attempt.method == SampleMethod::Limit;
        let values = match read_values(conn, &attempt, dataset.columns.len(), n as usize, options.max_value_chars).await {
            Ok(values) => values,
            // A way the table does not allow (no hash function on an old server, a view of a
            // foreign server): the first rows still can, and their error is the one told.
            Err(e) if !last && !crate::is_connection_lost(&e) => {
                tracing::debug!(dataset = %dataset.name, error = %e, "sampling refused; trying the next way");
                if attempt.method.row_for_row() {
                    warnings.push(ScanWarning::dataset(
                        namespace,
                        &dataset.name,
                        format!("the sample by hash could not be read ({}); a random sample was read instead, so drift is compared only with samples read the same way", crate::sampling_error(&e)),
                    ));
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        let read = values.first().map_or(0, Vec::len);
        let enough = attempt.complete || read >= (n as usize) / 2 || last;
        taken = Some((attempt.method, values));
        if enough {
            break;
        }
    }
    let Some((method, values)) = taken else { return Ok(Vec::new()) };
    // Keys are unique by construction: duplicates are judged on the other columns.
    let keyless: Vec<bool> = dataset.columns.iter().map(|c| !c.primary_key && !c.unique).collect();
    let profiled = tokio::task::spawn_blocking(move || profile_values(values, keyless, method))
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("profiling stopped: {e}")))?;
    warnings.extend(keep(namespace, dataset, profiled, options));
    Ok(warnings)
}

/// Runs one attempt and returns its values column by column, each cut to `max_chars`.
async fn read_values<S: SampleSource>(
    conn: &mut S,
    attempt: &Attempt,
    columns: usize,
    n: usize,
    max_chars: usize,
) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
    let skip = attempt.key_columns;
    let fetched = fetch_rows(conn, attempt.sql.clone(), skip, n).await;
    let Some(by_columns) = &attempt.by_columns else { return by_column::<S>(&fetched?, skip, columns, max_chars) };
    match fetched {
        Ok(rows) => {
            if let Some(values) = by_record::<S>(&rows, skip, columns, max_chars)? {
                return Ok(values);
            }
            // A row longer than the record limit (or not read as expected).
            tracing::debug!("a sampled row did not come back as one whole record; reading it by columns");
        }
        // The server could not build a row's record (one over its 1 GB string limit, say) or
        // the cut one did not decode: the values cut one by one may still come. A lost
        // connection or a statement cancelled at its timeout would only fail again.
        Err(e) if !crate::is_connection_lost(&e) && !is_cancelled(&e) => {
            tracing::debug!(error = %e, "a sampled row could not be read as one record; reading it by columns");
        }
        Err(e) => return Err(e),
    }
    // The same rows again, one value per column, each cut in SQL.
    let rows = fetch_rows(conn, by_columns.clone(), skip, n).await?;
    by_column::<S>(&rows, skip, columns, max_chars)
}

/// A statement the server cancelled (SQLSTATE 57014: the statement timeout, or a user's
/// cancel request).
fn is_cancelled(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("57014"))
}

async fn fetch_rows<S: SampleSource>(conn: &mut S, sql: String, key_columns: usize, n: usize) -> Result<Vec<S::Row>, sqlx::Error> {
    if key_columns > 0 {
        conn.fetch_smallest(sql, key_columns, n).await
    } else {
        conn.fetch(sql).await
    }
}

/// The values of `columns` columns after `skip`, one per column of each row.
fn by_column<S: SampleSource>(
    rows: &[S::Row],
    skip: usize,
    columns: usize,
    max_chars: usize,
) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
    (0..columns)
        .map(|i| rows.iter().map(|row| S::text(row, skip + i).map(|v| v.map(|s| crate::truncate_value(s, max_chars)))).collect())
        .collect()
}

/// The values of rows read as one record each (the column after `skip`), or `None` when a
/// record is not whole or does not hold `columns` values.
fn by_record<S: SampleSource>(
    rows: &[S::Row],
    skip: usize,
    columns: usize,
    max_chars: usize,
) -> Result<Option<Vec<Vec<Option<String>>>>, sqlx::Error> {
    let mut values: Vec<Vec<Option<String>>> = (0..columns).map(|_| Vec::with_capacity(rows.len())).collect();
    for row in rows {
        let Some(text) = S::text(row, skip)? else { return Ok(None) };
        let Some(fields) = S::split_record(&text) else { return Ok(None) };
        if fields.len() != columns {
            return Ok(None);
        }
        for (column, value) in values.iter_mut().zip(fields) {
            column.push(value.map(|s| crate::truncate_value(s, max_chars)));
        }
    }
    Ok(Some(values))
}

/// A dataset's sampled values with their profiles, before they are kept.
pub(crate) struct Profiled {
    method: SampleMethod,
    profiles: Vec<Option<Profile>>,
    duplicate_share: Option<f64>,
    values: Vec<Vec<Option<String>>>,
}

/// Profiles every column's values (CPU work: run it off the async threads). `keyless` says
/// which columns count when rows are compared for duplicates.
pub(crate) fn profile_values(values: Vec<Vec<Option<String>>>, keyless: Vec<bool>, method: SampleMethod) -> Profiled {
    let profiles: Vec<Option<Profile>> =
        values.iter().map(|v| contained(|| profile::profile(v)).ok().map(|p| Profile { method: Some(method), ..p })).collect();
    let others: Vec<&[Option<String>]> = values.iter().zip(&keyless).filter(|(_, k)| **k).map(|(v, _)| v.as_slice()).collect();
    let duplicate_share = contained(|| profile::duplicate_share(&others)).ok().flatten();
    Profiled { method, profiles, duplicate_share, values }
}

/// Puts the profiles and the first `sample_rows` values of each column into `dataset`.
pub(crate) fn keep(namespace: &str, dataset: &mut Dataset, profiled: Profiled, options: &ScanOptions) -> Vec<ScanWarning> {
    let mut warnings = Vec::new();
    let read = profiled.values.first().map_or(0, Vec::len);
    let keep = options.sample_rows as usize;
    for ((col, mut v), p) in dataset.columns.iter_mut().zip(profiled.values).zip(profiled.profiles) {
        if p.is_none() {
            warnings.push(ScanWarning::column(namespace, &dataset.name, &col.name, "not profiled: internal error".to_string()));
        }
        col.profile = p;
        v.truncate(keep);
        col.sample_values = v;
    }
    dataset.sample = Some(SampleInfo { method: profiled.method, rows: read, duplicate_share: profiled.duplicate_share });
    warnings
}

/// Samples `jobs` over `first`, the connections `opened` already, and as many more from
/// `open` as [`ScanOptions::sampling_connections`] allows, opened side by side; one that
/// cannot be opened (the server's connection limit) only means fewer at once. The others are
/// closed after; `first` comes back with the outcome.
pub(crate) async fn sample_with_connections<C, F>(
    first: C,
    opened: Vec<C>,
    open: impl Fn() -> F,
    jobs: Vec<(&str, &mut Dataset)>,
    progress: &dyn crate::ScanProgress,
    options: &ScanOptions,
) -> (C, Result<Vec<ScanWarning>, crate::ScanError>)
where
    C: SampleDataset + sqlx::Connection,
    F: Future<Output = Result<C, crate::ScanError>>,
{
    let wanted = options.sampling_connections(jobs.len());
    let mut connections = vec![first];
    let mut opened = opened.into_iter();
    connections.extend(opened.by_ref().take(wanted - 1));
    for surplus in opened {
        let _ = surplus.close().await;
    }
    let more = futures_util::future::join_all((connections.len()..wanted).map(|_| open())).await;
    connections.extend(more.into_iter().filter_map(Result::ok));
    let sampled = sample_concurrently(&mut connections, jobs, progress, options).await;
    let mut opened = connections.into_iter();
    let first = opened.next().expect("the first connection stays in the list");
    for other in opened {
        let _ = other.close().await;
    }
    (first, sampled)
}

/// Samples `jobs` (a namespace and a dataset each) over `connections`, each connection taking
/// the next dataset from one shared queue as soon as it is free, so that the source sees at
/// most `connections.len()` queries at once. Warnings come back in the order of `jobs`,
/// whatever order the datasets finished in. A lost connection stops every worker and fails
/// the scan; anything else costs only the one dataset its sample.
async fn sample_concurrently<C: SampleDataset>(
    connections: &mut [C],
    jobs: Vec<(&str, &mut Dataset)>,
    progress: &dyn crate::ScanProgress,
    options: &ScanOptions,
) -> Result<Vec<ScanWarning>, crate::ScanError> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    let count = jobs.len();
    let queue = Mutex::new(jobs.into_iter().enumerate());
    let stop = AtomicBool::new(false);
    let workers = connections.iter_mut().map(|conn| {
        let (queue, stop) = (&queue, &stop);
        async move {
            let mut done: Vec<(usize, Vec<ScanWarning>)> = Vec::new();
            loop {
                if stop.load(Ordering::Relaxed) {
                    return Ok(done);
                }
                let next = queue.lock().map_err(|_| crate::ScanError::query("a sample", "the sampling queue broke"))?.next();
                let Some((index, (namespace, dataset))) = next else { return Ok(done) };
                let mut warnings = Vec::new();
                match conn.sample_dataset(namespace, dataset, options).await {
                    Ok(more) => warnings = more,
                    Err(err) => {
                        if let Err(lost) = crate::sampling_failed(namespace, &dataset.name, err, &mut warnings) {
                            stop.store(true, Ordering::Relaxed);
                            return Err(lost);
                        }
                    }
                }
                done.push((index, warnings));
                progress.advance(1);
            }
        }
    });
    let mut by_job: Vec<Vec<ScanWarning>> = vec![Vec::new(); count];
    for worker in futures_util::future::join_all(workers).await {
        for (index, warnings) in worker? {
            by_job[index] = warnings;
        }
    }
    Ok(by_job.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_fixed_and_spreads_neighbouring_keys() {
        assert_eq!(key_hash([Some("1")]), key_hash([Some("1")]));
        assert_ne!(key_hash([Some("1")]), key_hash([Some("2")]));
        assert_ne!(key_hash([Some("ab"), Some("c")]), key_hash([Some("a"), Some("bc")]));
        assert_ne!(key_hash([None]), key_hash([Some("")]));
        // The 1,000 smallest of 100,000 sequential keys are spread over the whole range.
        let mut s = Smallest::new(1000);
        for k in 0..100_000u32 {
            s.offer(key_hash([Some(k.to_string().as_str())]), k);
        }
        let kept = s.into_sorted();
        assert_eq!(kept.len(), 1000);
        let below_half = kept.iter().filter(|k| **k < 50_000).count();
        assert!((400..600).contains(&below_half), "{below_half}");
    }

    #[test]
    fn the_smallest_are_kept_in_order_whatever_the_arrival_order() {
        let keys: Vec<u32> = (0..5000).collect();
        let pick = |order: &[u32]| {
            let mut s = Smallest::new(50);
            for k in order {
                s.offer(key_hash([Some(k.to_string().as_str())]), *k);
            }
            s.into_sorted()
        };
        let forward = pick(&keys);
        let mut shuffled = keys.clone();
        fastrand::Rng::with_seed(3).shuffle(&mut shuffled);
        assert_eq!(forward, pick(&shuffled));
        // Appending 1% more keys changes about 1% of the sample.
        let mut grown = keys.clone();
        grown.extend(5000..5050);
        let after = pick(&grown);
        let kept = after.iter().filter(|k| forward.contains(k)).count();
        assert!(kept >= 45, "{kept} of 50 kept");
    }
}
