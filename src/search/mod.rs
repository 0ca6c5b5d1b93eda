//! Search: a tantivy index over datasets and columns (names split into words with synonyms,
//! comments, curated descriptions, tags, personal-data categories, type family, source,
//! namespace, owner), kept current from the store's outbox and rebuilt from the store whenever it
//! is missing or its format changed. The store stays the source of truth. Owns the index
//! directory and the outbox table ([`crate::outbox`]).

mod documents;

mod query;
pub mod synonyms;

use crate::catalog::{Catalog, CatalogError};
use crate::classify::words::split_identifier;
use crate::outbox;
use documents::DatasetDoc;
pub use query::{personal_data_filters, Facet, FieldMatch, Hit, SearchRequest, SearchResults};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use synonyms::Synonyms;
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING};
use tantivy::tokenizer::{LowerCaser, TextAnalyzer, WhitespaceTokenizer};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Bumped whenever the schema, the analysis or the document order changes: an index of
/// another version is rebuilt. 4: documents ordered by name (`cluster_key`). 5: owners.
/// 6: only the fields a hit shows are stored. 7: removed columns of live datasets, marked
/// removed. 8: which sparse fields a document has (`has`); words of letters and digits kept
/// whole (`b2b`).
/// 9: file datasets' location (stored) and format and path words (context).
pub const FORMAT_VERSION: &str = "9";
const VERSION_FILE: &str = "almanac-index-format";
const POSITION_FILE: &str = "outbox-position";
/// The identity of the store the index was built from (see `store::identity`).
const IDENTITY_FILE: &str = "store-identity";
/// Present while a rebuild runs: an index left with it was cut off half-way.
const REBUILDING_FILE: &str = "rebuild-incomplete";
const WORDS: &str = "almanac_words";

/// Search settings, from the `[search]` configuration section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// Where the index lives (default: `search-index` beside an SQLite store, else
    /// `./almanac-data/search-index`).
    pub index_dir: Option<String>,
    /// Extra synonyms: `cust = ["customer"]`.
    pub synonyms: BTreeMap<String, Vec<String>>,
}

impl SearchConfig {
    /// Checks the configured synonyms against the bounds every search relies on.
    pub fn validate(&self) -> Result<(), String> {
        use synonyms::{MAX_SYNONYMS_PER_WORD, MAX_SYNONYM_WORDS};
        for (word, alternatives) in &self.synonyms {
            if alternatives.len() > MAX_SYNONYMS_PER_WORD {
                return Err(format!("search.synonyms.{word}: at most {MAX_SYNONYMS_PER_WORD} synonyms per word"));
            }
            if let Some(long) = alternatives.iter().find(|a| crate::classify::words::split_identifier(a).len() > MAX_SYNONYM_WORDS) {
                return Err(format!("search.synonyms.{word}: `{long}` has more than {MAX_SYNONYM_WORDS} words"));
            }
        }
        Ok(())
    }
}

/// Why a search or an index update failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("cannot open the search index at {path}: {message}")]
    Open { path: String, message: String },
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("invalid search: {0}")]
    Invalid(String),
    #[error(
        "the search index at {0} is in use by another process (a server, or a rebuild); give this one an index of its own with [search] index_dir, or stop the other"
    )]
    InUse(String),
    #[error("search failed: {0}")]
    Internal(String),
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub doc_id: Field,
    pub kind: Field,
    pub dataset_id: Field,
    pub source: Field,
    pub namespace: Field,
    pub qualified_name: Field,
    pub name: Field,
    pub name_joined: Field,
    pub name_words: Field,
    pub context_words: Field,
    pub comment: Field,
    pub comment_words: Field,
    pub description: Field,
    pub description_words: Field,
    pub tags: Field,
    pub tag_words: Field,
    pub owner: Field,
    pub location: Field,
    pub all_words: Field,
    pub pii: Field,
    pub pii_short: Field,
    pub pii_words: Field,
    pub type_family: Field,
    pub dataset_kind: Field,
    pub removed: Field,
    pub has: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer(WORDS).set_index_option(IndexRecordOption::WithFreqsAndPositions));
    let f = Fields {
        doc_id: b.add_text_field("doc_id", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED | FAST),
        // Stored are only the fields a hit shows: the rest is for filters and facets.
        dataset_id: b.add_u64_field("dataset_id", INDEXED),
        source: b.add_text_field("source", STRING | FAST),
        namespace: b.add_text_field("namespace", STRING | FAST),
        qualified_name: b.add_text_field("qualified_name", STORED),
        name: b.add_text_field("name", STORED),
        // Scored fields keep frequencies: a query made only of such terms can skip whole
        // blocks of postings that cannot reach the top (block-max WAND).
        name_joined: b.add_text_field(
            "name_joined",
            TextOptions::default()
                .set_indexing_options(TextFieldIndexing::default().set_tokenizer("raw").set_index_option(IndexRecordOption::WithFreqs)),
        ),
        name_words: b.add_text_field("name_words", words.clone()),
        context_words: b.add_text_field("context_words", words.clone()),
        comment: b.add_text_field("comment", STORED),
        comment_words: b.add_text_field("comment_words", words.clone()),
        description: b.add_text_field("description", STORED),
        description_words: b.add_text_field("description_words", words.clone()),
        tags: b.add_text_field("tags", STRING | STORED | FAST),
        tag_words: b.add_text_field("tag_words", words.clone()),
        // The owner whole, for the `owner:` filter and its facet; its words are context.
        owner: b.add_text_field("owner", STRING | STORED | FAST),
        // A file dataset's folder or file URL, shown with its hits (its words are context).
        location: b.add_text_field("location", STORED),
        // Every word of the document in one field, name words repeated so they weigh more:
        // the fast first pass of a search looks only here.
        all_words: b.add_text_field(
            "all_words",
            TextOptions::default()
                .set_indexing_options(TextFieldIndexing::default().set_tokenizer(WORDS).set_index_option(IndexRecordOption::WithFreqs)),
        ),
        pii: b.add_text_field("pii", STRING | STORED | FAST),
        pii_short: b.add_text_field("pii_short", STRING),
        pii_words: b.add_text_field("pii_words", words),
        type_family: b.add_text_field("type_family", STRING | FAST),
        dataset_kind: b.add_text_field("dataset_kind", STRING),
        removed: b.add_u64_field("removed", INDEXED | FAST),
        // Which of the fields most documents lack this one has (`description`, `comment`,
        // `tag`, `pii`): how many documents hold each, for their length normalization.
        has: b.add_text_field("has", STRING),
    };
    (b.build(), f)
}

/// A word as indexed and queried: folded, and singular when a plain plural.
pub(crate) fn norm(word: &str) -> String {
    normalized(word).to_string()
}

/// `norm` without a copy.
pub(crate) fn normalized(word: &str) -> &str {
    if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") && !word.ends_with("is") {
        &word[..word.len() - 1]
    } else {
        word
    }
}

/// The words of a whole document for the `all_words` field: name and description words three
/// times, tag words twice, the rest once.
struct AllWords(String);

impl AllWords {
    fn new(name_words: &str, context_words: &str) -> AllWords {
        let mut all = AllWords(String::with_capacity(256));
        all.add(name_words, 3);
        all.add(context_words, 1);
        all
    }
    fn add(&mut self, words: &str, times: usize) {
        for _ in 0..times {
            self.0.push(' ');
            self.0.push_str(words);
        }
    }
}

/// The search index.
pub struct SearchIndex {
    reader: IndexReader,
    /// None when another process holds the index: then this one only reads.
    writer: Option<Mutex<IndexWriter>>,
    pub(crate) f: Fields,
    pub(crate) synonyms: Synonyms,
    dir: PathBuf,
    /// One search at a time per core: queued searches wait their turn in order instead of
    /// all sharing the cores, which keeps the slowest responses close to the typical ones.
    slots: tokio::sync::Semaphore,
}

/// The index directory of a store: the configured one, else beside an SQLite store's file
/// (`catalog.db.search-index`), else a folder named after the store's identity under
/// `./almanac-data`. Each store thus has its own: two SQLite files in one folder never share.
pub fn index_dir(store: &str, config: &SearchConfig, identity: &str) -> PathBuf {
    if let Some(d) = &config.index_dir {
        return PathBuf::from(d);
    }
    match crate::store::sqlite_path(store).filter(|p| *p != ":memory:") {
        Some(p) => {
            let mut name = Path::new(p).file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "catalog".into());
            name.push(".search-index");
            Path::new(p).with_file_name(name)
        }
        None => PathBuf::from(format!("./almanac-data/search-index-{}", &identity[..identity.len().min(16)])),
    }
}

/// Whether this process must write the index (a server keeps it current; a rebuild rewrites it)
/// or may only read it when another process writes it (a search from the shell).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexAccess {
    Write,
    ReadOrWrite,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when missing. Returns whether it must be rebuilt
    /// from the store (new, of another format version, or left half-rebuilt by a process
    /// that stopped; one that is still rebuilding holds the writer, and then this process
    /// only reads).
    pub fn open(dir: &Path, config: &SearchConfig, identity: &str, access: IndexAccess) -> Result<(SearchIndex, bool), SearchError> {
        let open_err = |e: &dyn std::fmt::Display| SearchError::Open { path: dir.display().to_string(), message: e.to_string() };
        let version = std::fs::read_to_string(dir.join(VERSION_FILE)).ok();
        let built_from = std::fs::read_to_string(dir.join(IDENTITY_FILE)).ok();
        // Another format, or the index of another store: rebuilt from this one.
        let fresh = version.as_deref().map(str::trim) != Some(FORMAT_VERSION) || built_from.as_deref().map(str::trim) != Some(identity);
        if fresh && tantivy_writer_locked(dir) {
            return Err(SearchError::InUse(dir.display().to_string()));
        }
        if fresh && dir.exists() {
            // Another format (or a half-made index): start over; the store has everything.
            std::fs::remove_dir_all(dir).map_err(|e| open_err(&e))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| open_err(&e))?;
        let (schema, f) = schema();
        let index = if fresh {
            Index::create_in_dir(dir, schema).map_err(|e| open_err(&e))?
        } else {
            Index::open_in_dir(dir).map_err(|e| open_err(&e))?
        };
        index.tokenizers().register(WORDS, TextAnalyzer::builder(WhitespaceTokenizer::default()).filter(LowerCaser).build());
        // One indexing thread: documents keep the order they are added in (a rebuild orders
        // them by name, see `cluster_key`), so the same store always gives the same index and
        // the same ranking of ties. A second thread made a 1M-column rebuild no faster on two
        // cores, where reading the store and analysis take the other one.
        let writer = match index.writer_with_num_threads(1, 64_000_000) {
            Ok(w) => Some(Mutex::new(w)),
            Err(tantivy::TantivyError::LockFailure(..)) if !fresh && access == IndexAccess::ReadOrWrite => None,
            Err(tantivy::TantivyError::LockFailure(..)) => return Err(SearchError::InUse(dir.display().to_string())),
            Err(e) => return Err(e.into()),
        };
        let fresh = fresh || (writer.is_some() && dir.join(REBUILDING_FILE).exists());
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        if fresh {
            std::fs::write(dir.join(VERSION_FILE), FORMAT_VERSION).map_err(|e| open_err(&e))?;
            std::fs::write(dir.join(IDENTITY_FILE), identity).map_err(|e| open_err(&e))?;
            let _ = std::fs::remove_file(dir.join(POSITION_FILE));
        }
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let slots = tokio::sync::Semaphore::new(cores);
        let index = SearchIndex { reader, writer, f, synonyms: Synonyms::new(&config.synonyms), dir: dir.to_path_buf(), slots };
        Ok((index, fresh))
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, SearchError> {
        self.writer
            .as_ref()
            .ok_or_else(|| SearchError::Invalid("the index is being written by another process".into()))?
            .lock()
            .map_err(|_| SearchError::Invalid("index writer poisoned".into()))
    }

    /// Whether this process may write the index (another process may hold it).
    pub fn writable(&self) -> bool {
        self.writer.is_some()
    }

    fn position(&self) -> i64 {
        std::fs::read_to_string(self.dir.join(POSITION_FILE)).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
    }

    fn set_position(&self, pos: i64) -> Result<(), SearchError> {
        let tmp = self.dir.join(format!("{POSITION_FILE}.tmp"));
        std::fs::write(&tmp, pos.to_string())
            .and_then(|_| std::fs::rename(&tmp, self.dir.join(POSITION_FILE)))
            .map_err(|e| SearchError::Open { path: self.dir.display().to_string(), message: e.to_string() })
    }

    fn words(&self, text: &str) -> String {
        self.synonyms.index_words(text).iter().map(|w| norm(w)).collect::<Vec<_>>().join(" ")
    }

    fn plain_words(text: &str) -> String {
        split_identifier(text).iter().map(|w| norm(w)).collect::<Vec<_>>().join(" ")
    }

    /// Adds the personal-data fields; returns their words.
    fn pii_fields(&self, doc: &mut TantivyDocument, pii: &[String]) -> Option<String> {
        if pii.is_empty() {
            return None;
        }
        doc.add_text(self.f.pii_short, "any");
        doc.add_text(self.f.has, "pii");
        let mut words = Vec::new();
        for key in pii {
            doc.add_text(self.f.pii, key);
            doc.add_text(self.f.pii_short, key);
            let rest = key.strip_prefix("user.").unwrap_or(key);
            doc.add_text(self.f.pii_short, rest);
            for part in rest.split('.') {
                doc.add_text(self.f.pii_short, part);
            }
            words.push(Self::plain_words(&rest.replace('.', " ")));
        }
        words.push("personal data pii".into());
        let words = words.join(" ");
        doc.add_text(self.f.pii_words, words.clone());
        Some(words)
    }

    fn documents(&self, doc: &DatasetDoc) -> Vec<TantivyDocument> {
        let f = &self.f;
        let d = &doc.dataset;
        let qn = crate::catalog::names::QualifiedName::dataset(&d.source, &d.namespace, &d.name);
        let removed = u64::from(d.removed);
        let mut out = Vec::with_capacity(d.columns.len() + 1);
        let name_words = self.words(&d.name);
        let owner_words = d.owner.as_deref().map(Self::plain_words).unwrap_or_default();
        // A file dataset's format and the folders of its path (below the bucket or root).
        let file_words = match (&d.format, &d.location) {
            (Some(format), Some(location)) => {
                let path = location.split_once("://").map_or(location.as_str(), |(_, p)| p);
                format!(" {} {}", format, self.words(&path.replace('/', " ")))
            }
            _ => String::new(),
        };
        // A column's context: its dataset's name and owner.
        let column_context = name_words.clone() + " " + &owner_words + &file_words;
        // Where it lives and who answers for it.
        let context_words = self.words(&format!("{} {}", d.source, d.namespace)) + " " + &owner_words + &file_words;
        let mut ds = doc!(
            f.doc_id => format!("ds_{}", d.id),
            f.kind => "dataset",
            f.dataset_id => d.id as u64,
            f.source => d.source.clone(),
            f.namespace => d.namespace.clone(),
            f.qualified_name => qn.to_string(),
            f.name => d.name.clone(),
            f.name_joined => split_identifier(&d.name).iter().map(|w| norm(w)).collect::<String>(),
            f.name_words => name_words.clone(),
            f.context_words => context_words.clone(),
            f.type_family => d.kind.clone(),
            f.dataset_kind => d.kind.clone(),
            f.removed => removed,
        );
        let mut all = AllWords::new(&name_words, &context_words);
        if let Some(c) = &d.comment {
            let w = self.words(c);
            all.add(&w, 1);
            ds.add_text(f.comment, c);
            ds.add_text(f.comment_words, w);
            ds.add_text(f.has, "comment");
        }
        if let Some(c) = &d.description {
            let w = self.words(c);
            all.add(&w, 3);
            ds.add_text(f.description, c);
            ds.add_text(f.description_words, w);
            ds.add_text(f.has, "description");
        }
        for t in &d.tags {
            let w = norm(&t.to_lowercase());
            all.add(&w, 2);
            ds.add_text(f.tags, t);
            ds.add_text(f.tag_words, w);
        }
        if !d.tags.is_empty() {
            ds.add_text(f.has, "tag");
        }
        let pii: Vec<String> = {
            let live = d.columns.iter().filter(|c| !c.removed);
            let mut all: Vec<String> = live.flat_map(|c| doc.pii_of(c.id).iter().cloned()).collect();
            all.sort();
            all.dedup();
            all
        };
        if let Some(l) = &d.location {
            ds.add_text(f.location, l);
        }
        if let Some(o) = &d.owner {
            ds.add_text(f.owner, o);
        }
        if let Some(w) = self.pii_fields(&mut ds, &pii) {
            all.add(&w, 1);
        }
        ds.add_text(f.all_words, all.0);
        out.push(ds);
        for c in &d.columns {
            let name_words = self.words(&c.name);
            let context_words = column_context.clone();
            let mut all = AllWords::new(&name_words, &context_words);
            let mut col = doc!(
                f.doc_id => format!("col_{}", c.id),
                f.kind => "column",
                f.dataset_id => d.id as u64,
                f.source => d.source.clone(),
                f.namespace => d.namespace.clone(),
                f.qualified_name => qn.with_column(&c.name).to_string(),
                f.name => c.name.clone(),
                f.name_joined => split_identifier(&c.name).iter().map(|w| norm(w)).collect::<String>(),
                f.name_words => name_words,
                f.context_words => context_words,
                f.type_family => c.type_family.clone(),
                f.dataset_kind => d.kind.clone(),
                f.removed => removed | u64::from(c.removed),
            );
            if let Some(t) = &c.comment {
                let w = self.words(t);
                all.add(&w, 1);
                col.add_text(f.comment, t);
                col.add_text(f.comment_words, w);
                col.add_text(f.has, "comment");
            }
            // A curated description and the meaning in effect weigh alike, and like the name.
            let mut described = false;
            for t in c.description.as_deref().into_iter().chain(doc.meaning_of(c.id)) {
                let w = self.words(t);
                all.add(&w, 3);
                col.add_text(f.description, t);
                col.add_text(f.description_words, w);
                described = true;
            }
            if described {
                col.add_text(f.has, "description");
            }
            for t in &c.tags {
                let w = norm(&t.to_lowercase());
                all.add(&w, 2);
                col.add_text(f.tags, t);
                col.add_text(f.tag_words, w);
            }
            if !c.tags.is_empty() {
                col.add_text(f.has, "tag");
            }
            if let Some(l) = &d.location {
                col.add_text(f.location, l);
            }
            if let Some(o) = &d.owner {
                col.add_text(f.owner, o);
            }
            if let Some(w) = self.pii_fields(&mut col, doc.pii_of(c.id)) {
                all.add(&w, 1);
            }
            col.add_text(f.all_words, all.0);
            out.push(col);
        }
        out
    }

    /// Replaces the documents of these datasets (deleted ones just disappear) and commits.
    fn replace(&self, ids: &[i64], docs: &[DatasetDoc]) -> Result<(), SearchError> {
        let batch = self.clustered(docs);
        let mut writer = self.writer()?;
        for id in ids {
            writer.delete_term(Term::from_field_u64(self.f.dataset_id, *id as u64));
        }
        for doc in batch {
            writer.add_document(doc)?;
        }
        writer.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Where a document goes in a batch written to the index (a rebuild's, or re-indexed
    /// datasets'): datasets apart from columns, then by name words. Columns of one name are common across tables (`customer_id`, `created_at`);
    /// kept together, each block of postings holds documents alike, so a block's best score
    /// is close to every document's in it and block-max WAND skips most blocks of a common
    /// word. Searches that mix two common words got several times faster (bench_search).
    fn cluster_key(&self, doc: &TantivyDocument) -> String {
        use tantivy::schema::Value;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default();
        format!("{}\u{0}{}", text(self.f.kind), text(self.f.name_words))
    }

    /// The documents of these datasets, in cluster order (see `cluster_key`).
    fn clustered(&self, docs: &[DatasetDoc]) -> Vec<TantivyDocument> {
        let mut batch: Vec<(String, TantivyDocument)> =
            docs.iter().flat_map(|d| self.documents(d)).map(|doc| (self.cluster_key(&doc), doc)).collect();
        // Stable: within one name, the order of the store.
        batch.sort_by(|a, b| a.0.cmp(&b.0));
        batch.into_iter().map(|(_, doc)| doc).collect()
    }

    fn mark_rebuilding(&self, on: bool) -> Result<(), SearchError> {
        let path = self.dir.join(REBUILDING_FILE);
        let done = if on { std::fs::write(&path, "") } else { std::fs::remove_file(&path) };
        done.map_err(|e| SearchError::Open { path: path.display().to_string(), message: e.to_string() })
    }

    /// Runs CPU-heavy index work (analysis, adding documents, commits, merges) on a blocking
    /// thread, so async workers stay free for requests.
    async fn blocking<T: Send + 'static>(
        self: &std::sync::Arc<Self>,
        work: impl FnOnce(&SearchIndex) -> Result<T, SearchError> + Send + 'static,
    ) -> Result<T, SearchError> {
        let index = self.clone();
        tokio::task::spawn_blocking(move || work(&index)).await.map_err(|e| SearchError::Internal(e.to_string()))?
    }

    /// Rebuilds the whole index from the store. Returns the number of datasets indexed. A
    /// rebuild cut off half-way is started again at the next open.
    pub async fn rebuild(self: &std::sync::Arc<Self>, catalog: &Catalog) -> Result<usize, SearchError> {
        // Changes made while rebuilding are in the outbox after this position.
        let head = outbox::head(catalog.connection()).await.map_err(CatalogError::from)?;
        let ids = catalog.all_dataset_ids().await?;
        self.mark_rebuilding(true)?;
        self.blocking(|index| {
            let mut writer = index.writer()?;
            // No background merges while rebuilding: the one merge at the end must find every
            // segment it names (a background merge may have replaced some of them).
            writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
            writer.delete_all_documents()?;
            writer.commit()?;
            Ok(())
        })
        .await?;
        let mut count = 0;
        // Reading the next chunk while this one is analysed was tried: on two cores, where
        // reading, analysis and the indexing thread already keep both busy, it was no faster.
        for chunk in ids.chunks(2_000) {
            let docs = documents::index_documents(catalog, chunk).await?;
            count += docs.len();
            self.blocking(move |index| {
                let batch = index.clustered(&docs);
                let writer = index.writer()?;
                for doc in batch {
                    writer.add_document(doc)?;
                }
                Ok(())
            })
            .await?;
        }
        self.blocking(|index| {
            let mut writer = index.writer()?;
            writer.commit()?;
            // One segment: a search then walks one set of postings instead of one per segment.
            let segments = index.reader.searcher().index().searchable_segment_ids()?;
            if segments.len() > 1 {
                writer.merge(&segments).wait()?;
            }
            writer.set_merge_policy(Box::new(tantivy::indexer::LogMergePolicy::default()));
            writer.garbage_collect_files().wait()?;
            drop(writer);
            index.reader.reload()?;
            Ok(())
        })
        .await?;
        self.set_position(head)?;
        self.mark_rebuilding(false)?;
        Ok(count)
    }

    /// Applies outbox entries past this index's position. Returns the datasets re-indexed.
    pub async fn catch_up(self: &std::sync::Arc<Self>, catalog: &Catalog) -> Result<usize, SearchError> {
        if !self.writable() {
            // The process that holds the writer keeps the index current.
            self.reader.reload()?;
            return Ok(0);
        }
        let mut total = 0;
        loop {
            let pos = self.position();
            let (last, ids) = outbox::after(catalog.connection(), pos, 5_000).await.map_err(CatalogError::from)?;
            if last == pos {
                return Ok(total);
            }
            let count = ids.len();
            let docs = documents::index_documents(catalog, &ids).await?;
            self.blocking(move |index| index.replace(&ids, &docs)).await?;
            self.set_position(last)?;
            total += count;
        }
    }

    /// Number of documents (datasets and columns).
    pub fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Runs a search (CPU-bound: call from a blocking thread, or use `run`).
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        query::run(self, &self.reader.searcher(), request)
    }

    /// The scores of the top matches by the full ranking over every match: the reference the
    /// fast two-pass search is measured against (slow; for benchmarks and checks).
    pub fn exhaustive_scores(&self, request: &SearchRequest) -> Result<Vec<f32>, SearchError> {
        query::exhaustive_scores(self, &self.reader.searcher(), request)
    }

    /// Runs a search from async code: waits for a free core (first come, first served), then
    /// searches.
    pub async fn run(self: &std::sync::Arc<Self>, request: SearchRequest) -> Result<SearchResults, SearchError> {
        let _slot = self.slots.acquire().await.map_err(|_| SearchError::Internal("the search index is closing".into()))?;
        if !request.count && !request.facets {
            // A ranked search is short (a pass over the postings that can still reach the top
            // plus a pool of candidates): handing it to a blocking thread and back costs more
            // than it does. Measured with bench_search: about 25% more searches per second.
            return self.search(&request);
        }
        // Counts and facets visit every match: keep them off the async workers.
        let index = self.clone();
        tokio::task::spawn_blocking(move || index.search(&request)).await.map_err(|e| SearchError::Internal(e.to_string()))?
    }
}

/// Runs a search for `catalog`'s actor. A search filtered by personal-data category (`pii:`)
/// lists where personal data lives: like every such listing, it is recorded in the audit log
/// (through [`crate::privacy::inventory::record_listing`]).
pub async fn search_as(
    index: &std::sync::Arc<SearchIndex>,
    catalog: &Catalog,
    mut request: SearchRequest,
) -> Result<SearchResults, SearchError> {
    let pii = personal_data_filters(&request);
    if request.query.contains("source:") || request.filters.iter().any(|f| f.trim_start().starts_with("source:")) {
        request.sources = catalog.sources().await?.into_iter().map(|s| s.name).collect();
    }
    let asked = serde_json::json!({ "query": request.query, "filters": request.filters, "categories": pii });
    let results = index.run(request).await?;
    if !pii.is_empty() {
        crate::privacy::inventory::record_listing(catalog, &[], crate::privacy::inventory::ListingVia::Search, asked, results.hits.len())
            .await?;
    }
    Ok(results)
}

/// Opens the index for `store` and brings it up to date: a rebuild when needed, then the
/// outbox. Returns the index and whether it was rebuilt.
pub async fn open_current(
    store: &str,
    config: &SearchConfig,
    catalog: &Catalog,
    access: IndexAccess,
) -> Result<(std::sync::Arc<SearchIndex>, bool), SearchError> {
    let identity = crate::store::identity(catalog.connection()).await.map_err(CatalogError::from)?;
    let dir = index_dir(store, config, &identity);
    let (index, fresh) = SearchIndex::open(&dir, config, &identity, access)?;
    let index = std::sync::Arc::new(index);
    if fresh {
        index.rebuild(catalog).await?;
    }
    index.catch_up(catalog).await?;
    Ok((index, fresh))
}

/// Whether another process holds the writer of the index in `dir` (tantivy's lock file is
/// held through an OS lock, so a file left by a stopped process does not count).
fn tantivy_writer_locked(dir: &Path) -> bool {
    let lock = dir.join(&tantivy::directory::INDEX_WRITER_LOCK.filepath);
    match std::fs::OpenOptions::new().write(true).open(&lock) {
        Ok(file) => match file.try_lock() {
            Ok(()) => {
                let _ = file.unlock();
                false
            }
            Err(_) => true,
        },
        Err(_) => false,
    }
}

/// Follows the outbox in the background so edits are searchable within about a second.
pub fn spawn_follower(index: std::sync::Arc<SearchIndex>, catalog: Catalog) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            if let Err(e) = index.catch_up(&catalog).await {
                tracing::warn!(error = %e, "search index update failed; retrying");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_left_half_rebuilt_is_rebuilt_at_the_next_open() {
        let tmp = tempfile::Builder::new().prefix("almanac-index-test").tempdir().unwrap();
        let dir = tmp.path().join("index");
        let config = SearchConfig::default();
        let (index, fresh) = SearchIndex::open(&dir, &config, "store-a", IndexAccess::Write).unwrap();
        assert!(fresh, "a new index is built from the store");
        index.mark_rebuilding(true).unwrap();
        drop(index);
        // The process stopped half-way: the next one starts over.
        let (index, fresh) = SearchIndex::open(&dir, &config, "store-a", IndexAccess::Write).unwrap();
        assert!(fresh);
        // While this one holds the writer, another process only reads and rebuilds nothing ...
        let (reader, fresh_elsewhere) = SearchIndex::open(&dir, &config, "store-a", IndexAccess::ReadOrWrite).unwrap();
        assert!(!fresh_elsewhere && !reader.writable());
        // ... and one that must write (a second server) is refused, naming the directory.
        let refused = SearchIndex::open(&dir, &config, "store-a", IndexAccess::Write).err().expect("refused");
        assert!(matches!(&refused, SearchError::InUse(d) if d.contains("almanac-index-test")), "{refused}");
        // The index of another store is never read as this one's, nor wiped while in use.
        assert!(matches!(SearchIndex::open(&dir, &config, "store-b", IndexAccess::ReadOrWrite), Err(SearchError::InUse(_))));
        drop((index, reader));
        let (_, rebuilt_for_b) = SearchIndex::open(&dir, &config, "store-b", IndexAccess::Write).unwrap();
        assert!(rebuilt_for_b, "an index built from another store is rebuilt");
    }
}
