//! The pages a person opens in a browser: the dashboard at `/` (or, asked for JSON, the list
//! of endpoints), the GraphiQL explorer at `GET /graphql`, and the schema's SDL at
//! `/schema.graphql`. In production mode introspection is off, so the explorer page says so
//! instead of waiting forever for a schema, and the SDL is not served.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::{AppState, assets};

/// Every endpoint, as `GET /` lists it: path, methods and what it is for.
const ENDPOINTS: &[(&str, &str, &str)] = &[
    (
        "/graphql",
        "GET, POST",
        "GraphQL over HTTP (GET runs queries only); a browser gets the explorer",
    ),
    (
        "/schema.graphql",
        "GET",
        "the schema in SDL, every type and field described (not in production mode)",
    ),
    ("/healthz", "GET", "the process is alive"),
    (
        "/readyz",
        "GET",
        "the database can be reached (503 when not)",
    ),
    (
        "/metrics",
        "GET",
        "Prometheus metrics: requests, latency, cost, errors, SQL statements, pool",
    ),
];

/// Whether the caller asked for JSON rather than a page.
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .unwrap_or("");
    accept.contains("json") && !accept.contains("text/html")
}

/// `GET /`: the dashboard, or with `Accept: application/json` the list of endpoints.
pub async fn root(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let mut response = if wants_json(&headers) {
        let endpoints: Vec<_> = ENDPOINTS
            .iter()
            .filter(|(path, ..)| !(state.production && *path == "/schema.graphql"))
            .map(|(path, methods, purpose)| {
                json!({ "path": path, "methods": methods, "description": purpose })
            })
            .collect();
        axum::Json(json!({
            "name": "Partnership Graph API",
            "version": env!("CARGO_PKG_VERSION"),
            "introspection": !state.production,
            "endpoints": endpoints,
        }))
        .into_response()
    } else {
        embedded_page("dashboard/index.html", &headers)
    };
    // One address, two answers: caches must keep them apart.
    response
        .headers_mut()
        .insert(header::VARY, header::HeaderValue::from_static("accept"));
    response
}

/// A page of `api/assets/`, with its security headers.
fn embedded_page(path: &str, headers: &HeaderMap) -> Response {
    match assets::find(path) {
        Some(page) => page.respond(headers),
        // Only a binary built without its assets gets here.
        None => (StatusCode::INTERNAL_SERVER_ERROR, "this build has no pages").into_response(),
    }
}

/// The explorer page (GraphiQL, served by this binary); in production mode, a page that says
/// why there is none.
pub fn explorer(production: bool, headers: &HeaderMap) -> Response {
    if production {
        return assets::secure(
            Html(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <title>Partnership Graph API</title></head><body>\
                 <h1>Introspection is off</h1>\
                 <p>This server runs in production mode (<code>PRODUCTION=true</code>), so the \
                 explorer cannot load the schema. Send queries with <code>POST /graphql</code>, or \
                 explore a development server, where introspection is on.</p></body></html>",
            )
            .into_response(),
        );
    }
    embedded_page("explorer/index.html", headers)
}

/// `GET /schema.graphql`: the SDL, or 404 in production mode.
pub async fn schema(State(state): State<AppState>) -> Response {
    match &state.published_sdl {
        Some(sdl) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            sdl.to_string(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "the schema is not published in production mode",
        )
            .into_response(),
    }
}
