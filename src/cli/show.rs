//! `almanac show NAME`: a dataset with its columns, keys, references and view SQL, or one
//! column; text for people (source text escaped), JSON for programs (exact).

use super::{esc, Context, Format};
use almanac::catalog::names::QualifiedName;
use almanac::catalog::{Catalog, Column, Dataset, ForeignKey, Target};
use almanac::history::meanings;
use almanac::privacy::inventory::{record_listing, ListingVia};
use almanac::privacy::{classifications, Classification, ClassificationStatus};
use chrono::NaiveDate;

#[derive(clap::Args)]
pub(crate) struct ShowArgs {
    /// source.namespace.dataset or source.namespace.dataset.column
    qualified_name: String,
    /// Show the meanings in effect on this date (YYYY-MM-DD) instead of today.
    #[arg(long)]
    at: Option<NaiveDate>,
    /// Output: text for people (source text escaped), json for programs (exact).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub(crate) async fn run(ctx: &Context, args: ShowArgs) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    show_cmd(&state.catalog, &args.qualified_name, args.format, args.at).await
}

/// What curation and history add to a column: its personal-data categories (not rejected),
/// the meaning in effect, its tags.
struct Curated {
    personal_data: Vec<Classification>,
    meaning: Option<meanings::Meaning>,
    tags: Vec<String>,
}

async fn curated(catalog: &Catalog, c: &Column, at: NaiveDate) -> anyhow::Result<Curated> {
    let personal_data =
        classifications::of_column(catalog, c.id).await?.into_iter().filter(|k| k.status != ClassificationStatus::Rejected).collect();
    Ok(Curated { personal_data, meaning: meanings::meaning_at(catalog, c.id, at).await?, tags: catalog.tags(Target::Column(c.id)).await? })
}

fn personal_data_json(k: &[Classification]) -> serde_json::Value {
    k.iter()
        .map(|k| serde_json::json!({ "category": k.category.as_str(), "status": k.status.as_str(), "confidence": k.confidence, "note": k.note }))
        .collect()
}

fn personal_data_text(k: &[Classification]) -> String {
    k.iter().map(|k| format!("{} ({})", k.category.as_str(), k.status.as_str())).collect::<Vec<_>>().join(", ")
}

fn column_json(c: &Column, cur: &Curated, at: NaiveDate) -> serde_json::Value {
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
        "tags": cur.tags,
        "personal_data": personal_data_json(&cur.personal_data),
        "meaning": cur.meaning.as_ref().map(|m| serde_json::json!({ "meaning": m.meaning, "effective_from": m.effective_from, "author": m.author, "on": at })),
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

/// `asked_at`: the day of `--at`; today when not given.
async fn show_cmd(catalog: &Catalog, name: &str, format: Format, asked_at: Option<NaiveDate>) -> anyhow::Result<()> {
    let at = asked_at.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let qn = QualifiedName::parse(name)?;
    if qn.column.is_some() {
        let col = catalog.column_by_name(&qn).await?;
        let ds = catalog.dataset(col.dataset_id).await?;
        let cur = curated(catalog, &col, at).await?;
        // Showing where personal data lives is a listing of it: audited, like the dataset's.
        if !cur.personal_data.is_empty() {
            record_listing(
                catalog,
                &[ds.source_id],
                ListingVia::Inventory,
                serde_json::json!({ "column": col.qualified_name.to_string() }),
                1,
            )
            .await?;
        }
        match format {
            Format::Json => {
                let mut v = column_json(&col, &cur, at);
                v["owner"] = serde_json::json!(ds.effective_owner());
                out!("{}", serde_json::to_string_pretty(&v)?)
            }
            Format::Text => {
                out!("{}  {}{}", esc(&col.qualified_name.to_string()), esc(&col.data_type), if col.nullable { "" } else { " NOT NULL" });
                print_opt("type family", Some(col.type_family.as_str()));
                print_opt("comment", col.comment.as_deref());
                print_opt("description", col.description.as_deref());
                match &cur.meaning {
                    Some(m) => out!("  meaning on {at}: {} (since {}, by {})", esc(&m.meaning), m.effective_from, esc(&m.author)),
                    None if asked_at.is_some() => out!("  meaning on {at}: none recorded"),
                    None => {}
                }
                if !cur.personal_data.is_empty() {
                    out!("  personal data: {}", esc(&personal_data_text(&cur.personal_data)));
                }
                print_opt("owner", ds.effective_owner());
                if !cur.tags.is_empty() {
                    out!("  tags: {}", esc(&cur.tags.join(", ")));
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
    let mut cur = Vec::with_capacity(columns.len());
    for c in &columns {
        cur.push(curated(catalog, c, at).await?);
    }
    // Which columns of a dataset hold personal data is a listing of it: audited.
    let listed = cur.iter().filter(|c| !c.personal_data.is_empty()).count();
    if listed > 0 {
        record_listing(
            catalog,
            &[ds.source_id],
            ListingVia::Inventory,
            serde_json::json!({ "dataset": ds.qualified_name.to_string() }),
            listed,
        )
        .await?;
    }
    match format {
        Format::Json => {
            let cols: Vec<_> = columns.iter().zip(&cur).map(|(c, k)| column_json(c, k, at)).collect();
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
                "location": ds.location,
                "format": ds.format,
                "file_drift": ds.file_drift,
                "tags": tags,
                "removed_at": ds.removed_at,
                "columns": cols,
                "foreign_keys": fks.iter().map(fk_json).collect::<Vec<_>>(),
                "referenced_by": incoming.iter().map(fk_json).collect::<Vec<_>>(),
            });
            out!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => {
            print_dataset(&ds, &columns, &fks, &incoming, &tags);
            print_curated(&columns, &cur, at);
        }
    }
    Ok(())
}

fn print_curated(columns: &[Column], cur: &[Curated], at: NaiveDate) {
    let meanings: Vec<_> = columns.iter().zip(cur).filter_map(|(c, k)| k.meaning.as_ref().map(|m| (c, m))).collect();
    if !meanings.is_empty() {
        out!();
        out!("  meanings on {at}:");
        for (c, m) in meanings {
            out!("    {}: {} (since {})", esc(c.name()), esc(&m.meaning), m.effective_from);
        }
    }
    let pii: Vec<_> = columns.iter().zip(cur).filter(|(_, k)| !k.personal_data.is_empty()).collect();
    if !pii.is_empty() {
        out!();
        out!("  personal data:");
        for (c, k) in pii {
            out!("    {}: {}", esc(c.name()), esc(&personal_data_text(&k.personal_data)));
        }
    }
    let tagged: Vec<_> = columns.iter().zip(cur).filter(|(_, k)| !k.tags.is_empty()).collect();
    if !tagged.is_empty() {
        out!();
        out!("  column tags:");
        for (c, k) in tagged {
            out!("    {}: {}", esc(c.name()), esc(&k.tags.join(", ")));
        }
    }
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
    if let (Some(location), Some(format)) = (&ds.location, &ds.format) {
        out!("  files: {} ({})", esc(location), esc(format));
    }
    if !ds.partitions.is_empty() {
        let shown: Vec<&str> = ds.partitions.iter().take(5).map(String::as_str).collect();
        let more = if ds.partitions.len() > 5 { format!(" and {} more", ds.partitions.len() - 5) } else { String::new() };
        out!("  partitions ({}): {}{more}", ds.partitions.len(), esc(&shown.join(", ")));
    }
    for d in &ds.file_drift {
        out!(
            "  drift: {} {} {}{}",
            esc(&d.file),
            esc(&d.column),
            d.change,
            d.detail.as_deref().map(|x| format!(" ({})", esc(x))).unwrap_or_default()
        );
    }
    if !tags.is_empty() {
        out!("  tags: {}", esc(&tags.join(", ")));
    }
    let width = columns.iter().map(|c| esc(c.name()).chars().count()).max().unwrap_or(4).max(4);
    let twidth = columns.iter().map(|c| esc(&c.data_type).chars().count()).max().unwrap_or(4).max(4);
    out!();
    out!("  {:<width$}  {:<twidth$}  {:<8}  {:<4}  comment / description", "column", "type", "null", "key");
    for c in columns {
        let key = if c.primary_key {
            "PK"
        } else if c.unique {
            "UQ"
        } else {
            ""
        };
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
            out!(
                "    ({}) -> {} ({})",
                esc(&fk.columns.join(", ")),
                esc(&fk.to_dataset.to_string()),
                esc(&fk.referenced_columns.join(", "))
            );
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
