//! Walks lineage edges upstream or downstream from a column or a dataset, level by level in
//! the store (one indexed query per level), and names what it found. Value edges (identity,
//! transformed, aggregated) are followed; filter and join edges are reported where they meet
//! the walk but not followed further, since they shape rows rather than carry values.

use super::entity::lineage_edge;
use super::{EdgeKind, LineageError, Origin};
use crate::catalog::names::QualifiedName;
use crate::catalog::Catalog;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, HashSet};

/// Which way to walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Toward the sources of the values.
    Up,
    /// Toward what is computed from them.
    Down,
    Both,
}

impl Direction {
    /// Parses `up`, `down` or `both`.
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "up" | "upstream" => Some(Direction::Up),
            "down" | "downstream" => Some(Direction::Down),
            "both" => Some(Direction::Both),
            _ => None,
        }
    }
}

/// Where a walk starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Column(i64),
    Dataset(i64),
}

/// An edge as stored, with the level of the walk that reached it (1 = touches the start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEdge {
    pub id: i64,
    pub from_dataset: i64,
    pub from_column: Option<i64>,
    pub to_dataset: i64,
    pub to_column: Option<i64>,
    pub kind: EdgeKind,
    pub origin: Origin,
    pub origin_ref: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub depth: u32,
}

impl StoredEdge {
    pub(crate) fn from_model(m: lineage_edge::Model, depth: u32) -> Option<StoredEdge> {
        Some(StoredEdge {
            id: m.id,
            from_dataset: m.from_dataset_id,
            from_column: m.from_column_id,
            to_dataset: m.to_dataset_id,
            to_column: m.to_column_id,
            kind: EdgeKind::parse(&m.kind)?,
            origin: Origin::parse(&m.origin)?,
            origin_ref: m.origin_ref,
            created_by: m.created_by,
            created_at: m.created_at,
            depth,
        })
    }
}

/// Most edges one walk returns.
pub const MAX_WALK_EDGES: usize = 50_000;
/// Deepest walk.
pub const MAX_DEPTH: u32 = 50;

/// The edges `depth` levels around `start` (at most `max_edges`; the flag says whether the
/// walk was cut there).
pub async fn walk_ids<C: ConnectionTrait>(
    db: &C,
    start: Start,
    direction: Direction,
    depth: u32,
    max_edges: usize,
) -> Result<(Vec<StoredEdge>, bool), DbErr> {
    let mut out = Vec::new();
    let mut cut = false;
    for dir in [Direction::Up, Direction::Down] {
        if direction != Direction::Both && direction != dir {
            continue;
        }
        cut |= walk_one_way(db, start, dir, depth.min(MAX_DEPTH), max_edges.saturating_sub(out.len()), &mut out).await?;
    }
    Ok((out, cut))
}

async fn walk_one_way<C: ConnectionTrait>(
    db: &C,
    start: Start,
    dir: Direction,
    depth: u32,
    max_edges: usize,
    out: &mut Vec<StoredEdge>,
) -> Result<bool, DbErr> {
    let mut seen_edges: HashSet<i64> = out.iter().map(|e| e.id).collect();
    let mut visited: HashSet<i64> = HashSet::new();
    let mut frontier: Vec<i64> = Vec::new();
    let mut taken = 0usize;
    for level in 1..=depth {
        let mut found = Vec::new();
        if level == 1 {
            let cond = match (start, dir) {
                (Start::Column(c), Direction::Up) => {
                    // Into the column, and the rows of its dataset: filter and join inputs.
                    let ds = crate::catalog::column_owner(db, c).await.map(|(_, d)| d).ok();
                    let mut cond = Condition::any().add(lineage_edge::Column::ToColumnId.eq(c));
                    if let Some(ds) = ds {
                        cond = cond.add(
                            Condition::all().add(lineage_edge::Column::ToDatasetId.eq(ds)).add(lineage_edge::Column::ToColumnId.is_null()),
                        );
                    }
                    cond
                }
                (Start::Column(c), _) => Condition::all().add(lineage_edge::Column::FromColumnId.eq(c)),
                (Start::Dataset(d), Direction::Up) => Condition::all().add(lineage_edge::Column::ToDatasetId.eq(d)),
                (Start::Dataset(d), _) => Condition::all().add(lineage_edge::Column::FromDatasetId.eq(d)),
            };
            found.extend(lineage_edge::Entity::find().filter(cond).order_by_asc(lineage_edge::Column::Id).all(db).await?);
            if let Start::Column(c) = start {
                visited.insert(c);
            }
        } else {
            if frontier.is_empty() {
                break;
            }
            for chunk in frontier.chunks(500) {
                let col = if dir == Direction::Up { lineage_edge::Column::ToColumnId } else { lineage_edge::Column::FromColumnId };
                found.extend(
                    lineage_edge::Entity::find().filter(col.is_in(chunk.to_vec())).order_by_asc(lineage_edge::Column::Id).all(db).await?,
                );
            }
        }
        let mut next = Vec::new();
        for m in found {
            if !seen_edges.insert(m.id) {
                continue;
            }
            if taken >= max_edges {
                return Ok(true);
            }
            let Some(e) = StoredEdge::from_model(m, level) else { continue };
            if e.kind.carries_values() {
                let node = if dir == Direction::Up { e.from_column } else { e.to_column };
                if let Some(n) = node {
                    if visited.insert(n) {
                        next.push(n);
                    }
                }
            }
            taken += 1;
            out.push(e);
        }
        frontier = next;
    }
    Ok(false)
}

/// One end of an edge, named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedEdge {
    pub id: i64,
    /// A column, or (for a filter/join edge's end) a dataset.
    pub from: QualifiedName,
    pub to: QualifiedName,
    pub kind: EdgeKind,
    pub origin: Origin,
    pub origin_ref: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub depth: u32,
}

/// A walk's result, named.
#[derive(Debug, Clone)]
pub struct LineageGraph {
    pub root: QualifiedName,
    pub edges: Vec<NamedEdge>,
    /// Whether the walk stopped at [`MAX_WALK_EDGES`].
    pub truncated: bool,
}

/// The start of a walk named by a qualified name: a column, or a dataset.
pub async fn start_of(catalog: &Catalog, name: &QualifiedName) -> Result<Start, LineageError> {
    Ok(match name.column {
        Some(_) => Start::Column(catalog.column_by_name(name).await?.id),
        None => Start::Dataset(catalog.dataset_by_name(name).await?.id),
    })
}

/// The lineage around `root` to `depth` levels, named.
pub async fn lineage(catalog: &Catalog, root: &QualifiedName, direction: Direction, depth: u32) -> Result<LineageGraph, LineageError> {
    let start = start_of(catalog, root).await?;
    let (edges, truncated) = walk_ids(catalog.connection(), start, direction, depth, MAX_WALK_EDGES).await?;
    Ok(LineageGraph { root: root.clone(), edges: name_edges(catalog, edges).await?, truncated })
}

/// Names the ends of stored edges; an edge whose end no longer exists is left out.
pub async fn name_edges(catalog: &Catalog, edges: Vec<StoredEdge>) -> Result<Vec<NamedEdge>, LineageError> {
    let cols: Vec<i64> = edges.iter().flat_map(|e| [e.from_column, e.to_column]).flatten().collect();
    let dss: Vec<i64> = edges.iter().flat_map(|e| [e.from_dataset, e.to_dataset]).collect();
    let (col_names, ds_names) = crate::catalog::qualified_names(catalog.connection(), &cols, &dss).await?;
    let name = |col: Option<i64>, ds: i64| match col {
        Some(c) => col_names.get(&c).cloned(),
        None => ds_names.get(&ds).cloned(),
    };
    Ok(edges
        .into_iter()
        .filter_map(|e| {
            Some(NamedEdge {
                from: name(e.from_column, e.from_dataset)?,
                to: name(e.to_column, e.to_dataset)?,
                id: e.id,
                kind: e.kind,
                origin: e.origin,
                origin_ref: e.origin_ref,
                created_by: e.created_by,
                created_at: e.created_at,
                depth: e.depth,
            })
        })
        .collect())
}

/// A dataset a column's change reaches, with its owner and how.
#[derive(Debug, Clone)]
pub struct ImpactedDataset {
    pub dataset: QualifiedName,
    pub dataset_id: i64,
    /// The assigned owner, else the one the source reports.
    pub owner: Option<String>,
    /// Columns whose values derive from the changed column: (column, strongest kind, depth).
    pub columns: Vec<(QualifiedName, EdgeKind, u32)>,
    /// Whether the column filters or joins this dataset's rows.
    pub rows_shaped: bool,
}

/// Everything downstream of a column to `depth` levels, grouped by dataset, with owners.
pub async fn impact(catalog: &Catalog, column: &QualifiedName, depth: u32) -> Result<(Vec<ImpactedDataset>, bool), LineageError> {
    let col = catalog.column_by_name(column).await?;
    let (edges, truncated) = walk_ids(catalog.connection(), Start::Column(col.id), Direction::Down, depth, MAX_WALK_EDGES).await?;
    let named = name_edges(catalog, edges.clone()).await?;
    let mut by_dataset: BTreeMap<i64, ImpactedDataset> = BTreeMap::new();
    // An edge whose end no longer exists has no name and is left out.
    let by_id: std::collections::HashMap<i64, &NamedEdge> = named.iter().map(|n| (n.id, n)).collect();
    for (e, n) in edges.iter().filter_map(|e| by_id.get(&e.id).map(|n| (e, *n))) {
        let entry = by_dataset.entry(e.to_dataset).or_insert_with(|| ImpactedDataset {
            dataset: n.to.dataset_name(),
            dataset_id: e.to_dataset,
            owner: None,
            columns: Vec::new(),
            rows_shaped: false,
        });
        if e.to_column.is_some() {
            match entry.columns.iter_mut().find(|c| c.0 == n.to) {
                Some(c) => {
                    c.1 = c.1.max(e.kind);
                    c.2 = c.2.min(e.depth);
                }
                None => entry.columns.push((n.to.clone(), e.kind, e.depth)),
            }
        } else {
            entry.rows_shaped = true;
        }
    }
    let mut out: Vec<ImpactedDataset> = by_dataset.into_values().collect();
    for d in &mut out {
        if let Ok(ds) = catalog.dataset(d.dataset_id).await {
            d.owner = ds.owner.or(ds.source_owner);
        }
    }
    out.sort_by_key(|a| a.dataset.to_string());
    Ok((out, truncated))
}

/// Value edges (identity and transformed; aggregated too when asked) as (from, to, kind) column
/// pairs: the graph personal-data categories travel along.
pub async fn value_edges<C: ConnectionTrait>(db: &C, with_aggregates: bool) -> Result<Vec<(i64, i64, EdgeKind)>, DbErr> {
    let mut kinds = vec![EdgeKind::Identity.as_str(), EdgeKind::Transformed.as_str()];
    if with_aggregates {
        kinds.push(EdgeKind::Aggregated.as_str());
    }
    let rows: Vec<(Option<i64>, Option<i64>, String)> = lineage_edge::Entity::find()
        .select_only()
        .columns([lineage_edge::Column::FromColumnId, lineage_edge::Column::ToColumnId, lineage_edge::Column::Kind])
        .filter(lineage_edge::Column::Kind.is_in(kinds))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(f, t, k)| Some((f?, t?, EdgeKind::parse(&k)?))).collect())
}

/// The columns of these datasets that lineage edges of any kind leave, by id: where a walk
/// downstream can find anything (one indexed query instead of a walk per column).
pub async fn columns_with_edges_out<C: ConnectionTrait>(db: &C, dataset_ids: &[i64]) -> Result<HashSet<i64>, DbErr> {
    let mut out = HashSet::new();
    for chunk in dataset_ids.chunks(500) {
        let rows: Vec<Option<i64>> = lineage_edge::Entity::find()
            .select_only()
            .column(lineage_edge::Column::FromColumnId)
            .distinct()
            .filter(lineage_edge::Column::FromDatasetId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows.into_iter().flatten());
    }
    Ok(out)
}

/// Deepest a changed column's news travels downstream.
pub const IMPACT_DEPTH: u32 = 10;

/// A note for a column downstream of one whose meaning changed.
#[derive(Debug, Clone)]
pub struct UpstreamChange {
    pub source_id: i64,
    pub dataset_id: i64,
    pub column_id: i64,
    pub details: serde_json::Value,
}

/// For each (column, change kind, details) that changed meaning, the columns whose values
/// derive from it (through value edges, to [`IMPACT_DEPTH`] levels), each with details naming
/// the changed column, the change and how far upstream it is.
pub async fn upstream_changes<C: ConnectionTrait>(
    db: &C,
    changes: &[(i64, crate::catalog::ChangeKind, serde_json::Value)],
) -> Result<Vec<UpstreamChange>, DbErr> {
    let mut out = Vec::new();
    for (column, kind, details) in changes {
        let (edges, _) = walk_ids(db, Start::Column(*column), Direction::Down, IMPACT_DEPTH, MAX_WALK_EDGES).await?;
        let mut reached: BTreeMap<i64, u32> = BTreeMap::new();
        for e in edges.iter().filter(|e| e.kind.carries_values()) {
            if let Some(c) = e.to_column {
                let d = reached.entry(c).or_insert(e.depth);
                *d = (*d).min(e.depth);
            }
        }
        reached.remove(column);
        if reached.is_empty() {
            continue;
        }
        let (names, _) = crate::catalog::qualified_names(db, &[*column], &[]).await?;
        let upstream = names.get(column).map(|n| n.to_string());
        for (c, depth) in reached {
            let Ok((source_id, dataset_id)) = crate::catalog::column_owner(db, c).await else { continue };
            out.push(UpstreamChange {
                source_id,
                dataset_id,
                column_id: c,
                details: serde_json::json!({
                    "upstream": upstream,
                    "upstream_column_id": column,
                    "change": kind.as_str(),
                    "change_details": details,
                    "depth": depth,
                }),
            });
        }
    }
    Ok(out)
}
