//! Almanac's store migrations: one module per schema change, never edited after it lands.

pub use sea_orm_migration::prelude::*;

mod m0001_catalog;
mod m0002_classification;
mod m0003_search_outbox;
mod m0004_audit;
mod m0005_profiles;
mod m0006_meanings;
mod m0007_dataset_owner;
mod m0008_scan_warnings;
mod m0009_audit_insert_guard;
mod m0010_jobs;
mod m0011_web_sessions;
mod m0012_source_removed;
mod m0013_lineage;
mod m0014_file_datasets;
mod m0015_privacy_requests;
mod m0016_erasure_policies;

/// Runs every migration in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_catalog::Migration),
            Box::new(m0002_classification::Migration),
            Box::new(m0003_search_outbox::Migration),
            Box::new(m0004_audit::Migration),
            Box::new(m0005_profiles::Migration),
            Box::new(m0006_meanings::Migration),
            Box::new(m0007_dataset_owner::Migration),
            Box::new(m0008_scan_warnings::Migration),
            Box::new(m0009_audit_insert_guard::Migration),
            Box::new(m0010_jobs::Migration),
            Box::new(m0011_web_sessions::Migration),
            Box::new(m0012_source_removed::Migration),
            Box::new(m0013_lineage::Migration),
            Box::new(m0014_file_datasets::Migration),
            Box::new(m0015_privacy_requests::Migration),
            Box::new(m0016_erasure_policies::Migration),
        ]
    }
}
