//! Indexes the read path needs at scale: an organisation's participations in project order,
//! covering the project id, so "projects with a partner from LV" and an organisation's projects
//! are read from the index alone instead of scanning every participation. It replaces the index
//! on `organisation_id` alone, which it starts with.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_participations_organisation_id_project_id";
const REPLACED: &str = "ix_participations_organisation_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table("participations")
                    .col("organisation_id")
                    .col("project_id")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(REPLACED)
                    .table("participations")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(REPLACED)
                    .table("participations")
                    .col("organisation_id")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(NAME).table("participations").to_owned())
            .await
    }
}
