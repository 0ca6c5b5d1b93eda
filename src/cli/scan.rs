//! `almanac scan URL|NAME`: scan a source into the catalog, with progress on stderr, warnings,
//! and a one-line summary on stdout.

use super::progress::{BarProgress, LogProgress};
use super::{esc, Context};
use almanac::app::AppState;
use almanac::config::Overrides;
use almanac::scanning::{self, NewTarget, ScanTarget};
use almanac_scanners::ScanProgress;
use anyhow::Context as _;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args)]
pub(crate) struct ScanArgs {
    /// Source URL or registered source name.
    source: String,
    /// Name of the source in the catalog (default: database name or file stem).
    #[arg(long)]
    name: Option<String>,
    /// Environment variable holding the password, remembered for later scans.
    #[arg(long)]
    password_env: Option<String>,
    /// File holding the password, remembered for later scans.
    #[arg(long)]
    password_file: Option<String>,
    /// Rows sampled per table (0 disables sampling).
    #[arg(long)]
    sample_rows: Option<u32>,
}

pub(crate) async fn run(ctx: &Context, args: ScanArgs) -> anyhow::Result<()> {
    let config = ctx.config_with(Overrides { sample_rows: args.sample_rows, ..Default::default() })?;
    let state = AppState::open(config).await?;
    let target = ScanTarget::parse(&args.source, args.name.as_deref())?;
    let secrets = NewTarget { password_env: args.password_env, password_file: args.password_file, sample_rows: args.sample_rows };
    scan(&state, target, secrets).await
}

/// Scans the source at `url`, registered as `name` (the quickstart's way in).
pub(crate) async fn scan_url(state: &AppState, url: &str, name: Option<&str>, secrets: NewTarget) -> anyhow::Result<()> {
    scan(state, ScanTarget::parse(url, name)?, secrets).await
}

async fn scan(state: &AppState, target: ScanTarget, secrets: NewTarget) -> anyhow::Result<()> {
    let scanning::Resolved { source, url, registered_now } = scanning::resolve(&state.catalog, &state.config, target, secrets).await?;
    let scan = state.catalog.start_scan(source.id).await?;
    let started = Instant::now();
    let progress: Arc<dyn ScanProgress> =
        if std::io::stderr().is_terminal() { Arc::new(BarProgress::new()) } else { Arc::new(LogProgress::default()) };
    let result = scanning::run(&state.catalog, &state.config, &state.classifier, &source, scan.id, &url, Some(progress.clone())).await;
    drop(progress);
    if result.is_err() && registered_now {
        // A failed first scan registers nothing: the same name can be scanned again with a
        // corrected URL. A removed source brought back for this scan is removed again.
        let undone = match state.catalog.forget_unscanned_source(source.id, "its first scan failed").await {
            Ok(true) => Ok(()),
            Ok(false) => state.catalog.remove_source(&source.name).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = undone {
            eprintln!("warning: could not undo the registration of `{}`: {}", esc(&source.name), esc(&e.to_string()));
        }
    }
    let summary = result.with_context(|| format!("scan of `{}` ({}) failed", source.name, source.url))?;
    for w in &summary.warnings {
        eprintln!("warning: {}", esc(&w.to_string()));
    }
    out!(
        "scanned {} ({}): {} datasets, {} columns, {} changes in {:.2}s",
        esc(&source.name),
        source.engine,
        summary.datasets,
        summary.columns,
        summary.changes,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
