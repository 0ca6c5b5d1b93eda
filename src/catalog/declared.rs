//! Datasets that lineage names before any scan finds them: the target of a submitted ETL
//! script, say. They are catalog datasets of kind `declared` with the columns the script
//! gives them; the next scan that finds the real dataset turns them into it (same ids, so
//! lineage edges stay attached), and scans that do not find them leave them alone.

use super::entity::{dataset, dataset_column, namespace};
use super::ChangeKind;
use almanac_scanners::{DatasetKind, TypeFamily};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use std::collections::HashMap;

/// A dataset as lineage may write to it: its id and its columns' ids by name.
#[derive(Debug, Clone)]
pub struct LineageTarget {
    pub dataset_id: i64,
    pub columns: HashMap<String, i64>,
    /// Whether this call created the dataset.
    pub created: bool,
}

/// The dataset `namespace.name` of a source, declared (with `columns`) when the catalog does
/// not hold it; a declared dataset gains the columns it lacks, a scanned one is left as the
/// scan found it. Runs in the caller's transaction.
pub async fn declare_dataset<C: ConnectionTrait>(
    db: &C,
    source_id: i64,
    namespace_name: &str,
    name: &str,
    columns: &[String],
    now: DateTime<Utc>,
) -> Result<LineageTarget, DbErr> {
    let wanted = [(namespace_name.to_string(), name.to_string(), columns.to_vec())];
    let mut out = declare_datasets(db, source_id, &wanted, now).await?;
    Ok(out.remove(&(namespace_name.to_string(), name.to_string())).expect("declared above"))
}

/// [`declare_dataset`] for many datasets of one source at once, in a handful of statements:
/// (namespace, name, columns) in, targets by (namespace, name) out.
pub async fn declare_datasets<C: ConnectionTrait>(
    db: &C,
    source_id: i64,
    wanted: &[(String, String, Vec<String>)],
    now: DateTime<Utc>,
) -> Result<HashMap<(String, String), LineageTarget>, DbErr> {
    use super::entity::change_event;
    use crate::store::insert_in_chunks;
    let declared = DatasetKind::Declared.as_str();
    // Namespaces, created or brought back as needed.
    let mut namespaces: HashMap<String, namespace::Model> = namespace::Entity::find()
        .filter(namespace::Column::SourceId.eq(source_id))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.name.clone(), n))
        .collect();
    for (ns, _, _) in wanted {
        match namespaces.get(ns) {
            Some(m) if m.removed_at.is_none() => {}
            Some(m) => {
                let mut am = m.clone().into_active_model();
                am.removed_at = Set(None);
                let m = am.update(db).await?;
                namespaces.insert(ns.clone(), m);
            }
            None => {
                let m = namespace::ActiveModel {
                    id: NotSet,
                    source_id: Set(source_id),
                    name: Set(ns.clone()),
                    created_at: Set(now),
                    removed_at: Set(None),
                }
                .insert(db)
                .await?;
                namespaces.insert(ns.clone(), m);
            }
        }
    }
    let ns_name: HashMap<i64, String> = namespaces.values().map(|n| (n.id, n.name.clone())).collect();
    // (id, kind, removed) of the source's datasets by (namespace, name).
    type Row = (i64, i64, String, String, Option<DateTime<Utc>>);
    let load = || async {
        let rows: Vec<Row> = dataset::Entity::find()
            .select_only()
            .columns([
                dataset::Column::Id,
                dataset::Column::NamespaceId,
                dataset::Column::Name,
                dataset::Column::Kind,
                dataset::Column::RemovedAt,
            ])
            .filter(dataset::Column::SourceId.eq(source_id))
            .into_tuple()
            .all(db)
            .await?;
        let found: HashMap<(String, String), (i64, String, bool)> = rows
            .into_iter()
            .filter_map(|(id, ns, name, kind, removed)| Some(((ns_name.get(&ns)?.clone(), name), (id, kind, removed.is_some()))))
            .collect();
        Ok::<_, DbErr>(found)
    };
    let mut existing = load().await?;
    let mut created: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    let mut new_rows = Vec::new();
    for (ns, name, _) in wanted {
        let key = (ns.clone(), name.clone());
        if created.contains(&key) {
            continue;
        }
        match existing.get(&key) {
            Some((_, _, false)) => {}
            Some((id, _, true)) => {
                // A dataset a scan saw disappear comes back as declared until a scan finds it.
                dataset::Entity::update_many()
                    .col_expr(dataset::Column::RemovedAt, sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None))
                    .col_expr(dataset::Column::Kind, sea_orm::sea_query::Expr::value(declared))
                    .col_expr(dataset::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
                    .filter(dataset::Column::Id.eq(*id))
                    .exec(db)
                    .await?;
                created.insert(key);
            }
            None => {
                new_rows.push(dataset::ActiveModel {
                    id: NotSet,
                    source_id: Set(source_id),
                    namespace_id: Set(namespaces[ns].id),
                    name: Set(name.clone()),
                    kind: Set(declared.into()),
                    comment: Set(None),
                    description: Set(None),
                    description_version: Set(0),
                    row_estimate: Set(None),
                    view_definition: Set(None),
                    partitions: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    removed_at: Set(None),
                    source_owner: Set(None),
                    owner: Set(None),
                    owner_version: Set(0),
                    location: Set(None),
                    format: Set(None),
                    file_drift: Set(None),
                });
                created.insert(key);
            }
        }
    }
    if !created.is_empty() {
        insert_in_chunks(db, new_rows, 500).await?;
        existing = load().await?;
    }
    // Columns: a declared dataset gains the columns it lacks.
    let ids: Vec<i64> = wanted.iter().filter_map(|(ns, name, _)| existing.get(&(ns.clone(), name.clone())).map(|d| d.0)).collect();
    // (id, name, ordinal) of the live columns of these datasets, by dataset.
    let load_columns = |ids: Vec<i64>| async move {
        let mut cols: HashMap<i64, Vec<(i64, String, i32)>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(i64, i64, String, i32)> = dataset_column::Entity::find()
                .select_only()
                .columns([
                    dataset_column::Column::Id,
                    dataset_column::Column::DatasetId,
                    dataset_column::Column::Name,
                    dataset_column::Column::Ordinal,
                ])
                .filter(dataset_column::Column::DatasetId.is_in(chunk.to_vec()))
                .filter(dataset_column::Column::RemovedAt.is_null())
                .into_tuple()
                .all(db)
                .await?;
            for (id, ds, name, ordinal) in rows {
                cols.entry(ds).or_default().push((id, name, ordinal));
            }
        }
        Ok::<_, DbErr>(cols)
    };
    let mut columns = load_columns(ids.clone()).await?;
    // (dataset, name, ordinal) of the columns to add.
    let mut column_rows: Vec<(i64, &str, i32)> = Vec::new();
    let mut planned: HashMap<i64, Vec<&str>> = HashMap::new();
    for (ns, name, cols) in wanted {
        let Some((id, kind, _)) = existing.get(&(ns.clone(), name.clone())) else { continue };
        if kind != declared {
            continue;
        }
        let have = columns.get(id).map(Vec::as_slice).unwrap_or(&[]);
        let plan = planned.entry(*id).or_default();
        let mut ordinal = have.iter().map(|c| c.2).max().unwrap_or(0) + plan.len() as i32;
        for c in cols {
            if have.iter().any(|h| &h.1 == c) || plan.contains(&c.as_str()) {
                continue;
            }
            ordinal += 1;
            plan.push(c);
            column_rows.push((*id, c, ordinal));
        }
    }
    if !column_rows.is_empty() {
        insert_declared_columns(db, &column_rows, now).await?;
        columns = load_columns(ids).await?;
    }
    let created_ids: Vec<i64> = created.iter().filter_map(|k| existing.get(k).map(|d| d.0)).collect();
    let events = created_ids
        .iter()
        .map(|id| change_event::ActiveModel {
            id: NotSet,
            source_id: Set(source_id),
            scan_id: Set(None),
            dataset_id: Set(Some(*id)),
            column_id: Set(None),
            kind: Set(ChangeKind::DatasetAdded),
            details: Set(serde_json::json!({ "kind": declared, "declared_by": "lineage" }).to_string()),
            at: Set(now),
        })
        .collect();
    insert_in_chunks(db, events, 500).await?;
    crate::outbox::enqueue(db, created_ids).await?;
    let mut out = HashMap::new();
    for (ns, name, _) in wanted {
        let key = (ns.clone(), name.clone());
        let Some((id, _, _)) = existing.get(&key) else { continue };
        let cols = columns.get(id).map(|cs| cs.iter().map(|c| (c.1.clone(), c.0)).collect()).unwrap_or_default();
        out.insert(key.clone(), LineageTarget { dataset_id: *id, columns: cols, created: created.contains(&key) });
    }
    Ok(out)
}

/// Inserts declared columns (dataset, name, ordinal) as multi-row inserts: a script may
/// declare tens of thousands.
async fn insert_declared_columns<C: ConnectionTrait>(db: &C, rows: &[(i64, &str, i32)], now: DateTime<Utc>) -> Result<(), DbErr> {
    use dataset_column::Column as K;
    use sea_orm::sea_query::Query;
    let backend = db.get_database_backend();
    let family = TypeFamily::Other.as_str();
    for chunk in rows.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table(dataset_column::Entity).columns([
            K::DatasetId,
            K::Name,
            K::Ordinal,
            K::DataType,
            K::TypeFamily,
            K::Nullable,
            K::IsPrimaryKey,
            K::IsUnique,
            K::DescriptionVersion,
            K::CreatedAt,
            K::UpdatedAt,
        ]);
        for &(dataset, name, ordinal) in chunk {
            insert.values_panic([
                dataset.into(),
                name.into(),
                ordinal.into(),
                "".into(),
                family.into(),
                true.into(),
                false.into(),
                false.into(),
                0i32.into(),
                now.into(),
                now.into(),
            ]);
        }
        db.execute_raw(backend.build(&insert)).await?;
    }
    Ok(())
}

/// The engine name of sources that only lineage knows (datasets OpenLineage events name in a
/// namespace no registered source serves). They cannot be scanned.
pub const EXTERNAL_ENGINE: &str = "external";

/// The source standing for an OpenLineage namespace no registered source serves, registered
/// on first use under a name made from the namespace (`ext-kafka-broker-9092`). Runs in the
/// caller's transaction.
pub async fn external_source<C: ConnectionTrait>(
    db: &C,
    who: &crate::audit::Who,
    namespace_url: &str,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    use super::entity::source;
    if let Some(s) = source::Entity::find()
        .filter(source::Column::Engine.eq(EXTERNAL_ENGINE))
        .filter(source::Column::Url.eq(namespace_url))
        .one(db)
        .await?
    {
        return Ok(s.id);
    }
    let mut base: String = namespace_url
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    base.truncate(80);
    let base = if base.is_empty() { "ext".to_string() } else { format!("ext-{base}") };
    let mut name = base.clone();
    let mut n = 1;
    while source::Entity::find().filter(source::Column::Name.eq(&name)).one(db).await?.is_some() {
        n += 1;
        name = format!("{base}-{n}");
    }
    let model = source::ActiveModel {
        name: Set(name),
        engine: Set(EXTERNAL_ENGINE.into()),
        url: Set(namespace_url.into()),
        password_env: Set(None),
        password_file: Set(None),
        sample_rows: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        removed_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let after = serde_json::json!({ "name": model.name, "engine": EXTERNAL_ENGINE, "url": model.url, "registered_by": "openlineage" });
    let record = crate::audit::Record::new(crate::audit::Action::SourceRegister, vec![crate::ids::GlobalId::source(model.id)]).after(after);
    crate::audit::append(db, who, record).await?;
    Ok(model.id)
}
