//! Erasure policies: what a plan does with a subject's rows in a dataset. `delete` them,
//! `anonymize` them (personal columns overwritten, the rest of the row kept), or `retain`
//! them under a legal hold (GDPR Art. 17(3)) until a date, after which they are erased like
//! any other rows. A policy is set for one dataset, for a whole source, or globally (`*`);
//! the most specific one that applies wins, and without any the rows are deleted. Every
//! change is a new version of the scope's policy, audited; plans name the version they used.
//! Owns the `erasure_policy` table.

use super::ErasureError;
use crate::audit::{self, Action, Record};
use crate::catalog::names::QualifiedName;
use crate::catalog::Catalog;
use crate::ids::GlobalId;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The scope of the global default policy.
pub const GLOBAL: &str = "*";

pub(super) mod entity {
    //! The `erasure_policy` table: every version of every scope's policy.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "erasure_policy")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// `*`, a source's name, or a dataset's qualified name.
        pub scope: String,
        /// 1, 2, ... per scope; the highest is in force.
        pub version: i32,
        /// The policy (JSON); none when this version removed the scope's policy.
        pub policy: Option<String>,
        pub author: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// What becomes of a subject's rows in a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyAction {
    Delete,
    Anonymize,
    Retain,
}

impl PolicyAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyAction::Delete => "delete",
            PolicyAction::Anonymize => "anonymize",
            PolicyAction::Retain => "retain",
        }
    }

    pub fn parse(text: &str) -> Option<PolicyAction> {
        [PolicyAction::Delete, PolicyAction::Anonymize, PolicyAction::Retain].into_iter().find(|a| a.as_str() == text)
    }
}

/// How one column of a kept row is anonymised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "strategy", rename_all = "snake_case", deny_unknown_fields)]
pub enum Strategy {
    /// SQL NULL (only where the column may hold NULL).
    Null,
    /// The same value in every row (text and integer columns).
    Fixed { value: String },
    /// A keyed hash of the value (text columns): equal values stay equal, so rows remain
    /// joinable. This pseudonymises: the key holder can link them.
    Hash,
    /// A random value of the same shape: each letter a random letter of the same case, each
    /// digit a random digit, everything else kept (text and integer columns).
    Fake,
    /// The value stays: an exemption, with the reason a person gave.
    Keep { reason: String },
}

impl Strategy {
    /// What the strategy achieves in GDPR terms.
    pub fn effect(&self) -> &'static str {
        match self {
            Strategy::Null | Strategy::Fixed { .. } | Strategy::Fake => "anonymises",
            Strategy::Hash => "pseudonymises",
            Strategy::Keep { .. } => "exempt",
        }
    }

    /// Parses `null`, `fake`, `hash`, `fixed:VALUE` or `keep:REASON`.
    pub fn parse(text: &str) -> Option<Strategy> {
        let (name, rest) = match text.split_once(':') {
            Some((n, r)) => (n, Some(r)),
            None => (text, None),
        };
        match (name.trim(), rest) {
            ("null", None) => Some(Strategy::Null),
            ("hash", None) => Some(Strategy::Hash),
            ("fake", None) => Some(Strategy::Fake),
            ("fixed", Some(v)) => Some(Strategy::Fixed { value: v.to_string() }),
            ("keep", Some(r)) => Some(Strategy::Keep { reason: r.to_string() }),
            _ => None,
        }
    }
}

/// The grounds of GDPR Art. 17(3) on which erasure does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    /// (a) freedom of expression and information.
    FreedomOfExpression,
    /// (b) a legal obligation (tax and accounting law keeping invoices).
    LegalObligation,
    /// (c) public health.
    PublicHealth,
    /// (d) archiving, research or statistics in the public interest.
    Archiving,
    /// (e) the establishment, exercise or defence of legal claims.
    LegalClaims,
}

impl Ground {
    const ALL: [Ground; 5] =
        [Ground::FreedomOfExpression, Ground::LegalObligation, Ground::PublicHealth, Ground::Archiving, Ground::LegalClaims];

    pub fn article(self) -> &'static str {
        match self {
            Ground::FreedomOfExpression => "Art. 17(3)(a)",
            Ground::LegalObligation => "Art. 17(3)(b)",
            Ground::PublicHealth => "Art. 17(3)(c)",
            Ground::Archiving => "Art. 17(3)(d)",
            Ground::LegalClaims => "Art. 17(3)(e)",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Ground::FreedomOfExpression => "freedom_of_expression",
            Ground::LegalObligation => "legal_obligation",
            Ground::PublicHealth => "public_health",
            Ground::Archiving => "archiving",
            Ground::LegalClaims => "legal_claims",
        }
    }

    /// A ground by name (`legal_obligation`) or by its point of Art. 17(3) (`b`, `17(3)(b)`).
    pub fn parse(text: &str) -> Option<Ground> {
        let t = text.trim().to_lowercase();
        Ground::ALL.into_iter().find(|g| {
            let point = &g.article()[g.article().len() - 2..g.article().len() - 1];
            t == g.as_str() || t == point || t == format!("17(3)({point})") || t == g.article().to_lowercase()
        })
    }
}

/// A legal hold: why rows are kept, under which statute, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hold {
    pub ground: Ground,
    /// The law that requires keeping the rows (`§ 147 AO: 10 years`).
    pub statute: String,
    /// The last day the rows are kept; from the day after, they are erased.
    pub until: NaiveDate,
}

/// A policy for a dataset, a source or everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub action: PolicyAction,
    /// For `anonymize`: strategies for named columns; every other personal-data column gets
    /// one chosen from the live schema (NULL where allowed, else a fake value of its shape).
    /// Only in a dataset's policy.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, Strategy>,
    /// For `retain`: the legal hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<Hold>,
    /// Why the policy is what it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A version of a scope's policy as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredPolicy {
    pub scope: String,
    pub version: i32,
    /// None: this version removed the scope's policy.
    pub policy: Option<Policy>,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

/// Text a person wrote into a policy: 1 to `max` characters, no control characters.
fn text(what: &str, value: &str, max: usize) -> Result<(), ErasureError> {
    if value.trim().is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(ErasureError::Policy(format!("the {what} must be 1 to {max} characters without control characters")));
    }
    Ok(())
}

impl Policy {
    /// Checks the policy's own consistency (not yet against a dataset).
    pub fn validate(&self, dataset_scope: bool) -> Result<(), ErasureError> {
        match (self.action, &self.hold) {
            (PolicyAction::Retain, None) => {
                return Err(ErasureError::Policy("`retain` needs a hold: its ground, the statute and the end date".into()))
            }
            (PolicyAction::Retain, Some(h)) => text("statute", &h.statute, 500)?,
            (_, Some(_)) => return Err(ErasureError::Policy("only `retain` takes a hold".into())),
            _ => {}
        }
        if !self.columns.is_empty() {
            if self.action != PolicyAction::Anonymize {
                return Err(ErasureError::Policy("column strategies belong to `anonymize` policies".into()));
            }
            if !dataset_scope {
                return Err(ErasureError::Policy(
                    "column strategies are set in a dataset's policy, not a source's or the global one".into(),
                ));
            }
        }
        for (column, strategy) in &self.columns {
            text("column name", column, 1_000)?;
            match strategy {
                Strategy::Keep { reason } => text("reason to keep a column", reason, 2_000)?,
                // Any text a column may hold but NUL, which PostgreSQL refuses in text.
                Strategy::Fixed { value } if value.contains('\0') || value.chars().count() > 10_000 => {
                    return Err(ErasureError::Policy("a fixed value holds at most 10,000 characters and no NUL".into()))
                }
                _ => {}
            }
        }
        if let Some(r) = &self.reason {
            text("reason", r, 2_000)?;
        }
        Ok(())
    }
}

/// The scope a text names, checked against the catalog: `*`, a registered source, or a
/// dataset the catalog knows (with the columns a policy names).
async fn check_scope(catalog: &Catalog, scope: &str, policy: Option<&Policy>) -> Result<(String, Option<GlobalId>), ErasureError> {
    let scope = scope.trim();
    if scope == GLOBAL {
        if let Some(p) = policy {
            p.validate(false)?;
        }
        return Ok((GLOBAL.into(), None));
    }
    // A source's name has no dots; anything else must be a dataset's qualified name.
    if !scope.contains(['.', '"']) {
        let source = catalog.source_by_name(scope).await?;
        if let Some(p) = policy {
            p.validate(false)?;
        }
        return Ok((source.name.clone(), Some(GlobalId::source(source.id))));
    }
    let name = QualifiedName::parse(scope)
        .ok()
        .filter(|n| n.column.is_none())
        .ok_or_else(|| ErasureError::Policy(format!("`{scope}` is not `*`, a source's name or source.namespace.dataset")))?;
    let dataset = catalog.dataset_by_name(&name).await?;
    if let Some(p) = policy {
        p.validate(true)?;
        let columns = catalog.columns(&dataset, false).await?;
        if let Some(missing) = p.columns.keys().find(|c| !columns.iter().any(|k| k.qualified_name.column.as_deref() == Some(c.as_str()))) {
            return Err(ErasureError::Policy(format!("{name} has no column `{missing}`")));
        }
    }
    Ok((name.to_string(), Some(GlobalId::dataset(dataset.id))))
}

/// Sets (or with `None`, removes) the policy of `scope` as a new version, audited.
pub async fn set(catalog: &Catalog, scope: &str, policy: Option<Policy>, now: DateTime<Utc>) -> Result<StoredPolicy, ErasureError> {
    let (scope, target) = check_scope(catalog, scope, policy.as_ref()).await?;
    let json = policy.as_ref().map(|p| serde_json::to_string(p).map_err(|e| ErasureError::Corrupt(e.to_string()))).transpose()?;
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let last = entity::Entity::find()
        .filter(entity::Column::Scope.eq(scope.as_str()))
        .order_by_desc(entity::Column::Version)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let before = last.as_ref().and_then(|m| m.policy.as_deref()).and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok());
    if last.is_none() && policy.is_none() {
        return Err(ErasureError::Policy(format!("`{scope}` has no policy to remove")));
    }
    let version = last.map_or(1, |m| m.version + 1);
    let author = catalog.who().actor.subject.clone();
    entity::ActiveModel {
        id: sea_orm::NotSet,
        scope: Set(scope.clone()),
        version: Set(version),
        policy: Set(json),
        author: Set(author.clone()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let record = Record::new(Action::ErasurePolicySet, target.into_iter().collect())
        .before(serde_json::json!({ "scope": scope, "policy": before }))
        .after(serde_json::json!({ "scope": scope, "version": version, "policy": policy }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    Ok(StoredPolicy { scope, version, policy, author, created_at: now })
}

fn stored(m: entity::Model) -> Result<StoredPolicy, ErasureError> {
    let policy = m
        .policy
        .as_deref()
        .map(|p| serde_json::from_str(p).map_err(|e| ErasureError::Corrupt(format!("policy of {}: {e}", m.scope))))
        .transpose()?;
    Ok(StoredPolicy { scope: m.scope, version: m.version, policy, author: m.author, created_at: m.created_at })
}

/// Every scope's policy in force (its latest version, unless that removed it), by scope.
pub async fn in_force<C: sea_orm::ConnectionTrait>(db: &C) -> Result<BTreeMap<String, StoredPolicy>, ErasureError> {
    let mut latest: BTreeMap<String, entity::Model> = BTreeMap::new();
    for m in entity::Entity::find().order_by_asc(entity::Column::Version).all(db).await? {
        latest.insert(m.scope.clone(), m);
    }
    let mut out = BTreeMap::new();
    for (scope, m) in latest {
        let s = stored(m)?;
        if s.policy.is_some() {
            out.insert(scope, s);
        }
    }
    Ok(out)
}

/// Every version of one scope's policy, oldest first.
pub async fn history(catalog: &Catalog, scope: &str) -> Result<Vec<StoredPolicy>, ErasureError> {
    let models = entity::Entity::find()
        .filter(entity::Column::Scope.eq(scope.trim()))
        .order_by_asc(entity::Column::Version)
        .all(catalog.connection())
        .await?;
    models.into_iter().map(stored).collect()
}

/// The policy a dataset's rows get, and where it came from.
#[derive(Debug, Clone)]
pub(super) struct Resolved {
    pub action: PolicyAction,
    pub columns: BTreeMap<String, Strategy>,
    pub hold: Option<Hold>,
    /// `chinook.main.Invoice v2`, `source chinook v1`, `global v1`, or `default`.
    pub origin: String,
    /// Set by the dataset's own policy (not inherited).
    pub own: bool,
}

/// The policy in force for `source.namespace.dataset` on `today`: the dataset's, else the
/// source's, else the global one, else `delete`. A hold that ended before `today` no longer
/// applies: the next policy down does.
pub(super) fn resolve(policies: &BTreeMap<String, StoredPolicy>, source: &str, dataset: &str, today: NaiveDate) -> Resolved {
    for (scope, own) in [(dataset, true), (source, false), (GLOBAL, false)] {
        let Some(s) = policies.get(scope) else { continue };
        let Some(p) = &s.policy else { continue };
        if p.hold.as_ref().is_some_and(|h| h.until < today) {
            continue;
        }
        let origin = if scope == GLOBAL { format!("global policy v{}", s.version) } else { format!("policy of {scope} v{}", s.version) };
        return Resolved {
            action: p.action,
            columns: if own { p.columns.clone() } else { BTreeMap::new() },
            hold: p.hold.clone(),
            origin,
            own,
        };
    }
    Resolved { action: PolicyAction::Delete, columns: BTreeMap::new(), hold: None, origin: "default (delete)".into(), own: false }
}
