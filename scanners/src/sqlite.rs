//! SQLite scanner: sqlite_schema and the table-valued pragmas, read-only.

use crate::sample;
use crate::sqlite_ddl;
use crate::types::sqlite_family;
use crate::{
    quote_ident, Column, Dataset, DatasetKind, Engine, ForeignKey, Namespace, SampleMethod, ScanError, ScanOptions, ScanProgress,
    ScanWarning, Snapshot, SourceUrl,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{ConnectOptions, Connection, Row};
use std::collections::HashMap;

fn text(row: &SqliteRow, idx: usize) -> Result<Option<String>, sqlx::Error> {
    let bytes: Option<Vec<u8>> = row.try_get_unchecked(idx)?;
    Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

pub(crate) async fn scan(url: &SourceUrl, options: &ScanOptions, progress: &dyn ScanProgress) -> Result<Snapshot, ScanError> {
    progress.phase("opening", None);
    let path = url.file_path().ok_or_else(|| ScanError::Unreachable("not an SQLite URL".into()))?;
    if !path.is_file() {
        return Err(ScanError::NotFound(format!("no SQLite file at {}", path.display())));
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false)
        .log_statements(tracing::log::LevelFilter::Trace)
        .connect()
        .await
        .map_err(|e| ScanError::Unreachable(format!("cannot open {}: {e}", path.display())))?;

    let version: String =
        sqlx::query_scalar("SELECT sqlite_version()").fetch_one(&mut conn).await.map_err(|e| ScanError::query("version", e))?;
    let objects = sqlx::query(
        "SELECT name, type, sql FROM sqlite_master
         WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
         ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    // "file is not a database" and similar land here.
    .map_err(|e| ScanError::Unreachable(format!("cannot read {}: {e}", path.display())))?;

    let has_stats: bool = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| ScanError::query("statistics", e))?
        > 0;

    // Which tables are virtual or WITHOUT ROWID (their keys and row counts follow other rules).
    // Older SQLite builds lack this pragma: then both are read from the DDL text.
    let table_list: HashMap<String, (String, bool)> = sqlx::query("SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main'")
        .fetch_all(&mut conn)
        .await
        .map(|rows| rows.iter().filter_map(|r| Some((text(r, 0).ok()??, (text(r, 1).ok()??, r.try_get::<i64, _>(2).ok()? != 0)))).collect())
        .unwrap_or_default();

    progress.phase("reading schema", Some(objects.len() as u64));
    let mut datasets = Vec::with_capacity(objects.len());
    let mut warnings = Vec::new();
    for obj in &objects {
        let get = |e: sqlx::Error| ScanError::query("schema", e);
        let name = text(obj, 0).map_err(get)?.unwrap_or_default();
        let kind = if text(obj, 1).map_err(get)?.as_deref() == Some("view") { DatasetKind::View } else { DatasetKind::Table };
        let sql = text(obj, 2).map_err(get)?.unwrap_or_default();
        let shape = match table_list.get(&name) {
            Some((t, wr)) => TableShape { is_virtual: t == "virtual", without_rowid: *wr },
            None => TableShape::from_ddl(&sql),
        };
        // Virtual tables (fts5 and friends) expose shadow tables; keep them, they are real data.
        match read_dataset(&mut conn, &name, kind, &sql, shape, has_stats).await {
            Ok(dataset) => datasets.push(dataset),
            Err(ObjectError::Broken(reason)) => {
                // A view over a dropped column, a virtual table whose module is not loaded:
                // kept with what is known, named in a warning, and the scan goes on.
                warnings.push(ScanWarning::dataset("main", &name, format!("could not read its columns: {reason}")));
                datasets.push(unreadable_dataset(&name, kind, &sql));
            }
            Err(ObjectError::Scan(e)) => return Err(e),
        }
        progress.advance(1);
    }

    if options.sample_rows > 0 {
        let total = datasets.iter().filter(|d| d.kind.holds_rows()).count();
        progress.phase("sampling values", Some(total as u64));
        for dataset in datasets.iter_mut().filter(|d| d.kind.holds_rows()) {
            match sample_dataset(&mut conn, dataset, options).await {
                Ok(more) => warnings.extend(more),
                Err(e) => crate::sampling_failed("main", &dataset.name, e, &mut warnings)?,
            }
            progress.advance(1);
        }
    }
    let _ = conn.close().await;

    Ok(Snapshot {
        engine: Engine::Sqlite,
        database: url.database_name().unwrap_or_else(|| "main".into()),
        server_version: Some(version),
        namespaces: vec![Namespace { name: "main".into(), datasets }],
        warnings,
    })
}

/// What kind of table an object is, beyond table or view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TableShape {
    is_virtual: bool,
    without_rowid: bool,
}

impl TableShape {
    /// Read from the `CREATE` text, when `pragma_table_list` is not available.
    pub(crate) fn from_ddl(sql: &str) -> TableShape {
        let upper = sql.to_ascii_uppercase();
        let words: Vec<&str> = upper.split_whitespace().collect();
        TableShape {
            is_virtual: words.get(1) == Some(&"VIRTUAL"),
            // `WITHOUT ROWID` follows the closing parenthesis of the column list.
            without_rowid: upper
                .rsplit_once(')')
                .is_some_and(|(_, tail)| tail.split_whitespace().collect::<Vec<_>>().starts_with(&["WITHOUT", "ROWID"])),
        }
    }
}

/// Why one object could not be read.
enum ObjectError {
    /// The object itself is broken (SQLITE_ERROR: a missing table, column or module); the
    /// rest of the file reads fine.
    Broken(String),
    /// The file or the connection failed: the scan stops.
    Scan(ScanError),
}

/// Sorts a failed query on one object: SQLITE_ERROR (code 1) means the object's own
/// definition does not hold; busy, locked, I/O or corruption errors fail the scan, so a
/// passing problem never empties a dataset the catalog knows.
fn object_error(what: String) -> impl Fn(sqlx::Error) -> ObjectError {
    move |e: sqlx::Error| match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("1") => ObjectError::Broken(db.message().to_string()),
        _ => ObjectError::Scan(ScanError::query(what.clone(), e)),
    }
}

/// An object whose columns could not be read: its name and kind, and a view's SQL.
fn unreadable_dataset(name: &str, kind: DatasetKind, sql: &str) -> Dataset {
    Dataset {
        name: name.to_string(),
        kind,
        comment: None,
        row_estimate: None,
        owner: None,
        view_definition: (kind == DatasetKind::View).then(|| sqlite_ddl::view_query(sql)),
        columns: Vec::new(),
        foreign_keys: Vec::new(),
        partitions: Vec::new(),
        files: None,
        sample: None,
    }
}

async fn read_dataset(
    conn: &mut SqliteConnection,
    name: &str,
    kind: DatasetKind,
    sql: &str,
    shape: TableShape,
    has_stats: bool,
) -> Result<Dataset, ObjectError> {
    let what = |w: &str| format!("{w} of {name}");
    let ddl = if kind == DatasetKind::Table { sqlite_ddl::comments(sql) } else { Default::default() };

    let info = sqlx::query("SELECT cid, name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?)")
        .bind(name)
        .fetch_all(&mut *conn)
        .await
        .map_err(object_error(what("columns")))?;
    let mut columns = Vec::with_capacity(info.len());
    let mut pk_count = 0;
    for row in &info {
        let get = object_error(what("columns"));
        let hidden: i64 = row.try_get(6).map_err(&get)?;
        if hidden == 1 {
            continue; // hidden columns of virtual tables
        }
        let col_name = text(row, 1).map_err(&get)?.unwrap_or_default();
        let declared = text(row, 2).map_err(&get)?.unwrap_or_default();
        let not_null: i64 = row.try_get(3).map_err(&get)?;
        let pk: i64 = row.try_get(5).map_err(&get)?;
        if pk > 0 {
            pk_count += 1;
        }
        columns.push(Column {
            ordinal: columns.len() as i32 + 1,
            type_family: sqlite_family(&declared),
            data_type: declared,
            // Decided below: a key column may hold NULL in SQLite unless it is the rowid.
            nullable: not_null == 0,
            default: text(row, 4).map_err(&get)?,
            primary_key: pk > 0,
            unique: false,
            comment: ddl.columns.get(&col_name).cloned(),
            name: col_name,
            sample_values: Vec::new(),
            profile: None,
        });
    }
    if pk_count == 1 {
        for c in columns.iter_mut().filter(|c| c.primary_key) {
            c.unique = true;
        }
    }
    // SQLite lets a PRIMARY KEY column hold NULL (a long-kept bug, see "CREATE TABLE" in its
    // documentation) except the rowid alias (a lone key column declared exactly INTEGER)
    // and the keys of WITHOUT ROWID tables.
    for c in columns.iter_mut().filter(|c| c.primary_key) {
        let rowid_alias = pk_count == 1 && c.data_type.eq_ignore_ascii_case("integer");
        if rowid_alias || shape.without_rowid {
            c.nullable = false;
        }
    }

    let mut foreign_keys = Vec::new();
    if kind == DatasetKind::Table {
        let indexes = sqlx::query("SELECT name, \"unique\" FROM pragma_index_list(?)")
            .bind(name)
            .fetch_all(&mut *conn)
            .await
            .map_err(object_error(what("indexes")))?;
        for idx in &indexes {
            let get = object_error(what("indexes"));
            let unique: i64 = idx.try_get(1).map_err(&get)?;
            if unique == 0 {
                continue;
            }
            let idx_name = text(idx, 0).map_err(&get)?.unwrap_or_default();
            let cols: Vec<Option<String>> = sqlx::query("SELECT name FROM pragma_index_info(?)")
                .bind(&idx_name)
                .fetch_all(&mut *conn)
                .await
                .map_err(object_error(what("index columns")))?
                .iter()
                .map(|r| text(r, 0))
                .collect::<Result<_, _>>()
                .map_err(object_error(what("index columns")))?;
            if let [Some(col)] = cols.as_slice() {
                if let Some(c) = columns.iter_mut().find(|c| &c.name == col) {
                    c.unique = true;
                }
            }
        }

        let fk_rows = sqlx::query("SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq")
            .bind(name)
            .fetch_all(&mut *conn)
            .await
            .map_err(object_error(what("foreign keys")))?;
        let mut current_id = None;
        for row in &fk_rows {
            let get = object_error(what("foreign keys"));
            let id: i64 = row.try_get(0).map_err(&get)?;
            let target = text(row, 2).map_err(&get)?.unwrap_or_default();
            let from = text(row, 3).map_err(&get)?.unwrap_or_default();
            let to = text(row, 4).map_err(&get)?;
            if current_id != Some(id) {
                current_id = Some(id);
                foreign_keys.push(ForeignKey {
                    name: None,
                    columns: Vec::new(),
                    referenced_namespace: "main".into(),
                    referenced_dataset: target.clone(),
                    referenced_columns: Vec::new(),
                });
            }
            if let Some(fk) = foreign_keys.last_mut() {
                fk.columns.push(from);
                if let Some(to) = to {
                    fk.referenced_columns.push(to);
                }
            }
        }
        // `REFERENCES parent` without columns means the parent's primary key.
        for fk in foreign_keys.iter_mut().filter(|fk| fk.referenced_columns.is_empty()) {
            let pk: Vec<String> = sqlx::query("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk")
                .bind(&fk.referenced_dataset)
                .fetch_all(&mut *conn)
                .await
                .map_err(object_error(what("referenced key")))?
                .iter()
                .filter_map(|r| text(r, 0).ok().flatten())
                .collect();
            fk.referenced_columns = pk;
        }
        // SQLite keeps no constraint names; name them by position for stable identity.
        let mut sorted = foreign_keys;
        sorted.sort_by(|a, b| (&a.columns, &a.referenced_dataset).cmp(&(&b.columns, &b.referenced_dataset)));
        foreign_keys = sorted;
        for fk in foreign_keys.iter_mut() {
            fk.name = Some(format!("fk_{}_{}", name, fk.columns.join("_")));
        }
    }

    let row_estimate = if kind == DatasetKind::Table { estimate_rows(conn, name, shape, has_stats).await } else { None };

    Ok(Dataset {
        name: name.to_string(),
        kind,
        comment: ddl.table,
        row_estimate,
        owner: None,
        view_definition: (kind == DatasetKind::View).then(|| sqlite_ddl::view_query(sql)),
        columns,
        foreign_keys,
        partitions: Vec::new(),
        files: None,
        sample: None,
    })
}

/// Rows counted exactly up to this many when the rowid cannot stand for the count.
const COUNTED_ROWS: i64 = 1_000_000;

/// sqlite_stat1 when ANALYZE ran; otherwise the largest rowid, read from the b-tree's end.
/// Virtual tables report made-up rowids (an fts table of 3 rows gave 137 billion) and WITHOUT
/// ROWID tables have none: both are counted, up to [`COUNTED_ROWS`].
async fn estimate_rows(conn: &mut SqliteConnection, name: &str, shape: TableShape, has_stats: bool) -> Option<i64> {
    if has_stats {
        let stat: Option<String> = sqlx::query_scalar("SELECT stat FROM sqlite_stat1 WHERE tbl = ? AND idx IS NULL")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await
            .ok()
            .flatten();
        if let Some(n) = stat.and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok())) {
            return Some(n);
        }
    }
    if shape.is_virtual || shape.without_rowid {
        let sql = format!("SELECT count(*) FROM (SELECT 1 FROM {} LIMIT {COUNTED_ROWS})", quote_ident(name));
        return sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *conn).await.ok();
    }
    let sql = format!("SELECT max(rowid) FROM {}", quote_ident(name));
    sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *conn).await.ok().map(|v| v.unwrap_or(0))
}

async fn sample_dataset(
    conn: &mut SqliteConnection,
    dataset: &mut Dataset,
    options: &ScanOptions,
) -> Result<Vec<crate::ScanWarning>, sqlx::Error> {
    let as_text = |c: &Column| format!("CAST({} AS TEXT)", quote_ident(&c.name));
    // Values are cut in SQL, so a table of huge cells never reaches memory whole.
    let max = options.max_value_chars.max(1);
    let select_list =
        dataset.columns.iter().map(|c| format!("substr(CAST({} AS TEXT), 1, {max})", quote_ident(&c.name))).collect::<Vec<_>>().join(", ");
    let table = quote_ident(&dataset.name);
    let n = options.rows_to_read();
    // SQLite has no hash function: the key (the whole row without one) is read with each
    // row and hashed here, keeping the rows with the smallest hash, one row in memory at a time.
    let keys: Vec<String> = dataset.columns.iter().filter(|c| c.primary_key).map(as_text).collect();
    let (method, key_list, key_columns) = if keys.is_empty() {
        (SampleMethod::RowHash, select_list.clone(), dataset.columns.len())
    } else {
        (SampleMethod::KeyHash, keys.join(", "), keys.len())
    };
    let mut attempts = Vec::new();
    if sample::hash_every_row(dataset, options) {
        attempts.push(sample::Attempt {
            method,
            sql: format!("SELECT {key_list}, {select_list} FROM {table}"),
            complete: true,
            key_columns,
            by_columns: None,
        });
    }
    // A window of rows starting at a random rowid: a b-tree seek, not a scan.
    attempts.push(sample::Attempt::random(
        SampleMethod::RandomKeyWindow,
        format!("SELECT {select_list} FROM {table} WHERE rowid >= abs(random()) % (SELECT max(rowid) FROM {table}) LIMIT {n}"),
    ));
    sample::take(conn, "main", dataset, options, &select_list, &table, attempts).await
}

impl sample::SampleSource for SqliteConnection {
    type Row = SqliteRow;

    async fn fetch(&mut self, sql: String) -> Result<Vec<Self::Row>, sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self).await
    }

    async fn fetch_smallest(&mut self, sql: String, key_columns: usize, n: usize) -> Result<Vec<Self::Row>, sqlx::Error> {
        use futures_util::TryStreamExt;
        let mut kept = sample::Smallest::new(n);
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(self);
        while let Some(row) = rows.try_next().await? {
            let key: Vec<Option<String>> = (0..key_columns).map(|i| text(&row, i)).collect::<Result<_, _>>()?;
            kept.offer(sample::key_hash(key.iter().map(Option::as_deref)), row);
        }
        Ok(kept.into_sorted())
    }

    fn text(row: &Self::Row, i: usize) -> Result<Option<String>, sqlx::Error> {
        text(row, i)
    }
}
