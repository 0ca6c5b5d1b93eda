//! The catalog core: sources, scans, namespaces, datasets, columns, foreign keys, tags, change events.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_catalog"
    }
}

#[derive(Iden)]
enum Source {
    Table,
    Id,
    Name,
    Engine,
    Url,
    PasswordEnv,
    PasswordFile,
    SampleRows,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden)]
enum Scan {
    Table,
    Id,
    SourceId,
    Status,
    Phase,
    StepsDone,
    StepsTotal,
    StartedAt,
    FinishedAt,
    Error,
    Datasets,
    Columns,
    Changes,
}

#[derive(Iden)]
enum Namespace {
    Table,
    Id,
    SourceId,
    Name,
    CreatedAt,
    RemovedAt,
}

#[derive(Iden)]
enum Dataset {
    Table,
    Id,
    SourceId,
    NamespaceId,
    Name,
    Kind,
    Comment,
    Description,
    DescriptionVersion,
    RowEstimate,
    ViewDefinition,
    Partitions,
    CreatedAt,
    UpdatedAt,
    RemovedAt,
}

#[derive(Iden)]
enum DatasetColumn {
    Table,
    Id,
    DatasetId,
    Name,
    Ordinal,
    DataType,
    TypeFamily,
    Nullable,
    DefaultValue,
    IsPrimaryKey,
    IsUnique,
    Comment,
    Description,
    DescriptionVersion,
    CreatedAt,
    UpdatedAt,
    RemovedAt,
}

#[derive(Iden)]
enum ForeignKey {
    Table,
    Id,
    DatasetId,
    Name,
    Columns,
    ReferencedNamespace,
    ReferencedDataset,
    ReferencedColumns,
    CreatedAt,
    RemovedAt,
}

#[derive(Iden)]
enum Tag {
    Table,
    Id,
    TargetKind,
    TargetId,
    Name,
    CreatedAt,
}

#[derive(Iden)]
enum ChangeEvent {
    Table,
    Id,
    SourceId,
    ScanId,
    DatasetId,
    ColumnId,
    Kind,
    Details,
    At,
}

fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().auto_increment().primary_key().take()
}

fn fk<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

fn ts<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().not_null().take()
}

fn ts_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().null().take()
}

fn text_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

fn string<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).string().not_null().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Source::Table)
                .col(id(Source::Id))
                .col(string(Source::Name).unique_key().take())
                .col(string(Source::Engine))
                .col(ColumnDef::new(Source::Url).text().not_null())
                .col(ColumnDef::new(Source::PasswordEnv).string().null())
                .col(text_null(Source::PasswordFile))
                .col(ColumnDef::new(Source::SampleRows).integer().null())
                .col(ts(Source::CreatedAt))
                .col(ts(Source::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Scan::Table)
                .col(id(Scan::Id))
                .col(fk(Scan::SourceId))
                .col(string(Scan::Status))
                .col(ColumnDef::new(Scan::Phase).string().null())
                .col(ColumnDef::new(Scan::StepsDone).big_integer().not_null().default(0))
                .col(ColumnDef::new(Scan::StepsTotal).big_integer().null())
                .col(ts(Scan::StartedAt))
                .col(ts_null(Scan::FinishedAt))
                .col(text_null(Scan::Error))
                .col(ColumnDef::new(Scan::Datasets).big_integer().null())
                .col(ColumnDef::new(Scan::Columns).big_integer().null())
                .col(ColumnDef::new(Scan::Changes).big_integer().null())
                .foreign_key(ForeignKeyCreateStatement::new().from(Scan::Table, Scan::SourceId).to(Source::Table, Source::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_scan_source").table(Scan::Table).col(Scan::SourceId).col(Scan::Id).to_owned()).await?;

        m.create_table(
            Table::create()
                .table(Namespace::Table)
                .col(id(Namespace::Id))
                .col(fk(Namespace::SourceId))
                .col(string(Namespace::Name))
                .col(ts(Namespace::CreatedAt))
                .col(ts_null(Namespace::RemovedAt))
                .foreign_key(ForeignKeyCreateStatement::new().from(Namespace::Table, Namespace::SourceId).to(Source::Table, Source::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_namespace_source_name")
                .table(Namespace::Table)
                .col(Namespace::SourceId)
                .col(Namespace::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Dataset::Table)
                .col(id(Dataset::Id))
                .col(fk(Dataset::SourceId))
                .col(fk(Dataset::NamespaceId))
                .col(string(Dataset::Name))
                .col(string(Dataset::Kind))
                .col(text_null(Dataset::Comment))
                .col(text_null(Dataset::Description))
                .col(ColumnDef::new(Dataset::DescriptionVersion).integer().not_null().default(0))
                .col(ColumnDef::new(Dataset::RowEstimate).big_integer().null())
                .col(text_null(Dataset::ViewDefinition))
                .col(text_null(Dataset::Partitions))
                .col(ts(Dataset::CreatedAt))
                .col(ts(Dataset::UpdatedAt))
                .col(ts_null(Dataset::RemovedAt))
                .foreign_key(
                    ForeignKeyCreateStatement::new().from(Dataset::Table, Dataset::NamespaceId).to(Namespace::Table, Namespace::Id),
                )
                .foreign_key(ForeignKeyCreateStatement::new().from(Dataset::Table, Dataset::SourceId).to(Source::Table, Source::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_dataset_namespace_name")
                .table(Dataset::Table)
                .col(Dataset::NamespaceId)
                .col(Dataset::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_dataset_source").table(Dataset::Table).col(Dataset::SourceId).to_owned()).await?;

        m.create_table(
            Table::create()
                .table(DatasetColumn::Table)
                .col(id(DatasetColumn::Id))
                .col(fk(DatasetColumn::DatasetId))
                .col(string(DatasetColumn::Name))
                .col(ColumnDef::new(DatasetColumn::Ordinal).integer().not_null())
                .col(ColumnDef::new(DatasetColumn::DataType).text().not_null())
                .col(string(DatasetColumn::TypeFamily))
                .col(ColumnDef::new(DatasetColumn::Nullable).boolean().not_null())
                .col(text_null(DatasetColumn::DefaultValue))
                .col(ColumnDef::new(DatasetColumn::IsPrimaryKey).boolean().not_null())
                .col(ColumnDef::new(DatasetColumn::IsUnique).boolean().not_null())
                .col(text_null(DatasetColumn::Comment))
                .col(text_null(DatasetColumn::Description))
                .col(ColumnDef::new(DatasetColumn::DescriptionVersion).integer().not_null().default(0))
                .col(ts(DatasetColumn::CreatedAt))
                .col(ts(DatasetColumn::UpdatedAt))
                .col(ts_null(DatasetColumn::RemovedAt))
                .foreign_key(
                    ForeignKeyCreateStatement::new().from(DatasetColumn::Table, DatasetColumn::DatasetId).to(Dataset::Table, Dataset::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_column_dataset_name")
                .table(DatasetColumn::Table)
                .col(DatasetColumn::DatasetId)
                .col(DatasetColumn::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ForeignKey::Table)
                .col(id(ForeignKey::Id))
                .col(fk(ForeignKey::DatasetId))
                .col(string(ForeignKey::Name))
                .col(ColumnDef::new(ForeignKey::Columns).text().not_null())
                .col(string(ForeignKey::ReferencedNamespace))
                .col(string(ForeignKey::ReferencedDataset))
                .col(ColumnDef::new(ForeignKey::ReferencedColumns).text().not_null())
                .col(ts(ForeignKey::CreatedAt))
                .col(ts_null(ForeignKey::RemovedAt))
                .foreign_key(
                    ForeignKeyCreateStatement::new().from(ForeignKey::Table, ForeignKey::DatasetId).to(Dataset::Table, Dataset::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_fk_dataset_name")
                .table(ForeignKey::Table)
                .col(ForeignKey::DatasetId)
                .col(ForeignKey::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_fk_referenced")
                .table(ForeignKey::Table)
                .col(ForeignKey::ReferencedNamespace)
                .col(ForeignKey::ReferencedDataset)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Tag::Table)
                .col(id(Tag::Id))
                .col(string(Tag::TargetKind))
                .col(fk(Tag::TargetId))
                .col(string(Tag::Name))
                .col(ts(Tag::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_tag_target_name")
                .table(Tag::Table)
                .col(Tag::TargetKind)
                .col(Tag::TargetId)
                .col(Tag::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ChangeEvent::Table)
                .col(id(ChangeEvent::Id))
                .col(fk(ChangeEvent::SourceId))
                .col(ColumnDef::new(ChangeEvent::ScanId).big_integer().null())
                .col(ColumnDef::new(ChangeEvent::DatasetId).big_integer().null())
                .col(ColumnDef::new(ChangeEvent::ColumnId).big_integer().null())
                .col(string(ChangeEvent::Kind))
                .col(ColumnDef::new(ChangeEvent::Details).text().not_null())
                .col(ts(ChangeEvent::At))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_change_source", ChangeEvent::SourceId),
            ("ix_change_dataset", ChangeEvent::DatasetId),
            ("ix_change_column", ChangeEvent::ColumnId),
            ("ix_change_scan", ChangeEvent::ScanId),
        ] {
            m.create_index(Index::create().name(name).table(ChangeEvent::Table).col(col).col(ChangeEvent::Id).to_owned()).await?;
        }
        Ok(())
    }
}
