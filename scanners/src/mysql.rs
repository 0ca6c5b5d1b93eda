//! MySQL and MariaDB scanner: information_schema read in a few set-based queries.

use crate::sample;
use crate::types::mysql_family;
use crate::{
    attach_engine_stats, quote_ident_mysql, Column, Dataset, DatasetKind, Engine, ForeignKey, Namespace, SampleMethod, ScanError,
    ScanOptions, ScanProgress, ScanWarning, Snapshot, SourceUrl, TypeFamily,
};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::{ConnectOptions, Connection, Row};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

const SYSTEM_SCHEMAS: &str = "('mysql', 'information_schema', 'performance_schema', 'sys')";

/// Reads a text column of information_schema robustly: MySQL 8 returns some as binary strings.
fn text(row: &MySqlRow, idx: usize) -> Result<Option<String>, sqlx::Error> {
    let bytes: Option<Vec<u8>> = row.try_get_unchecked(idx)?;
    Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

fn text_req(row: &MySqlRow, idx: usize) -> Result<String, sqlx::Error> {
    Ok(text(row, idx)?.unwrap_or_default())
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

pub(crate) async fn scan(url: &SourceUrl, options: &ScanOptions, progress: &dyn ScanProgress) -> Result<Snapshot, ScanError> {
    progress.phase("connecting", None);
    let connect_options = MySqlConnectOptions::from_str(&url.connection_string())
        .map_err(|e| ScanError::Unreachable(format!("invalid MySQL URL: {e}")))?
        .log_statements(tracing::log::LevelFilter::Trace);
    let mut conn = connect(&connect_options, options).await?;
    let version_row = sqlx::query("SELECT VERSION()").fetch_one(&mut conn).await.map_err(|e| ScanError::query("server version", e))?;
    let server_version = text(&version_row, 0).map_err(|e| ScanError::query("server version", e))?;
    let is_mariadb = server_version.as_deref().is_some_and(|v| v.to_ascii_lowercase().contains("mariadb"));
    bound_statements(&mut conn, options, is_mariadb).await?;

    // A URL naming a database scans that database; otherwise every non-system one.
    let (schema_filter, database) = match url.database_name() {
        Some(db) => (format!("= '{}'", db.replace('\\', "\\\\").replace('\'', "''")), db),
        None => (format!("NOT IN {SYSTEM_SCHEMAS}"), "mysql".to_string()),
    };

    progress.phase("reading schema", Some(4));
    let tables = query(
        &mut conn,
        "tables",
        format!(
            "SELECT t.TABLE_SCHEMA, t.TABLE_NAME, t.TABLE_TYPE, t.TABLE_COMMENT,
                CAST(t.TABLE_ROWS AS SIGNED), t.CREATE_OPTIONS, v.VIEW_DEFINITION, v.DEFINER
             FROM information_schema.TABLES t
             LEFT JOIN information_schema.VIEWS v
               ON v.TABLE_SCHEMA = t.TABLE_SCHEMA AND v.TABLE_NAME = t.TABLE_NAME
             WHERE t.TABLE_SCHEMA {schema_filter}
             ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME"
        ),
    )
    .await?;
    progress.advance(1);
    let columns = query(
        &mut conn,
        "columns",
        format!(
            "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, CAST(ORDINAL_POSITION AS SIGNED),
                COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_KEY, COLUMN_COMMENT
             FROM information_schema.COLUMNS
             WHERE TABLE_SCHEMA {schema_filter}
             ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
        ),
    )
    .await?;
    progress.advance(1);
    let keys = query(
        &mut conn,
        "keys",
        format!(
            "SELECT k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE,
                k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME
             FROM information_schema.KEY_COLUMN_USAGE k
             JOIN information_schema.TABLE_CONSTRAINTS tc
               ON tc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND tc.TABLE_NAME = k.TABLE_NAME
              AND tc.CONSTRAINT_NAME = k.CONSTRAINT_NAME
             WHERE k.TABLE_SCHEMA {schema_filter}
             ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"
        ),
    )
    .await?;
    progress.advance(1);
    let unique_indexes = query(
        &mut conn,
        "unique indexes",
        format!(
            "SELECT TABLE_SCHEMA, TABLE_NAME, MIN(COLUMN_NAME)
             FROM information_schema.STATISTICS
             WHERE TABLE_SCHEMA {schema_filter} AND NON_UNIQUE = 0
             GROUP BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME
             HAVING COUNT(*) = 1"
        ),
    )
    .await?;
    progress.advance(1);

    let err = |what: &'static str| move |e: sqlx::Error| ScanError::query(what, e);

    let mut unique: HashSet<(String, String, String)> = HashSet::new();
    for row in &unique_indexes {
        unique.insert((
            text_req(row, 0).map_err(err("unique indexes"))?,
            text_req(row, 1).map_err(err("unique indexes"))?,
            text_req(row, 2).map_err(err("unique indexes"))?,
        ));
    }

    let mut cols: HashMap<(String, String), Vec<Column>> = HashMap::new();
    for row in &columns {
        let e = err("columns");
        let schema = text_req(row, 0).map_err(e)?;
        let table = text_req(row, 1).map_err(e)?;
        let name = text_req(row, 2).map_err(e)?;
        let column_type = text_req(row, 4).map_err(e)?;
        let data_type = text_req(row, 5).map_err(e)?;
        let key = text_req(row, 8).map_err(e)?;
        let mut default = text(row, 7).map_err(e)?;
        // MariaDB reports a NULL default as the text NULL.
        if default.as_deref() == Some("NULL") {
            default = None;
        }
        let is_unique = unique.contains(&(schema.clone(), table.clone(), name.clone()));
        cols.entry((schema, table)).or_default().push(Column {
            ordinal: row.try_get::<i64, _>(3).map_err(e)? as i32,
            type_family: mysql_family(&data_type, &column_type),
            data_type: column_type,
            nullable: text_req(row, 6).map_err(e)? == "YES",
            default,
            primary_key: key == "PRI",
            unique: is_unique,
            comment: non_empty(text(row, 9).map_err(e)?),
            name,
            sample_values: Vec::new(),
            profile: None,
        });
    }
    let mut fks: HashMap<(String, String), Vec<ForeignKey>> = HashMap::new();
    for row in &keys {
        let e = err("keys");
        if text_req(row, 3).map_err(e)? != "FOREIGN KEY" {
            continue;
        }
        let schema = text_req(row, 0).map_err(e)?;
        let table = text_req(row, 1).map_err(e)?;
        let name = text_req(row, 2).map_err(e)?;
        let column = text_req(row, 4).map_err(e)?;
        let ref_schema = text_req(row, 5).map_err(e)?;
        let ref_table = text_req(row, 6).map_err(e)?;
        let ref_column = text_req(row, 7).map_err(e)?;
        let list = fks.entry((schema, table)).or_default();
        match list.last_mut() {
            Some(fk) if fk.name.as_deref() == Some(name.as_str()) => {
                fk.columns.push(column);
                fk.referenced_columns.push(ref_column);
            }
            _ => list.push(ForeignKey {
                name: Some(name),
                columns: vec![column],
                referenced_namespace: ref_schema,
                referenced_dataset: ref_table,
                referenced_columns: vec![ref_column],
            }),
        }
    }

    let mut namespaces: BTreeMap<String, Vec<Dataset>> = BTreeMap::new();
    let mut warnings = Vec::new();
    for row in &tables {
        let e = err("tables");
        let schema = text_req(row, 0).map_err(e)?;
        let name = text_req(row, 1).map_err(e)?;
        let table_type = text_req(row, 2).map_err(e)?;
        let create_options = text(row, 5).map_err(e)?.unwrap_or_default();
        let kind = if table_type == "VIEW" {
            DatasetKind::View
        } else if create_options.contains("partitioned") {
            DatasetKind::PartitionedTable
        } else {
            DatasetKind::Table
        };
        let key = (schema.clone(), name.clone());
        let mut comment = non_empty(text(row, 3).map_err(e)?);
        if kind == DatasetKind::View {
            // A view's TABLE_COMMENT is `VIEW`, or the reason the server cannot use it (a
            // dropped table or column): kept as a warning, not as the view's comment.
            if let Some(reason) = comment.take().filter(|c| c != "VIEW") {
                warnings.push(ScanWarning::dataset(&schema, &name, format!("could not read its columns: {reason}")));
            }
        }
        let row_estimate = if kind == DatasetKind::View { None } else { row.try_get::<Option<i64>, _>(4).map_err(e)? };
        let mut foreign_keys = fks.remove(&key).unwrap_or_default();
        foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        namespaces.entry(schema).or_default().push(Dataset {
            name,
            kind,
            comment,
            row_estimate,
            view_definition: non_empty(text(row, 6).map_err(e)?),
            owner: non_empty(text(row, 7).map_err(e)?),
            columns: cols.remove(&key).unwrap_or_default(),
            foreign_keys,
            partitions: Vec::new(),
            files: None,
            sample: None,
        });
    }

    if options.sample_rows > 0 {
        let jobs: Vec<(&str, &mut Dataset)> = namespaces
            .iter_mut()
            .flat_map(|(schema, datasets)| datasets.iter_mut().filter(|d| d.kind.holds_rows()).map(move |d| (schema.as_str(), d)))
            .collect();
        progress.phase("sampling values", Some(jobs.len() as u64));
        let open = || async {
            let mut c = connect(&connect_options, options).await?;
            bound_statements(&mut c, options, is_mariadb).await?;
            Ok::<_, ScanError>(c)
        };
        let (first, sampled) = sample::sample_with_connections(conn, Vec::new(), open, jobs, progress, options).await;
        conn = first;
        warnings.extend(sampled?);
    }
    if options.sample_rows > 0 {
        attach_engine_stats(namespaces.iter_mut(), &null_fractions(&mut conn).await);
    }
    let _ = conn.close().await;

    Ok(Snapshot {
        engine: Engine::Mysql,
        database,
        server_version,
        namespaces: namespaces.into_iter().map(|(name, datasets)| Namespace { name, datasets }).collect(),
        warnings,
    })
}

async fn connect(connect_options: &MySqlConnectOptions, options: &ScanOptions) -> Result<MySqlConnection, ScanError> {
    tokio::time::timeout(options.connect_timeout, connect_options.connect())
        .await
        .map_err(|_| ScanError::Unreachable("timed out while connecting".into()))?
        .map_err(ScanError::connect)
}

/// Bounds every statement of the session; the variable differs between the two servers.
async fn bound_statements(conn: &mut MySqlConnection, options: &ScanOptions, is_mariadb: bool) -> Result<(), ScanError> {
    let secs = options.statement_timeout.as_secs().max(1);
    let timeout_sql = if is_mariadb {
        format!("SET SESSION max_statement_time = {secs}")
    } else {
        format!("SET SESSION max_execution_time = {}", secs * 1000)
    };
    sqlx::query(sqlx::AssertSqlSafe(timeout_sql)).execute(conn).await.map_err(|e| ScanError::query("session settings", e))?;
    Ok(())
}

async fn query(conn: &mut MySqlConnection, what: &str, sql: String) -> Result<Vec<MySqlRow>, ScanError> {
    sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await.map_err(|e| ScanError::query(what, e))
}

/// The null fraction of every column MariaDB keeps engine-independent statistics of
/// (`mysql.column_stats`, filled by `ANALYZE TABLE ... PERSISTENT FOR ALL` or by `ANALYZE` under
/// `use_stat_tables = PREFERABLY`). Absent on MySQL, or when the account may not read them.
async fn null_fractions(conn: &mut MySqlConnection) -> crate::NullFractions {
    let sql = "SELECT CAST(db_name AS CHAR), CAST(table_name AS CHAR), CAST(column_name AS CHAR), CAST(nulls_ratio AS DOUBLE)
               FROM mysql.column_stats WHERE nulls_ratio IS NOT NULL";
    match sqlx::query_as::<_, (String, String, String, f64)>(sql).fetch_all(&mut *conn).await {
        Ok(rows) => rows.into_iter().map(|(s, t, c, f)| ((s, t, c), f)).collect(),
        Err(e) => {
            tracing::debug!(error = %e, "mysql.column_stats not read");
            Default::default()
        }
    }
}

async fn sample_dataset(
    conn: &mut MySqlConnection,
    schema: &str,
    dataset: &mut Dataset,
    options: &ScanOptions,
) -> Result<Vec<crate::ScanWarning>, sqlx::Error> {
    let max = options.max_value_chars;
    let select_list = dataset
        .columns
        .iter()
        .map(|c| match c.type_family {
            // Binary values are shown as hex so they stay valid text.
            TypeFamily::Binary | TypeFamily::Geometry => format!("HEX(LEFT({}, {}))", quote_ident_mysql(&c.name), max / 2),
            _ => format!("LEFT(CAST({} AS CHAR), {max})", quote_ident_mysql(&c.name)),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let table = format!("{}.{}", quote_ident_mysql(schema), quote_ident_mysql(&dataset.name));
    let n = options.rows_to_read();
    let keys: Vec<&Column> = dataset.columns.iter().filter(|c| c.primary_key).collect();
    // What the rows are ranked by: an MD5 of the key's text (of the whole row without a key),
    // then the key itself to settle equal hashes.
    let all: Vec<String> = dataset.columns.iter().map(|c| format!("t.{}", quote_ident_mysql(&c.name))).collect();
    let key_list: Vec<String> = keys.iter().map(|c| format!("t.{}", quote_ident_mysql(&c.name))).collect();
    let (method, rank) = if key_list.is_empty() {
        (SampleMethod::RowHash, format!("MD5(CONCAT_WS(0x1F, {}))", all.join(", ")))
    } else {
        (SampleMethod::KeyHash, format!("MD5(CONCAT_WS(0x1F, {})), {}", key_list.join(", "), key_list.join(", ")))
    };
    let from = format!("{table} AS t");
    let mut attempts = Vec::new();
    if sample::hash_every_row(dataset, options) {
        attempts.push(sample::Attempt::ranked(method, format!("SELECT {select_list} FROM {from} ORDER BY {rank} LIMIT {n}")));
    }
    if let [pk] = keys.as_slice() {
        if pk.type_family == TypeFamily::Integer {
            // A window of rows starting at a random key: an index range scan, not a table
            // scan. The start is drawn once, in a derived table.
            let pk = quote_ident_mysql(&pk.name);
            attempts.push(sample::Attempt::random(
                SampleMethod::RandomKeyWindow,
                format!("SELECT {select_list} FROM {from} JOIN (SELECT FLOOR(MIN({pk}) + RAND() * (MAX({pk}) - MIN({pk}))) AS start FROM {table}) AS w ON t.{pk} >= w.start ORDER BY t.{pk} LIMIT {n}"),
            ));
        }
    }
    sample::take(conn, schema, dataset, options, &select_list, &from, attempts).await
}

impl sample::SampleDataset for MySqlConnection {
    fn sample_dataset<'a>(
        &'a mut self,
        namespace: &'a str,
        dataset: &'a mut Dataset,
        options: &'a ScanOptions,
    ) -> impl std::future::Future<Output = Result<Vec<crate::ScanWarning>, sqlx::Error>> + Send + 'a {
        sample_dataset(self, namespace, dataset, options)
    }
}

impl sample::SampleSource for MySqlConnection {
    type Row = MySqlRow;

    async fn fetch(&mut self, sql: String) -> Result<Vec<Self::Row>, sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self).await
    }

    fn text(row: &Self::Row, i: usize) -> Result<Option<String>, sqlx::Error> {
        text(row, i)
    }
}
