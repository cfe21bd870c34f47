//! Cross-origin protection: the CORS allow-list, and CSRF prevention for POSTs a browser could
//! send from another site without a preflight.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::IntoResponse;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::client;
use crate::error::code;

/// Headers that make a browser send a CORS preflight before the request itself.
pub const PREFLIGHT_HEADERS: [&str; 2] = ["apollo-require-preflight", "x-apollo-operation-name"];

pub fn cors(origins: &[String]) -> CorsLayer {
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
                header::AUTHORIZATION,
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
pub async fn prevent_csrf(request: Request, next: Next) -> axum::response::Response {
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
