//! The query language: free words (with synonyms, typo tolerance on names and prefix matching
//! on the last word), "quoted phrases", and filters `type:column`, `source:x`, `namespace:x`,
//! `pii:email`, `tag:gold`, `owner:payments-team`, `family:text`. Ranking favours exact names, then name words, then
//! curated descriptions, then source comments; removed datasets are left out by default.

use super::{norm, normalized, Fields, SearchError, SearchIndex};
use crate::classify::words::{fold, split_identifier};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::sync::OnceLock;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::{AggregationCollector, AggregationLimitsGuard};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, EnableScoring, Occur, PhraseQuery, Query, Scorer, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, DocId, DocSet, Searcher, TantivyDocument, Term, TERMINATED};

/// A search as asked.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    /// Extra filters as `key:value` (same keys as in the query text).
    pub filters: Vec<String>,
    pub limit: usize,
    pub offset: usize,
    pub include_removed: bool,
    /// Count facets over the match set (costs a pass over every match).
    pub facets: bool,
    /// Count the matches (costs a pass over every match; facets count them anyway).
    pub count: bool,
    /// Say for each hit which fields matched and what they added (costs a look at each
    /// hit's postings again).
    pub explain: bool,
    /// The registered sources, when the search filters by source: a `source:` filter naming
    /// one of them is valid even when the index holds nothing of it (filled by `search_as`).
    pub sources: Vec<String>,
}

/// What one field added to a hit's score: the query words (or the index words they stood
/// for) found there, and their BM25 score times the field's weight.
#[derive(Debug, Clone, Serialize)]
pub struct FieldMatch {
    /// `name`, `exact name`, `description` (curated description or meaning), `comment`,
    /// `tag`, `pii`, `context` (the dataset's, source's or owner's name).
    pub field: String,
    pub words: Vec<String>,
    pub score: f32,
}

/// Why a hit matched: the field's text as HTML (`<`, `>`, `&` and quotes escaped), with the
/// matching words in `<b>..</b>`.
#[derive(Debug, Clone, Serialize)]
pub struct Highlight {
    pub field: String,
    pub fragment: String,
}

/// One hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// `dataset` or `column`.
    pub kind: String,
    /// `ds_12` or `col_40`: the GraphQL id.
    pub id: String,
    pub qualified_name: String,
    pub score: f32,
    pub highlights: Vec<Highlight>,
    pub pii: Vec<String>,
    pub tags: Vec<String>,
    /// Who answers for the dataset (of a column: its dataset's).
    pub owner: Option<String>,
    /// Where a file dataset's files are (of a column: its dataset's), as a URL.
    pub location: Option<String>,
    /// Which fields matched, strongest first (when asked for with `explain`).
    pub matches: Vec<FieldMatch>,
}

/// Counts per value of one facet.
#[derive(Debug, Clone, Serialize)]
pub struct Facet {
    pub name: String,
    pub values: Vec<(String, u64)>,
}

/// Hits in rank order, the total number of matches, and facets for the whole match set.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// The number of matches, when counted (`count` or `facets`).
    pub total: Option<usize>,
    /// Whether more hits follow this page.
    pub more: bool,
    pub facets: Vec<Facet>,
}

const STOPWORDS: &[&str] = &[
    "the", "a", "an", "of", "per", "in", "on", "for", "to", "and", "or", "is", "are", "where", "what", "which", "how", "stored", "store",
    "kept", "find", "show", "me", "my", "our", "with", "by", "at", "from", "do", "does", "we", "i", "der", "die", "das", "des", "den",
    "dem", "und", "von", "pro", "je", "le", "la", "les", "de", "du", "des", "et", "el", "los", "las", "y", "il", "di", "e", "het", "een",
    "en", "och", "av", "i", "w", "z",
];

#[derive(Debug, Default)]
struct Parsed {
    /// Each concept: alternatives, each a sequence of words that must all appear.
    concepts: Vec<Vec<Vec<String>>>,
    phrases: Vec<Vec<String>>,
    filters: Vec<(String, String)>,
    /// The last free word, matched as a prefix too (the user may still be typing).
    prefix: Option<String>,
    /// All query words joined, for the exact-name boost.
    joined: String,
}

/// Longest search text, in characters: a search box holds a sentence, not a document.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Most words (free words and words of phrases) in one search.
pub const MAX_QUERY_WORDS: usize = 32;
/// Most filters in one search, in its text and beside it together.
pub const MAX_FILTERS: usize = 32;
/// Longest word that is looked up with typo tolerance or as a prefix. A Levenshtein automaton
/// grows with the word: one 20,000-letter word took the server to 460 MB, a 100 KB one to 4 GB.
/// Longer words are matched exactly (nobody misspells a 25-letter word into another one).
pub const MAX_FUZZY_CHARS: usize = 24;
/// Most dictionary terms one fuzzy or prefix expansion walks before it stops.
const MAX_EXPANSION_SCAN: usize = 20_000;

/// A query's quoted phrases, its `key:value` filters (from its text and beside it) and its
/// free words, as written.
type QueryParts = (Vec<String>, Vec<(String, String)>, Vec<String>);

fn split_query(text: &str, extra_filters: &[String]) -> Result<QueryParts, SearchError> {
    let (mut phrases, mut filters, mut free) = (Vec::new(), Vec::new(), Vec::new());
    let mut rest = text.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('"') {
            let (phrase, tail) = after.split_once('"').unwrap_or((after, ""));
            phrases.push(phrase.to_string());
            rest = tail.trim_start();
            continue;
        }
        let (token, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        rest = tail.trim_start();
        if let Some((k, v)) = token.split_once(':').filter(|(k, v)| !k.is_empty() && !v.is_empty() && !k.contains('.')) {
            filters.push((k.to_ascii_lowercase(), v.to_string()));
        } else {
            free.push(token.to_string());
        }
    }
    for f in extra_filters {
        match f.split_once(':') {
            Some((k, v)) if !k.is_empty() && !v.is_empty() => filters.push((k.to_ascii_lowercase(), v.to_string())),
            _ => return Err(SearchError::Invalid(format!("filter `{f}` is not key:value"))),
        }
    }
    Ok((phrases, filters, free))
}

/// The personal-data categories a search filters by (`pii:email`), in its text or beside it:
/// such a search lists where personal data lives.
pub fn personal_data_filters(request: &SearchRequest) -> Vec<String> {
    split_query(&request.query, &request.filters)
        .map(|(_, filters, _)| filters.into_iter().filter(|(k, _)| k == "pii").map(|(_, v)| v).collect())
        .unwrap_or_default()
}

fn parse(index: &SearchIndex, text: &str, extra_filters: &[String]) -> Result<Parsed, SearchError> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(SearchError::Invalid(format!("the search text is longer than {MAX_QUERY_CHARS} characters")));
    }
    if extra_filters.len() > MAX_FILTERS || extra_filters.iter().any(|f| f.chars().count() > MAX_QUERY_CHARS) {
        return Err(SearchError::Invalid(format!("at most {MAX_FILTERS} filters of at most {MAX_QUERY_CHARS} characters each")));
    }
    let mut p = Parsed::default();
    let ends_with_space = text.ends_with(' ');
    let (phrases, filters, free) = split_query(text, extra_filters)?;
    p.filters = filters;
    p.phrases = phrases
        .iter()
        .map(|phrase| split_identifier(phrase).iter().map(|w| norm(w)).collect::<Vec<String>>())
        .filter(|w| !w.is_empty())
        .collect();
    if p.filters.len() > MAX_FILTERS {
        return Err(SearchError::Invalid(format!("a search has at most {MAX_FILTERS} filters")));
    }
    let mut all_words = Vec::new();
    for token in &free {
        // A token of letters and digits (`B2B`) is one word: its parts mean nothing.
        if let Some(whole) = super::synonyms::mixed_token(token) {
            all_words.push(whole);
            continue;
        }
        // Single letters (the `s` of "customer's") carry no meaning.
        all_words.extend(split_identifier(token).into_iter().filter(|w| w.chars().count() > 1 || w.chars().all(|c| c.is_ascii_digit())));
    }
    let words = all_words.len() + p.phrases.iter().map(Vec::len).sum::<usize>();
    if words > MAX_QUERY_WORDS {
        return Err(SearchError::Invalid(format!("a search has at most {MAX_QUERY_WORDS} words; this one has {words}")));
    }
    p.joined = all_words.iter().map(|w| norm(w)).collect();
    let content: Vec<&String> = all_words.iter().filter(|w| !STOPWORDS.contains(&String::as_str(w))).collect();
    let concept = |w: &str| {
        let mut alternatives = vec![vec![norm(w)]];
        for alt in index.synonyms.expand(w) {
            let seq: Vec<String> = alt.iter().filter(|x| !STOPWORDS.contains(&String::as_str(x))).map(|x| norm(x)).collect();
            if !seq.is_empty() && !alternatives.contains(&seq) {
                alternatives.push(seq);
            }
        }
        alternatives
    };
    for (i, w) in content.iter().enumerate() {
        if i + 1 == content.len() && !ends_with_space && w.len() >= 2 {
            p.prefix = Some(norm(w).trim_end_matches('s').to_string()).filter(|x| x.len() >= 2).or(Some(w.to_string()));
        }
        // A compound (`Telefonnummer`) stands for its parts, each a concept as if typed
        // apart, and each also matched by the compound itself where a name holds it whole.
        match index.synonyms.decompound(w).filter(|_| index.synonyms.expand(w).is_empty()) {
            Some(parts) => {
                for part in parts {
                    let mut alternatives = concept(&part);
                    alternatives.push(vec![norm(w)]);
                    p.concepts.push(alternatives);
                }
            }
            None => p.concepts.push(concept(w)),
        }
    }
    if p.concepts.len() > MAX_QUERY_WORDS {
        return Err(SearchError::Invalid(format!("a search has at most {MAX_QUERY_WORDS} words once compounds are split")));
    }
    Ok(p)
}

/// Candidates the fast pass gathers (at least) before the full ranking orders them.
const POOL: usize = 40;
/// Most index terms one misspelt or unfinished word stands for.
const MAX_EXPANSIONS: usize = 24;

fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, boost))
}

fn term(field: Field, word: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs))
}

/// The fields a word is looked for in, with how much a match there counts.
fn word_fields(f: &Fields) -> [(Field, f32); 6] {
    [
        (f.name_words, 4.0),
        // What people wrote about a column weighs like its name.
        (f.description_words, 4.0),
        (f.comment_words, 1.5),
        (f.pii_words, 1.5),
        (f.tag_words, 2.0),
        (f.context_words, 1.5),
    ]
}
const FUZZY_WEIGHT: f32 = 1.2;
const PREFIX_WEIGHT: f32 = 1.5;
const JOINED_WEIGHT: f32 = 8.0;
const SYNONYM_WEIGHT: f32 = 0.8;

/// A Levenshtein automaton run over a term dictionary.
struct Dfa(levenshtein_automata::DFA);

impl tantivy_fst::Automaton for Dfa {
    type State = u32;
    fn start(&self) -> u32 {
        self.0.initial_state()
    }
    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), levenshtein_automata::Distance::Exact(_))
    }
    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }
    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

fn automaton_builder(distance: u8) -> &'static levenshtein_automata::LevenshteinAutomatonBuilder {
    static BUILDERS: [OnceLock<levenshtein_automata::LevenshteinAutomatonBuilder>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    BUILDERS[usize::from(distance.min(2))].get_or_init(|| levenshtein_automata::LevenshteinAutomatonBuilder::new(distance.min(2), true))
}

/// The name words within `distance` edits of `word` (or starting with it, for a prefix),
/// the most frequent first. Looked up once in the term dictionaries, so the query that
/// follows is made of plain terms.
fn expand(searcher: &Searcher, field: Field, word: &str, distance: u8, prefix: bool) -> Result<Vec<String>, SearchError> {
    let builder = automaton_builder(distance);
    let mut found: HashMap<String, u64> = HashMap::new();
    for reader in searcher.segment_readers() {
        let dfa = Dfa(if prefix { builder.build_prefix_dfa(word) } else { builder.build_dfa(word) });
        let inverted = reader.inverted_index(field)?;
        let mut stream = inverted.terms().search(dfa).into_stream().map_err(tantivy::TantivyError::from)?;
        let mut walked = 0;
        while walked < MAX_EXPANSION_SCAN && stream.advance() {
            walked += 1;
            if let Ok(t) = std::str::from_utf8(stream.key()) {
                *found.entry(t.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut terms: Vec<(String, u64)> = found.into_iter().filter(|(t, _)| t != word).collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    terms.truncate(MAX_EXPANSIONS);
    Ok(terms.into_iter().map(|(t, _)| t).collect())
}

/// The query with misspelt and unfinished words resolved to the index terms they stand for.
struct Plan {
    /// Near spellings of query words no name contains.
    fuzzy: HashMap<String, Vec<String>>,
    /// Completions of the last word, when no name contains it as typed.
    completions: Vec<String>,
}

impl Plan {
    fn new(f: &Fields, searcher: &Searcher, p: &Parsed) -> Result<Plan, SearchError> {
        // Typo tolerance only for words no name contains: an exact word needs no fuzzing.
        let unknown = |w: &str| searcher.doc_freq(&Term::from_field_text(f.name_words, w)).map(|n| n == 0).unwrap_or(true);
        let mut fuzzy = HashMap::new();
        for alternatives in &p.concepts {
            let w = &alternatives[0][0];
            let chars = w.chars().count();
            // A word whose synonyms are in the index is a known word in another language or
            // spelling, not a typo.
            let known_synonym = alternatives[1..].iter().any(|seq| seq.iter().all(|x| !unknown(x)));
            if (5..=MAX_FUZZY_CHARS).contains(&chars) && !known_synonym && !fuzzy.contains_key(w) && unknown(w) {
                fuzzy.insert(w.clone(), expand(searcher, f.name_words, w, if chars >= 9 { 2 } else { 1 }, false)?);
            }
        }
        let completions = match p.prefix.as_ref().filter(|w| w.chars().count() <= MAX_FUZZY_CHARS && unknown(w)) {
            Some(prefix) => expand(searcher, f.name_words, prefix, 0, true)?,
            None => Vec::new(),
        };
        Ok(Plan { fuzzy, completions })
    }
}

/// A leaf of the query tree: one term, or a phrase, in one field.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Leaf {
    Term(Field, String),
    Phrase(Field, Vec<String>),
}

impl Leaf {
    fn query(&self) -> Box<dyn Query> {
        match self {
            Leaf::Term(field, word) => term(*field, word),
            Leaf::Phrase(field, words) => Box::new(PhraseQuery::new(words.iter().map(|w| Term::from_field_text(*field, w)).collect())),
        }
    }
}

/// The ranking query as a tree, with the semantics of tantivy's boolean queries (scores of
/// matching clauses add up). It becomes a tantivy query for passes over every match, and is
/// evaluated directly, leaf by leaf, on the few candidates of a ranked search: seeking one
/// posting list per leaf is far cheaper there than tantivy's buffered unions, which score a
/// whole window of documents around each one.
enum Node {
    Leaf(usize),
    /// At least one child matches.
    Any(Vec<Node>),
    /// Every `must` child matches; `optional` ones add to the score when they match.
    All {
        must: Vec<Node>,
        optional: Vec<Node>,
    },
    Boost(Box<Node>, f32),
}

impl Node {
    fn boost(self, b: f32) -> Node {
        Node::Boost(Box::new(self), b)
    }

    fn query(&self, leaves: &[Leaf]) -> Box<dyn Query> {
        match self {
            Node::Leaf(i) => leaves[*i].query(),
            Node::Any(children) => Box::new(BooleanQuery::new(children.iter().map(|c| (Occur::Should, c.query(leaves))).collect())),
            Node::All { must, optional } => Box::new(BooleanQuery::new(
                must.iter()
                    .map(|c| (Occur::Must, c.query(leaves)))
                    .chain(optional.iter().map(|c| (Occur::Should, c.query(leaves))))
                    .collect(),
            )),
            Node::Boost(child, b) => boosted(child.query(leaves), *b),
        }
    }

    /// The score of a document, given the score of each leaf that it matches.
    fn eval(&self, leaf_scores: &[Option<f32>]) -> Option<f32> {
        match self {
            Node::Leaf(i) => leaf_scores[*i],
            Node::Any(children) => children.iter().filter_map(|c| c.eval(leaf_scores)).reduce(|a, b| a + b),
            Node::All { must, optional } => {
                let mut sum = 0.0;
                for c in must {
                    sum += c.eval(leaf_scores)?;
                }
                Some(sum + optional.iter().filter_map(|c| c.eval(leaf_scores)).sum::<f32>())
            }
            Node::Boost(child, b) => child.eval(leaf_scores).map(|s| s * b),
        }
    }
}

/// Builds a tree, sharing leaves.
#[derive(Default)]
struct Tree {
    leaves: Vec<Leaf>,
    index: HashMap<Leaf, usize>,
}

impl Tree {
    fn leaf(&mut self, leaf: Leaf) -> Node {
        let next = self.leaves.len();
        let i = *self.index.entry(leaf.clone()).or_insert(next);
        if i == next {
            self.leaves.push(leaf);
        }
        Node::Leaf(i)
    }

    /// One word anywhere it counts, weighted by where, plus its near spellings in names.
    fn word(&mut self, f: &Fields, plan: &Plan, word: &str, fuzzy: bool) -> Node {
        let mut children: Vec<Node> =
            word_fields(f).iter().map(|(field, w)| self.leaf(Leaf::Term(*field, word.to_string())).boost(*w)).collect();
        if fuzzy {
            for t in plan.fuzzy.get(word).into_iter().flatten() {
                children.push(self.leaf(Leaf::Term(f.name_words, t.clone())).boost(FUZZY_WEIGHT));
            }
        }
        Node::Any(children)
    }
}

/// The ranking query: its leaves and its root. Filters and removed datasets are applied
/// apart (see `matching`).
struct Ranking {
    leaves: Vec<Leaf>,
    root: Node,
}

fn filter_query(f: &Fields, key: &str, value: &str) -> Result<Box<dyn Query>, SearchError> {
    let v = value.trim();
    let basic = |field: Field, word: &str| -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::Basic))
    };
    let q: Box<dyn Query> = match key {
        "type" | "kind" => {
            let kind = match v.to_ascii_lowercase().as_str() {
                "column" | "columns" | "col" => "column",
                "dataset" | "datasets" | "table" | "tables" | "view" | "views" => "dataset",
                other => return Err(SearchError::Invalid(format!("type:{other} is neither column nor dataset"))),
            };
            basic(f.kind, kind)
        }
        "source" => basic(f.source, v),
        "namespace" | "ns" | "schema" => basic(f.namespace, v),
        "tag" => basic(f.tags, &v.to_lowercase()),
        "owner" => basic(f.owner, &v.to_lowercase()),
        "pii" => basic(f.pii_short, &fold(v).strip_prefix("user.").map(str::to_string).unwrap_or_else(|| fold(v))),
        "family" => basic(f.type_family, &v.to_lowercase()),
        other => {
            return Err(SearchError::Invalid(format!("unknown filter `{other}:` (use type, source, namespace, pii, tag, owner, family)")))
        }
    };
    Ok(q)
}

/// The field and term a filter looks up, for the filters over values the catalog holds.
fn filter_term(f: &Fields, key: &str, value: &str) -> Option<(Field, String, &'static str)> {
    let v = value.trim();
    Some(match key {
        "source" => (f.source, v.to_string(), "source"),
        "namespace" | "ns" | "schema" => (f.namespace, v.to_string(), "namespace"),
        "tag" => (f.tags, v.to_lowercase(), "tag"),
        "owner" => (f.owner, v.to_lowercase(), "owner"),
        "pii" => (f.pii_short, fold(v).strip_prefix("user.").map(str::to_string).unwrap_or_else(|| fold(v)), "personal-data category"),
        "family" => (f.type_family, v.to_lowercase(), "type family"),
        _ => return None,
    })
}

/// Whether `term` names a built-in personal-data category the way `pii:` accepts it: the
/// key (`user.contact.email`), without `user.` (`contact.email`), or one of its parts
/// (`email`).
fn known_category(term: &str) -> bool {
    crate::classify::taxonomy::BUILT_IN.iter().any(|(key, _, _)| {
        let short = key.strip_prefix("user.").unwrap_or(key);
        *key == term || short == term || short.split('.').any(|part| part == term)
    })
}

/// Most terms of a filter's field read to suggest a value.
const MAX_SUGGESTION_TERMS: usize = 10_000;

/// Refuses a filter whose value nothing in the index holds (`pii:emial`, `source:nosuch`),
/// suggesting the value most likely meant, or listing some that exist: a filter that can
/// match nothing is almost always a typo, and an empty answer would hide it.
fn check_filter_values(f: &Fields, searcher: &Searcher, p: &Parsed, sources: &[String]) -> Result<(), SearchError> {
    for (key, value) in &p.filters {
        let Some((field, term, what)) = filter_term(f, key, value) else { continue };
        if searcher.doc_freq(&Term::from_field_text(field, &term))? > 0 {
            continue;
        }
        // Values that exist but that nothing indexed holds yet: a registered source without
        // datasets, a category no column has, `pii:any` in a catalog without personal data.
        let valid = match what {
            "source" => sources.contains(&term),
            "personal-data category" => term == "any" || known_category(&term),
            _ => false,
        };
        if valid {
            continue;
        }
        let mut known: BTreeSet<String> = BTreeSet::new();
        for reader in searcher.segment_readers() {
            let inverted = reader.inverted_index(field)?;
            let mut stream = inverted.terms().stream().map_err(tantivy::TantivyError::from)?;
            while known.len() < MAX_SUGGESTION_TERMS && stream.advance() {
                if let Ok(t) = std::str::from_utf8(stream.key()) {
                    known.insert(t.to_string());
                }
            }
        }
        let hint = match crate::catalog::names::did_you_mean(&term, known.iter().map(String::as_str)) {
            Some(m) => format!("; did you mean `{key}:{m}`?"),
            None if known.is_empty() => String::new(),
            None => {
                let some: Vec<&str> = known.iter().take(10).map(String::as_str).collect();
                format!(" (known: {}{})", some.join(", "), if known.len() > 10 { ", ..." } else { "" })
            }
        };
        return Err(SearchError::Invalid(format!("no {what} `{}` in the catalog{hint}", value.trim())));
    }
    Ok(())
}

/// All filters together, or None without filters.
fn filters_query(f: &Fields, p: &Parsed) -> Result<Option<Box<dyn Query>>, SearchError> {
    let mut clauses = Vec::new();
    for (k, v) in &p.filters {
        clauses.push((Occur::Must, filter_query(f, k, v)?));
    }
    Ok(match clauses.len() {
        0 => None,
        1 => clauses.pop().map(|(_, q)| q),
        _ => Some(Box::new(BooleanQuery::new(clauses))),
    })
}

/// What ranks a match, or None when the query has only filters.
fn ranking(f: &Fields, plan: &Plan, p: &Parsed) -> Option<Ranking> {
    let mut t = Tree::default();
    let mut must: Vec<Node> = Vec::new();
    let mut should: Vec<Node> = Vec::new();
    for alternatives in &p.concepts {
        let alts: Vec<Node> = alternatives
            .iter()
            .enumerate()
            .map(|(i, seq)| {
                let all = Node::All { must: seq.iter().map(|w| t.word(f, plan, w, i == 0)).collect(), optional: Vec::new() };
                // Synonyms count a little less than the word itself.
                if i == 0 {
                    all
                } else {
                    all.boost(SYNONYM_WEIGHT)
                }
            })
            .collect();
        should.push(Node::Any(alts));
    }
    for w in &plan.completions {
        should.push(t.leaf(Leaf::Term(f.name_words, w.clone())).boost(PREFIX_WEIGHT));
    }
    for phrase in &p.phrases {
        must.push(if phrase.len() == 1 {
            t.word(f, plan, &phrase[0], false)
        } else {
            Node::Any(
                [f.name_words, f.description_words, f.comment_words, f.pii_words]
                    .iter()
                    .map(|field| t.leaf(Leaf::Phrase(*field, phrase.clone())))
                    .collect(),
            )
        });
    }
    if p.concepts.len() >= 2 {
        // Matching every concept beats matching one of them strongly.
        let every: Vec<Node> = p
            .concepts
            .iter()
            .map(|alternatives| {
                Node::Any(
                    alternatives
                        .iter()
                        .map(|seq| Node::All { must: seq.iter().map(|w| t.word(f, plan, w, false)).collect(), optional: Vec::new() })
                        .collect(),
                )
            })
            .collect();
        should.push(Node::All { must: every, optional: Vec::new() }.boost(1.5));
    }
    if !should.is_empty() {
        if !p.joined.is_empty() {
            should.push(t.leaf(Leaf::Term(f.name_joined, p.joined.clone())).boost(JOINED_WEIGHT));
        }
        must.push(Node::Any(should));
    }
    if must.is_empty() {
        return None;
    }
    // Among equal matches, tables before views (whose columns repeat the tables').
    let optional = vec![t.leaf(Leaf::Term(f.dataset_kind, "table".into())).boost(0.3)];
    Some(Ranking { leaves: t.leaves, root: Node::All { must, optional } })
}

/// The whole query as one tantivy query, for passes over every match: counts, facets,
/// searches made only of filters, and the full ranking the fast path is checked against.
fn matching(f: &Fields, ranking: Option<&Ranking>, p: &Parsed, include_removed: bool) -> Result<Box<dyn Query>, SearchError> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(r) = ranking {
        clauses.push((Occur::Must, r.root.query(&r.leaves)));
    }
    if let Some(filters) = filters_query(f, p)? {
        // Filters select; they score only when nothing else ranks the matches.
        let filters = if ranking.is_some() { boosted(filters, 0.0) } else { filters };
        clauses.push((Occur::Must, filters));
    }
    if clauses.is_empty() {
        return Err(SearchError::Invalid("the query is empty".into()));
    }
    if !include_removed {
        clauses.push((Occur::MustNot, removed_query(f)));
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

fn removed_query(f: &Fields) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_u64(f.removed, 1), IndexRecordOption::Basic))
}

/// The same words as one flat, weighted disjunction of terms over the `all_words` field:
/// cheap to evaluate because tantivy skips every block of postings that cannot reach the
/// current top (block-max WAND). It gathers the candidates that the full query then ranks.
/// None when there is no word to score.
fn flat(f: &Fields, searcher: &Searcher, plan: &Plan, p: &Parsed) -> Option<Flat> {
    let mut weights: BTreeMap<(u32, String), (Field, f32)> = BTreeMap::new();
    let mut add = |field: Field, word: &str, w: f32| {
        let e = weights.entry((field.field_id(), word.to_string())).or_insert((field, 0.0));
        e.1 = e.1.max(w);
    };
    // Relative to a word of the query found anywhere (name words weigh more by repetition).
    let name = word_fields(f)[0].1;
    for alternatives in &p.concepts {
        for (i, seq) in alternatives.iter().enumerate() {
            for w in seq {
                add(f.all_words, w, if i == 0 { 1.0 } else { SYNONYM_WEIGHT });
                if i == 0 {
                    for t in plan.fuzzy.get(w).into_iter().flatten() {
                        add(f.all_words, t, FUZZY_WEIGHT / name);
                    }
                }
            }
        }
    }
    for t in &plan.completions {
        add(f.all_words, t, PREFIX_WEIGHT / name);
    }
    for w in p.phrases.iter().flatten() {
        add(f.all_words, w, 1.0);
    }
    if !p.joined.is_empty() && !p.concepts.is_empty() {
        add(f.name_joined, &p.joined, JOINED_WEIGHT / name);
    }
    let mut terms: Vec<(Field, String, f32)> = weights
        .into_iter()
        .filter(|((_, word), (field, _))| searcher.doc_freq(&Term::from_field_text(*field, word)).map(|n| n > 0).unwrap_or(false))
        .map(|((_, word), (field, w))| (field, word, w))
        .collect();
    match terms.len() {
        0 => None,
        // One term alone, not in a boolean query: tantivy skips blocks only for a term query
        // or a union of several (a boolean query of one clause visits every posting). Its
        // weight changes no order, so it is left out.
        1 => terms.pop().map(|(field, word, _)| Flat { query: term(field, &word), single: true }),
        _ => Some(Flat {
            query: Box::new(BooleanQuery::new(
                terms.into_iter().map(|(field, word, w)| (Occur::Should, boosted(term(field, &word), w))).collect(),
            )),
            single: false,
        }),
    }
}

/// The fast pass's query, and whether it is a single term.
struct Flat {
    query: Box<dyn Query>,
    single: bool,
}

/// A candidate: better when it scores higher, then when it comes first in the index.
#[derive(Clone, Copy, PartialEq)]
struct Candidate {
    score: f32,
    addr: DocAddress,
}

impl Eq for Candidate {}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.score.total_cmp(&other.score).then_with(|| other.addr.cmp(&self.addr))
    }
}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Whether `doc` is in a docset read in increasing document order.
fn contains(set: &mut dyn Scorer, doc: DocId) -> bool {
    if set.doc() < doc {
        set.seek(doc);
    }
    set.doc() == doc
}

/// The `size` best documents of the flat query that pass the filters and are not removed.
fn gather(
    searcher: &Searcher,
    flat: &Flat,
    filters: Option<&dyn Query>,
    removed: Option<&dyn Query>,
    size: usize,
) -> Result<Vec<Candidate>, SearchError> {
    let weight = flat.query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let filter_weight = filters.map(|q| q.weight(EnableScoring::disabled_from_searcher(searcher))).transpose()?;
    let removed_weight = removed.map(|q| q.weight(EnableScoring::disabled_from_searcher(searcher))).transpose()?;
    let mut heap: BinaryHeap<Reverse<Candidate>> = BinaryHeap::with_capacity(size + 1);
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let mut filter = filter_weight.as_ref().map(|w| w.scorer(reader, 1.0)).transpose()?;
        let mut removed = removed_weight.as_ref().map(|w| w.scorer(reader, 1.0)).transpose()?;
        let alive = reader.alive_bitset();
        // A document scoring the same as the worst of a full heap cannot enter it (it comes
        // later in the index, so it loses the tie). A union skips blocks that cannot beat the
        // threshold; a single term only those below it, so it is told the next float up, or
        // it scores every document of the thousands alike that a catalog holds.
        let threshold = |heap: &BinaryHeap<Reverse<Candidate>>| {
            let worst = if heap.len() >= size { heap.peek().map(|c| c.0.score).unwrap_or(f32::MIN) } else { f32::MIN };
            if flat.single {
                worst.next_up()
            } else {
                worst
            }
        };
        let start = threshold(&heap);
        weight.for_each_pruning(start, reader, &mut |doc, score| {
            let keep = !alive.is_some_and(|a| a.is_deleted(doc))
                && filter.as_mut().is_none_or(|s| contains(s.as_mut(), doc))
                && !removed.as_mut().is_some_and(|s| contains(s.as_mut(), doc));
            if keep {
                heap.push(Reverse(Candidate { score, addr: DocAddress::new(ord as u32, doc) }));
                if heap.len() > size {
                    heap.pop();
                }
            }
            threshold(&heap)
        })?;
    }
    Ok(heap.into_iter().map(|c| c.0).collect())
}

/// The first `wanted` live documents matching `query`, in index order, each scored 1.
fn first_matches(searcher: &Searcher, query: &dyn Query, wanted: usize) -> Result<Vec<Candidate>, SearchError> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut out = Vec::with_capacity(wanted);
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let mut scorer = weight.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        let mut doc = scorer.doc();
        while doc != TERMINATED && out.len() < wanted {
            if !alive.is_some_and(|a| a.is_deleted(doc)) {
                out.push(Candidate { score: 1.0, addr: DocAddress::new(ord as u32, doc) });
            }
            doc = scorer.advance();
        }
    }
    Ok(out)
}

/// BM25 statistics where a field most documents lack (curated descriptions, comments, tags,
/// categories) is normalized by the length of the documents that have it. tantivy averages a
/// field's length over every document, so a field few documents hold looked ten times
/// "longer than average" wherever it occurs, and a description matching two query words
/// scored below a name matching one.
struct SparseFieldStats<'a> {
    searcher: &'a Searcher,
    sparse: [(Field, &'static str); 4],
    has: Field,
}

impl<'a> SparseFieldStats<'a> {
    fn new(f: &Fields, searcher: &'a Searcher) -> Self {
        SparseFieldStats {
            searcher,
            sparse: [(f.description_words, "description"), (f.comment_words, "comment"), (f.tag_words, "tag"), (f.pii_words, "pii")],
            has: f.has,
        }
    }
}

impl tantivy::query::Bm25StatisticsProvider for SparseFieldStats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        let tokens = self.searcher.total_num_tokens(field)?;
        match self.sparse.iter().find(|(f, _)| *f == field) {
            Some((_, label)) => {
                let with = self.searcher.doc_freq(&Term::from_field_text(self.has, label))?.max(1);
                let all = self.searcher.num_docs().max(1);
                // The average over the documents that have the field: tokens / with.
                Ok(((tokens as u128 * all as u128) / with as u128).min(u64::MAX as u128) as u64)
            }
            None => Ok(tokens),
        }
    }
    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searcher.total_num_docs()
    }
    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.searcher.doc_freq(term)
    }
}

/// Scores the candidates with the ranking query (dropping those it does not match), best
/// first.
fn rank(searcher: &Searcher, f: &Fields, ranking: &Ranking, mut candidates: Vec<Candidate>) -> Result<Vec<Candidate>, SearchError> {
    let stats = SparseFieldStats::new(f, searcher);
    let enable = EnableScoring::enabled_from_statistics_provider(&stats, searcher);
    let weights = ranking.leaves.iter().map(|l| l.query().weight(enable)).collect::<Result<Vec<_>, _>>()?;
    candidates.sort_by_key(|c| c.addr);
    let mut out = Vec::with_capacity(candidates.len());
    let mut scores: Vec<Option<f32>> = vec![None; weights.len()];
    let mut i = 0;
    while i < candidates.len() {
        let segment = candidates[i].addr.segment_ord;
        let reader = searcher.segment_reader(segment);
        let mut scorers = weights.iter().map(|w| w.scorer(reader, 1.0)).collect::<Result<Vec<_>, _>>()?;
        while i < candidates.len() && candidates[i].addr.segment_ord == segment {
            let doc = candidates[i].addr.doc_id;
            for (score, scorer) in scores.iter_mut().zip(scorers.iter_mut()) {
                *score = contains(scorer.as_mut(), doc).then(|| scorer.score());
            }
            if let Some(score) = ranking.root.eval(&scores) {
                out.push(Candidate { score, addr: candidates[i].addr });
            }
            i += 1;
        }
    }
    out.sort_by(|a, b| b.cmp(a));
    Ok(out)
}

/// The field a leaf scores, as a hit's explanation names it, and the weight a match there
/// carries in the ranking.
fn field_label(f: &Fields, field: Field) -> Option<(&'static str, f32)> {
    let weight = |field: Field| word_fields(f).iter().find(|(x, _)| *x == field).map_or(1.0, |(_, w)| *w);
    let label = match field {
        x if x == f.name_words => "name",
        x if x == f.name_joined => return Some(("exact name", JOINED_WEIGHT)),
        x if x == f.description_words => "description",
        x if x == f.comment_words => "comment",
        x if x == f.tag_words => "tag",
        x if x == f.pii_words => "pii",
        x if x == f.context_words => "context",
        _ => return None,
    };
    Some((label, weight(field)))
}

/// Which fields of one document the ranking's leaves matched, with their weighted scores,
/// strongest first. The all-words bonus and synonym discounts are left out: this says where
/// the words were found, not how the total was summed.
/// The scoring weights of a ranking's leaves, built once per search for [`explain`].
fn leaf_weights(searcher: &Searcher, f: &Fields, ranking: &Ranking) -> Result<Vec<Box<dyn tantivy::query::Weight>>, SearchError> {
    let stats = SparseFieldStats::new(f, searcher);
    let enable = EnableScoring::enabled_from_statistics_provider(&stats, searcher);
    Ok(ranking.leaves.iter().map(|l| l.query().weight(enable)).collect::<Result<Vec<_>, _>>()?)
}

fn explain(
    searcher: &Searcher,
    f: &Fields,
    ranking: &Ranking,
    weights: &[Box<dyn tantivy::query::Weight>],
    addr: DocAddress,
) -> Result<Vec<FieldMatch>, SearchError> {
    let reader = searcher.segment_reader(addr.segment_ord);
    let mut by_field: BTreeMap<&'static str, (BTreeSet<String>, f32)> = BTreeMap::new();
    for (leaf, weight_of_leaf) in ranking.leaves.iter().zip(weights) {
        let (field, words) = match leaf {
            Leaf::Term(field, word) => (*field, vec![word.clone()]),
            Leaf::Phrase(field, words) => (*field, words.clone()),
        };
        let Some((label, weight)) = field_label(f, field) else { continue };
        let mut scorer = weight_of_leaf.scorer(reader, 1.0)?;
        if contains(scorer.as_mut(), addr.doc_id) {
            let e = by_field.entry(label).or_default();
            e.0.extend(words);
            e.1 += scorer.score() * weight;
        }
    }
    let mut out: Vec<FieldMatch> = by_field
        .into_iter()
        .map(|(field, (words, score))| FieldMatch { field: field.into(), words: words.into_iter().collect(), score })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(out)
}

/// The words a hit may have matched on: the query's words and their synonyms, and the
/// index words its misspelt and unfinished words stand for.
struct QueryWords<'a> {
    words: BTreeSet<String>,
    synonyms: &'a super::synonyms::Synonyms,
}

impl QueryWords<'_> {
    /// Whether a word of a text (folded) matched: itself, or a synonym the index added for it
    /// (`mail` is indexed as `email` too).
    fn matches(&self, word: &str) -> bool {
        self.words.contains(normalized(word)) || self.synonyms.expand(word).iter().flatten().any(|w| self.words.contains(normalized(w)))
    }
}

/// Wraps the words of `text` that the query matched (after folding) in `<b>..</b>`.
fn highlight(text: &str, words: &QueryWords) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut found = false;
    let mut current = String::new();
    let mut lower = String::new();
    let mut flush = |current: &mut String, out: &mut String, found: &mut bool| {
        if current.is_empty() {
            return;
        }
        // Most words of a text are one plain word ("Contact", "address"): no need to split.
        let plain = current.bytes().all(|b| b.is_ascii_alphabetic()) && current.bytes().skip(1).all(|b| b.is_ascii_lowercase());
        let matched = if plain {
            lower.clear();
            lower.push_str(current);
            lower.make_ascii_lowercase();
            words.matches(&lower)
        } else {
            split_identifier(current).iter().any(|w| words.matches(w))
        };
        // Words hold only letters, digits and `_`: nothing to escape.
        if matched {
            out.push_str("<b>");
            out.push_str(current);
            out.push_str("</b>");
            *found = true;
        } else {
            out.push_str(current);
        }
        current.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            current.push(c);
        } else {
            flush(&mut current, &mut out, &mut found);
            // The fragment is HTML: names and comments from a source may hold markup.
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                _ => out.push(c),
            }
        }
    }
    flush(&mut current, &mut out, &mut found);
    found.then_some(out)
}

fn texts(doc: &TantivyDocument, field: tantivy::schema::Field) -> Vec<String> {
    doc.get_all(field).filter_map(|v| v.as_str().map(str::to_string)).collect()
}

/// The scores of the best `limit` matches, ranked by the full ranking query over every
/// match (no candidate pool). Slow; it is the reference the two-pass search is checked
/// against (bench_search).
pub(super) fn exhaustive_scores(index: &SearchIndex, searcher: &Searcher, request: &SearchRequest) -> Result<Vec<f32>, SearchError> {
    let f = &index.f;
    let parsed = parse(index, &request.query, &request.filters)?;
    let plan = Plan::new(f, searcher, &parsed)?;
    let Some(ranking) = ranking(f, &plan, &parsed) else {
        return Ok(Vec::new());
    };
    let query = matching(f, Some(&ranking), &parsed, request.include_removed)?;
    let stats = SparseFieldStats::new(f, searcher);
    let top = searcher.search_with_statistics_provider(query.as_ref(), &TopDocs::with_limit(request.limit.clamp(1, 1_000)), &stats)?;
    Ok(top.into_iter().map(|(score, _)| score).collect())
}

pub(super) fn run(index: &SearchIndex, searcher: &Searcher, request: &SearchRequest) -> Result<SearchResults, SearchError> {
    let f = &index.f;
    let parsed = parse(index, &request.query, &request.filters)?;
    check_filter_values(f, searcher, &parsed, &request.sources)?;
    let plan = Plan::new(f, searcher, &parsed)?;
    let ranking = ranking(f, &plan, &parsed);
    // The whole query as one tantivy query, built only for the passes that need it.
    let query = || matching(f, ranking.as_ref(), &parsed, request.include_removed);
    let limit = request.limit.clamp(1, 1_000);
    // One more than the page, to know whether another page follows.
    let wanted = request.offset + limit + 1;
    let ranked: Vec<Candidate> = match ranking.as_ref().and_then(|r| Some((r, flat(f, searcher, &plan, &parsed)?))) {
        Some((ranking, flat)) => {
            // Fast pass, then the full ranking over a pool of candidates. The pool does not
            // depend on the page for the first pages, so paging through them is consistent.
            let filters = filters_query(f, &parsed)?;
            let removed = (!request.include_removed).then(|| removed_query(f));
            let pool = gather(searcher, &flat, filters.as_deref(), removed.as_deref(), POOL.max(2 * wanted))?;
            rank(searcher, f, ranking, pool)?
        }
        // Only filters: nothing ranks one match above another, so the first matches in index
        // order (by name) are the answer, and the pass stops there instead of visiting all.
        None => first_matches(searcher, query()?.as_ref(), wanted)?,
    };
    let more = ranked.len() > request.offset + limit;
    let top: Vec<(f32, DocAddress)> = ranked.into_iter().skip(request.offset).take(limit).map(|c| (c.score, c.addr)).collect();

    // Counting and facets need a pass over every match, without scores: only when asked.
    let (total, agg_json) = if request.facets {
        let aggs: Aggregations = serde_json::from_value(serde_json::json!({
            "kind": { "terms": { "field": "kind", "size": 10 } },
            "source": { "terms": { "field": "source", "size": 50 } },
            "namespace": { "terms": { "field": "namespace", "size": 50 } },
            "pii": { "terms": { "field": "pii", "size": 50 } },
            "tag": { "terms": { "field": "tags", "size": 50 } },
            "owner": { "terms": { "field": "owner", "size": 50 } },
        }))
        .map_err(|e| SearchError::Invalid(e.to_string()))?;
        let (total, aggs) =
            searcher.search(query()?.as_ref(), &(Count, AggregationCollector::from_aggs(aggs, AggregationLimitsGuard::default())))?;
        (Some(total), Some(serde_json::to_value(&aggs).map_err(|e| SearchError::Invalid(e.to_string()))?))
    } else if request.count {
        (Some(searcher.search(query()?.as_ref(), &Count)?), None)
    } else {
        (None, None)
    };

    let mut words: BTreeSet<String> = BTreeSet::new();
    for c in &parsed.concepts {
        for alt in c {
            words.extend(alt.iter().cloned());
        }
    }
    for ph in &parsed.phrases {
        words.extend(ph.iter().cloned());
    }
    words.extend(plan.fuzzy.values().flatten().cloned());
    words.extend(plan.completions.iter().cloned());
    let words = QueryWords { words, synonyms: &index.synonyms };
    let explained = match ranking.as_ref().filter(|_| request.explain) {
        Some(r) => Some(leaf_weights(searcher, f, r)?),
        None => None,
    };
    let mut hits = Vec::with_capacity(top.len());
    for (score, addr) in top {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let first = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let mut highlights = Vec::new();
        for (label, field) in [("name", f.name), ("description", f.description), ("comment", f.comment)] {
            for text in texts(&doc, field) {
                if let Some(h) = highlight(&text, &words) {
                    highlights.push(Highlight { field: label.into(), fragment: h });
                }
            }
        }
        let pii = texts(&doc, f.pii);
        let tags = texts(&doc, f.tags);
        let owner = doc.get_first(f.owner).and_then(|v| v.as_str()).map(str::to_string);
        let location = doc.get_first(f.location).and_then(|v| v.as_str()).map(str::to_string);
        if let Some(h) = owner.as_deref().and_then(|o| highlight(o, &words)) {
            highlights.push(Highlight { field: "owner".into(), fragment: h });
        }
        for t in &tags {
            if words.matches(t) {
                highlights.push(Highlight { field: "tag".into(), fragment: format!("<b>{t}</b>") });
            }
        }
        for key in &pii {
            if let Some(h) = highlight(&key.replace(['.', '_'], " "), &words) {
                highlights.push(Highlight { field: "pii".into(), fragment: h });
            }
        }
        let matches = match (ranking.as_ref(), explained.as_deref()) {
            (Some(r), Some(weights)) => explain(searcher, f, r, weights, addr)?,
            _ => Vec::new(),
        };
        hits.push(Hit {
            kind: first(f.kind),
            id: first(f.doc_id),
            qualified_name: first(f.qualified_name),
            score,
            highlights,
            pii,
            tags,
            owner,
            location,
            matches,
        });
    }

    let mut facets = Vec::new();
    if let Some(agg_json) = agg_json {
        for name in ["kind", "source", "namespace", "pii", "tag", "owner"] {
            let values: Vec<(String, u64)> = agg_json[name]["buckets"]
                .as_array()
                .map(|b| b.iter().filter_map(|x| Some((x["key"].as_str()?.to_string(), x["doc_count"].as_u64()?))).collect())
                .unwrap_or_default();
            facets.push(Facet { name: name.into(), values });
        }
    }
    Ok(SearchResults { hits, total, more, facets })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_whole_words() {
        let synonyms = crate::search::synonyms::Synonyms::new(&BTreeMap::new());
        let words = QueryWords { words: ["email".to_string(), "customer".to_string()].into(), synonyms: &synonyms };
        // `mail` is indexed as `email` too, `kunde` as `customer`.
        assert_eq!(
            highlight("Login e-mail of the customers (Kunde)", &words).as_deref(),
            Some("Login e-<b>mail</b> of the <b>customers</b> (<b>Kunde</b>)")
        );
        assert_eq!(highlight("cust_email", &words).as_deref(), Some("<b>cust_email</b>"));
        assert_eq!(highlight("nothing here", &words), None);
        // Plain words and identifiers that split, in one text.
        assert_eq!(
            highlight("CustomerEmail, Emails and EMAIL2", &words).as_deref(),
            Some("<b>CustomerEmail</b>, <b>Emails</b> and <b>EMAIL2</b>")
        );
        // Markup from a source is text, not HTML.
        assert_eq!(
            highlight("email<script>alert('x')</script> & \"more\"", &words).as_deref(),
            Some("<b>email</b>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;")
        );
    }
}
