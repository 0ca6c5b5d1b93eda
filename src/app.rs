//! Application state shared by the server and CLI: the catalog store, configuration, and
//! background scans.

use crate::catalog::{Catalog, CatalogError, Scan};
use crate::classify::{Classifier, ClassifyError};
use crate::config::Config;
use crate::scanning::{self, ScanRunError};
use crate::store::{self, StoreError};
use std::sync::Arc;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("invalid [classify] configuration: {0}")]
    Classify(#[from] ClassifyError),
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
    #[error("authentication: {0}")]
    Auth(String),
}

/// Everything a request or command needs.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Catalog,
    pub config: Arc<Config>,
    pub classifier: Arc<Classifier>,
    /// The search index, when this process serves or runs searches.
    pub search: Option<Arc<crate::search::SearchIndex>>,
    /// The access-token verifier, when an OpenID Connect issuer is configured (else local mode).
    pub auth: Option<Arc<crate::auth::Verifier>>,
    /// Browser login, when a client id and redirect URL are configured too.
    pub browser: Option<Arc<crate::auth::browser::BrowserLogin>>,
}

impl AppState {
    /// Opens (and migrates) the store named by the config; fails scans whose process stopped
    /// (their job lease ran out).
    pub async fn open(config: Config) -> Result<Self, StartError> {
        let classifier = Arc::new(Classifier::new(config.classify.clone())?);
        let db = store::open(&config.store).await?;
        let catalog = Catalog::new(db).with_job_lease(config.jobs.lease());
        // Only scans whose process stopped renewing their lease: a scan running in another
        // process goes on.
        let interrupted = catalog.fail_abandoned_scans().await?;
        if interrupted > 0 {
            tracing::warn!(count = interrupted, "marked scans whose process stopped as failed");
        }
        Ok(AppState { catalog, config: Arc::new(config), classifier, search: None, auth: None, browser: None })
    }

    /// Reads the issuer's discovery document and keys when an issuer is configured.
    pub async fn with_auth(mut self) -> Result<Self, StartError> {
        if self.config.auth.oidc_issuer().is_some() {
            let verifier = crate::auth::Verifier::discover(&self.config.auth).await.map_err(StartError::Auth)?;
            tracing::info!(issuer = verifier.issuer(), "access tokens are checked against the issuer's keys");
            let verifier = Arc::new(verifier);
            self.browser =
                crate::auth::browser::BrowserLogin::new(&self.config.auth, verifier.clone()).map_err(StartError::Auth)?.map(Arc::new);
            self.auth = Some(verifier);
        }
        Ok(self)
    }

    /// The same state, with a catalog that acts (and audits) for `who`.
    pub fn acting(&self, who: crate::audit::Who) -> AppState {
        AppState { catalog: self.catalog.acting(who), ..self.clone() }
    }

    /// Opens the search index (rebuilding it from the store when missing or outdated) and
    /// brings it up to date. Returns whether it was rebuilt. `access` says whether this
    /// process must keep the index current (a server) or may read one another process keeps.
    pub async fn with_search(mut self, access: crate::search::IndexAccess) -> Result<(Self, bool), StartError> {
        let (index, rebuilt) = crate::search::open_current(&self.config.store, &self.config.search, &self.catalog, access).await?;
        if rebuilt {
            tracing::info!(documents = index.doc_count(), "search index rebuilt from the store");
        }
        self.search = Some(index);
        Ok((self, rebuilt))
    }

    /// Starts a scan of a registered source in the background and returns its record.
    /// Problems found before connecting (unknown source, missing secret, a scan already
    /// running) are returned at once; later ones end up in the scan record.
    pub async fn start_background_scan(&self, source_name: &str) -> Result<Scan, ScanRunError> {
        let source = self.catalog.source_by_name(source_name).await?;
        let url = scanning::connection_url(&source, &self.config)?;
        let scan = self.catalog.start_scan(source.id).await?;
        let state = self.clone();
        let scan_id = scan.id;
        tokio::spawn(async move {
            let span = tracing::info_span!("background_scan", source = %source.name, scan_id);
            let _ = tracing::Instrument::instrument(
                scanning::run(&state.catalog, &state.config, &state.classifier, &source, scan_id, &url, None),
                span,
            )
            .await;
        });
        Ok(scan)
    }
}
