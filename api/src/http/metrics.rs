//! Prometheus metrics, served at `GET /metrics`: GraphQL requests by operation and outcome,
//! their latency and cost, errors by code, SQL statements, and the database pool's connections.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
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

/// Most distinct operation names that get a label of their own; later ones share `other`.
pub const MAX_OPERATION_LABELS: usize = 100;

/// Which operation names get a label of their own, so clients cannot multiply the series: in
/// trusted-documents mode the names of the registered documents, otherwise the first
/// [`MAX_OPERATION_LABELS`] plain names seen. Everything else is `other`.
#[derive(Debug, Clone)]
pub struct OperationLabels {
    known: Option<Arc<HashSet<String>>>,
    seen: Arc<Mutex<HashSet<String>>>,
}

impl OperationLabels {
    /// Labels for `known` names only, or for the first names seen when `None`.
    pub fn new(known: Option<HashSet<String>>) -> Self {
        Self {
            known: known.map(Arc::new),
            seen: Arc::default(),
        }
    }

    /// The label of an operation named `name`.
    pub fn label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return "anonymous".to_owned();
        };
        let plain = name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let own = plain
            && match &self.known {
                Some(known) => known.contains(name),
                None => {
                    // A poisoned lock only means another request panicked; the set is usable.
                    let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
                    seen.contains(name)
                        || (seen.len() < MAX_OPERATION_LABELS && seen.insert(name.to_owned()))
                }
            };
        if own {
            name.to_owned()
        } else {
            "other".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_past_the_budget_or_unregistered_fold_into_other() {
        let labels = OperationLabels::new(None);
        for n in 0..MAX_OPERATION_LABELS {
            assert_eq!(labels.label(Some(&format!("Op{n}"))), format!("Op{n}"));
        }
        assert_eq!(labels.label(Some("OneTooMany")), "other");
        assert_eq!(labels.label(Some("Op0")), "Op0");
        assert_eq!(labels.label(Some("not plain!")), "other");
        assert_eq!(labels.label(None), "anonymous");
        let trusted = OperationLabels::new(Some(HashSet::from(["Registered".to_owned()])));
        assert_eq!(trusted.label(Some("Registered")), "Registered");
        assert_eq!(trusted.label(Some("Made_up")), "other");
    }
}
