//! The query language: free words (with synonyms, typo tolerance on names and prefix matching
//! on the last word), "quoted phrases", and filters `type:column`, `source:x`, `namespace:x`,
//! `pii:email`, `tag:gold`, `family:text`. Ranking favours exact names, then name words, then
//! curated descriptions, then source comments; removed datasets are left out by default.

use super::{norm, Fields, SearchError, SearchIndex};
use crate::classify::words::{fold, split_identifier};
use serde::Serialize;
use std::collections::BTreeSet;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::{AggregationCollector, AggregationLimitsGuard};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Searcher, TantivyDocument, Term};

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
}

/// Why a hit matched, with the matching words highlighted (`<b>..</b>`).
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
    pub total: usize,
    pub facets: Vec<Facet>,
}

const STOPWORDS: &[&str] = &[
    "the", "a", "an", "of", "per", "in", "on", "for", "to", "and", "or", "is", "are", "where", "what", "which", "how",
    "stored", "store", "kept", "find", "show", "me", "my", "our", "with", "by", "at", "from", "do", "does", "we", "i",
    "der", "die", "das", "des", "den", "dem", "und", "von", "pro", "je", "le", "la", "les", "de", "du", "des", "et", "el",
    "los", "las", "y", "il", "di", "e", "het", "een", "en", "och", "av", "i", "w", "z",
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

fn parse(index: &SearchIndex, text: &str, extra_filters: &[String]) -> Result<Parsed, SearchError> {
    let mut p = Parsed::default();
    let mut free: Vec<String> = Vec::new();
    let mut rest = text.trim();
    let ends_with_space = text.ends_with(' ');
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('"') {
            let (phrase, tail) = after.split_once('"').unwrap_or((after, ""));
            let words: Vec<String> = split_identifier(phrase).iter().map(|w| norm(w)).collect();
            if !words.is_empty() {
                p.phrases.push(words);
            }
            rest = tail.trim_start();
            continue;
        }
        let (token, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        rest = tail.trim_start();
        if let Some((k, v)) = token.split_once(':').filter(|(k, v)| !k.is_empty() && !v.is_empty() && !k.contains('.')) {
            p.filters.push((k.to_ascii_lowercase(), v.to_string()));
        } else {
            free.push(token.to_string());
        }
    }
    for f in extra_filters {
        match f.split_once(':') {
            Some((k, v)) if !k.is_empty() && !v.is_empty() => p.filters.push((k.to_ascii_lowercase(), v.to_string())),
            _ => return Err(SearchError::Invalid(format!("filter `{f}` is not key:value"))),
        }
    }
    let mut all_words = Vec::new();
    for token in &free {
        // Single letters (the `s` of "customer's") carry no meaning.
        all_words.extend(split_identifier(token).into_iter().filter(|w| w.chars().count() > 1 || w.chars().all(|c| c.is_ascii_digit())));
    }
    p.joined = all_words.iter().map(|w| norm(w)).collect();
    let content: Vec<&String> = all_words.iter().filter(|w| !STOPWORDS.contains(&String::as_str(w))).collect();
    for (i, w) in content.iter().enumerate() {
        let mut alternatives = vec![vec![norm(w)]];
        for alt in index.synonyms.expand(w) {
            let seq: Vec<String> = alt.iter().filter(|x| !STOPWORDS.contains(&String::as_str(x))).map(|x| norm(x)).collect();
            if !seq.is_empty() && !alternatives.contains(&seq) {
                alternatives.push(seq);
            }
        }
        if i + 1 == content.len() && !ends_with_space && w.len() >= 2 {
            p.prefix = Some(norm(w).trim_end_matches('s').to_string()).filter(|x| x.len() >= 2).or(Some(w.to_string()));
        }
        p.concepts.push(alternatives);
    }
    Ok(p)
}

fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, boost))
}

fn term(field: tantivy::schema::Field, word: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs))
}

/// One word anywhere it counts, weighted by where. `fuzzy`: also near spellings in names
/// (only worth its cost when the word itself is not a known name word).
fn word_query(f: &Fields, word: &str, fuzzy: bool) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
        (Occur::Should, boosted(term(f.name_words, word), 4.0)),
        (Occur::Should, boosted(term(f.description_words, word), 2.5)),
        (Occur::Should, boosted(term(f.comment_words, word), 1.5)),
        (Occur::Should, boosted(term(f.pii_words, word), 1.5)),
        (Occur::Should, boosted(term(f.tags, word), 2.0)),
        (Occur::Should, boosted(term(f.context_words, word), 1.5)),
    ];
    let chars = word.chars().count();
    if fuzzy && chars >= 5 {
        let distance = if chars >= 9 { 2 } else { 1 };
        let q = FuzzyTermQuery::new(Term::from_field_text(f.name_words, word), distance, true);
        clauses.push((Occur::Should, boosted(Box::new(q), 1.2)));
    }
    Box::new(BooleanQuery::new(clauses))
}

fn filter_query(f: &Fields, key: &str, value: &str) -> Result<Box<dyn Query>, SearchError> {
    let v = value.trim();
    let q: Box<dyn Query> = match key {
        "type" | "kind" => {
            let kind = match v.to_ascii_lowercase().as_str() {
                "column" | "columns" | "col" => "column",
                "dataset" | "datasets" | "table" | "tables" | "view" | "views" => "dataset",
                other => return Err(SearchError::Invalid(format!("type:{other} is neither column nor dataset"))),
            };
            term(f.kind, kind)
        }
        "source" => term(f.source, v),
        "namespace" | "ns" | "schema" => term(f.namespace, v),
        "tag" => term(f.tags, &v.to_lowercase()),
        "pii" => term(f.pii_short, &fold(v).strip_prefix("user.").map(str::to_string).unwrap_or_else(|| fold(v))),
        "family" => term(f.type_family, &v.to_lowercase()),
        other => return Err(SearchError::Invalid(format!("unknown filter `{other}:` (use type, source, namespace, pii, tag, family)"))),
    };
    Ok(q)
}

fn build(f: &Fields, searcher: &Searcher, p: &Parsed, include_removed: bool) -> Result<Box<dyn Query>, SearchError> {
    // Typo tolerance only for words no name contains: an exact word needs no fuzzing, and
    // building the automaton is the most expensive part of a query.
    let unknown = |w: &str| searcher.doc_freq(&Term::from_field_text(f.name_words, w)).map(|n| n == 0).unwrap_or(true);
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for alternatives in &p.concepts {
        let alts: Vec<(Occur, Box<dyn Query>)> = alternatives
            .iter()
            .enumerate()
            .map(|(i, seq)| {
                let parts: Vec<(Occur, Box<dyn Query>)> = seq.iter().map(|w| (Occur::Must, word_query(f, w, i == 0 && unknown(w)))).collect();
                // Synonyms count a little less than the word itself.
                let q: Box<dyn Query> = Box::new(BooleanQuery::new(parts));
                (Occur::Should, if i == 0 { q } else { boosted(q, 0.8) })
            })
            .collect();
        should.push((Occur::Should, Box::new(BooleanQuery::new(alts))));
    }
    if let Some(prefix) = p.prefix.as_ref().filter(|w| unknown(w)) {
        let q = FuzzyTermQuery::new_prefix(Term::from_field_text(f.name_words, prefix), 0, true);
        should.push((Occur::Should, boosted(Box::new(q), 1.5)));
    }
    for phrase in &p.phrases {
        let q: Box<dyn Query> = if phrase.len() == 1 {
            word_query(f, &phrase[0], false)
        } else {
            let per_field: Vec<(Occur, Box<dyn Query>)> = [f.name_words, f.description_words, f.comment_words, f.pii_words]
                .iter()
                .map(|field| {
                    let terms: Vec<Term> = phrase.iter().map(|w| Term::from_field_text(*field, w)).collect();
                    (Occur::Should, Box::new(PhraseQuery::new(terms)) as Box<dyn Query>)
                })
                .collect();
            Box::new(BooleanQuery::new(per_field))
        };
        must.push((Occur::Must, q));
    }
    if p.concepts.len() >= 2 {
        // Matching every concept beats matching one of them strongly.
        let all: Vec<(Occur, Box<dyn Query>)> = p
            .concepts
            .iter()
            .map(|alternatives| {
                let alts: Vec<(Occur, Box<dyn Query>)> = alternatives
                    .iter()
                    .map(|seq| {
                        let parts: Vec<(Occur, Box<dyn Query>)> = seq.iter().map(|w| (Occur::Must, word_query(f, w, false))).collect();
                        (Occur::Should, Box::new(BooleanQuery::new(parts)) as Box<dyn Query>)
                    })
                    .collect();
                (Occur::Must, Box::new(BooleanQuery::new(alts)) as Box<dyn Query>)
            })
            .collect();
        should.push((Occur::Should, boosted(Box::new(BooleanQuery::new(all)), 1.5)));
    }
    if !should.is_empty() {
        if !p.joined.is_empty() {
            should.push((Occur::Should, boosted(term(f.name_joined, &p.joined), 8.0)));
        }
        must.push((Occur::Must, Box::new(BooleanQuery::new(should))));
    }
    for (k, v) in &p.filters {
        must.push((Occur::Must, filter_query(f, k, v)?));
    }
    if must.is_empty() {
        return Err(SearchError::Invalid("the query is empty".into()));
    }
    // Among equal matches, tables before views (whose columns repeat the tables').
    must.push((Occur::Should, boosted(term(f.dataset_kind, "table"), 0.3)));
    if !include_removed {
        must.push((Occur::MustNot, Box::new(TermQuery::new(Term::from_field_u64(f.removed, 1), IndexRecordOption::Basic))));
    }
    Ok(Box::new(BooleanQuery::new(must)))
}

/// Wraps the words of `text` that are among `words` (after folding) in `<b>..</b>`.
fn highlight(text: &str, words: &BTreeSet<String>) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut found = false;
    let mut current = String::new();
    let flush = |current: &mut String, out: &mut String, found: &mut bool| {
        if current.is_empty() {
            return;
        }
        let parts = split_identifier(current);
        if parts.iter().any(|w| words.contains(&norm(w))) {
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
            out.push(c);
        }
    }
    flush(&mut current, &mut out, &mut found);
    found.then_some(out)
}

fn texts<'a>(doc: &'a TantivyDocument, field: tantivy::schema::Field) -> Vec<String> {
    doc.get_all(field).filter_map(|v| v.as_str().map(str::to_string)).collect()
}

pub(super) fn run(index: &SearchIndex, searcher: &Searcher, request: &SearchRequest) -> Result<SearchResults, SearchError> {
    let f = &index.f;
    let parsed = parse(index, &request.query, &request.filters)?;
    let query = build(f, searcher, &parsed, request.include_removed)?;
    let limit = request.limit.clamp(1, 1_000);
    let top_docs = TopDocs::with_limit(limit).and_offset(request.offset);
    let (top, total, agg_json) = if request.facets {
        let aggs: Aggregations = serde_json::from_value(serde_json::json!({
            "kind": { "terms": { "field": "kind", "size": 10 } },
            "source": { "terms": { "field": "source", "size": 50 } },
            "namespace": { "terms": { "field": "namespace", "size": 50 } },
            "pii": { "terms": { "field": "pii", "size": 50 } },
            "tag": { "terms": { "field": "tags", "size": 50 } },
        }))
        .map_err(|e| SearchError::Invalid(e.to_string()))?;
        let collector = (top_docs, Count, AggregationCollector::from_aggs(aggs, AggregationLimitsGuard::default()));
        let (top, total, aggs) = searcher.search(query.as_ref(), &collector)?;
        (top, total, Some(serde_json::to_value(&aggs).map_err(|e| SearchError::Invalid(e.to_string()))?))
    } else {
        let (top, total) = searcher.search(query.as_ref(), &(top_docs, Count))?;
        (top, total, None)
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
        for t in &tags {
            if words.contains(&norm(t)) {
                highlights.push(Highlight { field: "tag".into(), fragment: format!("<b>{t}</b>") });
            }
        }
        for key in &pii {
            if let Some(h) = highlight(&key.replace('.', " ").replace('_', " "), &words) {
                highlights.push(Highlight { field: "pii".into(), fragment: h });
            }
        }
        hits.push(Hit { kind: first(f.kind), id: first(f.doc_id), qualified_name: first(f.qualified_name), score, highlights, pii, tags });
    }

    let mut facets = Vec::new();
    if let Some(agg_json) = agg_json {
        for name in ["kind", "source", "namespace", "pii", "tag"] {
            let values: Vec<(String, u64)> = agg_json[name]["buckets"]
                .as_array()
                .map(|b| b.iter().filter_map(|x| Some((x["key"].as_str()?.to_string(), x["doc_count"].as_u64()?))).collect())
                .unwrap_or_default();
            facets.push(Facet { name: name.into(), values });
        }
    }
    Ok(SearchResults { hits, total, facets })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_whole_words() {
        let words: BTreeSet<String> = ["email".to_string(), "customer".to_string()].into();
        assert_eq!(highlight("Login e-mail of the customers", &words).as_deref(), Some("Login e-mail of the <b>customers</b>"));
        assert_eq!(highlight("cust_email", &words).as_deref(), Some("<b>cust_email</b>"));
        assert_eq!(highlight("nothing here", &words), None);
    }
}
