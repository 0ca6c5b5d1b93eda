//! GraphQL search: hits with their dataset or column, score and highlights, plus facets.

use super::ids::{self, Kind};
use super::objects::{Column, Dataset};
use super::page_size;
use super::{app, ApiError, ApiResult};
use crate::search::{SearchError, SearchRequest};
use async_graphql::{Context, Object, SimpleObject, ID};

/// Why a hit matched: the field, and its text as HTML (markup in names and comments escaped)
/// with the matching words in `<b>..</b>`.
#[derive(SimpleObject)]
pub struct SearchHighlight {
    pub field: String,
    pub fragment: String,
}

/// One value of a facet and how many matches have it.
#[derive(SimpleObject)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

/// Counts for one facet (kind, source, namespace, pii, tag, owner) over all matches.
#[derive(SimpleObject)]
pub struct SearchFacet {
    pub name: String,
    pub values: Vec<FacetValue>,
}

/// What one field added to a hit's score.
#[derive(SimpleObject)]
pub struct SearchMatch {
    pub field: String,
    /// The query's words (or the index words a misspelt or unfinished word stood for).
    pub words: Vec<String>,
    /// BM25 of the words in this field times the field's weight.
    pub score: f32,
}

/// One hit.
pub struct SearchHit(crate::search::Hit);

#[Object]
impl SearchHit {
    /// `DATASET` or `COLUMN` as lower-case text: `dataset`, `column`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// The dataset's or column's id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn qualified_name(&self) -> &str {
        &self.0.qualified_name
    }
    async fn score(&self) -> f32 {
        self.0.score
    }
    async fn highlights(&self) -> Vec<SearchHighlight> {
        self.0.highlights.iter().map(|h| SearchHighlight { field: h.field.clone(), fragment: h.fragment.clone() }).collect()
    }
    /// Why the hit ranks where it does: each field that matched (`name`, `exact name`,
    /// `description` for curated descriptions and meanings, `comment`, `tag`, `pii`,
    /// `context` for the dataset's, source's or owner's name), the words found there, and
    /// what they added, strongest first. Worked out only when selected.
    async fn matches(&self) -> Vec<SearchMatch> {
        self.0.matches.iter().map(|m| SearchMatch { field: m.field.clone(), words: m.words.clone(), score: m.score }).collect()
    }
    /// Personal-data categories of the column (or of the dataset's columns).
    async fn pii(&self) -> &[String] {
        &self.0.pii
    }
    async fn tags(&self) -> &[String] {
        &self.0.tags
    }
    /// Who answers for the dataset (of a column: its dataset's).
    /// Where a file dataset's files are (of a column: its dataset's), as a URL.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    async fn owner(&self) -> Option<&str> {
        self.0.owner.as_deref()
    }
    /// The dataset, for a dataset hit.
    async fn dataset(&self, ctx: &Context<'_>) -> ApiResult<Option<Dataset>> {
        match ids::decode(Kind::Dataset, &ID(self.0.id.clone())) {
            Ok(id) => Ok(Some(Dataset(app(ctx)?.catalog.dataset(id).await?))),
            Err(_) => Ok(None),
        }
    }
    /// The column, for a column hit.
    async fn column(&self, ctx: &Context<'_>) -> ApiResult<Option<Column>> {
        match ids::decode(Kind::Column, &ID(self.0.id.clone())) {
            Ok(id) => Ok(Some(Column(app(ctx)?.catalog.column(id).await?))),
            Err(_) => Ok(None),
        }
    }
}

/// A page of hits and the facets of the whole match set.
#[derive(SimpleObject)]
pub struct SearchResult {
    /// How many documents match. Counting visits every match, so it is done only when this
    /// field is selected; a search box that shows the top hits can leave it out.
    pub total: u64,
    pub hits: Vec<SearchHit>,
    pub facets: Vec<SearchFacet>,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

/// Runs a search through the index's queue (see `SearchIndex::run`): counts and facets, which
/// visit every match, on a blocking thread.
pub async fn search(
    ctx: &Context<'_>,
    query: String,
    filters: Option<Vec<String>>,
    first: Option<i32>,
    after: Option<String>,
    include_removed: bool,
) -> ApiResult<SearchResult> {
    let state = super::acting(ctx)?;
    let index = state.search.clone().ok_or(ApiError::Internal)?;
    let limit = page_size(ctx, first)? as usize;
    let offset = ids::parse_prefixed::<usize>(after.as_deref(), 'o')?.unwrap_or(0);
    // Facets cost a pass over every match: count them only when asked for.
    let facets = ctx.look_ahead().field("facets").exists();
    let count = ctx.look_ahead().field("total").exists();
    let explain = ctx.look_ahead().field("hits").field("matches").exists();
    let request = SearchRequest {
        query,
        filters: filters.unwrap_or_default(),
        limit,
        offset,
        include_removed,
        facets,
        count,
        explain,
        sources: Vec::new(),
    };
    let results = crate::search::search_as(&index, &state.catalog, request).await.map_err(|e| match e {
        SearchError::Invalid(m) => ApiError::InvalidInput(m),
        other => {
            tracing::error!(error = %other, "search failed");
            ApiError::Internal
        }
    })?;
    let next = offset + results.hits.len();
    Ok(SearchResult {
        // Counted when selected (left at 0 otherwise, where nobody reads it).
        total: results.total.unwrap_or(0) as u64,
        has_next_page: results.more,
        end_cursor: (!results.hits.is_empty()).then(|| format!("o{next}")),
        hits: results.hits.into_iter().map(SearchHit).collect(),
        facets: results
            .facets
            .into_iter()
            .map(|f| SearchFacet { name: f.name, values: f.values.into_iter().map(|(value, count)| FacetValue { value, count }).collect() })
            .collect(),
    })
}
