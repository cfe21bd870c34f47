//! Relay connections: the `PageInfo` type and a macro that declares a connection and its edge
//! type for one node type, filled from a store page. Pages are keyset pages (see
//! [`crate::store::page`]); `totalCount` is counted only when a query selects it.

use async_graphql::{Context, SimpleObject};

use super::context::limits;

use crate::error::ApiResult;
use crate::store::page::{Page, PageArgs, PageRequest};

/// Where a page lies in the whole list.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// True when records follow this page.
    pub has_next_page: bool,
    /// True when records precede this page. When paging forward with `after`, true: the
    /// cursor's record comes before.
    pub has_previous_page: bool,
    /// Cursor of the first record on this page.
    pub start_cursor: Option<String>,
    /// Cursor of the last record on this page.
    pub end_cursor: Option<String>,
}

impl<R> From<&Page<R>> for PageInfo {
    fn from(page: &Page<R>) -> Self {
        Self {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: page.rows.first().map(|(cursor, _)| cursor.clone()),
            end_cursor: page.rows.last().map(|(cursor, _)| cursor.clone()),
        }
    }
}

/// What a connection field asks of the store: its pagination arguments, the page limits, and
/// a count of every matching row only when the query selects `totalCount`.
pub fn page_request(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> ApiResult<PageRequest> {
    Ok(PageRequest {
        args: PageArgs {
            first,
            after,
            last,
            before,
        },
        limits: limits(ctx)?,
        count_total: ctx.look_ahead().field("totalCount").exists(),
    })
}

/// How many rows a forward-only list (`first` without `last`) returns: the default page size
/// when `first` is not given, BAD_USER_INPUT when it is outside 0 and the maximum.
pub fn first_of(ctx: &Context<'_>, first: Option<i32>) -> ApiResult<u64> {
    let limits = limits(ctx)?;
    match first {
        None => Ok(u64::from(limits.default_size)),
        Some(n) if n >= 0 && n as u32 <= limits.max_size => Ok(n as u64),
        Some(n) => Err(crate::error::ApiError::bad_input(format!(
            "`first` is {n}; it must be between 0 and {}",
            limits.max_size
        ))),
    }
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
            pub page_info: $crate::graphql::connection::PageInfo,
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

        impl $connection {
            /// The connection of a store page, each row wrapped as a node.
            pub fn of<R>(page: $crate::store::page::Page<R>, node: impl Fn(R) -> $node) -> Self {
                let page_info = $crate::graphql::connection::PageInfo::from(&page);
                let total_count = page.total_count.unwrap_or_default();
                let mut nodes = Vec::with_capacity(page.rows.len());
                let mut edges = Vec::with_capacity(page.rows.len());
                for (cursor, row) in page.rows {
                    let node = node(row);
                    nodes.push(node.clone());
                    edges.push($edge { cursor, node });
                }
                Self {
                    edges,
                    nodes,
                    page_info,
                    total_count,
                }
            }
        }
    };
}

pub(crate) use connection;
