//! Filters as the store takes them: a tree of `all`, `any` and `not` over predicates, one
//! predicate type per aggregate (`ProjectPredicate`, `PlacePredicate`, ...), each turned into
//! SQL by its store module. The schema builds these trees from its inputs; no GraphQL type
//! reaches SQL.

use entity::enums::RecordType;
use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, SelectStatement};
use sea_orm::{Condition, DbBackend, EntityTrait, QueryFilter, Select};

use super::search::{self, Prepared};
use crate::error::{ApiError, ApiResult};

/// Conditions on rows: predicates combined with `all`, `any` and `not`.
#[derive(Debug, Clone)]
pub enum Filter<P> {
    /// This predicate holds.
    Is(P),
    /// Every one of these holds (true when empty).
    All(Vec<Filter<P>>),
    /// At least one of these holds (false when empty).
    Any(Vec<Filter<P>>),
    /// This does not hold.
    Not(Box<Filter<P>>),
}

/// A condition on one aggregate's rows that its store module can write as SQL.
pub trait Predicate {
    fn condition(&self) -> ApiResult<Condition>;

    /// Its text filter, for the service to prepare.
    fn text_mut(&mut self) -> Option<&mut TextMatch> {
        None
    }
}

impl<P: Predicate> Filter<P> {
    /// The filter as one SQL condition.
    pub fn condition(&self) -> ApiResult<Condition> {
        Ok(match self {
            Filter::Is(predicate) => predicate.condition()?,
            Filter::All(filters) => filters
                .iter()
                .try_fold(Condition::all(), |all, f| -> ApiResult<Condition> {
                    Ok(all.add(f.condition()?))
                })?,
            Filter::Any(filters) => filters
                .iter()
                .try_fold(Condition::any(), |any, f| -> ApiResult<Condition> {
                    Ok(any.add(f.condition()?))
                })?,
            Filter::Not(filter) => filter.condition()?.not(),
        })
    }
}

impl<P: Predicate> Filter<P> {
    /// Every text filter in the tree.
    pub fn texts_mut(&mut self) -> Vec<&mut TextMatch> {
        match self {
            Filter::Is(predicate) => predicate.text_mut().into_iter().collect(),
            Filter::All(filters) | Filter::Any(filters) => {
                filters.iter_mut().flat_map(Filter::texts_mut).collect()
            }
            Filter::Not(filter) => filter.texts_mut(),
        }
    }
}

/// `select` narrowed by `filter`, when there is one.
pub fn filtered<E: EntityTrait, P: Predicate>(
    select: Select<E>,
    filter: Option<&Filter<P>>,
) -> ApiResult<Select<E>> {
    Ok(match filter {
        Some(filter) => select.filter(filter.condition()?),
        None => select,
    })
}

/// A text filter's words: as the client typed them, until the service prepares them (finds
/// their typo corrections on the database the filter runs on); matched on the search index,
/// exactly as `search` matches.
#[derive(Debug, Clone)]
pub enum TextMatch {
    /// Not prepared yet.
    Typed(String),
    /// Ready to match.
    Prepared(Box<Prepared>),
}

impl TextMatch {
    /// The ids of the records of type `record` that match.
    pub fn ids(&self, record: RecordType) -> ApiResult<SelectStatement> {
        match self {
            Self::Prepared(prepared) => Ok(search::ids_matching(prepared, record)),
            Self::Typed(_) => {
                tracing::error!("a text filter reached the store unprepared");
                Err(ApiError::Internal)
            }
        }
    }
}

/// `column` is one of `keys`: `= ANY($1)` with one array parameter on PostgreSQL, so a batch of
/// any size is one prepared statement (and one cached plan) rather than one per batch size;
/// `IN (...)` elsewhere.
pub fn one_of(column: impl IntoColumnRef, keys: &[i32], backend: DbBackend) -> Expr {
    let column = Expr::col(column);
    match backend {
        DbBackend::Postgres => column.eq(PgFunc::any(Expr::val(keys.to_vec()))),
        _ => column.is_in(keys.iter().copied()),
    }
}
