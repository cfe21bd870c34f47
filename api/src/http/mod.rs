//! HTTP routes: `POST /graphql` and `GET /graphql` for the API (a browser's `GET /graphql` gets
//! the GraphiQL explorer), `GET /healthz` (the process is alive) and `GET /readyz` (the
//! database answers).

use async_graphql::http::GraphiQLSource;
use async_graphql::{Response, ServerError};
use async_graphql_axum::GraphQLRequest;
use axum::Router;
use axum::extract::{FromRequest, Request, State};
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
use crate::error::code;
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
            [header::CONTENT_TYPE, header::ACCEPT]
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

async fn execute(
    state: &AppState,
    media: MediaType,
    request: async_graphql::Request,
) -> axum::response::Response {
    let has_persisted_hash = request.extensions.contains_key("persistedQuery");
    if request.query.trim().is_empty() && !has_persisted_hash {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            code::BAD_REQUEST,
            "the request has no query",
        );
    }
    let request = request
        .data(Loaders::new(&state.db, state.loader_delay))
        .data(Viewer::Anonymous);
    let operation = operation_label(request.operation_name.as_deref()).to_owned();
    let span = tracing::info_span!("graphql", operation = %operation);
    let started = Instant::now();
    let execution = tokio::time::timeout(state.request_timeout, state.schema.execute(request));
    let mut response = match execution.instrument(span).await {
        Ok(response) => response,
        Err(_) => {
            let message = format!(
                "the request ran longer than {} ms and was stopped",
                state.request_timeout.as_millis()
            );
            let mut error = ServerError::new(message, None);
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", code::TIMEOUT);
            Response::from_errors(vec![error])
        }
    };
    ensure_error_codes(&mut response);
    let codes: Vec<String> = response
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref().and_then(|x| x.get("code")))
        .map(|code| code.to_string().trim_matches('"').to_owned())
        .collect();
    state.metrics.observe(&operation, started.elapsed(), &codes);

    // A request error (the document did not parse or validate, or its variables did not fit)
    // produced no data at all: the graphql-response media type reports it as 400 without `data`.
    let request_failed = response.data == async_graphql::Value::Null && !response.errors.is_empty();
    let mut body = match serde_json::to_value(&response) {
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
    let status = if request_failed && media == MediaType::GraphqlResponse {
        if let Some(object) = body.as_object_mut() {
            object.remove("data");
        }
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (
        status,
        [(header::CONTENT_TYPE, media.content_type())],
        body.to_string(),
    )
        .into_response()
}

async fn graphql_post(State(state): State<AppState>, request: Request) -> axum::response::Response {
    let media = MediaType::negotiate(request.headers());
    match <GraphQLRequest as FromRequest<AppState>>::from_request(request, &state).await {
        Ok(request) => execute(&state, media, request.into_inner()).await,
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
    execute(&state, media, request).await
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
