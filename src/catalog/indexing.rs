//! What the search index is built from: datasets with their columns, tags and personal-data
//! categories, read in bulk; and the outbox that says which datasets changed.

use super::entity::{classification, column_meaning, dataset, dataset_column, namespace, search_outbox, source, tag};
use super::{Catalog, CatalogError};
use crate::catalog::classifications::ClassificationStatus;
use chrono::Utc;
use sea_orm::{ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::collections::{BTreeSet, HashMap};

/// A column as the search index sees it.
#[derive(Debug, Clone)]
pub struct ColumnDoc {
    pub id: i64,
    pub name: String,
    pub type_family: String,
    pub comment: Option<String>,
    pub description: Option<String>,
    /// What the column means today (the latest meaning annotation in effect).
    pub meaning: Option<String>,
    pub tags: Vec<String>,
    /// Personal-data categories that are not rejected.
    pub pii: Vec<String>,
    /// Dropped from its dataset by a re-scan (found only when removed items are asked for).
    pub removed: bool,
}

/// A dataset with everything the index needs.
#[derive(Debug, Clone)]
pub struct DatasetDoc {
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
    pub columns: Vec<ColumnDoc>,
}

const CHUNK: usize = 500;

/// Appends datasets to the search outbox (inside the caller's transaction).
pub(crate) async fn enqueue<C: ConnectionTrait>(db: &C, dataset_ids: impl IntoIterator<Item = i64>) -> Result<(), DbErr> {
    let ids: BTreeSet<i64> = dataset_ids.into_iter().collect();
    let now = Utc::now();
    let rows: Vec<search_outbox::ActiveModel> =
        ids.into_iter().map(|id| search_outbox::ActiveModel { id: NotSet, dataset_id: Set(id), created_at: Set(now) }).collect();
    super::insert_in_chunks(db, rows, CHUNK).await
}

impl Catalog {
    /// Outbox entries after position `after`: (last position, dataset ids).
    pub async fn outbox_after(&self, after: i64, limit: u64) -> Result<(i64, Vec<i64>), CatalogError> {
        let rows = search_outbox::Entity::find()
            .filter(search_outbox::Column::Id.gt(after))
            .order_by_asc(search_outbox::Column::Id)
            .limit(limit)
            .all(self.connection())
            .await?;
        let last = rows.last().map_or(after, |r| r.id);
        let ids: BTreeSet<i64> = rows.into_iter().map(|r| r.dataset_id).collect();
        Ok((last, ids.into_iter().collect()))
    }

    /// The newest outbox position (where a freshly rebuilt index starts following).
    pub async fn outbox_head(&self) -> Result<i64, CatalogError> {
        Ok(search_outbox::Entity::find()
            .order_by_desc(search_outbox::Column::Id)
            .one(self.connection())
            .await?
            .map_or(0, |r| r.id))
    }

    /// All dataset ids, for a full rebuild.
    pub async fn all_dataset_ids(&self) -> Result<Vec<i64>, CatalogError> {
        Ok(dataset::Entity::find().select_only().column(dataset::Column::Id).into_tuple::<i64>().all(self.connection()).await?)
    }

    /// Index documents for these datasets (those that no longer exist are simply absent).
    /// Reads only what the index holds, in a few queries per chunk of datasets: a full
    /// rebuild reads every column of the catalog through here.
    pub async fn index_documents(&self, dataset_ids: &[i64]) -> Result<Vec<DatasetDoc>, CatalogError> {
        let db = self.connection();
        let sources: HashMap<i64, String> = source::Entity::find()
            .select_only()
            .columns([source::Column::Id, source::Column::Name])
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        // Most catalogs hold few meaning annotations: skip the lookups when there are none.
        let any_meaning = column_meaning::Entity::find().one(db).await?.is_some();
        let today = chrono::Utc::now().date_naive();
        let mut out = Vec::with_capacity(dataset_ids.len());
        for chunk in dataset_ids.chunks(CHUNK) {
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
            // The columns of the chunk (removed ones too: `includeRemoved` finds them), as a
            // subquery for their tags, categories and meanings.
            let chunk_columns = || {
                sea_orm::sea_query::Query::select()
                    .column(dataset_column::Column::Id)
                    .from(dataset_column::Entity)
                    .and_where(dataset_column::Column::DatasetId.is_in(chunk.to_vec()))
                    .to_owned()
            };
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
            let mut col_meaning: HashMap<i64, String> = HashMap::new();
            if any_meaning {
                // Latest effective date first (then latest written): the first per column wins.
                for (column_id, meaning) in column_meaning::Entity::find()
                    .select_only()
                    .columns([column_meaning::Column::ColumnId, column_meaning::Column::Meaning])
                    .filter(column_meaning::Column::ColumnId.in_subquery(chunk_columns()))
                    .filter(column_meaning::Column::EffectiveFrom.lte(today))
                    .order_by_desc(column_meaning::Column::EffectiveFrom)
                    .order_by_desc(column_meaning::Column::Id)
                    .into_tuple::<(i64, String)>()
                    .all(db)
                    .await?
                {
                    col_meaning.entry(column_id).or_insert(meaning);
                }
            }
            let mut col_tags: HashMap<i64, Vec<String>> = HashMap::new();
            for (id, name) in tag::Entity::find()
                .select_only()
                .columns([tag::Column::TargetId, tag::Column::Name])
                .filter(tag::Column::TargetKind.eq("column"))
                .filter(tag::Column::TargetId.in_subquery(chunk_columns()))
                .into_tuple::<(i64, String)>()
                .all(db)
                .await?
            {
                col_tags.entry(id).or_default().push(name);
            }
            let mut col_pii: HashMap<i64, Vec<String>> = HashMap::new();
            for (id, category) in classification::Entity::find()
                .select_only()
                .columns([classification::Column::ColumnId, classification::Column::Category])
                .filter(classification::Column::ColumnId.in_subquery(chunk_columns()))
                .filter(classification::Column::Status.ne(ClassificationStatus::Rejected.as_str()))
                .into_tuple::<(i64, String)>()
                .all(db)
                .await?
            {
                col_pii.entry(id).or_default().push(category);
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
            for d in datasets {
                let cols = columns.remove(&d.id).unwrap_or_default();
                out.push(DatasetDoc {
                    id: d.id,
                    source: sources.get(&d.source_id).cloned().unwrap_or_default(),
                    namespace: namespaces.get(&d.namespace_id).cloned().unwrap_or_default(),
                    name: d.name,
                    kind: d.kind,
                    comment: d.comment,
                    description: d.description,
                    tags: ds_tags.remove(&d.id).unwrap_or_default(),
                    owner: d.owner.or(d.source_owner).map(|o| o.to_lowercase()),
                    removed: d.removed_at.is_some(),
                    columns: cols
                        .into_iter()
                        .map(|(id, _, name, type_family, comment, description, removed_at)| ColumnDoc {
                            id,
                            tags: col_tags.remove(&id).unwrap_or_default(),
                            pii: col_pii.remove(&id).unwrap_or_default(),
                            meaning: col_meaning.remove(&id),
                            name,
                            type_family,
                            comment,
                            description,
                            removed: removed_at.is_some(),
                        })
                        .collect(),
                });
            }
        }
        Ok(out)
    }
}

/// A column as read for the index: id, dataset id, name, type family, comment, description,
/// when it was removed.
type ColumnRow = (i64, i64, String, String, Option<String>, Option<String>, Option<chrono::DateTime<Utc>>);
