//! A connection to a source that erasure and access requests query and change: statements
//! built with sea-query for the source's dialect, every value bound, never spliced into the
//! text; changes in one transaction per source.

use super::ErasureError;
use almanac_scanners::{Engine, SourceUrl};
use sea_orm::sea_query::{
    Alias, Expr, Func, MysqlQueryBuilder, PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder, Value, Values,
};
use sqlx::{Connection, Row};
use std::str::FromStr;
use std::time::Duration;

/// Time allowed to connect, and for any one statement.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(60);

/// An open connection to a SQL source.
pub(crate) enum SourceConnection {
    Postgres(sqlx::PgConnection),
    Mysql(sqlx::MySqlConnection),
    Sqlite(sqlx::SqliteConnection),
}

/// Runs one sqlx call on whichever connection `$conn` is, binding `$values`.
macro_rules! on_engine {
    ($conn:expr, $sql:expr, $values:expr, |$q:ident, $c:ident| $body:expr) => {
        match $conn {
            SourceConnection::Postgres($c) => {
                let $q = bind_all(sqlx::query(sqlx::AssertSqlSafe($sql)), $values)?;
                $body
            }
            SourceConnection::Mysql($c) => {
                let $q = bind_all(sqlx::query(sqlx::AssertSqlSafe($sql)), $values)?;
                $body
            }
            SourceConnection::Sqlite($c) => {
                let $q = bind_all(sqlx::query(sqlx::AssertSqlSafe($sql)), $values)?;
                $body
            }
        }
    };
}

/// The SQL dialect of a source, for statements shown rather than run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dialect {
    Postgres,
    Mysql,
    Sqlite,
}

impl Dialect {
    /// The statement's text and values, as [`SourceConnection::build`] makes them.
    pub fn build<S: QueryStatementWriter>(self, statement: &S) -> (String, Values) {
        match self {
            Dialect::Postgres => statement.build(PostgresQueryBuilder),
            Dialect::Mysql => statement.build(MysqlQueryBuilder),
            Dialect::Sqlite => statement.build(SqliteQueryBuilder),
        }
    }

    /// `expr` as text, for comparing a column of any type with a text value.
    pub fn as_text(self, expr: Expr) -> Expr {
        let target = match self {
            Dialect::Mysql => "CHAR",
            _ => "TEXT",
        };
        Func::cast_as(expr, Alias::new(target)).into()
    }

    /// `expr` as a 64-bit integer, so keys of any integer width read alike.
    pub fn as_bigint(self, expr: Expr) -> Expr {
        let target = match self {
            Dialect::Mysql => "SIGNED",
            _ => "BIGINT",
        };
        Func::cast_as(expr, Alias::new(target)).into()
    }

    /// `expr` compared exactly, byte for byte: MariaDB and MySQL compare text under the
    /// column's collation, where `_ci` collations take `Émile` and `emile` for one value.
    pub fn exact(self, expr: Expr) -> Expr {
        match self {
            Dialect::Mysql => Func::cast_as(expr, Alias::new("BINARY")).into(),
            _ => expr,
        }
    }
}

impl SourceConnection {
    /// The connection's dialect.
    pub fn dialect(&self) -> Dialect {
        match self {
            SourceConnection::Postgres(_) => Dialect::Postgres,
            SourceConnection::Mysql(_) => Dialect::Mysql,
            SourceConnection::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// Connects to `url` (a SQL source). Unless `write`, the session is read-only where the
    /// engine allows it, so planning and verifying can never change the source.
    pub async fn open(source: &str, url: &SourceUrl, write: bool) -> Result<SourceConnection, ErasureError> {
        let unreachable = |message: String| ErasureError::Unreachable { source_name: source.to_string(), message };
        let text = url.connection_string();
        let connecting = async {
            match url.engine() {
                Engine::Postgres => {
                    let options = sqlx::postgres::PgConnectOptions::from_str(&text).map_err(|e| unreachable(e.to_string()))?;
                    let mut conn = sqlx::PgConnection::connect_with(&options).await.map_err(|e| unreachable(e.to_string()))?;
                    let mut settings = format!("SET statement_timeout = {}", STATEMENT_TIMEOUT.as_millis());
                    if !write {
                        settings.push_str("; SET default_transaction_read_only = on");
                    }
                    sqlx::raw_sql(sqlx::AssertSqlSafe(settings)).execute(&mut conn).await.map_err(|e| unreachable(e.to_string()))?;
                    Ok(SourceConnection::Postgres(conn))
                }
                Engine::Mysql => {
                    let options = sqlx::mysql::MySqlConnectOptions::from_str(&text).map_err(|e| unreachable(e.to_string()))?;
                    let mut conn = sqlx::MySqlConnection::connect_with(&options).await.map_err(|e| unreachable(e.to_string()))?;
                    if !write {
                        sqlx::raw_sql("SET SESSION TRANSACTION READ ONLY")
                            .execute(&mut conn)
                            .await
                            .map_err(|e| unreachable(e.to_string()))?;
                    }
                    Ok(SourceConnection::Mysql(conn))
                }
                Engine::Sqlite => {
                    let path = url.file_path().ok_or_else(|| unreachable("not a SQLite file".into()))?;
                    let options = sqlx::sqlite::SqliteConnectOptions::new()
                        .filename(path)
                        .read_only(!write)
                        .create_if_missing(false)
                        .foreign_keys(true)
                        .busy_timeout(STATEMENT_TIMEOUT);
                    let conn = sqlx::SqliteConnection::connect_with(&options).await.map_err(|e| unreachable(e.to_string()))?;
                    Ok(SourceConnection::Sqlite(conn))
                }
                Engine::Files => Err(ErasureError::FilesNotSearched(source.to_string())),
            }
        };
        tokio::time::timeout(CONNECT_TIMEOUT, connecting).await.map_err(|_| unreachable("timed out while connecting".into()))?
    }

    /// The statement's text for this dialect and its values to bind.
    pub fn build<S: QueryStatementWriter>(&self, statement: &S) -> (String, Values) {
        self.dialect().build(statement)
    }

    /// `expr` as text (see [`Dialect::as_text`]).
    pub fn as_text(&self, expr: Expr) -> Expr {
        self.dialect().as_text(expr)
    }

    /// `expr` compared exactly (see [`Dialect::exact`]).
    pub fn exact(&self, expr: Expr) -> Expr {
        self.dialect().exact(expr)
    }

    /// Runs a statement whose first column is an integer (a count) and returns it.
    pub async fn count<S: QueryStatementWriter>(&mut self, statement: &S) -> Result<i64, sqlx::Error> {
        let (sql, values) = self.build(statement);
        on_engine!(self, sql, &values, |q, c| q.fetch_one(c).await?.try_get::<i64, _>(0))
    }

    /// Runs a statement of one text column and returns its non-null values.
    pub async fn texts<S: QueryStatementWriter>(&mut self, statement: &S) -> Result<Vec<String>, sqlx::Error> {
        let (sql, values) = self.build(statement);
        on_engine!(self, sql, &values, |q, c| collect::<_, String>(q.fetch_all(c).await?))
    }

    /// Runs a statement of one integer column and returns its non-null values.
    pub async fn integers<S: QueryStatementWriter>(&mut self, statement: &S) -> Result<Vec<i64>, sqlx::Error> {
        let (sql, values) = self.build(statement);
        on_engine!(self, sql, &values, |q, c| collect::<_, i64>(q.fetch_all(c).await?))
    }

    /// Runs a statement whose `columns` columns are all text, and returns its rows.
    pub async fn text_rows<S: QueryStatementWriter>(
        &mut self,
        statement: &S,
        columns: usize,
    ) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        let (sql, values) = self.build(statement);
        on_engine!(self, sql, &values, |q, c| {
            let mut out = Vec::new();
            for row in q.fetch_all(c).await? {
                out.push((0..columns).map(|i| row.try_get::<Option<String>, _>(i)).collect::<Result<Vec<_>, _>>()?);
            }
            Ok(out)
        })
    }

    /// Runs a statement that changes rows and returns how many it changed.
    pub async fn execute<S: QueryStatementWriter>(&mut self, statement: &S) -> Result<u64, sqlx::Error> {
        let (sql, values) = self.build(statement);
        on_engine!(self, sql, &values, |q, c| Ok(q.execute(c).await?.rows_affected()))
    }

    /// Starts a transaction (on SQLite, taking the write lock at once).
    pub async fn begin(&mut self) -> Result<(), sqlx::Error> {
        let sql = match self {
            SourceConnection::Postgres(_) => "BEGIN",
            SourceConnection::Mysql(_) => "START TRANSACTION",
            SourceConnection::Sqlite(_) => "BEGIN IMMEDIATE",
        };
        self.raw(sql).await
    }

    /// Commits the open transaction.
    pub async fn commit(&mut self) -> Result<(), sqlx::Error> {
        self.raw("COMMIT").await
    }

    /// Rolls the open transaction back.
    pub async fn rollback(&mut self) -> Result<(), sqlx::Error> {
        self.raw("ROLLBACK").await
    }

    /// Reclaims the space of deleted rows in `tables` (namespace, name), the engine's way:
    /// `VACUUM` on SQLite (the whole file rebuilt without free pages), `VACUUM` or, with
    /// `full`, `VACUUM FULL` on each PostgreSQL table (rewritten without dead tuples),
    /// `OPTIMIZE TABLE` on MariaDB/MySQL (rebuilt). Returns the statements run. Outside any
    /// transaction; names quoted, nothing else in the text.
    pub async fn reclaim(&mut self, tables: &[(String, String)], full: bool) -> Result<Vec<String>, sqlx::Error> {
        let pg = |t: &(String, String)| format!("\"{}\".\"{}\"", t.0.replace('"', "\"\""), t.1.replace('"', "\"\""));
        let my = |t: &(String, String)| format!("`{}`.`{}`", t.0.replace('`', "``"), t.1.replace('`', "``"));
        let statements: Vec<String> = match self {
            SourceConnection::Sqlite(_) => vec!["VACUUM".to_string()],
            SourceConnection::Postgres(_) => {
                tables.iter().map(|t| format!("VACUUM {}{}", if full { "FULL " } else { "" }, pg(t))).collect()
            }
            SourceConnection::Mysql(_) => tables.iter().map(|t| format!("OPTIMIZE TABLE {}", my(t))).collect(),
        };
        // A large table takes longer than one statement is otherwise allowed.
        if let SourceConnection::Postgres(c) = self {
            sqlx::raw_sql("SET statement_timeout = 0").execute(&mut *c).await?;
        }
        for sql in &statements {
            let text = sqlx::AssertSqlSafe(sql.clone());
            match self {
                SourceConnection::Postgres(c) => sqlx::raw_sql(text).execute(c).await.map(|_| ())?,
                SourceConnection::Mysql(c) => {
                    // OPTIMIZE TABLE reports a failure as a row, not as an error.
                    for row in sqlx::raw_sql(text).fetch_all(&mut *c).await? {
                        let kind: String = row.try_get::<String, _>("Msg_type").unwrap_or_default();
                        if kind.eq_ignore_ascii_case("error") {
                            let text: String = row.try_get::<String, _>("Msg_text").unwrap_or_default();
                            return Err(sqlx::Error::Protocol(format!("{sql}: {text}")));
                        }
                    }
                }
                SourceConnection::Sqlite(c) => {
                    sqlx::raw_sql(text).execute(&mut *c).await?;
                    // In WAL mode the old pages stay in the log until a checkpoint.
                    sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *c).await?;
                }
            }
        }
        Ok(statements)
    }

    async fn raw(&mut self, sql: &'static str) -> Result<(), sqlx::Error> {
        match self {
            SourceConnection::Postgres(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
            SourceConnection::Mysql(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
            SourceConnection::Sqlite(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
        }
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = match self {
            SourceConnection::Postgres(c) => c.close().await,
            SourceConnection::Mysql(c) => c.close().await,
            SourceConnection::Sqlite(c) => c.close().await,
        };
    }
}

fn collect<R: Row, T>(rows: Vec<R>) -> Result<Vec<T>, sqlx::Error>
where
    for<'r> Option<T>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(v) = row.try_get::<Option<T>, _>(0usize)? {
            out.push(v);
        }
    }
    Ok(out)
}

/// Binds the values a statement was built with. Erasure statements bind text, integers and
/// NULL; anything else is a programming error reported as such, never a silent null.
fn bind_all<'q, DB>(
    mut query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    values: &Values,
) -> Result<sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>, sqlx::Error>
where
    DB: sqlx::Database,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for value in values.iter() {
        query = match value {
            Value::String(Some(s)) => query.bind(s.clone()),
            Value::String(None) => query.bind(None::<String>),
            Value::BigInt(Some(i)) => query.bind(*i),
            Value::Int(Some(i)) => query.bind(i64::from(*i)),
            // Limits are built unsigned.
            Value::BigUnsigned(Some(u)) => query.bind(i64::try_from(*u).unwrap_or(i64::MAX)),
            other => return Err(sqlx::Error::Protocol(format!("erasure statements bind text and integers, not {other:?}"))),
        };
    }
    Ok(query)
}

/// Text without the separators [`super::subject::SEPARATORS`], the same way on every engine.
pub(crate) fn without_separators(expr: Expr) -> Expr {
    super::subject::SEPARATORS.iter().fold(expr, |inner, sep| Func::cust(Alias::new("REPLACE")).arg(inner).arg(*sep).arg("").into())
}

/// `TRIM(expr)`.
pub(crate) fn trim(expr: Expr) -> Expr {
    Func::cust(Alias::new("TRIM")).arg(expr).into()
}
