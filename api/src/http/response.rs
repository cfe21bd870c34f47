//! Response shaping under GraphQL over HTTP: the media type negotiated from `Accept`, the HTTP
//! status of a response, error-only bodies, and an `extensions.code` on every error.

use async_graphql::{Response, ServerError};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;

use crate::error::{ApiError, code};

/// The media type a response is sent as, chosen from the request's `Accept` header as the
/// GraphQL-over-HTTP specification describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: request errors get 400 and no `data` entry.
    GraphqlResponse,
    /// `application/json` (also for `*/*` or no `Accept`): every executed request gets 200.
    Json,
}

impl MediaType {
    pub fn negotiate(headers: &HeaderMap) -> Self {
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

    pub fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// A response that is only errors, with `status`, as a body any GraphQL client can read.
pub fn request_error(
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

pub fn error_code_of(error: &ServerError) -> Option<String> {
    match error.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code.clone()),
        _ => None,
    }
}

pub fn has_code(response: &Response, wanted: &str) -> bool {
    response
        .errors
        .iter()
        .any(|e| error_code_of(e).as_deref() == Some(wanted))
}

/// Whether the request failed before it was executed: no data and no error from a field. A
/// response whose `data` is null because a non-null field failed was executed.
pub fn failed_before_execution(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// The HTTP status of a single response: 429 when rate-limited; 503 when shed as overloaded;
/// with the graphql-response media type, 400 for a request error (one that failed before
/// execution); otherwise 200.
pub fn status_of(response: &Response, media: MediaType) -> StatusCode {
    let request_failed = failed_before_execution(response);
    if has_code(response, code::RATE_LIMITED) {
        StatusCode::TOO_MANY_REQUESTS
    } else if has_code(response, code::METHOD_NOT_ALLOWED) {
        StatusCode::METHOD_NOT_ALLOWED
    } else if has_code(response, code::OVERLOADED) {
        StatusCode::SERVICE_UNAVAILABLE
    } else if request_failed
        && (media == MediaType::GraphqlResponse || has_code(response, code::BAD_REQUEST))
    {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// The JSON body of one response, serialized straight from the response (no intermediate
/// `serde_json::Value`). `data` is left out when the request failed before execution, as the
/// graphql-response media type asks.
#[derive(serde::Serialize)]
pub struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[ServerError]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl<'a> Body<'a> {
    /// The body of `response`, with or without its `data` entry.
    pub fn of(response: &'a Response, with_data: bool) -> Self {
        Self {
            data: with_data.then_some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

/// Sends `body` with `status`, plus the headers the responses asked for (`Retry-After`).
pub fn reply(
    status: StatusCode,
    media: MediaType,
    body: Result<Vec<u8>, serde_json::Error>,
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
    let mut response =
        (status, [(header::CONTENT_TYPE, media.content_type())], body).into_response();
    response.headers_mut().extend(headers);
    response
}

/// Gives every error an `extensions.code`. Resolver errors carry theirs already; what is left
/// comes from async-graphql itself: parse and validation errors (no data was produced), and
/// argument or variable values that do not fit their type, which are the caller's input errors.
pub fn ensure_error_codes(response: &mut Response) {
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

/// The response to a REST-style request (export, import) the API refused, with the error's
/// code: 403 for a caller without the right, 400 for bad input or an expired cursor, 503 when
/// the database cannot be reached, 500 otherwise.
pub fn refused(error: &ApiError) -> axum::response::Response {
    let status = match error {
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::BadUserInput(_) | ApiError::CursorExpired => StatusCode::BAD_REQUEST,
        ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    request_error(status, MediaType::Json, error.code(), &error.message())
}
