//! What a column meant when: dated meaning annotations (every version kept), and people's
//! reviews of detected semantic changes (acknowledged or dismissed).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_meanings"
    }
}

#[derive(Iden)]
enum ColumnMeaning {
    Table,
    Id,
    ColumnId,
    Meaning,
    EffectiveFrom,
    Author,
    ChangeEventId,
    CreatedAt,
}

#[derive(Iden)]
enum ChangeReview {
    Table,
    Id,
    ChangeEventId,
    Decision,
    Note,
    Author,
    MeaningId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ColumnMeaning::Table)
                .col(ColumnDef::new(ColumnMeaning::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(ColumnMeaning::ColumnId).big_integer().not_null())
                .col(ColumnDef::new(ColumnMeaning::Meaning).text().not_null())
                .col(ColumnDef::new(ColumnMeaning::EffectiveFrom).date().not_null())
                .col(ColumnDef::new(ColumnMeaning::Author).string().not_null())
                .col(ColumnDef::new(ColumnMeaning::ChangeEventId).big_integer())
                .col(ColumnDef::new(ColumnMeaning::CreatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("column_meaning_column")
                .table(ColumnMeaning::Table)
                .col(ColumnMeaning::ColumnId)
                .col(ColumnMeaning::EffectiveFrom)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ChangeReview::Table)
                .col(ColumnDef::new(ChangeReview::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(ChangeReview::ChangeEventId).big_integer().not_null().unique_key())
                .col(ColumnDef::new(ChangeReview::Decision).string().not_null())
                .col(ColumnDef::new(ChangeReview::Note).text())
                .col(ColumnDef::new(ChangeReview::Author).string().not_null())
                .col(ColumnDef::new(ChangeReview::MeaningId).big_integer())
                .col(ColumnDef::new(ChangeReview::CreatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await
    }
}
