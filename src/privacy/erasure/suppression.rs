//! The resurrection guard: a completed request keeps keyed hashes of the identifiers it
//! erased (the suppression list). Every scan hashes the values it sampled from the source's
//! identity keys the same way, and a match (a re-import, a restored backup) becomes a finding
//! on the request that erased it, audited, and a warning of the scan. Only hashes are compared:
//! the catalog learns that an erased identifier is back and where, never which one.

use super::entity as privacy_request;
use super::footprint::{identity_keys, KeyKind};
use super::request::sealing_key;
use super::subject::{IdentifierKind, SubjectIdentifier};
use super::ErasureError;
use crate::audit::{self, Action, Record};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::ids::GlobalId;
use almanac_scanners::{ScanWarning, Snapshot};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Findings kept per request, at most (the oldest give way).
const MAX_FINDINGS: usize = 1_000;

/// An erased identifier seen again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reappearance {
    pub scan: i64,
    /// `source.namespace.dataset`.
    pub dataset: String,
    pub column: String,
    pub found_at: DateTime<Utc>,
}

/// Hashes the sampled values of `source`'s identity keys in `snapshot` and records every one
/// that a completed request erased. Returns a warning per column where one came back. Costs
/// nothing while no request has completed.
pub async fn check_scan(
    catalog: &Catalog,
    config: &Config,
    source: &crate::catalog::Source,
    scan_id: i64,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<Vec<ScanWarning>, ErasureError> {
    let closed: Vec<(i64, Option<String>)> = privacy_request::Entity::find()
        .select_only()
        .columns([privacy_request::Column::Id, privacy_request::Column::SubjectHashes])
        .filter(privacy_request::Column::SubjectHashes.is_not_null())
        .into_tuple()
        .all(catalog.connection())
        .await?;
    let mut erased_by: HashMap<String, i64> = HashMap::new();
    for (id, hashes) in closed {
        let hashes: Vec<String> = hashes.as_deref().and_then(|h| serde_json::from_str(h).ok()).unwrap_or_default();
        for h in hashes {
            erased_by.insert(h, id);
        }
    }
    if erased_by.is_empty() {
        return Ok(Vec::new());
    }
    let key = sealing_key(catalog, config).await?;
    let keys = identity_keys(catalog.connection(), source.id).await?;
    // (request, dataset, column) found again.
    let mut found: BTreeMap<i64, HashSet<(String, String, String)>> = BTreeMap::new();
    for k in &keys {
        let Some(column) = snapshot
            .namespaces
            .iter()
            .filter(|ns| ns.name == k.namespace)
            .flat_map(|ns| ns.datasets.iter())
            .filter(|d| d.name == k.dataset)
            .flat_map(|d| d.columns.iter())
            .find(|c| c.name == k.column)
        else {
            continue;
        };
        let kind = match k.kind {
            KeyKind::Email => IdentifierKind::Email,
            KeyKind::Phone => IdentifierKind::Phone,
            KeyKind::NationalId => IdentifierKind::NationalId,
        };
        for value in column.sample_values.iter().flatten() {
            let Ok(id) = SubjectIdentifier::new(kind.clone(), value) else { continue };
            if let Some(request) = erased_by.get(&key.suppression_hash(&id.kind().label(), id.value())) {
                found.entry(*request).or_default().insert((k.namespace.clone(), k.dataset.clone(), k.column.clone()));
            }
        }
    }
    let mut warnings = Vec::new();
    if found.is_empty() {
        return Ok(warnings);
    }
    let txn = crate::store::begin_write(catalog.connection()).await?;
    for (id, places) in found {
        let Some(model) = privacy_request::Entity::find_by_id(id).lock_exclusive().one(&txn).await? else { continue };
        let mut list: Vec<Reappearance> = model.reappearances.as_deref().and_then(|r| serde_json::from_str(r).ok()).unwrap_or_default();
        let mut places: Vec<_> = places.into_iter().collect();
        places.sort();
        for (ns, ds, column) in &places {
            let dataset = crate::catalog::names::QualifiedName::dataset(&source.name, ns, ds).to_string();
            warnings.push(ScanWarning::column(
                ns,
                ds,
                column,
                format!("an identifier erased by request req_{id} is here again (a re-import or a restored backup?): see `almanac erasure show {id}`"),
            ));
            list.push(Reappearance { scan: scan_id, dataset, column: column.clone(), found_at: now });
        }
        let excess = list.len().saturating_sub(MAX_FINDINGS);
        list.drain(..excess);
        let mut active = model.into_active_model();
        active.reappearances = Set(Some(serde_json::to_string(&list).map_err(|e| ErasureError::Corrupt(e.to_string()))?));
        active.update(&txn).await?;
        let record = Record::new(Action::PrivacyRequestReappeared, vec![GlobalId::privacy_request(id)]).after(serde_json::json!({
            "scan": scan_id,
            "columns": places.iter().map(|(ns, ds, c)| format!("{}.{ns}.{ds}.{c}", source.name)).collect::<Vec<_>>(),
        }));
        audit::append(&txn, catalog.who(), record).await?;
    }
    txn.commit().await?;
    Ok(warnings)
}
