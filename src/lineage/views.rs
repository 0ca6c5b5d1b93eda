//! Lineage of views, resolved when a scan applies: every view and materialized view of the
//! snapshot is parsed in the source's dialect and resolved against the snapshot's own schema;
//! the edges whose origin is a view of this source are replaced, others stay. What does not
//! resolve becomes a scan warning naming the view.

use super::sql::{self, Context, DatasetRef, Outcome, SchemaMap, SqlDialect};
use super::{insert_edges, statement_edges, Origin};
use crate::catalog::ingest::ScannedColumns;
use almanac_scanners::{DatasetKind, ScanWarning, Snapshot};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// The namespaces an unqualified name in a stored view definition is looked up in.
fn search_path(dialect: SqlDialect, view_namespace: &str) -> Vec<String> {
    let mut path = vec![view_namespace.to_string()];
    // PostgreSQL prints names on the scanning session's search path ("$user", public) without
    // their schema.
    if dialect == SqlDialect::Postgres && view_namespace != "public" {
        path.insert(0, "public".into());
    }
    path
}

/// Replaces the view-origin edges of the source's datasets with those of `snapshot`'s views.
/// Returns how many edges were written.
pub async fn record_scan_views<C: ConnectionTrait>(
    txn: &C,
    source_id: i64,
    scan_id: i64,
    snapshot: &Snapshot,
    columns: &ScannedColumns,
    now: DateTime<Utc>,
    warnings: &mut Vec<ScanWarning>,
) -> Result<usize, DbErr> {
    use super::entity::lineage_edge;
    lineage_edge::Entity::delete_many()
        .filter(lineage_edge::Column::Origin.eq(Origin::View.as_str()))
        .filter(lineage_edge::Column::ToDatasetId.in_subquery(crate::catalog::datasets_of_source(source_id)))
        .exec(txn)
        .await?;
    let dialect = SqlDialect::of_engine(snapshot.engine.as_str());
    let mut schema = SchemaMap::new();
    let mut has_views = false;
    for ns in &snapshot.namespaces {
        for d in &ns.datasets {
            schema.insert(&ns.name, &d.name, d.columns.iter().map(|c| c.name.clone()).collect());
            has_views |= d.view_definition.is_some();
        }
    }
    if !has_views {
        return Ok(0);
    }
    // (namespace, dataset) -> dataset id, and column ids, from the applied structure.
    let mut dataset_ids: HashMap<(&str, &str), i64> = HashMap::new();
    let mut column_ids: HashMap<(&str, &str, &str), i64> = HashMap::new();
    for ((ns, ds, col), (col_id, ds_id, _)) in columns {
        dataset_ids.insert((ns.as_str(), ds.as_str()), *ds_id);
        column_ids.insert((ns.as_str(), ds.as_str(), col.as_str()), *col_id);
    }
    let mut edges = Vec::new();
    for ns in &snapshot.namespaces {
        for d in &ns.datasets {
            let Some(definition) = &d.view_definition else { continue };
            let Some(&view_id) = dataset_ids.get(&(ns.name.as_str(), d.name.as_str())) else { continue };
            let ctx = Context { dialect, search_path: search_path(dialect, &ns.name) };
            let view = DatasetRef { namespace: ns.name.clone(), dataset: d.name.clone() };
            let report = sql::resolve_view(definition, &view, d.kind == DatasetKind::MaterializedView, &ctx, &schema);
            let lineage = match report.outcome {
                Outcome::Lineage(l) => l,
                Outcome::Failed { message } => {
                    warnings.push(ScanWarning::dataset(
                        &ns.name,
                        &d.name,
                        format!("lineage: the view definition was not understood: {message}"),
                    ));
                    continue;
                }
                Outcome::NoDataFlow { .. } => continue,
            };
            for u in &lineage.unresolved {
                warnings.push(ScanWarning::dataset(&ns.name, &d.name, format!("lineage: `{}` not resolved: {}", u.name, u.reason)));
            }
            let id_of = |c: &sql::ColumnRef| {
                let ds = dataset_ids.get(&(c.namespace.as_str(), c.dataset.as_str()))?;
                let col = column_ids.get(&(c.namespace.as_str(), c.dataset.as_str(), c.column.as_str()))?;
                Some((*ds, *col))
            };
            let view_column = |name: &str| column_ids.get(&(ns.name.as_str(), d.name.as_str(), name)).copied();
            edges.extend(statement_edges(&lineage, view_id, view_column, id_of));
        }
    }
    let n = edges.len();
    insert_edges(txn, edges, Origin::View, &format!("scan {scan_id}"), "scan", now).await?;
    Ok(n)
}
