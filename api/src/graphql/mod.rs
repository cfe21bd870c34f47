//! The GraphQL schema: one module per domain area, each with its types, filters and root fields,
//! merged into one `Query`. No HTTP here: the schema can be built and run on its own.

pub mod analytics;
pub mod common;
pub mod contact;
pub mod enums;
pub mod event;
pub mod funding;
pub mod ids;
pub mod loaders;
pub mod node;
pub mod organisation;
pub mod outcome;
pub mod pagination;
pub mod place;
pub mod project;
pub mod scalars;
pub mod source;

use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema};
use sea_orm::DatabaseConnection;

use pagination::PageLimits;

/// Every root query field.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    project::ProjectQuery,
    organisation::OrganisationQuery,
    funding::FundingQuery,
    outcome::OutcomeQuery,
    event::EventQuery,
    place::PlaceQuery,
    source::SourceQuery,
    analytics::AnalyticsQuery,
);

/// The executable schema.
pub type ApiSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// The schema, serving `db` with the given page limits. Loaders and the viewer are added per
/// request.
pub fn build_schema(db: DatabaseConnection, limits: PageLimits) -> ApiSchema {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .data(db)
        .data(limits)
        .finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}
