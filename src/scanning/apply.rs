//! A scan's result entering the store: one transaction in which the catalog applies the
//! structure, privacy writes the classifications, and history records profiles and semantic
//! changes; the scan is marked succeeded in the same transaction, or nothing changes.

use crate::catalog::ingest::{self, IngestError, ScanOutcome};
use crate::catalog::ChangeKind;
use crate::classify::Classifier;
use crate::history::drift::DriftConfig;
use crate::privacy::ClassificationSummary;
use almanac_scanners as snap;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one applied snapshot amounted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanSummary {
    pub datasets: usize,
    pub columns: usize,
    pub changes: usize,
    /// What classification of the scanned columns wrote.
    pub classifications: ClassificationSummary,
    /// The scanner's warnings and the columns whose classification or profile failed.
    pub warnings: Vec<snap::ScanWarning>,
    pub elapsed: Duration,
}

/// Applies `snapshot` as the result of scan `scan_id` of source `source_id`, and marks the
/// scan succeeded, all in one transaction. Classification and profiling, the CPU work over
/// every sampled value, run on blocking threads.
pub async fn apply_snapshot(
    db: &DatabaseConnection,
    source_id: i64,
    scan_id: i64,
    snapshot: Arc<snap::Snapshot>,
    classifier: Arc<Classifier>,
    drift: &DriftConfig,
) -> Result<ScanSummary, IngestError> {
    use tracing::Instrument;
    let span = tracing::info_span!("ingest", source_id, scan_id);
    apply_in_transaction(db, source_id, scan_id, snapshot, classifier, drift).instrument(span).await
}

async fn apply_in_transaction(
    db: &DatabaseConnection,
    source_id: i64,
    scan_id: i64,
    snapshot: Arc<snap::Snapshot>,
    classifier: Arc<Classifier>,
    drift: &DriftConfig,
) -> Result<ScanSummary, IngestError> {
    let started = Instant::now();
    let txn = crate::store::begin_write(db).await?;
    let now = Utc::now();
    // Classification needs only the snapshot and the curated descriptions: it computes on
    // other threads while the structure is written.
    let descriptions = ingest::load_descriptions(&txn, source_id).await?;
    let classification = crate::privacy::scan::start(snapshot.clone(), classifier, descriptions);
    let mut applied = ingest::apply_structure(&txn, source_id, scan_id, &snapshot, now).await?;
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "structure applied");
    let columns = Arc::new(std::mem::take(&mut applied.columns));

    let mut warnings = snapshot.warnings.clone();
    // The classification's suggestions and the profile comparison share nothing but the
    // transaction: each is CPU work between reads and writes, so one computes while the other
    // waits on the store.
    let ids: crate::history::ColumnIds = columns.iter().map(|(k, (c, d, _))| (k.clone(), (*c, *d))).collect();
    let (mut classify_warnings, mut profile_warnings) = (Vec::new(), Vec::new());
    let (classified, profiled) = tokio::join!(
        crate::privacy::scan::classify_scan(&txn, scan_id, classification, columns.clone(), now, &mut classify_warnings),
        crate::history::record_profiles(&txn, scan_id, snapshot.clone(), Arc::new(ids), drift, now, &mut profile_warnings),
    );
    let (classifications, classified_datasets) = classified?;
    warnings.append(&mut classify_warnings);
    warnings.append(&mut profile_warnings);
    // Profiles of the sampled values, compared with the previous scan's: semantic changes.
    let mut semantic = Vec::new();
    for (dataset_id, column_id, kind, details) in profiled? {
        if let Some(c) = column_id {
            semantic.push((c, kind, details.clone()));
        }
        applied.push_event(dataset_id, column_id, kind, details);
    }
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "classified; profiles recorded");
    // Lineage of the source's views, then the news of changed meanings travels downstream.
    crate::lineage::views::record_scan_views(&txn, source_id, scan_id, &snapshot, &columns, now, &mut warnings).await?;
    let mut elsewhere = Vec::new();
    for note in crate::lineage::graph::upstream_changes(&txn, &semantic).await? {
        if note.source_id == source_id {
            applied.push_event(note.dataset_id, Some(note.column_id), ChangeKind::UpstreamChange, note.details);
        } else {
            elsewhere.push(note);
        }
    }
    for note in &elsewhere {
        crate::catalog::record_event(
            &txn,
            note.source_id,
            None,
            Some(note.dataset_id),
            Some(note.column_id),
            ChangeKind::UpstreamChange,
            note.details.clone(),
            now,
        )
        .await?;
    }
    let elsewhere_datasets: Vec<i64> = elsewhere.iter().map(|n| n.dataset_id).collect();
    crate::outbox::enqueue(&txn, elsewhere_datasets).await?;

    tracing::debug!(ms = started.elapsed().as_millis() as u64, "lineage recorded");
    let (datasets, column_count) = (snapshot.dataset_count(), snapshot.column_count());
    let changes = applied.finish(&txn, classified_datasets, ScanOutcome { datasets, columns: column_count, warnings: &warnings }).await?;
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "events written");
    txn.commit().await?;
    tracing::info!(datasets, columns = column_count, changes, "scan applied");
    Ok(ScanSummary { datasets, columns: column_count, changes, classifications, warnings, elapsed: started.elapsed() })
}
