//! Carrying out an approved plan, checking it, and proving it. Each source's steps run in one
//! transaction on the source; what a source applied is written to the request's journal after
//! its commit, so a run that stops anywhere resumes without applying a step twice: a source in
//! the journal is skipped, and a source whose commit the journal missed is recognised by the
//! subject's rows being gone from it. Before a source runs, its live schema and footprint must
//! still be what was approved.

use super::decide::{fake_integer, fake_value, ColumnAnonymization};
use super::entity as privacy_request;
use super::footprint::{self, Located, TableKey};
use super::policy::{Hold, Strategy};
use super::request::{identifiers, sealing_key, ErasurePlan, PlanStep, PrivacyRequest, RequestStatus, SourcePlan};
use super::sealed::SealingKey;
use super::source::{Dialect, SourceConnection};
use super::subject::SubjectIdentifier;
use super::ErasureError;
use crate::audit::{self, Action, Record};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::ids::GlobalId;
use almanac_scanners::TypeFamily;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

/// Keys deleted per statement.
const KEYS_PER_STATEMENT: usize = 500;

/// What one step did on its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedStep {
    pub order: usize,
    pub dataset: String,
    pub action: String,
    pub rows: i64,
}

/// What execution did on one source for one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceOutcome {
    /// The plan carried out (a request planned again after a partial run has several).
    pub plan_hash: String,
    pub applied_at: DateTime<Utc>,
    pub steps: Vec<AppliedStep>,
    /// Set when a resumed run found the source's steps applied by a run whose journal entry
    /// was lost (it stopped between the source's commit and the journal's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The journal of a request's executions, by source, oldest first.
pub type Execution = BTreeMap<String, Vec<SourceOutcome>>;

/// What verification found left in one planned dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remaining {
    pub dataset: String,
    pub action: String,
    /// Rows of the subject still there: for anonymised rows, those that still match the
    /// subject's identifiers; for held rows, the rows kept.
    pub remaining: i64,
    /// For held rows: the hold they are kept under (restricted, GDPR Art. 18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retained: Option<Hold>,
}

/// For tests of resumption: the process aborts after this many changing statements
/// (`ALMANAC_TEST_ABORT_AFTER_STATEMENTS`) or source commits (`ALMANAC_TEST_ABORT_AFTER_COMMITS`),
/// as a crash or a kill would stop it.
fn crash_point(variable: &str, counter: &AtomicU64) {
    let Some(limit) = std::env::var(variable).ok().and_then(|v| v.parse::<u64>().ok()) else { return };
    if counter.fetch_add(1, Ordering::SeqCst) + 1 >= limit {
        eprintln!("{variable}={limit} reached: aborting as a crash would");
        std::process::abort();
    }
}
static STATEMENTS: AtomicU64 = AtomicU64::new(0);
static COMMITS: AtomicU64 = AtomicU64::new(0);

/// Carries out the request's approved plan, source by source, then verifies it. A stopped
/// run (crash, kill, lost connection) is resumed by running this again.
pub async fn execute(catalog: &Catalog, config: &Config, id: i64, now: DateTime<Utc>) -> Result<PrivacyRequest, ErasureError> {
    let model = load(catalog, id).await?;
    let request = PrivacyRequest::try_from(model.clone())?;
    let resuming = request.status == RequestStatus::Executing;
    if !matches!(request.status, RequestStatus::Approved | RequestStatus::Executing) {
        return Err(ErasureError::WrongState { id, status: request.status.as_str(), wanted: "approved (or executing, to resume)" });
    }
    let plan: ErasurePlan = parse(model.plan.as_deref(), "plan")?.ok_or(ErasureError::Corrupt(format!("request {id} has no plan")))?;
    if request.approved_by.is_none() || request.plan_hash.as_deref() != Some(plan.plan_hash.as_str()) {
        return Err(ErasureError::StalePlan(id));
    }
    if let Some(blocked) = plan.sources.iter().find(|s| !s.executable) {
        return Err(ErasureError::ManualFirst(blocked.source.clone()));
    }
    let subjects = identifiers(catalog, config, &model).await?;
    let key = sealing_key(catalog, config).await?;
    let mut journal: Execution = parse(model.execution.as_deref(), "execution journal")?.unwrap_or_default();
    if !resuming {
        transition(
            catalog,
            id,
            RequestStatus::Approved,
            RequestStatus::Executing,
            now,
            Action::PrivacyRequestExecute,
            serde_json::json!({ "started": true }),
        )
        .await?;
    }
    for source_plan in &plan.sources {
        let steps: Vec<&PlanStep> = plan.steps.iter().filter(|s| s.source == source_plan.source).collect();
        let done = journal.get(&source_plan.source).is_some_and(|runs| runs.iter().any(|r| r.plan_hash == plan.plan_hash));
        if steps.is_empty() || done {
            continue;
        }
        let outcome = run_source(catalog, config, source_plan, &plan.plan_hash, &steps, &subjects, &key, resuming, now).await?;
        // The worst moment to stop: the source committed, the journal not yet written.
        crash_point("ALMANAC_TEST_ABORT_AFTER_COMMITS", &COMMITS);
        journal.entry(source_plan.source.clone()).or_default().push(outcome);
        write_journal(catalog, id, &journal, now).await?;
    }
    transition(
        catalog,
        id,
        RequestStatus::Executing,
        RequestStatus::Verifying,
        now,
        Action::PrivacyRequestExecute,
        serde_json::json!({ "sources": journal.len() }),
    )
    .await?;
    verify(catalog, config, id, Utc::now()).await
}

/// Runs one source's steps in one transaction.
#[allow(clippy::too_many_arguments)]
async fn run_source(
    catalog: &Catalog,
    config: &Config,
    source_plan: &SourcePlan,
    plan_hash: &str,
    steps: &[&PlanStep],
    subjects: &[SubjectIdentifier],
    key: &SealingKey,
    resuming: bool,
    now: DateTime<Utc>,
) -> Result<SourceOutcome, ErasureError> {
    let source_name = source_plan.source.as_str();
    let (mut conn, source) = footprint::connect(catalog, config, source_name, true).await?;
    let result = async {
        let located = footprint::locate(catalog, config, &mut conn, &source, subjects).await?;
        if located.fingerprint != source_plan.fingerprint {
            // A run that stopped after this source's commit, before its journal entry, left
            // nothing of the planned rows: those steps are done. Only when the search is the
            // approved one: with an identity key rejected since, nothing found means nothing.
            let mut left = 0;
            for step in steps.iter().filter(|s| s.action != "retain") {
                left += left_after(&mut conn, step, &located, true).await.map_err(|e| ErasureError::Query {
                    source_name: source_name.to_string(),
                    dataset: step.dataset.clone(),
                    message: footprint::redact(&e.to_string(), subjects),
                })?;
            }
            let same_keys = footprint::key_names(&located.footprint.identity_keys) == source_plan.identity_keys;
            if resuming && same_keys && left == 0 {
                return Ok(SourceOutcome {
                    plan_hash: plan_hash.to_string(),
                    applied_at: now,
                    steps: Vec::new(),
                    note: Some("found already applied when the execution resumed (its journal entry was lost)".into()),
                });
            }
            return Err(ErasureError::PlanChanged(source_name.to_string()));
        }
        let failed = |table: &TableKey, e: sqlx::Error| ErasureError::Query {
            source_name: source_name.to_string(),
            dataset: footprint::show(table),
            message: footprint::redact(&e.to_string(), subjects),
        };
        conn.begin().await.map_err(|e| ErasureError::Unreachable { source_name: source_name.into(), message: e.to_string() })?;
        let mut applied = Vec::new();
        for step in steps {
            let table: TableKey = (step.namespace.clone(), step.table.clone());
            let selection = located.selections.get(&table).ok_or_else(|| ErasureError::PlanChanged(source_name.to_string()))?;
            let rows = match step.action.as_str() {
                "unlink" => {
                    // A row may reference the subject's through several keys: the plan counted
                    // rows, so rows are counted here before the references are removed.
                    let any = selection.shared.iter().fold(Condition::any(), |any, (_, _, c)| any.add(c.clone()));
                    let rows = conn.count(&footprint::count_of(&table, any)).await.map_err(|e| failed(&table, e))?;
                    for (columns, _, condition) in &selection.shared {
                        conn.execute(&nulling(&table, condition, columns)).await.map_err(|e| failed(&table, e))?;
                        crash_point("ALMANAC_TEST_ABORT_AFTER_STATEMENTS", &STATEMENTS);
                    }
                    rows as u64
                }
                "detach" => {
                    let Some(own) = &selection.own else { return Err(ErasureError::PlanChanged(source_name.to_string())) };
                    let rows = conn.count(&footprint::count_of(&table, own.clone())).await.map_err(|e| failed(&table, e))?;
                    conn.execute(&nulling(&table, own, &step.columns)).await.map_err(|e| failed(&table, e))?;
                    crash_point("ALMANAC_TEST_ABORT_AFTER_STATEMENTS", &STATEMENTS);
                    rows as u64
                }
                "anonymize" => anonymize_rows(&mut conn, &table, selection, &step.anonymize, key).await.map_err(|e| failed(&table, e))?,
                // Held rows stay as they are; they are counted, so a change since the plan stops the run.
                "retain" => match &selection.own {
                    Some(own) => conn.count(&footprint::count_of(&table, own.clone())).await.map_err(|e| failed(&table, e))? as u64,
                    None => 0,
                },
                _ => delete_rows(&mut conn, &table, selection).await.map_err(|e| failed(&table, e))?,
            };
            if rows as i64 != step.rows {
                // The rows changed between the check and the statement: nothing of this
                // source is kept, and the request is planned again.
                let _ = conn.rollback().await;
                return Err(ErasureError::PlanChanged(source_name.to_string()));
            }
            applied.push(AppliedStep { order: step.order, dataset: step.dataset.clone(), action: step.action.clone(), rows: rows as i64 });
        }
        conn.commit().await.map_err(|e| failed(&(String::new(), String::new()), e))?;
        Ok(SourceOutcome { plan_hash: plan_hash.to_string(), applied_at: now, steps: applied, note: None })
    }
    .await;
    conn.close().await;
    result
}

/// A statement a step runs, as its plan shows it: the text in the source's dialect and the
/// parameters, with every value that came from the subject's identifiers replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedStatement {
    pub sql: String,
    pub parameters: Vec<String>,
    /// When the statement runs more than once (per key, per row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<String>,
}

fn shown<S: sea_orm::sea_query::QueryStatementWriter>(
    dialect: Dialect,
    secrets: &HashSet<String>,
    statement: &S,
    runs: Option<String>,
) -> PlannedStatement {
    use sea_orm::sea_query::Value;
    let (sql, values) = dialect.build(statement);
    let parameters = values
        .iter()
        .map(|v| {
            let text = match v {
                Value::String(Some(s)) => s.clone(),
                Value::String(None) => return "NULL".to_string(),
                Value::BigInt(Some(i)) => i.to_string(),
                Value::Int(Some(i)) => i.to_string(),
                Value::BigUnsigned(Some(u)) => u.to_string(),
                other => format!("{other:?}"),
            };
            if secrets.contains(&text) {
                "<the subject's identifier>".to_string()
            } else {
                serde_json::Value::String(text).to_string()
            }
        })
        .collect();
    PlannedStatement { sql, parameters, runs }
}

/// The statements a step will run on its source, in order, as [`run_source`] builds them.
pub(super) fn statements(
    action: &str,
    table: &TableKey,
    selection: &footprint::Selection,
    columns: &[String],
    anonymize: &[ColumnAnonymization],
    dialect: Dialect,
    secrets: &HashSet<String>,
) -> Vec<PlannedStatement> {
    let mut out = Vec::new();
    match action {
        "unlink" => {
            for (columns, _, condition) in &selection.shared {
                out.push(shown(dialect, secrets, &nulling(table, condition, columns), None));
            }
        }
        "detach" => {
            if let Some(own) = &selection.own {
                out.push(shown(dialect, secrets, &nulling(table, own, columns), None));
            }
        }
        "retain" => {
            if let Some(own) = &selection.own {
                out.push(shown(dialect, secrets, &footprint::count_of(table, own.clone()), Some("a check: the rows are kept".into())));
            }
        }
        "anonymize" => {
            let Some(own) = &selection.own else { return out };
            let writes = written(anonymize);
            if writes.is_empty() {
                return out;
            }
            if !per_row(&writes) {
                out.push(shown(dialect, secrets, &constant_update(table, own, &writes), None));
                return out;
            }
            let Some((pk, _)) = &selection.key else { return out };
            out.push(shown(dialect, secrets, &rows_to_anonymise(dialect, table, own, pk, &writes), None));
            let mut update = Query::update();
            update.table(footprint::table_ref(table));
            for a in &writes {
                let value = match &a.with {
                    Strategy::Hash => Expr::cust("<keyed hash of the value read>"),
                    Strategy::Fake => Expr::cust("<random value of the shape read>"),
                    _ => constant_value(a),
                };
                update.value(Alias::new(&a.column), value);
            }
            update.and_where(Expr::col(Alias::new(pk)).eq(Expr::cust("<key read>")));
            out.push(shown(dialect, secrets, &update, Some("once per row read by the statement above".into())));
        }
        _ => {
            let Some(own) = &selection.own else { return out };
            match &selection.key {
                Some((key, family)) => {
                    out.push(shown(dialect, secrets, &keys_to_delete(dialect, table, own, key, *family), None));
                    let mut delete = Query::delete();
                    delete.from_table(footprint::table_ref(table)).and_where(Expr::col(Alias::new(key)).is_in([Expr::cust("<keys read>")]));
                    out.push(shown(dialect, secrets, &delete, Some(format!("per {KEYS_PER_STATEMENT} keys read by the statement above"))));
                }
                None => {
                    let mut delete = Query::delete();
                    delete.from_table(footprint::table_ref(table)).cond_where(own.clone());
                    out.push(shown(dialect, secrets, &delete, None));
                }
            }
        }
    }
    out
}

/// Sets `columns` of the rows `condition` selects to NULL: other people's references to the
/// subject's rows (unlink), or the subject's own reference closing a cycle (detach).
fn nulling(table: &TableKey, condition: &Condition, columns: &[String]) -> sea_orm::sea_query::UpdateStatement {
    let mut update = Query::update();
    update.table(footprint::table_ref(table)).cond_where(condition.clone());
    for c in columns {
        update.value(Alias::new(c), null());
    }
    update
}

/// The primary keys of the rows `own` selects, read before they are deleted by key.
fn keys_to_delete(dialect: Dialect, table: &TableKey, own: &Condition, key: &str, family: TypeFamily) -> SelectStatement {
    let mut select = Query::select();
    select.from(footprint::table_ref(table)).cond_where(own.clone());
    match family {
        TypeFamily::Integer => select.expr(dialect.as_bigint(Expr::col(Alias::new(key)))),
        _ => select.column(Alias::new(key)),
    };
    select
}

/// The columns a kept row's anonymisation writes (exempt ones left out).
fn written(anonymize: &[ColumnAnonymization]) -> Vec<&ColumnAnonymization> {
    anonymize.iter().filter(|a| !matches!(a.with, Strategy::Keep { .. })).collect()
}

/// Some value depends on the row (keyed hash, fake value): the rows are updated one by one.
fn per_row(writes: &[&ColumnAnonymization]) -> bool {
    writes.iter().any(|a| matches!(a.with, Strategy::Hash | Strategy::Fake))
}

/// One statement writing the same values (NULL, fixed) into every row `own` selects.
fn constant_update(table: &TableKey, own: &Condition, writes: &[&ColumnAnonymization]) -> sea_orm::sea_query::UpdateStatement {
    let mut update = Query::update();
    update.table(footprint::table_ref(table)).cond_where(own.clone());
    for a in writes {
        update.value(Alias::new(&a.column), constant_value(a));
    }
    update
}

/// The primary key and the written columns, as text, of the rows `own` selects: what a
/// row-by-row anonymisation computes its values from.
fn rows_to_anonymise(dialect: Dialect, table: &TableKey, own: &Condition, pk: &str, writes: &[&ColumnAnonymization]) -> SelectStatement {
    let mut select = Query::select();
    select.from(footprint::table_ref(table)).cond_where(own.clone()).expr(dialect.as_text(Expr::col(Alias::new(pk))));
    for a in writes {
        select.expr(dialect.as_text(Expr::col(Alias::new(&a.column))));
    }
    select
}

/// SQL's NULL as a keyword: a bound NULL parameter carries a type (text, for sqlx), which
/// PostgreSQL refuses to assign to a column of another type.
fn null() -> Expr {
    Expr::cust("NULL")
}

/// The value a constant strategy (NULL, a fixed value) writes.
fn constant_value(a: &ColumnAnonymization) -> Expr {
    match &a.with {
        Strategy::Fixed { value } if a.integer => Expr::val(value.trim().parse::<i64>().unwrap_or_default()),
        Strategy::Fixed { value } => Expr::val(value.clone()),
        _ => null(),
    }
}

/// Deletes the subject's own rows of one dataset: by primary key when it has a simple one (the
/// keys read first, so an engine never deletes from a table it reads in the same statement),
/// else by the condition itself.
async fn delete_rows(conn: &mut SourceConnection, table: &TableKey, selection: &footprint::Selection) -> Result<u64, sqlx::Error> {
    let Some(own) = &selection.own else { return Ok(0) };
    let mut deleted = 0;
    match &selection.key {
        Some((key, family)) => {
            let select = keys_to_delete(conn.dialect(), table, own, key, *family);
            let keys: Vec<Expr> = match family {
                TypeFamily::Integer => conn.integers(&select).await?.into_iter().map(Expr::val).collect(),
                _ => conn.texts(&select).await?.into_iter().map(Expr::val).collect(),
            };
            for chunk in keys.chunks(KEYS_PER_STATEMENT) {
                let mut delete = Query::delete();
                delete.from_table(footprint::table_ref(table)).and_where(Expr::col(Alias::new(key)).is_in(chunk.to_vec()));
                deleted += conn.execute(&delete).await?;
                crash_point("ALMANAC_TEST_ABORT_AFTER_STATEMENTS", &STATEMENTS);
            }
        }
        None => {
            let mut delete = Query::delete();
            delete.from_table(footprint::table_ref(table)).cond_where(own.clone());
            deleted += conn.execute(&delete).await?;
            crash_point("ALMANAC_TEST_ABORT_AFTER_STATEMENTS", &STATEMENTS);
        }
    }
    Ok(deleted)
}

/// Overwrites the personal columns of the subject's rows of one dataset as the plan says:
/// in one statement when every value is the same for all rows (NULL, a fixed value), else row
/// by row through the primary key (keyed hashes and fake values depend on each row's value).
/// Returns the rows changed.
async fn anonymize_rows(
    conn: &mut SourceConnection,
    table: &TableKey,
    selection: &footprint::Selection,
    columns: &[ColumnAnonymization],
    key: &SealingKey,
) -> Result<u64, sqlx::Error> {
    let Some(own) = &selection.own else { return Ok(0) };
    let rows = conn.count(&footprint::count_of(table, own.clone())).await? as u64;
    let writes = written(columns);
    if writes.is_empty() || rows == 0 {
        return Ok(rows);
    }
    if !per_row(&writes) {
        conn.execute(&constant_update(table, own, &writes)).await?;
        crash_point("ALMANAC_TEST_ABORT_AFTER_STATEMENTS", &STATEMENTS);
        return Ok(rows);
    }
    let (pk, family) = selection.key.clone().ok_or_else(|| sqlx::Error::Protocol("no single-column primary key to update by".into()))?;
    let found = conn.text_rows(&rows_to_anonymise(conn.dialect(), table, own, &pk, &writes), writes.len() + 1).await?;
    let rng = ring::rand::SystemRandom::new();
    let mut random = || {
        let mut b = [0u8; 4];
        ring::rand::SecureRandom::fill(&rng, &mut b).map(|_| u32::from_le_bytes(b)).unwrap_or(0)
    };
    for row in found {
        let Some(key_text) = row.first().cloned().flatten() else {
            return Err(sqlx::Error::Protocol("a row to anonymise has no primary key value (NULL): it cannot be updated alone".into()));
        };
        let mut update = Query::update();
        update.table(footprint::table_ref(table));
        for (a, old) in writes.iter().zip(row.iter().skip(1)) {
            let value = match (&a.with, old) {
                (Strategy::Hash | Strategy::Fake, None) => null(),
                (Strategy::Hash, Some(old)) => {
                    let hash = key.value_hash(old);
                    Expr::val(hash[..a.max_chars.unwrap_or(hash.len()).min(hash.len())].to_string())
                }
                (Strategy::Fake, Some(old)) if a.integer => Expr::val(fake_integer(old, &mut random)),
                (Strategy::Fake, Some(old)) => Expr::val(fake_value(old, a.max_chars, &mut random)),
                _ => constant_value(a),
            };
            update.value(Alias::new(&a.column), value);
        }
        let key_value = match family {
            almanac_scanners::TypeFamily::Integer => Expr::val(
                key_text.trim().parse::<i64>().map_err(|_| sqlx::Error::Protocol("a primary key did not read as an integer".into()))?,
            ),
            _ => Expr::val(key_text),
        };
        update.and_where(Expr::col(Alias::new(&pk)).eq(key_value));
        conn.execute(&update).await?;
        crash_point("ALMANAC_TEST_ABORT_AFTER_STATEMENTS", &STATEMENTS);
    }
    Ok(rows)
}

/// What is left of one step's rows on a source located again: deleted rows still there,
/// anonymised rows still matching the subject's identifiers, other people's rows still
/// referencing the subject's, held rows kept.
///
/// When `resuming`, anonymised rows with no identity key of their own (reached through a
/// foreign key or a named column) count as left as long as the subject's rows are found at
/// all: only their being gone proves an earlier run's commit. Verification after a run counts
/// only the rows still matching an identity key, since anonymised rows are kept on purpose.
async fn left_after(conn: &mut SourceConnection, step: &PlanStep, located: &Located, resuming: bool) -> Result<i64, sqlx::Error> {
    let table: TableKey = (step.namespace.clone(), step.table.clone());
    let Some(d) = located.footprint.datasets.iter().find(|d| d.namespace == step.namespace && d.dataset == step.table) else {
        return Ok(0);
    };
    Ok(match step.action.as_str() {
        "unlink" => d.shared_rows,
        "anonymize" => match located.selections.get(&table).and_then(|s| s.direct.clone()) {
            Some(direct) => conn.count(&footprint::count_of(&table, direct)).await?,
            None if resuming => d.rows,
            None => 0,
        },
        _ => d.rows,
    })
}

/// Looks again, on every source the plan touched, for what the plan removed, and records what
/// is left. A request with nothing left is completed and closed: its sealed identifiers are
/// replaced by keyed hashes (the suppression list), so the catalog keeps nothing readable of
/// the subject; otherwise it is partially completed and keeps them for another try.
pub async fn verify(catalog: &Catalog, config: &Config, id: i64, now: DateTime<Utc>) -> Result<PrivacyRequest, ErasureError> {
    let model = load(catalog, id).await?;
    let request = PrivacyRequest::try_from(model.clone())?;
    if !matches!(request.status, RequestStatus::Verifying | RequestStatus::PartiallyCompleted | RequestStatus::Held) {
        return Err(ErasureError::WrongState { id, status: request.status.as_str(), wanted: "verifying, partially completed or held" });
    }
    let plan: ErasurePlan = parse(model.plan.as_deref(), "plan")?.ok_or(ErasureError::Corrupt(format!("request {id} has no plan")))?;
    let subjects = identifiers(catalog, config, &model).await?;
    let mut remaining = Vec::new();
    for source_plan in &plan.sources {
        let steps: Vec<&PlanStep> = plan.steps.iter().filter(|s| s.source == source_plan.source).collect();
        if steps.is_empty() {
            continue;
        }
        let (mut conn, source) = footprint::connect(catalog, config, &source_plan.source, false).await?;
        let counted = async {
            let located = footprint::locate(catalog, config, &mut conn, &source, &subjects).await?;
            if footprint::key_names(&located.footprint.identity_keys) != source_plan.identity_keys {
                return Err(ErasureError::PlanChanged(source_plan.source.clone()));
            }
            let mut out = Vec::new();
            for step in steps {
                let left = left_after(&mut conn, step, &located, false).await.map_err(|e| ErasureError::Query {
                    source_name: source_plan.source.clone(),
                    dataset: step.dataset.clone(),
                    message: footprint::redact(&e.to_string(), &subjects),
                })?;
                let retained = step.hold.clone().filter(|_| step.action == "retain" && left > 0);
                out.push(Remaining { dataset: step.dataset.clone(), action: step.action.clone(), remaining: left, retained });
            }
            Ok(out)
        }
        .await;
        conn.close().await;
        remaining.extend(counted?);
    }
    // Held rows are meant to remain; everything else must be gone.
    let complete = remaining.iter().filter(|r| r.retained.is_none()).all(|r| r.remaining == 0);
    let hold_ends = remaining.iter().filter_map(|r| r.retained.as_ref()).map(|h| h.until).min();
    let status = match (complete, hold_ends) {
        (false, _) => RequestStatus::PartiallyCompleted,
        (true, Some(_)) => RequestStatus::Held,
        (true, None) => RequestStatus::Completed,
    };
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let current = privacy_request::Entity::find_by_id(id).lock_exclusive().one(&txn).await?.ok_or(ErasureError::NoRequest(id))?;
    if current.status != model.status {
        return Err(ErasureError::Concurrent(id));
    }
    let mut active = current.into_active_model();
    active.status = Set(status.as_str().into());
    active.verification = Set(Some(serde_json::to_string(&remaining).map_err(|e| ErasureError::Corrupt(e.to_string()))?));
    active.updated_at = Set(now);
    // Erased from the day after the hold's last day.
    active.hold_until = Set(hold_ends.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc()));
    if status == RequestStatus::Completed {
        let key = sealing_key(catalog, config).await?;
        let hashes: Vec<String> = subjects.iter().map(|s| key.suppression_hash(&s.kind().label(), s.value())).collect();
        active.subject_hashes = Set(Some(serde_json::to_string(&hashes).map_err(|e| ErasureError::Corrupt(e.to_string()))?));
        active.subjects_sealed = Set(None);
        active.closed_at = Set(Some(now));
    }
    let model = active.update(&txn).await?;
    let left: i64 = remaining.iter().filter(|r| r.retained.is_none()).map(|r| r.remaining).sum();
    let held: i64 = remaining.iter().filter(|r| r.retained.is_some()).map(|r| r.remaining).sum();
    let record = Record::new(Action::PrivacyRequestVerify, vec![GlobalId::privacy_request(id)])
        .before(serde_json::json!({ "status": request.status.as_str() }))
        .after(serde_json::json!({ "status": status.as_str(), "datasets": remaining.len(), "rows_left": left, "rows_held": held, "hold_until": hold_ends }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    PrivacyRequest::try_from(model)
}

/// What reclaimed the space of a request's deleted rows on one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compaction {
    pub source: String,
    pub statements: Vec<String>,
    pub at: DateTime<Utc>,
}

/// Reclaims, on every source the request changed, the space its deleted and overwritten rows
/// still hold (see [`SourceConnection::reclaim`]; `full` rewrites PostgreSQL tables, taking
/// an exclusive lock), and records what ran in the request's report. For a request whose
/// execution is over.
pub async fn compact(catalog: &Catalog, config: &Config, id: i64, full: bool, now: DateTime<Utc>) -> Result<Vec<Compaction>, ErasureError> {
    let model = load(catalog, id).await?;
    let request = PrivacyRequest::try_from(model.clone())?;
    if request.kind != super::request::RequestKind::Erasure {
        return Err(ErasureError::WrongKind { id, kind: request.kind.as_str() });
    }
    if !matches!(request.status, RequestStatus::Completed | RequestStatus::Held | RequestStatus::PartiallyCompleted) {
        return Err(ErasureError::WrongState { id, status: request.status.as_str(), wanted: "completed, held or partially completed" });
    }
    let execution: Execution = parse(model.execution.as_deref(), "execution journal")?.unwrap_or_default();
    let plan: Option<ErasurePlan> = parse(model.plan.as_deref(), "plan")?;
    let mut now_done = Vec::new();
    for (source, runs) in &execution {
        let mut tables: Vec<(String, String)> = Vec::new();
        for run in runs {
            for step in run.steps.iter().filter(|s| s.action != "retain") {
                let table = plan
                    .iter()
                    .flat_map(|p| p.steps.iter())
                    .find(|p| p.dataset == step.dataset)
                    .map(|p| (p.namespace.clone(), p.table.clone()));
                if let Some(t) = table.filter(|t| !tables.contains(t)) {
                    tables.push(t);
                }
            }
        }
        if tables.is_empty() {
            continue;
        }
        let (mut conn, _) = footprint::connect(catalog, config, source, true).await?;
        let ran = conn.reclaim(&tables, full).await;
        conn.close().await;
        let statements =
            ran.map_err(|e| ErasureError::Query { source_name: source.clone(), dataset: String::new(), message: e.to_string() })?;
        now_done.push(Compaction { source: source.clone(), statements, at: now });
    }
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let current = privacy_request::Entity::find_by_id(id).lock_exclusive().one(&txn).await?.ok_or(ErasureError::NoRequest(id))?;
    // Appended to what is recorded now, not when this run started (another may have run).
    let mut done: Vec<Compaction> = parse(current.compaction.as_deref(), "compaction")?.unwrap_or_default();
    done.extend(now_done.iter().cloned());
    let mut active = current.into_active_model();
    active.compaction = Set(Some(serde_json::to_string(&done).map_err(|e| ErasureError::Corrupt(e.to_string()))?));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let record = Record::new(Action::PrivacyRequestCompact, vec![GlobalId::privacy_request(id)])
        .after(serde_json::json!({ "sources": now_done.iter().map(|c| &c.source).collect::<Vec<_>>(), "full": full }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    Ok(now_done)
}

/// The completion report: what was found, done where and when, by whom, what verification
/// found left, what a person must still do, and what still holds deleted data physically.
pub async fn report(catalog: &Catalog, id: i64) -> Result<serde_json::Value, ErasureError> {
    let model = load(catalog, id).await?;
    let request = PrivacyRequest::try_from(model.clone())?;
    let plan: Option<ErasurePlan> = parse(model.plan.as_deref(), "plan")?;
    let execution: Execution = parse(model.execution.as_deref(), "execution journal")?.unwrap_or_default();
    let verification: Vec<Remaining> = parse(model.verification.as_deref(), "verification")?.unwrap_or_default();
    let compaction: Vec<Compaction> = parse(model.compaction.as_deref(), "compaction")?.unwrap_or_default();
    let mut residue = Vec::new();
    for source in execution.keys() {
        let engine = catalog.source_by_name(source).await.map(|s| s.engine).unwrap_or_default();
        let note = match engine.as_str() {
            "postgres" => "PostgreSQL keeps deleted rows as dead tuples until VACUUM reclaims them, and in its write-ahead log and backups until they expire: run VACUUM on the tables named above and let backups age out",
            "mysql" => "MariaDB/MySQL keeps deleted rows in undo logs until purge and in binary logs and backups until they expire",
            "sqlite" => "SQLite leaves deleted rows in free pages until VACUUM (or secure_delete) overwrites them, and in backups",
            _ => "backups and logs of this source keep deleted data until they expire",
        };
        let done: Vec<String> = compaction
            .iter()
            .filter(|c| c.source == *source)
            .flat_map(|c| c.statements.iter().map(move |s| format!("{s} at {}", c.at.to_rfc3339())))
            .collect();
        let done = if done.is_empty() {
            "nothing yet: `almanac erasure compact ID` reclaims the space on the source".to_string()
        } else {
            format!("{} (backups and logs still age out on their own schedule)", done.join("; "))
        };
        residue.push(serde_json::json!({ "source": source, "physical_copies": note, "done": done }));
    }
    Ok(serde_json::json!({
        "request": id,
        "kind": request.kind,
        "status": request.status,
        "received_at": request.received_at,
        "due_at": request.due_at,
        "requester": request.requester,
        "approved_by": request.approved_by,
        "approved_at": request.approved_at,
        "closed_at": model.closed_at,
        "plan_hash": request.plan_hash,
        "found": plan.as_ref().map(|p| &p.steps),
        "manual_tasks": plan.as_ref().map(|p| &p.manual_tasks),
        "coverage": plan.as_ref().map(|p| &p.coverage),
        "warnings": plan.as_ref().map(|p| &p.warnings),
        "notify": plan.as_ref().map(|p| &p.notify),
        "retained": verification.iter().filter_map(|v| v.retained.as_ref().map(|h| serde_json::json!({
            "dataset": v.dataset,
            "rows": v.remaining,
            "ground": h.ground.article(),
            "statute": h.statute,
            "until": h.until,
            "restricted": true,
        }))).collect::<Vec<_>>(),
        "hold_until": request.hold_until,
        "reappearances": parse::<serde_json::Value>(model.reappearances.as_deref(), "reappearances")?.unwrap_or_default(),
        "not_followed": plan.as_ref().map(|p| &p.not_followed),
        "execution": execution,
        "verification": verification,
        "physical_copies": residue,
    }))
}

/// The report as an HTML page for a reader without tools (every text escaped).
pub fn report_html(report: &serde_json::Value) -> String {
    fn esc(v: &serde_json::Value) -> String {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "-".into(),
            other => other.to_string(),
        };
        text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    }
    let rows = |key: &str, cols: &[&str]| -> String {
        let items = report[key].as_array().cloned().unwrap_or_default();
        let head: String = cols.iter().map(|c| format!("<th>{c}</th>")).collect();
        let body: String = items
            .iter()
            .map(|i| format!("<tr>{}</tr>", cols.iter().map(|c| format!("<td>{}</td>", esc(&i[*c]))).collect::<String>()))
            .collect();
        format!("<table><tr>{head}</tr>{body}</table>")
    };
    let executed: String = report["execution"]
        .as_object()
        .map(|m| {
            m.iter()
                .flat_map(|(source, runs)| runs.as_array().cloned().unwrap_or_default().into_iter().map(move |o| (source.clone(), o)))
                .flat_map(|(source, o)| {
                    o["steps"].as_array().cloned().unwrap_or_default().into_iter().map(move |s| {
                        format!(
                            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            esc(&serde_json::json!(source)),
                            esc(&s["dataset"]),
                            esc(&s["action"]),
                            esc(&s["rows"]),
                            esc(&o["applied_at"])
                        )
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Erasure request {id}</title>\
         <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.3em .6em;text-align:left}}</style></head><body>\
         <h1>Erasure request {id}</h1><p>Status: <strong>{status}</strong>. Received {received} (due {due}), requested through {requester}; plan {hash} approved by {approver} at {approved}; closed {closed}.</p>\
         <h2>Found</h2>{found}<h2>Done</h2><table><tr><th>source</th><th>dataset</th><th>action</th><th>rows</th><th>at</th></tr>{executed}</table>\
         <h2>Verification</h2>{verification}<h2>Retained under a legal hold (restricted, Art. 18)</h2>{retained}\
         <h2>Personal columns and how they were handled</h2>{coverage}<h2>Warnings</h2>{warnings}\
         <h2>Recipients and downstream systems to notify (Art. 19)</h2>{notify}<h2>For a person to do</h2>{manual}<h2>Copies that still hold deleted data</h2>{residue}</body></html>",
        id = esc(&report["request"]),
        status = esc(&report["status"]),
        received = esc(&report["received_at"]),
        due = esc(&report["due_at"]),
        requester = esc(&report["requester"]),
        hash = esc(&report["plan_hash"]),
        approver = esc(&report["approved_by"]),
        approved = esc(&report["approved_at"]),
        closed = esc(&report["closed_at"]),
        found = rows("found", &["order", "dataset", "action", "rows", "policy"]),
        retained = rows("retained", &["dataset", "rows", "ground", "statute", "until"]),
        coverage = rows("coverage", &["dataset", "column", "handling"]),
        notify = rows("notify", &["dataset", "owner", "from"]),
        warnings = report["warnings"]
            .as_array()
            .map(|w| w.iter().map(|t| format!("<p>{}</p>", esc(t))).collect::<String>())
            .unwrap_or_default(),
        verification = rows("verification", &["dataset", "action", "remaining"]),
        manual = rows("manual_tasks", &["source", "reason"]),
        residue = rows("physical_copies", &["source", "physical_copies", "done"]),
    )
}

async fn load(catalog: &Catalog, id: i64) -> Result<privacy_request::Model, ErasureError> {
    privacy_request::Entity::find_by_id(id).one(catalog.connection()).await?.ok_or(ErasureError::NoRequest(id))
}

fn parse<T: serde::de::DeserializeOwned>(text: Option<&str>, what: &str) -> Result<Option<T>, ErasureError> {
    text.map(|t| serde_json::from_str(t).map_err(|e| ErasureError::Corrupt(format!("{what}: {e}")))).transpose()
}

async fn write_journal(catalog: &Catalog, id: i64, journal: &Execution, now: DateTime<Utc>) -> Result<(), ErasureError> {
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let current = privacy_request::Entity::find_by_id(id).lock_exclusive().one(&txn).await?.ok_or(ErasureError::NoRequest(id))?;
    let mut active = current.into_active_model();
    active.execution = Set(Some(serde_json::to_string(journal).map_err(|e| ErasureError::Corrupt(e.to_string()))?));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Moves the request from `from` to `to`, audited.
async fn transition(
    catalog: &Catalog,
    id: i64,
    from: RequestStatus,
    to: RequestStatus,
    now: DateTime<Utc>,
    action: Action,
    details: serde_json::Value,
) -> Result<(), ErasureError> {
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let current = privacy_request::Entity::find_by_id(id).lock_exclusive().one(&txn).await?.ok_or(ErasureError::NoRequest(id))?;
    if current.status != from.as_str() {
        return Err(ErasureError::Concurrent(id));
    }
    let mut active = current.into_active_model();
    active.status = Set(to.as_str().into());
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let record = Record::new(action, vec![GlobalId::privacy_request(id)])
        .before(serde_json::json!({ "status": from.as_str() }))
        .after(serde_json::json!({ "status": to.as_str(), "details": details }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    Ok(())
}
