//! What the search index is built from: the catalog's datasets with their columns and tags,
//! the personal-data categories privacy keeps, and the meanings in effect that history keeps,
//! read in bulk and put together per dataset.

use crate::catalog::{self, Catalog, CatalogError};
use std::collections::HashMap;

/// A dataset with everything the index needs: the catalog's summary of it and its columns,
/// and what privacy and history add about those columns.
#[derive(Debug, Clone)]
pub struct DatasetDoc {
    pub dataset: catalog::DatasetSummary,
    /// Personal-data categories that are not rejected, by column id.
    pub pii: HashMap<i64, Vec<String>>,
    /// What a column means today (the latest meaning annotation in effect), by column id.
    pub meanings: HashMap<i64, String>,
}

impl DatasetDoc {
    /// A column's personal-data categories.
    pub fn pii_of(&self, column_id: i64) -> &[String] {
        self.pii.get(&column_id).map(Vec::as_slice).unwrap_or_default()
    }

    /// A column's meaning in effect.
    pub fn meaning_of(&self, column_id: i64) -> Option<&str> {
        self.meanings.get(&column_id).map(String::as_str)
    }
}

/// The entries of `all` that belong to the columns of `dataset`, taken out.
fn take_columns<V>(all: &mut HashMap<i64, V>, dataset: &catalog::DatasetSummary) -> HashMap<i64, V> {
    dataset.columns.iter().filter_map(|c| all.remove(&c.id).map(|v| (c.id, v))).collect()
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
            let pii = take_columns(&mut pii, &d);
            let meanings = take_columns(&mut meanings, &d);
            out.push(DatasetDoc { dataset: d, pii, meanings });
        }
    }
    Ok(out)
}
