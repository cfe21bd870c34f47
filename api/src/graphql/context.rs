//! What resolvers reach in the request context: the database, the request's loaders, the page
//! limits and the principal asking.

use async_graphql::Context;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::store::Database;
use crate::store::loaders::Loaders;
use crate::store::page::PageLimits;

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

/// Who is asking; a request without one is anonymous.
pub fn principal<'a>(ctx: &'a Context<'_>) -> &'a Principal {
    const ANONYMOUS: &Principal = &Principal::Anonymous;
    ctx.data_opt::<Principal>().unwrap_or(ANONYMOUS)
}
