//! Managing API keys: issuing (the secret is shown once), listing, revoking. The command line
//! and the admin mutations use this.

use chrono::{NaiveDate, NaiveTime};
use sea_orm::{DatabaseConnection, DbErr};

use crate::auth::Role;
use crate::store::api_keys::{self, KeyListing};

/// Why a key could not be issued or revoked: a mistake in the request, which the caller can
/// fix, or a database failure, which it cannot.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The request is wrong: a bad role or name, a taken name, an unknown organisation.
    #[error("{0}")]
    Invalid(String),
    /// No key in force has this name.
    #[error("no key in force is named `{0}`")]
    NotFound(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

fn invalid(message: impl Into<String>) -> KeyError {
    KeyError::Invalid(message.into())
}

/// Issues a key scoped to the organisations with these keys (the command line names them by
/// key) and returns its secret; the error says what is wrong with the request.
pub async fn create(
    db: &DatabaseConnection,
    name: &str,
    role: &str,
    organisations: &[String],
    expires: Option<NaiveDate>,
) -> Result<String, KeyError> {
    let ids = match api_keys::organisation_ids(db, organisations).await? {
        Ok(ids) => ids,
        Err(key) => return Err(invalid(format!("no organisation has the key `{key}`"))),
    };
    create_scoped(db, name, role, &ids, expires).await
}

/// Issues a key scoped to these organisations (database ids) and returns its secret.
pub async fn create_scoped(
    db: &DatabaseConnection,
    name: &str,
    role: &str,
    organisations: &[i32],
    expires: Option<NaiveDate>,
) -> Result<String, KeyError> {
    let role: Role = role.parse().map_err(invalid)?;
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(invalid("a key needs a name of 1 to 100 characters"));
    }
    if !organisations.is_empty() && role != Role::Editor {
        return Err(invalid("only editor keys are scoped to organisations"));
    }
    if role == Role::Editor && organisations.is_empty() {
        return Err(invalid(
            "an editor key is scoped to at least one organisation",
        ));
    }
    let expires_at = expires.map(|day| day.and_time(NaiveTime::MIN).and_utc());
    match api_keys::create(db, name, &role.to_string(), organisations, expires_at).await? {
        Ok(issued) => Ok(issued.secret),
        Err(problem) => Err(invalid(problem)),
    }
}

/// Every key, without secrets.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<KeyListing>, DbErr> {
    api_keys::list(db).await
}

/// Revokes the key named `name`.
pub async fn revoke(db: &DatabaseConnection, name: &str) -> Result<(), KeyError> {
    if api_keys::revoke(db, name).await? {
        Ok(())
    } else {
        Err(KeyError::NotFound(name.to_owned()))
    }
}
