//! Prometheus metrics, served at `GET /metrics`: GraphQL requests by operation and outcome,
//! their latency and cost, errors by code, SQL statements, and the database pool's connections.

use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::store::database::PoolStats;

/// The metrics of one server process.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    cost: HistogramVec,
    errors: IntCounterVec,
    statements: IntCounter,
    pool: IntGaugeVec,
}

impl Metrics {
    /// Registers every metric; fails only on a duplicate name, a programming error.
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "graphql_requests_total",
                "GraphQL requests by operation name and outcome",
            ),
            &["operation", "outcome"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "graphql_request_duration_seconds",
                "Time to answer a GraphQL request",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["operation"],
        )?;
        let cost = HistogramVec::new(
            HistogramOpts::new(
                "graphql_query_cost",
                "Cost of each GraphQL request in rate-limit points",
            )
            .buckets(prometheus::exponential_buckets(10.0, 4.0, 8)?),
            &["operation"],
        )?;
        let errors = IntCounterVec::new(
            Opts::new("graphql_errors_total", "GraphQL errors by extensions.code"),
            &["code"],
        )?;
        let statements = IntCounter::new("sql_statements_total", "SQL statements run")?;
        let pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state"),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(cost.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        registry.register(Box::new(statements.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            cost,
            errors,
            statements,
            pool,
        })
    }

    /// Records one answered request, with its cost when it was measured.
    pub fn observe(
        &self,
        operation: &str,
        elapsed: Duration,
        error_codes: &[String],
        cost: Option<u64>,
    ) {
        let outcome = if error_codes.is_empty() {
            "ok"
        } else {
            "error"
        };
        self.requests.with_label_values(&[operation, outcome]).inc();
        self.latency
            .with_label_values(&[operation])
            .observe(elapsed.as_secs_f64());
        if let Some(cost) = cost {
            self.cost
                .with_label_values(&[operation])
                .observe(cost as f64);
        }
        for code in error_codes {
            self.errors.with_label_values(&[code.as_str()]).inc();
        }
    }

    /// The text exposition of every metric, with the pool and statement figures read now.
    pub fn render(&self, pool: PoolStats, statements_run: u64) -> String {
        self.pool
            .with_label_values(&["open"])
            .set(i64::from(pool.open));
        self.pool
            .with_label_values(&["idle"])
            .set(i64::from(pool.idle));
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(pool.open.saturating_sub(pool.idle)));
        let counted = statements_run;
        let seen = self.statements.get();
        if counted > seen {
            self.statements.inc_by(counted - seen);
        }
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "cannot encode metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

/// A label value for an operation name: the name when it is short and plain, else `other`, so a
/// client cannot blow up the number of series.
pub fn operation_label(name: Option<&str>) -> &str {
    match name {
        None => "anonymous",
        Some(name)
            if name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            name
        }
        Some(_) => "other",
    }
}
