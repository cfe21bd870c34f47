//! The change feed: one row per change to a record, written in the transaction of the change,
//! and kept for the retention period (deletes stay as tombstones until then).
//!
//! `tx_id` is the writing transaction's id on PostgreSQL (`pg_current_xact_id()`). Readers
//! order by `(tx_id, id)` and only read transactions older than every transaction still
//! running, so a row cannot commit behind a cursor that has passed it. SQLite runs one writer
//! at a time, so there `tx_id` is 0 and the id alone orders commits.

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
                    .table("changes")
                    .col(big_pk_auto("id"))
                    .col(big_integer("tx_id"))
                    .col(string("record_type"))
                    .col(integer("record_id"))
                    .col(string("operation"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("changed_at"))
                    .check(Expr::cust("operation IN ('CREATED', 'UPDATED', 'DELETED')"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_changes_feed_order")
                    .table("changes")
                    .col("tx_id")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        // How far the feed has been trimmed: a cursor behind this point has missed changes.
        manager
            .create_table(
                Table::create()
                    .table("change_feed_trims")
                    .col(pk_auto("id"))
                    .col(big_integer("tx_id"))
                    .col(big_integer("change_id"))
                    .col(timestamp_with_time_zone("trimmed_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["change_feed_trims", "changes"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
