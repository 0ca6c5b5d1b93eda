//! `almanac history NAME`: a dataset's or column's timeline, oldest first.

use super::{esc, Context, Format};
use almanac::catalog::names::QualifiedName;
use almanac::catalog::ChangeKind;

fn parse_kind(text: &str) -> Result<ChangeKind, String> {
    ChangeKind::parse(text).ok_or_else(|| format!("unknown change kind (one of {})", ChangeKind::ALL.map(ChangeKind::as_str).join(", ")))
}

#[derive(clap::Args)]
pub(crate) struct HistoryArgs {
    /// source.namespace.dataset or source.namespace.dataset.column
    name: String,
    /// Only events of this kind (repeatable), e.g. unit_change.
    #[arg(long, value_parser = parse_kind)]
    kind: Vec<ChangeKind>,
    /// Output: text for people (source text escaped), json for programs (exact).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub(crate) async fn run(ctx: &Context, args: HistoryArgs) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    let qn = QualifiedName::parse(&args.name)?;
    let events: Vec<_> = almanac::history::timeline(&state.catalog, &qn)
        .await?
        .into_iter()
        .filter(|e| args.kind.is_empty() || args.kind.contains(&e.kind))
        .collect();
    match args.format {
        Format::Json => out!("{}", serde_json::to_string_pretty(&events)?),
        Format::Text => {
            for e in &events {
                let column = e.column.as_deref().map(|c| format!(" {}", esc(c))).unwrap_or_default();
                out!(
                    "{}  {:<20}{column}  {}",
                    e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    e.kind,
                    esc(&e.details.to_string())
                );
            }
            out!("{} events", events.len());
        }
    }
    Ok(())
}
