//! What a scan could read only in part: broken objects, samples refused, columns whose
//! classification or profile failed. Kept with the scan as a JSON list; the scan still succeeds.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_scan_warnings"
    }
}

#[derive(Iden)]
enum Scan {
    Table,
    Warnings,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Scan::Table).add_column(ColumnDef::new(Scan::Warnings).text().null()).to_owned()).await
    }
}
