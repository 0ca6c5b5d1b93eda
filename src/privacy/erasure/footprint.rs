//! A data subject's footprint in one source: the rows that match the subject's identifiers
//! through the source's identity keys, and the rows that reference those, transitively,
//! through the live foreign keys. Rows are counted on the source itself, with the identifiers
//! bound as parameters; nothing is read into memory but a bounded list of phone-number
//! spellings to compare in E.164.

use super::source::{trim, without_separators, SourceConnection};
use super::subject::{normalise_stored_phone, phone_country, IdentifierKind, SubjectIdentifier};
use super::ErasureError;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::privacy::entity as classification;
use crate::privacy::ClassificationStatus;
use almanac_scanners::{Dataset, NoProgress, ScanOptions, Snapshot, TypeFamily};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
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
    let mut keys = Vec::new();
    for shape in crate::catalog::source_schema(db, source_id).await? {
        for (name, id) in &shape.columns {
            for (kind, confirmed) in by_column.get(id).into_iter().flatten() {
                keys.push(IdentityKey {
                    namespace: shape.namespace.clone(),
                    dataset: shape.name.clone(),
                    column: name.clone(),
                    kind: *kind,
                    confirmed: *confirmed,
                });
            }
        }
    }
    keys.sort_by(|a, b| (&a.namespace, &a.dataset, &a.column).cmp(&(&b.namespace, &b.dataset, &b.column)));
    Ok(keys)
}

/// How the rows of a dataset were reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Reach {
    /// Rows whose identity key holds one of the subject's identifiers.
    IdentityKey { column: String, kind: String, confirmed: bool },
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
    /// The ways rows were found (a row may be found several ways; it counts once).
    pub reached_by: Vec<Reach>,
    /// Some rows were found from an identity key only a scan suggested.
    pub through_suggested_keys: bool,
}

/// Where a data subject's rows are in one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Footprint {
    pub source: String,
    /// Datasets holding rows of the subject, in namespace and name order.
    pub datasets: Vec<FootprintDataset>,
    /// The identity keys searched.
    pub identity_keys: Vec<IdentityKey>,
    /// Foreign-key paths not followed: a cycle (a key followed twice on one path), a chain
    /// deeper than [`MAX_DEPTH`], or more routes than [`MAX_ROUTES`]. Rows beyond them need
    /// a person's look.
    pub cut: Vec<String>,
}

/// The subject's footprint in the registered source `source_name`, read on the live source
/// (its schema and its rows) with the catalog's identity keys.
pub async fn find(
    catalog: &Catalog,
    config: &Config,
    source_name: &str,
    subjects: &[SubjectIdentifier],
) -> Result<Footprint, ErasureError> {
    let source = catalog.source_by_name(source_name).await?;
    let url = crate::scanning::connection_url(&source, config)
        .map_err(|e| ErasureError::Unreachable { source_name: source.name.clone(), message: e.to_string() })?;
    let keys = identity_keys(catalog.connection(), source.id).await?;
    let mut conn = SourceConnection::open_read_only(&source.name, &url).await?;
    // The live schema, not the catalog's: keys and columns added since the last scan count.
    let options = ScanOptions { sample_rows: 0, ..config.scan_options(&source.name, Some(0)) };
    let live = almanac_scanners::scan(&url, &options, &NoProgress).await;
    let result = match live {
        Ok(live) => search(&mut conn, &source.name, &live, keys, subjects).await,
        Err(e) => Err(ErasureError::Unreachable { source_name: source.name.clone(), message: e.to_string() }),
    };
    conn.close().await;
    result
}

type TableKey = (String, String);

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
}

async fn search(
    conn: &mut SourceConnection,
    source: &str,
    live: &Snapshot,
    keys: Vec<IdentityKey>,
    subjects: &[SubjectIdentifier],
) -> Result<Footprint, ErasureError> {
    let datasets: HashMap<TableKey, &Dataset> =
        live.namespaces.iter().flat_map(|ns| ns.datasets.iter().map(move |d| ((ns.name.clone(), d.name.clone()), d))).collect();
    let query_failed = |table: &TableKey, e: sqlx::Error| ErasureError::Query {
        source_name: source.to_string(),
        dataset: format!("{}.{}", table.0, table.1),
        message: redact(&e.to_string(), subjects),
    };

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
                KeyKind::Email => Some(Func::lower(trim(text)).eq(subject.value())),
                KeyKind::NationalId => Some(Func::upper(without_separators(text)).eq(subject.value())),
                KeyKind::Phone => {
                    let spellings =
                        phone_spellings(conn, &table, &key.column, text, subject.value()).await.map_err(|e| query_failed(&table, e))?;
                    (!spellings.is_empty()).then(|| Expr::col(Alias::new(&key.column)).is_in(spellings))
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
                reach: Reach::IdentityKey { column: key.column.clone(), kind, confirmed: key.confirmed },
                depth: 0,
                path: Vec::new(),
                suggested: !key.confirmed,
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
            (TypeFamily::Integer, Ok(n)) => col.eq(n),
            (TypeFamily::Text, _) => col.eq(subject.value()),
            _ => conn.as_text(col).eq(subject.value()),
        };
        pending.push(Route {
            table,
            condition: Condition::all().add(condition),
            reach: Reach::NamedColumn { column: column_name.clone() },
            depth: 0,
            path: Vec::new(),
            suggested: false,
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

    // Follow each route that found rows down its children; one count per route.
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
        for (child, fk) in children.get(&route.table).into_iter().flatten() {
            let edge = format!("{} ({})", show(child), fk.columns.join(", "));
            if route.path.contains(&edge) {
                cut.push(format!("cycle: {edge} leads back to rows already reached from {}", show(&route.table)));
                continue;
            }
            if route.depth + 1 > MAX_DEPTH {
                cut.push(format!("{edge}: more than {MAX_DEPTH} foreign keys from the matched rows"));
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
            });
        }
        found.entry(route.table.clone()).or_default().push(route);
    }

    // Each dataset's rows counted once, whichever ways they were found.
    let mut out = Vec::new();
    for (table, routes) in found {
        let any = routes.iter().fold(Condition::any(), |any, r| any.add(r.condition.clone()));
        let rows = conn.count(&count_of(&table, any)).await.map_err(|e| query_failed(&table, e))?;
        let through_suggested_keys = routes.iter().any(|r| r.suggested);
        let mut reached_by: Vec<Reach> = Vec::new();
        for r in routes {
            if !reached_by.contains(&r.reach) {
                reached_by.push(r.reach);
            }
        }
        out.push(FootprintDataset { namespace: table.0, dataset: table.1, rows, reached_by, through_suggested_keys });
    }
    let mut seen = HashSet::new();
    cut.retain(|c| seen.insert(c.clone()));
    Ok(Footprint { source: source.to_string(), datasets: out, identity_keys: keys, cut })
}

/// The stored spellings in `column` of the phone number `e164`: values sharing its last
/// digits are read (a bounded list) and those that are the same number in E.164 kept, so
/// `+49 711 12842222`, `0711/12842222` and `+49 (0)711 128 42222` all match.
async fn phone_spellings(
    conn: &mut SourceConnection,
    table: &TableKey,
    column: &str,
    text: Expr,
    e164: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    let tail = &digits[digits.len().saturating_sub(6)..];
    let mut candidates = Query::select();
    candidates
        .distinct()
        .expr(Expr::col(Alias::new(column)))
        .from(table_ref(table))
        .and_where(without_separators(text).like(format!("%{tail}%")))
        .limit(MAX_PHONE_CANDIDATES);
    let country = phone_country(e164);
    let stored = conn.texts(&candidates).await?;
    Ok(stored.into_iter().filter(|s| normalise_stored_phone(s, country).as_deref() == Some(e164)).collect())
}

fn table_ref(table: &TableKey) -> (Alias, Alias) {
    (Alias::new(&table.0), Alias::new(&table.1))
}

fn count_of(table: &TableKey, condition: Condition) -> SelectStatement {
    let mut q = Query::select();
    q.expr(Func::count(Expr::cust("*"))).from(table_ref(table)).cond_where(condition);
    q
}

fn show(table: &TableKey) -> String {
    format!("{}.{}", table.0, table.1)
}

/// A source's error message with the subject's identifiers taken out: an engine may quote
/// the value it failed on.
fn redact(message: &str, subjects: &[SubjectIdentifier]) -> String {
    subjects.iter().fold(message.to_string(), |m, s| if s.value().is_empty() { m } else { m.replace(s.value(), "<identifier>") })
}
