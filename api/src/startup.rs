//! Building and running the application: the same code path serves `cargo run` and the tests.
//! The caller owns the shutdown signal; `build` binds the listener so the port is known before
//! serving (port 0 picks a free one).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::auth::keys::ApiKeys;
use crate::auth::tokens::Tokens;
use crate::config::Settings;
use crate::graphql::extensions::metering::Metering;
use crate::graphql::extensions::trusted_documents::TrustedDocuments;
use crate::graphql::{self, extensions::limits::ShapeLimits};
use crate::http::admission::Admission;
use crate::http::metrics::{Metrics, OperationLabels};
use crate::http::{self, AppState};
use crate::seed::{self, Dataset};
use crate::service::webhooks::Dispatcher;
use crate::store::database::{self as db, DatabaseHealth, HealthMonitor, StatementCounter};
use crate::store::page::PageLimits;
use crate::store::rate_limits::{BucketPolicy, RateLimiter, RoleCapacities};
use crate::store::{changes, notifications};

/// The rate limiter `settings` ask for, or `None` when rate limiting is off. Every bucket must
/// hold at least one query of the largest cost allowed.
fn rate_limiter(
    db: &DatabaseConnection,
    settings: &Settings,
) -> anyhow::Result<Option<RateLimiter>> {
    if settings.rate_limit_capacity == 0 {
        return Ok(None);
    }
    for (name, capacity) in [
        ("RATE_LIMIT_CAPACITY", settings.rate_limit_capacity),
        (
            "RATE_LIMIT_CAPACITY_READER",
            settings.rate_limit_capacity_reader,
        ),
        (
            "RATE_LIMIT_CAPACITY_EDITOR",
            settings.rate_limit_capacity_editor,
        ),
        (
            "RATE_LIMIT_CAPACITY_ADMIN",
            settings.rate_limit_capacity_admin,
        ),
    ] {
        anyhow::ensure!(
            capacity >= settings.max_query_cost,
            "{name} ({capacity}) must be at least MAX_QUERY_COST ({}), or a query within the \
             cost limit could never run",
            settings.max_query_cost
        );
    }
    let anonymous = BucketPolicy {
        capacity: settings.rate_limit_capacity,
        restore_rate: settings.rate_limit_restore_rate,
    };
    Ok(Some(
        RateLimiter::new(db.clone(), anonymous).with_role_capacities(RoleCapacities {
            reader: settings.rate_limit_capacity_reader,
            editor: settings.rate_limit_capacity_editor,
            admin: settings.rate_limit_capacity_admin,
        }),
    ))
}

/// How often buckets that have refilled completely are deleted.
const FORGET_BUCKETS_PERIOD: std::time::Duration = std::time::Duration::from_secs(600);
/// How often changes older than the retention period are trimmed from the feed.
const TRIM_CHANGES_PERIOD: std::time::Duration = std::time::Duration::from_secs(3600);

/// Brings the database up to date: applies migrations, loads the seed dataset into an empty
/// database (unless `SKIP_SEED`) and refreshes the derived tables. Serving does this at start;
/// `api migrate` does only this, for deployments that prepare the database in a job of its own.
pub async fn prepare(db: &DatabaseConnection, settings: &Settings) -> anyhow::Result<()> {
    // Replicas starting together (or a replica beside the migration job) take turns, so no
    // two apply a migration or load the seed at once.
    let turn = db::PrepareTurn::take(db)
        .await
        .context("cannot wait for a turn to prepare the database")?;
    let prepared = prepare_in_turn(db, settings).await;
    turn.release().await;
    prepared
}

async fn prepare_in_turn(db: &DatabaseConnection, settings: &Settings) -> anyhow::Result<()> {
    db::migrate(db).await.context("cannot apply migrations")?;
    if !settings.skip_seed {
        let dataset = match &settings.seed_dir {
            Some(dir) => Dataset::from_dir(dir)?,
            None => Dataset::embedded()?,
        };
        if seed::load_if_empty(db, &dataset).await? {
            tracing::info!(projects = dataset.projects.len(), "loaded the seed dataset");
        }
    }
    crate::store::derived::refresh(db)
        .await
        .context("cannot refresh derived analytics data")?;
    Ok(())
}

/// A built application, bound to its port and ready to serve.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    db: DatabaseConnection,
    statements: StatementCounter,
    limiter: Option<RateLimiter>,
    health_monitor: Option<HealthMonitor>,
    admission: Admission,
    change_retention: chrono::Duration,
    /// Listens for other replicas' commits (PostgreSQL), for subscriptions.
    commit_listener: Option<BoxFuture<'static, ()>>,
    /// Delivers webhooks (on the one replica that holds the turn).
    dispatcher: Dispatcher,
}

impl Application {
    /// Binds the listener, then connects, migrates, seeds an empty database and builds the schema.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        // Bound first, so a busy port fails at once rather than after migrations and seeding.
        let address = SocketAddr::new(settings.host, settings.port);
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address}"))?;
        let pool_size = settings
            .database_max_connections
            .unwrap_or_else(db::default_pool_size);
        let request_timeout = std::time::Duration::from_millis(settings.request_timeout_ms);
        // Requests are bounded by their own timeout; the pool's is a backstop that start-up
        // (migrations, seeding) also lives with.
        let acquire_timeout = request_timeout.max(std::time::Duration::from_secs(10));
        let (db, statements) = db::connect(&settings.database_url, pool_size, acquire_timeout)
            .await
            .with_context(|| format!("cannot connect to {}", redact(&settings.database_url)))?;
        prepare(&db, settings).await?;
        let limits = PageLimits {
            default_size: settings.default_page_size,
            max_size: settings.max_page_size,
        };
        let limiter = rate_limiter(&db, settings)?;

        let mut known_operations = None;
        let trusted_documents = match &settings.trusted_documents {
            Some(path) => {
                // The dashboard's own document ships in the binary, so it is always trusted.
                let trusted = TrustedDocuments::from_file(path)?
                    .with_document(&crate::http::assets::dashboard_document()?);
                tracing::info!(documents = trusted.len(), "serving trusted documents only");
                known_operations = Some(trusted.operation_names());
                Some(trusted)
            }
            None => None,
        };
        let documents = graphql::DocumentLimits {
            max_directives: settings.max_directives,
            production: settings.production,
            shape: ShapeLimits {
                max_directives: settings.max_directives,
                max_document_bytes: settings.max_document_bytes,
                max_depth: settings.max_query_depth,
                max_aliases: settings.max_aliases,
                max_root_fields: settings.max_root_fields,
            },
            metering: Metering {
                max_cost: settings.max_query_cost,
                pages: limits,
                limiter: limiter.clone(),
            },
            trusted_documents,
        };
        let (health, health_monitor) = DatabaseHealth::watch(&settings.database_url, &statements);
        let running = settings.max_running_requests.unwrap_or(pool_size as usize);
        let admission = Admission::new(running, settings.max_queued_requests);
        let (commits, commit_listener) =
            notifications::commit_signal(db.get_database_backend(), &settings.database_url);
        // Deliveries run on a small pool of their own: a slow endpoint never holds a
        // connection a request needs.
        let (dispatch_db, _) = db::connect(&settings.database_url, 2, acquire_timeout)
            .await
            .with_context(|| format!("cannot connect to {}", redact(&settings.database_url)))?;
        let dispatcher = Dispatcher::new(dispatch_db, &settings.webhooks, commits.clone())
            .context("cannot set up webhook deliveries")?;
        let api = graphql::build(
            db.clone(),
            limits,
            documents,
            commits,
            settings.webhooks.clone(),
        );
        let loader_delay = std::time::Duration::from_millis(settings.loader_delay_ms);
        let metrics = Metrics::new().context("cannot register metrics")?;
        let state = AppState {
            api,
            db: db.clone(),
            loader_delay,
            request_timeout,
            metrics,
            operation_labels: OperationLabels::new(known_operations),
            statements: statements.clone(),
            api_keys: ApiKeys::parse(&settings.api_keys).context("invalid API_KEYS")?,
            tokens: Tokens::from_settings(&settings.tokens)
                .await
                .context("invalid JWT settings")?
                .map(Arc::new),
            trust_forwarded_for: settings.trust_forwarded_for,
            max_batch_operations: settings.max_batch_operations,
            admission: admission.clone(),
            health,
            production: settings.production,
            published_sdl: (!settings.production).then(|| graphql::sdl().into()),
        };
        let router = http::router(
            state,
            settings.max_body_bytes,
            &settings.cors_allowed_origins,
        );
        Ok(Self {
            listener,
            router,
            db,
            statements,
            limiter,
            health_monitor,
            admission,
            change_retention: chrono::Duration::days(i64::from(settings.change_retention_days)),
            commit_listener,
            dispatcher,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The database connection the server uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Counter of every SQL statement the server runs.
    pub fn statements(&self) -> StatementCounter {
        self.statements.clone()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let janitor = self
            .limiter
            .map(|limiter| tokio::spawn(limiter.forget_full_buckets_every(FORGET_BUCKETS_PERIOD)));
        let trimmer = tokio::spawn(changes::trim_every(
            self.db.clone(),
            self.change_retention,
            TRIM_CHANGES_PERIOD,
        ));
        let monitor = self.health_monitor.map(|monitor| {
            let admission = self.admission.clone();
            let arrivals = admission.arrivals.clone();
            tokio::spawn(monitor.run(move || admission.is_busy(), arrivals))
        });
        let listener = self.commit_listener.map(tokio::spawn);
        let dispatcher = tokio::spawn(self.dispatcher.run());
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await;
        for task in janitor
            .into_iter()
            .chain(monitor)
            .chain(listener)
            .chain([trimmer, dispatcher])
        {
            task.abort();
        }
        served
    }
}

/// A database URL without its password, for logs and error messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
