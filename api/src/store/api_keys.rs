//! API keys in the database: issuing, listing, revoking, and finding the key a request
//! carries. Every request with an issued key looks it up, so a revocation or an expiry holds on
//! every replica at once.

use chrono::{DateTime, Duration, Utc};
use entity::{api_key, api_key_organisation, organisation};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};

use crate::auth::issued::{self, IssuedKey};

/// A key as listings show it (never its secret).
#[derive(Debug, Clone)]
pub struct KeyListing {
    /// Database ids of the organisations an editor is scoped to.
    pub organisation_ids: Vec<i32>,
    pub name: String,
    pub role: String,
    pub prefix: String,
    /// Keys of the organisations an editor is scoped to.
    pub organisations: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What a request's issued key turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A key in force: its name, role and organisation scope (database ids).
    Active {
        name: String,
        role: String,
        organisations: Vec<i32>,
    },
    /// No key has this secret.
    Unknown,
    Revoked,
    Expired,
}

/// How often `last_used_at` is written for one key, at most.
const LAST_USED_GRANULARITY: Duration = Duration::seconds(60);

/// The ids of the organisations with these keys, in their order, or the first key no
/// organisation has. One statement, whatever the number of keys.
pub async fn organisation_ids(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<Result<Vec<i32>, String>, DbErr> {
    let found: std::collections::HashMap<String, i32> = organisation::Entity::find()
        .filter(organisation::Column::Key.is_in(keys.iter().map(String::as_str)))
        .all(db)
        .await?
        .into_iter()
        .map(|organisation| (organisation.key, organisation.id))
        .collect();
    Ok(keys
        .iter()
        .map(|key| found.get(key).copied().ok_or_else(|| key.clone()))
        .collect())
}

/// Issues a key named `name` with `role`, scoped to these organisations; the error names what
/// is wrong (a taken name, an unknown organisation).
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    name: &str,
    role: &str,
    organisation_ids: &[i32],
    expires_at: Option<DateTime<Utc>>,
) -> Result<Result<IssuedKey, String>, DbErr> {
    let txn = super::writes::begin_write(db).await?;
    if api_key::Entity::find()
        .filter(api_key::Column::Name.eq(name))
        .one(&txn)
        .await?
        .is_some()
    {
        return Ok(Err(format!("a key named `{name}` exists already")));
    }
    for id in organisation_ids {
        if organisation::Entity::find_by_id(*id)
            .one(&txn)
            .await?
            .is_none()
        {
            return Ok(Err("no Organisation has one of these IDs".to_owned()));
        }
    }
    let issued = IssuedKey::generate();
    let row = api_key::ActiveModel {
        name: Set(name.to_owned()),
        role: Set(role.to_owned()),
        prefix: Set(issued.prefix.clone()),
        secret_sha256: Set(issued.secret_sha256.clone()),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for organisation_id in organisation_ids {
        api_key_organisation::ActiveModel {
            api_key_id: Set(row.id),
            organisation_id: Set(*organisation_id),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(Ok(issued))
}

/// Every key, by name.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<KeyListing>, DbErr> {
    let keys = api_key::Entity::find()
        .order_by_asc(api_key::Column::Name)
        .all(db)
        .await?;
    let scopes = api_key_organisation::Entity::find().all(db).await?;
    let organisations = organisation::Entity::find().all(db).await?;
    Ok(keys
        .into_iter()
        .map(|k| KeyListing {
            organisation_ids: scopes
                .iter()
                .filter(|s| s.api_key_id == k.id)
                .map(|s| s.organisation_id)
                .collect(),
            organisations: scopes
                .iter()
                .filter(|s| s.api_key_id == k.id)
                .filter_map(|s| organisations.iter().find(|o| o.id == s.organisation_id))
                .map(|o| o.key.clone())
                .collect(),
            name: k.name,
            role: k.role,
            prefix: k.prefix,
            created_at: k.created_at,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
            last_used_at: k.last_used_at,
        })
        .collect())
}

/// Revokes the key named `name`; false when there is no such key in force.
pub async fn revoke(db: &impl ConnectionTrait, name: &str) -> Result<bool, DbErr> {
    let result = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_key::Column::Name.eq(name))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// The key `secret` (an issued key with public prefix `prefix`), as of now.
pub async fn find(db: &impl ConnectionTrait, prefix: &str, secret: &str) -> Result<Lookup, DbErr> {
    let Some(key) = api_key::Entity::find()
        .filter(api_key::Column::Prefix.eq(prefix))
        .one(db)
        .await?
    else {
        return Ok(Lookup::Unknown);
    };
    if !issued::matches(secret, &key.secret_sha256) {
        return Ok(Lookup::Unknown);
    }
    let now = Utc::now();
    if key.revoked_at.is_some() {
        return Ok(Lookup::Revoked);
    }
    if key.expires_at.is_some_and(|at| at <= now) {
        return Ok(Lookup::Expired);
    }
    if key
        .last_used_at
        .is_none_or(|at| at < now - LAST_USED_GRANULARITY)
    {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
            .filter(api_key::Column::Id.eq(key.id))
            .filter(
                Condition::any()
                    .add(api_key::Column::LastUsedAt.is_null())
                    .add(api_key::Column::LastUsedAt.lt(now - LAST_USED_GRANULARITY)),
            )
            .exec(db)
            .await?;
    }
    let organisations = api_key_organisation::Entity::find()
        .filter(api_key_organisation::Column::ApiKeyId.eq(key.id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.organisation_id)
        .collect();
    Ok(Lookup::Active {
        name: key.name,
        role: key.role,
        organisations,
    })
}
