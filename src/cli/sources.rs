//! `almanac sources`: registered sources and their last scan.

use super::{esc, Context, Format};
use almanac::catalog::Catalog;

#[derive(clap::Args)]
pub(crate) struct SourcesArgs {
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub(crate) async fn run(ctx: &Context, args: SourcesArgs) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    sources_cmd(&state.catalog, args.format).await
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
