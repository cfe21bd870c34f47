//! Connecting to the database, applying migrations, counting the SQL statements that run (the
//! proof that a request's statement count depends on its shape, not on the data), and the
//! pool's figures for the metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr};

/// Number of statements run on a connection since it was opened.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Opens a pool on `url`, counting every statement it runs.
pub async fn connect(
    url: &str,
    max_connections: u32,
) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections)
        .min_connections(1)
        // While the database is down, a request waits at most this long for a connection and
        // then answers SERVICE_UNAVAILABLE; the pool reconnects by itself when it is back.
        .acquire_timeout(Duration::from_millis(800))
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
    let hook = counter.0.clone();
    db.set_metric_callback(move |info| {
        hook.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(sql = %info.statement.sql, elapsed = ?info.elapsed, failed = info.failed, "statement");
    });
    Ok((db, counter))
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// True when the database answers a trivial query.
pub async fn is_reachable(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
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
