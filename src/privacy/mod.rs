//! Privacy: where personal data lives and what people decided about it. Owns the
//! `classification` table: a scan's suggestions (written in the scan's transaction by
//! [`scan::classify_scan`]), stewards' decisions, and the audited inventory of
//! personal data every listing goes through ([`inventory`]). Erasure and access requests will
//! live here too.

pub mod classifications;
mod entity;
pub mod inventory;
pub mod scan;

pub use classifications::{Classification, ClassificationStatus, ClassificationSummary, ClassifiedColumn, Decision};
