//! Pages of rows by keyset (seek): a page starts where its cursor's row stood in the ordering,
//! found through the ordering's own columns, so a page costs the same at row 20 and at row
//! 100,000, and a cursor stays valid when rows are inserted or deleted before it. `first`,
//! `after`, `last` and `before` follow the Relay connection specification; the total is counted
//! only when the caller asks for it.
//!
//! A cursor is the opaque base64url form of `{"o": ordering, "k": [sort values], "id": row id}`;
//! a cursor made under another ordering is refused rather than misread.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDate, NaiveTime};
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, NullOrdering, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, QueryTrait, Select,
};
use serde::{Deserialize, Serialize};

use super::Row;
use crate::error::{ApiError, ApiResult};

/// Page sizes a connection accepts.
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    /// Page size when the query gives neither `first` nor `last`.
    pub default_size: u32,
    /// Largest `first` or `last` accepted.
    pub max_size: u32,
}

/// The pagination arguments of one connection field, as the client sent them.
#[derive(Debug, Default, Clone)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// What a caller asks of a page: the Relay arguments, the size limits, and whether to count
/// every matching row.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub args: PageArgs,
    pub limits: PageLimits,
    pub count_total: bool,
}

/// One page of rows, each with its cursor.
#[derive(Debug)]
pub struct Page<R> {
    pub rows: Vec<(String, R)>,
    /// True when rows follow this page.
    pub has_next_page: bool,
    /// True when rows precede this page.
    pub has_previous_page: bool,
    /// Rows matching the filter on all pages; counted only when asked for.
    pub total_count: Option<u64>,
}

/// The type of a sort column's values, to read them back from a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKind {
    Text,
    Integer,
    Date,
    Time,
}

/// One value of a sort column, as a cursor remembers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum SortValue {
    #[serde(rename = "n")]
    Null,
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "i")]
    Integer(i64),
    #[serde(rename = "d")]
    Date(NaiveDate),
    #[serde(rename = "t")]
    Time(NaiveTime),
}

impl SortValue {
    fn read(kind: SortKind, row: &QueryResult, alias: &str) -> ApiResult<Self> {
        let value = match kind {
            SortKind::Text => row
                .try_get::<Option<String>>("", alias)?
                .map(SortValue::Text),
            SortKind::Integer => row
                .try_get::<Option<i64>>("", alias)?
                .map(SortValue::Integer),
            SortKind::Date => row
                .try_get::<Option<NaiveDate>>("", alias)?
                .map(SortValue::Date),
            SortKind::Time => row
                .try_get::<Option<NaiveTime>>("", alias)?
                .map(SortValue::Time),
        };
        Ok(value.unwrap_or(SortValue::Null))
    }

    /// The value as an SQL expression, if it fits the column's kind.
    fn expr(&self, kind: SortKind) -> Option<SimpleExpr> {
        match (self, kind) {
            (SortValue::Text(text), SortKind::Text) => Some(Expr::val(text.clone())),
            (SortValue::Integer(n), SortKind::Integer) => Some(Expr::val(*n)),
            (SortValue::Date(date), SortKind::Date) => Some(Expr::val(*date)),
            (SortValue::Time(time), SortKind::Time) => Some(Expr::val(*time)),
            _ => None,
        }
    }
}

/// One column of an ordering. NULLs always come last; ties are broken by id, ascending.
#[derive(Debug, Clone, Copy)]
pub struct SortColumn<C> {
    pub column: C,
    pub kind: SortKind,
    pub descending: bool,
    /// Names the column in cursors, so a cursor of another ordering is recognised.
    pub name: &'static str,
}

#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    #[serde(rename = "o")]
    ordering: String,
    #[serde(rename = "k")]
    keys: Vec<SortValue>,
    id: i32,
}

fn ordering_signature<C>(order: &[SortColumn<C>]) -> String {
    order
        .iter()
        .map(|c| format!("{}:{}", c.name, if c.descending { "d" } else { "a" }))
        .collect::<Vec<_>>()
        .join(",")
}

fn encode_cursor(cursor: &Cursor) -> String {
    // Serializing plain values into a string cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

fn decode_cursor<C>(text: &str, order: &[SortColumn<C>]) -> ApiResult<Cursor> {
    let invalid = || ApiError::bad_input(format!("`{text}` is not a valid cursor"));
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if cursor.ordering != ordering_signature(order) || cursor.keys.len() != order.len() {
        return Err(ApiError::bad_input(format!(
            "`{text}` is a cursor of another ordering; pass the same orderBy as the query \
             that returned it"
        )));
    }
    Ok(cursor)
}

fn page_size(name: &str, value: Option<i32>, limits: PageLimits) -> ApiResult<Option<u64>> {
    match value {
        None => Ok(None),
        Some(n) if n < 0 => Err(ApiError::bad_input(format!(
            "`{name}` must not be negative"
        ))),
        Some(n) if n as u32 > limits.max_size => Err(ApiError::bad_input(format!(
            "`{name}` is {n}; a page holds at most {} records",
            limits.max_size
        ))),
        Some(n) => Ok(Some(n as u64)),
    }
}

/// Rows strictly after (`after == true`) or before the cursor in `order`, then by id.
fn seek<E: EntityTrait>(
    order: &[SortColumn<E::Column>],
    id_column: E::Column,
    cursor: &Cursor,
    after: bool,
) -> ApiResult<Condition> {
    let invalid = || ApiError::bad_input("the cursor does not fit this ordering".to_owned());
    // Built from the last column outwards: the id decides between rows equal on every column.
    let mut rest = Condition::all().add(if after {
        id_column.gt(cursor.id)
    } else {
        id_column.lt(cursor.id)
    });
    for (column, value) in order.iter().zip(&cursor.keys).rev() {
        let col = Expr::col(column.column.into_column_ref());
        rest = match value {
            SortValue::Null if after => Condition::all().add(col.is_null()).add(rest),
            SortValue::Null => Condition::any()
                .add(col.clone().is_not_null())
                .add(Condition::all().add(col.is_null()).add(rest)),
            value => {
                let value = value.expr(column.kind).ok_or_else(invalid)?;
                // Ascending and after, or descending and before: the greater values.
                let beyond = if after != column.descending {
                    col.clone().gt(value.clone())
                } else {
                    col.clone().lt(value.clone())
                };
                let tied = Condition::all().add(col.clone().eq(value)).add(rest);
                let mut any = Condition::any().add(beyond).add(tied);
                if after {
                    // NULLs come last, so after any value.
                    any = any.add(col.is_null());
                }
                any
            }
        };
    }
    Ok(rest)
}

/// One page of `select` (already filtered) in `order` then by id, as rows of type `R`. Runs one
/// SELECT of at most the page size plus one row, and a COUNT only when `count_total` is set.
pub async fn page<E, R>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    order: &[SortColumn<E::Column>],
    id_column: E::Column,
    request: &PageRequest,
) -> ApiResult<Page<R>>
where
    E: EntityTrait,
    E::Model: Sync,
    R: Row<E>,
{
    let PageRequest {
        args,
        limits,
        count_total,
    } = request;
    let (limits, count_total) = (*limits, *count_total);
    let mut first = page_size("first", args.first, limits)?;
    let last = page_size("last", args.last, limits)?;
    if first.is_none() && last.is_none() {
        first = Some(u64::from(limits.default_size));
    }
    let after = args
        .after
        .as_deref()
        .map(|c| decode_cursor(c, order))
        .transpose()?;
    let before = args
        .before
        .as_deref()
        .map(|c| decode_cursor(c, order))
        .transpose()?;

    let total_count = if count_total {
        Some(select.clone().count(db).await?)
    } else {
        None
    };

    let mut window = select;
    if let Some(cursor) = &after {
        window = window.filter(seek::<E>(order, id_column, cursor, true)?);
    }
    if let Some(cursor) = &before {
        window = window.filter(seek::<E>(order, id_column, cursor, false)?);
    }
    // `last` without `first` reads backwards from the end of the window.
    let backwards = first.is_none();
    let wanted = first.or(last).unwrap_or(0);
    let mut query = R::project(window);
    for (index, column) in order.iter().enumerate() {
        let (direction, nulls) = match (column.descending != backwards, backwards) {
            (false, false) => (Order::Asc, NullOrdering::Last),
            (true, false) => (Order::Desc, NullOrdering::Last),
            (false, true) => (Order::Asc, NullOrdering::First),
            (true, true) => (Order::Desc, NullOrdering::First),
        };
        let mut value: SimpleExpr = Expr::col(column.column.into_column_ref());
        if column.kind == SortKind::Integer {
            // INTEGER and BIGINT columns alike come back as BIGINT, the type cursors keep.
            value = value.cast_as("BIGINT");
        }
        query = query
            .column_as(value, sort_alias(index))
            .order_by_with_nulls(column.column, direction, nulls);
    }
    query = query
        .order_by(id_column, if backwards { Order::Desc } else { Order::Asc })
        .limit(wanted + 1);
    let statement = query.build(db.get_database_backend());
    let results = db.query_all_raw(statement).await?;

    let more = results.len() as u64 > wanted;
    let mut rows = Vec::with_capacity(results.len().min(wanted as usize));
    let signature = ordering_signature(order);
    for result in results.iter().take(wanted as usize) {
        let row = R::from_query_result(result, "")?;
        let keys = order
            .iter()
            .enumerate()
            .map(|(index, column)| SortValue::read(column.kind, result, &sort_alias(index)))
            .collect::<ApiResult<Vec<_>>>()?;
        let cursor = Cursor {
            ordering: signature.clone(),
            keys,
            id: row.id(),
        };
        rows.push((encode_cursor(&cursor), row));
    }
    let (mut has_previous_page, mut has_next_page);
    if backwards {
        rows.reverse();
        has_previous_page = more;
        has_next_page = before.is_some();
    } else {
        has_next_page = more || before.is_some();
        has_previous_page = after.is_some();
        if let Some(last) = last {
            let surplus = rows.len().saturating_sub(last as usize);
            if surplus > 0 {
                rows.drain(..surplus);
                has_previous_page = true;
            }
        }
    }
    if rows.is_empty() && wanted == 0 {
        // `first: 0` or `last: 0` asks only whether there are rows at all.
        has_next_page = has_next_page || (!backwards && more);
        has_previous_page = has_previous_page || (backwards && more);
    }
    Ok(Page {
        rows,
        has_next_page,
        has_previous_page,
        total_count,
    })
}

fn sort_alias(index: usize) -> String {
    format!("sort_key_{index}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: PageLimits = PageLimits {
        default_size: 20,
        max_size: 100,
    };

    #[test]
    fn oversized_and_negative_page_sizes_are_refused() {
        assert!(page_size("first", Some(101), LIMITS).is_err());
        assert!(page_size("last", Some(-1), LIMITS).is_err());
        assert_eq!(page_size("first", Some(100), LIMITS).ok(), Some(Some(100)));
    }

    #[test]
    fn a_cursor_decodes_to_what_it_encodes_under_the_same_ordering_only() {
        let order = [SortColumn {
            column: (),
            kind: SortKind::Date,
            descending: false,
            name: "start_date",
        }];
        let cursor = Cursor {
            ordering: ordering_signature(&order),
            keys: vec![SortValue::Date(
                NaiveDate::from_ymd_opt(2020, 1, 2).unwrap_or_default(),
            )],
            id: 7,
        };
        let text = encode_cursor(&cursor);
        let decoded = decode_cursor(&text, &order).ok();
        assert_eq!(decoded.map(|c| (c.id, c.keys)), Some((7, cursor.keys)));
        let other = [SortColumn {
            descending: true,
            ..order[0]
        }];
        assert!(decode_cursor(&text, &other).is_err());
        assert!(decode_cursor("???", &order).is_err());
    }
}
