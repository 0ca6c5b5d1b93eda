//! Almanac: a data catalog and data dictionary with privacy governance.

pub mod api;
pub mod app;
pub mod auth;
pub mod catalog;
pub mod classify;
pub mod cli;
pub mod config;
pub mod contain;
pub mod history;
pub mod ingest;
pub mod quickstart;
pub mod scanning;
pub mod search;
pub mod store;
