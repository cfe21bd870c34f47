//! The request body limit. A body over `MAX_BODY_BYTES` is answered with HTTP 413 and a
//! GraphQL-over-HTTP error (`PAYLOAD_TOO_LARGE`), but only after the body has been read and
//! thrown away (up to [`DRAIN_LIMIT`]): a client that sends its whole body before reading the
//! answer, as browsers' `fetch` and Python's urllib do, would otherwise see the connection
//! reset instead of the 413. Past the drain limit the connection is closed.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;

use super::response::{MediaType, request_error};
use crate::error::code;

/// The most of an oversized body read and discarded before answering.
pub const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// Reads at most `max` bytes of the request body; a longer body is drained and refused.
pub async fn limit_body(State(max): State<usize>, request: Request, next: Next) -> Response {
    let media = MediaType::negotiate(request.headers());
    let (parts, body) = request.into_parts();
    let mut stream = body.into_data_stream();
    let mut kept: Vec<u8> = Vec::new();
    let mut seen: usize = 0;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            let mut response = request_error(
                StatusCode::BAD_REQUEST,
                media,
                code::BAD_REQUEST,
                "the request body could not be read",
            );
            close(&mut response);
            return response;
        };
        seen = seen.saturating_add(chunk.len());
        if seen <= max {
            kept.extend_from_slice(&chunk);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen > max {
        let message = format!("the request body is over {max} bytes");
        let mut response = request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            media,
            code::PAYLOAD_TOO_LARGE,
            &message,
        );
        if seen > DRAIN_LIMIT {
            close(&mut response);
        }
        return response;
    }
    next.run(Request::from_parts(parts, Body::from(kept))).await
}

/// Asks the client to open a new connection for its next request.
fn close(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}
