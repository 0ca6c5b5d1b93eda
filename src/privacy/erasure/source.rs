//! A connection to a source that erasure and access requests query: statements built with
//! sea-query for the source's dialect, every value bound, never spliced into the text.

use super::ErasureError;
use almanac_scanners::{Engine, SourceUrl};
use sea_orm::sea_query::{Alias, Expr, Func, MysqlQueryBuilder, PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder, Value, Values};
use sqlx::{Connection, Row};
use std::str::FromStr;
use std::time::Duration;

/// Time allowed to connect, and for any one query.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(60);

/// An open connection to a SQL source.
pub(crate) enum SourceConnection {
    Postgres(sqlx::PgConnection),
    Mysql(sqlx::MySqlConnection),
    Sqlite(sqlx::SqliteConnection),
}

impl SourceConnection {
    /// Connects to `url` (a SQL source) for reading: the session is read-only where the
    /// engine allows it, so planning can never change the source.
    pub async fn open_read_only(source: &str, url: &SourceUrl) -> Result<SourceConnection, ErasureError> {
        let unreachable = |message: String| ErasureError::Unreachable { source_name: source.to_string(), message };
        let text = url.connection_string();
        let connecting = async {
            match url.engine() {
                Engine::Postgres => {
                    let options = sqlx::postgres::PgConnectOptions::from_str(&text).map_err(|e| unreachable(e.to_string()))?;
                    let mut conn = sqlx::PgConnection::connect_with(&options).await.map_err(|e| unreachable(e.to_string()))?;
                    let settings =
                        format!("SET default_transaction_read_only = on; SET statement_timeout = {}", STATEMENT_TIMEOUT.as_millis());
                    sqlx::raw_sql(sqlx::AssertSqlSafe(settings)).execute(&mut conn).await.map_err(|e| unreachable(e.to_string()))?;
                    Ok(SourceConnection::Postgres(conn))
                }
                Engine::Mysql => {
                    let options = sqlx::mysql::MySqlConnectOptions::from_str(&text).map_err(|e| unreachable(e.to_string()))?;
                    let mut conn = sqlx::MySqlConnection::connect_with(&options).await.map_err(|e| unreachable(e.to_string()))?;
                    sqlx::raw_sql("SET SESSION TRANSACTION READ ONLY").execute(&mut conn).await.map_err(|e| unreachable(e.to_string()))?;
                    Ok(SourceConnection::Mysql(conn))
                }
                Engine::Sqlite => {
                    let path = url.file_path().ok_or_else(|| unreachable("not a SQLite file".into()))?;
                    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true).create_if_missing(false);
                    let conn = sqlx::SqliteConnection::connect_with(&options).await.map_err(|e| unreachable(e.to_string()))?;
                    Ok(SourceConnection::Sqlite(conn))
                }
                Engine::Files => Err(ErasureError::FilesNotSearched(source.to_string())),
            }
        };
        tokio::time::timeout(CONNECT_TIMEOUT, connecting).await.map_err(|_| unreachable("timed out while connecting".into()))?
    }

    /// The statement's text for this dialect and its values to bind.
    pub fn build(&self, statement: &SelectStatement) -> (String, Values) {
        match self {
            SourceConnection::Postgres(_) => statement.build(PostgresQueryBuilder),
            SourceConnection::Mysql(_) => statement.build(MysqlQueryBuilder),
            SourceConnection::Sqlite(_) => statement.build(SqliteQueryBuilder),
        }
    }

    /// `expr` as text, for comparing a column of any type with a text value.
    pub fn as_text(&self, expr: Expr) -> Expr {
        let target = match self {
            SourceConnection::Mysql(_) => "CHAR",
            _ => "TEXT",
        };
        Func::cast_as(expr, Alias::new(target)).into()
    }

    /// Runs a statement whose first column is an integer (a count) and returns it.
    pub async fn count(&mut self, statement: &SelectStatement) -> Result<i64, sqlx::Error> {
        let (sql, values) = self.build(statement);
        let row = match self {
            SourceConnection::Postgres(c) => {
                bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &values)?.fetch_one(c).await?.try_get::<i64, _>(0)?
            }
            SourceConnection::Mysql(c) => {
                bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &values)?.fetch_one(c).await?.try_get::<i64, _>(0)?
            }
            SourceConnection::Sqlite(c) => {
                bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &values)?.fetch_one(c).await?.try_get::<i64, _>(0)?
            }
        };
        Ok(row)
    }

    /// Runs a statement of one text column and returns its non-null values.
    pub async fn texts(&mut self, statement: &SelectStatement) -> Result<Vec<String>, sqlx::Error> {
        let (sql, values) = self.build(statement);
        let texts = match self {
            SourceConnection::Postgres(c) => collect(bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &values)?.fetch_all(c).await?)?,
            SourceConnection::Mysql(c) => collect(bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &values)?.fetch_all(c).await?)?,
            SourceConnection::Sqlite(c) => collect(bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &values)?.fetch_all(c).await?)?,
        };
        Ok(texts)
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

fn collect<R: Row>(rows: Vec<R>) -> Result<Vec<String>, sqlx::Error>
where
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(text) = row.try_get::<Option<String>, _>(0usize)? {
            out.push(text);
        }
    }
    Ok(out)
}

/// Binds the values a statement was built with. Erasure statements bind text and integers
/// only; anything else is a programming error reported as such, never a silent null.
fn bind_all<'q, DB>(
    mut query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    values: &Values,
) -> Result<sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>, sqlx::Error>
where
    DB: sqlx::Database,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for value in values.iter() {
        query = match value {
            Value::String(Some(s)) => query.bind(s.clone()),
            Value::BigInt(Some(i)) => query.bind(*i),
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
