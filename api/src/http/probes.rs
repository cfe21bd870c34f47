//! Probes and metrics: `GET /healthz` (the process is alive), `GET /readyz` (the database
//! answers) and `GET /metrics` (Prometheus).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::AppState;
use crate::store::database as db;

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let body = state
        .metrics
        .render(db::pool_stats(&state.db), state.statements.get());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.health.is_up() && db::is_reachable(&state.db).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
