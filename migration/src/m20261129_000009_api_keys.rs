//! API keys kept in the database, so every replica sees a new or revoked key at once: each with
//! its name, role, the organisations an editor is scoped to, a public prefix to find it by,
//! the SHA-256 of its secret (never the secret), and when it was created, expires, was revoked
//! and was last used.

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
                    .table("api_keys")
                    .col(pk_auto("id"))
                    .col(string_uniq("name"))
                    .col(string("role"))
                    .col(string_len_uniq("prefix", 16))
                    .col(string_len("secret_sha256", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .check(Expr::cust("role IN ('reader', 'editor', 'admin')"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("api_key_organisations")
                    .col(integer("api_key_id"))
                    .col(integer("organisation_id"))
                    .primary_key(Index::create().col("api_key_id").col("organisation_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_key_organisations_api_key_id")
                            .from("api_key_organisations", "api_key_id")
                            .to("api_keys", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_key_organisations_organisation_id")
                            .from("api_key_organisations", "organisation_id")
                            .to("organisations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["api_key_organisations", "api_keys"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
