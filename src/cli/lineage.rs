//! `almanac lineage QUALIFIED_NAME`: where a column's (or dataset's) values come from and go,
//! as a tree or JSON; `almanac lineage add-sql FILE --source NAME`: records the lineage of an
//! ETL script; `almanac lineage impact COLUMN`: everything downstream, by dataset, with owners.

use super::{esc, Context, Format};
use almanac::catalog::names::QualifiedName;
use almanac::lineage::graph::{self, Direction, NamedEdge};
use almanac::lineage::sql::SqlDialect;
use almanac::lineage::submit::{self, SqlSubmission, StatementResult};
use anyhow::Context as _;
use std::collections::HashSet;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct LineageArgs {
    #[command(subcommand)]
    command: Option<LineageCommand>,
    /// source.namespace.dataset or source.namespace.dataset.column
    qualified_name: Option<String>,
    /// up (where the values come from), down (where they go) or both.
    #[arg(long, default_value = "both")]
    direction: String,
    /// How many edges away from the name to follow.
    #[arg(long, default_value_t = 3)]
    depth: u32,
    /// Output: text (a tree; source text escaped) or json (exact).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(clap::Subcommand)]
enum LineageCommand {
    /// Record the column lineage of a SQL file (an ETL script: CREATE TABLE AS, INSERT ...
    /// SELECT, CREATE VIEW, MERGE, UPDATE ... FROM), resolved against a source's schema.
    AddSql {
        /// The SQL file (`-` for standard input).
        file: PathBuf,
        /// The registered source the script runs against.
        #[arg(long)]
        source: String,
        /// postgres, mysql or sqlite (default: the source's engine).
        #[arg(long)]
        dialect: Option<String>,
        /// Where unqualified names live (default: public, the source URL's database, or main).
        #[arg(long)]
        namespace: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Everything downstream of a column, grouped by dataset, with owners.
    Impact {
        /// source.namespace.dataset.column
        column: String,
        #[arg(long, default_value_t = 10)]
        depth: u32,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

pub(crate) async fn run(ctx: &Context, args: LineageArgs) -> anyhow::Result<()> {
    match args.command {
        Some(LineageCommand::AddSql { file, source, dialect, namespace, format }) => {
            add_sql(ctx, file, source, dialect, namespace, format).await
        }
        Some(LineageCommand::Impact { column, depth, format }) => impact(ctx, &column, depth, format).await,
        None => {
            let name =
                args.qualified_name.context("name a dataset or column (source.namespace.dataset[.column]), or use `lineage add-sql`")?;
            let direction = Direction::parse(&args.direction)
                .with_context(|| format!("unknown direction `{}`: use up, down or both", args.direction))?;
            show(ctx, &name, direction, args.depth, args.format).await
        }
    }
}

async fn add_sql(
    ctx: &Context,
    file: PathBuf,
    source: String,
    dialect: Option<String>,
    namespace: Option<String>,
    format: Format,
) -> anyhow::Result<()> {
    let dialect = match dialect {
        Some(d) => Some(SqlDialect::parse(&d).with_context(|| format!("unknown dialect `{d}`: use postgres, mysql or sqlite"))?),
        None => None,
    };
    let bytes = if file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).context("cannot read standard input")?;
        b
    } else {
        std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let sql = String::from_utf8(bytes)
        .map_err(|e| anyhow::anyhow!("{} is not UTF-8 text (invalid byte at offset {})", file.display(), e.utf8_error().valid_up_to()))?;
    let state = ctx.open().await?;
    let report = submit::add_sql(&state.catalog, SqlSubmission { source, sql, dialect, namespace }).await?;
    match format {
        Format::Json => {
            let statements: Vec<_> = report
                .statements
                .iter()
                .map(|s| {
                    let mut v = serde_json::json!({ "line": s.line, "hash": s.hash });
                    match &s.result {
                        StatementResult::Recorded { target, declared, columns, edges, unresolved } => {
                            v["status"] = "recorded".into();
                            v["target"] = target.to_string().into();
                            v["declared"] = (*declared).into();
                            v["columns"] = (*columns).into();
                            v["edges"] = (*edges).into();
                            v["unresolved"] =
                                unresolved.iter().map(|u| serde_json::json!({ "name": u.name, "reason": u.reason })).collect();
                        }
                        StatementResult::Skipped { what } => {
                            v["status"] = "skipped".into();
                            v["what"] = what.clone().into();
                        }
                        StatementResult::Failed { message } => {
                            v["status"] = "failed".into();
                            v["error"] = message.clone().into();
                        }
                    }
                    v
                })
                .collect();
            out!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({ "dialect": report.dialect.as_str(), "columns": report.columns, "edges": report.edges, "statements": statements })
                )?
            );
        }
        Format::Text => {
            for s in &report.statements {
                match &s.result {
                    StatementResult::Recorded { target, declared, columns, edges, unresolved } => {
                        let declared = if *declared { " (declared: not scanned yet)" } else { "" };
                        out!("line {}: {} columns, {edges} edges into {}{declared}", s.line, columns, esc(&target.to_string()));
                        for u in unresolved {
                            out!("  not resolved: {} ({})", esc(&u.name), esc(&u.reason));
                        }
                    }
                    StatementResult::Skipped { what } => out!("line {}: no data flow ({})", s.line, esc(what)),
                    StatementResult::Failed { message } => out!("line {}: not understood: {}", s.line, esc(message)),
                }
            }
            let failed = report.statements.iter().filter(|s| matches!(s.result, StatementResult::Failed { .. })).count();
            out!(
                "{} statements, {} output columns, {} edges recorded, {failed} not understood",
                report.statements.len(),
                report.columns,
                report.edges
            );
        }
    }
    Ok(())
}

fn edge_json(e: &NamedEdge) -> serde_json::Value {
    serde_json::json!({ "from": e.from.to_string(), "to": e.to.to_string(), "kind": e.kind.as_str(), "origin": e.origin.as_str() })
}

async fn show(ctx: &Context, name: &str, direction: Direction, depth: u32, format: Format) -> anyhow::Result<()> {
    let root = QualifiedName::parse(name)?;
    let state = ctx.open().await?;
    let graph = graph::lineage(&state.catalog, &root, direction, depth).await?;
    match format {
        Format::Json => {
            let edges: Vec<_> = graph.edges.iter().map(edge_json).collect();
            out!("{}", serde_json::to_string_pretty(&serde_json::json!({ "root": root.to_string(), "edges": edges }))?);
        }
        Format::Text => {
            out!("{}", esc(&root.to_string()));
            if matches!(direction, Direction::Up | Direction::Both) {
                out!("upstream:");
                print_tree(&graph.edges, &root, true, 1, &mut HashSet::new());
            }
            if matches!(direction, Direction::Down | Direction::Both) {
                out!("downstream:");
                print_tree(&graph.edges, &root, false, 1, &mut HashSet::new());
            }
            if graph.truncated {
                out!("(cut at {} edges)", graph::MAX_WALK_EDGES);
            }
        }
    }
    Ok(())
}

/// Prints the edges around `node` one level deeper each step; an edge is printed once.
fn print_tree(edges: &[NamedEdge], node: &QualifiedName, up: bool, level: usize, seen: &mut HashSet<i64>) {
    // Around a dataset, the first level holds the edges of all its columns, each line naming
    // the column it concerns; around a column, the edges of that column (and, upstream, the
    // filter and join edges into its dataset).
    let whole_dataset = node.column.is_none() && level == 1;
    let touches = |e: &&NamedEdge| {
        let near = if up { &e.to } else { &e.from };
        near == node
            || (whole_dataset && near.dataset_name() == *node)
            || (up && level == 1 && node.column.is_some() && *near == node.dataset_name())
    };
    let mut next: Vec<&NamedEdge> = edges.iter().filter(touches).collect();
    next.sort_by(|a, b| {
        (a.to.to_string(), a.kind.as_str(), a.from.to_string()).cmp(&(b.to.to_string(), b.kind.as_str(), b.from.to_string()))
    });
    for e in next {
        if !seen.insert(e.id) {
            continue;
        }
        let (near, other) = if up { (&e.to, &e.from) } else { (&e.from, &e.to) };
        let via = match (&near.column, whole_dataset) {
            (Some(c), true) => format!("{}: ", esc(c)),
            _ => String::new(),
        };
        out!("{}{via}{} [{}, {}]", "  ".repeat(level), esc(&other.to_string()), e.kind.as_str(), e.origin.as_str());
        if e.kind.carries_values() {
            print_tree(edges, other, up, level + 1, seen);
        }
    }
}

async fn impact(ctx: &Context, column: &str, depth: u32, format: Format) -> anyhow::Result<()> {
    let name = QualifiedName::parse(column)?;
    let state = ctx.open().await?;
    let (datasets, truncated) = graph::impact(&state.catalog, &name, depth).await?;
    match format {
        Format::Json => {
            let list: Vec<_> = datasets
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "dataset": d.dataset.to_string(),
                        "owner": d.owner,
                        "rows_shaped": d.rows_shaped,
                        "columns": d.columns.iter().map(|(c, k, depth)| serde_json::json!({ "column": c.to_string(), "kind": k.as_str(), "depth": depth })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            out!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "column": name.to_string(), "datasets": list, "truncated": truncated }))?
            );
        }
        Format::Text => {
            out!("downstream of {}:", esc(&name.to_string()));
            for d in &datasets {
                let owner = d.owner.as_deref().map(|o| format!(" (owner {})", esc(o))).unwrap_or_default();
                let rows = if d.rows_shaped { "; filters or joins its rows" } else { "" };
                out!("  {}{owner}{rows}", esc(&d.dataset.to_string()));
                for (c, k, depth) in &d.columns {
                    out!("    {} [{}, {} away]", esc(c.column.as_deref().unwrap_or_default()), k.as_str(), depth);
                }
            }
            out!("{} datasets affected", datasets.len());
        }
    }
    Ok(())
}
