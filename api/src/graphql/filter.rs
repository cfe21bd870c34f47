//! Filter inputs: each GraphQL filter lists its own fields as store predicates, and `and`, `or`
//! and `not` nest; [`FilterInput::to_store`] turns the whole input into the store's filter
//! tree, refusing nesting deeper than [`MAX_FILTER_DEPTH`].

use async_graphql::{Context, InputObject};

use super::context::db;
use super::scalars::Date;
use crate::error::{ApiError, ApiResult};
use crate::service::search;
use crate::store::filter::{Filter, Predicate, TextMatch};

/// How deeply `and`/`or`/`not` may nest inside one filter.
pub const MAX_FILTER_DEPTH: usize = 5;

/// A filter input with `and`, `or` and `not` besides its own fields.
pub trait FilterInput: Sized {
    /// The store's predicate type of the filtered records.
    type Predicate;

    /// The conditions of this filter's own fields, all of which must hold.
    fn predicates(&self) -> ApiResult<Vec<Self::Predicate>>;
    fn and(&self) -> Option<&[Self]>;
    fn or(&self) -> Option<&[Self]>;
    fn not(&self) -> Option<&Self>;

    /// The whole input as the store's filter.
    fn to_store(&self) -> ApiResult<Filter<Self::Predicate>> {
        self.to_store_at(0)
    }

    fn to_store_at(&self, depth: usize) -> ApiResult<Filter<Self::Predicate>> {
        if depth > MAX_FILTER_DEPTH {
            return Err(ApiError::bad_input(format!(
                "filters nest at most {MAX_FILTER_DEPTH} levels deep"
            )));
        }
        let mut all: Vec<Filter<Self::Predicate>> =
            self.predicates()?.into_iter().map(Filter::Is).collect();
        if let Some(filters) = self.and() {
            for filter in filters {
                all.push(filter.to_store_at(depth + 1)?);
            }
        }
        if let Some(filters) = self.or() {
            let any = filters
                .iter()
                .map(|f| f.to_store_at(depth + 1))
                .collect::<ApiResult<Vec<_>>>()?;
            all.push(Filter::Any(any));
        }
        if let Some(filter) = self.not() {
            all.push(Filter::Not(Box::new(filter.to_store_at(depth + 1)?)));
        }
        Ok(Filter::All(all))
    }
}

/// Implements the `and`/`or`/`not` accessors of a filter input with fields of those names.
macro_rules! logical_filter {
    () => {
        fn and(&self) -> Option<&[Self]> {
            self.and.as_deref()
        }
        fn or(&self) -> Option<&[Self]> {
            self.or.as_deref()
        }
        fn not(&self) -> Option<&Self> {
            self.not.as_deref()
        }
    };
}
pub(crate) use logical_filter;

/// The store filter of an optional input, its text filters prepared for the database.
pub async fn store_filter<F: FilterInput>(
    ctx: &Context<'_>,
    input: Option<&F>,
) -> ApiResult<Option<Filter<F::Predicate>>>
where
    F::Predicate: Predicate,
{
    let Some(mut filter) = input.map(FilterInput::to_store).transpose()? else {
        return Ok(None);
    };
    for text in filter.texts_mut() {
        if let TextMatch::Typed(typed) = text {
            *text = TextMatch::Prepared(Box::new(search::text_filter(db(ctx)?, typed).await?));
        }
    }
    Ok(Some(filter))
}

/// An inclusive range of dates; either end may be open.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct DateRange {
    /// First day of the range (inclusive).
    pub from: Option<Date>,
    /// Last day of the range (inclusive).
    pub to: Option<Date>,
}

impl DateRange {
    /// Both ends, refusing a range that ends before it starts.
    pub fn checked(&self) -> ApiResult<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)> {
        let (from, to) = (self.from.map(|d| d.0), self.to.map(|d| d.0));
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(ApiError::bad_input(format!(
                "date range ends ({to}) before it starts ({from})"
            )));
        }
        Ok((from, to))
    }
}
