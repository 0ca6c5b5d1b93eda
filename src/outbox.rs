//! The index outbox: every change to what the index holds (a scan, a description, a tag, a
//! classification decision, a meaning) writes the datasets it touched here, in the same
//! transaction as the change. Each index follows the outbox from its own position, so several
//! server replicas sharing one store keep their own index current. Owns `search_outbox`. The
//! modules that change indexed data call [`enqueue`]; the search index reads [`after`] and
//! [`head`]. It stands below every module that writes, so none of them depends on the index.

use chrono::Utc;
use sea_orm::{ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::collections::BTreeSet;

mod entity {
    //! The `search_outbox` table (migration m0003).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "search_outbox")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub dataset_id: i64,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const CHUNK: usize = 500;

/// Appends datasets to the outbox (inside the caller's transaction).
pub async fn enqueue<C: ConnectionTrait>(db: &C, dataset_ids: impl IntoIterator<Item = i64>) -> Result<(), DbErr> {
    let ids: BTreeSet<i64> = dataset_ids.into_iter().collect();
    let now = Utc::now();
    let rows: Vec<entity::ActiveModel> =
        ids.into_iter().map(|id| entity::ActiveModel { id: NotSet, dataset_id: Set(id), created_at: Set(now) }).collect();
    crate::store::insert_in_chunks(db, rows, CHUNK).await
}

/// Outbox entries after position `after`: (last position, dataset ids).
pub async fn after<C: ConnectionTrait>(db: &C, after: i64, limit: u64) -> Result<(i64, Vec<i64>), DbErr> {
    let rows = entity::Entity::find().filter(entity::Column::Id.gt(after)).order_by_asc(entity::Column::Id).limit(limit).all(db).await?;
    let last = rows.last().map_or(after, |r| r.id);
    let ids: BTreeSet<i64> = rows.into_iter().map(|r| r.dataset_id).collect();
    Ok((last, ids.into_iter().collect()))
}

/// The newest position (where a freshly rebuilt index starts following).
pub async fn head<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    Ok(entity::Entity::find()
        .select_only()
        .column(entity::Column::Id)
        .order_by_desc(entity::Column::Id)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0))
}
