//! HTTP routes: `POST /graphql` and `GET /graphql` for the API (a browser's `GET /graphql` gets
//! the GraphiQL explorer), `GET /healthz` (the process is alive) and `GET /readyz` (the
//! database answers).

pub mod client;

use std::net::SocketAddr;

use async_graphql::http::GraphiQLSource;
use async_graphql::{BatchRequest, BatchResponse, Response, ServerError};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLRequest};
use axum::Router;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tracing::Instrument;

use crate::db::{self, StatementCounter};
use crate::error::{code, request_error as graphql_error};
use crate::graphql::ApiSchema;
use crate::graphql::common::Viewer;
use crate::graphql::loaders::Loaders;
use crate::metrics::{Metrics, operation_label};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub schema: ApiSchema,
    pub db: DatabaseConnection,
    /// How long a DataLoader waits to collect keys before it queries.
    pub loader_delay: Duration,
    /// How long one GraphQL request may run.
    pub request_timeout: Duration,
    /// Prometheus metrics of this process.
    pub metrics: Metrics,
    /// Every SQL statement run, for the metrics.
    pub statements: StatementCounter,
    /// Known API keys, to tell callers apart for rate limits.
    pub api_keys: client::ApiKeys,
    /// Take the caller's address from `X-Forwarded-For` (behind a trusted proxy only).
    pub trust_forwarded_for: bool,
    /// Most operations in one batched request.
    pub max_batch_operations: usize,
}

/// All routes of the server; request bodies over `max_body_bytes` get 413, and browsers may
/// call from `cors_origins` only.
pub fn router(state: AppState, max_body_bytes: usize, cors_origins: &[String]) -> Router {
    Router::new()
        .route(
            "/graphql",
            get(graphql_get)
                .post(graphql_post)
                .layer(middleware::from_fn(prevent_csrf)),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(RequestBodyLimitLayer::new(max_body_bytes))
        .layer(cors(cors_origins))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Headers that make a browser send a CORS preflight before the request itself.
const PREFLIGHT_HEADERS: [&str; 2] = ["apollo-require-preflight", "x-apollo-operation-name"];

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter(|o| !o.is_empty())
        .filter_map(|o| o.parse().ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers(
            [
                header::CONTENT_TYPE,
                header::ACCEPT,
                header::HeaderName::from_static(client::API_KEY_HEADER),
            ]
            .into_iter()
            .chain(
                PREFLIGHT_HEADERS
                    .iter()
                    .map(|h| header::HeaderName::from_static(h)),
            )
            .collect::<Vec<_>>(),
        )
}

/// CSRF protection: a POST whose content type a plain HTML form or `fetch` without preflight can
/// send (or none at all) must carry a header that forces a preflight; otherwise another site
/// could make a visitor's browser send it. JSON bodies already force a preflight.
async fn prevent_csrf(request: Request, next: Next) -> axum::response::Response {
    let simple_content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_none_or(|v| {
            matches!(
                v.as_str(),
                "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data"
            )
        });
    let forces_preflight = PREFLIGHT_HEADERS
        .iter()
        .any(|h| request.headers().contains_key(*h));
    if request.method() == Method::POST && simple_content_type && !forces_preflight {
        let body = serde_json::json!({ "errors": [{
            "message": "send the request as application/json, or add an apollo-require-preflight header",
            "extensions": { "code": code::BAD_REQUEST },
        }] });
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    next.run(request).await
}

/// The media type a response is sent as, chosen from the request's `Accept` header as the
/// GraphQL-over-HTTP specification describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    /// `application/graphql-response+json`: request errors get 400 and no `data` entry.
    GraphqlResponse,
    /// `application/json` (also for `*/*` or no `Accept`): every executed request gets 200.
    Json,
}

impl MediaType {
    fn negotiate(headers: &HeaderMap) -> Self {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if accept.contains(GRAPHQL_RESPONSE_JSON) {
            Self::GraphqlResponse
        } else {
            Self::Json
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// A response that is only errors, with `status`, as a body any GraphQL client can read.
fn request_error(
    status: StatusCode,
    media: MediaType,
    code: &str,
    message: &str,
) -> axum::response::Response {
    let body =
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [(header::CONTENT_TYPE, media.content_type())],
        body.to_string(),
    )
        .into_response()
}

/// True when the document's selected operation (or any, without a name) is a mutation.
fn is_mutation(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    match &document.operations {
        DocumentOperations::Single(operation) => operation.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(operations) => operations.iter().any(|(name, operation)| {
            operation.node.ty == OperationType::Mutation
                && request
                    .operation_name
                    .as_deref()
                    .is_none_or(|wanted| wanted == name.as_str())
        }),
    }
}

/// Runs one GraphQL request for `caller`, within the request timeout, and records its metrics.
async fn run_one(
    state: &AppState,
    caller: &crate::rate_limit::Client,
    request: async_graphql::Request,
) -> Response {
    let has_persisted_hash = request.extensions.contains_key("persistedQuery");
    if request.query.trim().is_empty() && !has_persisted_hash {
        return Response::from_errors(vec![graphql_error(
            code::BAD_REQUEST,
            "the request has no query",
        )]);
    }
    let request = request
        .data(Loaders::new(&state.db, state.loader_delay))
        .data(Viewer::Anonymous)
        .data(caller.clone());
    let operation = operation_label(request.operation_name.as_deref()).to_owned();
    let span = tracing::info_span!("graphql", operation = %operation);
    let started = Instant::now();
    let execution = tokio::time::timeout(state.request_timeout, state.schema.execute(request));
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
    let cost = crate::graphql::metering::reported_cost(&response);
    state
        .metrics
        .observe(&operation, started.elapsed(), &codes, cost);
    response
}

fn error_code_of(error: &ServerError) -> Option<String> {
    match error.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code.clone()),
        _ => None,
    }
}

fn has_code(response: &Response, wanted: &str) -> bool {
    response
        .errors
        .iter()
        .any(|e| error_code_of(e).as_deref() == Some(wanted))
}

/// The HTTP status of a single response: 429 when rate-limited; with the graphql-response media
/// type, 400 for a request error (no data at all); otherwise 200.
fn status_of(response: &Response, media: MediaType) -> StatusCode {
    let request_failed = response.data == async_graphql::Value::Null && !response.errors.is_empty();
    if has_code(response, code::RATE_LIMITED) {
        StatusCode::TOO_MANY_REQUESTS
    } else if request_failed
        && (media == MediaType::GraphqlResponse || has_code(response, code::BAD_REQUEST))
    {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// Serializes `body` with `status`, plus the headers the responses asked for (`Retry-After`).
fn reply(
    status: StatusCode,
    media: MediaType,
    body: Result<serde_json::Value, serde_json::Error>,
    headers: HeaderMap,
) -> axum::response::Response {
    let body = match body {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "cannot serialize a response");
            return request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                media,
                code::INTERNAL,
                "internal error",
            );
        }
    };
    let mut response = (
        status,
        [(header::CONTENT_TYPE, media.content_type())],
        body.to_string(),
    )
        .into_response();
    response.headers_mut().extend(headers);
    response
}

/// Runs a single request or a batch and answers it.
async fn execute(
    state: &AppState,
    media: MediaType,
    caller: &crate::rate_limit::Client,
    batch: BatchRequest,
) -> axum::response::Response {
    match batch {
        BatchRequest::Single(request) => {
            let mut response = run_one(state, caller, request).await;
            let status = status_of(&response, media);
            let headers = std::mem::take(&mut response.http_headers);
            let mut body = serde_json::to_value(&response);
            // A request error produced no data: the graphql-response media type leaves `data`
            // out rather than sending null.
            if status != StatusCode::OK
                && let Ok(serde_json::Value::Object(object)) = &mut body
            {
                object.remove("data");
            }
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
                responses.push(run_one(state, caller, request).await);
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
            let body = serde_json::to_value(BatchResponse::Batch(responses));
            reply(status, media, body, headers)
        }
    }
}

/// The caller of `request`, unless it sent an unknown API key.
fn caller_of(
    state: &AppState,
    request: &Request,
) -> Result<crate::rate_limit::Client, client::UnknownApiKey> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    client::identify(
        request.headers(),
        peer,
        &state.api_keys,
        state.trust_forwarded_for,
    )
}

fn unknown_api_key(media: MediaType) -> axum::response::Response {
    request_error(
        StatusCode::UNAUTHORIZED,
        media,
        code::UNAUTHENTICATED,
        "the API key is not known; leave the header out to call without one",
    )
}

async fn graphql_post(State(state): State<AppState>, request: Request) -> axum::response::Response {
    let media = MediaType::negotiate(request.headers());
    let Ok(caller) = caller_of(&state, &request) else {
        return unknown_api_key(media);
    };
    match <GraphQLBatchRequest as FromRequest<AppState>>::from_request(request, &state).await {
        Ok(batch) => execute(&state, media, &caller, batch.into_inner()).await,
        Err(rejection) => {
            let message = format!("the request body is not a GraphQL request: {}", rejection.0);
            request_error(StatusCode::BAD_REQUEST, media, code::BAD_REQUEST, &message)
        }
    }
}

/// A browser asking for HTML gets the explorer; anything else is a GraphQL GET request, which
/// may only run queries.
async fn graphql_get(State(state): State<AppState>, request: Request) -> axum::response::Response {
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .unwrap_or("");
    let wants_explorer =
        accept.contains("text/html") && request.uri().query().is_none_or(|q| !q.contains("query="));
    if wants_explorer {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("Partnership Graph API")
                .finish(),
        )
        .into_response();
    }
    let media = MediaType::negotiate(request.headers());
    let Ok(caller) = caller_of(&state, &request) else {
        return unknown_api_key(media);
    };
    let request =
        match <GraphQLRequest as FromRequest<AppState>>::from_request(request, &state).await {
            Ok(request) => request.into_inner(),
            Err(rejection) => {
                let message = format!("the query string is not a GraphQL request: {}", rejection.0);
                return request_error(StatusCode::BAD_REQUEST, media, code::BAD_REQUEST, &message);
            }
        };
    if is_mutation(&request) {
        let mut response = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            code::BAD_REQUEST,
            "mutations are only accepted over POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(&state, media, &caller, BatchRequest::Single(request)).await
}

/// Gives every error an `extensions.code`. Resolver errors carry theirs already; what is left
/// comes from async-graphql itself: parse and validation errors (no data was produced), and
/// argument or variable values that do not fit their type, which are the caller's input errors.
fn ensure_error_codes(response: &mut Response) {
    let executed = response.data != async_graphql::Value::Null;
    for error in &mut response.errors {
        if error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some())
        {
            continue;
        }
        let code = error_code(error, executed);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

fn error_code(error: &ServerError, executed: bool) -> &'static str {
    const LIMITS: [&str; 4] = [
        "Query is too complex",
        "Query is nested too deep",
        "The number of directives",
        "The recursion depth of the query",
    ];
    if LIMITS.iter().any(|limit| error.message.starts_with(limit)) {
        code::QUERY_TOO_COMPLEX
    } else if error.message == "PersistedQueryNotFound" {
        code::PERSISTED_QUERY_NOT_FOUND
    } else if executed
        || !error.path.is_empty()
        || error.message.starts_with("Invalid value for argument")
    {
        code::BAD_USER_INPUT
    } else if error.message.contains("-->") || error.message.starts_with("Parse error") {
        code::GRAPHQL_PARSE_FAILED
    } else {
        code::GRAPHQL_VALIDATION_FAILED
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let body = state.metrics.render(&state.db, &state.statements);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if db::is_reachable(&state.db).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
