//! Curation from the command line, under the same rules and audit as GraphQL: `almanac
//! describe`, `almanac tag`, `almanac classify confirm|reject|add`. The actor is the local
//! user.

use super::{esc, Context};
use almanac::catalog::names::{QualifiedName, TagName};
use almanac::catalog::{Catalog, Target};
use almanac::privacy::{classifications, Decision};

#[derive(clap::Args)]
pub(crate) struct DescribeArgs {
    /// The dataset or column: source.namespace.dataset[.column].
    qualified_name: String,
    /// The description (omit with --clear).
    #[arg(required_unless_present = "clear")]
    text: Option<String>,
    /// Remove the curated description.
    #[arg(long, conflicts_with = "text")]
    clear: bool,
    /// Fail if the description is no longer at this version (as GraphQL's expectedVersion);
    /// by default the version just read.
    #[arg(long)]
    expected_version: Option<i32>,
}

#[derive(clap::Args)]
pub(crate) struct TagArgs {
    /// The dataset or column: source.namespace.dataset[.column].
    qualified_name: String,
    /// Tags to add (or to remove with --remove).
    #[arg(required = true)]
    tags: Vec<String>,
    /// Remove the tags instead of adding them.
    #[arg(long)]
    remove: bool,
}

#[derive(clap::Subcommand)]
pub(crate) enum ClassifyCommand {
    /// Confirm a column's suggested category; later scans never overwrite it.
    Confirm(ClassifyArgs),
    /// Reject a column's category; later scans never suggest it for the column again.
    Reject(ClassifyArgs),
    /// Add a category to a column by hand.
    Add(ClassifyArgs),
}

#[derive(clap::Args)]
pub(crate) struct ClassifyArgs {
    /// The column: source.namespace.dataset.column.
    column: String,
    /// The personal-data category, e.g. user.contact.email.
    category: String,
    /// Why (kept with the decision; without one, an earlier note stays).
    #[arg(long)]
    note: Option<String>,
}

/// A dataset or column by qualified name, with its description and version.
async fn target(catalog: &Catalog, name: &str) -> anyhow::Result<(Target, QualifiedName, Option<String>, i32)> {
    let qn = QualifiedName::parse(name)?;
    Ok(match qn.column {
        Some(_) => {
            let c = catalog.column_by_name(&qn).await?;
            (Target::Column(c.id), qn, c.description, c.description_version)
        }
        None => {
            let d = catalog.dataset_by_name(&qn).await?;
            (Target::Dataset(d.id), qn, d.description, d.description_version)
        }
    })
}

pub(crate) async fn describe(ctx: &Context, args: DescribeArgs) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    let (target, qn, current, version) = target(&state.catalog, &args.qualified_name).await?;
    let text = if args.clear { None } else { args.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) };
    if current.as_deref() == text && args.expected_version.is_none_or(|v| v == version) {
        out!("{}: description unchanged (version {version})", esc(&qn.to_string()));
        return Ok(());
    }
    let new = state.catalog.set_description(target, text, args.expected_version.unwrap_or(version)).await?;
    match text {
        Some(_) => out!("{}: description set (version {new})", esc(&qn.to_string())),
        None => out!("{}: description cleared (version {new})", esc(&qn.to_string())),
    }
    Ok(())
}

pub(crate) async fn tag(ctx: &Context, args: TagArgs) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    let (target, qn, _, _) = target(&state.catalog, &args.qualified_name).await?;
    let tags = args.tags.iter().map(|t| TagName::parse(t)).collect::<Result<Vec<_>, _>>()?;
    let mut now = Vec::new();
    for t in &tags {
        now = if args.remove { state.catalog.remove_tag(target, t).await? } else { state.catalog.add_tag(target, t).await? };
    }
    out!("{}: tags {}", esc(&qn.to_string()), if now.is_empty() { "(none)".to_string() } else { esc(&now.join(", ")).into_owned() });
    Ok(())
}

pub(crate) async fn classify(ctx: &Context, command: ClassifyCommand) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    let (args, decision) = match &command {
        ClassifyCommand::Confirm(a) => (a, Some(Decision::Confirm)),
        ClassifyCommand::Reject(a) => (a, Some(Decision::Reject)),
        ClassifyCommand::Add(a) => (a, None),
    };
    let qn = QualifiedName::parse(&args.column)?;
    if qn.column.is_none() {
        anyhow::bail!("`{}` names a dataset; classifications belong to columns (source.namespace.dataset.column)", args.column);
    }
    let column = state.catalog.column_by_name(&qn).await?;
    let key = state.classifier.taxonomy().key(&args.category)?;
    let c = match decision {
        Some(d) => {
            let found = classifications::find(&state.catalog, column.id, &key).await?;
            classifications::decide(&state.catalog, found.id, d, args.note.as_deref()).await?
        }
        None => classifications::add(&state.catalog, column.id, &key, args.note.as_deref()).await?,
    };
    out!(
        "{}: {} {}{}",
        esc(&qn.to_string()),
        esc(c.category.as_str()),
        c.status.as_str(),
        c.note.as_deref().map(|n| format!(" ({})", esc(n))).unwrap_or_default()
    );
    Ok(())
}
