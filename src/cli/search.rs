//! `almanac search QUERY` and `almanac reindex`: the search index from the shell.

use super::{esc, Context, Format};
use almanac::app::AppState;
use almanac::search::{IndexAccess, SearchIndex};
use anyhow::Context as _;
use std::time::Instant;

#[derive(clap::Args)]
pub(crate) struct SearchArgs {
    /// What to look for, in your own words ("customer email", "call length in milliseconds"),
    /// with "quoted phrases" and filters: type:column|dataset, source:NAME, namespace:NAME,
    /// pii:CATEGORY|any, tag:TAG, owner:NAME, family:TYPE_FAMILY. The last word also matches
    /// as a prefix; longer words forgive a typo.
    query: String,
    /// Most hits to print.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Include removed datasets and columns.
    #[arg(long)]
    include_removed: bool,
    /// Say for each hit which fields matched and what they added to its score.
    #[arg(long)]
    explain: bool,
    /// Output: text for people (source text escaped), json for programs (exact).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub(crate) async fn run(ctx: &Context, args: SearchArgs) -> anyhow::Result<()> {
    let (state, _) = ctx.open().await?.with_search(IndexAccess::ReadOrWrite).await?;
    search_cmd(&state, &args, args.format).await
}

pub(crate) async fn reindex(ctx: &Context) -> anyhow::Result<()> {
    let state = ctx.open().await?;
    let identity = almanac::store::identity(state.catalog.connection()).await?;
    let dir = almanac::search::index_dir(&state.config.store, &state.config.search, &identity);
    let (index, _) = SearchIndex::open(&dir, &state.config.search, &identity, IndexAccess::Write)?;
    let index = std::sync::Arc::new(index);
    let started = Instant::now();
    let n = index.rebuild(&state.catalog).await?;
    out!("reindexed {n} datasets ({} documents) in {:.2}s into {}", index.doc_count(), started.elapsed().as_secs_f64(), dir.display());
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

async fn search_cmd(state: &AppState, args: &SearchArgs, format: Format) -> anyhow::Result<()> {
    let index = state.search.clone().context("search index not open")?;
    let request = almanac::search::SearchRequest {
        query: args.query.clone(),
        filters: Vec::new(),
        limit: args.limit,
        offset: 0,
        include_removed: args.include_removed,
        facets: false,
        count: format == Format::Text,
        explain: args.explain,
        sources: Vec::new(),
    };
    let results = almanac::search::search_as(&index, &state.catalog, request).await?;
    match format {
        Format::Json => {
            let list: Vec<_> = results
                .hits
                .iter()
                .map(|h| {
                    let mut v = serde_json::json!({ "kind": h.kind, "qualified_name": h.qualified_name, "score": h.score, "id": h.id, "pii": h.pii, "tags": h.tags, "owner": h.owner });
                    if let Some(location) = &h.location {
                        v["location"] = serde_json::json!(location);
                    }
                    if args.explain {
                        v["matches"] = serde_json::json!(h.matches);
                    }
                    v
                })
                .collect();
            out!("{}", serde_json::to_string_pretty(&list)?);
        }
        Format::Text => {
            for (i, h) in results.hits.iter().enumerate() {
                out!("{:>2}. {:<7} {}  ({:.2})", i + 1, h.kind, esc(&h.qualified_name), h.score);
                if let Some(location) = &h.location {
                    out!("      files: {}", esc(location));
                }
                for hl in &h.highlights {
                    out!("      {}: {}", hl.field, esc(&highlight_text(&hl.fragment)));
                }
                if args.explain {
                    let why: Vec<String> =
                        h.matches.iter().map(|m| format!("{} [{}] {:.2}", m.field, m.words.join(" "), m.score)).collect();
                    out!("      matched: {}", esc(&why.join("; ")));
                }
            }
            if let Some(total) = results.total {
                out!("{total} matches");
            }
        }
    }
    Ok(())
}
