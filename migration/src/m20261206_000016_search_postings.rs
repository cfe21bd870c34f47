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
     summaries real NOT NULL, others real NOT NULL)",
    "CREATE FUNCTION search_postings_of(document tsvector) \
     RETURNS TABLE (lexeme text, names real, summaries real, others real) \
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ \
     SELECT lexeme, search_part_rank(0, a), search_part_rank(a, b), search_part_rank(a + b, c) \
     FROM (SELECT w.lexeme, \
       COALESCE(cardinality(array_positions(w.weights, 'A')), 0) AS a, \
       COALESCE(cardinality(array_positions(w.weights, 'B')), 0) AS b, \
       COALESCE(cardinality(array_positions(w.weights, 'C')), 0) AS c \
     FROM unnest(document) w) counts $$",
    "INSERT INTO search_postings (lexeme, record_type, record_id, names, summaries, others) \
     SELECT w.lexeme, d.record_type, d.record_id, w.names, w.summaries, w.others \
     FROM search_documents d, search_postings_of(d.document) w",
    // Built after the rows: a B-tree built in one pass is smaller than one grown row by row.
    "ALTER TABLE search_postings ADD PRIMARY KEY (lexeme, record_type, record_id) \
     INCLUDE (names, summaries, others)",
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

/// Positions of one word in one document that `search_part_rank` covers: `tsvector` keeps at
/// most 256 per word, in each of three parts.
const MOST_POSITIONS: usize = 3 * 256;

/// `search_part_rank(before, count)`: what a word adds to `ts_rank` (weight 1 for one part, 0
/// for the others) of a document whose positions of the word are `before` in earlier parts,
/// then `count` in this one. `ts_rank` sums weight / i² over the word's positions in order (i
/// from 1), counts the first of the largest weight as 1, and divides by pi²/6; the parts
/// follow each other in a document, so that is 1 + the sum of 1 / i² for i from `before + 2`
/// to `before + count`, taken here from the running sums of 1 / i² (an inlined expression:
/// a subquery per word would make filling the postings ten times slower).
fn part_rank_function() -> String {
    let mut sums = vec![0.0_f64];
    for i in 1..=MOST_POSITIONS + 1 {
        sums.push(sums[i - 1] + 1.0 / (i * i) as f64);
    }
    let sums: Vec<String> = sums.iter().map(|sum| format!("{sum:.12}")).collect();
    format!(
        "CREATE FUNCTION search_part_rank(before integer, count integer) RETURNS real \
         LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ \
         SELECT (CASE WHEN count <= 0 THEN 0 ELSE (1 + ('{{{}}}'::float8[])[LEAST(before + count, \
         {MOST_POSITIONS}) + 1] - ('{{{}}}'::float8[])[LEAST(before + 1, {MOST_POSITIONS}) + 1]) \
         / 1.64493406685 END)::real $$",
        sums.join(","),
        sums.join(","),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                let (table, rest) = POSTGRES_UP.split_at(1);
                run(manager, table).await?;
                run(manager, &[part_rank_function().as_str()]).await?;
                run(manager, rest).await
            }
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
