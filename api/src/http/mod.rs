//! HTTP routes: `POST /graphql` and `GET /graphql` for the API (a browser's `GET /graphql` gets
//! the GraphiQL explorer), `GET /healthz` (the process is alive) and `GET /readyz` (the
//! database answers).

use async_graphql::http::GraphiQLSource;
use async_graphql::{Response, ServerError};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
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

async fn execute(state: &AppState, request: GraphQLRequest) -> GraphQLResponse {
    let request = request
        .into_inner()
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
    response.into()
}

async fn graphql_post(State(state): State<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    execute(&state, request).await
}

/// A browser asking for HTML gets the explorer; anything else is a GraphQL GET request.
async fn graphql_get(State(state): State<AppState>, request: Request) -> axum::response::Response {
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("Partnership Graph API")
                .finish(),
        )
        .into_response();
    }
    match GraphQLRequest::from_request(request, &state).await {
        Ok(request) => execute(&state, request).await.into_response(),
        Err(rejection) => rejection.into_response(),
    }
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
    const LIMITS: [&str; 3] = [
        "Query is too complex",
        "Query is nested too deep",
        "The number of directives",
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
