//! `almanac serve` and `almanac quickstart`: the API server, and the sample warehouse scanned
//! into an embedded catalog before serving it.

use super::Context;
use almanac::app::AppState;
use almanac::config::Overrides;
use almanac::search::IndexAccess;
use anyhow::Context as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; env ALMANAC_LISTEN).
    #[arg(long)]
    listen: Option<String>,
}

#[derive(clap::Args)]
pub(crate) struct QuickstartArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Prepare the catalog but do not start the server.
    #[arg(long)]
    no_serve: bool,
}

pub(crate) async fn serve(ctx: &Context, args: ServeArgs) -> anyhow::Result<()> {
    let config = ctx.config_with(Overrides { listen: args.listen, ..Default::default() })?;
    config.serve_addr()?;
    let (state, _) = AppState::open(config).await?.with_search(IndexAccess::Write).await?;
    run_server(state.with_auth().await?).await
}

async fn run_server(state: AppState) -> anyhow::Result<()> {
    let addr = state.config.serve_addr()?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(%local, store = %state.config.store, "serving GraphQL");
    match &state.auth {
        Some(v) => eprintln!("Almanac is serving on http://{local}; access tokens from {} are required", v.issuer()),
        None => {
            let why = if state.config.auth.local_mode { "auth.local_mode is set" } else { "no OpenID Connect issuer is configured" };
            tracing::warn!(%local, "LOCAL MODE: {why}; every caller acts as the local administrator, so the server listens on loopback only");
            eprintln!("Almanac is serving on http://{local} in LOCAL MODE (no authentication; loopback only)");
        }
    }
    eprintln!("  GraphiQL:   open http://{local}/graphql in a browser");
    eprintln!("  health:     http://{local}/health");
    eprintln!("  schema:     http://{local}/schema.graphql");
    almanac::api::serve(state, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

pub(crate) async fn quickstart(ctx: &Context, args: QuickstartArgs) -> anyhow::Result<()> {
    let config = ctx.config_with(Overrides { listen: Some(args.listen), ..Default::default() })?;
    let sample = PathBuf::from("almanac-data/sample-warehouse.db");
    eprintln!("Writing the sample warehouse to {} ...", sample.display());
    almanac_fixtures::warehouse::write_sample_warehouse(&sample).await?;
    if !args.no_serve {
        config.serve_addr()?;
    }
    let state = AppState::open(config).await?;
    let url = format!("sqlite://{}", sample.display());
    super::scan::scan_url(&state, &url, Some("warehouse"), Default::default()).await?;
    out!();
    out!("Try this query in GraphiQL:");
    out!();
    out!("  {{");
    out!("    dataset(qualifiedName: \"warehouse.main.customers\") {{");
    out!("      qualifiedName comment rowEstimate");
    out!("      columns {{ name dataType nullable comment }}");
    out!("      referencedBy {{ fromDatasetName columns }}");
    out!("    }}");
    out!("  }}");
    out!();
    out!("or from the shell: almanac show warehouse.main.customers");
    out!("                   almanac search \"customer e-mail\"");
    out!();
    if args.no_serve {
        return Ok(());
    }
    let (state, _) = state.with_search(IndexAccess::Write).await?;
    run_server(state.with_auth().await?).await
}
