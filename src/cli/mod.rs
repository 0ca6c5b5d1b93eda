//! The `almanac` command line: one module per command group, each thin: parse the arguments
//! into domain types, call one function of the library, print the result. Human-facing
//! output goes to stdout through [`out!`] (escaped for the terminal where it holds source
//! text), progress and warnings to stderr.

use almanac::app::AppState;
use almanac::config::{Config, Overrides};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Writes a line to stdout. A reader that went away (`almanac show x | head -1`) ends the
/// command quietly with status 0 instead of the panic `println!` gives on a broken pipe.
macro_rules! out {
    () => { $crate::cli::out_raw("\n") };
    ($($arg:tt)*) => { $crate::cli::out_raw(&format!("{}\n", format_args!($($arg)*))) };
}

mod audit;
mod curate;
mod erasure;
mod history;
mod lineage;
mod pii;
mod progress;
mod scan;
mod search;
mod serve;
mod show;
mod sources;
pub mod text;

pub(crate) use text::escaped as esc;

/// Writes `text` to stdout; see [`out!`].
pub(crate) fn out_raw(text: &str) {
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
    /// (env ALMANAC_STORE).
    #[arg(long, global = true)]
    store: Option<String>,
    /// Configuration file (default ./almanac.toml when present; env ALMANAC_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// How a command prints what it found.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Build a sample warehouse, scan it into an embedded catalog, and serve the API.
    Quickstart(serve::QuickstartArgs),
    /// Serve GraphQL at /graphql (GraphiQL in a browser), /health and /schema.graphql.
    Serve(serve::ServeArgs),
    /// Scan a database into the catalog: a URL (postgres://, mysql://, sqlite://) or the name
    /// of a registered source.
    Scan(scan::ScanArgs),
    /// Show a dataset (with columns and foreign keys) or a column by qualified name.
    Show(show::ShowArgs),
    /// List registered sources and their last scan; correct (`set`) or remove one.
    Sources(sources::SourcesArgs),
    /// Set or clear the curated description of a dataset or column (audited).
    Describe(curate::DescribeArgs),
    /// Add tags to a dataset or column, or remove them with --remove (audited).
    Tag(curate::TagArgs),
    /// Confirm, reject or add a column's personal-data category (audited).
    #[command(subcommand)]
    Classify(curate::ClassifyCommand),
    /// List the personal-data columns of a source (suggested, confirmed and manual;
    /// rejected ones with --status rejected).
    Pii(pii::PiiArgs),
    /// Search datasets and columns by meaning (same query language as GraphQL `search`).
    Search(search::SearchArgs),
    /// Rebuild the search index from the store.
    Reindex,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Read or check the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The timeline of a dataset (with its columns) or of one column, oldest first:
    /// structural changes, detected semantic changes (null rate, units, tax, time zone,
    /// format, duplicates) and curation.
    History(history::HistoryArgs),
    /// Column lineage: `lineage NAME` shows where values come from and go (--direction,
    /// --depth, --format json); `lineage add-sql FILE --source NAME` records an ETL script's;
    /// `lineage impact COLUMN` lists everything downstream with owners.
    Lineage(lineage::LineageArgs),
    /// GDPR erasure requests: `create --subject email=...`, `plan ID`, `approve ID --plan-hash
    /// HASH` (by another person than the creator), `execute ID`, `verify ID`, `report ID`,
    /// `show ID`.
    #[command(subcommand)]
    Erasure(erasure::ErasureCommand),
    /// GDPR access requests: `export --subject email=...` prints the subject's rows as JSON.
    #[command(subcommand)]
    Access(erasure::AccessCommand),
}

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

/// Parses the command line, runs the command, and says what went wrong if it failed.
pub fn main() -> std::process::ExitCode {
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

/// What every command starts from: the configuration (file, environment, flags).
pub(crate) struct Context {
    store: Option<String>,
    config: Option<PathBuf>,
}

impl Context {
    /// The configuration: file < environment < `--store` and the command's own flags.
    pub(crate) fn config_with(&self, mut overrides: Overrides) -> anyhow::Result<Config> {
        overrides.store = self.store.clone();
        Ok(Config::load_with(self.config.as_deref(), &overrides)?)
    }

    /// The configuration with only the global flags.
    pub(crate) fn config(&self) -> anyhow::Result<Config> {
        self.config_with(Overrides::default())
    }

    /// The application over the configured store, which must exist: commands that read or
    /// curate never create an empty catalog where none was meant (only `scan`, `serve` and
    /// `quickstart` do).
    pub(crate) async fn open(&self) -> anyhow::Result<AppState> {
        let config = self.config()?;
        if let Some(path) = almanac::store::sqlite_path(&config.store).filter(|p| *p != ":memory:") {
            if !std::path::Path::new(path).exists() {
                anyhow::bail!(
                    "there is no catalog at {path}: scan a source first (`almanac scan URL`), run `almanac quickstart`, or name the store with --store or ALMANAC_STORE"
                );
            }
        }
        Ok(AppState::open(config).await?)
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let ctx = Context { store: cli.store, config: cli.config };
    let quiet = !matches!(cli.command, Command::Serve(_));
    init_tracing(if quiet { "warn" } else { "info" });
    match cli.command {
        Command::Schema => {
            out_raw(&almanac::api::graphql::sdl());
            Ok(())
        }
        Command::Serve(args) => serve::serve(&ctx, args).await,
        Command::Quickstart(args) => serve::quickstart(&ctx, args).await,
        Command::Scan(args) => scan::run(&ctx, args).await,
        Command::Show(args) => show::run(&ctx, args).await,
        Command::Sources(args) => sources::run(&ctx, args).await,
        Command::Describe(args) => curate::describe(&ctx, args).await,
        Command::Tag(args) => curate::tag(&ctx, args).await,
        Command::Classify(command) => curate::classify(&ctx, command).await,
        Command::Pii(args) => pii::run(&ctx, args).await,
        Command::Search(args) => search::run(&ctx, args).await,
        Command::Reindex => search::reindex(&ctx).await,
        Command::Audit(command) => audit::run(&ctx, command).await,
        Command::History(args) => history::run(&ctx, args).await,
        Command::Lineage(args) => lineage::run(&ctx, args).await,
        Command::Erasure(command) => erasure::run(&ctx, command).await,
        Command::Access(command) => erasure::run_access(&ctx, command).await,
    }
}
