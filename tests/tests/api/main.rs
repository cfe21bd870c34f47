//! The one integration-test binary: the real server over HTTP, on SQLite and (with
//! `TEST_DATABASE_URL`) PostgreSQL.

mod access;
mod analytics;
mod busy;
mod changes;
mod cli;
mod consistency;
mod constraints;
mod errors;
mod export;
mod filters;
mod funders;
mod generator;
mod helpers;
mod hostile;
mod keys;
mod lifecycle;
mod limits;
mod matrix;
mod metering;
mod nodes;
mod outage;
mod pages;
mod pagination;
mod protection;
mod relations;
mod response_shape;
mod schema;
mod scopes;
mod seed_facts;
mod startup;
mod statements;
mod tokens;
mod trusted_documents;
mod write_protection;
mod writes;
