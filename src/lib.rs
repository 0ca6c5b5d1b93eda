//! Almanac: a data catalog and data dictionary with privacy governance.

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod classify;

pub mod config;
pub mod contain;
pub mod history;
pub mod ids;
pub mod jobs;
pub mod outbox;
pub mod privacy;
pub mod scanning;
pub mod search;
pub mod store;
