//! Personal-data classifications of columns: suggested by scans, decided by stewards.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_classification"
    }
}

#[derive(Iden)]
enum Classification {
    Table,
    Id,
    ColumnId,
    Category,
    Status,
    Confidence,
    Evidence,
    ScanId,
    DecidedBy,
    DecidedAt,
    Note,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden)]
enum DatasetColumn {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Classification::Table)
                .col(ColumnDef::new(Classification::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(Classification::ColumnId).big_integer().not_null())
                .col(ColumnDef::new(Classification::Category).string().not_null())
                .col(ColumnDef::new(Classification::Status).string().not_null())
                .col(ColumnDef::new(Classification::Confidence).double().not_null())
                .col(ColumnDef::new(Classification::Evidence).text().not_null())
                .col(ColumnDef::new(Classification::ScanId).big_integer().null())
                .col(ColumnDef::new(Classification::DecidedBy).string().null())
                .col(ColumnDef::new(Classification::DecidedAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(Classification::Note).text().null())
                .col(ColumnDef::new(Classification::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Classification::UpdatedAt).timestamp_with_time_zone().not_null())
                .foreign_key(
                    ForeignKeyCreateStatement::new()
                        .from(Classification::Table, Classification::ColumnId)
                        .to(DatasetColumn::Table, DatasetColumn::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_classification_column_category")
                .table(Classification::Table)
                .col(Classification::ColumnId)
                .col(Classification::Category)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_classification_category").table(Classification::Table).col(Classification::Category).to_owned(),
        )
        .await
    }
}
