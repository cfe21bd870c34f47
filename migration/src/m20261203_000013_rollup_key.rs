//! An index on the funding rollup's group key. Every write of a funding line adjusts the row of
//! its group, found by this key; without the index each adjustment read the whole table, and
//! inside one long transaction (a bulk import) on PostgreSQL the table also carries every
//! earlier version of the rows it updated, so an import slowed down with each line it wrote.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "ix_funding_line_rollup_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table("funding_line_rollup")
                    .col("funder_id")
                    .col("programme_id")
                    .col("start_year")
                    .col("kind")
                    .col("currency")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table("funding_line_rollup")
                    .to_owned(),
            )
            .await
    }
}
