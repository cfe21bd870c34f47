//! Full-text search on each database's own index (see the search migration): PostgreSQL's
//! `tsvector` with `unaccent` and stems, SQLite's FTS5, both over every localized text, plus
//! codes, acronyms and short names matched exactly. A query runs as one statement: one arm per
//! clause of the query (and one for its excluded terms), grouped per record, so every clause
//! must match somewhere in the record and no excluded term anywhere in it.
//!
//! Typo tolerance looks up the stored words nearest a query word by trigrams (`pg_trgm`, or an
//! FTS5 trigram table) and keeps those within the edits [`search::allowed_edits`] allows.

use std::collections::BTreeSet;

use entity::enums::RecordType;
use entity::localized_text;
use sea_orm::sea_query::{
    Alias, BinOper, CaseStatement, Expr, ExprTrait, Func, JoinType, OnConflict, Order, Query,
    SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};

use crate::domain::search::{self, MAX_ALTERNATIVES, SearchQuery, Term};
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
/// The `clause` of the arms that find excluded terms.
const EXCLUDED: i32 = -1;

/// Codes, acronyms and short names: matched as whole words, through an index on their lower
/// case, as strongly as a title.
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

/// One page of hits, best first, after `after` (a hit of an earlier page).
pub async fn find(
    db: &impl ConnectionTrait,
    prepared: &Prepared,
    types: &[RecordType],
    lang: Option<&str>,
    after: Option<Hit>,
    limit: u64,
) -> Result<Vec<Hit>, DbErr> {
    let mut select = Query::select();
    select
        .columns(["record_type", "record_id", "score"].map(Alias::new))
        .from_subquery(grouped(prepared, types, lang, true), "hits")
        .order_by("score", Order::Desc)
        .order_by("record_type", Order::Asc)
        .order_by("record_id", Order::Asc)
        .limit(limit);
    if let Some(after) = after {
        let score = || Expr::col("score");
        let kind = || Expr::col("record_type");
        select.and_where(
            score().lt(after.score).or(score().eq(after.score).and(
                kind().gt(after.record.as_str()).or(kind()
                    .eq(after.record.as_str())
                    .and(Expr::col("record_id").gt(after.id))),
            )),
        );
    }
    let rows = db.query_all(&select).await?;
    rows.iter()
        .filter_map(|row| {
            let record: Result<String, DbErr> = row.try_get("", "record_type");
            match record {
                Ok(name) => RecordType::parse(&name).map(|record| {
                    Ok(Hit {
                        record,
                        id: row.try_get("", "record_id")?,
                        score: row.try_get("", "score")?,
                    })
                }),
                Err(error) => Some(Err(error)),
            }
        })
        .collect()
}

/// How many records match.
pub async fn count(
    db: &impl ConnectionTrait,
    prepared: &Prepared,
    types: &[RecordType],
) -> Result<u64, DbErr> {
    let select = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "total")
        .from_subquery(grouped(prepared, types, None, false), "hits")
        .to_owned();
    let row = db.query_one(&select).await?;
    let total: i64 = match row {
        Some(row) => row.try_get("", "total")?,
        None => 0,
    };
    Ok(u64::try_from(total).unwrap_or_default())
}

/// The ids of the records of type `record` that match: for text filters.
pub fn ids_matching(prepared: &Prepared, record: RecordType) -> SelectStatement {
    Query::select()
        .column("record_id")
        .from_subquery(grouped(prepared, &[record], None, false), "hits")
        .to_owned()
}

/// Every matching record of `types`, one row per record, with its summed score when `scored`
/// (0 otherwise, for counting and filtering).
fn grouped(
    prepared: &Prepared,
    types: &[RecordType],
    lang: Option<&str>,
    scored: bool,
) -> SelectStatement {
    let query = &prepared.query;
    let mut arms: Vec<SelectStatement> = Vec::new();
    let covering = types.contains(&RecordType::Project);
    let clauses = (0..)
        .zip(&query.clauses)
        .map(|(clause, terms)| (clause, terms.as_slice(), scored));
    let excluded =
        (!query.excluded.is_empty()).then_some((EXCLUDED, query.excluded.as_slice(), false));
    for (clause, terms, scored) in clauses.chain(excluded) {
        arms.push(text_arm(
            prepared,
            terms,
            clause,
            Source::Own(types),
            lang,
            scored,
        ));
        if covering {
            arms.push(text_arm(
                prepared,
                terms,
                clause,
                Source::CoveredPlaces,
                lang,
                scored,
            ));
        }
        arms.extend(identifier_arms(terms, clause, types));
    }
    let mut union = arms.remove(0);
    for arm in arms {
        union.union(UnionType::All, arm);
    }
    let clauses = i64::try_from(query.clauses.len()).unwrap_or(i64::MAX);
    Query::select()
        .columns(["record_type", "record_id"].map(Alias::new))
        // Whole millionths: scores compare exactly when a page seeks past the last one.
        .expr_as(
            Expr::cust("CAST(ROUND(SUM(score) * 1000000) AS BIGINT)"),
            "score",
        )
        .from_subquery(union, "matched")
        .group_by_col("record_type")
        .group_by_col("record_id")
        // No excluded term anywhere in the record, and every clause somewhere.
        .and_having(Expr::cust("MIN(clause)").gte(0))
        .and_having(Expr::cust("COUNT(DISTINCT clause)").eq(clauses))
        .to_owned()
}

/// Whose texts an arm of the query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source<'a> {
    /// The records' own texts, of these types.
    Own(&'a [RecordType]),
    /// For projects: the names of the places they cover ("Rezekne" finds the projects there),
    /// weighed as a minor text.
    CoveredPlaces,
}

/// The texts that match any of `terms`, one row per text (with the record it counts for),
/// each scored (when `scored`) by its field's weight (more in the preferred language) and its
/// relevance (between 0 and 1).
fn text_arm(
    prepared: &Prepared,
    terms: &[Term],
    clause: i32,
    source: Source<'_>,
    lang: Option<&str>,
    scored: bool,
) -> SelectStatement {
    let text = |column: &str| Expr::col((Alias::new("t"), Alias::new(column)));
    let mut select = Query::select();
    let weight = match source {
        Source::Own(types) => {
            select
                .expr_as(text("record_type"), "record_type")
                .expr_as(text("record_id"), "record_id")
                .and_where(text("record_type").is_in(types.iter().map(|t| t.as_str())));
            field_weight()
        }
        Source::CoveredPlaces => {
            select
                .expr_as(Expr::val(RecordType::Project.as_str()), "record_type")
                .expr_as(Expr::col(("pp", "project_id")), "record_id")
                .and_where(text("record_type").eq(RecordType::Place.as_str()));
            Expr::val(search::OTHER_FIELD_WEIGHT)
        }
    };
    select.expr_as(Expr::val(clause), "clause");
    let relevance = match prepared.backend {
        DbBackend::Postgres => {
            let query = tsquery(prepared, terms);
            select
                .from_as("localized_texts", "t")
                .and_where(text("search_vector").binary(BinOper::Custom("@@"), query.clone()));
            // Normalised to rank / (rank + 1).
            Expr::from(
                Func::cust("ts_rank")
                    .arg(text("search_vector"))
                    .arg(query)
                    .arg(32),
            )
        }
        _ => {
            let index = || Expr::cust("localized_texts_search");
            // CROSS JOIN keeps the index the outer loop: bm25 only works on the rows a MATCH
            // produces, not when SQLite would probe the index row by row.
            select
                .from("localized_texts_search")
                .join_as(
                    JoinType::CrossJoin,
                    "localized_texts",
                    "t",
                    Condition::all(),
                )
                .and_where(text("id").equals(("localized_texts_search", "rowid")))
                .and_where(index().binary(BinOper::Custom("MATCH"), fts_query(prepared, terms)));
            // bm25 is negative, better when lower: -bm25 / (1 - bm25) lies in [0, 1).
            let bm25 = || Expr::from(Func::cust("bm25").arg(index()));
            Expr::val(0.0).sub(bm25()).div(Expr::val(1.0).sub(bm25()))
        }
    };
    if source == Source::CoveredPlaces {
        select.join_as(
            JoinType::InnerJoin,
            "project_places",
            "pp",
            Expr::col(("pp", "place_id")).equals(("t", "record_id")),
        );
    }
    if !scored {
        select.expr_as(Expr::val(0.0), "score");
        return select;
    }
    let score = weight
        .mul(language_boost(lang))
        .mul(Expr::val(1.0).add(relevance));
    select.expr_as(score, "score");
    if prepared.backend == DbBackend::Sqlite {
        // A LIMIT keeps SQLite from flattening this into the grouping query, where bm25 would
        // no longer see the MATCH it belongs to.
        return Query::select()
            .columns(["record_type", "record_id", "clause", "score"].map(Alias::new))
            .from_subquery(select.limit(i64::MAX as u64).to_owned(), "arm")
            .to_owned();
    }
    select
}

/// A text's weight by its field.
fn field_weight() -> Expr {
    let field = Expr::col((Alias::new("t"), Alias::new("field")));
    search::FIELD_WEIGHTS
        .iter()
        .fold(CaseStatement::new(), |case, (name, weight)| {
            case.case(field.clone().eq(*name), Expr::val(*weight))
        })
        .finally(Expr::val(search::OTHER_FIELD_WEIGHT))
        .into()
}

/// Half again for a text in the preferred language.
fn language_boost(lang: Option<&str>) -> Expr {
    match lang {
        Some(lang) => CaseStatement::new()
            .case(
                Expr::col((Alias::new("t"), Alias::new("lang"))).eq(lang),
                Expr::val(search::PREFERRED_LANGUAGE_BOOST),
            )
            .finally(Expr::val(1.0))
            .into(),
        None => Expr::val(1.0),
    }
}

/// The PostgreSQL query for any of `terms`: each word and each of its typo corrections as a
/// word start, and the word's English and Lithuanian stems; each phrase as words in order.
fn tsquery(prepared: &Prepared, terms: &[Term]) -> Expr {
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

/// The FTS5 query for any of `terms` (their words are letters and digits only, so quoting them
/// is all the escaping they need).
fn fts_query(prepared: &Prepared, terms: &[Term]) -> String {
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
    parts.join(" OR ")
}

/// Codes, acronyms and short names of `types` equal to a word of `terms` (or a phrase's words
/// joined by `-`, a space or nothing).
fn identifier_arms(terms: &[Term], clause: i32, types: &[RecordType]) -> Vec<SelectStatement> {
    // A code typed with its punctuation ("co-op") comes as a phrase of its parts.
    let words: Vec<String> = terms
        .iter()
        .flat_map(|term| match term {
            Term::Word(word) => vec![word.clone()],
            Term::Phrase(words) => ["-", " ", ""].map(|glue| words.join(glue)).to_vec(),
        })
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    // An exact code is as relevant as a text can be.
    let score = if clause == EXCLUDED { 0.0 } else { 2.0 };
    IDENTIFIERS
        .iter()
        .filter(|(record, ..)| types.contains(record))
        .map(|(record, table, column, _)| {
            Query::select()
                .expr_as(Expr::val(record.as_str()), "record_type")
                .expr_as(Expr::col("id"), "record_id")
                .expr_as(Expr::val(clause), "clause")
                .expr_as(Expr::val(score), "score")
                .from(*table)
                .and_where(Expr::from(Func::lower(Expr::col(*column))).is_in(words.clone()))
                .to_owned()
        })
        .collect()
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

/// Folds the texts stored before the search index existed and adds their words; cheap when
/// there are none. On SQLite the FTS index is then rebuilt from the table.
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
    if after > 0 && db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared(
            "INSERT INTO localized_texts_search(localized_texts_search) VALUES ('rebuild')",
        )
        .await?;
    }
    Ok(())
}
