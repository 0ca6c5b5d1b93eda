//! `almanac sources`: registered sources and their last scan; `sources set` corrects a
//! source's connection, `sources remove` removes one.

use super::{esc, Context, Format};
use almanac::catalog::{Catalog, SourceChange};
use almanac_scanners::SourceUrl;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct SourcesArgs {
    #[command(subcommand)]
    command: Option<SourcesCommand>,
    /// Output: text for people (source text escaped), json for programs (exact).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(clap::Subcommand)]
enum SourcesCommand {
    /// Correct a registered source: its URL (same engine, no password), where its password is
    /// found, or its sample size. Audited.
    Set {
        /// The source's registered name.
        name: String,
        /// The new URL, without password.
        #[arg(long)]
        url: Option<String>,
        /// Environment variable holding the password ("" clears it).
        #[arg(long)]
        password_env: Option<String>,
        /// File holding the password ("" clears it).
        #[arg(long)]
        password_file: Option<String>,
        /// Rows sampled per table (the server default when not set).
        #[arg(long)]
        sample_rows: Option<u32>,
    },
    /// Remove a source: its datasets leave listings and search, their history, classifications
    /// and audit entries stay; scanning the name again brings it back. Audited.
    Remove {
        /// The source's registered name.
        name: String,
    },
}

pub(crate) async fn run(ctx: &Context, args: SourcesArgs) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    match args.command {
        None => sources_cmd(&state.catalog, args.format).await,
        Some(SourcesCommand::Remove { name }) => {
            let source = state.catalog.remove_source(&name).await?;
            out!("removed source {} ({}); its history and audit entries are kept", esc(&source.name), esc(&source.url));
            Ok(())
        }
        Some(SourcesCommand::Set { name, url, password_env, password_file, sample_rows }) => {
            let url = url.as_deref().map(SourceUrl::parse).transpose()?;
            if url.as_ref().is_some_and(SourceUrl::has_password) {
                anyhow::bail!("the URL holds a password; remove it and pass --password-env or --password-file instead");
            }
            if url.is_none() && password_env.is_none() && password_file.is_none() && sample_rows.is_none() {
                anyhow::bail!("nothing to change: pass --url, --password-env, --password-file or --sample-rows");
            }
            let blank_is_none = |v: Option<String>| v.map(|v| Some(v).filter(|v| !v.trim().is_empty()));
            let change = SourceChange {
                url,
                password_env: blank_is_none(password_env),
                password_file: blank_is_none(password_file),
                sample_rows: sample_rows.map(|n| Some(n.min(i32::MAX as u32) as i32)),
            };
            let source = state.catalog.update_source(&name, change).await?;
            out!("source {} now reads {}", esc(&source.name), esc(&source.url));
            Ok(())
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
                    Some(l) => {
                        format!(
                            "last scan {} at {}{}",
                            l.status.as_str(),
                            l.started_at.format("%Y-%m-%d %H:%M:%S"),
                            l.datasets.map(|d| format!(" ({d} datasets, {} columns)", l.columns.unwrap_or(0))).unwrap_or_default()
                        ) + &match l.warnings.len() {
                            0 => String::new(),
                            n => format!(", {n} warnings"),
                        }
                    }
                    None => "never scanned".into(),
                };
                out!("{:<20} {:<9} {:<50} {}", esc(&s.name), s.engine, esc(&s.url), esc(&status));
            }
        }
    }
    Ok(())
}
