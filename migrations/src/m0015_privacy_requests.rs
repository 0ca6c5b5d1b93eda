//! Erasure and access requests: the subject's identifiers sealed (encrypted with a key kept
//! outside the store) while a request is open, the stored plan and the hash an approval binds to,
//! the journal of what execution applied per source, the verification, and once closed only
//! keyed hashes of the identifiers.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0015_privacy_requests"
    }
}

#[derive(Iden)]
enum PrivacyRequest {
    Table,
    Id,
    Kind,
    Status,
    Requester,
    ReceivedAt,
    DueAt,
    SubjectsSealed,
    SubjectCount,
    Plan,
    PlanHash,
    PlannedAt,
    ApprovedBy,
    ApprovedAt,
    Execution,
    Verification,
    SubjectHashes,
    ClosedAt,
    ExtensionReason,
    ClosingReason,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PrivacyRequest::Table)
                .col(ColumnDef::new(PrivacyRequest::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(PrivacyRequest::Kind).string().not_null())
                .col(ColumnDef::new(PrivacyRequest::Status).string().not_null())
                .col(ColumnDef::new(PrivacyRequest::Requester).string().not_null())
                .col(ColumnDef::new(PrivacyRequest::ReceivedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(PrivacyRequest::DueAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(PrivacyRequest::SubjectsSealed).text().null())
                .col(ColumnDef::new(PrivacyRequest::SubjectCount).integer().not_null())
                .col(ColumnDef::new(PrivacyRequest::Plan).text().null())
                .col(ColumnDef::new(PrivacyRequest::PlanHash).string().null())
                .col(ColumnDef::new(PrivacyRequest::PlannedAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(PrivacyRequest::ApprovedBy).string().null())
                .col(ColumnDef::new(PrivacyRequest::ApprovedAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(PrivacyRequest::Execution).text().null())
                .col(ColumnDef::new(PrivacyRequest::Verification).text().null())
                .col(ColumnDef::new(PrivacyRequest::SubjectHashes).text().null())
                .col(ColumnDef::new(PrivacyRequest::ClosedAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(PrivacyRequest::ExtensionReason).text().null())
                .col(ColumnDef::new(PrivacyRequest::ClosingReason).text().null())
                .col(ColumnDef::new(PrivacyRequest::UpdatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("privacy_request_status_due")
                .table(PrivacyRequest::Table)
                .col(PrivacyRequest::Status)
                .col(PrivacyRequest::DueAt)
                .to_owned(),
        )
        .await
    }
}
