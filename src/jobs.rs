//! Jobs: work that runs in one process and must be seen as running by every other one (scans
//! now; erasure steps and scheduled scans next). A job belongs to the process that started it
//! and holds a lease it renews while it runs. Another process never fails a job it merely sees
//! running: only a lease that ran out (the owner stopped, crashed or lost the store) makes a
//! job abandoned, and then whoever looks first marks it failed. Owns the `job` table.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, DbErr, QuerySelect, Set};
use std::sync::OnceLock;
use std::time::Duration;

mod entity {
    //! The `job` table (migration m0010).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "job")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: super::JobKind,
        /// The process that runs it (see [`super::this_process`]).
        pub owner: String,
        pub state: super::JobState,
        /// The job is abandoned when this passes without a renewal.
        pub lease_until: DateTimeUtc,
        pub started_at: DateTimeUtc,
        pub finished_at: Option<DateTimeUtc>,
        pub error: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum JobKind {
    #[sea_orm(string_value = "scan")]
    Scan,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum JobState {
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// How long a lease lasts unless the configuration says otherwise, and how often it is renewed.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// This process, as a job owner: host, process id and a start-time tag (a process id alone is
/// reused, and two containers may share one).
pub fn this_process() -> &'static str {
    static OWNER: OnceLock<String> = OnceLock::new();
    OWNER.get_or_init(|| {
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".into());
        let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        format!("{host}:{}:{:x}", std::process::id(), started % 0xffff_ffff)
    })
}

fn until(lease: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(30))
}

/// Starts a job owned by this process (inside the caller's transaction); returns its id.
pub async fn start<C: ConnectionTrait>(db: &C, kind: JobKind, lease: Duration) -> Result<i64, DbErr> {
    let now = Utc::now();
    let job = entity::ActiveModel {
        id: NotSet,
        kind: Set(kind),
        owner: Set(this_process().to_string()),
        state: Set(JobState::Running),
        lease_until: Set(until(lease)),
        started_at: Set(now),
        finished_at: Set(None),
        error: Set(None),
    }
    .insert(db)
    .await?;
    Ok(job.id)
}

/// Extends the lease of a job this process runs. Returns false when the job is no longer
/// ours to run (finished, or failed by another process after its lease ran out).
pub async fn renew<C: ConnectionTrait>(db: &C, job_id: i64, lease: Duration) -> Result<bool, DbErr> {
    let done = entity::Entity::update_many()
        .col_expr(entity::Column::LeaseUntil, Expr::value(until(lease)))
        .filter(entity::Column::Id.eq(job_id))
        .filter(entity::Column::Owner.eq(this_process()))
        .filter(entity::Column::State.eq(JobState::Running))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Records how a job of this process ended.
pub async fn finish<C: ConnectionTrait>(db: &C, job_id: i64, error: Option<&str>) -> Result<(), DbErr> {
    let state = if error.is_some() { JobState::Failed } else { JobState::Succeeded };
    entity::Entity::update_many()
        .col_expr(entity::Column::State, Expr::value(state))
        .col_expr(entity::Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(entity::Column::Error, Expr::value(error.map(str::to_string)))
        .filter(entity::Column::Id.eq(job_id))
        .filter(entity::Column::State.eq(JobState::Running))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks failed every running job whose lease ran out, and returns their ids: their processes
/// stopped without finishing them.
pub async fn fail_abandoned<C: ConnectionTrait>(db: &C) -> Result<Vec<i64>, DbErr> {
    let now = Utc::now();
    let ids: Vec<i64> = entity::Entity::find()
        .select_only()
        .column(entity::Column::Id)
        .filter(entity::Column::State.eq(JobState::Running))
        .filter(entity::Column::LeaseUntil.lt(now))
        .into_tuple()
        .all(db)
        .await?;
    if !ids.is_empty() {
        entity::Entity::update_many()
            .col_expr(entity::Column::State, Expr::value(JobState::Failed))
            .col_expr(entity::Column::FinishedAt, Expr::value(now))
            .col_expr(entity::Column::Error, Expr::value("abandoned: its process stopped renewing the lease"))
            .filter(entity::Column::Id.is_in(ids.clone()))
            .filter(entity::Column::State.eq(JobState::Running))
            .exec(db)
            .await?;
    }
    Ok(ids)
}

/// Whether the job is this process's and running under a live lease.
pub async fn is_ours_and_live<C: ConnectionTrait>(db: &C, job_id: i64) -> Result<bool, DbErr> {
    Ok(entity::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .is_some_and(|j| j.state == JobState::Running && j.owner == this_process() && j.lease_until >= Utc::now()))
}

/// Renews a job's lease in the background, every third of the lease, until dropped.
pub struct Renewal(tokio::task::JoinHandle<()>);

impl Renewal {
    /// Starts renewing `job_id` on `db`.
    pub fn spawn(db: sea_orm::DatabaseConnection, job_id: i64, lease: Duration) -> Renewal {
        Renewal(tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                match renew(&db, job_id, lease).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job_id, "the job is no longer this process's to run (its lease ran out)");
                        return;
                    }
                    Err(e) => tracing::warn!(job_id, error = %e, "could not renew the job's lease; retrying"),
                }
            }
        }))
    }
}

impl Drop for Renewal {
    fn drop(&mut self) {
        self.0.abort();
    }
}
