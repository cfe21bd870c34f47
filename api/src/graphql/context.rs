//! What resolvers reach in the request context: the database, the request's loaders, the page
//! limits and the viewer.

use async_graphql::Context;

use crate::error::{ApiError, ApiResult};
use crate::store::Database;
use crate::store::loaders::Loaders;
use crate::store::page::PageLimits;

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

pub fn db<'a>(ctx: &'a Context<'_>) -> ApiResult<&'a Database> {
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
