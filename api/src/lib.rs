//! The Partnership Graph API: a GraphQL server over cross-border partnership projects.
//!
//! The layers, each depending only on those below it:
//! - [`http`]: the axum routes: GraphQL transport, response shaping, CSRF, probes, metrics.
//! - [`graphql`]: the schema, thin: types, filter inputs, root fields, mutations (turning
//!   inputs into drafts and results into payloads), request extensions.
//! - [`service`]: what a write does: the one write path (authorize, lock, check the version,
//!   validate everything, write with derived data and the audit entry, commit).
//! - [`store`]: all database access: rows, filters, keyset pages, loaders, analytics SQL,
//!   derived tables, units of work with their audit entries, idempotency keys, rate-limit
//!   buckets.
//! - [`domain`]: the rules, with no database and no GraphQL.
//!
//! Beside them: [`auth`] (principals, roles and API keys), [`config`] (typed settings), [`startup`] (builds and serves the application),
//! [`seed`] (the curated dataset and the synthetic data generator) and [`error`] (the one
//! error type, with its `extensions.code`).

pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod seed;
pub mod service;
pub mod startup;
pub mod store;
