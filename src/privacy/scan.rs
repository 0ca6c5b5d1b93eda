//! A scan's classification: every scanned column's facts through the classifier, the
//! suggestions written beside the stewards' decisions.

use super::classifications::{apply_suggestions, ClassificationSummary};
use crate::catalog::ingest::ScannedColumns;
use crate::classify::{Classifier, ColumnFacts, Suggestion};
use almanac_scanners as snap;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseTransaction, DbErr};
use std::collections::HashMap;
use std::sync::Arc;

/// A column by namespace, dataset and column name.
type ColumnKey = (String, String, String);

/// Suggestions by column, with warnings for the columns that could not be classified.
type Classified = (Vec<(ColumnKey, Option<Suggestion>)>, Vec<snap::ScanWarning>);

/// Classifies the columns of the snapshot that `wanted` picks, with the curated `descriptions`
/// by column. A panic while classifying one column (a bug meeting data nobody foresaw) leaves
/// that column as it was and becomes a warning naming it; the others are classified and the
/// scan goes on.
fn classify_columns(
    snapshot: &snap::Snapshot,
    descriptions: &HashMap<ColumnKey, String>,
    wanted: impl Fn(&ColumnKey) -> bool + Sync,
    classify: impl Fn(&ColumnFacts<'_>) -> Option<Suggestion> + Sync,
    warnings: &mut Vec<snap::ScanWarning>,
) -> Vec<(ColumnKey, Option<Suggestion>)> {
    let datasets: Vec<(&str, &snap::Dataset)> =
        snapshot.namespaces.iter().flat_map(|ns| ns.datasets.iter().map(move |d| (ns.name.as_str(), d))).collect();
    let part = |datasets: &[(&str, &snap::Dataset)]| {
        let mut results = Vec::new();
        let mut warnings = Vec::new();
        for (ns, d) in datasets {
            let table = crate::classify::TableContext::of_dataset(d);
            for c in &d.columns {
                let key = (ns.to_string(), d.name.clone(), c.name.clone());
                if !wanted(&key) {
                    continue;
                }
                let facts = ColumnFacts::in_table(table, d, c, descriptions.get(&key).map(String::as_str));
                match crate::contain::contained(|| classify(&facts)) {
                    Ok(found) => results.push((key, found)),
                    Err(e) => warnings.push(snap::ScanWarning::column(ns, &d.name, &c.name, format!("not classified: {e}"))),
                }
            }
        }
        (results, warnings)
    };
    let columns = snapshot.column_count();
    // Two halves on two threads when there is enough to share (the answer is the same).
    let (mut results, more) = if columns < 4_000 {
        part(&datasets)
    } else {
        let (a, b) = datasets.split_at(datasets.len() / 2);
        std::thread::scope(|scope| {
            let second = scope.spawn(|| part(b));
            let (mut results, mut warnings) = part(a);
            let (r, w) = second.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            results.extend(r);
            warnings.extend(w);
            (results, warnings)
        })
    };
    warnings.extend(more);
    results.shrink_to_fit();
    results
}

/// A scan's classification, running on blocking threads while the scan's structure is
/// applied: it needs only the snapshot and the curated descriptions, which the structure does
/// not change.
pub struct Classification {
    running: tokio::task::JoinHandle<Classified>,
    descriptions: Arc<HashMap<ColumnKey, String>>,
    snapshot: Arc<snap::Snapshot>,
    classifier: Arc<Classifier>,
}

/// Starts classifying every column of `snapshot` (CPU work, off the async threads).
pub fn start(snapshot: Arc<snap::Snapshot>, classifier: Arc<Classifier>, descriptions: HashMap<ColumnKey, String>) -> Classification {
    let descriptions = Arc::new(descriptions);
    let running = {
        let (snapshot, classifier, descriptions) = (snapshot.clone(), classifier.clone(), descriptions.clone());
        tokio::task::spawn_blocking(move || {
            let mut warnings = Vec::new();
            let results = classify_columns(&snapshot, &descriptions, |_| true, |facts| classifier.classify(facts), &mut warnings);
            (results, warnings)
        })
    };
    Classification { running, descriptions, snapshot, classifier }
}

/// Waits for the classification and writes its suggestions inside the scan's transaction, for
/// the columns the catalog holds (`columns`, as the structure left them). Returns what was
/// written and the datasets whose classifications changed (the search index shows them). A
/// column whose description is not the one classified with is classified again.
pub async fn classify_scan(
    txn: &DatabaseTransaction,
    scan_id: i64,
    classification: Classification,
    columns: Arc<ScannedColumns>,
    now: DateTime<Utc>,
    warnings: &mut Vec<snap::ScanWarning>,
) -> Result<(ClassificationSummary, Vec<i64>), DbErr> {
    let Classification { running, descriptions, snapshot, classifier } = classification;
    let (found, more_warnings) = running.await.map_err(|e| DbErr::Custom(format!("classification stopped: {e}")))?;
    warnings.extend(more_warnings);
    let mut results = Vec::with_capacity(found.len());
    // Columns whose description changed since it was read (a steward's edit committed in
    // between, where the store's transactions allow it), with the description they have now.
    let mut again: HashMap<ColumnKey, Option<String>> = HashMap::new();
    for (key, suggestion) in found {
        let Some((id, _, description)) = columns.get(&key) else { continue };
        if description.as_deref() == descriptions.get(&key).map(String::as_str) {
            results.push((*id, suggestion));
        } else {
            again.insert(key, description.clone());
        }
    }
    if !again.is_empty() {
        let redo = tokio::task::spawn_blocking(move || {
            let current: HashMap<ColumnKey, String> =
                again.iter().filter_map(|(key, description)| Some((key.clone(), description.clone()?))).collect();
            let mut warnings = Vec::new();
            let found =
                classify_columns(&snapshot, &current, |key| again.contains_key(key), |facts| classifier.classify(facts), &mut warnings);
            (found, warnings)
        });
        let (found, more_warnings) = redo.await.map_err(|e| DbErr::Custom(format!("classification stopped: {e}")))?;
        warnings.extend(more_warnings);
        results.extend(found.into_iter().filter_map(|(key, s)| Some((columns.get(&key)?.0, s))));
    }
    let dataset_of: HashMap<i64, i64> = columns.values().map(|(c, d, _)| (*c, *d)).collect();
    let (summary, changed) = apply_suggestions(txn, scan_id, &results, now).await?;
    Ok((summary, changed.into_iter().filter_map(|c| dataset_of.get(&c).copied()).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str) -> snap::Column {
        snap::Column {
            name: name.into(),
            ordinal: 1,
            data_type: "text".into(),
            type_family: snap::TypeFamily::Text,
            nullable: true,
            default: None,
            primary_key: false,
            unique: false,
            comment: None,
            sample_values: vec![Some("Seppälä".into())],
            profile: None,
        }
    }

    #[test]
    fn a_panic_on_one_column_is_a_warning_and_the_others_are_classified() {
        let dataset = snap::Dataset {
            name: "customers".into(),
            kind: snap::DatasetKind::Table,
            comment: None,
            row_estimate: None,
            view_definition: None,
            owner: None,
            columns: vec![column("email"), column("surname"), column("phone")],
            foreign_keys: Vec::new(),
            partitions: Vec::new(),
            files: None,
            sample: None,
        };
        let snapshot = snap::Snapshot {
            engine: snap::Engine::Sqlite,
            database: "t".into(),
            server_version: None,
            namespaces: vec![snap::Namespace { name: "main".into(), datasets: vec![dataset] }],
            warnings: Vec::new(),
        };
        let mut warnings = Vec::new();
        let results = classify_columns(
            &snapshot,
            &HashMap::new(),
            |_| true,
            |facts| {
                if facts.column == "surname" {
                    // What `split_at(8)` did to "Seppälä" before the fix.
                    let v = facts.values[0].as_deref().unwrap_or_default();
                    let _ = v.split_at(5);
                }
                None
            },
            &mut warnings,
        );
        assert_eq!(results.iter().map(|(key, _)| key.2.as_str()).collect::<Vec<_>>(), vec!["email", "phone"]);
        assert_eq!(warnings.len(), 1);
        let w = &warnings[0];
        assert_eq!((w.dataset.as_deref(), w.column.as_deref()), (Some("customers"), Some("surname")));
        assert!(w.message.starts_with("not classified: internal error at "), "{}", w.message);
        assert!(!w.message.contains("Seppälä"), "the warning must not quote the value: {}", w.message);
    }
}
