//! The GraphQL transport: `POST /graphql` (single requests and batches) and `GET /graphql`
//! (queries only; a browser gets the explorer), each request identified for rate limits, run
//! within the request timeout with fresh loaders, and recorded in the metrics.

use std::net::SocketAddr;
use std::time::Instant;

use async_graphql::{BatchRequest, Response};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLRequest};
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

use tracing::Instrument;

use super::AppState;
use super::response::{
    Body, MediaType, ensure_error_codes, error_code_of, has_code, reply, request_error, status_of,
};
use super::{client, idempotency};
use crate::error::{code, request_error as graphql_error};
use crate::service::WriteRequest;
use crate::store::loaders::{Batches, Loaders};

/// Runs one GraphQL request for `caller`, within the request timeout, and records its metrics.
async fn run_one(
    state: &AppState,
    caller: &client::Caller,
    transport: &Transport,
    request: async_graphql::Request,
) -> Response {
    let has_persisted_hash = request.extensions.contains_key("persistedQuery");
    if request.query.trim().is_empty() && !has_persisted_hash {
        return Response::from_errors(vec![graphql_error(
            code::BAD_REQUEST,
            "the request has no query",
        )]);
    }
    let batches = Batches::default();
    let request = request
        .data(Loaders::new(&state.db, &batches, state.loader_delay))
        .data(caller.principal.clone())
        .data(transport.write.clone());
    let operation = state
        .operation_labels
        .label(request.operation_name.as_deref());
    let span = tracing::info_span!("graphql", operation = %operation);
    let started = Instant::now();
    let admitted_and_run = async {
        if !state.health.is_up() {
            return unavailable();
        }
        let Ok(_running) = state.admission.enter().await else {
            return overloaded();
        };
        // A request waiting on a database that goes away is answered as soon as the health
        // monitor notices, not when the pool gives up.
        tokio::select! {
            response = batches.drive(state.api.execute(request, &caller.client, transport.allows_mutations)) => response,
            () = state.health.went_down() => unavailable(),
        }
    };
    let execution = tokio::time::timeout(state.request_timeout, admitted_and_run);
    let mut response = match execution.instrument(span).await {
        Ok(response) => response,
        Err(_) => Response::from_errors(vec![graphql_error(
            code::TIMEOUT,
            format!(
                "the request ran longer than {} ms and was stopped",
                state.request_timeout.as_millis()
            ),
        )]),
    };
    ensure_error_codes(&mut response);
    let codes: Vec<String> = response.errors.iter().filter_map(error_code_of).collect();
    let cost = crate::graphql::extensions::metering::reported_cost(&response);
    state
        .metrics
        .observe(&operation, started.elapsed(), &codes, cost);
    response
}

/// How a request arrived: whether it may run mutations (POST), and what its audit entries
/// record of it.
#[derive(Debug, Clone, Default)]
struct Transport {
    allows_mutations: bool,
    write: WriteRequest,
}

impl Transport {
    fn of(headers: &HeaderMap, allows_mutations: bool) -> Self {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            allows_mutations,
            write: WriteRequest {
                request_id: header("x-request-id"),
                idempotency_key: header("idempotency-key"),
            },
        }
    }
}

/// Runs a single request or a batch and answers it.
async fn execute(
    state: &AppState,
    media: MediaType,
    caller: &client::Caller,
    transport: &Transport,
    batch: BatchRequest,
) -> axum::response::Response {
    match batch {
        BatchRequest::Single(request) => {
            let mut response = run_one(state, caller, transport, request).await;
            let status = status_of(&response, media);
            let headers = std::mem::take(&mut response.http_headers);
            // A request error produced no data: the graphql-response media type leaves `data`
            // out rather than sending null.
            let body = serde_json::to_vec(&Body::of(&response, status == StatusCode::OK));
            reply(status, media, body, headers)
        }
        BatchRequest::Batch(requests) => {
            if requests.is_empty() || requests.len() > state.max_batch_operations {
                let message = format!(
                    "a batch holds {} operations; between 1 and {} are allowed",
                    requests.len(),
                    state.max_batch_operations
                );
                return request_error(StatusCode::BAD_REQUEST, media, code::BAD_REQUEST, &message);
            }
            // One after another: a batch costs its client time, not the server parallelism.
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                responses.push(run_one(state, caller, transport, request).await);
            }
            let mut headers = HeaderMap::new();
            for response in &mut responses {
                headers.extend(std::mem::take(&mut response.http_headers));
            }
            let status = if responses.iter().all(|r| has_code(r, code::RATE_LIMITED)) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::OK
            };
            let bodies: Vec<Body<'_>> = responses.iter().map(|r| Body::of(r, true)).collect();
            reply(status, media, serde_json::to_vec(&bodies), headers)
        }
    }
}

/// The caller of a request with these headers from `peer`, unless it sent credentials that
/// are not in force. Takes the headers rather than the request: the body is not `Sync`.
pub(super) async fn caller_of(
    state: &AppState,
    headers: HeaderMap,
    peer: Option<SocketAddr>,
) -> Result<client::Caller, client::Unidentified> {
    let identities = client::Identities {
        keys: &state.api_keys,
        tokens: state.tokens.as_deref(),
        db: &state.db,
        trust_forwarded_for: state.trust_forwarded_for,
    };
    client::identify(&headers, peer, identities).await
}

/// The network peer of `request`.
pub(super) fn peer_of(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

/// 401 UNAUTHENTICATED with a `WWW-Authenticate` challenge, saying why the credentials were
/// refused (503 when they could not be checked); nothing runs.
pub(super) fn unidentified(
    media: MediaType,
    why: client::Unidentified,
) -> axum::response::Response {
    let (challenge, reason) = match why {
        client::Unidentified::Refused { challenge, reason } => (challenge, reason),
        client::Unidentified::Unavailable => {
            let error = crate::error::ApiError::Unavailable;
            let mut response = request_error(
                StatusCode::SERVICE_UNAVAILABLE,
                media,
                error.code(),
                &error.message(),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return response;
        }
    };
    let message = format!("{reason}; leave the credentials out to call anonymously");
    let mut response = request_error(
        StatusCode::UNAUTHORIZED,
        media,
        code::UNAUTHENTICATED,
        &message,
    );
    let value = match challenge {
        client::Challenge::ApiKey => HeaderValue::from_static("ApiKey header=\"X-API-Key\""),
        // RFC 6750: the error description is a quoted string, so quotes and backslashes go.
        client::Challenge::Bearer => HeaderValue::from_str(&format!(
            "Bearer realm=\"partnership-graph\", error=\"invalid_token\", error_description=\"{}\"",
            reason.replace(['"', '\\'], "'")
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer realm=\"partnership-graph\"")),
    };
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, value);
    response
}

pub async fn graphql_post(
    State(state): State<AppState>,
    request: Request,
) -> axum::response::Response {
    let media = MediaType::negotiate(request.headers());
    let peer = peer_of(&request);
    let caller = match caller_of(&state, request.headers().clone(), peer).await {
        Ok(caller) => caller,
        Err(why) => return unidentified(media, why),
    };
    let transport = Transport::of(request.headers(), true);
    let key = match idempotency::key_of(request.headers()) {
        Ok(key) => key,
        Err(invalid) => return invalid.response(media),
    };
    let Some(key) = key else {
        return match batch_of(&state, request).await {
            Ok(batch) => execute(&state, media, &caller, &transport, batch).await,
            Err(message) => {
                request_error(StatusCode::BAD_REQUEST, media, code::BAD_REQUEST, &message)
            }
        };
    };
    // With a key, the body is read first: its hash tells a repeat from a different request.
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        let message = "the request body could not be read";
        return request_error(StatusCode::BAD_REQUEST, media, code::BAD_REQUEST, message);
    };
    let request = Request::from_parts(parts, axum::body::Body::from(bytes.clone()));
    let batch = match batch_of(&state, request).await {
        Ok(batch) => batch,
        Err(message) => {
            return request_error(StatusCode::BAD_REQUEST, media, code::BAD_REQUEST, &message);
        }
    };
    if !idempotency::may_write(&batch) {
        return execute(&state, media, &caller, &transport, batch).await;
    }
    let holder = caller.client.bucket_key();
    idempotency::once(&state, media, &holder, &key, &bytes, || {
        execute(&state, media, &caller, &transport, batch)
    })
    .await
}

/// The GraphQL request or batch in a POST body, or why there is none.
async fn batch_of(state: &AppState, request: Request) -> Result<BatchRequest, String> {
    <GraphQLBatchRequest as FromRequest<AppState>>::from_request(request, state)
        .await
        .map(GraphQLBatchRequest::into_inner)
        .map_err(|rejection| format!("the request body is not a GraphQL request: {}", rejection.0))
}

/// A WebSocket upgrade gets [`super::subscriptions`]; a browser asking for HTML gets the
/// explorer; anything else is a GraphQL GET request, which
/// may only run queries.
pub async fn graphql_get(
    State(state): State<AppState>,
    request: Request,
) -> axum::response::Response {
    if super::subscriptions::is_upgrade(request.headers()) {
        return super::subscriptions::upgrade(state, request).await;
    }
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .unwrap_or("");
    let wants_explorer =
        accept.contains("text/html") && request.uri().query().is_none_or(|q| !q.contains("query="));
    if wants_explorer {
        return super::pages::explorer(state.production, request.headers());
    }
    let media = MediaType::negotiate(request.headers());
    let peer = peer_of(&request);
    let caller = match caller_of(&state, request.headers().clone(), peer).await {
        Ok(caller) => caller,
        Err(why) => return unidentified(media, why),
    };
    let transport = Transport::of(request.headers(), false);
    let request =
        match <GraphQLRequest as FromRequest<AppState>>::from_request(request, &state).await {
            Ok(request) => request.into_inner(),
            Err(rejection) => {
                let message = format!("the query string is not a GraphQL request: {}", rejection.0);
                return request_error(StatusCode::BAD_REQUEST, media, code::BAD_REQUEST, &message);
            }
        };
    execute(
        &state,
        media,
        &caller,
        &transport,
        BatchRequest::Single(request),
    )
    .await
}

/// The database cannot be reached: SERVICE_UNAVAILABLE, with no internals.
fn unavailable() -> Response {
    let error = crate::error::ApiError::Unavailable;
    Response::from_errors(vec![graphql_error(error.code(), error.message())])
}

/// Every place to run and every place in the queue is taken: HTTP 503, OVERLOADED and
/// `Retry-After`, so clients back off instead of piling on.
fn overloaded() -> Response {
    let mut response = Response::from_errors(vec![graphql_error(
        code::OVERLOADED,
        "the server is at capacity and its queue is full; retry in a second",
    )]);
    response
        .http_headers
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}
