//! An organisation's participations read from the index alone: the index on
//! (organisation_id, project_id) also carries each participation's id, role and position, so a
//! page of organisations with their participations visits no table pages. An organisation's
//! participations are spread over the whole table (they are written project by project), so
//! reading them from the table cost a page per participation. It replaces the index it
//! extends.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_participations_organisation_covering";
const REPLACED: &str = "ix_participations_organisation_id_project_id";

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
                    .col("id")
                    .col("role")
                    .col("position")
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
                    .col("project_id")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(NAME).table("participations").to_owned())
            .await
    }
}
