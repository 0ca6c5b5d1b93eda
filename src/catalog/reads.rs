//! Reads of the catalog's tables that other modules build on: which dataset and source a
//! column belongs to, selections of column ids their own queries join on (so a module filters
//! its rows by catalog facts in one statement, without touching the catalog's entities), columns
//! by id with their qualified names, and the bulk read the search index is built from.

use super::entity::{dataset, dataset_column, namespace, source, tag};
use super::{Catalog, CatalogError, Column, QualifiedName};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeSet, HashMap};

/// (source id, dataset id) of a column.
pub async fn column_owner<C: ConnectionTrait>(db: &C, column_id: i64) -> Result<(i64, i64), CatalogError> {
    let col = dataset_column::Entity::find_by_id(column_id)
        .one(db)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("column {column_id} not found")))?;
    let ds = dataset::Entity::find_by_id(col.dataset_id)
        .one(db)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("dataset {} not found", col.dataset_id)))?;
    Ok((ds.source_id, ds.id))
}

/// The ids of the live columns (of live datasets) of a source, as a selection to join on.
pub fn live_columns_of_source(source_id: i64) -> SelectStatement {
    Query::select()
        .column((dataset_column::Entity, dataset_column::Column::Id))
        .from(dataset_column::Entity)
        .inner_join(
            dataset::Entity,
            Expr::col((dataset::Entity, dataset::Column::Id)).equals((dataset_column::Entity, dataset_column::Column::DatasetId)),
        )
        .and_where(Expr::col((dataset::Entity, dataset::Column::SourceId)).eq(source_id))
        .and_where(Expr::col((dataset::Entity, dataset::Column::RemovedAt)).is_null())
        .and_where(Expr::col((dataset_column::Entity, dataset_column::Column::RemovedAt)).is_null())
        .to_owned()
}

/// The ids of every column (removed ones too) of these datasets, as a selection to join on.
pub fn columns_of_datasets(dataset_ids: &[i64]) -> SelectStatement {
    Query::select()
        .column(dataset_column::Column::Id)
        .from(dataset_column::Entity)
        .and_where(dataset_column::Column::DatasetId.is_in(dataset_ids.to_vec()))
        .to_owned()
}

/// The ids of a source's datasets (removed ones too), as a selection to join on.
pub fn datasets_of_source(source_id: i64) -> SelectStatement {
    Query::select().column(dataset::Column::Id).from(dataset::Entity).and_where(dataset::Column::SourceId.eq(source_id)).to_owned()
}

/// The namespace and name of the live file dataset of `source_id` whose files are at
/// `location` (a folder or file URL), if a scan found one.
pub async fn dataset_at_location<C: ConnectionTrait>(db: &C, source_id: i64, location: &str) -> Result<Option<(String, String)>, DbErr> {
    let Some(d) = dataset::Entity::find()
        .filter(dataset::Column::SourceId.eq(source_id))
        .filter(dataset::Column::Location.eq(location))
        .filter(dataset::Column::RemovedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(namespace::Entity::find_by_id(d.namespace_id).one(db).await?.map(|ns| (ns.name, d.name)))
}

/// A live dataset of a source with its live columns in ordinal order, as SQL names them.
#[derive(Debug, Clone)]
pub struct DatasetShape {
    pub id: i64,
    pub namespace: String,
    pub name: String,
    pub kind: String,
    pub columns: Vec<(String, i64)>,
}

/// Every live dataset of a source with its live columns: the schema SQL is resolved against.
pub async fn source_schema<C: ConnectionTrait>(db: &C, source_id: i64) -> Result<Vec<DatasetShape>, DbErr> {
    schema_of(db, source_id, None).await
}

/// [`source_schema`] of the named datasets (namespace, name) only: a few tables of a large
/// source read without reading every column of it.
pub async fn tables_schema<C: ConnectionTrait>(
    db: &C,
    source_id: i64,
    tables: &std::collections::HashSet<(String, String)>,
) -> Result<Vec<DatasetShape>, DbErr> {
    schema_of(db, source_id, Some(tables)).await
}

async fn schema_of<C: ConnectionTrait>(
    db: &C,
    source_id: i64,
    only: Option<&std::collections::HashSet<(String, String)>>,
) -> Result<Vec<DatasetShape>, DbErr> {
    let namespaces: HashMap<i64, String> = namespace::Entity::find()
        .filter(namespace::Column::SourceId.eq(source_id))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id, n.name))
        .collect();
    let mut shapes: HashMap<i64, DatasetShape> = HashMap::new();
    for d in
        dataset::Entity::find().filter(dataset::Column::SourceId.eq(source_id)).filter(dataset::Column::RemovedAt.is_null()).all(db).await?
    {
        let Some(ns) = namespaces.get(&d.namespace_id) else { continue };
        if only.is_some_and(|only| !only.contains(&(ns.clone(), d.name.clone()))) {
            continue;
        }
        shapes.insert(d.id, DatasetShape { id: d.id, namespace: ns.clone(), name: d.name, kind: d.kind, columns: Vec::new() });
    }
    let live = match only {
        None => live_columns_of_source(source_id),
        Some(_) => {
            let ids: Vec<i64> = shapes.keys().copied().collect();
            let mut q = columns_of_datasets(&ids);
            q.and_where(Expr::col(dataset_column::Column::RemovedAt).is_null());
            q
        }
    };
    let cols: Vec<(i64, i64, String)> = dataset_column::Entity::find()
        .select_only()
        .columns([dataset_column::Column::Id, dataset_column::Column::DatasetId, dataset_column::Column::Name])
        .filter(dataset_column::Column::Id.in_subquery(live))
        .order_by_asc(dataset_column::Column::DatasetId)
        .order_by_asc(dataset_column::Column::Ordinal)
        .order_by_asc(dataset_column::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for (id, ds, name) in cols {
        if let Some(s) = shapes.get_mut(&ds) {
            s.columns.push((name, id));
        }
    }
    let mut out: Vec<DatasetShape> = shapes.into_values().collect();
    out.sort_by_key(|s| s.id);
    Ok(out)
}

/// Qualified names of columns and datasets by id (ids that do not exist are absent): for
/// modules that hold ids of catalog objects and show them by name.
pub async fn qualified_names<C: ConnectionTrait>(
    db: &C,
    column_ids: &[i64],
    dataset_ids: &[i64],
) -> Result<(HashMap<i64, QualifiedName>, HashMap<i64, QualifiedName>), DbErr> {
    let mut col_rows: Vec<(i64, i64, String)> = Vec::new();
    let col_set: BTreeSet<i64> = column_ids.iter().copied().collect();
    for chunk in col_set.into_iter().collect::<Vec<_>>().chunks(500) {
        col_rows.extend(
            dataset_column::Entity::find()
                .select_only()
                .columns([dataset_column::Column::Id, dataset_column::Column::DatasetId, dataset_column::Column::Name])
                .filter(dataset_column::Column::Id.is_in(chunk.to_vec()))
                .into_tuple::<(i64, i64, String)>()
                .all(db)
                .await?,
        );
    }
    let ds_set: Vec<i64> = dataset_ids.iter().copied().chain(col_rows.iter().map(|c| c.1)).collect();
    let datasets = dataset_names(db, &ds_set).await?;
    let columns = col_rows.into_iter().filter_map(|(id, ds, name)| datasets.get(&ds).map(|d| (id, d.with_column(&name)))).collect();
    Ok((columns, datasets))
}

/// Qualified names of datasets by id (those that do not exist are absent), read in four queries
/// a chunk.
async fn dataset_names<C: ConnectionTrait>(db: &C, dataset_ids: &[i64]) -> Result<HashMap<i64, QualifiedName>, DbErr> {
    let ids: BTreeSet<i64> = dataset_ids.iter().copied().collect();
    let mut ds_rows: Vec<(i64, i64, String)> = Vec::new();
    for chunk in ids.into_iter().collect::<Vec<_>>().chunks(500) {
        ds_rows.extend(
            dataset::Entity::find()
                .select_only()
                .columns([dataset::Column::Id, dataset::Column::NamespaceId, dataset::Column::Name])
                .filter(dataset::Column::Id.is_in(chunk.to_vec()))
                .into_tuple::<(i64, i64, String)>()
                .all(db)
                .await?,
        );
    }
    let ns_ids: BTreeSet<i64> = ds_rows.iter().map(|d| d.1).collect();
    let namespaces: HashMap<i64, (i64, String)> = namespace::Entity::find()
        .filter(namespace::Column::Id.is_in(ns_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id, (n.source_id, n.name)))
        .collect();
    let src_ids: BTreeSet<i64> = namespaces.values().map(|n| n.0).collect();
    let sources: HashMap<i64, String> =
        source::Entity::find().filter(source::Column::Id.is_in(src_ids)).all(db).await?.into_iter().map(|s| (s.id, s.name)).collect();
    let mut datasets = HashMap::new();
    for (id, ns, name) in ds_rows {
        let Some((src, ns_name)) = namespaces.get(&ns) else { continue };
        let src = sources.get(src).map(String::as_str).unwrap_or_default();
        datasets.insert(id, QualifiedName::dataset(src, ns_name, &name));
    }
    Ok(datasets)
}

/// A dataset as the search index sees it, without what other modules add (categories,
/// meanings).
#[derive(Debug, Clone)]
pub struct DatasetSummary {
    pub id: i64,
    pub source: String,
    pub namespace: String,
    pub name: String,
    pub kind: String,
    pub comment: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// Who answers for it: the assigned owner, else the one the source reports (lower case).
    pub owner: Option<String>,
    pub removed: bool,
    /// A file dataset's folder (or file) URL and format.
    pub location: Option<String>,
    pub format: Option<String>,
    pub columns: Vec<ColumnSummary>,
}

/// A column as the search index sees it.
#[derive(Debug, Clone)]
pub struct ColumnSummary {
    pub id: i64,
    pub name: String,
    pub type_family: String,
    pub comment: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// Dropped from its dataset by a re-scan.
    pub removed: bool,
}

/// A column as read for the index: id, dataset id, name, type family, comment, description,
/// when it was removed.
type ColumnRow = (i64, i64, String, String, Option<String>, Option<String>, Option<chrono::DateTime<chrono::Utc>>);

impl Catalog {
    /// Columns by id, with their qualified names (those that do not exist are absent).
    pub async fn columns_by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Column>, CatalogError> {
        let db = self.connection();
        let ids: BTreeSet<i64> = ids.iter().copied().collect();
        let mut out = HashMap::new();
        for chunk in ids.into_iter().collect::<Vec<_>>().chunks(500) {
            let cols = dataset_column::Entity::find().filter(dataset_column::Column::Id.is_in(chunk.to_vec())).all(db).await?;
            let ds_ids: Vec<i64> = cols.iter().map(|c| c.dataset_id).collect();
            let names = dataset_names(db, &ds_ids).await?;
            for c in cols {
                let Some(qn) = names.get(&c.dataset_id) else { continue };
                out.insert(c.id, Column::from_model(c, qn));
            }
        }
        Ok(out)
    }

    /// All dataset ids, for a full rebuild of the index.
    pub async fn all_dataset_ids(&self) -> Result<Vec<i64>, CatalogError> {
        Ok(dataset::Entity::find().select_only().column(dataset::Column::Id).into_tuple::<i64>().all(self.connection()).await?)
    }

    /// These datasets (a chunk of a few hundred) with their columns and tags, as the search
    /// index holds them; those that no longer exist are absent. Reads only what the index
    /// holds, in five queries: a full rebuild reads every column of the catalog through here.
    pub async fn dataset_summaries(&self, dataset_ids: &[i64], sources: &HashMap<i64, String>) -> Result<Vec<DatasetSummary>, DbErr> {
        let db = self.connection();
        let chunk = dataset_ids;
        let datasets = dataset::Entity::find().filter(dataset::Column::Id.is_in(chunk.to_vec())).all(db).await?;
        // Only the namespaces of these datasets: an outbox catch-up of one edit reads one.
        let namespace_ids: BTreeSet<i64> = datasets.iter().map(|d| d.namespace_id).collect();
        let namespaces: HashMap<i64, String> = namespace::Entity::find()
            .select_only()
            .columns([namespace::Column::Id, namespace::Column::Name])
            .filter(namespace::Column::Id.is_in(namespace_ids))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let mut columns: HashMap<i64, Vec<ColumnRow>> = HashMap::new();
        for c in dataset_column::Entity::find()
            .select_only()
            .columns([
                dataset_column::Column::Id,
                dataset_column::Column::DatasetId,
                dataset_column::Column::Name,
                dataset_column::Column::TypeFamily,
                dataset_column::Column::Comment,
                dataset_column::Column::Description,
                dataset_column::Column::RemovedAt,
            ])
            .filter(dataset_column::Column::DatasetId.is_in(chunk.to_vec()))
            .order_by_asc(dataset_column::Column::DatasetId)
            .order_by_asc(dataset_column::Column::Ordinal)
            .into_tuple::<ColumnRow>()
            .all(db)
            .await?
        {
            columns.entry(c.1).or_default().push(c);
        }
        let mut col_tags: HashMap<i64, Vec<String>> = HashMap::new();
        for (id, name) in tag::Entity::find()
            .select_only()
            .columns([tag::Column::TargetId, tag::Column::Name])
            .filter(tag::Column::TargetKind.eq("column"))
            .filter(tag::Column::TargetId.in_subquery(columns_of_datasets(chunk)))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
        {
            col_tags.entry(id).or_default().push(name);
        }
        let mut ds_tags: HashMap<i64, Vec<String>> = HashMap::new();
        for (id, name) in tag::Entity::find()
            .select_only()
            .columns([tag::Column::TargetId, tag::Column::Name])
            .filter(tag::Column::TargetKind.eq("dataset"))
            .filter(tag::Column::TargetId.is_in(chunk.to_vec()))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
        {
            ds_tags.entry(id).or_default().push(name);
        }
        Ok(datasets
            .into_iter()
            .map(|d| DatasetSummary {
                id: d.id,
                source: sources.get(&d.source_id).cloned().unwrap_or_default(),
                namespace: namespaces.get(&d.namespace_id).cloned().unwrap_or_default(),
                tags: ds_tags.remove(&d.id).unwrap_or_default(),
                owner: d.owner.or(d.source_owner).map(|o| o.to_lowercase()),
                removed: d.removed_at.is_some(),
                location: d.location,
                format: d.format,
                columns: columns
                    .remove(&d.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(id, _, name, type_family, comment, description, removed_at)| ColumnSummary {
                        id,
                        tags: col_tags.remove(&id).unwrap_or_default(),
                        name,
                        type_family,
                        comment,
                        description,
                        removed: removed_at.is_some(),
                    })
                    .collect(),
                name: d.name,
                kind: d.kind,
                comment: d.comment,
                description: d.description,
            })
            .collect())
    }

    /// Source names by id.
    pub async fn source_names(&self) -> Result<HashMap<i64, String>, DbErr> {
        Ok(source::Entity::find()
            .select_only()
            .columns([source::Column::Id, source::Column::Name])
            .into_tuple::<(i64, String)>()
            .all(self.connection())
            .await?
            .into_iter()
            .collect())
    }
}
