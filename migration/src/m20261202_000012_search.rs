//! Full-text search over every localized text, on each database's own index:
//!
//! - `localized_texts.folded`: the text in lower-case ASCII (diacritics dropped, "ø" as "o",
//!   "ß" as "ss"), written with the text by the API, so both databases match words the same way.
//! - PostgreSQL: `localized_texts.search_vector`, a generated `tsvector` of the text through
//!   `unaccent` (every word as written, plus English or Lithuanian stems for texts in those
//!   languages), with a GIN index.
//! - SQLite: `localized_texts_search`, an FTS5 index of `folded` (`unicode61 remove_diacritics
//!   2`) kept in step with the table by triggers, in the same transaction as every write.
//! - `search_words`: the words of the texts, for typo tolerance: a query word that finds nothing
//!   as typed is compared with the stored words that share trigrams with it (`pg_trgm` on
//!   PostgreSQL, an FTS5 `trigram` table on SQLite).
//! - Codes, acronyms and short names are matched exactly, through indexes on their lower case.
//!
//! Text filters use the same index, so the `search_text` columns they read go: the projects'
//! is dropped, and the others, which ordering by name sorts on, become `sort_name`.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose folded `search_text` stays as the key of ordering by name.
const SORTED_BY_NAME: [&str; 4] = ["places", "organisations", "funders", "programmes"];

/// Identifiers matched exactly, with the index each gets on its lower case.
const IDENTIFIERS: [(&str, &str, &str); 3] = [
    ("projects", "acronym", "ix_projects_acronym_lower"),
    (
        "organisations",
        "short_name",
        "ix_organisations_short_name_lower",
    ),
    ("programmes", "code", "ix_programmes_code_lower"),
];

const POSTGRES_UP: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    // Every word as written (unaccented), and the stems of the languages PostgreSQL knows.
    "CREATE TEXT SEARCH CONFIGURATION partnership_simple (COPY = simple)",
    "ALTER TEXT SEARCH CONFIGURATION partnership_simple ALTER MAPPING FOR \
     asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple",
    "CREATE TEXT SEARCH CONFIGURATION partnership_en (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION partnership_en ALTER MAPPING FOR \
     asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, english_stem",
    "CREATE TEXT SEARCH CONFIGURATION partnership_lt (COPY = lithuanian)",
    "ALTER TEXT SEARCH CONFIGURATION partnership_lt ALTER MAPPING FOR \
     asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, lithuanian_stem",
    // Nearest words by trigram distance (`word <-> $1`) need GiST.
    "CREATE INDEX ix_search_words_trigrams ON search_words USING gist (word gist_trgm_ops)",
];

/// The index of each text on its own (replaced by one document per record since).
pub(crate) const POSTGRES_TEXT_INDEX: &[&str] = &[
    "ALTER TABLE localized_texts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ( \
       to_tsvector('partnership_simple'::regconfig, text) || to_tsvector(CASE lang \
         WHEN 'en' THEN 'partnership_en'::regconfig \
         WHEN 'lt' THEN 'partnership_lt'::regconfig \
         ELSE 'partnership_simple'::regconfig END, text)) STORED",
    "CREATE INDEX ix_localized_texts_search ON localized_texts USING gin (search_vector)",
];

pub(crate) const POSTGRES_TEXT_INDEX_DOWN: &[&str] =
    &["ALTER TABLE localized_texts DROP COLUMN search_vector"];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TEXT SEARCH CONFIGURATION partnership_simple",
    "DROP TEXT SEARCH CONFIGURATION partnership_en",
    "DROP TEXT SEARCH CONFIGURATION partnership_lt",
];

const SQLITE_UP: &[&str] = &[
    // Each word with a space at either end, so a typo in a short word leaves trigrams to find.
    "CREATE VIRTUAL TABLE search_word_trigrams USING fts5(padded, content='', \
     tokenize='trigram')",
    "CREATE TRIGGER search_words_trigrams AFTER INSERT ON search_words BEGIN \
       INSERT INTO search_word_trigrams(rowid, padded) VALUES (new.rowid, ' ' || new.word || ' '); \
       END",
];

/// The FTS5 index of each text on its own (replaced by one document per record since).
pub(crate) const SQLITE_TEXT_INDEX: &[&str] = &[
    "CREATE VIRTUAL TABLE localized_texts_search USING fts5(folded, content='localized_texts', \
     content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER localized_texts_search_insert AFTER INSERT ON localized_texts BEGIN \
       INSERT INTO localized_texts_search(rowid, folded) VALUES (new.id, new.folded); END",
    "CREATE TRIGGER localized_texts_search_delete AFTER DELETE ON localized_texts BEGIN \
       INSERT INTO localized_texts_search(localized_texts_search, rowid, folded) \
       VALUES ('delete', old.id, old.folded); END",
    "CREATE TRIGGER localized_texts_search_update AFTER UPDATE ON localized_texts BEGIN \
       INSERT INTO localized_texts_search(localized_texts_search, rowid, folded) \
       VALUES ('delete', old.id, old.folded); \
       INSERT INTO localized_texts_search(rowid, folded) VALUES (new.id, new.folded); END",
];

pub(crate) const SQLITE_TEXT_INDEX_DOWN: &[&str] = &[
    "DROP TRIGGER localized_texts_search_update",
    "DROP TRIGGER localized_texts_search_delete",
    "DROP TRIGGER localized_texts_search_insert",
    "DROP TABLE localized_texts_search",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER search_words_trigrams",
    "DROP TABLE search_word_trigrams",
];

pub(crate) async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for statement in statements {
        manager
            .get_connection()
            .execute_unprepared(statement)
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Filled by the API for rows written before this migration (see the derived data).
        manager
            .alter_table(
                Table::alter()
                    .table("localized_texts")
                    .add_column(text_null("folded"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("search_words")
                    .col(string("word").primary_key())
                    .to_owned(),
            )
            .await?;
        for (table, column, index) in IDENTIFIERS {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "CREATE INDEX {index} ON {table} (lower({column}))"
                ))
                .await?;
        }
        for table in SORTED_BY_NAME {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .rename_column("search_text", "sort_name")
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("projects")
                    .drop_column("search_text")
                    .to_owned(),
            )
            .await?;
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                run(manager, POSTGRES_UP).await?;
                run(manager, POSTGRES_TEXT_INDEX).await
            }
            _ => {
                run(manager, SQLITE_TEXT_INDEX).await?;
                run(manager, SQLITE_UP).await
            }
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                run(manager, POSTGRES_TEXT_INDEX_DOWN).await?;
                run(manager, POSTGRES_DOWN).await?;
            }
            _ => {
                run(manager, SQLITE_DOWN).await?;
                run(manager, SQLITE_TEXT_INDEX_DOWN).await?;
            }
        }
        for table in SORTED_BY_NAME {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .rename_column("sort_name", "search_text")
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("projects")
                    .add_column(text("search_text").default(""))
                    .to_owned(),
            )
            .await?;
        for (_, _, index) in IDENTIFIERS {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP INDEX {index}"))
                .await?;
        }
        manager
            .drop_table(Table::drop().table("search_words").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("localized_texts")
                    .drop_column("folded")
                    .to_owned(),
            )
            .await
    }
}
