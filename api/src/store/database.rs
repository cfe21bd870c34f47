//! Connecting to the database, applying migrations, counting the SQL statements that run (the
//! proof that a request's statement count depends on its shape, not on the data), and the
//! pool's figures for the metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr};

/// Number of statements run on a connection since it was opened, and how many of them
/// succeeded.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter {
    run: Arc<AtomicU64>,
    succeeded: Arc<AtomicU64>,
}

impl StatementCounter {
    /// Statements run.
    pub fn get(&self) -> u64 {
        self.run.load(Ordering::Relaxed)
    }

    /// Statements the database answered without an error.
    pub fn succeeded(&self) -> u64 {
        self.succeeded.load(Ordering::Relaxed)
    }
}

/// Opens a pool of `max_connections` on `url`, counting every statement it runs. A query waits
/// up to `acquire_timeout` for a connection: a busy pool is not an outage, so this is as long
/// as a request may run; an unreachable database is told apart by [`DatabaseHealth`].
pub async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections)
        .min_connections(1)
        // The pool reconnects by itself when the database is back.
        .acquire_timeout(acquire_timeout)
        .sqlx_logging(false)
        // SQLite as a server database: write-ahead logging lets readers go on while a request
        // writes (every request charges its rate-limit bucket), and with WAL, NORMAL
        // synchronisation stays durable against crashes of the process while not syncing the
        // disk on every commit. Writers queue for up to 5 s instead of failing at once.
        .map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
        });
    let mut db = Database::connect(options).await?;
    let counter = StatementCounter::default();
    let hook = counter.clone();
    db.set_metric_callback(move |info| {
        hook.run.fetch_add(1, Ordering::Relaxed);
        if !info.failed {
            hook.succeeded.fetch_add(1, Ordering::Relaxed);
        }
        tracing::trace!(sql = %info.statement.sql, elapsed = ?info.elapsed, failed = info.failed, "statement");
    });
    Ok((db, counter))
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// The PostgreSQL session lock that processes preparing the database (migrations, seed,
/// derived tables) take in turn.
const PREPARE_LOCK: i64 = 7_300;

/// A turn at preparing the database: on PostgreSQL, a session-level advisory lock held by a
/// connection of its own, outside the pool (a pool of one must stay free for the work), while
/// the preparation runs; on SQLite nothing (its writers take turns already).
pub struct PrepareTurn(Option<sea_orm::sqlx::PgConnection>);

impl PrepareTurn {
    /// Waits until no other process is preparing the database.
    pub async fn take(db: &DatabaseConnection) -> Result<Self, DbErr> {
        use sea_orm::sqlx::ConnectOptions as _;
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Self(None));
        }
        let options = db.get_postgres_connection_pool().connect_options();
        let mut connection = options
            .connect()
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(PREPARE_LOCK)
            .execute(&mut connection)
            .await
            .map_err(|e| DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        Ok(Self(Some(connection)))
    }

    /// Ends the turn: closing the session releases its lock.
    pub async fn release(self) {
        use sea_orm::sqlx::Connection as _;
        if let Some(connection) = self.0 {
            let _ = connection.close().await;
        }
    }
}

/// The PostgreSQL session lock held by the one replica that delivers webhooks.
pub const WEBHOOK_DISPATCH_LOCK: i64 = 7_400;

/// Leadership of a job that one process at a time runs: on PostgreSQL a session-level
/// advisory lock, taken without waiting, on a connection of its own (the lock goes with the
/// session, so a process that dies or loses its connection hands the job over); on SQLite,
/// which serves one process, always held.
pub struct Leadership(Option<sea_orm::sqlx::PgConnection>);

impl Leadership {
    /// The lock `key`, or `None` while another process holds it.
    pub async fn try_take(db: &DatabaseConnection, key: i64) -> Result<Option<Self>, DbErr> {
        use sea_orm::sqlx::ConnectOptions as _;
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Some(Self(None)));
        }
        let options = db.get_postgres_connection_pool().connect_options();
        let mut connection = options
            .connect()
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        let (taken,): (bool,) = sea_orm::sqlx::query_as("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut connection)
            .await
            .map_err(|e| DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        Ok(taken.then_some(Self(Some(connection))))
    }

    /// True while the lock's session is alive.
    pub async fn is_held(&mut self) -> bool {
        use sea_orm::sqlx::Connection as _;
        match &mut self.0 {
            None => true,
            Some(connection) => connection.ping().await.is_ok(),
        }
    }
}

/// True when the database answers a trivial query.
pub async fn is_reachable(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// A pool size that follows the machine: four connections per core, at least four. Requests
/// spend most of their time waiting on the database, so a few per core keep the cores busy
/// without oversubscribing the database.
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    u32::try_from(cores * 4).unwrap_or(u32::MAX).max(4)
}

/// Whether the database can be reached, watched by opening a connection of its own outside the
/// pool, so a pool that is busy serving requests never reads as an outage. While requests are
/// in flight, or the database is down, it probes every [`DatabaseHealth::BUSY_PERIOD`]; when
/// idle it waits for the next request (or [`DatabaseHealth::IDLE_PERIOD`]) before probing.
#[derive(Debug, Clone)]
pub struct DatabaseHealth {
    up: tokio::sync::watch::Receiver<bool>,
}

/// PostgreSQL's SQLSTATE for "too many clients already".
const TOO_MANY_CONNECTIONS: &str = "53300";

/// Probes a database and publishes whether it is up.
pub struct HealthMonitor {
    url: String,
    up: tokio::sync::watch::Sender<bool>,
    /// The pool's statements: a probe that only timed out while they kept succeeding met a
    /// busy machine, not an unreachable database.
    statements: StatementCounter,
    /// The last probe timed out.
    timed_out: bool,
}

/// What opening a connection of its own found.
enum Probe {
    Connected,
    /// The server answered, but has no connection to spare: reachable, and busy.
    Full,
    /// Refused or failed: the database cannot be reached.
    Failed,
    /// No answer within [`DatabaseHealth::PROBE_TIMEOUT`].
    TimedOut,
}

impl DatabaseHealth {
    /// How often the database is probed while requests are in flight or it is down.
    pub const BUSY_PERIOD: Duration = Duration::from_millis(250);
    /// How often it is probed otherwise.
    pub const IDLE_PERIOD: Duration = Duration::from_secs(2);
    /// How long a probe may take before the database counts as unreachable.
    pub const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

    /// A health watch of `url`, up until a probe says otherwise, with the monitor that feeds
    /// it; `statements` are the pool's. SQLite files are always reachable, so they get no
    /// monitor.
    pub fn watch(url: &str, statements: &StatementCounter) -> (Self, Option<HealthMonitor>) {
        let (sender, receiver) = tokio::sync::watch::channel(true);
        let monitor = url.starts_with("postgres").then(|| HealthMonitor {
            url: url.to_owned(),
            up: sender,
            statements: statements.clone(),
            timed_out: false,
        });
        (Self { up: receiver }, monitor)
    }

    /// True unless the last probe failed.
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Completes when the database is found unreachable.
    pub async fn went_down(&self) {
        let mut up = self.up.clone();
        // An error means the monitor is gone: nothing will ever report an outage.
        if up.wait_for(|up| !*up).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

impl HealthMonitor {
    /// Opens and closes one connection, within [`DatabaseHealth::PROBE_TIMEOUT`].
    async fn probe(&self) -> Probe {
        use sea_orm::sqlx::Connection;
        let connect = sea_orm::sqlx::PgConnection::connect(&self.url);
        match tokio::time::timeout(DatabaseHealth::PROBE_TIMEOUT, connect).await {
            Ok(Ok(connection)) => {
                let _ = connection.close().await;
                Probe::Connected
            }
            Ok(Err(sea_orm::sqlx::Error::Database(error)))
                if error.code().as_deref() == Some(TOO_MANY_CONNECTIONS) =>
            {
                tracing::warn!(%error, "database probe found no connection to spare");
                Probe::Full
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "database probe failed");
                Probe::Failed
            }
            Err(_) => Probe::TimedOut,
        }
    }

    /// Whether the database is up: a connection opened (or the server answered that it has
    /// none to spare). A probe that only took too long is an outage only when the one before
    /// it timed out too and none of the pool's statements succeeded meanwhile: a machine busy
    /// enough to slow down a new connection still answers the pool's statements.
    async fn is_up(&mut self) -> bool {
        let answered = self.statements.succeeded();
        let probe = self.probe().await;
        let timed_out_before =
            std::mem::replace(&mut self.timed_out, matches!(probe, Probe::TimedOut));
        match probe {
            Probe::Connected | Probe::Full => true,
            Probe::Failed => false,
            Probe::TimedOut => {
                let down = timed_out_before && self.statements.succeeded() == answered;
                if down {
                    tracing::warn!("database probes timed out and no statement succeeded");
                }
                !down
            }
        }
    }

    /// Probes forever. `busy` says whether requests are in flight; `arrival` is notified when
    /// one comes, so an idle server probes again as soon as it has work.
    pub async fn run(
        mut self,
        busy: impl Fn() -> bool,
        arrival: std::sync::Arc<tokio::sync::Notify>,
    ) {
        loop {
            let up = self.is_up().await;
            self.up.send_if_modified(|was| {
                let changed = *was != up;
                *was = up;
                changed
            });
            if busy() || !up || self.timed_out {
                tokio::time::sleep(DatabaseHealth::BUSY_PERIOD).await;
            } else {
                tokio::select! {
                    () = arrival.notified() => {}
                    () = tokio::time::sleep(DatabaseHealth::IDLE_PERIOD) => {}
                }
            }
        }
    }
}

/// Connections of the pool right now.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolStats {
    /// Connections open.
    pub open: u32,
    /// Open connections not in use.
    pub idle: u32,
}

/// How many connections the pool holds and how many of them are idle.
pub fn pool_stats(db: &DatabaseConnection) -> PoolStats {
    let (open, idle) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    PoolStats {
        open,
        idle: u32::try_from(idle).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PostgreSQL URL whose server accepts connections and never answers.
    async fn silent_server() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        format!("postgres://probe@{address}/probe")
    }

    #[tokio::test]
    async fn a_slow_probe_is_not_an_outage_while_the_pools_statements_succeed() {
        let statements = StatementCounter::default();
        let (_, monitor) = DatabaseHealth::watch(&silent_server().await, &statements);
        let mut monitor = monitor.expect("a PostgreSQL URL is monitored");
        let answering = {
            let statements = statements.clone();
            tokio::spawn(async move {
                loop {
                    statements.succeeded.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        };
        assert!(monitor.is_up().await, "busy, not down");
        assert!(monitor.is_up().await, "still busy, not down");
        answering.abort();
        assert!(
            !monitor.is_up().await,
            "silent probes in a row while nothing succeeds are an outage"
        );
    }

    #[tokio::test]
    async fn one_slow_probe_on_an_idle_pool_is_not_yet_an_outage() {
        let statements = StatementCounter::default();
        let (_, monitor) = DatabaseHealth::watch(&silent_server().await, &statements);
        let mut monitor = monitor.expect("a PostgreSQL URL is monitored");
        assert!(
            monitor.is_up().await,
            "the first slow probe gets another chance"
        );
        assert!(!monitor.is_up().await, "the second in a row is an outage");
    }

    #[tokio::test]
    async fn a_refused_probe_is_an_outage_at_once() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        drop(listener);
        let statements = StatementCounter::default();
        let url = format!("postgres://probe@{address}/probe");
        let (_, monitor) = DatabaseHealth::watch(&url, &statements);
        let mut monitor = monitor.expect("a PostgreSQL URL is monitored");
        let started = std::time::Instant::now();
        assert!(!monitor.is_up().await);
        assert!(started.elapsed() < DatabaseHealth::PROBE_TIMEOUT);
    }
}
