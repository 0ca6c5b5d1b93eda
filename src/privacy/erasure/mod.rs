//! Erasure and access requests (GDPR Art. 17 and 15). What exists so far: a data subject's
//! identifiers, parsed and normalised ([`subject`]), and their footprint in a source
//! ([`footprint`]): the rows matching the source's identity keys and the rows referencing
//! them through foreign keys, counted on the live database with bound parameters. Requests,
//! policies, plans, execution, verification and reports are to build on these.

pub mod footprint;
mod source;
pub mod subject;

pub use footprint::{Footprint, FootprintDataset, IdentityKey, KeyKind, Reach};
pub use subject::{IdentifierKind, SubjectError, SubjectIdentifier};

/// Why an erasure or access step could not run. Messages never hold a subject's identifier.
#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    #[error(transparent)]
    Subject(#[from] SubjectError),
    #[error("cannot reach source `{source_name}`: {message}")]
    Unreachable { source_name: String, message: String },
    #[error("source `{0}` is a lake: its files are not searched for a subject yet")]
    FilesNotSearched(String),
    #[error("a query on source `{source_name}` failed on {dataset}: {message}")]
    Query { source_name: String, dataset: String, message: String },
    #[error("the column {0} named by a subject identifier is not in the live source")]
    UnknownColumn(String),
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error(transparent)]
    Store(#[from] sea_orm::DbErr),
}
