//! Managing API keys: issuing (the secret is shown once), listing, revoking. The command line
//! uses this; so will the admin mutations.

use chrono::{NaiveDate, NaiveTime};
use sea_orm::DatabaseConnection;

use crate::auth::Role;
use crate::store::api_keys::{self, KeyListing};

/// Issues a key scoped to the organisations with these keys (the command line names them by
/// key) and returns its secret; the error says what is wrong with the request.
pub async fn create(
    db: &DatabaseConnection,
    name: &str,
    role: &str,
    organisations: &[String],
    expires: Option<NaiveDate>,
) -> anyhow::Result<String> {
    let ids = match api_keys::organisation_ids(db, organisations).await? {
        Ok(ids) => ids,
        Err(key) => anyhow::bail!("no organisation has the key `{key}`"),
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
) -> anyhow::Result<String> {
    let role: Role = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    anyhow::ensure!(
        !name.trim().is_empty() && name.len() <= 100,
        "a key needs a name of 1 to 100 characters"
    );
    anyhow::ensure!(
        organisations.is_empty() || role == Role::Editor,
        "only editor keys are scoped to organisations"
    );
    anyhow::ensure!(
        role != Role::Editor || !organisations.is_empty(),
        "an editor key is scoped to at least one organisation"
    );
    let expires_at = expires.map(|day| day.and_time(NaiveTime::MIN).and_utc());
    match api_keys::create(db, name, &role.to_string(), organisations, expires_at).await? {
        Ok(issued) => Ok(issued.secret),
        Err(problem) => anyhow::bail!(problem),
    }
}

/// Every key, without secrets.
pub async fn list(db: &DatabaseConnection) -> anyhow::Result<Vec<KeyListing>> {
    Ok(api_keys::list(db).await?)
}

/// Revokes the key named `name`.
pub async fn revoke(db: &DatabaseConnection, name: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        api_keys::revoke(db, name).await?,
        "no key in force is named `{name}`"
    );
    Ok(())
}
