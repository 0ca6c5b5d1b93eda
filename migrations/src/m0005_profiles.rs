//! Column profiles per scan: aggregate figures from sampled values (never the values), and a
//! dataset-level row (no column) with the duplicate share of the sampled rows.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_profiles"
    }
}

#[derive(Iden)]
enum ColumnProfile {
    Table,
    Id,
    ScanId,
    DatasetId,
    ColumnId,
    Profile,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ColumnProfile::Table)
                .col(ColumnDef::new(ColumnProfile::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(ColumnProfile::ScanId).big_integer().not_null())
                .col(ColumnDef::new(ColumnProfile::DatasetId).big_integer().not_null())
                .col(ColumnDef::new(ColumnProfile::ColumnId).big_integer())
                .col(ColumnDef::new(ColumnProfile::Profile).text().not_null())
                .col(ColumnDef::new(ColumnProfile::CreatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("column_profile_dataset_scan")
                .table(ColumnProfile::Table)
                .col(ColumnProfile::DatasetId)
                .col(ColumnProfile::ScanId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("column_profile_column_scan")
                .table(ColumnProfile::Table)
                .col(ColumnProfile::ColumnId)
                .col(ColumnProfile::ScanId)
                .to_owned(),
        )
        .await
    }
}
