//! HTTP, split by concern: [`graphql`] (the GraphQL transport), [`pages`] (the dashboard,
//! the explorer and the SDL), [`assets`] (the files those pages load), [`subscriptions`] (GraphQL over WebSocket), [`response`] (media types, statuses and error shapes), [`csrf`]
//! (CORS and CSRF), [`probes`] (health, readiness and metrics), [`client`] (who is calling) and
//! [`metrics`] (what is counted).

pub mod admission;
pub mod assets;
pub mod body_limit;
pub mod client;
pub mod csrf;
pub mod export;
pub mod graphql;
pub mod idempotency;
pub mod import;
pub mod metrics;
pub mod pages;
pub mod probes;
pub mod response;
pub mod subscriptions;

use std::time::Duration;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::store::Database;
use crate::store::database::StatementCounter;
use metrics::Metrics;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub api: crate::graphql::Api,
    pub db: Database,
    /// How long a DataLoader batch waits before it queries.
    pub loader_delay: Duration,
    /// How long one GraphQL request may run.
    pub request_timeout: Duration,
    /// Prometheus metrics of this process.
    pub metrics: Metrics,
    /// Which operation names get a metrics label of their own.
    pub operation_labels: metrics::OperationLabels,
    /// Every SQL statement run, for the metrics.
    pub statements: StatementCounter,
    /// Known API keys, to tell callers apart for rate limits.
    pub api_keys: crate::auth::keys::ApiKeys,
    /// Verifies bearer tokens; `None` when they are off.
    pub tokens: Option<std::sync::Arc<crate::auth::tokens::Tokens>>,
    /// Take the caller's address from `X-Forwarded-For` (behind a trusted proxy only).
    pub trust_forwarded_for: bool,
    /// Most operations in one batched request.
    pub max_batch_operations: usize,
    /// How many requests run at once, and how many may wait.
    pub admission: admission::Admission,
    /// Whether the database can be reached.
    pub health: crate::store::database::DatabaseHealth,
    /// Production mode: no introspection, so no explorer and no published SDL.
    pub production: bool,
    /// The SDL served at `/schema.graphql`, rendered once at start; none in production mode.
    pub published_sdl: Option<std::sync::Arc<str>>,
}

/// All routes of the server; request bodies over `max_body_bytes` get 413, and browsers may
/// call from `cors_origins` only.
pub fn router(state: AppState, max_body_bytes: usize, cors_origins: &[String]) -> Router {
    Router::new()
        .route("/", get(pages::root))
        .route("/schema.graphql", get(pages::schema))
        .route(
            "/assets/{*path}",
            get(assets::asset).layer(tower_http::compression::CompressionLayer::new()),
        )
        .route(
            "/graphql",
            get(graphql::graphql_get)
                .post(graphql::graphql_post)
                .layer(middleware::from_fn(csrf::prevent_csrf)),
        )
        .route(
            "/export",
            get(export::export).layer(tower_http::compression::CompressionLayer::new()),
        )
        .route("/healthz", get(probes::healthz))
        .route("/readyz", get(probes::readyz))
        .route("/metrics", get(probes::metrics))
        .layer(middleware::from_fn_with_state(
            max_body_bytes,
            body_limit::limit_body,
        ))
        // Read line by line as it arrives, so not held to the body limit.
        .route(
            "/import",
            post(import::import).layer(tower_http::decompression::RequestDecompressionLayer::new()),
        )
        .layer(csrf::cors(cors_origins))
        .layer(TraceLayer::new_for_http())
        // Every request gets an `x-request-id` (the caller's, or a new UUID), echoed in the
        // response and recorded with the changes it makes.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
