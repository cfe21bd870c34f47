//! Relay cursor connections over offset cursors. A cursor is the opaque, base64 form of a row's
//! position in the ordered, filtered list; `first`/`after`/`last`/`before` follow the Relay
//! connection specification's pagination algorithm, with a default and a hard maximum page size.

use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QuerySelect, Select};

use crate::error::{ApiError, ApiResult};

/// Page sizes a connection accepts.
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    /// Page size when the query gives neither `first` nor `last`.
    pub default_size: u32,
    /// Largest `first` or `last` accepted.
    pub max_size: u32,
}

/// The pagination arguments of one connection field.
#[derive(Debug, Default, Clone)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Where a page lies in the whole list.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// True when records follow this page.
    pub has_next_page: bool,
    /// True when records precede this page.
    pub has_previous_page: bool,
    /// Cursor of the first record on this page.
    pub start_cursor: Option<String>,
    /// Cursor of the last record on this page.
    pub end_cursor: Option<String>,
}

/// One page of records with their cursors.
#[derive(Debug)]
pub struct Page<N> {
    pub edges: Vec<(String, N)>,
    pub page_info: PageInfo,
    pub total_count: u64,
}

const CURSOR_PREFIX: &str = "offset:";

fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{offset}"))
}

fn decode_cursor(cursor: &str) -> ApiResult<u64> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            text.strip_prefix(CURSOR_PREFIX)
                .and_then(|n| n.parse().ok())
        })
        .ok_or_else(|| ApiError::bad_input(format!("`{cursor}` is not a valid cursor")))
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

/// The half-open range `[start, end)` of positions that `args` select out of `total`.
pub fn window(args: &PageArgs, total: u64, limits: PageLimits) -> ApiResult<(u64, u64)> {
    let mut first = page_size("first", args.first, limits)?;
    let last = page_size("last", args.last, limits)?;
    if first.is_none() && last.is_none() {
        first = Some(u64::from(limits.default_size));
    }
    let mut start = match &args.after {
        Some(cursor) => decode_cursor(cursor)?.saturating_add(1).min(total),
        None => 0,
    };
    let mut end = match &args.before {
        Some(cursor) => decode_cursor(cursor)?.min(total),
        None => total,
    };
    if end < start {
        end = start;
    }
    if let Some(first) = first {
        end = end.min(start.saturating_add(first));
    }
    if let Some(last) = last {
        start = start.max(end.saturating_sub(last));
    }
    Ok((start, end))
}

/// Runs `select` for the page `args` ask for: one COUNT and one SELECT, whatever the data.
pub async fn paginate<E, N>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    args: &PageArgs,
    limits: PageLimits,
    to_node: impl Fn(E::Model) -> N,
) -> ApiResult<Page<N>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    // Validate the arguments before touching the database.
    window(args, u64::MAX, limits)?;
    let total = select.clone().count(db).await?;
    let (start, end) = window(args, total, limits)?;
    let rows = if end > start {
        select.offset(start).limit(end - start).all(db).await?
    } else {
        Vec::new()
    };
    let edges: Vec<(String, N)> = (start..)
        .zip(rows)
        .map(|(position, row)| (encode_cursor(position), to_node(row)))
        .collect();
    Ok(Page {
        page_info: PageInfo {
            has_next_page: end < total,
            has_previous_page: start > 0,
            start_cursor: edges.first().map(|(cursor, _)| cursor.clone()),
            end_cursor: edges.last().map(|(cursor, _)| cursor.clone()),
        },
        edges,
        total_count: total,
    })
}

/// Declares a Relay connection type and its edge type for one node type.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $connection_doc:literal, $edge_doc:literal) => {
        #[doc = $connection_doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $connection {
            /// The records on this page, each with its cursor.
            pub edges: Vec<$edge>,
            /// The records on this page, without cursors.
            pub nodes: Vec<$node>,
            /// Where this page lies in the whole list.
            pub page_info: $crate::graphql::pagination::PageInfo,
            /// Number of records that match the filter, on all pages.
            pub total_count: u64,
        }

        #[doc = $edge_doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque position of this record; pass it as `after` or `before`.
            pub cursor: String,
            /// The record.
            pub node: $node,
        }

        impl From<$crate::graphql::pagination::Page<$node>> for $connection {
            fn from(page: $crate::graphql::pagination::Page<$node>) -> Self {
                let nodes = page.edges.iter().map(|(_, node)| node.clone()).collect();
                let edges = page
                    .edges
                    .into_iter()
                    .map(|(cursor, node)| $edge { cursor, node })
                    .collect();
                Self {
                    edges,
                    nodes,
                    page_info: page.page_info,
                    total_count: page.total_count,
                }
            }
        }
    };
}

pub(crate) use connection;

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: PageLimits = PageLimits {
        default_size: 20,
        max_size: 100,
    };

    fn args(
        first: Option<i32>,
        after: Option<u64>,
        last: Option<i32>,
        before: Option<u64>,
    ) -> PageArgs {
        PageArgs {
            first,
            after: after.map(encode_cursor),
            last,
            before: before.map(encode_cursor),
        }
    }

    #[test]
    fn without_arguments_the_first_default_page_is_selected() {
        assert_eq!(window(&PageArgs::default(), 50, LIMITS).ok(), Some((0, 20)));
    }

    #[test]
    fn first_after_and_last_before_select_the_relay_windows() {
        assert_eq!(
            window(&args(Some(2), Some(0), None, None), 5, LIMITS).ok(),
            Some((1, 3))
        );
        assert_eq!(
            window(&args(None, None, Some(2), Some(4)), 5, LIMITS).ok(),
            Some((2, 4))
        );
        assert_eq!(
            window(&args(None, None, Some(2), None), 5, LIMITS).ok(),
            Some((3, 5))
        );
        assert_eq!(
            window(&args(Some(10), Some(9), None, None), 5, LIMITS).ok(),
            Some((5, 5))
        );
    }

    #[test]
    fn oversized_negative_and_garbage_arguments_are_refused() {
        assert!(window(&args(Some(101), None, None, None), 5, LIMITS).is_err());
        assert!(window(&args(None, None, Some(-1), None), 5, LIMITS).is_err());
        let garbage = PageArgs {
            after: Some("???".into()),
            ..PageArgs::default()
        };
        assert!(window(&garbage, 5, LIMITS).is_err());
    }
}
