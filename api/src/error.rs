//! The one error type of the API. Every error a client sees carries `extensions.code` from a
//! small fixed set; internal causes are logged with tracing and never sent.
//!
//! `ApiError` deliberately does not implement `Display`: async-graphql converts any `Display`
//! type into an error without a code, and this way the only conversion is the one below.

use std::sync::Arc;

use async_graphql::ErrorExtensions;

/// Codes a client can find in `extensions.code`.
pub mod code {
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const INTERNAL: &str = "INTERNAL";
    pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
    pub const TIMEOUT: &str = "TIMEOUT";
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
    pub const OVERLOADED: &str = "OVERLOADED";
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const DOCUMENT_NOT_TRUSTED: &str = "DOCUMENT_NOT_TRUSTED";
    pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "IDEMPOTENCY_KEY_REUSED";
    pub const CURSOR_EXPIRED: &str = "CURSOR_EXPIRED";
}

/// An error about the request as a whole (no field path), with its code.
pub fn request_error(code: &str, message: impl Into<String>) -> async_graphql::ServerError {
    let mut error = async_graphql::ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    error
}

/// What went wrong while answering a request.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The request asked for something malformed or out of range.
    BadUserInput(String),
    /// The caller may not see this value.
    Forbidden(&'static str),
    /// A change-feed cursor points before the changes still kept: the client must copy the
    /// data afresh (an export) and follow the feed from there.
    CursorExpired,
    /// The server is wired wrongly (a bug); logged where it happens.
    Internal,
    /// The database cannot be reached right now; the request may be retried.
    Unavailable,
    /// A database failure; the cause is logged, the client sees a generic message. Shared
    /// because one failed DataLoader batch answers many fields.
    Database(Arc<sea_orm::DbErr>),
}

impl ApiError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadUserInput(message.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput(_) => code::BAD_USER_INPUT,
            Self::Forbidden(_) => code::FORBIDDEN,
            Self::CursorExpired => code::CURSOR_EXPIRED,
            Self::Database(_) | Self::Internal => code::INTERNAL,
            Self::Unavailable => code::SERVICE_UNAVAILABLE,
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Self::BadUserInput(message) => message.clone(),
            Self::Forbidden(message) => (*message).to_owned(),
            Self::CursorExpired => "changes after this cursor are no longer kept; copy the data \
                 again from an export and follow the feed from its cursor"
                .to_owned(),
            Self::Database(_) | Self::Internal => "internal error".to_owned(),
            Self::Unavailable => "the database is unavailable; try again shortly".to_owned(),
        }
    }
}

/// True when `error` means the database cannot be reached or is going away, rather than that a
/// statement failed: no connection within the pool's acquire timeout, a broken connection, or
/// the server refusing work (SQLSTATE classes 08, connection exception, and 57P, shutting down).
fn is_outage(error: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{DbErr, RuntimeErr};
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause)) => {
            match cause.as_ref() {
                Sqlx::Io(_)
                | Sqlx::Protocol(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed => true,
                Sqlx::Database(database) => database
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
                _ => false,
            }
        }
        _ => false,
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        if is_outage(&error) {
            tracing::warn!(%error, "database unavailable");
            Self::Unavailable
        } else {
            Self::Database(Arc::new(error))
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        if let ApiError::Database(cause) = &error {
            tracing::error!(error = %cause, "database error while resolving a field");
        }
        let code = error.code();
        async_graphql::Error::new(error.message()).extend_with(|_, e| e.set("code", code))
    }
}

/// Result of a resolver or service call.
pub type ApiResult<T> = Result<T, ApiError>;
