//! What the search index is built from: the catalog's datasets with their columns and tags,
//! the personal-data categories privacy keeps, and the meanings in effect that history keeps,
//! read in bulk and put together per dataset.

use crate::catalog::{self, Catalog, CatalogError};
use std::collections::HashMap;

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

/// Index documents for these datasets (those that no longer exist are simply absent), in a
/// few queries per chunk of datasets.
pub async fn index_documents(catalog: &Catalog, dataset_ids: &[i64]) -> Result<Vec<DatasetDoc>, CatalogError> {
    let db = catalog.connection();
    let sources = catalog.source_names().await?;
    // Most catalogs hold few meaning annotations: skip the lookups when there are none.
    let any_meaning = crate::history::any_meaning(db).await?;
    let today = chrono::Utc::now().date_naive();
    let mut out = Vec::with_capacity(dataset_ids.len());
    for chunk in dataset_ids.chunks(CHUNK) {
        let summaries = catalog.dataset_summaries(chunk, &sources).await?;
        let mut pii = crate::privacy::classifications::categories_by_column(db, catalog::columns_of_datasets(chunk)).await?;
        let mut meanings: HashMap<i64, String> = if any_meaning {
            crate::history::meanings_in_effect(db, catalog::columns_of_datasets(chunk), today).await?
        } else {
            HashMap::new()
        };
        for d in summaries {
            out.push(DatasetDoc {
                id: d.id,
                source: d.source,
                namespace: d.namespace,
                name: d.name,
                kind: d.kind,
                comment: d.comment,
                description: d.description,
                tags: d.tags,
                owner: d.owner,
                removed: d.removed,
                columns: d
                    .columns
                    .into_iter()
                    .map(|c| ColumnDoc {
                        pii: pii.remove(&c.id).unwrap_or_default(),
                        meaning: meanings.remove(&c.id),
                        id: c.id,
                        name: c.name,
                        type_family: c.type_family,
                        comment: c.comment,
                        description: c.description,
                        tags: c.tags,
                        removed: c.removed,
                    })
                    .collect(),
            });
        }
    }
    Ok(out)
}
