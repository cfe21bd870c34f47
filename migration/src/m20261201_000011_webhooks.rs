//! Webhooks: endpoints admins register, and the outbox of deliveries to them. A delivery row is
//! made for each change an endpoint asked for, and stays until the endpoint accepts it (or it
//! is given up), so a restart in the middle of a delivery loses nothing.

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
                    .table("webhooks")
                    .col(pk_auto("id"))
                    .col(string("url"))
                    // GraphQL names of the record types it receives, comma-separated; empty for all.
                    .col(string("record_types"))
                    .col(string("secret"))
                    .col(boolean("enabled"))
                    .col(string_null("disabled_reason"))
                    // The change-feed position up to which its deliveries have been made.
                    .col(big_integer("feed_tx_id"))
                    .col(big_integer("feed_change_id"))
                    .col(string("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    .col(big_pk_auto("id"))
                    .col(integer("webhook_id"))
                    // The `webhook-id` header: the same on every attempt, for receivers to
                    // drop repeats.
                    .col(string_uniq("message_id"))
                    .col(big_integer("change_tx_id"))
                    .col(big_integer("change_id"))
                    .col(string("record_type"))
                    .col(integer("record_id"))
                    .col(string("operation"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("changed_at"))
                    .col(string("status"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("last_attempt_at"))
                    .col(integer_null("last_status_code"))
                    .col(string_null("last_error"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .check(Expr::cust("status IN ('PENDING', 'DELIVERED', 'FAILED')"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("webhook_deliveries", "webhook_id")
                            .to("webhooks", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The dispatcher's question: what is due, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_due")
                    .table("webhook_deliveries")
                    .col("status")
                    .col("next_attempt_at")
                    .to_owned(),
            )
            .await?;
        // Order per record: is an earlier delivery of the same record still pending?
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_record")
                    .table("webhook_deliveries")
                    .col("webhook_id")
                    .col("record_type")
                    .col("record_id")
                    .col("id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["webhook_deliveries", "webhooks"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
