//! A data subject's footprint in one source: the rows that match the subject's identifiers
//! through the source's identity keys, and the rows that reference those, transitively,
//! through the live foreign keys. A referencing row in a dataset with identity keys of its own
//! belongs to another person (a customer whose referrer is the subject): it is counted apart
//! as shared, and the search does not go below it. Rows are counted on the source itself, with
//! the identifiers bound as parameters; nothing is read into memory but a bounded list of
//! phone-number spellings to compare in E.164.

use super::source::{trim, without_separators, SourceConnection};
use super::subject::{normalise_stored_phone, phone_country, IdentifierKind, SubjectIdentifier};
use super::ErasureError;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::privacy::entity as classification;
use crate::privacy::ClassificationStatus;
use almanac_scanners::{Dataset, DatasetKind, NoProgress, ScanOptions, Snapshot, TypeFamily};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Foreign keys followed from a matched row at most; deeper chains are reported as cut.
pub const MAX_DEPTH: usize = 8;
/// Ways to reach the datasets of one source, at most (each costs one count on the source).
pub const MAX_ROUTES: usize = 512;
/// Stored spellings of one phone number compared in E.164, at most, per column.
pub const MAX_PHONE_CANDIDATES: u64 = 10_000;

/// What an identity key matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    Email,
    Phone,
    NationalId,
}

impl KeyKind {
    /// The key kind a classification category makes a column, if any.
    pub fn of_category(category: &str) -> Option<KeyKind> {
        match category {
            "user.contact.email" => Some(KeyKind::Email),
            "user.contact.phone_number" => Some(KeyKind::Phone),
            "user.government_id.national_id" => Some(KeyKind::NationalId),
            _ => None,
        }
    }

    /// The classification category of the kind.
    pub fn category(self) -> &'static str {
        match self {
            KeyKind::Email => "user.contact.email",
            KeyKind::Phone => "user.contact.phone_number",
            KeyKind::NationalId => "user.government_id.national_id",
        }
    }

    fn matches(self, kind: &IdentifierKind) -> bool {
        matches!(
            (self, kind),
            (KeyKind::Email, IdentifierKind::Email)
                | (KeyKind::Phone, IdentifierKind::Phone)
                | (KeyKind::NationalId, IdentifierKind::NationalId)
        )
    }
}

/// A column taken to identify a person, from its classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityKey {
    pub namespace: String,
    pub dataset: String,
    pub column: String,
    pub kind: KeyKind,
    /// A steward confirmed (or added) the classification; otherwise only a scan suggested it,
    /// and a plan shows the key as suggested.
    pub confirmed: bool,
    /// The column is a copy, through lineage, of this identity key elsewhere (not classified
    /// itself).
    pub via_lineage: Option<String>,
}

/// The identity keys of a source: its live columns classified as e-mail, phone or national id
/// (not rejected).
pub async fn identity_keys<C: ConnectionTrait>(db: &C, source_id: i64) -> Result<Vec<IdentityKey>, DbErr> {
    let mut by_column: HashMap<i64, Vec<(KeyKind, bool)>> = HashMap::new();
    for (column_id, category, status) in classification::Entity::find()
        .select_only()
        .columns([classification::Column::ColumnId, classification::Column::Category, classification::Column::Status])
        .filter(classification::Column::ColumnId.in_subquery(crate::catalog::live_columns_of_source(source_id)))
        .filter(classification::Column::Status.ne(ClassificationStatus::Rejected))
        .into_tuple::<(i64, String, ClassificationStatus)>()
        .all(db)
        .await?
    {
        if let Some(kind) = KeyKind::of_category(&category) {
            by_column.entry(column_id).or_default().push((kind, status != ClassificationStatus::Suggested));
        }
    }
    let copies = lineage_copies(db).await?;
    let origins: Vec<i64> = copies.values().flatten().map(|(_, origin)| *origin).collect();
    let (origin_names, _) = crate::catalog::qualified_names(db, &origins, &[]).await?;
    let mut keys = Vec::new();
    for shape in crate::catalog::source_schema(db, source_id).await? {
        for (name, id) in &shape.columns {
            let own = by_column.get(id).map(Vec::as_slice).unwrap_or_default();
            for (kind, confirmed) in own {
                keys.push(IdentityKey {
                    namespace: shape.namespace.clone(),
                    dataset: shape.name.clone(),
                    column: name.clone(),
                    kind: *kind,
                    confirmed: *confirmed,
                    via_lineage: None,
                });
            }
            // A copy of an identity key is one too, of the same kind, unless the column is
            // classified as that kind itself.
            let mut seen: HashSet<KeyKind> = own.iter().map(|(k, _)| *k).collect();
            for (kind, origin) in copies.get(id).into_iter().flatten() {
                if seen.insert(*kind) {
                    keys.push(IdentityKey {
                        namespace: shape.namespace.clone(),
                        dataset: shape.name.clone(),
                        column: name.clone(),
                        kind: *kind,
                        confirmed: false,
                        via_lineage: Some(origin_names.get(origin).map(|n| n.to_string()).unwrap_or_else(|| format!("column {origin}"))),
                    });
                }
            }
        }
    }
    keys.sort_by(|a, b| (&a.namespace, &a.dataset, &a.column).cmp(&(&b.namespace, &b.dataset, &b.column)));
    Ok(keys)
}

/// Columns fed through lineage (identity edges: the value copied as it is) from an identity
/// key anywhere in the catalog: column id -> (kind, the identity key's column id).
async fn lineage_copies<C: ConnectionTrait>(db: &C) -> Result<HashMap<i64, Vec<(KeyKind, i64)>>, DbErr> {
    let categories = ["user.contact.email", "user.contact.phone_number", "user.government_id.national_id"];
    let classified: Vec<(i64, String, ClassificationStatus)> = classification::Entity::find()
        .select_only()
        .columns([classification::Column::ColumnId, classification::Column::Category, classification::Column::Status])
        .filter(classification::Column::Category.is_in(categories))
        .into_tuple()
        .all(db)
        .await?;
    let mut seeds = Vec::new();
    let mut rejected = HashSet::new();
    for (column, category, status) in classified {
        if status == ClassificationStatus::Rejected {
            rejected.insert((column, category));
        } else {
            seeds.push((column, category));
        }
    }
    // Only the edges downstream of the keys: one walk per key column, not the whole graph.
    use crate::lineage::graph::{walk_ids, Direction, Start};
    let mut edges = Vec::new();
    let mut seen = HashSet::new();
    let starts: std::collections::BTreeSet<i64> = seeds.iter().map(|(c, _)| *c).collect();
    for start in starts {
        let (walked, _) = walk_ids(db, Start::Column(start), Direction::Down, crate::lineage::propagate::MAX_HOPS as u32, 10_000).await?;
        for e in walked {
            if let (true, Some(from), Some(to)) = (seen.insert(e.id), e.from_column, e.to_column) {
                // Only exact copies: a transformed value (a hash, a domain) never equals the
                // identifier, and a column fed by one is no key.
                if e.kind == crate::lineage::EdgeKind::Identity {
                    edges.push((from, to, e.kind));
                }
            }
        }
    }
    let mut out: HashMap<i64, Vec<(KeyKind, i64)>> = HashMap::new();
    for p in crate::lineage::propagate::propagate_over(&edges, &seeds, &rejected) {
        if let Some(kind) = KeyKind::of_category(&p.category) {
            out.entry(p.column_id).or_default().push((kind, p.origin_column_id));
        }
    }
    Ok(out)
}

/// How the rows of a dataset were reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Reach {
    /// Rows whose identity key holds one of the subject's identifiers (`lineage_from`: the key
    /// this column copies, when it is a copy found through lineage).
    IdentityKey {
        column: String,
        kind: String,
        confirmed: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lineage_from: Option<String>,
    },
    /// Rows whose value in the named column is the subject's identifier.
    NamedColumn { column: String },
    /// Rows referencing reached rows of `parent` through a foreign key.
    ForeignKey { parent: String, columns: Vec<String>, referenced_columns: Vec<String>, depth: usize },
}

/// One dataset of the footprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FootprintDataset {
    pub namespace: String,
    pub dataset: String,
    /// Rows of the subject found, counted on the source.
    pub rows: i64,
    /// The ways those rows were found (a row may be found several ways; it counts once).
    pub reached_by: Vec<Reach>,
    /// Rows of other people that reference the subject's rows (not among `rows`).
    pub shared_rows: i64,
    /// The foreign keys through which they reference them.
    pub shared_by: Vec<Reach>,
    /// Every column those rows reference the subject's through may hold NULL: the reference
    /// can be removed without touching the rest of the row.
    pub shared_nullable: bool,
    /// Some rows were found from an identity key only a scan suggested.
    pub through_suggested_keys: bool,
    /// Position in the order the found datasets' rows can be deleted in (referencing rows
    /// first).
    pub deletion_rank: usize,
    /// Foreign keys (their columns) of the subject's rows here to set to NULL before any row
    /// is deleted: the references that close a cycle among the datasets found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub detach: Vec<Vec<String>>,
}

/// Where a data subject's rows are in one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Footprint {
    pub source: String,
    /// Datasets holding rows of the subject (or rows referencing them), in namespace and
    /// name order.
    pub datasets: Vec<FootprintDataset>,
    /// The identity keys searched.
    pub identity_keys: Vec<IdentityKey>,
    /// Foreign-key paths not followed: deeper than [`MAX_DEPTH`] (a long chain, or a cycle in
    /// the data), or beyond [`MAX_ROUTES`] routes. Rows beyond them need a person's look.
    pub cut: Vec<String>,
    /// Datasets with identity keys that hold copies no statement here can remove
    /// (materialized views, foreign tables), each with what a person should do.
    pub copies: Vec<String>,
}

/// The subject's footprint in the registered source `source_name`, read on the live source
/// (its schema and its rows) with the catalog's identity keys.
pub async fn find(
    catalog: &Catalog,
    config: &Config,
    source_name: &str,
    subjects: &[SubjectIdentifier],
) -> Result<Footprint, ErasureError> {
    Ok(locate_read_only(catalog, config, source_name, subjects).await?.footprint)
}

/// [`locate`] over a read-only connection of its own, closed before returning.
pub(crate) async fn locate_read_only(
    catalog: &Catalog,
    config: &Config,
    source_name: &str,
    subjects: &[SubjectIdentifier],
) -> Result<Located, ErasureError> {
    let (mut conn, source) = connect(catalog, config, source_name, false).await?;
    let located = locate(catalog, config, &mut conn, &source, subjects).await;
    conn.close().await;
    located
}

/// A registered SQL source, connected (read-only unless `write`).
pub(crate) async fn connect(
    catalog: &Catalog,
    config: &Config,
    source_name: &str,
    write: bool,
) -> Result<(SourceConnection, crate::catalog::Source), ErasureError> {
    let source = catalog.source_by_name(source_name).await?;
    let url = crate::scanning::connection_url(&source, config)
        .map_err(|e| ErasureError::Unreachable { source_name: source.name.clone(), message: e.to_string() })?;
    let conn = SourceConnection::open(&source.name, &url, write).await?;
    Ok((conn, source))
}

/// What selects the subject's rows in one dataset, for statements beyond counting.
pub(crate) struct Selection {
    /// The subject's own rows.
    pub own: Option<Condition>,
    /// Rows of other people referencing the subject's rows, by the foreign-key columns they
    /// do it through (whether all of them may hold NULL) and the condition of that route.
    pub shared: Vec<(Vec<String>, bool, Condition)>,
    /// The single-column integer or text primary key, to delete by key.
    pub key: Option<(String, TypeFamily)>,
    /// The dataset's columns in order, to read the subject's rows (access requests).
    pub columns: Vec<String>,
    /// The rows matching the subject's identifiers in this dataset's own identity keys: what
    /// must no longer match once its rows are anonymised.
    pub direct: Option<Condition>,
    /// The live columns, for anonymisation to respect NOT NULL, UNIQUE and length limits.
    pub live: Vec<almanac_scanners::Column>,
    /// Columns in the primary key or in a foreign key, either side.
    pub key_columns: HashSet<String>,
}

/// A footprint with what statements need: each dataset's selection, and a fingerprint of the
/// live schema of the datasets involved and of the counts (execution refuses to run when it
/// differs from the approved plan's).
pub(crate) struct Located {
    pub footprint: Footprint,
    /// The source's dialect, to show the statements a plan will run.
    pub dialect: super::source::Dialect,
    /// Every value bound from the subject's identifiers (their normalised values and the
    /// stored spellings of their phone numbers): shown statements replace them.
    pub secrets: HashSet<String>,
    pub selections: BTreeMap<TableKey, Selection>,
    pub fingerprint: String,
}

/// Locates the subject in `source` over `conn`: the live schema read with the scanner, the
/// identity keys from the catalog.
pub(crate) async fn locate(
    catalog: &Catalog,
    config: &Config,
    conn: &mut SourceConnection,
    source: &crate::catalog::Source,
    subjects: &[SubjectIdentifier],
) -> Result<Located, ErasureError> {
    let url = crate::scanning::connection_url(source, config)
        .map_err(|e| ErasureError::Unreachable { source_name: source.name.clone(), message: e.to_string() })?;
    let keys = identity_keys(catalog.connection(), source.id).await?;
    // The live schema, not the catalog's: keys and columns added since the last scan count.
    let options = ScanOptions { sample_rows: 0, ..config.scan_options(&source.name, Some(0)) };
    let live = almanac_scanners::scan(&url, &options, &NoProgress)
        .await
        .map_err(|e| ErasureError::Unreachable { source_name: source.name.clone(), message: e.to_string() })?;
    search(conn, &source.name, &live, keys, subjects).await
}

pub(crate) type TableKey = (String, String);

/// A way to the rows of one dataset: the condition that selects them, and how it was built.
struct Route {
    table: TableKey,
    condition: Condition,
    reach: Reach,
    depth: usize,
    /// Foreign keys followed to get here, by (child, name or columns).
    path: Vec<String>,
    /// The route starts at an identity key no steward confirmed.
    suggested: bool,
    /// The route enters, through a foreign key, a dataset with identity keys of its own:
    /// its rows are other people's. The foreign-key columns and whether all may hold NULL.
    shared: Option<(Vec<String>, bool)>,
}

async fn search(
    conn: &mut SourceConnection,
    source: &str,
    live: &Snapshot,
    keys: Vec<IdentityKey>,
    subjects: &[SubjectIdentifier],
) -> Result<Located, ErasureError> {
    // Only tables hold rows a statement can remove: views show rows of tables, and the
    // copies a materialized view or a foreign table holds are listed for a person.
    let all: HashMap<TableKey, &Dataset> =
        live.namespaces.iter().flat_map(|ns| ns.datasets.iter().map(move |d| ((ns.name.clone(), d.name.clone()), d))).collect();
    let mut copies: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            let d = all.get(&(k.namespace.clone(), k.dataset.clone()))?;
            let what = match d.kind {
                DatasetKind::MaterializedView => "a materialized view: refresh it once the tables are erased",
                DatasetKind::ForeignTable => "a foreign table: erase the subject at the server it reads",
                _ => return None,
            };
            Some(format!("{}.{} is {what}", k.namespace, k.dataset))
        })
        .collect();
    copies.dedup();
    let datasets: HashMap<TableKey, &Dataset> =
        all.into_iter().filter(|(_, d)| matches!(d.kind, DatasetKind::Table | DatasetKind::PartitionedTable)).collect();
    let query_failed = |table: &TableKey, e: sqlx::Error| ErasureError::Query {
        source_name: source.to_string(),
        dataset: show(table),
        message: redact(&e.to_string(), subjects),
    };
    // A dataset whose rows are people of their own: classified keys, not copies through lineage
    // (a copy of the customer's e-mail in an order line does not make the line a person).
    let keyed: HashSet<TableKey> =
        keys.iter().filter(|k| k.via_lineage.is_none()).map(|k| (k.namespace.clone(), k.dataset.clone())).collect();
    let mut secrets: HashSet<String> = subjects.iter().map(|s| s.value().to_string()).collect();

    // Routes that start at a matched row.
    let mut pending: Vec<Route> = Vec::new();
    for key in &keys {
        let table = (key.namespace.clone(), key.dataset.clone());
        let Some(dataset) = datasets.get(&table) else { continue };
        let Some(column) = dataset.columns.iter().find(|c| c.name == key.column) else { continue };
        let mut any = Condition::any();
        let mut used = false;
        for subject in subjects.iter().filter(|s| key.kind.matches(s.kind())) {
            let col = Expr::col(Alias::new(&key.column));
            let text = if column.type_family == TypeFamily::Text { col } else { conn.as_text(col) };
            let condition = match key.kind {
                KeyKind::Email => Some(conn.exact(Func::lower(trim(text)).into()).eq(subject.value())),
                KeyKind::NationalId => Some(conn.exact(Func::upper(without_separators(text)).into()).eq(subject.value())),
                KeyKind::Phone => {
                    let spellings =
                        phone_spellings(conn, &table, text.clone(), subject.value()).await.map_err(|e| query_failed(&table, e))?;
                    secrets.extend(spellings.iter().cloned());
                    (!spellings.is_empty()).then(|| conn.exact(text).is_in(spellings))
                }
            };
            if let Some(c) = condition {
                any = any.add(c);
                used = true;
            }
        }
        if used {
            let kind = serde_json::to_value(key.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            pending.push(Route {
                table,
                condition: any,
                reach: Reach::IdentityKey {
                    column: key.column.clone(),
                    kind,
                    confirmed: key.confirmed,
                    lineage_from: key.via_lineage.clone(),
                },
                depth: 0,
                path: Vec::new(),
                suggested: !key.confirmed,
                shared: None,
            });
        }
    }
    for subject in subjects {
        let IdentifierKind::Column(name) = subject.kind() else { continue };
        let Some(column_name) = &name.column else { continue };
        if name.source != source {
            continue;
        }
        let table = (name.namespace.clone(), name.dataset.clone());
        let Some(column) = datasets.get(&table).and_then(|d| d.columns.iter().find(|c| &c.name == column_name)) else {
            return Err(ErasureError::UnknownColumn(name.to_string()));
        };
        let col = Expr::col(Alias::new(column_name));
        let condition = match (column.type_family, subject.value().parse::<i64>()) {
            (TypeFamily::Integer, Ok(n)) => {
                secrets.insert(n.to_string());
                col.eq(n)
            }
            (TypeFamily::Text, _) => conn.exact(col).eq(subject.value()),
            _ => conn.exact(conn.as_text(col)).eq(subject.value()),
        };
        pending.push(Route {
            table,
            condition: Condition::all().add(condition),
            reach: Reach::NamedColumn { column: column_name.clone() },
            depth: 0,
            path: Vec::new(),
            suggested: false,
            shared: None,
        });
    }

    // Children by parent: (child table, foreign key) for every live foreign key.
    let mut children: HashMap<TableKey, Vec<(TableKey, &almanac_scanners::ForeignKey)>> = HashMap::new();
    for ((ns, name), dataset) in &datasets {
        for fk in &dataset.foreign_keys {
            if fk.columns.is_empty() || fk.columns.len() != fk.referenced_columns.len() {
                continue;
            }
            let parent = (fk.referenced_namespace.clone(), fk.referenced_dataset.clone());
            children.entry(parent).or_default().push(((ns.clone(), name.clone()), fk));
        }
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| (&a.0, &a.1.columns).cmp(&(&b.0, &b.1.columns)));
    }

    // Follow each route that found rows down its children; one count per route. Shared
    // rows are other people's: nothing below them is the subject's.
    let mut found: BTreeMap<TableKey, Vec<Route>> = BTreeMap::new();
    let mut cut = Vec::new();
    let mut routes = 0usize;
    while let Some(route) = pending.pop() {
        routes += 1;
        if routes > MAX_ROUTES {
            cut.push(format!("more than {MAX_ROUTES} foreign-key routes: {} and what references it not searched", show(&route.table)));
            continue;
        }
        let rows = conn.count(&count_of(&route.table, route.condition.clone())).await.map_err(|e| query_failed(&route.table, e))?;
        if rows == 0 {
            continue;
        }
        let descend = route.shared.is_none();
        for (child, fk) in children.get(&route.table).into_iter().flatten().filter(|_| descend) {
            // A key may be followed again on one path (replies to replies, parts of parts):
            // a route that finds no rows ends it, and a cycle in the data ends at the depth
            // bound, reported.
            let edge = format!("{} ({})", show(child), fk.columns.join(", "));
            if route.depth + 1 > MAX_DEPTH {
                let why = if route.path.contains(&edge) { "a cycle in the data, or a chain" } else { "a chain" };
                cut.push(format!("{edge}: not followed beyond {MAX_DEPTH} foreign keys from the matched rows ({why} that long); rows further down need a person's look"));
                continue;
            }
            let mut parent_rows = Query::select();
            parent_rows.from(table_ref(&route.table)).cond_where(route.condition.clone());
            for c in &fk.referenced_columns {
                parent_rows.column(Alias::new(c));
            }
            let referencing = match fk.columns.as_slice() {
                [one] => Expr::col(Alias::new(one)).in_subquery(parent_rows),
                many => Expr::tuple(many.iter().map(|c| Expr::col(Alias::new(c)))).in_subquery(parent_rows),
            };
            let nullable =
                datasets.get(child).is_some_and(|d| fk.columns.iter().all(|f| d.columns.iter().any(|c| &c.name == f && c.nullable)));
            let mut path = route.path.clone();
            path.push(edge);
            pending.push(Route {
                table: child.clone(),
                condition: Condition::all().add(referencing),
                reach: Reach::ForeignKey {
                    parent: show(&route.table),
                    columns: fk.columns.clone(),
                    referenced_columns: fk.referenced_columns.clone(),
                    depth: route.depth + 1,
                },
                depth: route.depth + 1,
                path,
                suggested: route.suggested,
                shared: keyed.contains(child).then(|| (fk.columns.clone(), nullable)),
            });
        }
        found.entry(route.table.clone()).or_default().push(route);
    }

    // Each dataset's rows counted once, whichever ways they were found; shared rows are
    // those only other people's routes reach.
    let mut out = Vec::new();
    let mut selections = BTreeMap::new();
    for (table, routes) in found {
        let (shared, own): (Vec<Route>, Vec<Route>) = routes.into_iter().partition(|r| r.shared.is_some());
        let direct: Vec<&Route> = own.iter().filter(|r| matches!(r.reach, Reach::IdentityKey { .. })).collect();
        let direct = (!direct.is_empty()).then(|| direct.iter().fold(Condition::any(), |any, r| any.add(r.condition.clone())));
        let own_condition = (!own.is_empty()).then(|| own.iter().fold(Condition::any(), |any, r| any.add(r.condition.clone())));
        let rows = match &own_condition {
            Some(c) => conn.count(&count_of(&table, c.clone())).await.map_err(|e| query_failed(&table, e))?,
            None => 0,
        };
        let mut shared_links = Vec::new();
        for r in &shared {
            let (columns, nullable) = r.shared.clone().unwrap_or_default();
            let mut only_shared = Condition::all().add(r.condition.clone());
            if let Some(c) = &own_condition {
                // Not the subject's own rows, NULL-safe: a row whose own condition is NULL (its
                // key empty) is someone else's, not left out of both sets.
                only_shared = only_shared.add(Expr::case(c.clone(), 1).finally(0).eq(0));
            }
            shared_links.push((columns, nullable, only_shared));
        }
        let shared_rows = match shared_links.is_empty() {
            true => 0,
            false => {
                let any = shared_links.iter().fold(Condition::any(), |any, (_, _, c)| any.add(c.clone()));
                conn.count(&count_of(&table, any)).await.map_err(|e| query_failed(&table, e))?
            }
        };
        if rows == 0 && shared_rows == 0 {
            continue;
        }
        let through_suggested_keys = own.iter().any(|r| r.suggested);
        let shared_nullable = shared_links.iter().all(|(_, nullable, _)| *nullable);
        let distinct = |routes: Vec<Route>| {
            let mut reaches: Vec<Reach> = Vec::new();
            for r in routes {
                if !reaches.contains(&r.reach) {
                    reaches.push(r.reach);
                }
            }
            reaches
        };
        let key = datasets.get(&table).and_then(|d| match d.columns.iter().filter(|c| c.primary_key).collect::<Vec<_>>().as_slice() {
            [pk] if matches!(pk.type_family, TypeFamily::Integer | TypeFamily::Text) => Some((pk.name.clone(), pk.type_family)),
            _ => None,
        });
        let columns = datasets.get(&table).map(|d| d.columns.iter().map(|c| c.name.clone()).collect()).unwrap_or_default();
        let live = datasets.get(&table).map(|d| d.columns.clone()).unwrap_or_default();
        let mut key_columns: HashSet<String> = live.iter().filter(|c| c.primary_key).map(|c| c.name.clone()).collect();
        if let Some(d) = datasets.get(&table) {
            key_columns.extend(d.foreign_keys.iter().flat_map(|k| k.columns.iter().cloned()));
        }
        key_columns.extend(children.get(&table).into_iter().flatten().flat_map(|(_, fk)| fk.referenced_columns.iter().cloned()));
        selections.insert(table.clone(), Selection { own: own_condition, shared: shared_links, key, columns, direct, live, key_columns });
        out.push(FootprintDataset {
            namespace: table.0,
            dataset: table.1,
            rows,
            reached_by: distinct(own),
            shared_rows,
            shared_by: distinct(shared),
            shared_nullable,
            through_suggested_keys,
            deletion_rank: 0,
            detach: Vec::new(),
        });
    }
    let mut seen = HashSet::new();
    cut.retain(|c| seen.insert(c.clone()));
    let (order, detach, unbroken) = deletion_order(&out, &children, &datasets);
    cut.extend(unbroken.iter().map(|t| {
        format!("{}: in a cycle of foreign keys among the rows to delete that no reference that may be NULL breaks; a person must settle the order", show(t))
    }));
    for d in &mut out {
        let key = (d.namespace.clone(), d.dataset.clone());
        d.deletion_rank = order.get(&key).copied().unwrap_or(usize::MAX);
        d.detach = detach.iter().filter(|(t, _)| *t == key).map(|(_, c)| c.clone()).collect();
    }
    let fingerprint = fingerprint(&datasets, &out, &keys);
    Ok(Located {
        dialect: conn.dialect(),
        secrets,
        footprint: Footprint { source: source.to_string(), datasets: out, identity_keys: keys, cut, copies },
        selections,
        fingerprint,
    })
}

/// The order the found datasets' rows can be deleted in: a dataset after every found dataset
/// that references it (its children first), ties by name. A cycle of foreign keys is broken
/// by setting the references to one of its datasets to NULL in the subject's rows first (the
/// returned `(dataset, columns)`), choosing a dataset whose references may all be NULL, the
/// deepest reached first; a key from a dataset to itself is left to the engine, which checks
/// it at the end of the statement.
#[allow(clippy::type_complexity)]
fn deletion_order(
    found: &[FootprintDataset],
    children: &HashMap<TableKey, Vec<(TableKey, &almanac_scanners::ForeignKey)>>,
    datasets: &HashMap<TableKey, &Dataset>,
) -> (HashMap<TableKey, usize>, Vec<(TableKey, Vec<String>)>, Vec<TableKey>) {
    let keys: Vec<TableKey> = found.iter().map(|d| (d.namespace.clone(), d.dataset.clone())).collect();
    let present: HashSet<&TableKey> = keys.iter().collect();
    // For each dataset, the found datasets that must go before it (those referencing it).
    let mut waiting: BTreeMap<&TableKey, HashSet<&TableKey>> = BTreeMap::new();
    for k in &keys {
        let before: HashSet<&TableKey> =
            children.get(k).into_iter().flatten().map(|(c, _)| c).filter(|c| *c != k && present.contains(c)).collect();
        waiting.insert(k, before);
    }
    let mut order = HashMap::new();
    let mut detach = Vec::new();
    let mut unbroken = Vec::new();
    // The references from `child` to `parent`, and whether they may be set to NULL: all their
    // columns may hold NULL, and the child's rows were not found through them (NULL there
    // and the child's own selection would find nothing).
    let references = |parent: &TableKey, child: &TableKey| -> Vec<(Vec<String>, bool)> {
        let reached_through = |columns: &Vec<String>| {
            found
                .iter()
                .filter(|d| d.namespace == child.0 && d.dataset == child.1)
                .flat_map(|d| d.reached_by.iter())
                .any(|r| matches!(r, Reach::ForeignKey { parent: p, columns: c, .. } if *p == show(parent) && c == columns))
        };
        children
            .get(parent)
            .into_iter()
            .flatten()
            .filter(|(c, _)| c == child)
            .map(|(_, fk)| {
                let nullable =
                    datasets.get(child).is_some_and(|d| fk.columns.iter().all(|f| d.columns.iter().any(|c| &c.name == f && c.nullable)));
                (fk.columns.clone(), nullable && !reached_through(&fk.columns))
            })
            .collect()
    };
    while !waiting.is_empty() {
        let ready: Vec<&TableKey> = waiting.iter().filter(|(_, before)| before.is_empty()).map(|(k, _)| *k).collect();
        let next = match ready.first() {
            Some(k) => *k,
            None => {
                // A cycle: the deepest-reached dataset first.
                let depth = |k: &TableKey| {
                    found
                        .iter()
                        .filter(|d| d.namespace == k.0 && d.dataset == k.1)
                        .flat_map(|d| d.reached_by.iter())
                        .map(|r| if let Reach::ForeignKey { depth, .. } = r { *depth } else { 0 })
                        .max()
                        .unwrap_or(0)
                };
                let breakable = |k: &TableKey| waiting[k].iter().all(|c| references(k, c).iter().all(|(_, nullable)| *nullable));
                let next = waiting.keys().max_by_key(|k| (breakable(k), depth(k))).copied().unwrap_or(&keys[0]);
                if !breakable(next) {
                    unbroken.push(next.clone());
                }
                for c in &waiting[next] {
                    for (columns, nullable) in references(next, c) {
                        if nullable {
                            detach.push(((*c).clone(), columns));
                        }
                    }
                }
                next
            }
        };
        order.insert(next.clone(), order.len());
        waiting.remove(next);
        for before in waiting.values_mut() {
            before.remove(next);
        }
    }
    (order, detach, unbroken)
}

/// The identity keys searched, as a plan records them: `namespace.dataset.column (kind)`.
pub fn key_names(keys: &[IdentityKey]) -> Vec<String> {
    keys.iter().map(|k| format!("{}.{}.{} ({:?})", k.namespace, k.dataset, k.column, k.kind)).collect()
}

/// SHA-256 over the live schema of the datasets found (columns, types, nullability, keys,
/// foreign keys), what was found in them, and the identity keys searched.
fn fingerprint(datasets: &HashMap<TableKey, &Dataset>, found: &[FootprintDataset], keys: &[IdentityKey]) -> String {
    let mut content = Vec::new();
    for f in found {
        let Some(d) = datasets.get(&(f.namespace.clone(), f.dataset.clone())) else { continue };
        let columns: Vec<_> = d.columns.iter().map(|c| (&c.name, &c.data_type, c.nullable, c.primary_key)).collect();
        let fks: Vec<_> =
            d.foreign_keys.iter().map(|k| (&k.columns, &k.referenced_namespace, &k.referenced_dataset, &k.referenced_columns)).collect();
        content.push(serde_json::json!({ "dataset": [&f.namespace, &f.dataset], "columns": columns, "foreign_keys": fks, "rows": f.rows, "shared": f.shared_rows }));
    }
    content.push(serde_json::json!({ "identity_keys": key_names(keys) }));
    Sha256::digest(serde_json::Value::Array(content).to_string().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored spellings (`text`, a column as text) of the phone number `e164`: values sharing its last
/// digits are read (a bounded list) and those that are the same number in E.164 kept, so
/// `+49 711 12842222`, `0711/12842222` and `+49 (0)711 128 42222` all match.
async fn phone_spellings(conn: &mut SourceConnection, table: &TableKey, text: Expr, e164: &str) -> Result<Vec<String>, sqlx::Error> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    let tail = &digits[digits.len().saturating_sub(6)..];
    let mut candidates = Query::select();
    candidates
        .distinct()
        .expr(text.clone())
        .from(table_ref(table))
        .and_where(without_separators(text).like(format!("%{tail}%")))
        .limit(MAX_PHONE_CANDIDATES);
    let country = phone_country(e164);
    let stored = conn.texts(&candidates).await?;
    Ok(stored.into_iter().filter(|s| normalise_stored_phone(s, country).as_deref() == Some(e164)).collect())
}

pub(crate) fn table_ref(table: &TableKey) -> (Alias, Alias) {
    (Alias::new(&table.0), Alias::new(&table.1))
}

pub(crate) fn count_of(table: &TableKey, condition: Condition) -> SelectStatement {
    let mut q = Query::select();
    q.expr(Func::count(Expr::cust("*"))).from(table_ref(table)).cond_where(condition);
    q
}

pub(crate) fn show(table: &TableKey) -> String {
    format!("{}.{}", table.0, table.1)
}

/// A source's error message with the subject's identifiers taken out: an engine may quote
/// the value it failed on.
pub(crate) fn redact(message: &str, subjects: &[SubjectIdentifier]) -> String {
    subjects.iter().fold(message.to_string(), |m, s| redact_one(&m, s.value()))
}

/// `message` with every occurrence of `value` taken out, in any ASCII case (a source quotes
/// the value as it stores it, `LeoneKohler@SurfEU.de` for the normalised one).
fn redact_one(message: &str, value: &str) -> String {
    if value.is_empty() {
        return message.to_string();
    }
    let (lower, needle) = (message.to_ascii_lowercase(), value.to_ascii_lowercase());
    let mut out = String::with_capacity(message.len());
    let mut at = 0;
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` hold in `message`.
    while let Some(found) = lower[at..].find(&needle) {
        out.push_str(&message[at..at + found]);
        out.push_str("<identifier>");
        at += found + needle.len();
    }
    out.push_str(&message[at..]);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn identifiers_are_taken_out_of_messages_in_any_case() {
        let m = super::redact_one("duplicate key value (LeoneKohler@SurfEU.de) in Köhler's row", "leonekohler@surfeu.de");
        assert_eq!(m, "duplicate key value (<identifier>) in Köhler's row");
        assert_eq!(super::redact_one("ünïcode ok", ""), "ünïcode ok");
    }
}
