//! The catalog: sources, scans, namespaces, datasets, columns, foreign keys, tags, curated
//! descriptions, owners and change events. Owns their tables; everything outside reads and
//! edits them through [`Catalog`], the domain types in [`types`], and a few narrow functions
//! (`record_event`, `column_owner`, the column selections other modules' queries join on).
//! [`ingest`] is its bulk writer: the one place a scan's structure enters its tables.

mod change_kind;
pub mod changes;
pub mod declared;
mod entity;
pub mod ingest;
pub mod names;
mod reads;
pub mod types;

use crate::audit::{self, Action, Record, Who};
use crate::ids::GlobalId;
use crate::store::begin_write;
pub use changes::{change_event, record_event, ChangeEvent, ChangeFilter, ChangeKind};
use chrono::Utc;
use entity::{dataset, dataset_column, foreign_key, namespace, scan, source, tag};
pub use names::SourceName;
use names::{NameError, OwnerName, QualifiedName, TagName};
pub use reads::{
    column_owner, columns_of_datasets, dataset_at_location, datasets_of_source, live_columns_of_source, qualified_names, source_schema,
    tables_schema, ColumnSummary, DatasetShape, DatasetSummary,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;
pub use types::*;

/// Why a catalog operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The message says what was not found (and, for a name, what was probably meant).
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("stale edit: the {what} is at version {current}, but the edit was made against version {expected}; reload and retry")]
    StaleVersion { what: &'static str, current: i32, expected: i32 },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("catalog store error: {0}")]
    Store(#[from] DbErr),
}

/// Longest curated description accepted.
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;

/// Handle on the catalog store, acting for someone: every change made through it is
/// recorded in the audit log under that actor.
#[derive(Clone)]
pub struct Catalog {
    db: DatabaseConnection,
    who: std::sync::Arc<Who>,
    /// How long a scan's job lease lasts between renewals (see [`crate::jobs`]).
    job_lease: std::time::Duration,
}

fn validate_env_name(name: &str) -> Result<(), CatalogError> {
    let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(CatalogError::Invalid(format!("`{name}` is not a valid environment variable name")))
    }
}

impl Catalog {
    /// Wraps an open, migrated store connection.
    /// The handle acts for the local user until `acting` names someone else.
    pub fn new(db: DatabaseConnection) -> Self {
        Catalog { db, who: std::sync::Arc::new(Who::local()), job_lease: crate::jobs::DEFAULT_LEASE }
    }

    /// The same catalog, acting for `who`.
    pub fn acting(&self, who: Who) -> Catalog {
        Catalog { who: std::sync::Arc::new(who), ..self.clone() }
    }

    /// The same catalog, with scans' job leases of `lease`.
    pub fn with_job_lease(self, lease: std::time::Duration) -> Catalog {
        Catalog { job_lease: lease, ..self }
    }

    /// How long a scan's job lease lasts between renewals.
    pub fn job_lease(&self) -> std::time::Duration {
        self.job_lease
    }

    /// Who this handle acts for.
    pub fn who(&self) -> &Who {
        &self.who
    }

    /// The store connection, for modules that own tables of their own.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    // ---- sources ----

    /// All registered sources (not removed), by name.
    pub async fn sources(&self) -> Result<Vec<Source>, CatalogError> {
        Ok(source::Entity::find()
            .filter(source::Column::RemovedAt.is_null())
            .order_by_asc(source::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Source::from)
            .collect())
    }

    /// A registered source by name; a miss suggests the name most likely meant.
    pub async fn source_by_name(&self, name: &str) -> Result<Source, CatalogError> {
        if let Some(m) =
            source::Entity::find().filter(source::Column::Name.eq(name)).filter(source::Column::RemovedAt.is_null()).one(&self.db).await?
        {
            return Ok(m.into());
        }
        let hint = closest_name::<source::Entity>(&self.db, source::Column::Name, source::Column::RemovedAt.is_null().into(), name)
            .await?
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        Err(CatalogError::NotFound(format!("source `{name}` not found{hint}")))
    }

    /// Removes a source: its datasets are marked removed (their history, classifications and
    /// audit entries stay, and the search index drops them); the name can be registered again.
    /// Refused while a scan of the source runs.
    pub async fn remove_source(&self, name: &str) -> Result<Source, CatalogError> {
        let source = self.source_by_name(name).await?;
        let txn = begin_write(&self.db).await?;
        fail_abandoned_scans(&txn).await?;
        if let Some(r) = scan::Entity::find()
            .filter(scan::Column::SourceId.eq(source.id))
            .filter(scan::Column::Status.eq(ScanStatus::Running))
            .one(&txn)
            .await?
        {
            return Err(CatalogError::Conflict(format!("scan {} of source `{name}` is running; remove the source when it ends", r.id)));
        }
        let now = Utc::now();
        let live: Vec<(i64, String)> = dataset::Entity::find()
            .select_only()
            .columns([dataset::Column::Id, dataset::Column::Kind])
            .filter(dataset::Column::SourceId.eq(source.id))
            .filter(dataset::Column::RemovedAt.is_null())
            .into_tuple()
            .all(&txn)
            .await?;
        let ids: Vec<i64> = live.iter().map(|(id, _)| *id).collect();
        for chunk in ids.chunks(500) {
            dataset::Entity::update_many()
                .col_expr(dataset::Column::RemovedAt, Expr::value(now))
                .col_expr(dataset::Column::UpdatedAt, Expr::value(now))
                .filter(dataset::Column::Id.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?;
            crate::outbox::enqueue(&txn, chunk.iter().copied()).await?;
        }
        for (id, kind) in &live {
            let details = serde_json::json!({ "kind": kind, "reason": "source removed" });
            record_event(&txn, source.id, None, Some(*id), None, ChangeKind::DatasetRemoved, details, now).await?;
        }
        source::Entity::update_many()
            .col_expr(source::Column::RemovedAt, Expr::value(now))
            .col_expr(source::Column::UpdatedAt, Expr::value(now))
            .filter(source::Column::Id.eq(source.id))
            .exec(&txn)
            .await?;
        let record = Record::new(Action::SourceRemove, vec![GlobalId::source(source.id)])
            .before(serde_json::json!({ "name": source.name, "engine": source.engine, "url": source.url }))
            .after(serde_json::json!({ "removed_at": now, "datasets_removed": ids.len() }));
        audit::append(&txn, &self.who, record).await?;
        txn.commit().await?;
        Ok(source)
    }

    /// Corrects a registered source's connection: its URL (without password; same engine), the
    /// secret's environment variable or file, or its sample size. Fields left `None` stay.
    pub async fn update_source(&self, name: &str, change: SourceChange) -> Result<Source, CatalogError> {
        let current = self.source_by_name(name).await?;
        if let Some(env) = change.password_env.as_ref().and_then(|e| e.as_deref()) {
            validate_env_name(env)?;
        }
        if let Some(Some(rows)) = change.sample_rows {
            if !(0..=100_000).contains(&rows) {
                return Err(CatalogError::Invalid("sample rows must be between 0 and 100000".into()));
            }
        }
        if let Some(url) = &change.url {
            if url.engine().as_str() != current.engine {
                return Err(CatalogError::Invalid(format!(
                    "source `{name}` is a {} source; a {} URL cannot replace its URL (remove the source and register a new one)",
                    current.engine,
                    url.engine().as_str()
                )));
            }
        }
        let url = change.url.map(|u| u.redacted()).unwrap_or_else(|| current.url.clone());
        let password_env = change.password_env.unwrap_or_else(|| current.password_env.clone());
        let password_file = change.password_file.unwrap_or_else(|| current.password_file.clone());
        let sample_rows = change.sample_rows.unwrap_or(current.sample_rows);
        if (&url, &password_env, &password_file, sample_rows)
            == (&current.url, &current.password_env, &current.password_file, current.sample_rows)
        {
            return Ok(current);
        }
        let txn = begin_write(&self.db).await?;
        let now = Utc::now();
        source::Entity::update_many()
            .col_expr(source::Column::Url, Expr::value(url.clone()))
            .col_expr(source::Column::PasswordEnv, Expr::value(password_env.clone()))
            .col_expr(source::Column::PasswordFile, Expr::value(password_file.clone()))
            .col_expr(source::Column::SampleRows, Expr::value(sample_rows))
            .col_expr(source::Column::UpdatedAt, Expr::value(now))
            .filter(source::Column::Id.eq(current.id))
            .exec(&txn)
            .await?;
        let record = Record::new(Action::SourceUpdate, vec![GlobalId::source(current.id)])
            .before(serde_json::json!({ "url": current.url, "password_env": current.password_env, "password_file": current.password_file, "sample_rows": current.sample_rows }))
            .after(serde_json::json!({ "url": url, "password_env": password_env, "password_file": password_file, "sample_rows": sample_rows }));
        audit::append(&txn, &self.who, record).await?;
        txn.commit().await?;
        self.source(current.id).await
    }

    /// Undoes the registration of a source whose first scan failed, so that a scan with a
    /// corrected URL can register the name again: nothing of it stays but the audit entries
    /// (and one saying why it went). Does nothing once a scan of it has succeeded.
    pub async fn forget_unscanned_source(&self, id: i64, reason: &str) -> Result<bool, CatalogError> {
        let txn = begin_write(&self.db).await?;
        let scans = scan::Entity::find().filter(scan::Column::SourceId.eq(id)).all(&txn).await?;
        let datasets = dataset::Entity::find().filter(dataset::Column::SourceId.eq(id)).count(&txn).await?;
        if datasets > 0 || scans.iter().any(|s| s.status != ScanStatus::Failed) {
            return Ok(false);
        }
        let Some(m) = source::Entity::find_by_id(id).one(&txn).await? else { return Ok(false) };
        namespace::Entity::delete_many().filter(namespace::Column::SourceId.eq(id)).exec(&txn).await?;
        scan::Entity::delete_many().filter(scan::Column::SourceId.eq(id)).exec(&txn).await?;
        source::Entity::delete_by_id(id).exec(&txn).await?;
        let record = Record::new(Action::SourceRemove, vec![GlobalId::source(id)])
            .before(serde_json::json!({ "name": m.name, "engine": m.engine, "url": m.url }))
            .after(serde_json::json!({ "reason": reason }));
        audit::append(&txn, &self.who, record).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// A source by id.
    pub async fn source(&self, id: i64) -> Result<Source, CatalogError> {
        source::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(Source::from)
            .ok_or_else(|| CatalogError::NotFound(format!("source {id} not found")))
    }

    /// Registers a new source; its URL is stored without password.
    pub async fn register_source(&self, new: NewSource) -> Result<Source, CatalogError> {
        if let Some(env) = &new.password_env {
            validate_env_name(env)?;
        }
        if let Some(rows) = new.sample_rows {
            if !(0..=100_000).contains(&rows) {
                return Err(CatalogError::Invalid("sample rows must be between 0 and 100000".into()));
            }
        }
        let txn = begin_write(&self.db).await?;
        let now = Utc::now();
        let existing = source::Entity::find().filter(source::Column::Name.eq(new.name.as_str())).one(&txn).await?;
        if let Some(old) = existing {
            if old.removed_at.is_none() {
                return Err(CatalogError::Conflict(format!("a source named `{}` is already registered", new.name)));
            }
            // The history kept under the name is of one engine's database: another engine's
            // under the same name would inherit its decisions (a rejected category, say).
            if old.engine != new.url.engine().as_str() {
                return Err(CatalogError::Conflict(format!(
                    "a removed {} source named `{}` keeps its history under that name; register this {} source under another name",
                    old.engine,
                    new.name,
                    new.url.engine().as_str()
                )));
            }
            // A removed source registered again comes back with its history; its datasets
            // return as its next scan finds them.
            let before = serde_json::json!({ "url": old.url, "engine": old.engine, "removed_at": old.removed_at });
            let mut am = old.into_active_model();
            am.engine = Set(new.url.engine().as_str().to_string());
            am.url = Set(new.url.redacted());
            am.password_env = Set(new.password_env);
            am.password_file = Set(new.password_file);
            am.sample_rows = Set(new.sample_rows);
            am.updated_at = Set(now);
            am.removed_at = Set(None);
            let model = am.update(&txn).await?;
            let after = serde_json::json!({
                "name": model.name, "engine": model.engine, "url": model.url,
                "password_env": model.password_env, "password_file": model.password_file, "sample_rows": model.sample_rows,
            });
            let record = Record::new(Action::SourceRegister, vec![GlobalId::source(model.id)]).before(before).after(after);
            audit::append(&txn, &self.who, record).await?;
            txn.commit().await?;
            return Ok(model.into());
        }
        let model = source::ActiveModel {
            name: Set(new.name.as_str().to_string()),
            engine: Set(new.url.engine().as_str().to_string()),
            url: Set(new.url.redacted()),
            password_env: Set(new.password_env),
            password_file: Set(new.password_file),
            sample_rows: Set(new.sample_rows),
            created_at: Set(now),
            updated_at: Set(now),
            removed_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let after = serde_json::json!({
            "name": model.name, "engine": model.engine, "url": model.url,
            "password_env": model.password_env, "password_file": model.password_file, "sample_rows": model.sample_rows,
        });
        audit::append(&txn, &self.who, Record::new(Action::SourceRegister, vec![GlobalId::source(model.id)]).after(after)).await?;
        txn.commit().await?;
        Ok(model.into())
    }

    /// The source registered under `new.name`, registering it when absent. A different URL
    /// under the same name is a conflict, never a silent redirect.
    pub async fn ensure_source(&self, new: NewSource) -> Result<Source, CatalogError> {
        match self.source_by_name(new.name.as_str()).await {
            Ok(existing) => {
                if existing.url != new.url.redacted() {
                    return Err(CatalogError::Conflict(format!(
                        "a source named `{}` is already registered with URL {}; pass another --name",
                        existing.name, existing.url
                    )));
                }
                Ok(existing)
            }
            Err(CatalogError::NotFound(_)) => self.register_source(new).await,
            Err(e) => Err(e),
        }
    }

    // ---- scans ----

    /// Starts a scan record for a source. Fails when one is already running.
    pub async fn start_scan(&self, source_id: i64) -> Result<Scan, CatalogError> {
        let txn = begin_write(&self.db).await?;
        fail_abandoned_scans(&txn).await?;
        let running = scan::Entity::find()
            .filter(scan::Column::SourceId.eq(source_id))
            .filter(scan::Column::Status.eq(ScanStatus::Running))
            .one(&txn)
            .await?;
        if let Some(r) = running {
            return Err(CatalogError::Conflict(format!("scan {} of this source is still running", r.id)));
        }
        let job_id = crate::jobs::start(&txn, crate::jobs::JobKind::Scan, self.job_lease).await?;
        let model = scan::ActiveModel {
            source_id: Set(source_id),
            status: Set(ScanStatus::Running),
            phase: Set(Some("queued".into())),
            steps_done: Set(0),
            started_at: Set(Utc::now()),
            job_id: Set(Some(job_id)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(&txn, &self.who, Record::new(Action::ScanStart, vec![GlobalId::source(source_id), GlobalId::scan(model.id)])).await?;
        txn.commit().await?;
        Ok(model.into())
    }

    /// A scan by id.
    pub async fn scan(&self, id: i64) -> Result<Scan, CatalogError> {
        scan::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(Scan::from)
            .ok_or_else(|| CatalogError::NotFound(format!("scan {id} not found")))
    }

    /// A source's scans, newest first.
    pub async fn scans(&self, source_id: i64, limit: u64) -> Result<Vec<Scan>, CatalogError> {
        Ok(scan::Entity::find()
            .filter(scan::Column::SourceId.eq(source_id))
            .order_by_desc(scan::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Scan::from)
            .collect())
    }

    /// Records a running scan's progress.
    pub async fn update_scan_progress(&self, id: i64, phase: &str, done: i64, total: Option<i64>) -> Result<(), CatalogError> {
        scan::Entity::update_many()
            .col_expr(scan::Column::Phase, Expr::value(phase))
            .col_expr(scan::Column::StepsDone, Expr::value(done))
            .col_expr(scan::Column::StepsTotal, Expr::value(total))
            .filter(scan::Column::Id.eq(id))
            .filter(scan::Column::Status.eq(ScanStatus::Running))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Marks a scan failed with its error (and its job); the catalog itself is unchanged by a
    /// failed scan.
    pub async fn fail_scan(&self, id: i64, error: &str) -> Result<(), CatalogError> {
        let txn = begin_write(&self.db).await?;
        let job = scan::Entity::find_by_id(id).one(&txn).await?.and_then(|s| s.job_id);
        scan::Entity::update_many()
            .col_expr(scan::Column::Status, Expr::value(ScanStatus::Failed.as_str()))
            .col_expr(scan::Column::Error, Expr::value(error))
            .col_expr(scan::Column::FinishedAt, Expr::value(Utc::now()))
            .filter(scan::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        if let Some(job) = job {
            crate::jobs::finish(&txn, job, Some(error)).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Fails the scans whose process stopped: their job's lease ran out (scans of another
    /// process that is still working are left alone). Their changes were never committed.
    pub async fn fail_abandoned_scans(&self) -> Result<u64, CatalogError> {
        let txn = begin_write(&self.db).await?;
        let n = fail_abandoned_scans(&txn).await?;
        txn.commit().await?;
        Ok(n)
    }

    // ---- namespaces and datasets ----

    /// A source's namespaces, by name.
    pub async fn namespaces(&self, source_id: i64, include_removed: bool) -> Result<Vec<Namespace>, CatalogError> {
        let mut q = namespace::Entity::find().filter(namespace::Column::SourceId.eq(source_id));
        if !include_removed {
            q = q.filter(namespace::Column::RemovedAt.is_null());
        }
        Ok(q.order_by_asc(namespace::Column::Name).all(&self.db).await?.into_iter().map(Namespace::from).collect())
    }

    async fn names_of(&self, source_id: i64, namespace_id: i64) -> Result<(String, String), CatalogError> {
        let src = source::Entity::find_by_id(source_id).one(&self.db).await?;
        let ns = namespace::Entity::find_by_id(namespace_id).one(&self.db).await?;
        match (src, ns) {
            (Some(s), Some(n)) => Ok((s.name, n.name)),
            _ => Err(CatalogError::NotFound(format!("source {source_id} or namespace {namespace_id} not found"))),
        }
    }

    /// A page of a source's datasets in id order, after the dataset with id `after`.
    /// Returns the page and whether more follow.
    /// How many datasets a source (or one of its namespaces) has.
    pub async fn count_datasets(&self, source_id: i64, namespace_id: Option<i64>, include_removed: bool) -> Result<u64, CatalogError> {
        let mut q = dataset::Entity::find().filter(dataset::Column::SourceId.eq(source_id));
        if let Some(ns) = namespace_id {
            q = q.filter(dataset::Column::NamespaceId.eq(ns));
        }
        if !include_removed {
            q = q.filter(dataset::Column::RemovedAt.is_null());
        }
        Ok(q.count(&self.db).await?)
    }

    pub async fn datasets_page(
        &self,
        source_id: i64,
        namespace_id: Option<i64>,
        include_removed: bool,
        after: Option<i64>,
        limit: u64,
    ) -> Result<(Vec<Dataset>, bool), CatalogError> {
        let src = self.source(source_id).await?;
        let ns_names: HashMap<i64, String> = self.namespaces(source_id, true).await?.into_iter().map(|n| (n.id, n.name)).collect();
        let mut q = dataset::Entity::find().filter(dataset::Column::SourceId.eq(source_id));
        if let Some(ns) = namespace_id {
            q = q.filter(dataset::Column::NamespaceId.eq(ns));
        }
        if !include_removed {
            q = q.filter(dataset::Column::RemovedAt.is_null());
        }
        if let Some(after) = after {
            q = q.filter(dataset::Column::Id.gt(after));
        }
        let mut rows = q.order_by_asc(dataset::Column::Id).limit(limit + 1).all(&self.db).await?;
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let datasets = rows
            .into_iter()
            .map(|m| {
                let ns = ns_names.get(&m.namespace_id).cloned().unwrap_or_default();
                Dataset::from_model(m, &src.name, &ns)
            })
            .collect();
        Ok((datasets, more))
    }

    /// A dataset by id.
    pub async fn dataset(&self, id: i64) -> Result<Dataset, CatalogError> {
        let m = dataset::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::NotFound(format!("dataset {id} not found")))?;
        let (src, ns) = self.names_of(m.source_id, m.namespace_id).await?;
        Ok(Dataset::from_model(m, &src, &ns))
    }

    /// A dataset by qualified name (a removed one too, so history stays reachable).
    /// Names are matched exactly (engines tell `Customer` from `customer`); a miss names the
    /// part that matched nothing and suggests the name most likely meant.
    pub async fn dataset_by_name(&self, name: &QualifiedName) -> Result<Dataset, CatalogError> {
        let not_found = |what: &str, hint: Option<String>| {
            let hint = hint.map(|h| format!("; did you mean `{h}`?")).unwrap_or_default();
            CatalogError::NotFound(format!("dataset `{}` not found ({what}){hint}", name.dataset_name()))
        };
        let Some(src) = source::Entity::find().filter(source::Column::Name.eq(&name.source)).one(&self.db).await? else {
            let hint = closest_name::<source::Entity>(&self.db, source::Column::Name, Condition::all(), &name.source)
                .await?
                .map(|s| QualifiedName { source: s, ..name.dataset_name() }.to_string());
            return Err(not_found(&format!("no source `{}`", name.source), hint));
        };
        let Some(ns) = namespace::Entity::find()
            .filter(namespace::Column::SourceId.eq(src.id))
            .filter(namespace::Column::Name.eq(&name.namespace))
            .one(&self.db)
            .await?
        else {
            let hint = closest_name::<namespace::Entity>(
                &self.db,
                namespace::Column::Name,
                namespace::Column::SourceId.eq(src.id).into(),
                &name.namespace,
            )
            .await?
            .map(|n| QualifiedName { namespace: n, ..name.dataset_name() }.to_string());
            return Err(not_found(&format!("source `{}` has no namespace `{}`", src.name, name.namespace), hint));
        };
        let Some(m) = dataset::Entity::find()
            .filter(dataset::Column::NamespaceId.eq(ns.id))
            .filter(dataset::Column::Name.eq(&name.dataset))
            .one(&self.db)
            .await?
        else {
            let hint = closest_name::<dataset::Entity>(
                &self.db,
                dataset::Column::Name,
                dataset::Column::NamespaceId.eq(ns.id).into(),
                &name.dataset,
            )
            .await?
            .map(|d| QualifiedName { dataset: d, ..name.dataset_name() }.to_string());
            return Err(not_found(&format!("namespace `{}` has no dataset `{}`", ns.name, name.dataset), hint));
        };
        Ok(Dataset::from_model(m, &src.name, &ns.name))
    }

    /// A dataset's columns in ordinal order.
    pub async fn columns(&self, dataset: &Dataset, include_removed: bool) -> Result<Vec<Column>, CatalogError> {
        let mut q = dataset_column::Entity::find().filter(dataset_column::Column::DatasetId.eq(dataset.id));
        if !include_removed {
            q = q.filter(dataset_column::Column::RemovedAt.is_null());
        }
        let rows =
            q.order_by(dataset_column::Column::Ordinal, Order::Asc).order_by(dataset_column::Column::Id, Order::Asc).all(&self.db).await?;
        Ok(rows.into_iter().map(|m| Column::from_model(m, &dataset.qualified_name)).collect())
    }

    /// A column by id.
    pub async fn column(&self, id: i64) -> Result<Column, CatalogError> {
        let m = dataset_column::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::NotFound(format!("column {id} not found")))?;
        let ds = self.dataset(m.dataset_id).await?;
        Ok(Column::from_model(m, &ds.qualified_name))
    }

    /// A column by qualified name.
    pub async fn column_by_name(&self, name: &QualifiedName) -> Result<Column, CatalogError> {
        let col = name.column.as_deref().ok_or_else(|| CatalogError::Invalid(format!("`{name}` names no column")))?;
        let ds = self.dataset_by_name(name).await?;
        let m = dataset_column::Entity::find()
            .filter(dataset_column::Column::DatasetId.eq(ds.id))
            .filter(dataset_column::Column::Name.eq(col))
            .one(&self.db)
            .await?;
        let Some(m) = m else {
            let hint = closest_name::<dataset_column::Entity>(
                &self.db,
                dataset_column::Column::Name,
                dataset_column::Column::DatasetId.eq(ds.id).into(),
                col,
            )
            .await?
            .map(|c| format!("; did you mean `{}`?", QualifiedName { column: Some(c), ..name.clone() }))
            .unwrap_or_default();
            return Err(CatalogError::NotFound(format!(
                "column `{name}` not found (dataset `{}` has no column `{col}`){hint}",
                ds.qualified_name
            )));
        };
        Ok(Column::from_model(m, &ds.qualified_name))
    }

    /// Foreign keys declared on a dataset (outgoing).
    pub async fn foreign_keys(&self, dataset: &Dataset) -> Result<Vec<ForeignKey>, CatalogError> {
        let rows = foreign_key::Entity::find()
            .filter(foreign_key::Column::DatasetId.eq(dataset.id))
            .filter(foreign_key::Column::RemovedAt.is_null())
            .order_by_asc(foreign_key::Column::Name)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|m| fk_from_model(m, &dataset.qualified_name, dataset.id)).collect())
    }

    /// Foreign keys of other datasets of the same source that reference this dataset (incoming).
    pub async fn referencing_foreign_keys(&self, dataset: &Dataset) -> Result<Vec<ForeignKey>, CatalogError> {
        let rows = foreign_key::Entity::find()
            .filter(foreign_key::Column::ReferencedNamespace.eq(&dataset.qualified_name.namespace))
            .filter(foreign_key::Column::ReferencedDataset.eq(&dataset.qualified_name.dataset))
            .filter(foreign_key::Column::RemovedAt.is_null())
            .order_by_asc(foreign_key::Column::Id)
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        let mut cache: HashMap<i64, Option<Dataset>> = HashMap::new();
        for m in rows {
            if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(m.dataset_id) {
                slot.insert(self.dataset(m.dataset_id).await.ok());
            }
            if let Some(Some(from)) = cache.get(&m.dataset_id) {
                if from.source_id == dataset.source_id && from.removed_at.is_none() {
                    out.push(fk_from_model(m, &from.qualified_name, from.id));
                }
            }
        }
        Ok(out)
    }

    // ---- curated descriptions ----

    /// Sets a dataset's or column's curated description, if `expected_version` is still current.
    /// Returns the new version. An empty text clears the description.
    pub async fn set_description(&self, target: Target, text: Option<&str>, expected_version: i32) -> Result<i32, CatalogError> {
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if text.is_some_and(|t| t.chars().count() > MAX_DESCRIPTION_CHARS) {
            return Err(CatalogError::Invalid(format!("description is longer than {MAX_DESCRIPTION_CHARS} characters")));
        }
        if expected_version == i32::MAX {
            return Err(CatalogError::Invalid("the description is at its last version".into()));
        }
        let txn = begin_write(&self.db).await?;
        let now = Utc::now();
        // The same text at the current version changes nothing: no new version, no event, no
        // audit entry.
        let unchanged = match target {
            Target::Dataset(id) => dataset::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .is_some_and(|m| m.description_version == expected_version && m.description.as_deref() == text),
            Target::Column(id) => dataset_column::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .is_some_and(|m| m.description_version == expected_version && m.description.as_deref() == text),
        };
        if unchanged {
            txn.rollback().await?;
            return Ok(expected_version);
        }
        let (source_id, dataset_id, column_id, before, rows) = match target {
            Target::Dataset(id) => {
                let current = dataset::Entity::find_by_id(id)
                    .one(&txn)
                    .await?
                    .ok_or_else(|| CatalogError::NotFound(format!("dataset {id} not found")))?;
                // The version check and the write are one statement: no lost update between them.
                let res = dataset::Entity::update_many()
                    .col_expr(dataset::Column::Description, Expr::value(text.map(str::to_string)))
                    .col_expr(dataset::Column::DescriptionVersion, Expr::value(expected_version + 1))
                    .filter(dataset::Column::Id.eq(id))
                    .filter(dataset::Column::DescriptionVersion.eq(expected_version))
                    .exec(&txn)
                    .await?;
                if res.rows_affected == 0 {
                    drop(txn);
                    let now_at =
                        dataset::Entity::find_by_id(id).one(&self.db).await?.map_or(current.description_version, |m| m.description_version);
                    return Err(CatalogError::StaleVersion { what: "dataset description", current: now_at, expected: expected_version });
                }
                (current.source_id, id, None, current.description, res.rows_affected)
            }
            Target::Column(id) => {
                let current = dataset_column::Entity::find_by_id(id)
                    .one(&txn)
                    .await?
                    .ok_or_else(|| CatalogError::NotFound(format!("column {id} not found")))?;
                let res = dataset_column::Entity::update_many()
                    .col_expr(dataset_column::Column::Description, Expr::value(text.map(str::to_string)))
                    .col_expr(dataset_column::Column::DescriptionVersion, Expr::value(expected_version + 1))
                    .filter(dataset_column::Column::Id.eq(id))
                    .filter(dataset_column::Column::DescriptionVersion.eq(expected_version))
                    .exec(&txn)
                    .await?;
                if res.rows_affected == 0 {
                    drop(txn);
                    let now_at = dataset_column::Entity::find_by_id(id)
                        .one(&self.db)
                        .await?
                        .map_or(current.description_version, |m| m.description_version);
                    return Err(CatalogError::StaleVersion { what: "column description", current: now_at, expected: expected_version });
                }
                let ds = dataset::Entity::find_by_id(current.dataset_id)
                    .one(&txn)
                    .await?
                    .ok_or_else(|| CatalogError::NotFound(format!("dataset {} not found", current.dataset_id)))?;
                (ds.source_id, current.dataset_id, Some(id), current.description, res.rows_affected)
            }
        };
        debug_assert_eq!(rows, 1);
        crate::outbox::enqueue(&txn, [dataset_id]).await?;
        record_event(
            &txn,
            source_id,
            None,
            Some(dataset_id),
            column_id,
            ChangeKind::DescriptionChanged,
            serde_json::json!({ "before": before, "after": text, "version": expected_version + 1 }),
            now,
        )
        .await?;
        let record = Record::new(Action::DescriptionSet, vec![target.global_id()])
            .before(serde_json::json!({ "description": before, "version": expected_version }))
            .after(serde_json::json!({ "description": text, "version": expected_version + 1 }));
        audit::append(&txn, &self.who, record).await?;
        txn.commit().await?;
        Ok(expected_version + 1)
    }

    /// Assigns a dataset's owner (None clears it, leaving the owner the source reports).
    /// `expected_version` is the `owner_version` the edit was made against; a newer one is a
    /// stale edit. Returns the new version.
    pub async fn set_owner(&self, dataset_id: i64, owner: Option<&OwnerName>, expected_version: i32) -> Result<i32, CatalogError> {
        let txn = begin_write(&self.db).await?;
        let current = dataset::Entity::find_by_id(dataset_id)
            .one(&txn)
            .await?
            .ok_or_else(|| CatalogError::NotFound(format!("dataset {dataset_id} not found")))?;
        let after = owner.map(|o| o.as_str().to_string());
        if current.owner_version == expected_version && current.owner == after {
            txn.rollback().await?;
            return Ok(expected_version);
        }
        if expected_version == i32::MAX {
            return Err(CatalogError::Invalid("the owner is at its last version".into()));
        }
        // The version check and the write are one statement: no lost update between them.
        let res = dataset::Entity::update_many()
            .col_expr(dataset::Column::Owner, Expr::value(after.clone()))
            .col_expr(dataset::Column::OwnerVersion, Expr::value(expected_version + 1))
            .filter(dataset::Column::Id.eq(dataset_id))
            .filter(dataset::Column::OwnerVersion.eq(expected_version))
            .exec(&txn)
            .await?;
        if res.rows_affected == 0 {
            drop(txn);
            let now_at = dataset::Entity::find_by_id(dataset_id).one(&self.db).await?.map_or(current.owner_version, |m| m.owner_version);
            return Err(CatalogError::StaleVersion { what: "dataset owner", current: now_at, expected: expected_version });
        }
        crate::outbox::enqueue(&txn, [dataset_id]).await?;
        record_event(
            &txn,
            current.source_id,
            None,
            Some(dataset_id),
            None,
            ChangeKind::OwnerChanged,
            serde_json::json!({ "before": current.owner, "after": after, "version": expected_version + 1 }),
            Utc::now(),
        )
        .await?;
        let record = Record::new(Action::OwnerSet, vec![Target::Dataset(dataset_id).global_id()])
            .before(serde_json::json!({ "owner": current.owner, "version": expected_version }))
            .after(serde_json::json!({ "owner": after, "version": expected_version + 1 }));
        audit::append(&txn, &self.who, record).await?;
        txn.commit().await?;
        Ok(expected_version + 1)
    }

    // ---- tags ----

    /// Tags on a dataset or column, sorted.
    pub async fn tags(&self, target: Target) -> Result<Vec<String>, CatalogError> {
        tags_of(&self.db, target).await
    }

    /// Adds a tag (idempotent; only an actual addition is audited). Returns the tags afterwards.
    pub async fn add_tag(&self, target: Target, name: &TagName) -> Result<Vec<String>, CatalogError> {
        let txn = begin_write(&self.db).await?;
        let dataset_id = target_dataset(&txn, target).await?;
        let before = tags_of(&txn, target).await?;
        if !before.iter().any(|t| t == name.as_str()) {
            let res = tag::ActiveModel {
                target_kind: Set(target.kind().into()),
                target_id: Set(target.id()),
                name: Set(name.as_str().into()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await;
            // A concurrent add of the same tag hits the unique index: that is success too.
            if let Err(e) = res {
                if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) {
                    drop(txn);
                    return self.tags(target).await;
                }
                return Err(e.into());
            }
            crate::outbox::enqueue(&txn, [dataset_id]).await?;
            let after = tags_of(&txn, target).await?;
            let record = Record::new(Action::TagAdd, vec![target.global_id()])
                .before(serde_json::json!({ "tags": before }))
                .after(serde_json::json!({ "tags": after }));
            audit::append(&txn, &self.who, record).await?;
        }
        txn.commit().await?;
        self.tags(target).await
    }

    /// Removes a tag (idempotent; only an actual removal is audited). Returns the tags afterwards.
    pub async fn remove_tag(&self, target: Target, name: &TagName) -> Result<Vec<String>, CatalogError> {
        let txn = begin_write(&self.db).await?;
        let dataset_id = target_dataset(&txn, target).await?;
        let before = tags_of(&txn, target).await?;
        let removed = tag::Entity::delete_many()
            .filter(tag::Column::TargetKind.eq(target.kind()))
            .filter(tag::Column::TargetId.eq(target.id()))
            .filter(tag::Column::Name.eq(name.as_str()))
            .exec(&txn)
            .await?;
        if removed.rows_affected > 0 {
            crate::outbox::enqueue(&txn, [dataset_id]).await?;
            let after = tags_of(&txn, target).await?;
            let record = Record::new(Action::TagRemove, vec![target.global_id()])
                .before(serde_json::json!({ "tags": before }))
                .after(serde_json::json!({ "tags": after }));
            audit::append(&txn, &self.who, record).await?;
        }
        txn.commit().await?;
        self.tags(target).await
    }

    /// Checks the store answers.
    pub async fn ping(&self) -> Result<(), CatalogError> {
        self.db.ping().await.map_err(CatalogError::from)
    }
}

/// The name most likely meant by `wanted` (see [`names::did_you_mean`]) among the `name`
/// values of the `E` rows `filter` selects: the hint of a lookup that found nothing.
async fn closest_name<E: EntityTrait>(
    db: &DatabaseConnection,
    name: E::Column,
    filter: Condition,
    wanted: &str,
) -> Result<Option<String>, DbErr> {
    let names: Vec<String> = E::find().select_only().column(name).filter(filter).into_tuple().all(db).await?;
    Ok(names::did_you_mean(wanted, names.iter().map(String::as_str)).map(str::to_string))
}

async fn tags_of<C: ConnectionTrait>(db: &C, target: Target) -> Result<Vec<String>, CatalogError> {
    Ok(tag::Entity::find()
        .filter(tag::Column::TargetKind.eq(target.kind()))
        .filter(tag::Column::TargetId.eq(target.id()))
        .order_by_asc(tag::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect())
}

/// The dataset a target belongs to; NotFound when the target does not exist.
async fn target_dataset<C: ConnectionTrait>(db: &C, target: Target) -> Result<i64, CatalogError> {
    let found = match target {
        Target::Dataset(id) => dataset::Entity::find_by_id(id).one(db).await?.map(|d| d.id),
        Target::Column(id) => dataset_column::Entity::find_by_id(id).one(db).await?.map(|c| c.dataset_id),
    };
    found.ok_or_else(|| CatalogError::NotFound(format!("{} {} not found", target.kind(), target.id())))
}

fn fk_from_model(m: foreign_key::Model, from: &QualifiedName, from_id: i64) -> ForeignKey {
    ForeignKey {
        id: m.id,
        name: m.name,
        from_dataset: from.clone(),
        from_dataset_id: from_id,
        columns: serde_json::from_str(&m.columns).unwrap_or_default(),
        to_dataset: QualifiedName::dataset(&from.source, &m.referenced_namespace, &m.referenced_dataset),
        referenced_columns: serde_json::from_str(&m.referenced_columns).unwrap_or_default(),
        removed_at: m.removed_at,
    }
}

/// Fails the running scans whose jobs' leases ran out, and those started by versions without
/// jobs (their processes are long gone); returns how many.
async fn fail_abandoned_scans<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    let abandoned = crate::jobs::fail_abandoned(db).await?;
    let res = scan::Entity::update_many()
        .col_expr(scan::Column::Status, Expr::value(ScanStatus::Failed.as_str()))
        .col_expr(scan::Column::Error, Expr::value("interrupted: the process running the scan stopped before it finished"))
        .col_expr(scan::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(scan::Column::Status.eq(ScanStatus::Running))
        .filter(sea_orm::Condition::any().add(scan::Column::JobId.is_in(abandoned)).add(scan::Column::JobId.is_null()))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}
