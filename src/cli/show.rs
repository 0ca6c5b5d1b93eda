//! `almanac show NAME`: a dataset with its columns, keys, references and view SQL, or one
//! column; text for people (source text escaped), JSON for programs (exact).

use super::{esc, Context, Format};
use almanac::catalog::names::QualifiedName;
use almanac::catalog::{Catalog, Column, Dataset, ForeignKey, Target};

#[derive(clap::Args)]
pub(crate) struct ShowArgs {
    /// source.namespace.dataset or source.namespace.dataset.column
    qualified_name: String,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub(crate) async fn run(ctx: &Context, args: ShowArgs) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    show_cmd(&state.catalog, &args.qualified_name, args.format).await
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
