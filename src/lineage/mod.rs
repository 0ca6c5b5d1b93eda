//! Column-level lineage: where a column's values come from and where they go. Owns the
//! `lineage_edge` and `lineage_job` tables. Edges come from views' definitions (resolved at
//! each scan, in its transaction: [`views`]), from submitted SQL ([`submit`]), and from
//! editors by hand; [`sql`] turns SQL text into edges against the catalog's own schema;
//! [`graph`] walks them (upstream, downstream, impact) and [`propagate`] carries personal-data
//! categories along the edges that carry values.

mod entity;
pub mod graph;
pub mod manual;
pub mod openlineage;
pub mod propagate;
pub mod sql;
pub mod submit;
pub mod views;

use crate::catalog::CatalogError;
use chrono::{DateTime, Utc};
use entity::lineage_edge;
use sea_orm::{ConnectionTrait, DbErr};
pub use sql::EdgeKind;

/// Why a lineage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LineageError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Script(#[from] sql::ScriptError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("lineage store error: {0}")]
    Store(#[from] DbErr),
}

/// Where an edge came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A view's definition, found by a scan; replaced at each scan of its source.
    View,
    /// A submitted SQL statement (ETL script); its reference is the statement's hash.
    Sql,
    /// An OpenLineage run event; its reference names the job and run.
    OpenLineage,
    /// Added by an editor.
    Manual,
}

impl Origin {
    /// The stored and printed word.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::View => "view",
            Origin::Sql => "sql",
            Origin::OpenLineage => "openlineage",
            Origin::Manual => "manual",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<Origin> {
        Some(match s {
            "view" => Origin::View,
            "sql" => Origin::Sql,
            "openlineage" => Origin::OpenLineage,
            "manual" => Origin::Manual,
            _ => return None,
        })
    }
}

/// An edge about to be written: catalog ids of both ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewEdge {
    pub from_dataset: i64,
    pub from_column: Option<i64>,
    pub to_dataset: i64,
    pub to_column: Option<i64>,
    pub kind: EdgeKind,
}

/// The edges of one statement's lineage into the dataset `target`: each output column's
/// inputs into the column `target_column` names, and the dependencies into the dataset itself.
/// An end the catalog does not know (`id_of` gives (dataset, column) ids) is left out.
pub(crate) fn statement_edges(
    lineage: &sql::StatementLineage,
    target: i64,
    target_column: impl Fn(&str) -> Option<i64>,
    id_of: impl Fn(&sql::ColumnRef) -> Option<(i64, i64)>,
) -> Vec<NewEdge> {
    let mut edges = Vec::new();
    for out in &lineage.columns {
        let Some(to_col) = target_column(&out.name) else { continue };
        for (input, kind) in &out.inputs {
            if let Some((from_ds, from_col)) = id_of(input) {
                edges.push(NewEdge {
                    from_dataset: from_ds,
                    from_column: Some(from_col),
                    to_dataset: target,
                    to_column: Some(to_col),
                    kind: *kind,
                });
            }
        }
    }
    for (input, kind) in &lineage.dependencies {
        if let Some((from_ds, from_col)) = id_of(input) {
            edges.push(NewEdge { from_dataset: from_ds, from_column: Some(from_col), to_dataset: target, to_column: None, kind: *kind });
        }
    }
    edges
}

pub(crate) async fn insert_edges<C: ConnectionTrait>(
    db: &C,
    edges: Vec<NewEdge>,
    origin: Origin,
    origin_ref: &str,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    insert_referenced_edges(db, edges.into_iter().map(|e| (e, origin_ref.to_string())).collect(), origin, created_by, now).await
}

/// Writes edges that each carry their own origin reference (the statements of a script), as
/// multi-row inserts: a script's hundred thousand edges go in a few hundred statements.
pub(crate) async fn insert_referenced_edges<C: ConnectionTrait>(
    db: &C,
    edges: Vec<(NewEdge, String)>,
    origin: Origin,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use lineage_edge::Column as E;
    use sea_orm::sea_query::Query;
    let backend = db.get_database_backend();
    for chunk in edges.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table(lineage_edge::Entity).columns([
            E::FromDatasetId,
            E::FromColumnId,
            E::ToDatasetId,
            E::ToColumnId,
            E::Kind,
            E::Origin,
            E::OriginRef,
            E::CreatedBy,
            E::CreatedAt,
        ]);
        for (e, origin_ref) in chunk {
            insert.values_panic([
                e.from_dataset.into(),
                e.from_column.into(),
                e.to_dataset.into(),
                e.to_column.into(),
                e.kind.as_str().into(),
                origin.as_str().into(),
                origin_ref.as_str().into(),
                created_by.into(),
                now.into(),
            ]);
        }
        db.execute_raw(backend.build(&insert)).await?;
    }
    Ok(())
}
