//! What writes need: every record carries `version` (1 at creation, +1 per change, for
//! optimistic concurrency) and `updated_at`; every change leaves an audit entry; and the
//! responses to requests sent with an `Idempotency-Key` are kept for a day, in the database so
//! every replica sees them.
//!
//! SQLite cannot add a column whose default is not a constant, so `updated_at` is added with a
//! constant default and then set to the time of the migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every table behind a GraphQL `Node` type.
const RECORD_TABLES: [&str; 11] = [
    "source_documents",
    "places",
    "organisations",
    "funders",
    "programmes",
    "projects",
    "participations",
    "funding_lines",
    "outcomes",
    "events",
    "contacts",
];

/// The covering index of an organisation's participations, before and after this migration.
const COVERING: &str = "ix_participations_organisation_covering";
const COVERING_VERSIONED: &str = "ix_participations_organisation_versioned";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in RECORD_TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(integer("version").default(1))
                        .to_owned(),
                )
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(
                            timestamp_with_time_zone("updated_at")
                                .default("1970-01-01T00:00:00+00:00"),
                        )
                        .to_owned(),
                )
                .await?;
            manager
                .exec_stmt(
                    Query::update()
                        .table(table)
                        .value("updated_at", Expr::current_timestamp())
                        .to_owned(),
                )
                .await?;
        }
        // The covering index of an organisation's participations carries the new columns too,
        // so those pages still read the index alone.
        manager
            .create_index(
                Index::create()
                    .name(COVERING_VERSIONED)
                    .table("participations")
                    .col("organisation_id")
                    .col("project_id")
                    .col("id")
                    .col("role")
                    .col("position")
                    .col("version")
                    .col("updated_at")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(COVERING)
                    .table("participations")
                    .to_owned(),
            )
            .await?;
        // At most one lead partner per project, whatever writers race.
        manager
            .create_index(
                Index::create()
                    .name("ux_participations_lead_partner")
                    .table("participations")
                    .col("project_id")
                    .unique()
                    .and_where(Expr::col("role").eq("LEAD_PARTNER"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_entries")
                    .col(pk_auto("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string("actor"))
                    .col(string("role"))
                    .col(string("operation"))
                    .col(string("record_type"))
                    .col(integer("record_id"))
                    .col(integer("version"))
                    .col(text("changes"))
                    .col(string_null("request_id"))
                    .col(string_len_null("idempotency_key", 255))
                    .check(Expr::cust("operation IN ('CREATE', 'UPDATE', 'DELETE')"))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "ix_audit_entries_record",
                &["record_type", "record_id", "id"][..],
            ),
            ("ix_audit_entries_actor", &["actor", "id"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("audit_entries");
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .col(string_len("caller", 200))
                    .col(string_len("key", 255))
                    .col(string_len("request_hash", 64))
                    .col(integer_null("status"))
                    .col(text_null("response"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("caller").col("key"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_idempotency_keys_created_at")
                    .table("idempotency_keys")
                    .col("created_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["idempotency_keys", "audit_entries"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ux_participations_lead_partner")
                    .table("participations")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(COVERING)
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
                    .name(COVERING_VERSIONED)
                    .table("participations")
                    .to_owned(),
            )
            .await?;
        for table in RECORD_TABLES {
            for column in ["version", "updated_at"] {
                manager
                    .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                    .await?;
            }
        }
        Ok(())
    }
}
