//! Submitted SQL (an ETL script, a dbt model's compiled SQL): resolved against the catalog's
//! schema of one source and recorded as edges of origin `sql`, keyed by each statement's hash,
//! so submitting the same script again changes nothing. Targets the catalog does not hold yet
//! are declared (see [`crate::catalog::declared`]). All statements of one submission are
//! written in one transaction; a statement that fails is reported and the others still count.

use super::sql::{self, Context, Outcome, SchemaMap, SqlDialect};
use super::{insert_referenced_edges, statement_edges, LineageError, NewEdge, Origin};
use crate::audit::{self, Action, Record};
use crate::catalog::names::QualifiedName;
use crate::catalog::{declared, Catalog};
use crate::ids::GlobalId;
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// A script to record.
#[derive(Debug, Clone)]
pub struct SqlSubmission {
    /// The registered source the script runs against.
    pub source: String,
    pub sql: String,
    /// Default: the source's engine.
    pub dialect: Option<SqlDialect>,
    /// Where unqualified names live. Default: `public` (PostgreSQL), the source's only
    /// namespace, or `main` (SQLite).
    pub namespace: Option<String>,
}

/// What became of one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementResult {
    /// Its edges were recorded.
    Recorded {
        target: QualifiedName,
        /// Whether the target was declared by this submission (not in the catalog yet).
        declared: bool,
        columns: usize,
        edges: usize,
        unresolved: Vec<sql::Unresolved>,
    },
    /// It moves no data (DDL, SET, a bare SELECT).
    Skipped { what: String },
    /// It could not be parsed or understood.
    Failed { message: String },
}

/// One statement's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementOutcome {
    pub line: u64,
    pub hash: String,
    pub result: StatementResult,
}

/// The report of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionReport {
    pub dialect: SqlDialect,
    pub statements: Vec<StatementOutcome>,
    /// Output columns resolved over all statements.
    pub columns: usize,
    pub edges: usize,
}

/// Resolves and records `submission`; the catalog is unchanged when it fails.
pub async fn add_sql(catalog: &Catalog, submission: SqlSubmission) -> Result<SubmissionReport, LineageError> {
    use super::entity::lineage_edge;
    let source = catalog.source_by_name(&submission.source).await?;
    let dialect = submission.dialect.unwrap_or_else(|| SqlDialect::of_engine(&source.engine));
    // Resolution reads the schema and runs before the write transaction opens, so writers
    // are not held up meanwhile; an edge to a column dropped in between is left out.
    let shapes = crate::catalog::source_schema(catalog.connection(), source.id).await?;
    let namespace = match submission.namespace {
        Some(ns) => ns,
        None => default_namespace(dialect, &shapes, &source.url)?,
    };
    let mut schema = SchemaMap::new();
    // (namespace, dataset) -> (dataset id, column ids by name)
    let mut ids: HashMap<(String, String), (i64, HashMap<String, i64>)> = HashMap::new();
    for s in &shapes {
        schema.insert(&s.namespace, &s.name, s.columns.iter().map(|c| c.0.clone()).collect());
        ids.insert((s.namespace.clone(), s.name.clone()), (s.id, s.columns.iter().cloned().collect()));
    }
    let ctx = Context { dialect, search_path: vec![namespace] };
    let sql_text = submission.sql;
    let reports = tokio::task::spawn_blocking(move || sql::resolve_script(&sql_text, &ctx, &schema))
        .await
        .map_err(|e| LineageError::Invalid(format!("the resolver stopped: {e}")))??;
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let now = Utc::now();
    let who = catalog.who().actor.label();
    // Every target of the script, declared at once where the catalog lacks it.
    let mut wanted: Vec<(String, String, Vec<String>)> = Vec::new();
    for r in &reports {
        if let Outcome::Lineage(l) = &r.outcome {
            wanted.push((l.target.namespace.clone(), l.target.dataset.clone(), l.columns.iter().map(|c| c.name.clone()).collect()));
        }
    }
    let targets = declared::declare_datasets(&txn, source.id, &wanted, now).await?;
    for (key, t) in &targets {
        ids.insert(key.clone(), (t.dataset_id, t.columns.clone()));
    }
    let (mut total_columns, mut total_edges) = (0, 0);
    let mut statements = Vec::with_capacity(reports.len());
    let mut all_edges: Vec<(NewEdge, String)> = Vec::new();
    let mut hashes: Vec<String> = Vec::new();
    for report in reports {
        let result = match report.outcome {
            Outcome::Failed { message } => StatementResult::Failed { message },
            Outcome::NoDataFlow { what } => StatementResult::Skipped { what },
            Outcome::Lineage(l) => {
                let key = (l.target.namespace.clone(), l.target.dataset.clone());
                let Some(target) = targets.get(&key) else {
                    statements.push(StatementOutcome {
                        line: report.line,
                        hash: report.hash,
                        result: StatementResult::Failed { message: format!("target {}.{} could not be declared", key.0, key.1) },
                    });
                    continue;
                };
                let id_of = |c: &sql::ColumnRef| {
                    let (ds, cols) = ids.get(&(c.namespace.clone(), c.dataset.clone()))?;
                    Some((*ds, *cols.get(&c.column)?))
                };
                let edges = statement_edges(&l, target.dataset_id, |name| target.columns.get(name).copied(), id_of);
                let n = edges.len();
                all_edges.extend(edges.into_iter().map(|e| (e, report.hash.clone())));
                hashes.push(report.hash.clone());
                total_columns += l.columns.len();
                total_edges += n;
                StatementResult::Recorded {
                    target: QualifiedName::dataset(&source.name, &l.target.namespace, &l.target.dataset),
                    declared: target.created,
                    columns: l.columns.len(),
                    edges: n,
                    unresolved: l.unresolved,
                }
            }
        };
        statements.push(StatementOutcome { line: report.line, hash: report.hash, result });
    }
    // The same statement submitted before: its edges give way to this submission's.
    hashes.sort_unstable();
    hashes.dedup();
    for chunk in hashes.chunks(500) {
        lineage_edge::Entity::delete_many()
            .filter(lineage_edge::Column::Origin.eq(Origin::Sql.as_str()))
            .filter(lineage_edge::Column::OriginRef.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
    }
    insert_referenced_edges(&txn, all_edges, Origin::Sql, &who, now).await?;
    let recorded = statements.iter().filter(|s| matches!(s.result, StatementResult::Recorded { .. })).count();
    let failed = statements.iter().filter(|s| matches!(s.result, StatementResult::Failed { .. })).count();
    let record = Record::new(Action::LineageSubmit, vec![GlobalId::source(source.id)]).after(serde_json::json!({
        "dialect": dialect.as_str(),
        "statements": statements.len(),
        "recorded": recorded,
        "failed": failed,
        "edges": total_edges,
        // The first statements' hashes (the edges' origin references); all of them for a script
        // of up to 100 statements.
        "hashes": statements.iter().filter(|s| matches!(s.result, StatementResult::Recorded { .. })).take(100).map(|s| s.hash.as_str()).collect::<Vec<_>>(),
    }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    Ok(SubmissionReport { dialect, statements, columns: total_columns, edges: total_edges })
}

/// Where unqualified names live when the submission does not say: `public` on PostgreSQL,
/// `main` on SQLite; on MySQL the database the source's URL names, else its only namespace.
fn default_namespace(dialect: SqlDialect, shapes: &[crate::catalog::DatasetShape], source_url: &str) -> Result<String, LineageError> {
    match dialect {
        SqlDialect::Postgres => Ok("public".into()),
        SqlDialect::Sqlite => Ok("main".into()),
        SqlDialect::MySql => {
            let from_url = url::Url::parse(source_url).ok().map(|u| u.path().trim_start_matches('/').to_string()).filter(|d| !d.is_empty());
            if let Some(db) = from_url {
                return Ok(db);
            }
            let mut names: Vec<&str> = shapes.iter().map(|s| s.namespace.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            match names.as_slice() {
                [one] => Ok(one.to_string()),
                _ => Err(LineageError::Invalid(format!(
                    "the source holds {} databases and its URL names none: say which with --namespace (the namespace input)",
                    names.len()
                ))),
            }
        }
    }
}
