//! Runs one scan end to end: resolve the source's secret, read the source with a scanner,
//! apply the snapshot to the catalog, and keep the scan record's progress current.

mod apply;

use crate::catalog::ingest::IngestError;
use crate::catalog::{Catalog, CatalogError, Source};
use crate::classify::Classifier;
use crate::config::Config;
use almanac_scanners::{ScanError, ScanProgress, SourceUrl};
pub use apply::{apply_snapshot, ScanSummary};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why a scan did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ScanRunError {
    #[error("{0}")]
    Target(String),
    #[error("{0}")]
    Secret(String),
    #[error(transparent)]
    Source(#[from] ScanError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// What `almanac scan` was asked to scan.
#[derive(Debug, Clone)]
pub enum ScanTarget {
    /// A source URL, registered under `name` (default: the database name or file stem) by
    /// its first scan.
    Url { url: SourceUrl, name: Option<String> },
    /// The name of a registered source.
    Registered(String),
}

impl ScanTarget {
    /// A URL (anything with a scheme) or the name of a registered source.
    pub fn parse(input: &str, name: Option<&str>) -> Result<ScanTarget, ScanRunError> {
        if input.contains("://") || input.starts_with("sqlite:") {
            let url = SourceUrl::parse(input).map_err(|e| ScanRunError::Target(e.to_string()))?;
            return Ok(ScanTarget::Url { url, name: name.map(str::to_string) });
        }
        if name.is_some() {
            return Err(ScanRunError::Target(format!("--name applies to a URL; `{input}` is taken as a registered source name")));
        }
        Ok(ScanTarget::Registered(input.to_string()))
    }
}

/// Where a source registered by its first scan keeps its secret, and how much it samples.
#[derive(Debug, Clone, Default)]
pub struct NewTarget {
    pub password_env: Option<String>,
    pub password_file: Option<String>,
    pub sample_rows: Option<u32>,
}

/// What to scan, as [`resolve`] found it.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub source: Source,
    /// The URL to connect to, with the password when there is one.
    pub url: SourceUrl,
    /// The source was registered by this call: if its first scan fails, the caller undoes the
    /// registration ([`Catalog::forget_unscanned_source`]) so a corrected URL can be scanned
    /// under the same name.
    pub registered_now: bool,
}

/// The source to scan and the URL to connect to: a URL is registered on its first scan; a
/// password in it is used for this scan only, otherwise the configured secret.
pub async fn resolve(catalog: &Catalog, config: &Config, target: ScanTarget, new: NewTarget) -> Result<Resolved, ScanRunError> {
    match target {
        ScanTarget::Url { url, name } => {
            let name = match name.or_else(|| url.database_name()).or_else(|| url.username()) {
                Some(n) => n,
                None => return Err(ScanRunError::Target("cannot derive a source name from the URL; pass --name".into())),
            };
            let name = crate::catalog::SourceName::parse(&name).map_err(crate::catalog::CatalogError::from)?;
            let registered_now = matches!(catalog.source_by_name(name.as_str()).await, Err(CatalogError::NotFound(_)));
            let source = catalog
                .ensure_source(crate::catalog::NewSource {
                    name,
                    url: url.clone(),
                    password_env: new.password_env,
                    password_file: new.password_file,
                    sample_rows: new.sample_rows.map(|n| n.min(i32::MAX as u32) as i32),
                })
                .await?;
            let connect = if url.has_password() { url } else { connection_url(&source, config)? };
            Ok(Resolved { source, url: connect, registered_now })
        }
        ScanTarget::Registered(name) => {
            let source = match catalog.source_by_name(&name).await {
                Ok(s) => s,
                Err(CatalogError::NotFound(_)) => {
                    return Err(ScanRunError::Target(format!("`{name}` is neither a source URL nor a registered source")))
                }
                Err(e) => return Err(e.into()),
            };
            if source.engine == crate::catalog::declared::EXTERNAL_ENGINE {
                return Err(ScanRunError::Target(format!(
                    "`{name}` stands for the OpenLineage namespace {}: lineage events name its datasets, no scanner reads it",
                    source.url
                )));
            }
            let url = connection_url(&source, config)?;
            Ok(Resolved { source, url, registered_now: false })
        }
    }
}

/// The URL to connect to for a registered source, with its password from the environment
/// variable or file named by the source or by the config (never from the catalog).
pub fn connection_url(source: &Source, config: &Config) -> Result<SourceUrl, ScanRunError> {
    let url = SourceUrl::parse(&source.url).map_err(|e| ScanRunError::Secret(e.to_string()))?;
    let configured = config.sources.get(&source.name);
    let env = source.password_env.clone().or_else(|| configured.and_then(|c| c.password_env.clone()));
    let file = source.password_file.clone().or_else(|| configured.and_then(|c| c.password_file.clone()));
    if let Some(var) = env {
        let pw = std::env::var(&var).map_err(|_| {
            ScanRunError::Secret(format!("source `{}` takes its password from environment variable {var}, which is not set", source.name))
        })?;
        return Ok(url.with_password(&pw));
    }
    if let Some(path) = file {
        let pw = std::fs::read_to_string(&path).map_err(|e| {
            ScanRunError::Secret(format!("source `{}` takes its password from file {path}, which cannot be read: {e}", source.name))
        })?;
        return Ok(url.with_password(pw.trim_end_matches(['\n', '\r'])));
    }
    Ok(url)
}

/// Progress of a running scan, shared between the scanner and whoever reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressState {
    pub phase: String,
    pub done: u64,
    pub total: Option<u64>,
}

/// A [`ScanProgress`] that remembers the latest state and forwards it to another sink.
pub struct SharedProgress {
    state: Mutex<ProgressState>,
    forward: Option<Arc<dyn ScanProgress>>,
}

impl SharedProgress {
    /// A sink that also forwards to `forward` (a terminal progress bar, say).
    pub fn new(forward: Option<Arc<dyn ScanProgress>>) -> Arc<Self> {
        Arc::new(SharedProgress { state: Mutex::new(ProgressState::default()), forward })
    }

    /// The latest state.
    pub fn snapshot(&self) -> ProgressState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl ScanProgress for SharedProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        if let Ok(mut s) = self.state.lock() {
            *s = ProgressState { phase: name.to_string(), done: 0, total };
        }
        if let Some(f) = &self.forward {
            f.phase(name, total);
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(mut s) = self.state.lock() {
            s.done += n;
        }
        if let Some(f) = &self.forward {
            f.advance(n);
        }
    }
}

/// Scans `source` as scan `scan_id` and applies the result. On failure the scan record is
/// marked failed with the reason and the catalog is left as it was.
pub async fn run(
    catalog: &Catalog,
    config: &Config,
    classifier: &Arc<Classifier>,
    source: &Source,
    scan_id: i64,
    url: &SourceUrl,
    forward: Option<Arc<dyn ScanProgress>>,
) -> Result<ScanSummary, ScanRunError> {
    let progress = SharedProgress::new(forward);
    // Mirror progress into the scan record while the scanner works.
    let reporter = {
        let catalog = catalog.clone();
        let progress = progress.clone();
        tokio::spawn(async move {
            let mut last = ProgressState::default();
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let now = progress.snapshot();
                if now != last {
                    let _ = catalog.update_scan_progress(scan_id, &now.phase, now.done as i64, now.total.map(|t| t as i64)).await;
                    last = now;
                }
            }
        })
    };
    // Other processes see the scan running as long as this one renews its job's lease.
    let scan = catalog.scan(scan_id).await?;
    let _renewal = scan.job_id.map(|job| crate::jobs::Renewal::spawn(catalog.connection().clone(), job, catalog.job_lease()));
    let options = config.scan_options(&source.name, source.sample_rows);
    let scanned = almanac_scanners::scan(url, &options, progress.as_ref()).await;
    reporter.abort();
    let result = match scanned {
        Ok(snapshot) => {
            progress.phase("applying to catalog", None);
            catalog.update_scan_progress(scan_id, "applying to catalog", 0, None).await?;
            let snapshot = Arc::new(snapshot);
            let mut applied =
                apply_snapshot(catalog.connection(), source.id, scan_id, snapshot.clone(), classifier.clone(), &config.history).await;
            // Erased identifiers back in the sampled values (the suppression list): findings on
            // the requests that erased them. The scan itself stands whatever this finds.
            if let Ok(summary) = &mut applied {
                match crate::privacy::erasure::suppression::check_scan(catalog, config, source, scan_id, &snapshot, chrono::Utc::now())
                    .await
                {
                    Ok(found) => summary.warnings.extend(found),
                    Err(e) => summary.warnings.push(almanac_scanners::ScanWarning {
                        namespace: String::new(),
                        dataset: None,
                        column: None,
                        message: format!("the suppression list of erased identifiers was not checked: {e}"),
                    }),
                }
            }
            // Sampled values live only in this snapshot; they end here.
            drop(snapshot);
            applied.map_err(ScanRunError::from)
        }
        Err(e) => Err(ScanRunError::from(e)),
    };
    if let Err(e) = &result {
        tracing::warn!(source = %source.name, scan_id, error = %e, "scan failed");
        catalog.fail_scan(scan_id, &e.to_string()).await?;
    }
    result
}
