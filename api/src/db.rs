//! Connecting to the database, applying migrations, and counting the SQL statements that run
//! (the proof that a request's statement count depends on its shape, not on the data).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

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
