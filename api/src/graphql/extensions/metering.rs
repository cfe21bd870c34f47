//! Metering of every request: its cost is computed from the parsed document ([`super::cost`]);
//! the operation that runs is refused above the per-request maximum, and otherwise charged to
//! the client's bucket ([`crate::store::rate_limits`]) just before it runs. Every response that got that
//! far reports the cost and the bucket in `extensions.cost`, in the shape Shopify's throttle
//! status made familiar:
//!
//! ```json
//! { "requestedQueryCost": 301,
//!   "throttleStatus": { "maximumAvailable": 40000, "currentlyAvailable": 39699,
//!                       "restoreRate": 2000, "secondsUntilFull": 1 } }
//! ```
//!
//! A request over its bucket gets RATE_LIMITED, HTTP 429 and `Retry-After`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerResult, Value, Variables};

use super::cost;
use super::limits::too_complex;
use crate::error::{ApiError, code, request_error};
use crate::store::page::PageLimits;
use crate::store::rate_limits::{Client, RateLimiter, ThrottleStatus};

/// Cost limits and the rate limiter, shared by every request.
#[derive(Debug, Clone)]
pub struct Metering {
    /// Largest cost one operation may have.
    pub max_cost: u64,
    /// Page sizes, for connections queried without `first` or `last`.
    pub pages: PageLimits,
    /// Buckets to charge; `None` switches rate limiting off.
    pub limiter: Option<RateLimiter>,
}

impl ExtensionFactory for Metering {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(MeteredRequest {
            metering: self.clone(),
            state: Mutex::default(),
        })
    }
}

/// What one request has been measured and charged so far.
#[derive(Default)]
struct Measured {
    /// Cost of each operation of the document, by name.
    costs: HashMap<Option<String>, u64>,
    /// The cost of the operation that ran.
    cost: Option<u64>,
    /// The client's bucket after the charge.
    throttle: Option<ThrottleStatus>,
}

struct MeteredRequest {
    metering: Metering,
    state: Mutex<Measured>,
}

impl MeteredRequest {
    fn state(&self) -> std::sync::MutexGuard<'_, Measured> {
        // A poisoned lock only means another hook panicked; the numbers are still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cost of the operation that will run: the named one, or the only one.
    fn cost_of(&self, operation_name: Option<&str>) -> u64 {
        let state = self.state();
        match operation_name {
            Some(name) => state.costs.get(&Some(name.to_owned())).copied(),
            None if state.costs.len() == 1 => state.costs.values().next().copied(),
            None => None,
        }
        .unwrap_or(0)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for MeteredRequest {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let state = self.state();
        if let Some(cost) = state.cost {
            response
                .extensions
                .insert(COST_EXTENSION.to_owned(), cost_report(cost, state.throttle));
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        self.state().costs = cost::of_document(
            &ctx.schema_env.registry,
            &document,
            variables,
            self.metering.pages,
        );
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        // Checked here rather than at parse time so that only the operation that runs counts;
        // validation in between touches no data either.
        let cost = self.cost_of(operation_name);
        self.state().cost = Some(cost);
        if cost > self.metering.max_cost {
            return Response::from_errors(vec![too_complex(format!(
                "the query costs {cost} points; at most {} are allowed per request \
                 (ask for smaller pages or fewer nested lists)",
                self.metering.max_cost
            ))]);
        }
        if let (Some(limiter), Some(client)) = (&self.metering.limiter, ctx.data_opt::<Client>()) {
            let throttle = match limiter.charge(client, cost).await {
                Ok(throttle) => throttle,
                Err(error) => return Response::from_errors(vec![as_request_error(&error)]),
            };
            self.state().throttle = Some(throttle);
            if !throttle.granted {
                return rate_limited(cost, &throttle);
            }
        }
        next.run(ctx, operation_name).await
    }
}

/// A failed charge (the database is unreachable, say) as the request's one error.
fn as_request_error(error: &ApiError) -> async_graphql::ServerError {
    request_error(error.code(), error.message())
}

fn rate_limited(cost: u64, throttle: &ThrottleStatus) -> Response {
    let wait = throttle.wait_for(cost).as_secs().max(1);
    let message = format!(
        "this request costs {cost} points and {} are available; {} points come back every \
         second, so retry in {wait} s",
        throttle.currently_available, throttle.restore_rate
    );
    let mut error = request_error(code::RATE_LIMITED, message);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("retryAfterSeconds", wait);
    let mut response = Response::from_errors(vec![error]);
    if let Ok(value) = wait.to_string().parse() {
        response
            .http_headers
            .insert(axum::http::header::RETRY_AFTER, value);
    }
    response
}

/// The cost a response reports in `extensions.cost`, when it got far enough to be measured.
pub fn reported_cost(response: &Response) -> Option<u64> {
    let Value::Object(report) = response.extensions.get(COST_EXTENSION)? else {
        return None;
    };
    match report.get(REQUESTED_COST)? {
        Value::Number(cost) => cost.as_u64(),
        _ => None,
    }
}

const COST_EXTENSION: &str = "cost";
const REQUESTED_COST: &str = "requestedQueryCost";

fn cost_report(cost: u64, throttle: Option<ThrottleStatus>) -> Value {
    let mut report = async_graphql::indexmap::IndexMap::new();
    report.insert(async_graphql::Name::new(REQUESTED_COST), Value::from(cost));
    if let Some(throttle) = throttle {
        let mut status = async_graphql::indexmap::IndexMap::new();
        for (name, value) in [
            ("maximumAvailable", throttle.maximum_available),
            ("currentlyAvailable", throttle.currently_available),
            ("restoreRate", throttle.restore_rate),
            ("secondsUntilFull", throttle.seconds_until_full()),
        ] {
            status.insert(async_graphql::Name::new(name), Value::from(value));
        }
        report.insert(
            async_graphql::Name::new("throttleStatus"),
            Value::Object(status),
        );
    }
    Value::Object(report)
}
