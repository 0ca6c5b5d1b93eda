//! The inventory of personal data: which columns of a source hold which categories. Where
//! personal data lives is itself sensitive, so every listing of it (GraphQL `personalData`,
//! `almanac pii`, a search filtered by `pii:`) writes one audit entry through
//! [`record_listing`], the only way such a listing is recorded.

use super::classifications::{Classification, ClassificationStatus, ClassifiedColumn};
use super::entity as classification;
use crate::audit::{self, Action, Record};
use crate::catalog::{self, Catalog, CatalogError};
use crate::classify::taxonomy::{CategoryKey, Taxonomy};
use crate::ids::GlobalId;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

/// Which classified columns of one source to list.
#[derive(Debug, Clone, Default)]
pub struct InventoryFilter {
    /// The source, by name.
    pub source: String,
    /// Only these categories (all when empty).
    pub categories: Vec<CategoryKey>,
    /// Only this status; without it, every status but `rejected`.
    pub status: Option<ClassificationStatus>,
    /// Only special categories (GDPR Art. 9).
    pub special_only: bool,
}

impl InventoryFilter {
    /// The categories asked for, None for all.
    fn categories(&self, taxonomy: &Taxonomy) -> Option<Vec<String>> {
        let mut wanted: Vec<CategoryKey> = self.categories.clone();
        if self.special_only {
            let special = taxonomy.special_keys();
            wanted = if wanted.is_empty() { special } else { wanted.into_iter().filter(|c| special.contains(c)).collect() };
        }
        (!wanted.is_empty() || self.special_only).then(|| wanted.iter().map(|c| c.to_string()).collect())
    }
}

/// How a listing of personal data reached someone, for its audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingVia {
    /// GraphQL `personalData` or `almanac pii`.
    Inventory,
    /// A search filtered by `pii:`.
    Search,
    /// An access request's export of a data subject's rows.
    AccessRequest,
}

/// Records that the catalog's actor was shown where personal data lives: one entry per
/// listing, naming the sources (when known), how, what was asked, and how many rows.
pub async fn record_listing(
    catalog: &Catalog,
    sources: &[i64],
    via: ListingVia,
    asked: serde_json::Value,
    rows: usize,
) -> Result<(), CatalogError> {
    let via = match via {
        ListingVia::Inventory => "inventory",
        ListingVia::Search => "search",
        ListingVia::AccessRequest => "access_request",
    };
    let mut after = json!({ "via": via, "rows": rows });
    if let (Some(a), Some(extra)) = (after.as_object_mut(), asked.as_object()) {
        a.extend(extra.clone());
    }
    let record = Record::new(Action::PersonalDataRead, sources.iter().map(|id| GlobalId::source(*id)).collect()).after(after);
    audit::record(catalog.connection(), catalog.who(), record).await?;
    Ok(())
}

/// One page of the inventory, in classification id order after `after`, audited. Removed
/// columns and datasets are left out; rejected classifications only when asked for.
pub async fn list(
    catalog: &Catalog,
    taxonomy: &Taxonomy,
    filter: &InventoryFilter,
    after: Option<i64>,
    limit: u64,
) -> Result<(Vec<ClassifiedColumn>, bool), CatalogError> {
    let source = catalog.source_by_name(&filter.source).await?;
    let (rows, more) = page(catalog, taxonomy, source.id, filter, after, limit).await?;
    record_listing(catalog, &[source.id], ListingVia::Inventory, asked(taxonomy, filter), rows.len()).await?;
    Ok((rows, more))
}

fn asked(taxonomy: &Taxonomy, filter: &InventoryFilter) -> serde_json::Value {
    json!({ "categories": filter.categories(taxonomy), "status": filter.status.map(|s| s.as_str()), "special_only": filter.special_only })
}

/// The classifications of a source's live columns that `filter` selects.
fn selected(taxonomy: &Taxonomy, source_id: i64, filter: &InventoryFilter) -> sea_orm::Select<classification::Entity> {
    let mut q =
        classification::Entity::find().filter(classification::Column::ColumnId.in_subquery(catalog::live_columns_of_source(source_id)));
    q = match filter.status {
        Some(s) => q.filter(classification::Column::Status.eq(s)),
        None => q.filter(classification::Column::Status.ne(ClassificationStatus::Rejected)),
    };
    if let Some(cats) = filter.categories(taxonomy) {
        q = q.filter(classification::Column::Category.is_in(cats));
    }
    q
}

/// How many rows the inventory holds for `filter` over all its pages (a count, not a
/// listing: it names no column).
pub async fn count(catalog: &Catalog, taxonomy: &Taxonomy, filter: &InventoryFilter) -> Result<u64, CatalogError> {
    use sea_orm::PaginatorTrait;
    let source = catalog.source_by_name(&filter.source).await?;
    Ok(selected(taxonomy, source.id, filter).count(catalog.connection()).await?)
}

async fn page(
    catalog: &Catalog,
    taxonomy: &Taxonomy,
    source_id: i64,
    filter: &InventoryFilter,
    after: Option<i64>,
    limit: u64,
) -> Result<(Vec<ClassifiedColumn>, bool), CatalogError> {
    let mut q = selected(taxonomy, source_id, filter);
    if let Some(after) = after {
        q = q.filter(classification::Column::Id.gt(after));
    }
    let mut rows = q.order_by_asc(classification::Column::Id).limit(limit + 1).all(catalog.connection()).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let column_ids: Vec<i64> = rows.iter().map(|r| r.column_id).collect();
    let mut columns = catalog.columns_by_ids(&column_ids).await?;
    let out = rows
        .into_iter()
        .filter_map(|r| {
            let column = columns.get(&r.column_id)?.clone();
            Some(ClassifiedColumn { column, classification: Classification::from(r) })
        })
        .collect();
    columns.clear();
    Ok((out, more))
}

/// A column holding a personal-data category because a column upstream holds it.
#[derive(Debug, Clone)]
pub struct PropagatedColumn {
    pub column: catalog::Column,
    pub category: CategoryKey,
    /// The classified column it came from.
    pub origin: catalog::names::QualifiedName,
    /// Columns from the origin to this one, both included.
    pub path: Vec<catalog::names::QualifiedName>,
}

/// The columns of a source that hold a category through lineage (identity and transformed
/// edges from a classified column, of any source), filtered like the inventory; audited as a
/// listing. A status filter other than none leaves them out: they have no status of their own.
pub async fn propagated(catalog: &Catalog, taxonomy: &Taxonomy, filter: &InventoryFilter) -> Result<Vec<PropagatedColumn>, CatalogError> {
    let source = catalog.source_by_name(&filter.source).await?;
    let out = find_propagated(catalog, taxonomy, filter, &source.name).await?;
    let asked = json!({ "propagated": true, "categories": filter.categories(taxonomy) });
    record_listing(catalog, &[source.id], ListingVia::Inventory, asked, out.len()).await?;
    Ok(out)
}

/// The whole inventory of a source and the columns holding a category through lineage,
/// audited as one listing (what `almanac pii` shows).
pub async fn list_all_with_propagated(
    catalog: &Catalog,
    taxonomy: &Taxonomy,
    filter: &InventoryFilter,
) -> Result<(Vec<ClassifiedColumn>, Vec<PropagatedColumn>), CatalogError> {
    let source = catalog.source_by_name(&filter.source).await?;
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let (part, more) = page(catalog, taxonomy, source.id, filter, after, 500).await?;
        after = part.last().map(|r| r.classification.id);
        rows.extend(part);
        if !more {
            break;
        }
    }
    let propagated = find_propagated(catalog, taxonomy, filter, &source.name).await?;
    let mut asked = asked(taxonomy, filter);
    asked["propagated"] = json!(propagated.len());
    record_listing(catalog, &[source.id], ListingVia::Inventory, asked, rows.len() + propagated.len()).await?;
    Ok((rows, propagated))
}

async fn find_propagated(
    catalog: &Catalog,
    taxonomy: &Taxonomy,
    filter: &InventoryFilter,
    source: &str,
) -> Result<Vec<PropagatedColumn>, CatalogError> {
    if filter.status.is_some() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String, ClassificationStatus)> = classification::Entity::find()
        .select_only()
        .columns([classification::Column::ColumnId, classification::Column::Category, classification::Column::Status])
        .into_tuple()
        .all(catalog.connection())
        .await?;
    let mut seeds = Vec::new();
    let mut rejected = std::collections::HashSet::new();
    for (col, cat, status) in rows {
        if status == ClassificationStatus::Rejected {
            rejected.insert((col, cat));
        } else {
            seeds.push((col, cat));
        }
    }
    let wanted = filter.categories(taxonomy);
    let found = crate::lineage::propagate::propagate(catalog.connection(), &seeds, &rejected, false).await?;
    let found: Vec<_> = found.into_iter().filter(|p| wanted.as_ref().is_none_or(|w| w.contains(&p.category))).collect();
    let ids: Vec<i64> = found.iter().flat_map(|p| p.path.iter().copied()).collect();
    let columns = catalog.columns_by_ids(&ids).await?;
    let live: std::collections::HashSet<i64> = found
        .iter()
        .filter_map(|p| columns.get(&p.column_id))
        .filter(|c| c.qualified_name.source == source && c.removed_at.is_none())
        .map(|c| c.id)
        .collect();
    let mut out = Vec::new();
    for p in found {
        if !live.contains(&p.column_id) {
            continue;
        }
        let (Some(column), Some(origin)) = (columns.get(&p.column_id), columns.get(&p.origin_column_id)) else { continue };
        let path = p.path.iter().filter_map(|c| columns.get(c).map(|c| c.qualified_name.clone())).collect();
        out.push(PropagatedColumn {
            column: column.clone(),
            category: CategoryKey::stored(p.category),
            origin: origin.qualified_name.clone(),
            path,
        });
    }
    out.sort_by(|a, b| {
        (a.column.qualified_name.to_string(), a.category.as_str()).cmp(&(b.column.qualified_name.to_string(), b.category.as_str()))
    });
    Ok(out)
}
