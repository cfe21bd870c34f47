//! SQLite: a search document's rowid becomes its record's key (the record type's place in
//! name order × 2^32 + the record's id), so the FTS5 index alone filters, orders and names its
//! hits without a join per match. The documents are dropped here and written again with their
//! keys when the API starts (`store::search::refresh` fills an empty table).
//!
//! PostgreSQL keys its documents by (record_type, record_id) already: nothing changes there.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

use crate::m20261202_000012_search::run;
use crate::m20261204_000014_search_documents::{SQLITE_DOWN, SQLITE_UP};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction, so one connection: the tables are dropped and created again under the
    /// same names, and a second connection's older snapshot would still hold the old ones.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        recreate_sqlite_documents(manager).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The older code joins its index to the documents by rowid, whatever the rowids are.
        Ok(())
    }
}

/// Drops and creates the SQLite document table and its index, empty (cheaper than deleting
/// rows one by one through the index triggers).
async fn recreate_sqlite_documents(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() == DatabaseBackend::Postgres {
        return Ok(());
    }
    run(manager, SQLITE_DOWN).await?;
    run(manager, SQLITE_UP).await
}
