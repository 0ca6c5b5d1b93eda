//! The audit log: who did what, when, to which objects, with the state before and after.
//! Entries form a hash chain: each stores the hash of the one before it, and its own hash
//! covers every field and that link. Entries are appended in the same transaction as the
//! change they describe, so a change without its entry (or the reverse) cannot be committed.
//! The store's triggers refuse to update or delete entries. This module owns the `audit_log`
//! table and the [`Actor`] every module names as the one who acts.

mod entity;

use crate::ids::GlobalId;
use chrono::{DateTime, SecondsFormat, Utc};
use entity as audit_log;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash the first entry links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acts: an authenticated identity (issuer and subject), with a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Actor {
    pub issuer: String,
    pub subject: String,
    pub name: Option<String>,
}

impl Actor {
    /// The user of a local process (CLI, or the server in local mode).
    pub fn local() -> Actor {
        let user = std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "local".into());
        Actor { issuer: "local".into(), subject: user, name: None }
    }

    /// How the actor is shown in records that keep one name (e.g. who decided a classification).
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} ({})", self.subject),
            None => self.subject.clone(),
        }
    }
}

/// The actor behind a change, and the request it came with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Who {
    pub actor: Actor,
    pub request_id: Option<String>,
}

impl Who {
    /// The local user, with no request.
    pub fn local() -> Who {
        Who { actor: Actor::local(), request_id: None }
    }
}

/// What an entry says was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Action {
    SourceRegister,
    SourceUpdate,
    SourceRemove,
    ScanStart,
    DescriptionSet,
    OwnerSet,
    TagAdd,
    TagRemove,
    ClassificationAdd,
    ClassificationConfirm,
    ClassificationReject,
    MeaningAnnotate,
    ChangeAcknowledge,
    ChangeDismiss,
    /// A listing of where personal data lives (the inventory, a `pii:` search).
    PersonalDataRead,
    /// Lineage edges recorded from submitted SQL.
    LineageSubmit,
    /// A lineage edge added by hand.
    LineageEdgeAdd,
    /// A lineage edge removed by hand.
    LineageEdgeRemove,
    /// An erasure or access request received.
    PrivacyRequestCreate,
    /// A request's plan made (or made again).
    PrivacyRequestPlan,
    /// A request's plan approved by a second person.
    PrivacyRequestApprove,
    /// A request's approved plan carried out on a source.
    PrivacyRequestExecute,
    /// What a request left on the sources checked, and the request closed when nothing is.
    PrivacyRequestVerify,
    /// A request's due date extended, with the reason.
    PrivacyRequestExtend,
    /// A request rejected or cancelled, with the reason.
    PrivacyRequestClose,
    /// An erasure policy set or removed (a new version of its scope's policy).
    ErasurePolicySet,
    /// A scan saw an identifier a completed request erased (the suppression list).
    PrivacyRequestReappeared,
    /// The space of a request's deleted rows reclaimed on its sources (VACUUM, OPTIMIZE).
    PrivacyRequestCompact,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 28] = [
        Action::SourceRegister,
        Action::SourceUpdate,
        Action::SourceRemove,
        Action::ScanStart,
        Action::DescriptionSet,
        Action::OwnerSet,
        Action::TagAdd,
        Action::TagRemove,
        Action::ClassificationAdd,
        Action::ClassificationConfirm,
        Action::ClassificationReject,
        Action::MeaningAnnotate,
        Action::ChangeAcknowledge,
        Action::ChangeDismiss,
        Action::PersonalDataRead,
        Action::LineageSubmit,
        Action::LineageEdgeAdd,
        Action::LineageEdgeRemove,
        Action::PrivacyRequestCreate,
        Action::PrivacyRequestPlan,
        Action::PrivacyRequestApprove,
        Action::PrivacyRequestExecute,
        Action::PrivacyRequestVerify,
        Action::PrivacyRequestExtend,
        Action::PrivacyRequestClose,
        Action::ErasurePolicySet,
        Action::PrivacyRequestReappeared,
        Action::PrivacyRequestCompact,
    ];

    /// The stored name (`tag.add`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SourceRegister => "source.register",
            Action::SourceUpdate => "source.update",
            Action::SourceRemove => "source.remove",
            Action::ScanStart => "scan.start",
            Action::DescriptionSet => "description.set",
            Action::OwnerSet => "owner.set",
            Action::TagAdd => "tag.add",
            Action::TagRemove => "tag.remove",
            Action::ClassificationAdd => "classification.add",
            Action::ClassificationConfirm => "classification.confirm",
            Action::ClassificationReject => "classification.reject",
            Action::MeaningAnnotate => "meaning.annotate",
            Action::ChangeAcknowledge => "change.acknowledge",
            Action::ChangeDismiss => "change.dismiss",
            Action::PersonalDataRead => "personal_data.read",
            Action::LineageSubmit => "lineage.submit",
            Action::LineageEdgeAdd => "lineage.edge_add",
            Action::LineageEdgeRemove => "lineage.edge_remove",
            Action::PrivacyRequestCreate => "privacy_request.create",
            Action::PrivacyRequestPlan => "privacy_request.plan",
            Action::PrivacyRequestApprove => "privacy_request.approve",
            Action::PrivacyRequestExecute => "privacy_request.execute",
            Action::PrivacyRequestVerify => "privacy_request.verify",
            Action::PrivacyRequestExtend => "privacy_request.extend",
            Action::PrivacyRequestClose => "privacy_request.close",
            Action::ErasurePolicySet => "erasure_policy.set",
            Action::PrivacyRequestReappeared => "privacy_request.reappeared",
            Action::PrivacyRequestCompact => "privacy_request.compact",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// What one entry records.
#[derive(Debug, Clone)]
pub struct Record {
    pub action: Action,
    /// The objects acted on.
    pub targets: Vec<GlobalId>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Record {
    /// An entry saying `action` was done to `targets`.
    pub fn new(action: Action, targets: Vec<GlobalId>) -> Record {
        Record { action, targets, before: None, after: None }
    }
    /// The state before the change.
    pub fn before(mut self, v: serde_json::Value) -> Record {
        self.before = Some(v);
        self
    }
    /// The state after the change (or what a read returned).
    pub fn after(mut self, v: serde_json::Value) -> Record {
        self.after = Some(v);
        self
    }
}

/// One stored entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: i64,
    pub at: String,
    pub actor: Actor,
    pub action: String,
    pub targets: Vec<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<audit_log::Model> for Entry {
    fn from(m: audit_log::Model) -> Entry {
        Entry {
            id: m.id,
            at: m.at,
            actor: Actor { issuer: m.actor_issuer, subject: m.actor_subject, name: m.actor_name },
            action: m.action,
            targets: serde_json::from_str(&m.targets).unwrap_or_default(),
            before: m.before.and_then(|b| serde_json::from_str(&b).ok()),
            after: m.after.and_then(|a| serde_json::from_str(&a).ok()),
            request_id: m.request_id,
            prev_hash: m.prev_hash,
            hash: m.hash,
        }
    }
}

/// The hash of an entry: SHA-256 over the link and every field, in the order of the table
/// (link, at, issuer, subject, name, action, targets, before, after, request id), each
/// length-prefixed (absent fields marked apart from empty ones), hex.
fn entry_hash(fields: [Option<&str>; 10]) -> String {
    let mut h = Sha256::new();
    h.update(b"almanac-audit-v1");
    for field in fields {
        match field {
            Some(v) => {
                h.update((v.len() as u64).to_le_bytes());
                h.update(v.as_bytes());
            }
            None => h.update(u64::MAX.to_le_bytes()),
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn model_hash(m: &audit_log::Model) -> String {
    entry_hash([
        Some(&m.prev_hash),
        Some(&m.at),
        Some(&m.actor_issuer),
        Some(&m.actor_subject),
        m.actor_name.as_deref(),
        Some(&m.action),
        Some(&m.targets),
        m.before.as_deref(),
        m.after.as_deref(),
        m.request_id.as_deref(),
    ])
}

/// Appends an entry inside the caller's write transaction. Appenders are serialised (SQLite:
/// the transaction holds the write lock; PostgreSQL: a transaction-scoped advisory lock), so
/// the chain never forks.
pub async fn append<C: ConnectionTrait>(txn: &C, who: &Who, record: Record) -> Result<i64, DbErr> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(7216354100)").await?;
    }
    let prev = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(1)
        .one(txn)
        .await?
        .map(|m| m.hash)
        .unwrap_or_else(|| GENESIS.to_string());
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
    let targets: Vec<String> = record.targets.iter().map(GlobalId::to_string).collect();
    let targets = serde_json::to_string(&targets).unwrap_or_else(|_| "[]".into());
    let a = &who.actor;
    let mut entry = audit_log::Model {
        id: 0,
        at,
        actor_issuer: a.issuer.clone(),
        actor_subject: a.subject.clone(),
        actor_name: a.name.clone(),
        action: record.action.as_str().into(),
        targets,
        before: record.before.map(|v| v.to_string()),
        after: record.after.map(|v| v.to_string()),
        request_id: who.request_id.clone(),
        prev_hash: prev,
        hash: String::new(),
    };
    entry.hash = model_hash(&entry);
    // Every field written as computed, the id left to the store.
    let mut row = entry.into_active_model().reset_all();
    row.id = sea_orm::ActiveValue::NotSet;
    Ok(row.insert(txn).await?.id)
}

/// The result of checking the chain.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// Entries checked.
    pub entries: u64,
    /// The hash of the last entry (keep it elsewhere to detect a cut-off tail later).
    pub head: String,
    /// The id of the last entry that holds.
    pub head_id: Option<i64>,
    /// The first entry that does not hold: its id and why.
    pub broken: Option<(i64, String)>,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<Action>,
    pub subject: Option<String>,
    pub target: Option<GlobalId>,
    pub since: Option<DateTime<Utc>>,
}

/// Appends one entry in a transaction of its own (privacy-relevant reads). A write
/// transaction from the start: on SQLite a transaction that read first and then writes fails
/// at once when another writer went first, instead of waiting its turn.
pub async fn record(db: &DatabaseConnection, who: &Who, record: Record) -> Result<i64, DbErr> {
    let txn = crate::store::begin_write(db).await?;
    let id = append(&txn, who, record).await?;
    txn.commit().await?;
    Ok(id)
}

/// Walks the whole chain in order and reports the first entry whose link or hash fails.
pub async fn verify(db: &DatabaseConnection) -> Result<Verification, DbErr> {
    verify_anchored(db, &[]).await
}

/// Checks the chain, and that each anchored entry (an id and the hash it had when it was
/// written down elsewhere) still has that hash. The chain alone cannot tell a rewritten
/// history whose hashes were recomputed, nor a cut-off tail; an anchor kept outside the store
/// can.
pub async fn verify_anchored(db: &DatabaseConnection, anchors: &[(i64, String)]) -> Result<Verification, DbErr> {
    let mut v = verify_chain(db).await?;
    if v.broken.is_some() {
        return Ok(v);
    }
    for (id, hash) in anchors {
        let found = audit_log::Entity::find_by_id(*id).one(db).await?;
        let why = match found {
            None => Some(format!("the anchored entry {id} is gone (the log was cut back or rewritten)")),
            Some(m) if !m.hash.eq_ignore_ascii_case(hash) => {
                Some(format!("its hash differs from the anchor kept for it ({hash}): the history up to it was rewritten"))
            }
            Some(_) => None,
        };
        if let Some(why) = why {
            v.broken = Some((*id, why));
            return Ok(v);
        }
    }
    Ok(v)
}

async fn verify_chain(db: &DatabaseConnection) -> Result<Verification, DbErr> {
    let mut prev = GENESIS.to_string();
    let mut head_id = None;
    let mut after_id = 0i64;
    let mut entries = 0u64;
    loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::Id.gt(after_id))
            .order_by_asc(audit_log::Column::Id)
            .limit(1_000)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after_id = last.id;
        for m in page {
            entries += 1;
            if m.prev_hash != prev {
                return Ok(Verification {
                    entries,
                    head: prev,
                    head_id,
                    broken: Some((
                        m.id,
                        "its link does not match the hash of the entry before it (an entry was removed, inserted or changed)".into(),
                    )),
                });
            }
            if model_hash(&m) != m.hash {
                return Ok(Verification {
                    entries,
                    head: prev,
                    head_id,
                    broken: Some((m.id, "its content does not match its hash (the entry was changed)".into())),
                });
            }
            prev = m.hash;
            head_id = Some(m.id);
        }
    }
    Ok(Verification { entries, head: prev, head_id, broken: None })
}

/// Entries newest first, after the entry `before_id` (exclusive) when given.
pub async fn entries(db: &DatabaseConnection, filter: &AuditFilter, before_id: Option<i64>, limit: u64) -> Result<Vec<Entry>, DbErr> {
    let mut q = audit_log::Entity::find().order_by_desc(audit_log::Column::Id).limit(limit);
    if let Some(b) = before_id {
        q = q.filter(audit_log::Column::Id.lt(b));
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_log::Column::Action.eq(a.as_str()));
    }
    if let Some(s) = &filter.subject {
        q = q.filter(audit_log::Column::ActorSubject.eq(s.as_str()));
    }
    if let Some(t) = &filter.target {
        // Ids are quoted in the stored JSON array, so this matches whole ids only.
        q = q.filter(audit_log::Column::Targets.contains(format!("\"{t}\"")));
    }
    if let Some(since) = filter.since {
        q = q.filter(audit_log::Column::At.gte(since.to_rfc3339_opts(SecondsFormat::Micros, true)));
    }
    Ok(q.all(db).await?.into_iter().map(Entry::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_field_and_tells_absent_from_empty() {
        let fields =
            |prev: &'static str, issuer: &'static str, subject: &'static str, name: Option<&'static str>, before: Option<&'static str>| {
                entry_hash([Some(prev), Some("t"), Some(issuer), Some(subject), name, Some("a"), Some("[]"), before, None, None])
            };
        let base = fields(GENESIS, "i", "s", None, None);
        assert_eq!(base.len(), 64);
        assert_ne!(base, fields(GENESIS, "i", "s", Some(""), None));
        assert_ne!(base, fields(GENESIS, "i", "s", None, Some("")));
        assert_ne!(base, fields(GENESIS, "is", "", None, None));
        let other_link = "1".repeat(64);
        assert_ne!(base, entry_hash([Some(&other_link), Some("t"), Some("i"), Some("s"), None, Some("a"), Some("[]"), None, None, None]));
    }
}
