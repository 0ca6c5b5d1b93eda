//! `almanac pii SOURCE`: where personal data lives in a source, by category and status.

use super::{esc, Context, Format};
use almanac::privacy::inventory::{self, InventoryFilter};
use almanac::privacy::ClassificationStatus;
use anyhow::Context as _;

#[derive(clap::Args)]
pub(crate) struct PiiArgs {
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
    /// Output: text for people (source text escaped), json for programs (exact).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub(crate) async fn run(ctx: &Context, args: PiiArgs) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    let taxonomy = state.classifier.taxonomy();
    let categories = args.category.iter().map(|c| taxonomy.key(c)).collect::<Result<Vec<_>, _>>()?;
    let status = match args.status.as_deref() {
        Some(s) => Some(
            ClassificationStatus::parse(s)
                .with_context(|| format!("unknown status `{s}`: use suggested, confirmed, rejected or manual"))?,
        ),
        None => None,
    };
    let filter = InventoryFilter { source: args.source, categories, status, special_only: args.special_only };
    // With the columns that hold a category because a column upstream does (through lineage).
    let (mut rows, propagated) = inventory::list_all_with_propagated(&state.catalog, taxonomy, &filter).await?;
    let format = args.format;
    rows.sort_by(|a, b| {
        (a.column.qualified_name.to_string(), &a.classification.category)
            .cmp(&(b.column.qualified_name.to_string(), &b.classification.category))
    });
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
                        "special": taxonomy.is_special(r.classification.category.as_str()),
                        "propagated": false,
                    })
                })
                .chain(propagated.iter().map(|p| {
                    serde_json::json!({
                        "dataset": p.column.qualified_name.dataset_name().to_string(),
                        "column": p.column.name(),
                        "category": p.category,
                        "confidence": null,
                        "status": "propagated",
                        "special": taxonomy.is_special(p.category.as_str()),
                        "propagated": true,
                        "from": p.origin.to_string(),
                        "path": p.path.iter().map(|q| q.to_string()).collect::<Vec<_>>(),
                    })
                }))
                .collect();
            out!("{}", serde_json::to_string_pretty(&list)?);
        }
        Format::Text => {
            let w = rows.iter().map(|r| esc(&r.column.qualified_name.to_string()).chars().count()).max().unwrap_or(6).max(6);
            out!("{:<w$}  {:<34}  {:>10}  status", "column", "category", "confidence");
            for r in &rows {
                let special = if taxonomy.is_special(r.classification.category.as_str()) { " (Art. 9)" } else { "" };
                out!(
                    "{:<w$}  {:<34}  {:>10.2}  {}{special}",
                    esc(&r.column.qualified_name.to_string()),
                    esc(r.classification.category.as_str()),
                    r.classification.confidence,
                    r.classification.status.as_str()
                );
            }
            for p in &propagated {
                let special = if taxonomy.is_special(p.category.as_str()) { " (Art. 9)" } else { "" };
                out!(
                    "{:<w$}  {:<34}  {:>10}  propagated from {}{special}",
                    esc(&p.column.qualified_name.to_string()),
                    esc(p.category.as_str()),
                    "-",
                    esc(&p.origin.to_string())
                );
            }
            out!("{} personal-data columns, {} more through lineage", rows.len(), propagated.len());
        }
    }
    Ok(())
}
