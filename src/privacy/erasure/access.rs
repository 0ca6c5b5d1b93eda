//! Access requests (GDPR Art. 15): the subject's rows in every database source, found the way
//! an erasure plan finds them, exported grouped by dataset with the personal-data categories
//! the catalog knows for each column. Every export is audited as a listing of personal data
//! (how many identifiers and rows, never which).

use super::footprint::{self, TableKey};
use super::request::{database_sources, ManualTask};
use super::subject::SubjectIdentifier;
use super::ErasureError;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::privacy::inventory::{record_listing, ListingVia};
use sea_orm::sea_query::{Alias, Expr, Query};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Rows exported per dataset at most; more are reported as cut.
pub const MAX_ROWS_PER_DATASET: u64 = 10_000;

/// One dataset's rows of the subject.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedDataset {
    /// `source.namespace.dataset`.
    pub dataset: String,
    /// The personal-data categories of its columns (not rejected), by column.
    pub categories: BTreeMap<String, Vec<String>>,
    /// Each row as column name to value as text (null as null).
    pub rows: Vec<BTreeMap<String, Option<String>>>,
    /// More rows than [`MAX_ROWS_PER_DATASET`] matched; the rest are not in the export.
    pub truncated: bool,
}

/// What an access request returns to the subject.
#[derive(Debug, Clone, Serialize)]
pub struct AccessExport {
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub datasets: Vec<ExportedDataset>,
    /// Sources not searched automatically (lakes), and copies for a person to look at.
    pub manual_tasks: Vec<ManualTask>,
    /// Foreign-key paths not followed.
    pub not_followed: Vec<String>,
    /// Datasets downstream (through lineage) of the subject's personal columns, outside this
    /// export, with their owners: where the data went (GDPR Art. 15(1)(c)).
    pub recipients: Vec<super::request::Recipient>,
    /// What the catalog does not record yet, stated rather than left out.
    pub purposes: String,
}

/// Exports the subject's rows from every scanned database source.
pub async fn export(catalog: &Catalog, config: &Config, subjects: &[SubjectIdentifier]) -> Result<AccessExport, ErasureError> {
    if subjects.is_empty() {
        return Err(ErasureError::NoSubject);
    }
    let mut datasets = Vec::new();
    let mut manual_tasks = Vec::new();
    let mut not_followed = Vec::new();
    let mut searched = Vec::new();
    for source in database_sources(catalog, &mut manual_tasks).await? {
        searched.push(source.id);
        let (mut conn, source) = footprint::connect(catalog, config, &source.name, false).await?;
        let result = async {
            let located = footprint::locate(catalog, config, &mut conn, &source, subjects).await?;
            let categories = column_categories(catalog, source.id, &located.selections.keys().cloned().collect()).await?;
            not_followed.extend(located.footprint.cut.iter().map(|c| format!("{}: {c}", source.name)));
            manual_tasks.extend(located.footprint.copies.iter().map(|c| ManualTask { source: source.name.clone(), reason: c.clone() }));
            for (table, selection) in &located.selections {
                let Some(own) = &selection.own else { continue };
                let mut select = Query::select();
                select.from(footprint::table_ref(table)).cond_where(own.clone()).limit(MAX_ROWS_PER_DATASET + 1);
                for c in &selection.columns {
                    select.expr(conn.as_text(Expr::col(Alias::new(c))));
                }
                let mut rows = conn.text_rows(&select, selection.columns.len()).await.map_err(|e| ErasureError::Query {
                    source_name: source.name.clone(),
                    dataset: footprint::show(table),
                    message: footprint::redact(&e.to_string(), subjects),
                })?;
                let truncated = rows.len() as u64 > MAX_ROWS_PER_DATASET;
                rows.truncate(MAX_ROWS_PER_DATASET as usize);
                let rows = rows.into_iter().map(|r| selection.columns.iter().cloned().zip(r).collect()).collect();
                let of_table = categories.get(table).cloned().unwrap_or_default();
                datasets.push(ExportedDataset {
                    dataset: crate::catalog::names::QualifiedName::dataset(&source.name, &table.0, &table.1).to_string(),
                    categories: of_table,
                    rows,
                    truncated,
                });
            }
            Ok::<(), ErasureError>(())
        }
        .await;
        conn.close().await;
        result?;
    }
    let rows: usize = datasets.iter().map(|d| d.rows.len()).sum();
    record_listing(
        catalog,
        &searched,
        ListingVia::AccessRequest,
        serde_json::json!({ "identifiers": subjects.len(), "datasets": datasets.len() }),
        rows,
    )
    .await?;
    let exported = datasets.iter().map(|d| d.dataset.clone()).collect();
    let personal: Vec<(String, String)> =
        datasets.iter().flat_map(|d| d.categories.keys().map(|c| (d.dataset.clone(), c.clone()))).collect();
    let recipients = super::request::recipients(catalog, &exported, &personal).await?;
    Ok(AccessExport {
        generated_at: chrono::Utc::now(),
        datasets,
        manual_tasks,
        not_followed,
        recipients,
        purposes: "not recorded in the catalog yet: give them from the record of processing activities".into(),
    })
}

/// Fulfils a stored access request: exports the subject's data with the request's sealed
/// identifiers, then completes the request and drops them (nothing is kept to recognise the
/// subject: an access request erases nothing). With manual tasks, paths not followed or rows
/// beyond the bound, the request is partially completed instead and keeps them. Audited
/// under the request's id.
pub async fn fulfil(catalog: &Catalog, config: &Config, id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<AccessExport, ErasureError> {
    use super::entity as privacy_request;
    use super::request::{identifiers, PrivacyRequest, RequestKind, RequestStatus};
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QuerySelect, Set};
    let model = privacy_request::Entity::find_by_id(id).one(catalog.connection()).await?.ok_or(ErasureError::NoRequest(id))?;
    let request = PrivacyRequest::try_from(model.clone())?;
    if request.kind != RequestKind::Access {
        return Err(ErasureError::WrongKind { id, kind: request.kind.as_str() });
    }
    if !matches!(request.status, RequestStatus::Received | RequestStatus::PartiallyCompleted) {
        return Err(ErasureError::WrongState { id, status: request.status.as_str(), wanted: "received or partially completed" });
    }
    let subjects = identifiers(catalog, config, &model).await?;
    let exported = export(catalog, config, &subjects).await?;
    let txn = crate::store::begin_write(catalog.connection()).await?;
    let current = privacy_request::Entity::find_by_id(id).lock_exclusive().one(&txn).await?.ok_or(ErasureError::NoRequest(id))?;
    if current.status != model.status {
        return Err(ErasureError::Concurrent(id));
    }
    // What a person must still search by hand, or rows beyond the export's bound, keep the
    // request open with its identifiers.
    let partial = !exported.manual_tasks.is_empty() || !exported.not_followed.is_empty() || exported.datasets.iter().any(|d| d.truncated);
    let status = if partial { RequestStatus::PartiallyCompleted } else { RequestStatus::Completed };
    let mut active = current.into_active_model();
    active.status = Set(status.as_str().into());
    if !partial {
        active.subjects_sealed = Set(None);
        active.closed_at = Set(Some(now));
    }
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let rows: usize = exported.datasets.iter().map(|d| d.rows.len()).sum();
    let record = crate::audit::Record::new(crate::audit::Action::PrivacyRequestExecute, vec![crate::ids::GlobalId::privacy_request(id)])
        .before(serde_json::json!({ "status": "received" }))
        .after(serde_json::json!({ "status": status.as_str(), "exported_datasets": exported.datasets.len(), "exported_rows": rows }));
    crate::audit::append(&txn, catalog.who(), record).await?;
    txn.commit().await?;
    Ok(exported)
}

/// The personal-data categories of the live columns of a source's `tables`, by dataset and
/// column (only those tables are read: a footprint is a few tables of a large source).
pub(super) async fn column_categories(
    catalog: &Catalog,
    source_id: i64,
    tables: &HashSet<TableKey>,
) -> Result<HashMap<TableKey, BTreeMap<String, Vec<String>>>, ErasureError> {
    let db = catalog.connection();
    let shapes = crate::catalog::tables_schema(db, source_id, tables).await?;
    let ids: Vec<i64> = shapes.iter().map(|s| s.id).collect();
    let by_id = crate::privacy::classifications::categories_by_column(db, crate::catalog::columns_of_datasets(&ids)).await?;
    let mut out: HashMap<TableKey, BTreeMap<String, Vec<String>>> = HashMap::new();
    for shape in shapes {
        for (name, id) in &shape.columns {
            if let Some(categories) = by_id.get(id) {
                let mut categories = categories.clone();
                categories.sort();
                out.entry((shape.namespace.clone(), shape.name.clone())).or_default().insert(name.clone(), categories);
            }
        }
    }
    Ok(out)
}
