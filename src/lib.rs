//! Almanac: a data catalog and data dictionary with privacy governance.

pub mod allocation;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod classify;
pub mod config;
/// A panic in code over source data costs one column, not the scan (shared with the scanners).
pub use almanac_scanners::contain;
pub mod history;
pub mod ids;
pub mod jobs;
pub mod lineage;
pub mod outbox;
pub mod privacy;
pub mod scanning;
pub mod search;
pub mod store;
