//! Metering of every request: its cost is computed from the parsed document ([`super::cost`]);
//! the operation that runs is refused above the per-request maximum, and otherwise charged to
//! the client's bucket ([`crate::store::rate_limits`]) just before it runs. Every response that
//! got that far reports the cost and the bucket in `extensions.cost`, in the shape Shopify's
//! throttle status made familiar:
//!
//! ```json
//! { "requestedQueryCost": 301,
//!   "throttleStatus": { "maximumAvailable": 40000, "currentlyAvailable": 39699,
//!                       "restoreRate": 2000, "secondsUntilFull": 1 } }
//! ```
//!
//! A request over its bucket gets RATE_LIMITED, HTTP 429 and `Retry-After`.

use std::collections::HashMap;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::registry::Registry;
use async_graphql::{Response, ServerError, Value, Variables};

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

/// What a request was measured and charged.
#[derive(Debug, Clone, Copy)]
pub struct Charge {
    /// The cost of the operation that runs.
    pub cost: u64,
    /// The client's bucket after the charge, when rate limiting is on.
    pub throttle: Option<ThrottleStatus>,
}

impl Charge {
    /// Adds the cost report to `response`.
    pub fn report(&self, response: &mut Response) {
        response.extensions.insert(
            COST_EXTENSION.to_owned(),
            cost_report(self.cost, self.throttle),
        );
    }
}

/// The cost of the operation that will run: the named one, or the only one.
fn cost_of(costs: &HashMap<Option<String>, u64>, operation_name: Option<&str>) -> u64 {
    match operation_name {
        Some(name) => costs.get(&Some(name.to_owned())).copied(),
        None if costs.len() == 1 => costs.values().next().copied(),
        None => None,
    }
    .unwrap_or(0)
}

impl Metering {
    /// Measures the operation of `document` that runs, refuses it above the cost limit, and
    /// charges it to `client`'s bucket. On refusal, the response to send instead (with the
    /// cost report).
    pub async fn charge(
        &self,
        registry: &Registry,
        document: &ExecutableDocument,
        variables: &Variables,
        operation_name: Option<&str>,
        client: &Client,
    ) -> Result<Charge, Response> {
        let costs = cost::of_document(registry, document, variables, self.pages);
        let mut charge = Charge {
            cost: cost_of(&costs, operation_name),
            throttle: None,
        };
        let cost = charge.cost;
        if cost > self.max_cost {
            let mut response = Response::from_errors(vec![too_complex(format!(
                "the query costs {cost} points; at most {} are allowed per request \
                 (ask for smaller pages or fewer nested lists)",
                self.max_cost
            ))]);
            charge.report(&mut response);
            return Err(response);
        }
        if let Some(limiter) = &self.limiter {
            let throttle = match limiter.charge(client, cost).await {
                Ok(throttle) => throttle,
                Err(error) => return Err(Response::from_errors(vec![as_request_error(&error)])),
            };
            charge.throttle = Some(throttle);
            if !throttle.granted {
                let mut response = rate_limited(cost, &throttle);
                charge.report(&mut response);
                return Err(response);
            }
        }
        Ok(charge)
    }
}

/// A failed charge (the database is unreachable, say) as the request's one error.
fn as_request_error(error: &ApiError) -> ServerError {
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
