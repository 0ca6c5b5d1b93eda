//! PostgreSQL scanner: the whole catalog in a handful of set-based queries over pg_catalog.

use crate::sample;
use crate::types::postgres_family;
use crate::{
    attach_engine_stats, quote_ident, Column, Dataset, DatasetKind, Engine, ForeignKey, Namespace, SampleMethod, ScanError, ScanOptions,
    ScanProgress, Snapshot, SourceUrl, TypeFamily,
};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Row};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

const SYSTEM_SCHEMA_FILTER: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

const RELKINDS: &str = "c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition";

pub(crate) async fn scan(url: &SourceUrl, options: &ScanOptions, progress: &dyn ScanProgress) -> Result<Snapshot, ScanError> {
    progress.phase("connecting", None);
    let connect_options = PgConnectOptions::from_str(&url.connection_string())
        .map_err(|e| ScanError::Unreachable(format!("invalid PostgreSQL URL: {e}")))?
        .application_name("almanac-scanner")
        .log_statements(tracing::log::LevelFilter::Trace);
    let mut conn = connect(&connect_options, options).await?;

    let header = sqlx::query("SELECT current_database()::text, current_setting('server_version')")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| ScanError::query("database name", e))?;
    let database: String = header.get(0);
    let server_version: String = header.get(1);

    progress.phase("reading schema", Some(4));
    let (schema, mut helpers) = read_schema(&mut conn, &connect_options, options, progress).await?;
    let CatalogReads { relations, mut columns, constraints, unique_indexes } = schema;

    let mut fks: HashMap<i64, Vec<ForeignKey>> = HashMap::new();
    let mut pk_cols: HashSet<(i64, String)> = HashSet::new();
    let mut unique_cols: HashSet<(i64, String)> = HashSet::new();
    for c in constraints {
        match c.kind.as_str() {
            "p" => {
                if c.columns.len() == 1 {
                    unique_cols.insert((c.relid, c.columns[0].clone()));
                }
                for col in c.columns {
                    pk_cols.insert((c.relid, col));
                }
            }
            "u" if c.columns.len() == 1 => {
                unique_cols.insert((c.relid, c.columns[0].clone()));
            }
            "f" => fks.entry(c.relid).or_default().push(ForeignKey {
                name: Some(c.name),
                columns: c.columns,
                referenced_namespace: c.ref_namespace.unwrap_or_default(),
                referenced_dataset: c.ref_table.unwrap_or_default(),
                referenced_columns: c.ref_columns,
            }),
            _ => {}
        }
    }
    unique_cols.extend(unique_indexes);

    let mut namespaces: BTreeMap<String, Vec<Dataset>> = BTreeMap::new();
    let mut to_sample: Vec<(String, usize)> = Vec::new();
    for rel in relations {
        let mut cols = columns.remove(&rel.oid).unwrap_or_default();
        for col in &mut cols {
            let key = (rel.oid, col.name.clone());
            col.primary_key = pk_cols.contains(&key);
            col.unique = unique_cols.contains(&key);
        }
        let mut foreign_keys = fks.remove(&rel.oid).unwrap_or_default();
        foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        let datasets = namespaces.entry(rel.namespace.clone()).or_default();
        datasets.push(Dataset {
            name: rel.name,
            kind: rel.kind,
            comment: rel.comment,
            row_estimate: rel.row_estimate,
            view_definition: rel.view_definition.map(|v| v.trim().to_string()),
            owner: rel.owner,
            columns: cols,
            foreign_keys,
            partitions: rel.partitions,
            files: None,
            sample: None,
        });
        if options.sample_rows > 0 && rel.kind.holds_rows() && rel.can_select {
            to_sample.push((rel.namespace, datasets.len() - 1));
        }
    }

    let mut warnings = Vec::new();
    if !to_sample.is_empty() {
        progress.phase("sampling values", Some(to_sample.len() as u64));
        let wanted: HashSet<(String, usize)> = to_sample.into_iter().collect();
        let jobs: Vec<(&str, &mut Dataset)> = namespaces
            .iter_mut()
            .flat_map(|(ns, datasets)| datasets.iter_mut().enumerate().map(move |(i, d)| (ns, i, d)))
            .filter(|(ns, i, _)| wanted.contains(&((*ns).clone(), *i)))
            .map(|(ns, _, d)| (ns.as_str(), d))
            .collect();
        let opened = std::mem::take(&mut helpers);
        let (first, sampled) =
            sample::sample_with_connections(conn, opened, || connect(&connect_options, options), jobs, progress, options).await;
        conn = first;
        warnings.extend(sampled?);
    }
    if options.sample_rows > 0 {
        attach_engine_stats(namespaces.iter_mut(), &null_fractions(&mut conn).await);
    }
    for helper in helpers {
        let _ = helper.close().await;
    }
    let _ = conn.close().await;

    Ok(Snapshot {
        engine: Engine::Postgres,
        database,
        server_version: Some(server_version),
        namespaces: namespaces.into_iter().map(|(name, datasets)| Namespace { name, datasets }).collect(),
        warnings,
    })
}

/// One read-only connection whose every query is bounded by the statement timeout.
async fn connect(connect_options: &PgConnectOptions, options: &ScanOptions) -> Result<PgConnection, ScanError> {
    let mut conn = tokio::time::timeout(options.connect_timeout, connect_options.connect())
        .await
        .map_err(|_| ScanError::Unreachable("timed out while connecting".into()))?
        .map_err(ScanError::connect)?;
    let timeout_ms = options.statement_timeout.as_millis();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SET default_transaction_read_only = on; SET statement_timeout = {timeout_ms}")))
        .execute(&mut conn)
        .await
        .map_err(|e| ScanError::query("session settings", e))?;
    Ok(conn)
}

/// What the four catalog reads return.
struct CatalogReads {
    relations: Vec<Relation>,
    columns: HashMap<i64, Vec<Column>>,
    constraints: Vec<Constraint>,
    unique_indexes: Vec<(i64, String)>,
}

/// The catalog reads, most costly first.
#[derive(Clone, Copy)]
enum CatalogRead {
    Columns,
    Constraints,
    Relations,
    UniqueIndexes,
}

enum CatalogPart {
    Columns(HashMap<i64, Vec<Column>>),
    Constraints(Vec<Constraint>),
    Relations(Vec<Relation>),
    UniqueIndexes(Vec<(i64, String)>),
}

impl CatalogRead {
    async fn run(self, conn: &mut PgConnection) -> Result<CatalogPart, ScanError> {
        Ok(match self {
            CatalogRead::Columns => CatalogPart::Columns(read_columns(conn).await?),
            CatalogRead::Constraints => CatalogPart::Constraints(read_constraints(conn).await?),
            CatalogRead::Relations => CatalogPart::Relations(read_relations(conn).await?),
            CatalogRead::UniqueIndexes => CatalogPart::UniqueIndexes(read_unique_indexes(conn).await?),
        })
    }
}

/// Reads the schema: relations, columns, constraints and unique indexes, all as of one
/// snapshot (a repeatable-read transaction), so that a table created or dropped meanwhile is
/// seen whole or not at all. Up to three more connections (within `max_connections`) are
/// opened while the first one reads, take on its snapshot (`pg_export_snapshot`) and then the
/// reads still waiting; where the server cannot share a snapshot or open more connections,
/// the first one reads everything. The extra connections come back, out of their
/// transaction, for sampling.
async fn read_schema(
    conn: &mut PgConnection,
    connect_options: &PgConnectOptions,
    options: &ScanOptions,
    progress: &dyn ScanProgress,
) -> Result<(CatalogReads, Vec<PgConnection>), ScanError> {
    let reads = [CatalogRead::Columns, CatalogRead::Constraints, CatalogRead::Relations, CatalogRead::UniqueIndexes];
    let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    sqlx::raw_sql(begin).execute(&mut *conn).await.map_err(|e| ScanError::query("a snapshot of the schema", e))?;
    let extra = (options.max_connections as usize).clamp(1, reads.len()) - 1;
    let mut shared = None;
    if extra > 0 {
        // Not every server exports snapshots (Redshift does not): the reads then share one
        // connection.
        match sqlx::query_scalar::<_, String>("SELECT pg_export_snapshot()").fetch_one(&mut *conn).await {
            Ok(id) => shared = Some(format!("{begin}; SET TRANSACTION SNAPSHOT '{}'", id.replace('\'', "''"))),
            Err(e) => {
                tracing::debug!(error = %e, "no snapshot to share; the schema is read over one connection");
                // The failed statement left the transaction unusable: begin it again.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("ROLLBACK; {begin}")))
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| ScanError::query("a snapshot of the schema", e))?;
            }
        }
    }
    let queue = std::sync::Mutex::new(reads.into_iter());
    let helper = |join: String| {
        let queue = &queue;
        async move {
            let mut helper = connect(connect_options, options).await.ok()?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(join)).execute(&mut helper).await.ok()?;
            let parts = take_reads(&mut helper, queue, progress).await;
            Some((helper, parts))
        }
    };
    let helpers = futures_util::future::join_all(shared.iter().flat_map(|join| (0..extra).map(|_| helper(join.clone()))));
    let (first, helpers) = tokio::join!(take_reads(conn, &queue, progress), helpers);
    let mut parts = first?;
    let mut opened = Vec::new();
    for (helper, more) in helpers.into_iter().flatten() {
        parts.extend(more?);
        opened.push(helper);
    }
    let mut reads = CatalogReads { relations: Vec::new(), columns: HashMap::new(), constraints: Vec::new(), unique_indexes: Vec::new() };
    for part in parts {
        match part {
            CatalogPart::Columns(c) => reads.columns = c,
            CatalogPart::Constraints(c) => reads.constraints = c,
            CatalogPart::Relations(r) => reads.relations = r,
            CatalogPart::UniqueIndexes(u) => reads.unique_indexes = u,
        }
    }
    for c in std::iter::once(conn).chain(opened.iter_mut()) {
        sqlx::raw_sql("COMMIT").execute(&mut *c).await.map_err(|e| ScanError::query("the end of the schema snapshot", e))?;
    }
    Ok((reads, opened))
}

/// Takes catalog reads from `queue` until none is left, each as soon as `conn` is free.
async fn take_reads(
    conn: &mut PgConnection,
    queue: &std::sync::Mutex<std::array::IntoIter<CatalogRead, 4>>,
    progress: &dyn ScanProgress,
) -> Result<Vec<CatalogPart>, ScanError> {
    let mut parts = Vec::new();
    loop {
        let next = queue.lock().map_err(|_| ScanError::query("the schema", "the queue of catalog reads broke"))?.next();
        let Some(read) = next else { return Ok(parts) };
        parts.push(read.run(conn).await?);
        progress.advance(1);
    }
}

struct Relation {
    oid: i64,
    namespace: String,
    name: String,
    kind: DatasetKind,
    comment: Option<String>,
    row_estimate: Option<i64>,
    view_definition: Option<String>,
    partitions: Vec<String>,
    can_select: bool,
    owner: Option<String>,
}

async fn read_relations(conn: &mut PgConnection) -> Result<Vec<Relation>, ScanError> {
    let sql = format!(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text, d.description,
            CASE WHEN c.relkind = 'p' THEN
                (SELECT sum(GREATEST(p.reltuples, 0))::int8 FROM pg_inherits i
                   JOIN pg_class p ON p.oid = i.inhrelid WHERE i.inhparent = c.oid)
            WHEN c.reltuples < 0 THEN NULL
            ELSE c.reltuples::int8 END,
            CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
            CASE WHEN c.relkind = 'p' THEN
                ARRAY(SELECT p.relname::text FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
                      WHERE i.inhparent = c.oid ORDER BY p.relname) END,
            has_table_privilege(c.oid, 'SELECT'),
            pg_get_userbyid(c.relowner)::text
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_description d
           ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
         WHERE {RELKINDS} AND {SYSTEM_SCHEMA_FILTER}
         ORDER BY n.nspname, c.relname"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await.map_err(|e| ScanError::query("relations", e))?;
    rows.into_iter()
        .map(|row| {
            let relkind: String = row.try_get(3).map_err(|e| ScanError::query("relations", e))?;
            let kind = match relkind.as_str() {
                "v" => DatasetKind::View,
                "m" => DatasetKind::MaterializedView,
                "p" => DatasetKind::PartitionedTable,
                "f" => DatasetKind::ForeignTable,
                _ => DatasetKind::Table,
            };
            let get = |e: sqlx::Error| ScanError::query("relations", e);
            Ok(Relation {
                oid: row.try_get(0).map_err(get)?,
                namespace: row.try_get(1).map_err(get)?,
                name: row.try_get(2).map_err(get)?,
                kind,
                comment: row.try_get(4).map_err(get)?,
                row_estimate: row.try_get(5).map_err(get)?,
                view_definition: row.try_get(6).map_err(get)?,
                partitions: row.try_get::<Option<Vec<String>>, _>(7).map_err(get)?.unwrap_or_default(),
                can_select: row.try_get(8).map_err(get)?,
                owner: row.try_get(9).map_err(get)?,
            })
        })
        .collect()
}

async fn read_columns(conn: &mut PgConnection) -> Result<HashMap<i64, Vec<Column>>, ScanError> {
    let sql = format!(
        "SELECT a.attrelid::int8, a.attname::text, a.attnum::int4,
            format_type(a.atttypid, a.atttypmod),
            CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod)
                 ELSE format_type(a.atttypid, NULL) END,
            COALESCE(bt.typcategory, t.typcategory)::text,
            COALESCE(bt.typtype, t.typtype) = 'e',
            a.attnotnull,
            pg_get_expr(ad.adbin, ad.adrelid),
            d.description
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
         LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
         LEFT JOIN pg_description d
           ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
         WHERE a.attnum > 0 AND NOT a.attisdropped AND {RELKINDS} AND {SYSTEM_SCHEMA_FILTER}
         ORDER BY a.attrelid, a.attnum"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await.map_err(|e| ScanError::query("columns", e))?;
    let mut out: HashMap<i64, Vec<Column>> = HashMap::new();
    for row in rows {
        let get = |e: sqlx::Error| ScanError::query("columns", e);
        let relid: i64 = row.try_get(0).map_err(get)?;
        let base_type: String = row.try_get(4).map_err(get)?;
        let category: String = row.try_get(5).map_err(get)?;
        let is_enum: bool = row.try_get(6).map_err(get)?;
        let not_null: bool = row.try_get(7).map_err(get)?;
        out.entry(relid).or_default().push(Column {
            name: row.try_get(1).map_err(get)?,
            ordinal: row.try_get(2).map_err(get)?,
            data_type: row.try_get(3).map_err(get)?,
            type_family: postgres_family(&base_type, &category, is_enum),
            nullable: !not_null,
            default: row.try_get(8).map_err(get)?,
            primary_key: false,
            unique: false,
            comment: row.try_get(9).map_err(get)?,
            sample_values: Vec::new(),
            profile: None,
        });
    }
    Ok(out)
}

struct Constraint {
    relid: i64,
    name: String,
    kind: String,
    columns: Vec<String>,
    ref_namespace: Option<String>,
    ref_table: Option<String>,
    ref_columns: Vec<String>,
}

async fn read_constraints(conn: &mut PgConnection) -> Result<Vec<Constraint>, ScanError> {
    let sql = format!(
        "SELECT con.conrelid::int8, con.conname::text, con.contype::text,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
            fn.nspname::text, fc.relname::text,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord)
         FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_class fc ON fc.oid = con.confrelid
         LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
         WHERE con.contype IN ('p', 'u', 'f') AND {RELKINDS} AND {SYSTEM_SCHEMA_FILTER}
         ORDER BY con.conrelid, con.conname"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await.map_err(|e| ScanError::query("constraints", e))?;
    rows.into_iter()
        .map(|row| {
            let get = |e: sqlx::Error| ScanError::query("constraints", e);
            Ok(Constraint {
                relid: row.try_get(0).map_err(get)?,
                name: row.try_get(1).map_err(get)?,
                kind: row.try_get(2).map_err(get)?,
                columns: row.try_get(3).map_err(get)?,
                ref_namespace: row.try_get(4).map_err(get)?,
                ref_table: row.try_get(5).map_err(get)?,
                ref_columns: row.try_get(6).map_err(get)?,
            })
        })
        .collect()
}

/// Single-column unique indexes that are not constraints (CREATE UNIQUE INDEX).
async fn read_unique_indexes(conn: &mut PgConnection) -> Result<Vec<(i64, String)>, ScanError> {
    let sql = format!(
        "SELECT i.indrelid::int8, a.attname::text
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
         WHERE i.indisunique AND i.indnkeyatts = 1 AND i.indexprs IS NULL AND i.indpred IS NULL
           AND {RELKINDS} AND {SYSTEM_SCHEMA_FILTER}"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await.map_err(|e| ScanError::query("unique indexes", e))?;
    rows.into_iter()
        .map(|row| {
            let get = |e: sqlx::Error| ScanError::query("unique indexes", e);
            Ok((row.try_get(0).map_err(get)?, row.try_get(1).map_err(get)?))
        })
        .collect()
}

/// The null fraction of every analyzed column from `pg_stats` (for a parent table, the one
/// over its children). Statistics the role may not read are simply absent.
async fn null_fractions(conn: &mut PgConnection) -> crate::NullFractions {
    let sql = "SELECT schemaname::text, tablename::text, attname::text, null_frac::float8 FROM pg_stats
               WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY inherited";
    match sqlx::query_as::<_, (String, String, String, f64)>(sql).fetch_all(&mut *conn).await {
        Ok(rows) => rows.into_iter().map(|(s, t, c, f)| ((s, t, c), f)).collect(),
        Err(e) => {
            tracing::debug!(error = %e, "pg_stats not read");
            Default::default()
        }
    }
}

async fn sample_dataset(
    conn: &mut PgConnection,
    namespace: &str,
    dataset: &mut Dataset,
    options: &ScanOptions,
) -> Result<Vec<crate::ScanWarning>, sqlx::Error> {
    let max = options.max_value_chars;
    let select_list = dataset.columns.iter().map(|c| format!("left({}::text, {max})", quote_ident(&c.name))).collect::<Vec<_>>().join(", ");
    // Rows are read as one record text each: the server converts and sends one value per row
    // instead of one per column, which took a third off its share of a scan. The limit lets
    // every row whose values fit `max_value_chars` through whole (quoting at most doubles a
    // value and adds two quotes and a comma); a longer row comes back cut, and the sample is
    // read again with the values cut one by one.
    let record_limit = (2 * max + 3) * dataset.columns.len() + 2;
    let in_record = |c: &Column| {
        if output_is_text_cast(c.type_family) {
            quote_ident(&c.name)
        } else {
            format!("{}::text", quote_ident(&c.name))
        }
    };
    let record = format!("left(ROW({})::text, {record_limit})", dataset.columns.iter().map(in_record).collect::<Vec<_>>().join(", "));
    // The alias names the whole row in the row hash; no column is likely to bear it.
    let row = "\"almanac sampled row\"";
    let table = format!("{}.{} AS {row}", quote_ident(namespace), quote_ident(&dataset.name));
    let n = options.rows_to_read();
    let keys: Vec<String> = dataset.columns.iter().filter(|c| c.primary_key).map(|c| quote_ident(&c.name)).collect();
    // What the rows are ranked by: a 64-bit hash of the key's text (of the whole row without
    // a key), then the key itself to settle the rare equal hashes.
    let (method, rank) = match keys.as_slice() {
        [] => (SampleMethod::RowHash, format!("hashtextextended({row}::text, 0)")),
        [k] => (SampleMethod::KeyHash, format!("hashtextextended({k}::text, 0), {k}")),
        ks => (SampleMethod::KeyHash, format!("hashtextextended(ROW({})::text, 0), {}", ks.join(", "), ks.join(", "))),
    };
    let mut attempts = Vec::new();
    if sample::hash_every_row(dataset, options) {
        attempts.push(
            sample::Attempt::ranked(method, format!("SELECT {select_list} FROM {table} ORDER BY {rank} LIMIT {n}"))
                .by_records(format!("SELECT {record} FROM {table} ORDER BY {rank} LIMIT {n}")),
        );
    }
    // Pages chosen by a fixed seed. SYSTEM sampling takes whole pages, so the row count
    // varies: aim well above what is wanted, and widen the net when a draw comes back thin.
    let estimate = dataset.row_estimate.unwrap_or(1).max(1);
    for factor in [10.0, 40.0, 160.0] {
        let percent = ((n as f64 * factor / estimate as f64) * 100.0).clamp(0.0001, 100.0);
        let from = format!("FROM {table} TABLESAMPLE SYSTEM ({percent:.6}) REPEATABLE (7) ORDER BY {rank} LIMIT {n}");
        attempts.push(
            sample::Attempt::random(SampleMethod::TableSample, format!("SELECT {select_list} {from}"))
                .by_records(format!("SELECT {record} {from}")),
        );
    }
    sample::take(conn, namespace, dataset, options, &select_list, &table, attempts).await
}

/// Whether a value of this family reads the same in a record (its type's output function) as
/// cast to text. Some casts to text are functions of their own: boolean gives `true` where the
/// output is `t`, inet and cidr add the mask, character drops trailing blanks, and name and
/// "char" have their own. Those families, text itself (whose cast costs nothing) and types the
/// scanner does not know keep their cast inside the record, so a value reads as it always did.
fn output_is_text_cast(family: TypeFamily) -> bool {
    use TypeFamily::*;
    matches!(family, Integer | Decimal | Float | Date | Time | Timestamp | TimestampTz | Interval | Binary | Json | Uuid | Array | Enum)
}

impl sample::SampleDataset for PgConnection {
    fn sample_dataset<'a>(
        &'a mut self,
        namespace: &'a str,
        dataset: &'a mut Dataset,
        options: &'a ScanOptions,
    ) -> impl std::future::Future<Output = Result<Vec<crate::ScanWarning>, sqlx::Error>> + Send + 'a {
        sample_dataset(self, namespace, dataset, options)
    }
}

impl sample::SampleSource for PgConnection {
    type Row = sqlx::postgres::PgRow;

    async fn fetch(&mut self, sql: String) -> Result<Vec<Self::Row>, sqlx::Error> {
        // The simple protocol: each sample query is new to the server, so preparing it
        // (parse, describe, then close when the cache overflows) would triple the round
        // trips and the server's work for nothing. Every column is text already.
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).fetch_all(self).await
    }

    fn text(row: &Self::Row, i: usize) -> Result<Option<String>, sqlx::Error> {
        row.try_get::<Option<String>, _>(i)
    }

    fn split_record(text: &str) -> Option<Vec<Option<String>>> {
        split_record(text)
    }
}

/// The values of a record as PostgreSQL writes it (`record_out`): `(a,,"b c","say ""hi""")`.
/// A null is nothing between the commas; a value is quoted when it is empty or holds a quote,
/// a backslash, a comma, a parenthesis or white space, and inside quotes `"` and `\` are
/// doubled. `None` unless the text is one whole record: a record cut short never is, because
/// its closing parenthesis is the only one outside quotes.
fn split_record(text: &str) -> Option<Vec<Option<String>>> {
    let b = text.as_bytes();
    if b.first() != Some(&b'(') {
        return None;
    }
    let mut fields = Vec::new();
    let mut i = 1;
    loop {
        match *b.get(i)? {
            b',' | b')' => fields.push(None),
            b'"' => {
                let mut value = Vec::new();
                i += 1;
                loop {
                    match *b.get(i)? {
                        b'"' if b.get(i + 1) == Some(&b'"') => {
                            value.push(b'"');
                            i += 2;
                        }
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b'\\' => {
                            value.push(*b.get(i + 1)?);
                            i += 2;
                        }
                        c => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                fields.push(Some(String::from_utf8(value).ok()?));
            }
            _ => {
                let start = i;
                while !matches!(*b.get(i)?, b',' | b')') {
                    if matches!(b[i], b'"' | b'\\') {
                        return None;
                    }
                    i += 1;
                }
                fields.push(Some(text[start..i].to_string()));
            }
        }
        match *b.get(i)? {
            b',' => i += 1,
            b')' if i + 1 == b.len() => return Some(fields),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_record;

    fn some(v: &[Option<&str>]) -> Option<Vec<Option<String>>> {
        Some(v.iter().map(|x| x.map(str::to_string)).collect())
    }

    #[test]
    fn records_split_as_postgres_writes_them() {
        assert_eq!(split_record("(1,abc)"), some(&[Some("1"), Some("abc")]));
        assert_eq!(split_record("(,)"), some(&[None, None]));
        assert_eq!(split_record("(\"\",x,)"), some(&[Some(""), Some("x"), None]));
        assert_eq!(
            split_record(
                r#"("a,b","(x)","say ""hi""","back\\slash","two
lines","{1,2}")"#
            ),
            some(&[Some("a,b"), Some("(x)"), Some("say \"hi\""), Some("back\\slash"), Some("two\nlines"), Some("{1,2}")])
        );
        assert_eq!(split_record("(Seppälä,\"日本 語\",\u{1}\u{7f})"), some(&[Some("Seppälä"), Some("日本 語"), Some("\u{1}\u{7f}")]));
        // A composite value inside a record is itself quoted text.
        assert_eq!(split_record(r#"(7,"(1,""a b"")")"#), some(&[Some("7"), Some(r#"(1,"a b")"#)]));
    }

    #[test]
    fn a_record_cut_short_or_malformed_is_refused() {
        let whole = r#"(1,"a ""b"" c",xyz)"#;
        assert!(split_record(whole).is_some());
        // Every strict prefix, as `left(..., n)` would cut it, is refused.
        for (end, _) in whole.char_indices() {
            assert_eq!(split_record(&whole[..end]), None, "{}", &whole[..end]);
        }
        for bad in ["", "1,2", "(1,2))", "(1,2)x", "(a\"b)", "(\"a\"b)", "(a\\b)"] {
            assert_eq!(split_record(bad), None, "{bad}");
        }
    }
}
