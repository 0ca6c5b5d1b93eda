//! Datasets of files: where their files are (a folder or file URL), their format, and the
//! drift between their files last seen (a JSON list), so that each difference is recorded
//! once, when it appears.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0014_file_datasets"
    }
}

#[derive(Iden)]
enum Dataset {
    Table,
    Location,
    Format,
    FileDrift,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [Dataset::Location, Dataset::Format, Dataset::FileDrift] {
            m.alter_table(Table::alter().table(Dataset::Table).add_column(ColumnDef::new(column).text().null()).to_owned()).await?;
        }
        Ok(())
    }
}
