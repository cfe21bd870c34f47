//! Commit notifications: how subscribers learn that the change feed has grown, without polling
//! it. A unit of work that wrote changes announces them when it commits; every process keeps a
//! [`CommitSignal`] that ticks on each announcement, and subscribers read the feed from their
//! cursor when it ticks. The feed stays the record of what changed: a notification carries
//! identifiers only, and one that is lost costs a delay, never a change.
//!
//! PostgreSQL: `pg_notify` inside the writing transaction (delivered at commit, to every
//! replica), received on a `LISTEN` connection of its own that reconnects by itself and ticks
//! after each reconnect so subscribers catch up on what they may have missed. SQLite serves one
//! process, so a commit ticks that process's signal directly.

use std::sync::LazyLock;
use std::time::Duration;

use entity::enums::RecordType;
use futures_util::future::BoxFuture;
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use tokio::sync::watch;

/// The PostgreSQL channel commits are announced on.
pub const CHANNEL: &str = "partnership_graph_changes";

/// PostgreSQL refuses payloads of 8,000 bytes or more; a longer list of identifiers is cut (the
/// feed has them all).
const MAX_PAYLOAD_BYTES: usize = 7_900;

/// How long the listener waits before it tries to connect again.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// Commits in this process, for SQLite.
static LOCAL_COMMITS: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::channel(0).0);

/// Ticks whenever changes may have been committed. Clones share one signal.
#[derive(Clone, Debug)]
pub struct CommitSignal {
    ticks: watch::Receiver<u64>,
}

impl CommitSignal {
    /// A receiver that sees the next tick (`changed()` resolves once per burst of commits).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        let mut ticks = self.ticks.clone();
        ticks.mark_unchanged();
        ticks
    }
}

/// The signal of this process for the database at `database_url`, and on PostgreSQL the
/// listener that drives it (to be spawned for as long as the server runs).
pub fn commit_signal(
    backend: DbBackend,
    database_url: &str,
) -> (CommitSignal, Option<BoxFuture<'static, ()>>) {
    if backend != DbBackend::Postgres {
        let signal = CommitSignal {
            ticks: LOCAL_COMMITS.subscribe(),
        };
        return (signal, None);
    }
    let (ticks, receiver) = watch::channel(0);
    let url = database_url.to_owned();
    (
        CommitSignal { ticks: receiver },
        Some(Box::pin(listen(url, ticks))),
    )
}

/// Listens on [`CHANNEL`] for as long as it runs, ticking on each notification and after each
/// (re)connection.
async fn listen(url: String, ticks: watch::Sender<u64>) {
    let tick = || ticks.send_modify(|n| *n = n.wrapping_add(1));
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot connect to listen for commits; retrying");
                tokio::time::sleep(RECONNECT_DELAY).await;
                continue;
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(%error, "cannot listen for commits; retrying");
            tokio::time::sleep(RECONNECT_DELAY).await;
            continue;
        }
        // Whatever committed while nobody listened is in the feed.
        tick();
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => tick(),
                // The connection dropped and is made again on the next call; catch up then.
                Ok(None) => {
                    tracing::info!("the commit listener lost its connection; reconnecting");
                    tokio::time::sleep(RECONNECT_DELAY).await;
                    tick();
                }
                Err(error) => {
                    tracing::warn!(%error, "the commit listener failed; reconnecting");
                    tokio::time::sleep(RECONNECT_DELAY).await;
                    break;
                }
            }
        }
    }
}

/// Announces, inside the writing transaction, the records it changed: on PostgreSQL the
/// notification goes out when (and only if) the transaction commits.
pub async fn announce(
    txn: &impl ConnectionTrait,
    changed: &[(RecordType, i32)],
) -> Result<(), DbErr> {
    if changed.is_empty() || txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut payload = String::new();
    for (record_type, id) in changed {
        let item = format!("{}:{id}", record_type.as_str());
        if payload.len() + item.len() + 1 > MAX_PAYLOAD_BYTES {
            break;
        }
        if !payload.is_empty() {
            payload.push(',');
        }
        payload.push_str(&item);
    }
    let notify = Query::select()
        .expr(Func::cust("pg_notify").args([Expr::val(CHANNEL), Expr::val(payload)]))
        .to_owned();
    txn.execute(&notify).await.map(drop)
}

/// Ticks this process's signal after a commit that changed records (SQLite; on PostgreSQL the
/// listener ticks).
pub fn committed(backend: DbBackend, changed: &[(RecordType, i32)]) {
    if !changed.is_empty() && backend != DbBackend::Postgres {
        LOCAL_COMMITS.send_modify(|n| *n = n.wrapping_add(1));
    }
}
