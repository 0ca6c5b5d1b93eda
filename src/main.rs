//! The `almanac` command line: quickstart, serve, scan, show, sources, schema.

use almanac::api;
use almanac::app::AppState;
use almanac::catalog::names::QualifiedName;
use almanac::cli::text::escaped as esc;
use almanac::catalog::{Catalog, CatalogError, Column, Dataset, ForeignKey, NewSource, Target};
use almanac::config::Config;
use almanac::{quickstart, scanning};
use almanac_scanners::{ScanProgress, SourceUrl};
use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Writes a line to stdout. A reader that went away (`almanac show x | head -1`) ends the
/// command quietly with status 0 instead of the panic `println!` gives on a broken pipe.
macro_rules! out {
    () => { out_raw("\n") };
    ($($arg:tt)*) => { out_raw(&format!("{}\n", format_args!($($arg)*))) };
}

fn out_raw(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

#[derive(Parser)]
#[command(name = "almanac", version, about = "Data catalog and data dictionary with privacy governance")]
struct Cli {
    /// Catalog store URL: sqlite://PATH (default ./almanac-data/catalog.db) or postgres://...
    #[arg(long, global = true, env = "ALMANAC_STORE")]
    store: Option<String>,
    /// Configuration file (default ./almanac.toml when present; env ALMANAC_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Build a sample warehouse, scan it into an embedded catalog, and serve the API.
    Quickstart {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Prepare the catalog but do not start the server.
        #[arg(long)]
        no_serve: bool,
    },
    /// Serve GraphQL at /graphql (GraphiQL in a browser), /health and /schema.graphql.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080; env ALMANAC_LISTEN).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Scan a database into the catalog: a URL (postgres://, mysql://, sqlite://) or the name
    /// of a registered source.
    Scan {
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
    },
    /// Show a dataset (with columns and foreign keys) or a column by qualified name.
    Show {
        /// source.namespace.dataset or source.namespace.dataset.column
        qualified_name: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// List registered sources and their last scan.
    Sources {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// List the personal-data columns of a source (suggested, confirmed and manual;
    /// rejected ones with --status rejected).
    Pii {
        /// Source name.
        source: String,
        /// Only this category (repeatable), e.g. user.contact.email.
        #[arg(long)]
        category: Vec<String>,
        /// Only this status: suggested, confirmed, rejected or manual.
        #[arg(long)]
        status: Option<String>,
        /// Only special categories (GDPR Art. 9).
        #[arg(long)]
        special_only: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Search datasets and columns by meaning (same query language as GraphQL `search`).
    Search {
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Include removed datasets and columns.
        #[arg(long)]
        include_removed: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Rebuild the search index from the store.
    Reindex,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Read or check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The timeline of a dataset (with its columns) or of one column, oldest first:
    /// structural changes, detected semantic changes (null rate, units, tax, time zone,
    /// format, duplicates) and curation.
    History {
        /// source.namespace.dataset or source.namespace.dataset.column
        name: String,
        /// Only events of this kind (repeatable), e.g. unit_change.
        #[arg(long)]
        kind: Vec<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain from the first entry to the last; exits with status 1 and names
    /// the first entry that does not hold.
    Verify {
        /// An entry id and the hash it had, as printed by an earlier verify and kept outside
        /// the store (repeatable): `--anchor 1042:3f9a...`.
        #[arg(long, value_parser = parse_anchor)]
        anchor: Vec<(i64, String)>,
    },
    /// Print entries, newest first.
    Log {
        #[arg(long, default_value_t = 20)]
        limit: u64,
        /// Only this action, e.g. description.set.
        #[arg(long)]
        action: Option<String>,
        /// Only this actor (subject).
        #[arg(long)]
        subject: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

fn parse_anchor(text: &str) -> Result<(i64, String), String> {
    let (id, hash) = text.split_once(':').ok_or("an anchor is ID:HASH")?;
    let id = id.trim().parse().map_err(|_| format!("`{id}` is not an entry id"))?;
    let hash = hash.trim();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("the hash of an anchor is 64 hexadecimal digits".into());
    }
    Ok((id, hash.to_ascii_lowercase()))
}

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal()).with_target(false).try_init();
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // Errors name datasets and columns, which may hold any character.
            eprintln!("error: {}", esc(&format!("{e:#}")));
            std::process::ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(store) = &cli.store {
        config.store = store.clone();
    }
    config.validate()?;
    Ok(config)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Schema => {
            out_raw(&api::graphql::sdl());
            Ok(())
        }
        Command::Serve { listen } => {
            init_tracing("info");
            let mut config = load_config(&cli)?;
            if let Some(l) = listen {
                config.listen = l.clone();
            }
            config.validate()?;
            config.serve_addr()?;
            let (state, _) = AppState::open(config).await?.with_search().await?;
            serve(state.with_auth().await?).await
        }
        Command::Search { query, limit, include_removed, format } => {
            init_tracing("warn");
            let (state, _) = AppState::open(load_config(&cli)?).await?.with_search().await?;
            search_cmd(&state, query, *limit, *include_removed, *format).await
        }
        Command::Audit(AuditCommand::Verify { anchor }) => {
            init_tracing("warn");
            let state = AppState::open(load_config(&cli)?).await?;
            let v = state.catalog.verify_audit_anchored(anchor).await?;
            match v.broken {
                None => {
                    out!("audit log intact: {} entries, head {}", v.entries, v.head);
                    if let Some(id) = v.head_id {
                        out!("anchor for later checks: --anchor {id}:{}", v.head);
                    }
                    Ok(())
                }
                Some((id, why)) => {
                    out!("audit log BROKEN at entry {id}: {why}");
                    out!("entries before it hold; the last good hash is {}", v.head);
                    std::process::exit(1);
                }
            }
        }
        Command::Audit(AuditCommand::Log { limit, action, subject, format }) => {
            init_tracing("warn");
            let state = AppState::open(load_config(&cli)?).await?;
            let filter = almanac::catalog::audit::AuditFilter { action: action.clone(), subject: subject.clone(), ..Default::default() };
            let entries = state.catalog.audit_entries(&filter, None, *limit).await?;
            match format {
                Format::Json => out!("{}", serde_json::to_string_pretty(&entries)?),
                Format::Text => {
                    for e in &entries {
                        out!("{:>6}  {}  {:<24} {:<22} {}", e.id, e.at, esc(&e.actor.subject), esc(&e.action), esc(&e.targets.join(",")));
                    }
                }
            }
            Ok(())
        }
        Command::History { name, kind, format } => {
            init_tracing("warn");
            let state = AppState::open(load_config(&cli)?).await?;
            let qn = QualifiedName::parse(name)?;
            let events: Vec<_> = almanac::history::timeline(&state.catalog, &qn).await?.into_iter().filter(|e| kind.is_empty() || kind.contains(&e.kind)).collect();
            match format {
                Format::Json => out!("{}", serde_json::to_string_pretty(&events)?),
                Format::Text => {
                    for e in &events {
                        let column = e.column.as_deref().map(|c| format!(" {}", esc(c))).unwrap_or_default();
                        out!("{}  {:<20}{column}  {}", e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), e.kind, esc(&e.details.to_string()));
                    }
                    out!("{} events", events.len());
                }
            }
            Ok(())
        }
        Command::Reindex => {
            init_tracing("warn");
            let state = AppState::open(load_config(&cli)?).await?;
            let dir = almanac::search::index_dir(&state.config.store, &state.config.search);
            let (index, _) = almanac::search::SearchIndex::open(&dir, &state.config.search)?;
            let started = Instant::now();
            let n = index.rebuild(&state.catalog).await?;
            out!("reindexed {n} datasets ({} documents) in {:.2}s into {}", index.doc_count(), started.elapsed().as_secs_f64(), dir.display());
            Ok(())
        }
        Command::Quickstart { listen, no_serve } => {
            init_tracing("warn");
            let mut config = load_config(&cli)?;
            config.listen = listen.clone();
            config.validate()?;
            quickstart_cmd(config, *no_serve).await
        }
        Command::Scan { source, name, password_env, password_file, sample_rows } => {
            init_tracing("warn");
            let mut config = load_config(&cli)?;
            if let Some(n) = sample_rows {
                config.scan.sample_rows = *n;
            }
            let state = AppState::open(config).await?;
            let args = ScanArgs { source, name: name.as_deref(), password_env, password_file, sample_rows: *sample_rows };
            scan_cmd(&state, args).await.map(|_| ())
        }
        Command::Show { qualified_name, format } => {
            init_tracing("warn");
            let state = AppState::open(load_config(&cli)?).await?;
            show_cmd(&state.catalog, qualified_name, *format).await
        }
        Command::Pii { source, category, status, special_only, format } => {
            init_tracing("warn");
            let state = AppState::open(load_config(&cli)?).await?;
            pii_cmd(&state, source, category, status.as_deref(), *special_only, *format).await
        }
        Command::Sources { format } => {
            init_tracing("warn");
            let state = AppState::open(load_config(&cli)?).await?;
            sources_cmd(&state.catalog, *format).await
        }
    }
}

async fn serve(state: AppState) -> anyhow::Result<()> {
    let addr = state.config.serve_addr()?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(%local, store = %state.config.store, "serving GraphQL");
    match &state.auth {
        Some(v) => eprintln!("Almanac is serving on http://{local}; access tokens from {} are required", v.issuer()),
        None => {
            tracing::warn!(%local, "LOCAL MODE: no OpenID Connect issuer is configured; every caller acts as the local administrator, so the server listens on loopback only");
            eprintln!("Almanac is serving on http://{local} in LOCAL MODE (no authentication; loopback only)");
        }
    }
    eprintln!("  GraphiQL:   open http://{local}/graphql in a browser");
    eprintln!("  health:     http://{local}/health");
    eprintln!("  schema:     http://{local}/schema.graphql");
    api::serve(state, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

async fn quickstart_cmd(config: Config, no_serve: bool) -> anyhow::Result<()> {
    let sample = PathBuf::from("almanac-data/sample-warehouse.db");
    eprintln!("Writing the sample warehouse to {} ...", sample.display());
    quickstart::write_sample_warehouse(&sample).await?;
    if !no_serve {
        config.serve_addr()?;
    }
    let state = AppState::open(config).await?;
    let url = format!("sqlite://{}", sample.display());
    let args = ScanArgs { source: &url, name: Some("warehouse"), password_env: &None, password_file: &None, sample_rows: None };
    scan_cmd(&state, args).await?;
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
    if no_serve {
        return Ok(());
    }
    let (state, _) = state.with_search().await?;
    serve(state.with_auth().await?).await
}

struct ScanArgs<'a> {
    source: &'a str,
    name: Option<&'a str>,
    password_env: &'a Option<String>,
    password_file: &'a Option<String>,
    sample_rows: Option<u32>,
}

async fn scan_cmd(state: &AppState, args: ScanArgs<'_>) -> anyhow::Result<()> {
    let catalog = &state.catalog;
    let (source, url) = if args.source.contains("://") || args.source.starts_with("sqlite:") {
        let url = SourceUrl::parse(args.source)?;
        let name = match args.name {
            Some(n) => n.to_string(),
            None => url
                .database_name()
                .or_else(|| url.username())
                .context("cannot derive a source name from the URL; pass --name")?,
        };
        let source = catalog
            .ensure_source(NewSource {
                name,
                url: url.clone(),
                password_env: args.password_env.clone(),
                password_file: args.password_file.clone(),
                sample_rows: args.sample_rows.map(|n| n.min(i32::MAX as u32) as i32),
            })
            .await?;
        // A password in the URL is used for this scan only; otherwise the configured secret.
        let connect = if url.has_password() { url } else { scanning::connection_url(&source, &state.config)? };
        (source, connect)
    } else {
        if args.name.is_some() {
            bail!("--name applies to a URL; `{}` is taken as a registered source name", args.source);
        }
        let source = match catalog.source_by_name(args.source).await {
            Ok(s) => s,
            Err(CatalogError::NotFound(_)) => bail!("`{}` is neither a source URL nor a registered source", args.source),
            Err(e) => return Err(e.into()),
        };
        let url = scanning::connection_url(&source, &state.config)?;
        (source, url)
    };

    let scan = catalog.start_scan(source.id).await?;
    let started = Instant::now();
    let progress: Arc<dyn ScanProgress> = if std::io::stderr().is_terminal() {
        Arc::new(BarProgress::new())
    } else {
        Arc::new(LogProgress::default())
    };
    let result = scanning::run(catalog, &state.config, &state.classifier, &source, scan.id, &url, Some(progress.clone())).await;
    drop(progress);
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

/// A progress bar on a terminal.
struct BarProgress {
    bar: ProgressBar,
}

impl BarProgress {
    fn new() -> Self {
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        BarProgress { bar }
    }
}

impl ScanProgress for BarProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        match total {
            Some(t) => {
                self.bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg:<18} [{bar:30}] {pos}/{len} ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                self.bar.set_length(t);
                self.bar.set_position(0);
            }
            None => {
                self.bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").unwrap_or_else(|_| ProgressStyle::default_spinner()));
            }
        }
        self.bar.set_message(name.to_string());
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
}

impl Drop for BarProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Plain log lines when stderr is not a terminal: each phase, then every tenth of it.
#[derive(Default)]
struct LogProgress {
    state: Mutex<(String, u64, Option<u64>, u64)>,
}

impl ScanProgress for LogProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        if let Ok(mut s) = self.state.lock() {
            *s = (name.to_string(), 0, total, 0);
        }
        match total {
            Some(t) => eprintln!("scan: {name} (0/{t})"),
            None => eprintln!("scan: {name}"),
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(mut s) = self.state.lock() {
            s.1 += n;
            if let Some(t) = s.2.filter(|t| *t >= 10) {
                let tenth = s.1 * 10 / t;
                if tenth > s.3 {
                    s.3 = tenth;
                    eprintln!("scan: {} ({}/{t})", s.0, s.1);
                }
            }
        }
    }
}

fn column_json(c: &Column, tags: Vec<String>) -> serde_json::Value {
    serde_json::json!({
        "name": c.name(),
        "qualified_name": c.qualified_name.to_string(),
        "ordinal": c.ordinal,
        "data_type": c.data_type,
        "type_family": c.type_family,
        "nullable": c.nullable,
        "default": c.default_value,
        "primary_key": c.primary_key,
        "unique": c.unique,
        "comment": c.comment,
        "description": c.description,
        "tags": tags,
        "removed_at": c.removed_at,
    })
}

fn fk_json(fk: &ForeignKey) -> serde_json::Value {
    serde_json::json!({
        "name": fk.name,
        "from": fk.from_dataset.to_string(),
        "columns": fk.columns,
        "references": fk.to_dataset.to_string(),
        "referenced_columns": fk.referenced_columns,
    })
}

async fn show_cmd(catalog: &Catalog, name: &str, format: Format) -> anyhow::Result<()> {
    let qn = QualifiedName::parse(name)?;
    if qn.column.is_some() {
        let col = catalog.column_by_name(&qn).await?;
        let tags = catalog.tags(Target::Column(col.id)).await?;
        match format {
            Format::Json => out!("{}", serde_json::to_string_pretty(&column_json(&col, tags))?),
            Format::Text => {
                out!("{}  {}{}", esc(&col.qualified_name.to_string()), esc(&col.data_type), if col.nullable { "" } else { " NOT NULL" });
                print_opt("type family", Some(col.type_family.as_str()));
                print_opt("comment", col.comment.as_deref());
                print_opt("description", col.description.as_deref());
                if !tags.is_empty() {
                    out!("  tags: {}", esc(&tags.join(", ")));
                }
            }
        }
        return Ok(());
    }
    let ds = catalog.dataset_by_name(&qn).await?;
    let columns = catalog.columns(&ds, false).await?;
    let fks = catalog.foreign_keys(&ds).await?;
    let incoming = catalog.referencing_foreign_keys(&ds).await?;
    let tags = catalog.tags(Target::Dataset(ds.id)).await?;
    match format {
        Format::Json => {
            let mut cols = Vec::with_capacity(columns.len());
            for c in &columns {
                cols.push(column_json(c, catalog.tags(Target::Column(c.id)).await?));
            }
            let value = serde_json::json!({
                "qualified_name": ds.qualified_name.to_string(),
                "name": ds.name(),
                "kind": ds.kind.as_str(),
                "comment": ds.comment,
                "description": ds.description,
                "owner": ds.effective_owner(),
                "assigned_owner": ds.owner,
                "source_owner": ds.source_owner,
                "row_estimate": ds.row_estimate,
                "view_definition": ds.view_definition,
                "partitions": ds.partitions,
                "tags": tags,
                "removed_at": ds.removed_at,
                "columns": cols,
                "foreign_keys": fks.iter().map(fk_json).collect::<Vec<_>>(),
                "referenced_by": incoming.iter().map(fk_json).collect::<Vec<_>>(),
            });
            out!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => print_dataset(&ds, &columns, &fks, &incoming, &tags),
    }
    Ok(())
}

fn print_opt(label: &str, value: Option<&str>) {
    if let Some(v) = value {
        out!("  {label}: {}", esc(v));
    }
}

fn print_dataset(ds: &Dataset, columns: &[Column], fks: &[ForeignKey], incoming: &[ForeignKey], tags: &[String]) {
    let removed = ds.removed_at.map(|t| format!(" (removed {t})")).unwrap_or_default();
    out!("{} [{}]{removed}", esc(&ds.qualified_name.to_string()), ds.kind.as_str());
    print_opt("comment", ds.comment.as_deref());
    print_opt("description", ds.description.as_deref());
    print_opt("owner", ds.effective_owner());
    if let Some(rows) = ds.row_estimate {
        out!("  rows (estimate): {rows}");
    }
    if !tags.is_empty() {
        out!("  tags: {}", esc(&tags.join(", ")));
    }
    let width = columns.iter().map(|c| esc(c.name()).chars().count()).max().unwrap_or(4).max(4);
    let twidth = columns.iter().map(|c| esc(&c.data_type).chars().count()).max().unwrap_or(4).max(4);
    out!();
    out!("  {:<width$}  {:<twidth$}  {:<8}  {:<4}  comment / description", "column", "type", "null", "key");
    for c in columns {
        let key = if c.primary_key { "PK" } else if c.unique { "UQ" } else { "" };
        let text = c.description.as_deref().or(c.comment.as_deref()).unwrap_or("");
        out!(
            "  {:<width$}  {:<twidth$}  {:<8}  {:<4}  {}",
            esc(c.name()),
            esc(&c.data_type),
            if c.nullable { "null" } else { "not null" },
            key,
            esc(text)
        );
    }
    if !fks.is_empty() {
        out!();
        out!("  foreign keys:");
        for fk in fks {
            out!("    ({}) -> {} ({})", esc(&fk.columns.join(", ")), esc(&fk.to_dataset.to_string()), esc(&fk.referenced_columns.join(", ")));
        }
    }
    if !incoming.is_empty() {
        out!();
        out!("  referenced by:");
        for fk in incoming {
            out!("    {} ({})", esc(&fk.from_dataset.to_string()), esc(&fk.columns.join(", ")));
        }
    }
    if let Some(v) = &ds.view_definition {
        out!();
        out!("  view definition:");
        for line in v.lines() {
            out!("    {}", esc(line));
        }
    }
}

async fn sources_cmd(catalog: &Catalog, format: Format) -> anyhow::Result<()> {
    let sources = catalog.sources().await?;
    let mut rows = Vec::new();
    for s in sources {
        let last = catalog.scans(s.id, 1).await?.into_iter().next();
        rows.push((s, last));
    }
    match format {
        Format::Json => {
            let list: Vec<_> = rows
                .iter()
                .map(|(s, last)| {
                    serde_json::json!({
                        "name": s.name, "engine": s.engine, "url": s.url,
                        "last_scan": last.as_ref().map(|l| serde_json::json!({
                            "status": l.status.as_str(), "started_at": l.started_at, "finished_at": l.finished_at,
                            "datasets": l.datasets, "columns": l.columns, "changes": l.changes, "error": l.error,
                            "warnings": l.warnings,
                        })),
                    })
                })
                .collect();
            out!("{}", serde_json::to_string_pretty(&list)?);
        }
        Format::Text => {
            for (s, last) in rows {
                let status = match last {
                    Some(l) => format!(
                        "last scan {} at {}{}",
                        l.status.as_str(),
                        l.started_at.format("%Y-%m-%d %H:%M:%S"),
                        l.datasets.map(|d| format!(" ({d} datasets, {} columns)", l.columns.unwrap_or(0))).unwrap_or_default()
                    ) + &match l.warnings.len() {
                        0 => String::new(),
                        n => format!(", {n} warnings"),
                    },
                    None => "never scanned".into(),
                };
                out!("{:<20} {:<9} {:<50} {}", esc(&s.name), s.engine, esc(&s.url), esc(&status));
            }
        }
    }
    Ok(())
}

async fn pii_cmd(
    state: &AppState,
    source: &str,
    categories: &[String],
    status: Option<&str>,
    special_only: bool,
    format: Format,
) -> anyhow::Result<()> {
    use almanac::catalog::classifications::{ClassificationStatus, PiiFilter};
    let taxonomy = state.classifier.taxonomy();
    for c in categories {
        taxonomy.get(c)?;
    }
    let status = match status {
        Some(s) => Some(ClassificationStatus::parse(s).with_context(|| format!("unknown status `{s}`: use suggested, confirmed, rejected or manual"))?),
        None => None,
    };
    let mut wanted: Vec<String> = categories.to_vec();
    if special_only {
        let special: Vec<String> = taxonomy.all().iter().filter(|c| c.special).map(|c| c.key.clone()).collect();
        wanted = if wanted.is_empty() { special } else { wanted.into_iter().filter(|c| special.contains(c)).collect() };
    }
    let src = state.catalog.source_by_name(source).await?;
    let filter = PiiFilter { source_id: src.id, categories: (!wanted.is_empty() || special_only).then_some(wanted), status };
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let (page, more) = state.catalog.personal_data(&filter, after, 500).await?;
        after = page.last().map(|r| r.classification.id);
        rows.extend(page);
        if !more {
            break;
        }
    }
    rows.sort_by(|a, b| (a.column.qualified_name.to_string(), &a.classification.category).cmp(&(b.column.qualified_name.to_string(), &b.classification.category)));
    match format {
        Format::Json => {
            let list: Vec<_> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "dataset": r.column.qualified_name.dataset_name().to_string(),
                        "column": r.column.name(),
                        "category": r.classification.category,
                        "confidence": r.classification.confidence,
                        "status": r.classification.status.as_str(),
                        "special": taxonomy.is_special(&r.classification.category),
                    })
                })
                .collect();
            out!("{}", serde_json::to_string_pretty(&list)?);
        }
        Format::Text => {
            let w = rows.iter().map(|r| esc(&r.column.qualified_name.to_string()).chars().count()).max().unwrap_or(6).max(6);
            out!("{:<w$}  {:<34}  {:>10}  status", "column", "category", "confidence");
            for r in &rows {
                let special = if taxonomy.is_special(&r.classification.category) { " (Art. 9)" } else { "" };
                out!(
                    "{:<w$}  {:<34}  {:>10.2}  {}{special}",
                    esc(&r.column.qualified_name.to_string()),
                    esc(&r.classification.category),
                    r.classification.confidence,
                    r.classification.status.as_str()
                );
            }
            out!("{} personal-data columns", rows.len());
        }
    }
    Ok(())
}

/// A highlight fragment (HTML) as terminal text: matches in brackets, entities decoded.
fn highlight_text(fragment: &str) -> String {
    fragment
        .replace("<b>", "[")
        .replace("</b>", "]")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

async fn search_cmd(state: &AppState, query: &str, limit: usize, include_removed: bool, format: Format) -> anyhow::Result<()> {
    let index = state.search.clone().context("search index not open")?;
    let request = almanac::search::SearchRequest { query: query.to_string(), filters: Vec::new(), limit, offset: 0, include_removed, facets: false, count: format == Format::Text };
    let results = index.run(request).await?;
    match format {
        Format::Json => {
            let list: Vec<_> = results
                .hits
                .iter()
                .map(|h| serde_json::json!({ "kind": h.kind, "qualified_name": h.qualified_name, "score": h.score, "id": h.id, "pii": h.pii, "tags": h.tags, "owner": h.owner }))
                .collect();
            out!("{}", serde_json::to_string_pretty(&list)?);
        }
        Format::Text => {
            for (i, h) in results.hits.iter().enumerate() {
                out!("{:>2}. {:<7} {}  ({:.2})", i + 1, h.kind, esc(&h.qualified_name), h.score);
                for hl in &h.highlights {
                    out!("      {}: {}", hl.field, esc(&highlight_text(&hl.fragment)));
                }
            }
            if let Some(total) = results.total {
                out!("{total} matches");
            }
        }
    }
    Ok(())
}
