//! Who owns a dataset: the owner the source reports (PostgreSQL's owning role, a MySQL view's
//! definer) kept apart from the owner people assign, which is versioned like a description
//! so that concurrent edits cannot overwrite each other.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_dataset_owner"
    }
}

#[derive(Iden)]
enum Dataset {
    Table,
    SourceOwner,
    Owner,
    OwnerVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in [
            ColumnDef::new(Dataset::SourceOwner).string().null().to_owned(),
            ColumnDef::new(Dataset::Owner).string().null().to_owned(),
            ColumnDef::new(Dataset::OwnerVersion).integer().not_null().default(0).to_owned(),
        ] {
            m.alter_table(Table::alter().table(Dataset::Table).add_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
