//! `Idempotency-Key` on POST: a request that runs a mutation with a key runs once per caller
//! and key; a repeat with the same body gets the stored response, a repeat with another body
//! gets 422 IDEMPOTENCY_KEY_REUSED, and a repeat that arrives while the first still runs
//! waits for its response. Keys live in the database (see [`crate::store::idempotency`]), so
//! every replica honours them; they are kept for a day.

use std::time::{Duration, Instant};

use async_graphql::BatchRequest;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::AppState;
use super::response::{MediaType, request_error};
use crate::error::code;
use crate::store::idempotency::{self, Reservation};

/// The header's name.
pub const HEADER: &str = "idempotency-key";

/// Longest key accepted.
pub const MAX_KEY_LENGTH: usize = 255;

/// How often a repeat checks whether the first request has finished.
const POLL: Duration = Duration::from_millis(50);

/// A key that is empty, too long or not text.
#[derive(Debug)]
pub struct InvalidKey;

impl InvalidKey {
    /// 400 BAD_REQUEST, saying what a key must be.
    pub fn response(&self, media: MediaType) -> Response {
        request_error(
            StatusCode::BAD_REQUEST,
            media,
            code::BAD_REQUEST,
            &format!(
                "the Idempotency-Key header must hold 1 to {MAX_KEY_LENGTH} visible ASCII characters"
            ),
        )
    }
}

/// The key a request carries, if any.
pub fn key_of(headers: &HeaderMap) -> Result<Option<String>, InvalidKey> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if !key.is_empty() && key.len() <= MAX_KEY_LENGTH => Ok(Some(key.to_owned())),
        _ => Err(InvalidKey),
    }
}

/// Whether running `batch` may write: a document with a mutation, or one sent only as a
/// persisted-query hash (its text is not known here).
pub fn may_write(batch: &BatchRequest) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    batch.iter().any(|request| {
        if request.query.trim().is_empty() {
            return true;
        }
        let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
            return false;
        };
        match &document.operations {
            DocumentOperations::Single(operation) => operation.node.ty == OperationType::Mutation,
            DocumentOperations::Multiple(operations) => operations
                .values()
                .any(|operation| operation.node.ty == OperationType::Mutation),
        }
    })
}

/// Runs `run` at most once for `caller`'s `key` and this `body`; repeats get its response.
pub async fn once<F, Fut>(
    state: &AppState,
    media: MediaType,
    caller: &str,
    key: &str,
    body: &Bytes,
    run: F,
) -> Response
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Response>,
{
    let hash = hex(&Sha256::digest(body));
    let deadline = Instant::now() + state.request_timeout;
    loop {
        let reservation = match idempotency::reserve(&state.db, caller, key, &hash).await {
            Ok(reservation) => reservation,
            Err(error) => {
                tracing::warn!(%error, "cannot reserve an idempotency key");
                return request_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    media,
                    code::SERVICE_UNAVAILABLE,
                    "the database is unavailable; try again shortly",
                );
            }
        };
        match reservation {
            Reservation::Reserved => return run_and_store(state, caller, key, run).await,
            Reservation::Replay { status, body } => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return (status, [(header::CONTENT_TYPE, media.content_type())], body)
                    .into_response();
            }
            Reservation::Mismatch => {
                return request_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    media,
                    code::IDEMPOTENCY_KEY_REUSED,
                    "this Idempotency-Key was used for a different request; use a new key for a new request",
                );
            }
            Reservation::Running if Instant::now() < deadline => tokio::time::sleep(POLL).await,
            Reservation::Running => {
                return request_error(
                    StatusCode::CONFLICT,
                    media,
                    code::BAD_REQUEST,
                    "a request with this Idempotency-Key is still running; retry shortly",
                );
            }
        }
    }
}

/// Runs the request and stores its response, unless the server failed (5xx): then the key is
/// freed so the client may retry.
async fn run_and_store<F, Fut>(state: &AppState, caller: &str, key: &str, run: F) -> Response
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Response>,
{
    let response = run().await;
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let stored = if parts.status.is_server_error() {
        idempotency::release(&state.db, caller, key).await
    } else {
        let text = String::from_utf8_lossy(&bytes);
        idempotency::complete(&state.db, caller, key, parts.status.as_u16(), &text).await
    };
    if let Err(error) = stored {
        tracing::warn!(%error, "cannot store the response of an idempotent request");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
