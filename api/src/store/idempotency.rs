//! Idempotency keys, shared by every replica through the database: a request's key is
//! reserved before it runs, its response stored when it has run, and kept for a day.

use chrono::{Duration, Utc};
use entity::idempotency_key;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// How long a stored response answers repeats of its request.
pub const RETENTION: Duration = Duration::hours(24);

/// What a key holds when a request arrives with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The key was free and is now this request's: run it, then store or release.
    Reserved,
    /// The same request ran already: answer with its stored response.
    Replay { status: u16, body: String },
    /// The same request is running now, sent by another replica or connection.
    Running,
    /// The key was used for a different request.
    Mismatch,
}

/// Takes `key` for `caller`'s request with body hash `hash`, or says what holds it.
pub async fn reserve(
    db: &impl ConnectionTrait,
    caller: &str,
    key: &str,
    hash: &str,
) -> Result<Reservation, DbErr> {
    use idempotency_key::Column as K;
    let now = Utc::now();
    // Expired keys go first, so an old key may be used again.
    idempotency_key::Entity::delete_many()
        .filter(K::CreatedAt.lt(now - RETENTION))
        .exec(db)
        .await?;
    let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        caller: Set(caller.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(hash.to_owned()),
        status: Set(None),
        response: Set(None),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([K::Caller, K::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 1 {
        return Ok(Reservation::Reserved);
    }
    let Some(held) = idempotency_key::Entity::find_by_id((caller.to_owned(), key.to_owned()))
        .one(db)
        .await?
    else {
        // Released between the two statements: the caller tries again.
        return Ok(Reservation::Running);
    };
    Ok(if held.request_hash != hash {
        Reservation::Mismatch
    } else {
        match (held.status, held.response) {
            (Some(status), Some(body)) => Reservation::Replay {
                status: u16::try_from(status).unwrap_or(200),
                body,
            },
            _ => Reservation::Running,
        }
    })
}

/// Stores the response of the request that holds `key`.
pub async fn complete(
    db: &impl ConnectionTrait,
    caller: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), DbErr> {
    use idempotency_key::Column as K;
    idempotency_key::Entity::update_many()
        .col_expr(K::Status, i32::from(status).into())
        .col_expr(K::Response, body.to_owned().into())
        .filter(K::Caller.eq(caller))
        .filter(K::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Frees `key` without a response (the request failed in a way worth retrying).
pub async fn release(db: &impl ConnectionTrait, caller: &str, key: &str) -> Result<(), DbErr> {
    use idempotency_key::Column as K;
    idempotency_key::Entity::delete_many()
        .filter(K::Caller.eq(caller))
        .filter(K::Key.eq(key))
        .filter(K::Response.is_null())
        .exec(db)
        .await?;
    Ok(())
}
