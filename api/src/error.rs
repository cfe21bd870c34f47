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
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const DOCUMENT_NOT_TRUSTED: &str = "DOCUMENT_NOT_TRUSTED";
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
            Self::Database(_) | Self::Internal => code::INTERNAL,
            Self::Unavailable => code::SERVICE_UNAVAILABLE,
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Self::BadUserInput(message) => message.clone(),
            Self::Forbidden(message) => (*message).to_owned(),
            Self::Database(_) | Self::Internal => "internal error".to_owned(),
            Self::Unavailable => "the database is unavailable; try again shortly".to_owned(),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        match error {
            // No connection could be had within the pool's acquire timeout, or it broke.
            sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_) => {
                tracing::warn!(%error, "database unavailable");
                Self::Unavailable
            }
            other => Self::Database(Arc::new(other)),
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
