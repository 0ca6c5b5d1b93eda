//! Erasure and access requests (GDPR Art. 17 and 15). Owns the `privacy_request` table. What
//! exists so far: a data subject's identifiers, parsed and normalised ([`subject`]); their
//! footprint in a source ([`footprint`]): the rows matching the source's identity keys and the
//! rows referencing them through foreign keys, counted on the live database with bound
//! parameters; and requests ([`request`]) received with their identifiers sealed
//! ([`sealed`]), planned over every database source (stored and hashed) and approved by a
//! second person, executed one transaction per source with a journal that makes a stopped
//! run resumable ([`execute`]), verified and reported; and access requests' exports
//! ([`access`]). Policies ([`policy`]) decide per dataset whether rows are deleted, anonymised
//! or retained under a legal hold ([`decide`] applies them to a footprint). File datasets are
//! still to come.

pub mod access;
pub mod decide;
mod entity;
pub mod execute;
pub mod footprint;
pub mod policy;
pub mod request;
pub mod sealed;
mod source;
pub mod subject;
pub mod suppression;

pub use footprint::{Footprint, FootprintDataset, IdentityKey, KeyKind, Reach};
pub use request::{ErasurePlan, ManualTask, PlanStep, PrivacyConfig, PrivacyRequest, RequestKind, RequestStatus};
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
    Seal(#[from] sealed::SealError),
    #[error("a request names at least one subject identifier")]
    NoSubject,
    #[error("a request names at most {0} subject identifiers")]
    TooManyIdentifiers(usize),
    #[error("the {0} must be a name of 1 to 200 characters without control characters")]
    BadActor(String),
    #[error("there is no request {0}")]
    NoRequest(i64),
    #[error("request {0} is closed: its identifiers are no longer held")]
    Closed(i64),
    #[error("request {id} is {status}; this step needs it {wanted}")]
    WrongState { id: i64, status: &'static str, wanted: &'static str },
    #[error("request {0} was created by the same person: another person must approve it (four eyes)")]
    SelfApproval(i64),
    #[error(
        "the plan hash given is not request {0}'s current plan: read the plan again (`almanac erasure plan`) and approve what it shows"
    )]
    StalePlan(i64),
    #[error("request {0} changed while it was being planned: plan it again")]
    Concurrent(i64),
    #[error("source `{0}` changed since the plan was approved (its schema, or the subject's rows in it): plan the request again and approve the new plan")]
    PlanChanged(String),
    #[error("source `{0}` has a manual task in the plan that must be settled before its steps can run")]
    ManualFirst(String),
    #[error("request {0}'s due date was extended already: GDPR Art. 12(3) allows one extension of two months")]
    AlreadyExtended(i64),
    #[error("request {id}'s plan leaves personal columns unhandled ({columns}): set a policy or an exemption for them, plan again, and approve the new plan")]
    Uncovered { id: i64, columns: String },
    #[error("{0}")]
    Policy(String),
    #[error("request {id} is an {kind} request: this step is for the other kind")]
    WrongKind { id: i64, kind: &'static str },
    #[error("stored request data cannot be read: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error(transparent)]
    Store(#[from] sea_orm::DbErr),
}
