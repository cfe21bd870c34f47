//! Rate-limit buckets, kept in the database so every replica of the API draws on the same bucket
//! for a client. One row per client: the points left when it was last charged, when that was,
//! and whether that last charge was granted.
//!
//! On PostgreSQL the table is UNLOGGED: a bucket is soft state, and skipping the write-ahead log
//! takes the per-request charge off the commit path. After a crash the table comes back empty,
//! which means every bucket is full again.

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
                    .table("rate_limit_buckets")
                    .col(string_len("client_key", 200).primary_key())
                    .col(double("tokens"))
                    .col(big_integer("refreshed_at_ms"))
                    .col(boolean("granted"))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE rate_limit_buckets SET UNLOGGED")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("rate_limit_buckets").to_owned())
            .await
    }
}
