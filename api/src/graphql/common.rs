//! Pieces every domain module uses: reaching the request's database, loaders and viewer;
//! localized text with its language fallback; provenance; and the filter and ordering inputs.

use async_graphql::{Context, InputObject, SimpleObject};
use entity::enums::RecordType;
use entity::localized_text;
use sea_orm::sea_query::NullOrdering;
use sea_orm::{Condition, DatabaseConnection, EntityTrait, Order, QueryOrder, Select};

use super::loaders::{Keyed, Loaders};
use super::pagination::{Page, PageArgs, PageLimits, paginate};
use super::scalars::{Date, LanguageCode};
use super::source::SourceDocument;
use crate::error::{ApiError, ApiResult};

/// Who is asking. Only anonymous callers exist until API keys arrive; they never see personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
}

fn data<'a, T: Send + Sync + 'static>(ctx: &'a Context<'_>) -> ApiResult<&'a T> {
    ctx.data::<T>().map_err(|_| {
        tracing::error!(
            kind = std::any::type_name::<T>(),
            "request context is missing data"
        );
        ApiError::Internal
    })
}

pub fn db<'a>(ctx: &'a Context<'_>) -> ApiResult<&'a DatabaseConnection> {
    data(ctx)
}

pub fn loaders<'a>(ctx: &'a Context<'_>) -> ApiResult<&'a Loaders> {
    data(ctx)
}

pub fn limits(ctx: &Context<'_>) -> ApiResult<PageLimits> {
    data::<PageLimits>(ctx).copied()
}

pub fn viewer(ctx: &Context<'_>) -> Viewer {
    ctx.data_opt::<Viewer>()
        .copied()
        .unwrap_or(Viewer::Anonymous)
}

/// One text of a record in one language.
#[derive(Debug, Clone, SimpleObject)]
pub struct LocalizedText {
    /// The field the text belongs to, e.g. `title`, `aim`, `targetGroup`.
    pub field: String,
    /// Position within list fields such as `aim`; 0 for single texts.
    pub position: i32,
    /// Language of the text.
    pub lang: LanguageCode,
    /// The text.
    pub text: String,
    /// True for the text as the source wrote it; false for a translation.
    pub is_original: bool,
}

impl From<localized_text::Model> for LocalizedText {
    fn from(m: localized_text::Model) -> Self {
        Self {
            field: m.field,
            position: m.position,
            lang: LanguageCode(m.lang),
            text: m.text,
            is_original: m.is_original,
        }
    }
}

/// Every text of one record, loaded in one batch with its siblings.
pub async fn texts(
    ctx: &Context<'_>,
    kind: RecordType,
    id: i32,
) -> ApiResult<Vec<localized_text::Model>> {
    Ok(loaders(ctx)?
        .texts
        .of(kind)?
        .load_one(id)
        .await?
        .unwrap_or_default())
}

/// Picks the text of `field` at `position` for `lang`. The fallback chain when `lang` has no
/// text: the original-language text, then English, then any text there is.
pub fn pick(
    texts: &[localized_text::Model],
    field: &str,
    position: i32,
    lang: Option<&LanguageCode>,
) -> Option<String> {
    let candidates: Vec<&localized_text::Model> = texts
        .iter()
        .filter(|t| t.field == field && t.position == position)
        .collect();
    let by = |pred: &dyn Fn(&localized_text::Model) -> bool| {
        candidates.iter().find(|t| pred(t)).map(|t| t.text.clone())
    };
    lang.and_then(|lang| by(&|t| t.lang == lang.0))
        .or_else(|| by(&|t| t.is_original))
        .or_else(|| by(&|t| t.lang == "en"))
        .or_else(|| candidates.first().map(|t| t.text.clone()))
}

/// One localized single-text field of a record.
pub async fn localized(
    ctx: &Context<'_>,
    kind: RecordType,
    id: i32,
    field: &str,
    lang: Option<&LanguageCode>,
) -> ApiResult<Option<String>> {
    Ok(pick(&texts(ctx, kind, id).await?, field, 0, lang))
}

/// A localized list field (aims, target groups), each item in the best language available.
pub async fn localized_list(
    ctx: &Context<'_>,
    kind: RecordType,
    id: i32,
    field: &str,
    lang: Option<&LanguageCode>,
) -> ApiResult<Vec<String>> {
    let all = texts(ctx, kind, id).await?;
    let mut positions: Vec<i32> = all
        .iter()
        .filter(|t| t.field == field)
        .map(|t| t.position)
        .collect();
    positions.dedup();
    Ok(positions
        .into_iter()
        .filter_map(|p| pick(&all, field, p, lang))
        .collect())
}

/// The record's translations, optionally of one field only.
pub async fn translations(
    ctx: &Context<'_>,
    kind: RecordType,
    id: i32,
    field: Option<&str>,
) -> ApiResult<Vec<LocalizedText>> {
    Ok(texts(ctx, kind, id)
        .await?
        .into_iter()
        .filter(|t| field.is_none_or(|f| t.field == f))
        .map(LocalizedText::from)
        .collect())
}

/// The source documents a record was curated from.
pub async fn sources(
    ctx: &Context<'_>,
    kind: RecordType,
    id: i32,
) -> ApiResult<Vec<SourceDocument>> {
    Ok(loaders(ctx)?
        .sources
        .of(kind)?
        .load_one(id)
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(SourceDocument)
        .collect())
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

/// How deeply `and`/`or`/`not` may nest inside one filter.
pub const MAX_FILTER_DEPTH: usize = 5;

/// A filter input with `and`, `or` and `not` besides its own fields.
pub trait LogicalFilter: Sized {
    /// The condition of this filter's own fields, all of which must hold.
    fn own_condition(&self) -> ApiResult<Condition>;
    fn and(&self) -> Option<&[Self]>;
    fn or(&self) -> Option<&[Self]>;
    fn not(&self) -> Option<&Self>;

    /// The whole filter as one SQL condition.
    fn condition(&self) -> ApiResult<Condition> {
        self.condition_at(0)
    }

    fn condition_at(&self, depth: usize) -> ApiResult<Condition> {
        if depth > MAX_FILTER_DEPTH {
            return Err(ApiError::bad_input(format!(
                "filters nest at most {MAX_FILTER_DEPTH} levels deep"
            )));
        }
        let mut all = self.own_condition()?;
        if let Some(filters) = self.and() {
            for filter in filters {
                all = all.add(filter.condition_at(depth + 1)?);
            }
        }
        if let Some(filters) = self.or() {
            let mut any = Condition::any();
            for filter in filters {
                any = any.add(filter.condition_at(depth + 1)?);
            }
            all = all.add(any);
        }
        if let Some(filter) = self.not() {
            all = all.add(filter.condition_at(depth + 1)?.not());
        }
        Ok(all)
    }
}

/// Implements the `and`/`or`/`not` accessors of a filter input with fields of those names.
macro_rules! logical_filter {
    ($filter:ty) => {
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

/// Applies a filter (when given) to a select.
fn filtered<E: EntityTrait, F: LogicalFilter>(
    select: Select<E>,
    filter: Option<&F>,
) -> ApiResult<Select<E>> {
    use sea_orm::QueryFilter;
    Ok(match filter {
        Some(filter) => select.filter(filter.condition()?),
        None => select,
    })
}

/// Orders a select by the given columns, NULLs last on both databases, then by id so pages are
/// stable.
fn ordered<E: EntityTrait>(
    mut select: Select<E>,
    order: Vec<(E::Column, Order)>,
    id: E::Column,
) -> Select<E> {
    for (column, direction) in order {
        select = select.order_by_with_nulls(column, direction, NullOrdering::Last);
    }
    select.order_by_asc(id)
}

/// One page of `E` rows matching `filter`, in `order` and then by id: the body of every root
/// connection field.
pub async fn page_of<E, F, N>(
    ctx: &Context<'_>,
    filter: Option<&F>,
    order: Vec<(E::Column, Order)>,
    args: &PageArgs,
    to_node: impl Fn(E::Model) -> N,
) -> ApiResult<Page<N>>
where
    E: Keyed,
    E::Model: Sync,
    F: LogicalFilter,
{
    let select = ordered(filtered(E::find(), filter)?, order, E::id_column());
    paginate(db(ctx)?, select, args, limits(ctx)?, to_node).await
}
