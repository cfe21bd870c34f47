//! Full-text search on each database's own index (see the search migrations): one document
//! per record, in three weighted parts (names and codes; summaries; every other text, and for
//! a project the names of the places it covers), so a query matches, ranks and counts records
//! in one pass, with every clause of the query required somewhere in the record and no
//! excluded term anywhere in it.
//!
//! - PostgreSQL: a `tsvector` per record, through `unaccent`, with English and Lithuanian stems
//!   for texts in those languages, weighted A, B and C, found through GIN. Ranked by `ts_rank`
//!   per part: for a query of words, from the postings (`search_postings`, what each stored
//!   word adds to each part's `ts_rank`, kept by triggers), so that a word found in thousands
//!   of records is ranked from one index instead of reading every match's document; for a
//!   query with a phrase, which needs positions, from the documents.
//! - SQLite: the parts as folded text in FTS5; ranked by `bm25` with the parts' weights.
//!
//! [`index`] writes the documents of the records a unit of work changed, in its transaction.
//! Typo tolerance looks up the stored words nearest a query word by trigrams (`pg_trgm`, or an
//! FTS5 trigram table) and keeps those within the edits [`search::allowed_edits`] allows.

use std::collections::{BTreeMap, BTreeSet};

use entity::enums::RecordType;
use entity::localized_text;
use sea_orm::sea_query::{
    Alias, Asterisk, BinOper, CaseStatement, Expr, ExprTrait, Func, InsertStatement, JoinType,
    OnConflict, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};

use crate::domain::search::{self, MAX_ALTERNATIVES, Part, SearchQuery, Term};
use crate::domain::text::fold;

/// A query ready to run: what was typed, parsed, with the typo corrections found for its words,
/// on the database it was prepared for.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub query: SearchQuery,
    /// Each word that may carry typos, with the stored words accepted for it.
    pub alternatives: Vec<(String, Vec<String>)>,
    backend: DbBackend,
}

/// A record found, with its score in millionths (an integer, so pages can seek on it exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub record: RecordType,
    pub id: i32,
    pub score: i64,
}

/// Stored words looked at per query word before counting edits.
const CANDIDATES_PER_WORD: i64 = 30;
/// The shortest stored word worth offering as a typo correction: one edit from a 5-letter word.
const SHORTEST_WORD: usize = 4;
/// Words per INSERT into the vocabulary.
const WORDS_PER_INSERT: usize = 500;

/// Codes, acronyms and short names: part of their records' names.
const IDENTIFIERS: [(RecordType, &str, &str, &str); 3] = [
    (RecordType::Project, "projects", "acronym", "acronym"),
    (
        RecordType::Organisation,
        "organisations",
        "short_name",
        "shortName",
    ),
    (RecordType::Programme, "programmes", "code", "code"),
];

/// Parses nothing, but finds the typo corrections of `query`'s words.
pub async fn prepare(db: &impl ConnectionTrait, query: SearchQuery) -> Result<Prepared, DbErr> {
    let mut alternatives = Vec::new();
    for word in query.typo_words() {
        let mut typos: Vec<String> = candidates(db, word)
            .await?
            .into_iter()
            .filter(|candidate| search::is_typo_of(word, candidate))
            .collect();
        typos.sort_by_cached_key(|typo| (strsim::levenshtein(word, typo), typo.clone()));
        typos.truncate(MAX_ALTERNATIVES);
        if !typos.is_empty() {
            alternatives.push((word.to_owned(), typos));
        }
    }
    Ok(Prepared {
        query,
        alternatives,
        backend: db.get_database_backend(),
    })
}

/// Stored words that share the most trigrams with `word`.
async fn candidates(db: &impl ConnectionTrait, word: &str) -> Result<Vec<String>, DbErr> {
    let statement = match db.get_database_backend() {
        DbBackend::Postgres => Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT word FROM search_words ORDER BY word <-> $1 LIMIT $2",
            [word.into(), CANDIDATES_PER_WORD.into()],
        ),
        backend => Statement::from_sql_and_values(
            backend,
            "SELECT w.word FROM search_word_trigrams \
             JOIN search_words w ON w.rowid = search_word_trigrams.rowid \
             WHERE search_word_trigrams MATCH ? ORDER BY rank LIMIT ?",
            [trigram_query(word).into(), CANDIDATES_PER_WORD.into()],
        ),
    };
    db.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "word"))
        .collect()
}

/// An FTS5 query for any trigram of the padded `word` (letters and digits only, so nothing in
/// it needs escaping).
fn trigram_query(word: &str) -> String {
    let padded: Vec<char> = search::padded(word).chars().collect();
    let trigrams: BTreeSet<String> = padded
        .windows(3)
        .map(|w| w.iter().collect::<String>())
        .collect();
    trigrams
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The record types that have a search document (contacts hold personal data and are never
/// searched), in the order of their names, which [`document_key`] follows.
pub const INDEXED: [RecordType; 7] = [
    RecordType::Event,
    RecordType::Funder,
    RecordType::Organisation,
    RecordType::Outcome,
    RecordType::Place,
    RecordType::Programme,
    RecordType::Project,
];

/// One page of hits, best first, after `after` (a hit of an earlier page), with the number of
/// all matching records when `count_total`.
pub async fn find(
    db: &impl ConnectionTrait,
    prepared: &Prepared,
    types: &[RecordType],
    after: Option<Hit>,
    limit: u64,
    count_total: bool,
) -> Result<(Vec<Hit>, Option<u64>), DbErr> {
    let postgres = prepared.backend == DbBackend::Postgres;
    // PostgreSQL counts on the rows it has read to score them (a count of its own would read
    // them again); SQLite counts in its index alone, faster than holding every row for a
    // window.
    let window_count = count_total && postgres;
    let mut select = Query::select();
    select
        .column(Asterisk)
        .from_subquery(matches(prepared, types, true, window_count), "hits")
        .order_by("score", Order::Desc)
        .limit(limit);
    let score = || Expr::col("score");
    if postgres {
        select
            .order_by("record_type", Order::Asc)
            .order_by("record_id", Order::Asc);
        if let Some(after) = after {
            let kind = || Expr::col("record_type");
            select.and_where(
                score().lt(after.score).or(score().eq(after.score).and(
                    kind().gt(after.record.as_str()).or(kind()
                        .eq(after.record.as_str())
                        .and(Expr::col("record_id").gt(after.id))),
                )),
            );
        }
    } else {
        // Keys order as record type names, then ids.
        select.order_by("document_key", Order::Asc);
        if let Some(after) = after {
            let key = document_key(after.record, after.id);
            select.and_where(
                score().lt(after.score).or(score()
                    .eq(after.score)
                    .and(Expr::col("document_key").gt(key))),
            );
        }
    }
    let rows = db.query_all(&select).await?;
    let mut total = None;
    let mut hits = Vec::with_capacity(rows.len());
    for row in &rows {
        if window_count {
            total = Some(u64::try_from(row.try_get::<i64>("", "total")?).unwrap_or_default());
        }
        let score = row.try_get("", "score")?;
        let found = if postgres {
            let record: String = row.try_get("", "record_type")?;
            RecordType::parse(&record).map(|record| (record, row.try_get("", "record_id")))
        } else {
            record_of_key(row.try_get("", "document_key")?).map(|(record, id)| (record, Ok(id)))
        };
        if let Some((record, id)) = found {
            hits.push(Hit {
                record,
                id: id?,
                score,
            });
        }
    }
    // On PostgreSQL the count rides on the page's rows; a page past the end has none to carry
    // it.
    if count_total && total.is_none() {
        total = Some(if after.is_some() || !postgres {
            count(db, prepared, types).await?
        } else {
            0
        });
    }
    Ok((hits, total))
}

/// How many records match.
async fn count(
    db: &impl ConnectionTrait,
    prepared: &Prepared,
    types: &[RecordType],
) -> Result<u64, DbErr> {
    let select = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "total")
        .from_subquery(matches(prepared, types, false, false), "hits")
        .to_owned();
    let total: i64 = match db.query_one(&select).await? {
        Some(row) => row.try_get("", "total")?,
        None => 0,
    };
    Ok(u64::try_from(total).unwrap_or_default())
}

/// The ids of the records of type `record` that match: for text filters.
pub fn ids_matching(prepared: &Prepared, record: RecordType) -> SelectStatement {
    let id = match prepared.backend {
        DbBackend::Postgres => Expr::col("record_id"),
        _ => Expr::col("document_key").bit_and(i64::from(u32::MAX)),
    };
    Query::select()
        .expr_as(id, "record_id")
        .from_subquery(matches(prepared, &[record], false, false), "hits")
        .to_owned()
}

/// The documents of `types` that match, one row per record, with its `score` in millionths
/// when `scored` and the number of all of them as `total` when `counted`. A record is named by
/// `record_type` and `record_id` on PostgreSQL and by its `document_key` on SQLite.
fn matches(
    prepared: &Prepared,
    types: &[RecordType],
    scored: bool,
    counted: bool,
) -> SelectStatement {
    let (mut found, names) = match prepared.backend {
        DbBackend::Postgres => postgres_matches(prepared, types, scored),
        _ => sqlite_matches(prepared, types, scored),
    };
    if !scored && !counted {
        return found;
    }
    if scored {
        // Each relevance is measured once per document, in the query that finds it: the
        // OFFSET keeps PostgreSQL from merging that query into this one (where it would
        // measure each relevance again wherever the score names it, and carry every document
        // through the count); bm25 only works in the query of its MATCH.
        match prepared.backend {
            DbBackend::Postgres => found.offset(0),
            _ => found.limit(i64::MAX as u64),
        };
    }
    let mut select = Query::select();
    select
        .columns(names.iter().map(|name| Alias::new(*name)))
        .from_subquery(found, "found");
    if scored {
        select.expr_as(score(), "score");
    }
    if counted {
        select.expr_as(Expr::cust("COUNT(*) OVER ()"), "total");
    }
    select
}

/// The column of the relevance of a document's matches in `part`.
fn rank_column(part: Part) -> Alias {
    Alias::new(format!("rank_{}", part as usize))
}

/// A record's score in millionths, from the relevance of its matches in each part: per part
/// with a match, its weight times one plus its relevance scaled into [0, 1), so where the
/// words are found counts first and how well second. Whole millionths compare exactly when a
/// page seeks past the last one.
fn score() -> Expr {
    let score = Part::ALL
        .into_iter()
        .map(|part| {
            let rank = || Expr::col(rank_column(part));
            let share = rank().div(rank().add(Expr::val(1.0)));
            let matched: Expr = CaseStatement::new()
                .case(
                    rank().gt(Expr::val(0.0)),
                    Expr::val(part.weight()).mul(Expr::val(1.0).add(share)),
                )
                .finally(Expr::val(0.0))
                .into();
            matched
        })
        .reduce(|a, b| a.add(b))
        .unwrap_or_else(|| Expr::val(0.0));
    let millionths = Func::cust("ROUND").arg(score.mul(Expr::val(1_000_000)));
    Func::cast_as(millionths, Alias::new("BIGINT")).into()
}

/// The matching documents on PostgreSQL, with their relevance per part when `scored`, and
/// the columns that name their records. A query of one clause of words (`kultura`,
/// `volunteering or savanoryste`) is scored from the postings, whatever the number of
/// matches. Otherwise, from the documents with `ts_rank`: a phrase needs word positions, and
/// for several clauses GIN's intersection is usually far smaller than the postings of every
/// clause, which would all have to be read and grouped.
fn postgres_matches(
    prepared: &Prepared,
    types: &[RecordType],
    scored: bool,
) -> (SelectStatement, &'static [&'static str]) {
    if scored && let Some((words, excluded)) = one_clause_of_words(&prepared.query) {
        return (
            posting_matches(prepared, &words, &excluded, types),
            &["record_type", "record_id"],
        );
    }
    // A single clause with nothing excluded is ranked by the query that matches.
    let ranked_apart = prepared.query.clauses.len() > 1 || !prepared.query.excluded.is_empty();
    let document = |column: &str| Expr::col((Alias::new("d"), Alias::new(column)));
    let query = Expr::col((Alias::new("q"), Alias::new("query")));
    let mut queries = Query::select();
    queries.expr_as(tsquery(prepared), "query");
    if scored && ranked_apart {
        queries.expr_as(ranked_tsquery(prepared), "ranked");
    }
    let mut select = Query::select();
    select
        .columns(["record_type", "record_id"].map(|c| (Alias::new("d"), Alias::new(c))))
        .from_as("search_documents", "d")
        .from_subquery(queries, "q")
        .and_where(document("document").binary(BinOper::Custom("@@"), query));
    if types.len() < INDEXED.len() {
        select.and_where(document("record_type").is_in(types.iter().map(|t| t.as_str())));
    }
    if scored {
        let ranked = Expr::col((
            Alias::new("q"),
            Alias::new(if ranked_apart { "ranked" } else { "query" }),
        ));
        for part in Part::ALL {
            // ts_rank's weights of D, C, B and A: the part's letter alone counts.
            let mut weights = [0; 4];
            weights[3 - part as usize] = 1;
            let weights = format!(
                "'{{{}}}'::float4[]",
                weights.map(|w| w.to_string()).join(", ")
            );
            let rank = Func::cust("ts_rank")
                .arg(Expr::cust(weights))
                .arg(document("document"))
                .arg(ranked.clone());
            select.expr_as(rank, rank_column(part));
        }
    }
    (select, &["record_type", "record_id"])
}

/// The words of `query` when it is one clause of words, and its excluded words when those
/// are words too: the queries [`posting_matches`] can find.
fn one_clause_of_words(query: &SearchQuery) -> Option<(Vec<&str>, Vec<&str>)> {
    fn words(terms: &[Term]) -> Option<Vec<&str>> {
        terms
            .iter()
            .map(|term| match term {
                Term::Word(word) => Some(word.as_str()),
                Term::Phrase(_) => None,
            })
            .collect()
    }
    match query.clauses.as_slice() {
        [clause] => Some((words(clause)?, words(&query.excluded)?)),
        _ => None,
    }
}

/// The records that match any of `words` and none of `excluded` on PostgreSQL, each with the
/// relevance of each part as `ts_rank` measures it (what each matching word adds, over the
/// number of word forms looked for), from the postings alone: a range of the index per word
/// start, one row per record and matching word, grouped per record. A stored word counts
/// once even where two forms find it (`ts_rank` counts it for each). Matches the same records
/// as [`tsquery`] does in the documents.
fn posting_matches(
    prepared: &Prepared,
    words: &[&str],
    excluded: &[&str],
    types: &[RecordType],
) -> SelectStatement {
    let mut arms = posting_arms(prepared, words, false, types)
        .into_iter()
        .chain(posting_arms(prepared, excluded, true, types));
    let mut postings = arms
        .next()
        .unwrap_or_else(|| posting_arm(false, Condition::all(), types));
    for arm in arms {
        postings.union(UnionType::All, arm);
    }
    let mut select = Query::select();
    select
        .columns(["record_type", "record_id"].map(Alias::new))
        .from_subquery(postings, "postings")
        .group_by_col("record_type")
        .group_by_col("record_id")
        .and_having(Expr::cust("NOT BOOL_OR(excluded)"));
    // The forms `ts_rank` would look for: each word, its typo corrections, its two stems.
    let forms: usize = words
        .iter()
        .map(|word| 3 + prepared.typos_of(word).count())
        .sum();
    for part in Part::ALL {
        let sum = Expr::cust(format!("SUM({})", POSTING_RANKS[part as usize]));
        let rank = Func::cast_as(sum, Alias::new("double precision"));
        select.expr_as(
            Expr::from(rank).div(Expr::val(forms.max(1) as f64)),
            rank_column(part),
        );
    }
    select
}

/// The columns of `search_postings` with what a word adds to the relevance of each [`Part`].
const POSTING_RANKS: [&str; 3] = ["names", "summaries", "others"];

/// The postings of any of `words`, each row marked `excluded` or not: a range per word start
/// (the word and its typo corrections, leaving out those that start with another of them,
/// whose range holds theirs), and the English and Lithuanian stems of each word that are not
/// already in a range.
fn posting_arms(
    prepared: &Prepared,
    words: &[&str],
    excluded: bool,
    types: &[RecordType],
) -> Vec<SelectStatement> {
    let mut starts: Vec<&str> = words
        .iter()
        .flat_map(|word| std::iter::once(*word).chain(prepared.typos_of(word)))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let widest: Vec<&str> = starts
        .iter()
        .copied()
        .filter(|start| !starts.iter().any(|s| s != start && start.starts_with(s)))
        .collect();
    let lexeme = || Expr::col("lexeme");
    let mut arms: Vec<SelectStatement> = widest
        .iter()
        .map(|start| {
            let range = lexeme().gte(*start).and(lexeme().lt(prefix_end(start)));
            posting_arm(excluded, Condition::all().add(range), types)
        })
        .collect();
    for word in words {
        let stems = ["partnership_en", "partnership_lt"]
            .map(|config| format!("tsvector_to_array(to_tsvector('{config}'::regconfig, $1))"))
            .join(" || ");
        let mut condition = Condition::all().add(Expr::cust_with_values(
            format!("lexeme = ANY({stems})"),
            [*word],
        ));
        for start in &widest {
            condition = condition
                .add(Expr::expr(Func::cust("starts_with").arg(lexeme()).arg(*start)).not());
        }
        arms.push(posting_arm(excluded, condition, types));
    }
    arms
}

/// The postings that meet `condition`, of records of `types`, marked `excluded` or not.
fn posting_arm(excluded: bool, condition: Condition, types: &[RecordType]) -> SelectStatement {
    let mut arm = Query::select();
    arm.expr_as(Expr::val(excluded), "excluded")
        .columns(["record_type", "record_id"].map(Alias::new))
        .columns(POSTING_RANKS.map(Alias::new))
        .from("search_postings")
        .cond_where(condition);
    if types.len() < INDEXED.len() {
        arm.and_where(Expr::col("record_type").is_in(types.iter().map(|t| t.as_str())));
    }
    arm
}

/// The first text after every text that starts with `prefix`, in byte order (the postings'
/// collation): `prefix` with its last character moved on by one.
fn prefix_end(prefix: &str) -> String {
    let mut end = prefix.to_owned();
    match end.pop() {
        Some(last) => match char::from_u32(u32::from(last) + 1) {
            Some(next) => end.push(next),
            // Past the last character (or into the surrogates): no text starts above it.
            None => {
                end.push(last);
                end.push(char::MAX);
            }
        },
        None => end.push(char::MAX),
    }
    end
}

/// The matching documents on SQLite, with `bm25` per part when `scored`, and the column that
/// names their records: each document's key (see [`document_key`]), so no match needs a join.
fn sqlite_matches(
    prepared: &Prepared,
    types: &[RecordType],
    scored: bool,
) -> (SelectStatement, &'static [&'static str]) {
    let index = || Expr::cust("search_documents_index");
    let rowid = || Expr::col(Alias::new("rowid"));
    let mut select = Query::select();
    select
        .expr_as(rowid(), "document_key")
        .from("search_documents_index")
        .and_where(index().binary(BinOper::Custom("MATCH"), fts_query(prepared)));
    if types.len() < INDEXED.len() {
        // Each type's documents are one range of keys, which FTS5 seeks to.
        let ranges = types.iter().fold(Condition::any(), |ranges, record| {
            let first = document_key(*record, 0);
            ranges.add(rowid().between(first, first + i64::from(u32::MAX)))
        });
        select.cond_where(ranges);
    }
    if scored {
        for part in Part::ALL {
            // bm25 is negative, better when lower; only the part's column counts.
            let weights = Part::ALL.map(|column| Expr::val(i32::from(column == part)));
            let bm25 = Func::cust("bm25").args(std::iter::once(index()).chain(weights));
            select.expr_as(Expr::val(0.0).sub(Expr::from(bm25)), rank_column(part));
        }
    }
    (select, &["document_key"])
}

/// A SQLite document's rowid: its record type's place in [`INDEXED`] × 2^32 + its record's
/// id, so ordering by key orders by type name, then id.
fn document_key(record: RecordType, id: i32) -> i64 {
    let place = INDEXED
        .iter()
        .position(|r| *r == record)
        .unwrap_or_default();
    ((place as i64) << 32) + i64::from(id)
}

/// The record a [`document_key`] names.
fn record_of_key(key: i64) -> Option<(RecordType, i32)> {
    let record = INDEXED.get(usize::try_from(key >> 32).ok()?)?;
    Some((*record, i32::try_from(key & i64::from(u32::MAX)).ok()?))
}

/// [`document_key`] in SQL, of the columns `record_type` and `record_id`.
fn document_key_sql() -> Expr {
    let place = INDEXED
        .iter()
        .enumerate()
        .fold(CaseStatement::new(), |case, (place, record)| {
            case.case(
                Expr::col("record_type").eq(record.as_str()),
                Expr::val((place as i64) << 32),
            )
        });
    let place: Expr = place.into();
    place.add(Expr::col("record_id"))
}

/// The PostgreSQL query of a whole search: every clause, none of the excluded terms.
fn tsquery(prepared: &Prepared) -> Expr {
    let query = &prepared.query;
    let required = query
        .clauses
        .iter()
        .map(|terms| any_of(prepared, terms))
        .reduce(|a, b| Func::cust("tsquery_and").arg(a).arg(b).into())
        .unwrap_or_else(|| Expr::cust("''::tsquery"));
    if query.excluded.is_empty() {
        return required;
    }
    let excluded = Func::cust("tsquery_not").arg(any_of(prepared, &query.excluded));
    Func::cust("tsquery_and").arg(required).arg(excluded).into()
}

/// The PostgreSQL query a document's parts are ranked by: any term of any clause, as FTS5's
/// bm25 counts each phrase it finds in a column. `ts_rank` of an AND measures only pairs of
/// its terms found together, so a document with one word in its title and the other in its
/// summary would measure nothing in either part and score 0.
fn ranked_tsquery(prepared: &Prepared) -> Expr {
    let terms: Vec<Term> = prepared.query.clauses.iter().flatten().cloned().collect();
    any_of(prepared, &terms)
}

/// The PostgreSQL query for any of `terms`: each word and each of its typo corrections as a
/// word start, and the word's English and Lithuanian stems; each phrase as words in order.
fn any_of(prepared: &Prepared, terms: &[Term]) -> Expr {
    let config = |name: &str| Expr::cust(format!("'{name}'::regconfig"));
    let parts = terms.iter().map(|term| match term {
        Term::Word(word) => {
            let mut simple = format!("{word}:*");
            for typo in prepared.typos_of(word) {
                simple.push_str(" | ");
                simple.push_str(typo);
                simple.push_str(":*");
            }
            [
                ("partnership_simple", simple),
                ("partnership_en", word.clone()),
                ("partnership_lt", word.clone()),
            ]
            .into_iter()
            .map(|(name, text)| Expr::from(Func::cust("to_tsquery").arg(config(name)).arg(text)))
            .reduce(tsquery_or)
            .unwrap_or_else(|| Expr::cust("''::tsquery"))
        }
        Term::Phrase(words) => Expr::from(
            Func::cust("phraseto_tsquery")
                .arg(config("partnership_simple"))
                .arg(words.join(" ")),
        ),
    });
    parts
        .reduce(tsquery_or)
        .unwrap_or_else(|| Expr::cust("''::tsquery"))
}

fn tsquery_or(a: Expr, b: Expr) -> Expr {
    Func::cust("tsquery_or").arg(a).arg(b).into()
}

/// The FTS5 query of a whole search: every clause, none of the excluded terms. Words are
/// letters and digits only, so quoting them is all the escaping they need.
fn fts_query(prepared: &Prepared) -> String {
    let any_of = |terms: &[Term]| {
        let mut parts = Vec::new();
        for term in terms {
            match term {
                Term::Word(word) => {
                    parts.push(format!("\"{word}\"*"));
                    parts.extend(prepared.typos_of(word).map(|typo| format!("\"{typo}\"*")));
                }
                Term::Phrase(words) => parts.push(format!("\"{}\"", words.join(" "))),
            }
        }
        format!("({})", parts.join(" OR "))
    };
    let query = &prepared.query;
    let mut text = query
        .clauses
        .iter()
        .map(|terms| any_of(terms))
        .collect::<Vec<_>>()
        .join(" AND ");
    if !query.excluded.is_empty() {
        text.push_str(" NOT ");
        text.push_str(&any_of(&query.excluded));
    }
    text
}

/// Writes the search documents of `records` (those of [`INDEXED`] types; for a place, also
/// of the projects that cover it), from their texts, codes and covered places as they are
/// now: a record with nothing left to find loses its document.
pub async fn index(db: &impl ConnectionTrait, records: &[(RecordType, i32)]) -> Result<(), DbErr> {
    let mut by_type: BTreeMap<RecordType, BTreeSet<i32>> = BTreeMap::new();
    for &(record, id) in records {
        if INDEXED.contains(&record) {
            by_type.entry(record).or_default().insert(id);
        }
    }
    if let Some(places) = by_type.get(&RecordType::Place) {
        let covering = Query::select()
            .distinct()
            .column("project_id")
            .from("project_places")
            .and_where(Expr::col("place_id").is_in(places.iter().copied()))
            .to_owned();
        let projects: Vec<i32> = db
            .query_all(&covering)
            .await?
            .iter()
            .map(|row| row.try_get("", "project_id"))
            .collect::<Result<_, _>>()?;
        by_type
            .entry(RecordType::Project)
            .or_default()
            .extend(projects);
    }
    for (record, ids) in by_type {
        let ids: Vec<i32> = ids.into_iter().collect();
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let delete = Query::delete()
                .from_table("search_documents")
                .and_where(Expr::col("record_type").eq(record.as_str()))
                .and_where(Expr::col("record_id").is_in(chunk.iter().copied()))
                .to_owned();
            db.execute(&delete).await?;
            db.execute(&write_documents(
                db.get_database_backend(),
                Some((record, chunk)),
            )?)
            .await?;
        }
    }
    Ok(())
}

/// Writes the search document of every record again.
pub async fn index_all(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute(&Query::delete().from_table("search_documents").to_owned())
        .await?;
    db.execute(&write_documents(db.get_database_backend(), None)?)
        .await?;
    Ok(())
}

/// Ids per statement when writing documents.
const IDS_PER_STATEMENT: usize = 1_000;

/// The statement that writes the documents of `scope` (records of one type), or of every
/// record: their texts, codes and covered places, each part joined into one, grouped per
/// record.
fn write_documents(
    backend: DbBackend,
    scope: Option<(RecordType, &[i32])>,
) -> Result<InsertStatement, DbErr> {
    let texts = document_texts(backend, scope);
    let part = |part: Part| {
        let index = part as i32;
        match backend {
            DbBackend::Postgres => {
                let letter = ["A", "B", "C"][part as usize];
                ["partnership_simple", "partnership_en", "partnership_lt"]
                    .map(|config| {
                        let language = match config {
                            "partnership_en" => " AND lang = 'en'",
                            "partnership_lt" => " AND lang = 'lt'",
                            _ => "",
                        };
                        format!(
                            "setweight(to_tsvector('{config}'::regconfig, COALESCE(string_agg(body, \
                             ' ') FILTER (WHERE part = {index}{language}), '')), '{letter}')"
                        )
                    })
                    .join(" || ")
            }
            _ => format!("COALESCE(group_concat(CASE WHEN part = {index} THEN body END, ' '), '')"),
        }
    };
    let mut select = Query::select();
    select
        .columns(["record_type", "record_id"].map(Alias::new))
        .from_subquery(texts, "texts")
        // SQLite reads an ON CONFLICT right after the FROM as a join's ON without it.
        .and_where(Expr::cust("1 = 1"))
        .group_by_col("record_type")
        .group_by_col("record_id");
    let updated: Vec<&str> = match backend {
        DbBackend::Postgres => {
            let document = Part::ALL.map(part).join(" || ");
            select.expr(Expr::cust(document));
            vec!["document"]
        }
        _ => {
            for each in Part::ALL {
                select.expr(Expr::cust(part(each)));
            }
            vec!["names", "summaries", "others"]
        }
    };
    let mut columns = vec!["record_type", "record_id"];
    columns.extend(&updated);
    if backend != DbBackend::Postgres {
        select.expr(document_key_sql());
        columns.push("id");
    }
    Ok(Query::insert()
        .into_table("search_documents")
        .columns(columns.into_iter().map(Alias::new))
        .select_from(select)
        .map_err(|error| DbErr::Custom(error.to_string()))?
        .on_conflict(
            OnConflict::columns(["record_type", "record_id"].map(Alias::new))
                .update_columns(updated.into_iter().map(Alias::new))
                .to_owned(),
        )
        .to_owned())
}

/// Every text that goes into the documents of `scope` (or of every record), one row each:
/// `record_type`, `record_id`, `part` (see [`Part`]), `lang` and `body` (the text, folded on
/// SQLite, where FTS5 has no `unaccent`).
fn document_texts(backend: DbBackend, scope: Option<(RecordType, &[i32])>) -> SelectStatement {
    let text = |column: &str| Expr::col((Alias::new("t"), Alias::new(column)));
    let body = match backend {
        DbBackend::Postgres => text("text"),
        _ => text("folded"),
    };
    let wants = |record: RecordType| scope.is_none_or(|(r, _)| r == record);
    let ids = || scope.map(|(_, ids)| ids.iter().copied());
    let part_of_field = Part::ALL
        .iter()
        .filter(|part| !part.fields().is_empty())
        .fold(CaseStatement::new(), |case, part| {
            case.case(
                text("field").is_in(part.fields().iter().copied()),
                Expr::val(*part as i32),
            )
        })
        .finally(Expr::val(Part::Others as i32));
    // The records' own texts.
    let mut arms = Vec::new();
    let mut own = Query::select();
    own.expr_as(text("record_type"), "record_type")
        .expr_as(text("record_id"), "record_id")
        .expr_as(part_of_field, "part")
        .expr_as(text("lang"), "lang")
        .expr_as(body.clone(), "body")
        .from_as("localized_texts", "t");
    match scope {
        Some((record, _)) => own.and_where(text("record_type").eq(record.as_str())),
        None => own.and_where(text("record_type").is_in(INDEXED.map(|r| r.as_str()))),
    };
    if let Some(ids) = ids() {
        own.and_where(text("record_id").is_in(ids));
    }
    arms.push(own);
    // Codes, acronyms and short names, as names.
    for (record, table, column, _) in IDENTIFIERS.iter().filter(|(r, ..)| wants(*r)) {
        let value = match backend {
            DbBackend::Postgres => Expr::col(*column),
            _ => Expr::from(Func::lower(Expr::col(*column))),
        };
        let mut select = Query::select();
        select
            .expr_as(Expr::val(record.as_str()), "record_type")
            .expr_as(Expr::col("id"), "record_id")
            .expr_as(Expr::val(Part::Names as i32), "part")
            .expr_as(Expr::cust("NULL"), "lang")
            .expr_as(value, "body")
            .from(*table)
            .and_where(Expr::col(*column).is_not_null());
        if let Some(ids) = ids() {
            select.and_where(Expr::col("id").is_in(ids));
        }
        arms.push(select);
    }
    // A project's covered places ("rezekne" finds the projects in Rēzeknes novads).
    if wants(RecordType::Project) {
        let mut places = Query::select();
        places
            .expr_as(Expr::val(RecordType::Project.as_str()), "record_type")
            .expr_as(Expr::col(("pp", "project_id")), "record_id")
            .expr_as(Expr::val(Part::Others as i32), "part")
            .expr_as(text("lang"), "lang")
            .expr_as(body, "body")
            .from_as("project_places", "pp")
            .join_as(
                JoinType::InnerJoin,
                "localized_texts",
                "t",
                Expr::col(("t", "record_id"))
                    .equals(("pp", "place_id"))
                    .and(text("record_type").eq(RecordType::Place.as_str())),
            );
        if let Some(ids) = ids() {
            places.and_where(Expr::col(("pp", "project_id")).is_in(ids));
        }
        arms.push(places);
    }
    let mut union = arms.remove(0);
    for arm in arms {
        union.union(UnionType::All, arm);
    }
    union
}

impl Prepared {
    /// The stored words accepted as typos of `word`.
    pub fn typos_of(&self, word: &str) -> impl Iterator<Item = &str> {
        self.alternatives
            .iter()
            .filter(move |(w, _)| w == word)
            .flat_map(|(_, typos)| typos.iter().map(String::as_str))
    }
}

/// A text of a found record, or one of its codes, for highlighting.
#[derive(Debug, Clone)]
pub struct Searchable {
    pub record: RecordType,
    pub id: i32,
    /// The GraphQL field, e.g. `title`, `code`.
    pub field: String,
    /// None for codes, acronyms and short names.
    pub lang: Option<String>,
    pub text: String,
}

/// Every text of these records, their codes, acronyms and short names, and the names of the
/// places projects cover.
pub async fn searchables_of(
    db: &impl ConnectionTrait,
    hits: &[Hit],
) -> Result<Vec<Searchable>, DbErr> {
    let mut found = Vec::new();
    for record in RecordType::ALL {
        let ids: Vec<i32> = hits
            .iter()
            .filter(|hit| hit.record == record)
            .map(|hit| hit.id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let texts: Vec<(i32, String, String, String)> = localized_text::Entity::find()
            .select_only()
            .columns([
                localized_text::Column::RecordId,
                localized_text::Column::Field,
                localized_text::Column::Lang,
                localized_text::Column::Text,
            ])
            .filter(localized_text::Column::RecordType.eq(record.as_str()))
            .filter(localized_text::Column::RecordId.is_in(ids.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(texts.into_iter().map(|(id, field, lang, text)| Searchable {
            record,
            id,
            field,
            lang: Some(lang),
            text,
        }));
        if record == RecordType::Project {
            found.extend(covered_place_names(db, &ids).await?);
        }
        for (_, table, column, field) in IDENTIFIERS.iter().filter(|(r, ..)| *r == record) {
            let select = Query::select()
                .column("id")
                .expr_as(Expr::col(*column), "identifier")
                .from(*table)
                .and_where(Expr::col("id").is_in(ids.iter().copied()))
                .and_where(Expr::col(*column).is_not_null())
                .to_owned();
            for row in db.query_all(&select).await? {
                found.push(Searchable {
                    record,
                    id: row.try_get("", "id")?,
                    field: (*field).to_owned(),
                    lang: None,
                    text: row.try_get("", "identifier")?,
                });
            }
        }
    }
    Ok(found)
}

/// The names of the places projects `ids` cover, as texts of those projects' `places` field.
async fn covered_place_names(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<Vec<Searchable>, DbErr> {
    let select = Query::select()
        .expr_as(Expr::col(("pp", "project_id")), "project_id")
        .columns([("t", "lang"), ("t", "text")].map(|(a, b)| (Alias::new(a), Alias::new(b))))
        .from_as("localized_texts", "t")
        .join_as(
            JoinType::InnerJoin,
            "project_places",
            "pp",
            Expr::col(("pp", "place_id")).equals(("t", "record_id")),
        )
        .and_where(Expr::col(("t", "record_type")).eq(RecordType::Place.as_str()))
        .and_where(Expr::col(("pp", "project_id")).is_in(ids.iter().copied()))
        .to_owned();
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| {
            Ok(Searchable {
                record: RecordType::Project,
                id: row.try_get("", "project_id")?,
                field: "places".to_owned(),
                lang: Some(row.try_get("", "lang")?),
                text: row.try_get("", "text")?,
            })
        })
        .collect()
}

/// Adds the words of `texts` to the vocabulary typo corrections are drawn from.
pub async fn add_words<'a>(
    db: &impl ConnectionTrait,
    texts: impl IntoIterator<Item = &'a str>,
) -> Result<(), DbErr> {
    let words: BTreeSet<String> = texts
        .into_iter()
        .flat_map(search::words)
        .filter(|word| word.len() >= SHORTEST_WORD && !word.bytes().any(|b| b.is_ascii_digit()))
        .collect();
    let words: Vec<String> = words.into_iter().collect();
    for chunk in words.chunks(WORDS_PER_INSERT) {
        let mut insert = Query::insert();
        insert
            .into_table("search_words")
            .columns([Alias::new("word")])
            .on_conflict(OnConflict::column("word").do_nothing().to_owned());
        for word in chunk {
            insert
                .values([word.clone().into()])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Texts folded per statement when filling in texts stored before search existed (each
/// statement's CASE grows with it).
const FOLD_BATCH: u64 = 200;

/// Folds the texts stored before the search index existed and adds their words, and writes
/// every search document when there are none yet (a database filled before they existed, or
/// by the seed loader); cheap when nothing is missing.
pub async fn refresh(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    use localized_text::Column;
    let mut after = 0;
    loop {
        let rows: Vec<(i32, String)> = localized_text::Entity::find()
            .select_only()
            .columns([Column::Id, Column::Text])
            .filter(Column::Folded.is_null())
            .filter(Column::Id.gt(after))
            .order_by_asc(Column::Id)
            .limit(FOLD_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let Some(&(last, _)) = rows.last() else {
            break;
        };
        after = last;
        let folded = rows.iter().fold(CaseStatement::new(), |case, (id, text)| {
            case.case(Expr::col(Column::Id).eq(*id), Expr::val(fold(text)))
        });
        localized_text::Entity::update_many()
            .col_expr(Column::Folded, folded.into())
            .filter(Column::Id.is_in(rows.iter().map(|(id, _)| *id)))
            .exec(db)
            .await?;
        add_words(db, rows.iter().map(|(_, text)| text.as_str())).await?;
    }
    let any = |table: &str| {
        Query::select()
            .expr(Expr::val(1))
            .from(Alias::new(table))
            .limit(1)
            .to_owned()
    };
    let documents = db.query_one(&any("search_documents")).await?;
    if after > 0 || (documents.is_none() && db.query_one(&any("localized_texts")).await?.is_some())
    {
        index_all(db).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_keys_order_as_type_names_then_ids() {
        let names = INDEXED.map(RecordType::as_str);
        assert!(names.windows(2).all(|pair| pair[0] < pair[1]), "{names:?}");
        let mut keys = vec![
            (RecordType::Project, 1),
            (RecordType::Event, i32::MAX),
            (RecordType::Place, 7),
            (RecordType::Event, 2),
        ];
        keys.sort_by_key(|(record, id)| document_key(*record, *id));
        assert_eq!(
            keys,
            [
                (RecordType::Event, 2),
                (RecordType::Event, i32::MAX),
                (RecordType::Place, 7),
                (RecordType::Project, 1),
            ]
        );
        for (record, id) in keys {
            assert_eq!(record_of_key(document_key(record, id)), Some((record, id)));
        }
        assert_eq!(record_of_key(7 << 32), None);
    }

    #[test]
    fn a_prefix_range_holds_every_word_that_starts_with_it_and_no_other() {
        let end = prefix_end("bibliotek");
        assert_eq!(end, "bibliotel");
        for inside in ["bibliotek", "biblioteka", "bibliotekzzz", "bibliotekų"] {
            assert!(inside >= "bibliotek" && inside < end.as_str(), "{inside}");
        }
        for outside in ["bibliote", "bibliotel", "biblioteł"] {
            assert!(
                !(outside >= "bibliotek" && outside < end.as_str()),
                "{outside}"
            );
        }
        assert_eq!(prefix_end("lt9"), "lt:");
    }
}
