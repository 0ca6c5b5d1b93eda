//! Where browser sessions live: the `web_session` table of the catalog store, behind
//! tower-sessions' session layer. A session holds a login in progress (its state, nonce and
//! PKCE verifier), then who logged in and the session's CSRF token; every replica over the
//! store reads the same ones, and a restart logs nobody out. Expired sessions are never loaded
//! and are deleted as new ones are written.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, Set};
use std::collections::HashMap;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

mod entity {
    //! The `web_session` table (migration m0011).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "web_session")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The session's values as a JSON object.
        pub data: String,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Sessions in the catalog store.
#[derive(Clone, Debug)]
pub struct StoreSessions {
    db: DatabaseConnection,
}

impl StoreSessions {
    /// Sessions kept in `db`.
    pub fn new(db: DatabaseConnection) -> StoreSessions {
        StoreSessions { db }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_chrono(t: time::OffsetDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.unix_timestamp(), 0).unwrap_or_default()
}

#[async_trait::async_trait]
impl SessionStore for StoreSessions {
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let row = entity::ActiveModel { id: Set(record.id.to_string()), data: Set(data), expires_at: Set(to_chrono(record.expiry_date)) };
        entity::Entity::insert(row)
            .on_conflict(
                OnConflict::column(entity::Column::Id).update_columns([entity::Column::Data, entity::Column::ExpiresAt]).to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(backend)?;
        // Written sessions are few (logins): each write clears out the expired ones.
        entity::Entity::delete_many().filter(entity::Column::ExpiresAt.lt(Utc::now())).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = entity::Entity::find_by_id(id.to_string())
            .filter(entity::Column::ExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data: HashMap<String, serde_json::Value> =
            serde_json::from_str(&row.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        entity::Entity::delete_by_id(id.to_string()).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }
}
