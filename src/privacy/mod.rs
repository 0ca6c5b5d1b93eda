//! Privacy: where personal data lives and what people decided about it. Owns the
//! `classification` table: a scan's suggestions (written in the scan's transaction by
//! [`scan::classify_scan`]), stewards' decisions, and the audited inventory of
//! personal data every listing goes through ([`inventory`]); and erasure and access requests
//! ([`erasure`]), which start from a subject's footprint in a source.

pub mod classifications;
mod entity;
pub mod erasure;
pub mod inventory;
pub mod scan;

pub use classifications::{Classification, ClassificationStatus, ClassificationSummary, ClassifiedColumn, Decision};
