//! Funding lines added up per funder, programme, kind, currency and project start year, so the
//! dashboards' funding totals over all projects read a few thousand rows instead of every line.
//! Derived data: the API rebuilds it from the lines.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "funding_line_rollup";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TABLE)
                    .col(pk_auto("id"))
                    .col(integer_null("funder_id"))
                    .col(integer_null("programme_id"))
                    .col(string("kind"))
                    .col(string_len("currency", 3))
                    .col(integer_null("start_year"))
                    .col(big_integer("amount_minor"))
                    .col(big_integer("line_count"))
                    .check(Expr::cust("amount_minor >= 0"))
                    .check(Expr::cust("line_count > 0"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TABLE).to_owned())
            .await
    }
}
