//! Support for analytics computed by the database: the programme tree as a closure table (every
//! programme with each of its ancestors, itself included), each project's start year, and each
//! funding line's pro-rata split over the calendar years of its project.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("programme_ancestors")
                    .col(integer("programme_id"))
                    .col(integer("ancestor_id"))
                    .col(integer("distance"))
                    .primary_key(Index::create().col("programme_id").col("ancestor_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_programme_ancestors_programme_id")
                            .from("programme_ancestors", "programme_id")
                            .to("programmes", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_programme_ancestors_ancestor_id")
                            .from("programme_ancestors", "ancestor_id")
                            .to("programmes", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(Expr::cust("distance >= 0"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_programme_ancestors_ancestor_id")
                    .table("programme_ancestors")
                    .col("ancestor_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("funding_line_years")
                    .col(integer("funding_line_id"))
                    .col(integer("year"))
                    .col(integer("days"))
                    .col(big_integer("amount_minor"))
                    .primary_key(Index::create().col("funding_line_id").col("year"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_funding_line_years_funding_line_id")
                            .from("funding_line_years", "funding_line_id")
                            .to("funding_lines", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(Expr::cust("amount_minor >= 0"))
                    .check(Expr::cust("days > 0"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_funding_line_years_year")
                    .table("funding_line_years")
                    .col("year")
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table("projects")
                    .add_column(integer_null("start_year"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_projects_start_year")
                    .table("projects")
                    .col("start_year")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_projects_start_year")
                    .table("projects")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("projects")
                    .drop_column("start_year")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("funding_line_years").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("programme_ancestors").to_owned())
            .await
    }
}
