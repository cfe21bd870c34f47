//! Schema migrations for the partnership domain. The same migrations run unchanged on SQLite
//! (the embedded default) and PostgreSQL (production): they use only the portable subset of
//! sea-query's schema builder and portable CHECK expressions.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_domain;
mod m20261122_000002_analytics;
mod m20261122_000003_rate_limits;
mod m20261122_000004_read_indexes;
mod m20261128_000005_funding_line_rollup;
mod m20261128_000006_covering_participations;
mod m20261129_000007_event_end_dates;
mod m20261129_000008_writes;
mod m20261129_000009_api_keys;
mod m20261130_000010_changes;
mod m20261201_000011_webhooks;
mod m20261202_000012_search;
mod m20261203_000013_rollup_key;
mod m20261204_000014_search_documents;
mod m20261205_000015_keyed_search_documents;
mod m20261206_000016_search_postings;

/// Every migration, in the order it applies.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_domain::Migration),
            Box::new(m20261122_000002_analytics::Migration),
            Box::new(m20261122_000003_rate_limits::Migration),
            Box::new(m20261122_000004_read_indexes::Migration),
            Box::new(m20261128_000005_funding_line_rollup::Migration),
            Box::new(m20261128_000006_covering_participations::Migration),
            Box::new(m20261129_000007_event_end_dates::Migration),
            Box::new(m20261129_000008_writes::Migration),
            Box::new(m20261129_000009_api_keys::Migration),
            Box::new(m20261130_000010_changes::Migration),
            Box::new(m20261201_000011_webhooks::Migration),
            Box::new(m20261202_000012_search::Migration),
            Box::new(m20261203_000013_rollup_key::Migration),
            Box::new(m20261204_000014_search_documents::Migration),
            Box::new(m20261205_000015_keyed_search_documents::Migration),
            Box::new(m20261206_000016_search_postings::Migration),
        ]
    }
}
