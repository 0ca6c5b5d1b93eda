//! Edges editors add and remove by hand: what no SQL text tells (a spreadsheet export, a job
//! outside the warehouse). Each change is audited; only hand-made edges can be removed by
//! hand, the others follow their origin (the next scan, a new submission).

use super::entity::lineage_edge;
use super::graph::StoredEdge;
use super::{insert_edges, EdgeKind, LineageError, NewEdge, Origin};
use crate::audit::{self, Action, Record};
use crate::catalog::names::QualifiedName;
use crate::catalog::Catalog;
use crate::ids::GlobalId;
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// Adds an edge from column `from` to `to`: a column for a value edge, a dataset (or a column,
/// meaning its dataset) for a filter or join edge. Adding an edge that exists returns it.
pub async fn add_edge(catalog: &Catalog, from: &QualifiedName, to: &QualifiedName, kind: EdgeKind) -> Result<StoredEdge, LineageError> {
    if from.column.is_none() {
        return Err(LineageError::Invalid(format!("`{from}` names a dataset; an edge starts at a column")));
    }
    let from_col = catalog.column_by_name(from).await?;
    let from_ds = catalog.dataset_by_name(&from.dataset_name()).await?;
    let to_ds = catalog.dataset_by_name(&to.dataset_name()).await?;
    let to_col = match (kind.carries_values(), &to.column) {
        (true, Some(_)) => Some(catalog.column_by_name(to).await?.id),
        (true, None) => return Err(LineageError::Invalid(format!("a {} edge ends at a column; `{to}` names a dataset", kind.as_str()))),
        (false, _) => None,
    };
    if to_col == Some(from_col.id) {
        return Err(LineageError::Invalid("an edge from a column to itself says nothing".into()));
    }
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let mut existing = lineage_edge::Entity::find()
        .filter(lineage_edge::Column::FromColumnId.eq(from_col.id))
        .filter(lineage_edge::Column::ToDatasetId.eq(to_ds.id))
        .filter(lineage_edge::Column::Kind.eq(kind.as_str()))
        .filter(lineage_edge::Column::Origin.eq(Origin::Manual.as_str()));
    existing = match to_col {
        Some(c) => existing.filter(lineage_edge::Column::ToColumnId.eq(c)),
        None => existing.filter(lineage_edge::Column::ToColumnId.is_null()),
    };
    if let Some(m) = existing.one(&txn).await? {
        txn.rollback().await?;
        return StoredEdge::from_model(m, 1).ok_or_else(|| LineageError::Invalid("stored edge of unknown kind".into()));
    }
    let now = Utc::now();
    let who = catalog.who().actor.label();
    let edge = NewEdge { from_dataset: from_ds.id, from_column: Some(from_col.id), to_dataset: to_ds.id, to_column: to_col, kind };
    insert_edges(&txn, vec![edge], Origin::Manual, "", &who, now).await?;
    let m = lineage_edge::Entity::find()
        .filter(lineage_edge::Column::Origin.eq(Origin::Manual.as_str()))
        .filter(lineage_edge::Column::FromColumnId.eq(from_col.id))
        .order_by_desc(lineage_edge::Column::Id)
        .one(&txn)
        .await?
        .ok_or_else(|| LineageError::NotFound("the new edge vanished".into()))?;
    let record =
        Record::new(Action::LineageEdgeAdd, vec![GlobalId::lineage_edge(m.id), GlobalId::column(from_col.id), GlobalId::dataset(to_ds.id)])
            .after(serde_json::json!({ "from": from.to_string(), "to": to.to_string(), "kind": kind.as_str() }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    StoredEdge::from_model(m, 1).ok_or_else(|| LineageError::Invalid("stored edge of unknown kind".into()))
}

/// Removes a hand-made edge by id.
pub async fn remove_edge(catalog: &Catalog, id: i64) -> Result<(), LineageError> {
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let Some(m) = lineage_edge::Entity::find_by_id(id).one(&txn).await? else {
        return Err(LineageError::NotFound(format!("lineage edge {id} not found")));
    };
    if m.origin != Origin::Manual.as_str() {
        return Err(LineageError::Invalid(format!(
            "lineage edge {id} comes from {} (not added by hand); it changes with its origin: re-scan the view or submit the SQL again",
            m.origin
        )));
    }
    lineage_edge::Entity::delete_by_id(id).exec(&txn).await?;
    let record = Record::new(Action::LineageEdgeRemove, vec![GlobalId::lineage_edge(id)]).before(serde_json::json!({
        "from_column_id": m.from_column_id, "to_dataset_id": m.to_dataset_id, "to_column_id": m.to_column_id, "kind": m.kind, "created_by": m.created_by,
    }));
    audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    Ok(())
}
