//! Postings for ranking on PostgreSQL: `search_postings` holds, for each word of each search
//! document, what that word adds to `ts_rank` of the document in each of its three parts
//! (weights A, B and C), as `search_part_rank` computes it from the word's positions.
//!
//! GIN finds the documents that match but has no order, so a search ranked every match by
//! reading its `tsvector` (`ts_rank` per part): for a word found in 18,000 records that was
//! most of the time. A B-tree on `(lexeme, record)` that carries the counts gives each
//! record's relevance per part from the index alone (a range scan per word start), so a
//! search of words ranks without visiting the documents. Phrases still go through `document`.
//!
//! Kept in step with `search_documents` by statement triggers, in the transaction that writes
//! the documents. SQLite ranks in its FTS5 index and has no postings.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

use crate::m20261202_000012_search::run;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    // "C" so that the words starting with a prefix are one range of the B-tree.
    "CREATE TABLE search_postings (lexeme text COLLATE \"C\" NOT NULL, \
     record_type varchar NOT NULL, record_id integer NOT NULL, names real NOT NULL, \
     summaries real NOT NULL, others real NOT NULL, \
     PRIMARY KEY (lexeme, record_type, record_id) INCLUDE (names, summaries, others))",
    // What a word adds to `ts_rank` (weights 1 for one part, 0 for the others) of a document
    // whose positions of the word are `before` in earlier parts, then `count` in this one:
    // ts_rank sums weight / i² over the word's positions in order (i from 1), keeps the
    // largest weight whole, and divides by pi²/6. The parts follow each other in a document,
    // so the part's first position is number `before + 1`.
    "CREATE FUNCTION search_part_rank(before integer, count integer) RETURNS real \
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ \
     SELECT (CASE WHEN count = 0 THEN 0 WHEN count = 1 THEN 1 \
     ELSE 1 + (SELECT sum(1.0 / (i * i)) FROM generate_series(before + 2, before + count) i) \
     END / 1.64493406685)::real $$",
    "CREATE FUNCTION search_postings_of(document tsvector) \
     RETURNS TABLE (lexeme text, names real, summaries real, others real) \
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ \
     SELECT lexeme, search_part_rank(0, a), search_part_rank(a, b), search_part_rank(a + b, c) \
     FROM (SELECT w.lexeme, \
       COALESCE(cardinality(array_positions(w.weights, 'A')), 0) AS a, \
       COALESCE(cardinality(array_positions(w.weights, 'B')), 0) AS b, \
       COALESCE(cardinality(array_positions(w.weights, 'C')), 0) AS c \
     FROM unnest(document) w) counts $$",
    "CREATE FUNCTION search_postings_follow() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP IN ('DELETE', 'UPDATE') THEN
         DELETE FROM search_postings p USING old_rows o, unnest(o.document) w
         WHERE p.lexeme = w.lexeme AND p.record_type = o.record_type
           AND p.record_id = o.record_id;
       END IF;
       IF TG_OP IN ('INSERT', 'UPDATE') THEN
         INSERT INTO search_postings (lexeme, record_type, record_id, names, summaries, others)
         SELECT w.lexeme, n.record_type, n.record_id, w.names, w.summaries, w.others
         FROM new_rows n, search_postings_of(n.document) w;
       END IF;
       RETURN NULL;
     END $$",
    "CREATE TRIGGER search_postings_insert AFTER INSERT ON search_documents \
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT \
     EXECUTE FUNCTION search_postings_follow()",
    "CREATE TRIGGER search_postings_update AFTER UPDATE ON search_documents \
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT \
     EXECUTE FUNCTION search_postings_follow()",
    "CREATE TRIGGER search_postings_delete AFTER DELETE ON search_documents \
     REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT \
     EXECUTE FUNCTION search_postings_follow()",
    "INSERT INTO search_postings (lexeme, record_type, record_id, names, summaries, others) \
     SELECT w.lexeme, d.record_type, d.record_id, w.names, w.summaries, w.others \
     FROM search_documents d, search_postings_of(d.document) w",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER search_postings_delete ON search_documents",
    "DROP TRIGGER search_postings_update ON search_documents",
    "DROP TRIGGER search_postings_insert ON search_documents",
    "DROP FUNCTION search_postings_follow()",
    "DROP FUNCTION search_postings_of(tsvector)",
    "DROP FUNCTION search_part_rank(integer, integer)",
    "DROP TABLE search_postings",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run(manager, POSTGRES_UP).await,
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run(manager, POSTGRES_DOWN).await,
            _ => Ok(()),
        }
    }
}
