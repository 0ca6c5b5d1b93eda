//! Datasets that lineage names before any scan finds them: the target of a submitted ETL
//! script, say. They are catalog datasets of kind `declared` with the columns the script
//! gives them; the next scan that finds the real dataset turns them into it (same ids, so
//! lineage edges stay attached), and scans that do not find them leave them alone.

use super::entity::{dataset, dataset_column, namespace};
use super::{record_event, ChangeKind};
use almanac_scanners::{DatasetKind, TypeFamily};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set};
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
    let ns = match namespace::Entity::find()
        .filter(namespace::Column::SourceId.eq(source_id))
        .filter(namespace::Column::Name.eq(namespace_name))
        .one(db)
        .await?
    {
        Some(ns) => ns,
        None => {
            namespace::ActiveModel {
                id: NotSet,
                source_id: Set(source_id),
                name: Set(namespace_name.to_string()),
                created_at: Set(now),
                removed_at: Set(None),
            }
            .insert(db)
            .await?
        }
    };
    let declared = DatasetKind::Declared.as_str();
    let existing =
        dataset::Entity::find().filter(dataset::Column::NamespaceId.eq(ns.id)).filter(dataset::Column::Name.eq(name)).one(db).await?;
    let (ds, created) = match existing {
        Some(d) if d.removed_at.is_none() => (d, false),
        Some(d) => {
            // A dataset a scan saw disappear comes back as declared until a scan finds it.
            let mut am = d.into_active_model();
            am.removed_at = Set(None);
            am.kind = Set(declared.into());
            am.updated_at = Set(now);
            (am.update(db).await?, true)
        }
        None => {
            let d = dataset::ActiveModel {
                id: NotSet,
                source_id: Set(source_id),
                namespace_id: Set(ns.id),
                name: Set(name.to_string()),
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
            }
            .insert(db)
            .await?;
            (d, true)
        }
    };
    if ns.removed_at.is_some() {
        let mut am = ns.into_active_model();
        am.removed_at = Set(None);
        am.update(db).await?;
    }
    let mut by_name: HashMap<String, i64> = HashMap::new();
    let mut max_ordinal = 0;
    for c in dataset_column::Entity::find()
        .filter(dataset_column::Column::DatasetId.eq(ds.id))
        .filter(dataset_column::Column::RemovedAt.is_null())
        .all(db)
        .await?
    {
        max_ordinal = max_ordinal.max(c.ordinal);
        by_name.insert(c.name, c.id);
    }
    if ds.kind == declared {
        for c in columns {
            if by_name.contains_key(c) {
                continue;
            }
            max_ordinal += 1;
            let m = dataset_column::ActiveModel {
                id: NotSet,
                dataset_id: Set(ds.id),
                name: Set(c.clone()),
                ordinal: Set(max_ordinal),
                data_type: Set(String::new()),
                type_family: Set(TypeFamily::Other.as_str().into()),
                nullable: Set(true),
                default_value: Set(None),
                is_primary_key: Set(false),
                is_unique: Set(false),
                comment: Set(None),
                description: Set(None),
                description_version: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
                removed_at: Set(None),
            }
            .insert(db)
            .await?;
            by_name.insert(c.clone(), m.id);
        }
    }
    if created {
        let details = serde_json::json!({ "kind": declared, "columns": columns.len(), "declared_by": "lineage" });
        record_event(db, source_id, None, Some(ds.id), None, ChangeKind::DatasetAdded, details, now).await?;
        crate::outbox::enqueue(db, [ds.id]).await?;
    }
    Ok(LineageTarget { dataset_id: ds.id, columns: by_name, created })
}
