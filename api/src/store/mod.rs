//! All database access: one module per aggregate (its rows, filters, orderings, pages and
//! writes), the DataLoaders that batch relations, keyset pages, the analytics SQL, the derived
//! tables, the write side ([`writes`]: units of work, versioned updates), the audit log,
//! idempotency keys, and the rate-limit buckets. Callers get plain row types and pass store-level filters; the
//! GraphQL layer above never builds SQL.

pub mod analytics;
pub mod api_keys;
pub mod audit;
pub mod changes;
pub mod database;
pub mod derived;
pub mod events;
pub mod filter;
pub mod funding;
pub mod idempotency;
pub mod loaders;
pub mod notifications;
pub mod organisations;
pub mod outcomes;
pub mod page;
pub mod places;
pub mod projects;
pub mod rate_limits;
pub mod search;
pub mod sources;
pub mod texts;
pub mod webhooks;
pub mod writes;

use sea_orm::{EntityTrait, FromQueryResult, Select};

/// The database connection pool every store function runs on.
pub use sea_orm::DatabaseConnection as Database;

/// A row type the store reads for entity `E`: the entity's model, or a partial model that
/// leaves out what reads never need (the folded `sort_name`).
pub trait Row<E: EntityTrait>: FromQueryResult + Clone + Send + Sync + 'static {
    /// `select` projected onto this row's columns.
    fn project(select: Select<E>) -> Select<E> {
        select
    }

    /// The row's primary key.
    fn id(&self) -> i32;
}

/// Implements [`Row`] for entity models that are read whole.
macro_rules! whole_row {
    ($($module:ident),+ $(,)?) => {$(
        impl $crate::store::Row<entity::$module::Entity> for entity::$module::Model {
            fn id(&self) -> i32 {
                self.id
            }
        }
    )+};
}

whole_row!(
    audit_entry,
    contact,
    event,
    funding_line,
    localized_text,
    organisation_identifier,
    outcome,
    participation,
    project_place,
    source_document,
);

/// Implements [`Row`] for a partial model of entity `$module`.
macro_rules! partial_row {
    ($row:ty, $module:ident) => {
        impl $crate::store::Row<entity::$module::Entity> for $row {
            fn project(
                select: sea_orm::Select<entity::$module::Entity>,
            ) -> sea_orm::Select<entity::$module::Entity> {
                use sea_orm::{PartialModelTrait, QuerySelect};
                <$row as PartialModelTrait>::select_cols(select.select_only())
            }

            fn id(&self) -> i32 {
                self.id
            }
        }
    };
}
pub(crate) use partial_row;
