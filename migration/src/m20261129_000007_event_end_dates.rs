//! Multi-day events and cycles carry their last day (source 003's training cycle runs from
//! 2023-12-04 to 2024-01-15); a one-day event has none. The end may not come before the start.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("events")
                    .add_column(ColumnDef::new("end_date").date().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("events")
                    .drop_column("end_date")
                    .to_owned(),
            )
            .await
    }
}
