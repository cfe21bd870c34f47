//! One search document per record instead of an index entry per text: `search_documents`
//! holds, for each project, organisation, funder, programme, outcome, event and place, all its
//! words in three weighted parts (names, titles, codes, acronyms and short names; summaries;
//! every other text, and for a project the names of the places it covers). A query then
//! matches, ranks and counts records in one pass over one index, with no grouping of texts.
//!
//! - PostgreSQL: `document`, a `tsvector` with weights A, B and C for the three parts (every
//!   word as written through `unaccent`, plus English or Lithuanian stems of texts in those
//!   languages), with a GIN index.
//! - SQLite: the three parts as folded text, indexed by the FTS5 table `search_documents_index`
//!   (`unicode61 remove_diacritics 2`), kept in step by triggers.
//!
//! The API writes a record's document in the same transaction as the record, and fills the
//! table when it is empty (see `store::search`). The per-text index it replaces is dropped.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

use crate::m20261202_000012_search::{
    POSTGRES_TEXT_INDEX, POSTGRES_TEXT_INDEX_DOWN, SQLITE_TEXT_INDEX, SQLITE_TEXT_INDEX_DOWN, run,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE search_documents (record_type varchar NOT NULL, record_id integer NOT NULL, \
     document tsvector NOT NULL, PRIMARY KEY (record_type, record_id))",
    "CREATE INDEX ix_search_documents ON search_documents USING gin (document)",
];

const POSTGRES_DOWN: &[&str] = &["DROP TABLE search_documents"];

pub(crate) const SQLITE_UP: &[&str] = &[
    "CREATE TABLE search_documents (id INTEGER PRIMARY KEY, record_type TEXT NOT NULL, \
     record_id INTEGER NOT NULL, names TEXT NOT NULL DEFAULT '', \
     summaries TEXT NOT NULL DEFAULT '', others TEXT NOT NULL DEFAULT '', \
     UNIQUE (record_type, record_id))",
    "CREATE VIRTUAL TABLE search_documents_index USING fts5(names, summaries, others, \
     content='search_documents', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_documents_insert AFTER INSERT ON search_documents BEGIN \
       INSERT INTO search_documents_index(rowid, names, summaries, others) \
       VALUES (new.id, new.names, new.summaries, new.others); END",
    "CREATE TRIGGER search_documents_delete AFTER DELETE ON search_documents BEGIN \
       INSERT INTO search_documents_index(search_documents_index, rowid, names, summaries, others) \
       VALUES ('delete', old.id, old.names, old.summaries, old.others); END",
    "CREATE TRIGGER search_documents_update AFTER UPDATE ON search_documents BEGIN \
       INSERT INTO search_documents_index(search_documents_index, rowid, names, summaries, others) \
       VALUES ('delete', old.id, old.names, old.summaries, old.others); \
       INSERT INTO search_documents_index(rowid, names, summaries, others) \
       VALUES (new.id, new.names, new.summaries, new.others); END",
];

pub(crate) const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER search_documents_update",
    "DROP TRIGGER search_documents_delete",
    "DROP TRIGGER search_documents_insert",
    "DROP TABLE search_documents_index",
    "DROP TABLE search_documents",
];

/// The per-text index comes back empty: fill it from its table.
const SQLITE_REFILL_TEXT_INDEX: &[&str] =
    &["INSERT INTO localized_texts_search(localized_texts_search) VALUES ('rebuild')"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                run(manager, POSTGRES_TEXT_INDEX_DOWN).await?;
                run(manager, POSTGRES_UP).await
            }
            _ => {
                run(manager, SQLITE_TEXT_INDEX_DOWN).await?;
                run(manager, SQLITE_UP).await
            }
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                run(manager, POSTGRES_DOWN).await?;
                run(manager, POSTGRES_TEXT_INDEX).await
            }
            _ => {
                run(manager, SQLITE_DOWN).await?;
                run(manager, SQLITE_TEXT_INDEX).await?;
                run(manager, SQLITE_REFILL_TEXT_INDEX).await
            }
        }
    }
}
