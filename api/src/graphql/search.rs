//! `search`: projects, organisations, funders, programmes, outcomes, events and places found by
//! words in any of their languages, best first, each with its matches highlighted.

use async_graphql::{Context, Enum, Object, Result, SimpleObject, Union};
use entity::enums::RecordType;

use super::connection::{connection, first_of};
use super::context::db;
use super::node::{Node, load_node};
use super::nodes::{Event, Funder, Organisation, Outcome, Place, Programme, Project};
use super::scalars::LanguageCode;
use crate::error::ApiError;
use crate::service::search::{self, FoundHit, SearchRequest};

/// A kind of record `search` can find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SearchType {
    /// Projects, by title, summary, description, aims, target groups and acronym.
    Project,
    /// Organisations, by name in every language and short name.
    Organisation,
    /// Funders, by name.
    Funder,
    /// Programmes, by name and code (`LT10`).
    Programme,
    /// Outcomes, by title and description.
    Outcome,
    /// Events, by title and description.
    Event,
    /// Places, by name.
    Place,
}

impl From<SearchType> for RecordType {
    fn from(kind: SearchType) -> Self {
        match kind {
            SearchType::Project => Self::Project,
            SearchType::Organisation => Self::Organisation,
            SearchType::Funder => Self::Funder,
            SearchType::Programme => Self::Programme,
            SearchType::Outcome => Self::Outcome,
            SearchType::Event => Self::Event,
            SearchType::Place => Self::Place,
        }
    }
}

/// A record `search` found.
#[derive(Union)]
pub enum SearchResult {
    Project(Project),
    Organisation(Organisation),
    Funder(Funder),
    Programme(Programme),
    Outcome(Outcome),
    Event(Event),
    Place(Place),
}

/// A text of a found record with what matched marked.
#[derive(Debug, Clone, SimpleObject)]
pub struct Highlight {
    /// The field the text is in, e.g. `title`, `summary`, `name`, `code`.
    pub field: String,
    /// The text's language; null for codes, acronyms and short names.
    pub lang: Option<LanguageCode>,
    /// The text as HTML: each match in `<mark>…</mark>`, everything else escaped; a long text
    /// is cut to a fragment around its first match, with `…` where it was cut.
    pub fragment: String,
}

/// A record found by `search`, with how well it matched and where.
#[derive(Debug, Clone)]
pub struct SearchHit(FoundHit);

/// A record found by `search`, with how well it matched and where.
#[Object]
impl SearchHit {
    /// The record.
    async fn node(&self, ctx: &Context<'_>) -> Result<SearchResult> {
        let node = load_node(ctx, self.0.record, self.0.id).await?;
        Ok(match node {
            Some(Node::Project(r)) => SearchResult::Project(r),
            Some(Node::Organisation(r)) => SearchResult::Organisation(r),
            Some(Node::Funder(r)) => SearchResult::Funder(r),
            Some(Node::Programme(r)) => SearchResult::Programme(r),
            Some(Node::Outcome(r)) => SearchResult::Outcome(r),
            Some(Node::Event(r)) => SearchResult::Event(r),
            Some(Node::Place(r)) => SearchResult::Place(r),
            // Deleted since the search ran, or (a bug) a type search never finds.
            _ => {
                return Err(ApiError::bad_input("the record was deleted during the search").into());
            }
        })
    }

    /// How well it matched, higher first: for each part of the record with a match (titles,
    /// names and codes; summaries; other texts), the part's weight (1, 0.4, 0.2) times one
    /// plus the relevance of its matches scaled into [0, 1) (`ts_rank` on PostgreSQL, `bm25`
    /// on SQLite), added up. Scores compare within one search.
    async fn score(&self) -> f64 {
        self.0.score
    }

    /// Its texts that matched, heaviest field first, each with its matches marked (at most 5).
    async fn highlights(&self) -> Vec<Highlight> {
        self.0
            .highlights
            .iter()
            .map(|h| Highlight {
                field: h.field.clone(),
                lang: h.lang.clone().map(LanguageCode),
                fragment: h.fragment.clone(),
            })
            .collect()
    }
}

connection!(
    SearchConnection,
    SearchEdge,
    SearchHit,
    "A page of search hits, best first.",
    "A search hit with its cursor."
);

/// The `search` root field.
#[derive(Default)]
pub struct SearchQuery;

/// The `search` root field.
#[Object]
impl SearchQuery {
    /// Records found by words, best first. The query language: words (each also matches as
    /// the start of a word: `kult` finds "kultūra"), `"quoted phrases"`, `-word` to leave out
    /// records with that word, and `or` between two terms; every other term must match
    /// somewhere in the record. Case and diacritics never matter (`rezekne` finds "Rēzekne");
    /// words of 5 letters or more may carry one typo, of 9 or more two; English and
    /// Lithuanian texts are also matched by word stem on PostgreSQL. Every translation of
    /// every text is searched, and codes, acronyms and short names (`LT10`) as whole words.
    /// Ranked by field weight (titles and names above summaries above the rest) and relevance.
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for, at most 200 characters and 8 terms.")] query: String,
        #[graphql(desc = "Kinds of record to find; all when absent or empty.")] types: Option<
            Vec<SearchType>,
        >,
        #[graphql(desc = "Language to prefer: its matching texts are highlighted first.")]
        lang: Option<LanguageCode>,
        #[graphql(desc = "Return at most this many hits.")] first: Option<i32>,
        #[graphql(desc = "Start after the hit with this cursor (from the same search).")]
        after: Option<String>,
    ) -> Result<SearchConnection> {
        let request = SearchRequest {
            query,
            types: types
                .unwrap_or_default()
                .into_iter()
                .map(RecordType::from)
                .collect(),
            lang: lang.map(|l| l.0),
            first: first_of(ctx, first)?,
            after,
            count_total: ctx.look_ahead().field("totalCount").exists(),
        };
        let page = search::search(db(ctx)?, &request).await?;
        Ok(SearchConnection::of(
            crate::store::page::Page {
                rows: page
                    .hits
                    .into_iter()
                    .map(|hit| (hit.cursor.clone(), hit))
                    .collect(),
                has_next_page: page.has_next_page,
                has_previous_page: page.has_previous_page,
                total_count: page.total_count,
            },
            SearchHit,
        ))
    }
}
