//! The Partnership Graph API: a GraphQL server over cross-border partnership projects.
//!
//! - [`config`]: typed settings read from the environment (and command-line flags).
//! - [`startup`]: builds the application (database, migrations, seed, router) and serves it.
//! - [`db`]: connecting, migrating and counting SQL statements.
//! - [`seed`]: the curated seed dataset format and its loader.
//! - [`generate`]: synthetic data at scale for benchmarks.
//! - [`derived`]: data kept for analytics (programme closure, yearly shares of funding).
//! - [`graphql`]: the schema, one module per domain area, with per-request DataLoaders.
//! - [`http`]: the axum routes: GraphQL, the explorer and the health probes.
//! - [`metrics`]: Prometheus metrics at `/metrics`.
//! - [`rate_limit`]: cost buckets per client, shared by replicas through the database.
//! - [`error`]: the one error type resolvers return, with its `extensions.code`.

pub mod config;
pub mod db;
pub mod derived;
pub mod error;
pub mod generate;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod money;
pub mod rate_limit;
pub mod search;
pub mod seed;
pub mod startup;
