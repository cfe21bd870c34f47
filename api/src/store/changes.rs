//! The change feed: a row per change to a record, written by the unit of work beside its audit
//! entry, read in commit-safe order by integrations that keep a cursor.
//!
//! Order and safety: rows are read in `(tx_id, id)` order. On PostgreSQL `tx_id` is the writing
//! transaction's id, and a read only returns rows of transactions older than the oldest one
//! still running (`pg_snapshot_xmin(pg_current_snapshot())`): every such transaction has
//! finished, so no row can later commit behind a cursor. A numbering made before commit could
//! not promise that (a later number may commit first). On SQLite one writer runs at a time, so
//! the id alone is commit order (`tx_id` is 0). Old rows are trimmed after the retention
//! period; a cursor behind the trimmed part is expired.

use std::collections::VecDeque;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::change;
use entity::enums::RecordType;
use futures_util::Stream;
use sea_orm::DatabaseConnection;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::notifications::CommitSignal;

use crate::error::{ApiError, ApiResult};

/// The oldest transaction still running, as a number comparable with `tx_id`.
const OLDEST_RUNNING: &str = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint";
/// The current transaction's id (given one if it has none yet).
const CURRENT_TRANSACTION: &str = "pg_current_xact_id()::text::bigint";

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOperation {
    Created,
    Updated,
    Deleted,
}

impl ChangeOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "CREATED",
            Self::Updated => "UPDATED",
            Self::Deleted => "DELETED",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Created, Self::Updated, Self::Deleted]
            .into_iter()
            .find(|op| op.as_str() == text)
    }
}

/// One change, as the feed returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub position: FeedPosition,
    pub operation: ChangeOperation,
    pub record_type: RecordType,
    pub record_id: i32,
    pub version: i32,
    pub changed_at: DateTime<Utc>,
}

/// A place in the feed: the change a cursor points at. Serialized as an opaque cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub struct FeedPosition {
    #[serde(rename = "t")]
    pub tx_id: i64,
    #[serde(rename = "c")]
    pub id: i64,
}

impl FeedPosition {
    /// The opaque cursor of this position.
    pub fn encode(self) -> String {
        let json = serde_json::to_vec(&self).unwrap_or_default();
        format!("chg:{}", URL_SAFE_NO_PAD.encode(json))
    }

    /// The position a cursor names, or BAD_USER_INPUT when it is not a change-feed cursor.
    pub fn decode(cursor: &str) -> Result<Self, ApiError> {
        cursor
            .strip_prefix("chg:")
            .and_then(|body| URL_SAFE_NO_PAD.decode(body).ok())
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(|| {
                ApiError::bad_input(format!("`{cursor}` is not a cursor of the change feed"))
            })
    }
}

/// A change to write to the feed.
#[derive(Debug, Clone)]
pub struct NewChange {
    pub operation: ChangeOperation,
    pub record_type: RecordType,
    pub record_id: i32,
    pub version: i32,
    pub at: DateTime<Utc>,
}

/// Writes `new` to the feed, in order, as part of the current transaction (one statement).
pub async fn record(db: &impl ConnectionTrait, new: &[NewChange]) -> Result<(), DbErr> {
    if new.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert()
        .into_table(Alias::new("changes"))
        .columns([
            Alias::new("tx_id"),
            Alias::new("record_type"),
            Alias::new("record_id"),
            Alias::new("operation"),
            Alias::new("version"),
            Alias::new("changed_at"),
        ])
        .to_owned();
    for change in new {
        let tx_id = match db.get_database_backend() {
            DbBackend::Postgres => Expr::cust(CURRENT_TRANSACTION),
            _ => Expr::val(0_i64),
        };
        insert
            .values([
                tx_id,
                Expr::val(change.record_type.as_str()),
                Expr::val(change.record_id),
                Expr::val(change.operation.as_str()),
                Expr::val(change.version),
                Expr::val(change.at),
            ])
            .map_err(|error| DbErr::Custom(error.to_string()))?;
    }
    db.execute(&insert).await?;
    Ok(())
}

/// Up to `limit` changes after `after` (from the start of the kept feed when `None`) of the
/// given record types (all when empty), in feed order; and whether more follow.
pub async fn after(
    db: &impl ConnectionTrait,
    after: Option<FeedPosition>,
    limit: u64,
    record_types: &[RecordType],
) -> ApiResult<(Vec<Change>, bool)> {
    if let Some(position) = after {
        ensure_kept(db, position).await?;
    }
    let position = after.unwrap_or_default();
    let mut select = change::Entity::find()
        .filter(
            Condition::any()
                .add(change::Column::TxId.gt(position.tx_id))
                .add(
                    Condition::all()
                        .add(change::Column::TxId.eq(position.tx_id))
                        .add(change::Column::Id.gt(position.id)),
                ),
        )
        .order_by_asc(change::Column::TxId)
        .order_by_asc(change::Column::Id)
        .limit(limit + 1);
    if db.get_database_backend() == DbBackend::Postgres {
        select = select.filter(Expr::col(change::Column::TxId).lt(Expr::cust(OLDEST_RUNNING)));
    }
    if !record_types.is_empty() {
        select = select
            .filter(change::Column::RecordType.is_in(record_types.iter().map(|t| t.as_str())));
    }
    let mut rows = select.all(db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows.into_iter().filter_map(change_of).collect(), more))
}

fn change_of(row: change::Model) -> Option<Change> {
    Some(Change {
        position: FeedPosition {
            tx_id: row.tx_id,
            id: row.id,
        },
        operation: ChangeOperation::parse(&row.operation)?,
        record_type: RecordType::parse(&row.record_type)?,
        record_id: row.record_id,
        version: row.version,
        changed_at: row.changed_at,
    })
}

/// The position of the last change a reader may see now: a client that starts here misses
/// nothing that commits later.
pub async fn head(db: &impl ConnectionTrait) -> Result<FeedPosition, DbErr> {
    let mut select = change::Entity::find()
        .order_by_desc(change::Column::TxId)
        .order_by_desc(change::Column::Id)
        .limit(1);
    if db.get_database_backend() == DbBackend::Postgres {
        select = select.filter(Expr::col(change::Column::TxId).lt(Expr::cust(OLDEST_RUNNING)));
    }
    let last = select.one(db).await?.map(|row| FeedPosition {
        tx_id: row.tx_id,
        id: row.id,
    });
    Ok(last.unwrap_or(trimmed_through(db).await?))
}

/// Up to `limit` ids, above `after_id` and ascending, of the records of `record_type` that
/// changed after `since` (as far as readers may see now).
pub async fn changed_since(
    db: &impl ConnectionTrait,
    since: FeedPosition,
    record_type: RecordType,
    after_id: i32,
    limit: u64,
) -> ApiResult<Vec<i32>> {
    ensure_kept(db, since).await?;
    let mut select = change::Entity::find()
        .select_only()
        .column(change::Column::RecordId)
        .distinct()
        .filter(change::Column::RecordType.eq(record_type.as_str()))
        .filter(change::Column::RecordId.gt(after_id))
        .filter(
            Condition::any()
                .add(change::Column::TxId.gt(since.tx_id))
                .add(
                    Condition::all()
                        .add(change::Column::TxId.eq(since.tx_id))
                        .add(change::Column::Id.gt(since.id)),
                ),
        )
        .order_by_asc(change::Column::RecordId)
        .limit(limit);
    if db.get_database_backend() == DbBackend::Postgres {
        select = select.filter(Expr::col(change::Column::TxId).lt(Expr::cust(OLDEST_RUNNING)));
    }
    Ok(select.into_tuple::<i32>().all(db).await?)
}

/// CURSOR_EXPIRED when changes after `position` were trimmed away.
pub async fn ensure_kept(db: &impl ConnectionTrait, position: FeedPosition) -> ApiResult<()> {
    if trimmed_through(db).await? > position {
        return Err(ApiError::CursorExpired);
    }
    Ok(())
}

/// The last position trimmed away (the start when nothing was).
async fn trimmed_through(db: &impl ConnectionTrait) -> Result<FeedPosition, DbErr> {
    let query = Query::select()
        .expr_as(
            Func::max(Expr::col(Alias::new("tx_id"))),
            Alias::new("tx_id"),
        )
        .expr_as(
            Func::max(Expr::col(Alias::new("change_id"))),
            Alias::new("change_id"),
        )
        .from(Alias::new("change_feed_trims"))
        .to_owned();
    let Some(row) = db.query_one(&query).await? else {
        return Ok(FeedPosition::default());
    };
    Ok(FeedPosition {
        tx_id: row.try_get::<Option<i64>>("", "tx_id")?.unwrap_or(0),
        id: row.try_get::<Option<i64>>("", "change_id")?.unwrap_or(0),
    })
}

/// Deletes the changes made before `before`, as a prefix of the feed, and remembers where the
/// kept part starts. Returns how many were deleted.
pub async fn trim(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let Some(last) = change::Entity::find()
        .filter(change::Column::ChangedAt.lt(before))
        .order_by_desc(change::Column::TxId)
        .order_by_desc(change::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let through = FeedPosition {
        tx_id: last.tx_id,
        id: last.id,
    };
    // The mark first: a reader between the two statements is told it expired, never misled.
    let mark = Query::insert()
        .into_table(Alias::new("change_feed_trims"))
        .columns([
            Alias::new("tx_id"),
            Alias::new("change_id"),
            Alias::new("trimmed_at"),
        ])
        .values_panic([
            Expr::val(through.tx_id),
            Expr::val(through.id),
            Expr::val(Utc::now()),
        ])
        .to_owned();
    db.execute(&mark).await?;
    let deleted = change::Entity::delete_many()
        .filter(
            Condition::any()
                .add(change::Column::TxId.lt(through.tx_id))
                .add(
                    Condition::all()
                        .add(change::Column::TxId.eq(through.tx_id))
                        .add(change::Column::Id.lte(through.id)),
                ),
        )
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Every `period`, trims the changes older than `retention`; runs until it is aborted.
pub async fn trim_every(
    db: sea_orm::DatabaseConnection,
    retention: chrono::Duration,
    period: std::time::Duration,
) {
    // The first run waits a whole period, off the busy start-up.
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        ticks.tick().await;
        match trim(&db, Utc::now() - retention).await {
            Ok(0) => {}
            Ok(trimmed) => tracing::info!(trimmed, "trimmed the change feed"),
            Err(error) => tracing::warn!(%error, "cannot trim the change feed"),
        }
    }
}

/// Changes read per statement while following the feed.
const FOLLOW_BATCH: u64 = 100;
/// After a commit signal, a change may still sit behind an older transaction that has not
/// finished; the follower looks again, at growing pauses up to [`MAX_PAUSE`], for this long
/// before it waits for the next signal.
const LOOK_AGAIN_FOR: Duration = Duration::from_secs(10);
const FIRST_PAUSE: Duration = Duration::from_millis(20);
const MAX_PAUSE: Duration = Duration::from_secs(1);
/// A follower reads the feed at least this often, signal or not.
const FOLLOW_POLL: Duration = Duration::from_secs(30);

/// Every change after `from` (of `record_types`, or all), as it becomes visible: read from the
/// feed whenever `signal` ticks, so a follower that was away loses nothing. The stream ends
/// after an error (the database went away), which it yields; the follower resumes with the
/// last cursor it saw.
pub fn follow(
    db: DatabaseConnection,
    signal: &CommitSignal,
    from: FeedPosition,
    record_types: Vec<RecordType>,
) -> impl Stream<Item = ApiResult<Change>> + Send + use<> {
    struct Follower {
        db: DatabaseConnection,
        ticks: tokio::sync::watch::Receiver<u64>,
        position: FeedPosition,
        record_types: Vec<RecordType>,
        ready: VecDeque<Change>,
        /// Until when, and after what pause, to look again for a signalled change.
        look_again: Option<(tokio::time::Instant, Duration)>,
        done: bool,
    }
    let follower = Follower {
        db,
        ticks: signal.subscribe(),
        position: from,
        record_types,
        ready: VecDeque::new(),
        look_again: None,
        done: false,
    };
    futures_util::stream::unfold(follower, |mut f| async move {
        loop {
            if let Some(change) = f.ready.pop_front() {
                return Some((Ok(change), f));
            }
            if f.done {
                return None;
            }
            match after(&f.db, Some(f.position), FOLLOW_BATCH, &f.record_types).await {
                Ok((rows, _)) if !rows.is_empty() => {
                    f.position = rows.last().map_or(f.position, |c| c.position);
                    f.ready.extend(rows);
                    continue;
                }
                Ok(_) => {}
                Err(error) => {
                    f.done = true;
                    return Some((Err(error), f));
                }
            }
            if let Some((until, pause)) = f.look_again {
                if tokio::time::Instant::now() < until {
                    tokio::time::sleep(pause).await;
                    f.look_again = Some((until, (pause * 2).min(MAX_PAUSE)));
                    continue;
                }
                f.look_again = None;
            }
            tokio::select! {
                ticked = f.ticks.changed() => {
                    if ticked.is_err() {
                        // The process is shutting down.
                        return None;
                    }
                    let until = tokio::time::Instant::now() + LOOK_AGAIN_FOR;
                    f.look_again = Some((until, FIRST_PAUSE));
                }
                () = tokio::time::sleep(FOLLOW_POLL) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let position = FeedPosition {
            tx_id: 7_301,
            id: 42,
        };
        assert_eq!(
            FeedPosition::decode(&position.encode()).ok(),
            Some(position)
        );
        assert!(FeedPosition::decode("YXJyYXljb25uZWN0aW9uOjE=").is_err());
        assert!(FeedPosition::decode("chg:!!").is_err());
        assert!(FeedPosition { tx_id: 2, id: 1 } > FeedPosition { tx_id: 1, id: 99 });
    }
}
