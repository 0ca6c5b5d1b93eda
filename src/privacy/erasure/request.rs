//! Requests from data subjects, received, planned and approved: the stored record of each
//! step, audited by request (never by person), with the subject's identifiers sealed.

use super::decide::{ColumnAnonymization, ColumnCoverage};
use super::entity as privacy_request;
use super::footprint::{self, Reach};
use super::policy::{Hold, PolicyAction};
use super::sealed::{default_key_path, SealingKey};
use super::subject::{IdentifierKind, SubjectIdentifier};
use super::ErasureError;
use crate::audit::{self, Action, Record};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::ids::GlobalId;
use chrono::{DateTime, Months, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Identifiers one request may name, at most.
pub const MAX_SUBJECT_IDENTIFIERS: usize = 32;

/// Where requests' identifiers are sealed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// The key file (default: beside an SQLite store, `catalog.db.privacy-key`). Keep it
    /// out of the store's backups, or a backup and the key together reveal open requests.
    pub key_file: Option<String>,
}

/// What a data subject asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// GDPR Art. 17.
    Erasure,
    /// GDPR Art. 15.
    Access,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Erasure => "erasure",
            RequestKind::Access => "access",
        }
    }

    fn parse(text: &str) -> Option<RequestKind> {
        [RequestKind::Erasure, RequestKind::Access].into_iter().find(|k| k.as_str() == text)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Received,
    Planned,
    Approved,
    Executing,
    Verifying,
    Completed,
    /// Executed and verified; rows kept under a legal hold wait for its end to be erased.
    Held,
    Failed,
    PartiallyCompleted,
    Rejected,
    Cancelled,
}

impl RequestStatus {
    const ALL: [RequestStatus; 11] = [
        RequestStatus::Received,
        RequestStatus::Planned,
        RequestStatus::Approved,
        RequestStatus::Executing,
        RequestStatus::Verifying,
        RequestStatus::Completed,
        RequestStatus::Held,
        RequestStatus::Failed,
        RequestStatus::PartiallyCompleted,
        RequestStatus::Rejected,
        RequestStatus::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Received => "received",
            RequestStatus::Planned => "planned",
            RequestStatus::Approved => "approved",
            RequestStatus::Executing => "executing",
            RequestStatus::Verifying => "verifying",
            RequestStatus::Completed => "completed",
            RequestStatus::Held => "held",
            RequestStatus::Failed => "failed",
            RequestStatus::PartiallyCompleted => "partially_completed",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Nothing more happens to the request.
    pub fn is_closed(self) -> bool {
        matches!(self, RequestStatus::Completed | RequestStatus::Rejected | RequestStatus::Cancelled)
    }
}

/// A request as stored, without its identifiers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrivacyRequest {
    pub id: i64,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub requester: String,
    pub received_at: DateTime<Utc>,
    /// One calendar month after receipt (GDPR Art. 12(3)).
    pub due_at: DateTime<Utc>,
    pub subject_count: i32,
    pub plan_hash: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    /// Why the due date was extended, when it was.
    pub extension_reason: Option<String>,
    /// Why the request was rejected or cancelled, when it was.
    pub closing_reason: Option<String>,
    /// When held, the day its first legal hold ends: its held rows are to be erased then
    /// (plan the request again from that day).
    pub hold_until: Option<DateTime<Utc>>,
}

impl TryFrom<privacy_request::Model> for PrivacyRequest {
    type Error = ErasureError;
    fn try_from(m: privacy_request::Model) -> Result<Self, ErasureError> {
        let corrupt = |what: &str| ErasureError::Corrupt(format!("request {} has an unknown {what}", m.id));
        Ok(PrivacyRequest {
            id: m.id,
            kind: RequestKind::parse(&m.kind).ok_or_else(|| corrupt("kind"))?,
            status: RequestStatus::parse(&m.status).ok_or_else(|| corrupt("status"))?,
            requester: m.requester,
            received_at: m.received_at,
            due_at: m.due_at,
            subject_count: m.subject_count,
            plan_hash: m.plan_hash,
            approved_by: m.approved_by,
            approved_at: m.approved_at,
            extension_reason: m.extension_reason,
            closing_reason: m.closing_reason,
            hold_until: m.hold_until,
        })
    }
}

/// One dataset's rows of the subject and what the plan does with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStep {
    /// Position in execution order: references to the subject's rows are removed first, then
    /// rows are deleted before the rows they reference.
    pub order: usize,
    pub source: String,
    /// `source.namespace.dataset`.
    pub dataset: String,
    pub namespace: String,
    pub table: String,
    /// `delete` the subject's rows, `anonymize` them (the `anonymize` columns overwritten,
    /// the rest kept), `retain` them under a legal `hold`, `unlink` other people's rows
    /// from them (the referencing `columns` set to NULL, the rest of those rows kept), or
    /// `detach` them (their `columns` set to NULL before the deletes, to break a cycle).
    pub action: String,
    pub rows: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    pub reached_by: Vec<Reach>,
    /// Identity keys a scan suggested and no steward confirmed took part in finding these rows.
    pub uses_suggested_keys: bool,
    /// The policy that decided the action (`policy of chinook.main.Invoice v2`, `default
    /// (delete)`, or why rows are kept with others).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub policy: String,
    /// For `anonymize`: what is written into each personal column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anonymize: Vec<ColumnAnonymization>,
    /// For `retain`: the legal hold the rows are kept under (restricted, GDPR Art. 18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<Hold>,
    /// The statements the step runs, with their parameters (the subject's identifiers
    /// replaced).
    #[serde(default)]
    pub statements: Vec<super::execute::PlannedStatement>,
}

/// Something the plan cannot do by itself: a person must.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualTask {
    pub source: String,
    pub reason: String,
}

/// A dataset fed through lineage from personal columns the plan touches, outside the plan:
/// its owner is to be told of the erasure (GDPR Art. 19), or erases the copy there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub dataset: String,
    pub owner: Option<String>,
    /// The personal columns (`source.namespace.dataset.column`) its columns derive from.
    pub from: Vec<String>,
}

/// What the plan found in one source: the fingerprint of its live schema and footprint that
/// execution checks again, and whether the source's steps can run without a person first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePlan {
    pub source: String,
    pub fingerprint: String,
    pub executable: bool,
    /// The identity keys searched (`namespace.dataset.column (Kind)`): a resumed run and
    /// verification search with the same keys, or refuse.
    pub identity_keys: Vec<String>,
}

/// A request's plan: a dry run over the live sources, stored and hashed; an approval binds
/// to the hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasurePlan {
    pub request: i64,
    pub steps: Vec<PlanStep>,
    pub sources: Vec<SourcePlan>,
    pub manual_tasks: Vec<ManualTask>,
    /// Foreign-key paths the search did not follow (cycles, depth), for a person to look at.
    pub not_followed: Vec<String>,
    /// How every personal-data column found is handled; the plan cannot be approved while a
    /// column is not.
    #[serde(default)]
    pub coverage: Vec<ColumnCoverage>,
    /// What an approver should read first (columns left in kept rows that may still identify).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Downstream datasets outside the plan to notify (GDPR Art. 19).
    #[serde(default)]
    pub notify: Vec<Recipient>,
    pub plan_hash: String,
}

/// The configured key, else the store's default one.
pub(super) async fn sealing_key(catalog: &Catalog, config: &Config) -> Result<SealingKey, ErasureError> {
    let path = match &config.privacy.key_file {
        Some(p) => std::path::PathBuf::from(p),
        None => default_key_path(&config.store, &crate::store::identity(catalog.connection()).await?),
    };
    Ok(SealingKey::load_or_create(&path)?)
}

pub(super) fn seal_context(id: i64) -> String {
    format!("almanac privacy request {id}")
}

/// Receives a request: its identifiers sealed, its due date a month away. Audited by id.
pub async fn create(
    catalog: &Catalog,
    config: &Config,
    kind: RequestKind,
    subjects: &[SubjectIdentifier],
    requester: &str,
    now: DateTime<Utc>,
) -> Result<PrivacyRequest, ErasureError> {
    if subjects.is_empty() {
        return Err(ErasureError::NoSubject);
    }
    if subjects.len() > MAX_SUBJECT_IDENTIFIERS {
        return Err(ErasureError::TooManyIdentifiers(MAX_SUBJECT_IDENTIFIERS));
    }
    let requester = requester.trim();
    if requester.is_empty() || requester.chars().count() > 200 || requester.chars().any(char::is_control) {
        return Err(ErasureError::BadActor("requester".into()));
    }
    let key = sealing_key(catalog, config).await?;
    let due_at = now.checked_add_months(Months::new(1)).unwrap_or(now);
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let model = privacy_request::ActiveModel {
        id: sea_orm::NotSet,
        kind: Set(kind.as_str().into()),
        status: Set(RequestStatus::Received.as_str().into()),
        requester: Set(requester.to_string()),
        received_at: Set(now),
        due_at: Set(due_at),
        subjects_sealed: Set(None),
        subject_count: Set(subjects.len() as i32),
        plan: Set(None),
        plan_hash: Set(None),
        planned_at: Set(None),
        approved_by: Set(None),
        approved_at: Set(None),
        execution: Set(None),
        verification: Set(None),
        subject_hashes: Set(None),
        closed_at: Set(None),
        extension_reason: Set(None),
        closing_reason: Set(None),
        hold_until: Set(None),
        reappearances: Set(None),
        compaction: Set(None),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    // Sealed under the request's id, so a sealed text moved to another request does not open.
    let plain: Vec<(String, String)> = subjects.iter().map(|s| (s.kind().label(), s.value().to_string())).collect();
    let sealed = key.seal(&seal_context(model.id), &serde_json::to_vec(&plain).map_err(|e| ErasureError::Corrupt(e.to_string()))?)?;
    let mut active = model.into_active_model();
    active.subjects_sealed = Set(Some(sealed));
    let model = active.update(&txn).await?;
    let record = Record::new(Action::PrivacyRequestCreate, vec![GlobalId::privacy_request(model.id)])
        .after(serde_json::json!({ "kind": kind.as_str(), "identifiers": subjects.len(), "requester": requester, "due": due_at }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    PrivacyRequest::try_from(model)
}

/// A request by id.
pub async fn get(catalog: &Catalog, id: i64) -> Result<PrivacyRequest, ErasureError> {
    let model = privacy_request::Entity::find_by_id(id).one(catalog.connection()).await?.ok_or(ErasureError::NoRequest(id))?;
    PrivacyRequest::try_from(model)
}

/// The request's identifiers, opened with the key.
pub(super) async fn identifiers(
    catalog: &Catalog,
    config: &Config,
    model: &privacy_request::Model,
) -> Result<Vec<SubjectIdentifier>, ErasureError> {
    let sealed = model.subjects_sealed.as_deref().ok_or(ErasureError::Closed(model.id))?;
    let key = sealing_key(catalog, config).await?;
    let plain = key.open(&seal_context(model.id), sealed)?;
    // Never the parser's message: it may quote the identifier.
    let unreadable = || ErasureError::Corrupt(format!("the sealed identifiers of request {} do not read back", model.id));
    let pairs: Vec<(String, String)> = serde_json::from_slice(&plain).map_err(|_| unreadable())?;
    pairs
        .iter()
        .map(|(kind, value)| IdentifierKind::from_label(kind).and_then(|k| SubjectIdentifier::new(k, value).ok()).ok_or_else(unreadable))
        .collect()
}

/// Plans the request: the subject's footprint in every scanned database source, each dataset's
/// rows to delete in an order that deletes referencing rows first, and manual tasks for what
/// cannot be searched. The plan is stored and hashed; planning again replaces it and
/// withdraws an approval of the previous one.
pub async fn plan(catalog: &Catalog, config: &Config, id: i64, now: DateTime<Utc>) -> Result<ErasurePlan, ErasureError> {
    let model = privacy_request::Entity::find_by_id(id).one(catalog.connection()).await?.ok_or(ErasureError::NoRequest(id))?;
    let request = PrivacyRequest::try_from(model.clone())?;
    // An execution that stopped on a changed source is planned again: what it applied stays in
    // its journal, and the new plan holds what is left.
    if !matches!(
        request.status,
        RequestStatus::Received
            | RequestStatus::Planned
            | RequestStatus::Approved
            | RequestStatus::Executing
            | RequestStatus::Verifying
            | RequestStatus::PartiallyCompleted
            | RequestStatus::Held
    ) {
        return Err(ErasureError::WrongState {
            id,
            status: request.status.as_str(),
            wanted: "received, planned, approved, executing, verifying, partially completed or held",
        });
    }
    if request.kind != RequestKind::Erasure {
        return Err(ErasureError::WrongKind { id, kind: request.kind.as_str() });
    }
    let subjects = identifiers(catalog, config, &model).await?;
    let mut steps: Vec<((u8, usize), PlanStep)> = Vec::new();
    let mut sources = Vec::new();
    let mut manual_tasks = Vec::new();
    let mut not_followed = Vec::new();
    let mut coverage = Vec::new();
    let mut warnings = Vec::new();
    let policies = super::policy::in_force(catalog.connection()).await?;
    for source in database_sources(catalog, &mut manual_tasks).await? {
        let located = footprint::locate_read_only(catalog, config, &source.name, &subjects).await?;
        let mut categories = super::access::column_categories(catalog, source.id, &located.selections.keys().cloned().collect()).await?;
        // A copy of an identity key through lineage holds what the key holds, classified or not.
        for k in located.footprint.identity_keys.iter().filter(|k| k.via_lineage.is_some()) {
            let of_column = categories.entry((k.namespace.clone(), k.dataset.clone())).or_default().entry(k.column.clone()).or_default();
            if !of_column.iter().any(|c| c == k.kind.category()) {
                of_column.push(k.kind.category().to_string());
            }
        }
        let decisions =
            super::decide::decide(&source.name, &located.footprint.datasets, &located.selections, &categories, &policies, now.date_naive());
        coverage.extend(decisions.coverage.iter().cloned());
        warnings.extend(decisions.warnings.iter().cloned());
        let found = located.footprint;
        not_followed.extend(found.cut.iter().map(|c| format!("{}: {c}", source.name)));
        // Rows below a path not followed may reference rows the plan deletes: the engine would
        // refuse, or cascade to rows nobody planned for. A person looks first.
        let mut executable = found.cut.is_empty();
        if !executable {
            manual_tasks.push(ManualTask {
                source: source.name.clone(),
                reason: "foreign-key paths were not followed to their end (see not_followed): look at the rows below them, settle them, and plan again".into(),
            });
        }
        let identity_keys = footprint::key_names(&found.identity_keys);
        manual_tasks.extend(found.copies.iter().map(|c| ManualTask { source: source.name.clone(), reason: c.clone() }));
        let shown_statements = |s: &PlanStep| {
            let table = (s.namespace.clone(), s.table.clone());
            located.selections.get(&table).map_or_else(Vec::new, |selection| {
                super::execute::statements(&s.action, &table, selection, &s.columns, &s.anonymize, located.dialect, &located.secrets)
            })
        };
        for d in found.datasets {
            let dataset = crate::catalog::names::QualifiedName::dataset(&source.name, &d.namespace, &d.dataset).to_string();
            let step = |action: &str, rows: i64, columns: Vec<String>, reached_by: Vec<Reach>| PlanStep {
                order: 0,
                source: source.name.clone(),
                dataset: dataset.clone(),
                namespace: d.namespace.clone(),
                table: d.dataset.clone(),
                action: action.into(),
                rows,
                columns,
                reached_by,
                uses_suggested_keys: d.through_suggested_keys,
                policy: String::new(),
                anonymize: Vec::new(),
                hold: None,
                statements: Vec::new(),
            };
            // Other people's rows that reference only rows the plan keeps keep their
            // references.
            let kept_parent = |r: &Reach| match r {
                Reach::ForeignKey { parent, .. } => decisions.by_table.keys().any(|k| footprint::show(k) == *parent && decisions.kept(k)),
                _ => false,
            };
            let references_kept = d.shared_by.iter().all(kept_parent);
            if d.shared_rows > 0 && !references_kept && d.shared_by.iter().any(kept_parent) {
                // Some of those references lead to rows the plan keeps, some to rows it
                // deletes: unlinking them all would cut the kept ones too.
                executable = false;
                manual_tasks.push(ManualTask {
                    source: source.name.clone(),
                    reason: format!(
                        "{} rows of {dataset} belong to other people and reference rows of the subject the plan keeps as well as rows it deletes: decide which references go before this source's steps can run",
                        d.shared_rows
                    ),
                });
            } else if d.shared_rows > 0 && !references_kept {
                if d.shared_nullable {
                    let mut columns: Vec<String> = d
                        .shared_by
                        .iter()
                        .flat_map(|r| if let Reach::ForeignKey { columns, .. } = r { columns.clone() } else { Vec::new() })
                        .collect();
                    columns.dedup();
                    // Unlinks run first.
                    let mut s = step("unlink", d.shared_rows, columns, d.shared_by.clone());
                    s.statements = shown_statements(&s);
                    steps.push(((0, 0), s));
                } else {
                    executable = false;
                    manual_tasks.push(ManualTask {
                        source: source.name.clone(),
                        reason: format!(
                            "{} rows of {dataset} belong to other people and reference the subject's rows through columns that cannot be NULL: decide what becomes of them before this source's steps can run",
                            d.shared_rows
                        ),
                    });
                }
            }
            let decision = decisions.by_table.get(&(d.namespace.clone(), d.dataset.clone()));
            // The references that close a cycle among the rows to delete are removed first.
            if let (true, Some(PolicyAction::Delete)) = (d.rows > 0, decision.map(|x| x.action)) {
                for columns in &d.detach {
                    let mut s = step("detach", d.rows, columns.clone(), d.reached_by.clone());
                    s.policy = "breaks a cycle of foreign keys among the rows to delete".into();
                    s.statements = shown_statements(&s);
                    steps.push(((0, 1), s));
                }
            }
            if let (true, Some(decision)) = (d.rows > 0, decision) {
                let mut s = step(decision.action.as_str(), d.rows, Vec::new(), d.reached_by.clone());
                s.policy = decision.origin.clone();
                // Anonymised rows are changed where deleted ones would go (referencing rows
                // first, while the conditions that find them still hold).
                let order = match decision.action {
                    // Held rows are counted before anything changes the conditions that find them.
                    PolicyAction::Retain => (0, 2),
                    PolicyAction::Anonymize => {
                        s.anonymize = decision.columns.clone();
                        (1, d.deletion_rank)
                    }
                    PolicyAction::Delete => (1, d.deletion_rank),
                };
                s.hold = decision.hold.clone().filter(|_| decision.action == PolicyAction::Retain);
                s.statements = shown_statements(&s);
                steps.push((order, s));
            }
        }
        sources.push(SourcePlan { source: source.name.clone(), fingerprint: located.fingerprint, executable, identity_keys });
    }
    // By source; in each, unlinks first, then deletes in the order the foreign keys allow (a row
    // before the rows it references).
    steps.sort_by(|a, b| a.1.source.cmp(&b.1.source).then_with(|| a.0.cmp(&b.0)).then_with(|| a.1.dataset.cmp(&b.1.dataset)));
    let steps: Vec<PlanStep> = steps.into_iter().enumerate().map(|(i, (_, s))| PlanStep { order: i + 1, ..s }).collect();
    let planned = steps.iter().map(|s| s.dataset.clone()).collect();
    let personal: Vec<(String, String)> = coverage.iter().map(|c| (c.dataset.clone(), c.column.clone())).collect();
    let notify = recipients(catalog, &planned, &personal).await?;
    let mut plan =
        ErasurePlan { request: id, steps, sources, manual_tasks, not_followed, coverage, warnings, notify, plan_hash: String::new() };
    plan.plan_hash = plan_hash(&plan);

    let txn = crate::store::begin_write(catalog.connection()).await?;
    let current = privacy_request::Entity::find_by_id(id).lock_exclusive().one(&txn).await?.ok_or(ErasureError::NoRequest(id))?;
    if current.status != model.status || current.plan_hash != model.plan_hash {
        return Err(ErasureError::Concurrent(id));
    }
    let mut active = current.into_active_model();
    active.status = Set(RequestStatus::Planned.as_str().into());
    active.plan = Set(Some(serde_json::to_string(&plan).map_err(|e| ErasureError::Corrupt(e.to_string()))?));
    active.plan_hash = Set(Some(plan.plan_hash.clone()));
    active.planned_at = Set(Some(now));
    active.approved_by = Set(None);
    active.approved_at = Set(None);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let record = Record::new(Action::PrivacyRequestPlan, vec![GlobalId::privacy_request(id)])
        .before(serde_json::json!({ "status": request.status.as_str(), "plan_hash": request.plan_hash }))
        .after(serde_json::json!({ "status": "planned", "plan_hash": plan.plan_hash, "steps": plan.steps.len(), "manual_tasks": plan.manual_tasks.len() }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    Ok(plan)
}

/// Downstream of the subject's personal columns (`(dataset, column)`; lineage, 10 levels), the
/// datasets that hold values derived from them and are not among `planned` (views, which hold
/// no rows of their own, left out), with their owners.
pub(super) async fn recipients(
    catalog: &Catalog,
    planned: &std::collections::HashSet<String>,
    personal: &[(String, String)],
) -> Result<Vec<Recipient>, ErasureError> {
    use crate::catalog::names::QualifiedName;
    let mut out: std::collections::BTreeMap<String, Recipient> = std::collections::BTreeMap::new();
    let mut walked = std::collections::HashSet::new();
    // Only columns that lineage edges leave can have anything downstream.
    let mut dataset_ids = Vec::new();
    for name in personal.iter().map(|c| c.0.as_str()).collect::<std::collections::BTreeSet<_>>() {
        if let Ok(d) = catalog.dataset_by_name(&QualifiedName::parse(name).map_err(|e| ErasureError::Corrupt(e.to_string()))?).await {
            dataset_ids.push(d.id);
        }
    }
    let with_edges = crate::lineage::graph::columns_with_edges_out(catalog.connection(), &dataset_ids).await?;
    if with_edges.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = with_edges.into_iter().collect();
    let (names, _) = crate::catalog::qualified_names(catalog.connection(), &ids, &[]).await?;
    let sources_of_values: std::collections::HashSet<String> = names.values().map(|n| n.to_string()).collect();
    for (dataset, column) in personal {
        let Ok(dataset) = QualifiedName::parse(dataset) else { continue };
        let column = dataset.with_column(column);
        if !sources_of_values.contains(&column.to_string()) || !walked.insert(column.to_string()) {
            continue;
        }
        let Ok((impacted, _)) = crate::lineage::graph::impact(catalog, &column, 10).await else { continue };
        for d in impacted.into_iter().filter(|d| !d.columns.is_empty()) {
            let name = d.dataset.to_string();
            if planned.contains(&name) {
                continue;
            }
            let kind = catalog.dataset(d.dataset_id).await?.kind;
            if matches!(kind, crate::catalog::DatasetKind::View) {
                continue;
            }
            let entry = out.entry(name.clone()).or_insert_with(|| Recipient { dataset: name, owner: d.owner.clone(), from: Vec::new() });
            entry.from.push(column.to_string());
        }
    }
    Ok(out.into_values().collect())
}

/// The stored plan of a request.
pub async fn stored_plan(catalog: &Catalog, id: i64) -> Result<Option<ErasurePlan>, ErasureError> {
    let model = privacy_request::Entity::find_by_id(id).one(catalog.connection()).await?.ok_or(ErasureError::NoRequest(id))?;
    model.plan.as_deref().map(|p| serde_json::from_str(p).map_err(|e| ErasureError::Corrupt(e.to_string()))).transpose()
}

/// Approves the request's current plan, named by its hash, as `approver`: never the person
/// who created the request (four eyes).
pub async fn approve(
    catalog: &Catalog,
    id: i64,
    plan_hash: &str,
    approver: &str,
    now: DateTime<Utc>,
) -> Result<PrivacyRequest, ErasureError> {
    let approver = approver.trim();
    if approver.is_empty() || approver.chars().count() > 200 || approver.chars().any(char::is_control) {
        return Err(ErasureError::BadActor("approver".into()));
    }
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let model = privacy_request::Entity::find_by_id(id).lock_exclusive().one(&txn).await?.ok_or(ErasureError::NoRequest(id))?;
    let request = PrivacyRequest::try_from(model.clone())?;
    if request.status != RequestStatus::Planned {
        return Err(ErasureError::WrongState { id, status: request.status.as_str(), wanted: "planned" });
    }
    if request.requester == approver {
        return Err(ErasureError::SelfApproval(id));
    }
    if request.plan_hash.as_deref() != Some(plan_hash.trim()) {
        return Err(ErasureError::StalePlan(id));
    }
    // The coverage gate: every personal column found is handled, or exempt with a reason.
    let plan: ErasurePlan = model
        .plan
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| ErasureError::Corrupt(e.to_string()))?
        .ok_or_else(|| ErasureError::Corrupt(format!("request {id} has no plan")))?;
    let unhandled: Vec<String> = plan.coverage.iter().filter(|c| !c.handled).map(|c| format!("{}.{}", c.dataset, c.column)).collect();
    if !unhandled.is_empty() {
        return Err(ErasureError::Uncovered { id, columns: unhandled.join(", ") });
    }
    let mut active = model.into_active_model();
    active.status = Set(RequestStatus::Approved.as_str().into());
    active.approved_by = Set(Some(approver.to_string()));
    active.approved_at = Set(Some(now));
    active.updated_at = Set(now);
    let model = active.update(&txn).await?;
    let record = Record::new(Action::PrivacyRequestApprove, vec![GlobalId::privacy_request(id)])
        .before(serde_json::json!({ "status": "planned" }))
        .after(serde_json::json!({ "status": "approved", "plan_hash": plan_hash.trim(), "approver": approver }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    PrivacyRequest::try_from(model)
}

/// The registered sources a subject is searched in (databases), with a manual task added for
/// each lake (its files are not searched yet); OpenLineage namespaces are no sources to search.
pub(super) async fn database_sources(
    catalog: &Catalog,
    manual_tasks: &mut Vec<ManualTask>,
) -> Result<Vec<crate::catalog::Source>, ErasureError> {
    let mut out = Vec::new();
    for source in catalog.sources().await? {
        if source.engine == crate::catalog::declared::EXTERNAL_ENGINE {
            continue;
        }
        if source.engine == almanac_scanners::Engine::Files.as_str() {
            manual_tasks.push(ManualTask {
                source: source.name.clone(),
                reason: "a lake: its files are not searched for the subject automatically yet; search them by hand".into(),
            });
            continue;
        }
        out.push(source);
    }
    Ok(out)
}

/// A reason given for a decision: 1 to 2,000 characters, no control characters but new lines.
fn reason(text: &str) -> Result<String, ErasureError> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 2_000 || t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ErasureError::BadActor("reason".into()));
    }
    Ok(t.to_string())
}

/// Extends the due date by two months (GDPR Art. 12(3)), once, with the reason recorded.
pub async fn extend(catalog: &Catalog, id: i64, why: &str, now: DateTime<Utc>) -> Result<PrivacyRequest, ErasureError> {
    let why = reason(why)?;
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let model = privacy_request::Entity::find_by_id(id).lock_exclusive().one(&txn).await?.ok_or(ErasureError::NoRequest(id))?;
    let request = PrivacyRequest::try_from(model.clone())?;
    if request.status.is_closed() {
        return Err(ErasureError::WrongState { id, status: request.status.as_str(), wanted: "open" });
    }
    if request.extension_reason.is_some() {
        return Err(ErasureError::AlreadyExtended(id));
    }
    let due = request.received_at.checked_add_months(Months::new(3)).unwrap_or(request.due_at);
    let mut active = model.into_active_model();
    active.due_at = Set(due);
    active.extension_reason = Set(Some(why.clone()));
    active.updated_at = Set(now);
    let model = active.update(&txn).await?;
    let record = Record::new(Action::PrivacyRequestExtend, vec![GlobalId::privacy_request(id)])
        .before(serde_json::json!({ "due": request.due_at }))
        .after(serde_json::json!({ "due": due, "reason": why }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    PrivacyRequest::try_from(model)
}

/// Closes an open request without carrying it out: `rejected` (unfounded or excessive, Art.
/// 12(5)) or `cancelled` (withdrawn), with the reason; its identifiers are dropped.
pub async fn close(
    catalog: &Catalog,
    id: i64,
    status: RequestStatus,
    why: &str,
    now: DateTime<Utc>,
) -> Result<PrivacyRequest, ErasureError> {
    let why = reason(why)?;
    if !matches!(status, RequestStatus::Rejected | RequestStatus::Cancelled) {
        return Err(ErasureError::WrongState { id, status: status.as_str(), wanted: "rejected or cancelled" });
    }
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let model = privacy_request::Entity::find_by_id(id).lock_exclusive().one(&txn).await?.ok_or(ErasureError::NoRequest(id))?;
    let request = PrivacyRequest::try_from(model.clone())?;
    // Once execution started, stopping half-way would leave the sources half-erased.
    if !matches!(request.status, RequestStatus::Received | RequestStatus::Planned | RequestStatus::Approved) {
        return Err(ErasureError::WrongState { id, status: request.status.as_str(), wanted: "received, planned or approved" });
    }
    let mut active = model.into_active_model();
    active.status = Set(status.as_str().into());
    active.closing_reason = Set(Some(why.clone()));
    active.subjects_sealed = Set(None);
    active.closed_at = Set(Some(now));
    active.updated_at = Set(now);
    let model = active.update(&txn).await?;
    let record = Record::new(Action::PrivacyRequestClose, vec![GlobalId::privacy_request(id)])
        .before(serde_json::json!({ "status": request.status.as_str() }))
        .after(serde_json::json!({ "status": status.as_str(), "reason": why }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    PrivacyRequest::try_from(model)
}

/// Requests still open, soonest due first; with `due_within`, only those due by then
/// (overdue ones included).
pub async fn open_requests(
    catalog: &Catalog,
    due_within: Option<chrono::Duration>,
    now: DateTime<Utc>,
) -> Result<Vec<PrivacyRequest>, ErasureError> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let open: Vec<&str> = RequestStatus::ALL.iter().filter(|s| !s.is_closed()).map(|s| s.as_str()).collect();
    let query = privacy_request::Entity::find().filter(privacy_request::Column::Status.is_in(open));
    let models =
        query.order_by_asc(privacy_request::Column::DueAt).order_by_asc(privacy_request::Column::Id).all(catalog.connection()).await?;
    let mut out = models.into_iter().map(PrivacyRequest::try_from).collect::<Result<Vec<_>, _>>()?;
    // A held request is next due when its hold ends.
    let due = |r: &PrivacyRequest| if r.status == RequestStatus::Held { r.hold_until.unwrap_or(r.due_at) } else { r.due_at };
    if let Some(limit) = due_within.and_then(|within| now.checked_add_signed(within)) {
        out.retain(|r| due(r) <= limit);
    }
    out.sort_by_key(|r| (due(r), r.id));
    Ok(out)
}

/// SHA-256 of the plan's content (everything but the hash itself), in hex.
fn plan_hash(plan: &ErasurePlan) -> String {
    let content = serde_json::json!({
        "request": plan.request,
        "steps": plan.steps,
        "sources": plan.sources,
        "manual_tasks": plan.manual_tasks,
        "not_followed": plan.not_followed,
        "coverage": plan.coverage,
        "warnings": plan.warnings,
        "notify": plan.notify,
    });
    let digest = Sha256::digest(content.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
