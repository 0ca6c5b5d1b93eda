//! Column-level lineage: edges between columns (or from a column to a dataset it filters or
//! joins), each with its kind, its origin (a view's definition, a submitted SQL statement, an
//! OpenLineage run, an editor) and who made it when; and the OpenLineage jobs seen.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0013_lineage"
    }
}

#[derive(Iden)]
enum LineageEdge {
    Table,
    Id,
    FromDatasetId,
    FromColumnId,
    ToDatasetId,
    ToColumnId,
    Kind,
    Origin,
    OriginRef,
    CreatedBy,
    CreatedAt,
}

#[derive(Iden)]
enum LineageJob {
    Table,
    Id,
    Namespace,
    Name,
    LastRunId,
    LastState,
    LastEventAt,
    Runs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LineageEdge::Table)
                .col(ColumnDef::new(LineageEdge::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(LineageEdge::FromDatasetId).big_integer().not_null())
                .col(ColumnDef::new(LineageEdge::FromColumnId).big_integer().null())
                .col(ColumnDef::new(LineageEdge::ToDatasetId).big_integer().not_null())
                .col(ColumnDef::new(LineageEdge::ToColumnId).big_integer().null())
                .col(ColumnDef::new(LineageEdge::Kind).string_len(16).not_null())
                .col(ColumnDef::new(LineageEdge::Origin).string_len(16).not_null())
                .col(ColumnDef::new(LineageEdge::OriginRef).text().not_null())
                .col(ColumnDef::new(LineageEdge::CreatedBy).text().not_null())
                .col(ColumnDef::new(LineageEdge::CreatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("lineage_edge_from_column", LineageEdge::FromColumnId),
            ("lineage_edge_to_column", LineageEdge::ToColumnId),
            ("lineage_edge_from_dataset", LineageEdge::FromDatasetId),
            ("lineage_edge_to_dataset", LineageEdge::ToDatasetId),
        ] {
            m.create_index(Index::create().name(name).table(LineageEdge::Table).col(col).to_owned()).await?;
        }
        m.create_index(
            Index::create()
                .name("lineage_edge_origin")
                .table(LineageEdge::Table)
                .col(LineageEdge::Origin)
                .col(LineageEdge::OriginRef)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LineageJob::Table)
                .col(ColumnDef::new(LineageJob::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(LineageJob::Namespace).text().not_null())
                .col(ColumnDef::new(LineageJob::Name).text().not_null())
                .col(ColumnDef::new(LineageJob::LastRunId).text().null())
                .col(ColumnDef::new(LineageJob::LastState).string_len(32).null())
                .col(ColumnDef::new(LineageJob::LastEventAt).timestamp_with_time_zone().null())
                .col(ColumnDef::new(LineageJob::Runs).big_integer().not_null().default(0))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("lineage_job_name")
                .table(LineageJob::Table)
                .col(LineageJob::Namespace)
                .col(LineageJob::Name)
                .unique()
                .to_owned(),
        )
        .await
    }
}
