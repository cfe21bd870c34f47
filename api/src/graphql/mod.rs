//! The GraphQL schema: one module per domain area, each with its types, filter inputs and root
//! fields, merged into one `Query`. It is thin: inputs become store filters and store rows
//! become types; the SQL lives in [`crate::store`] and the rules in [`crate::domain`]. Request
//! policies (cost, limits, metering, trusted documents) are in [`extensions`]. No HTTP here:
//! the schema can be built and run on its own.

pub mod analytics;
pub mod connection;
pub mod contact;
pub mod context;
pub mod enums;
pub mod event;
pub mod extensions;
pub mod filter;
pub mod funding;
pub mod ids;
pub mod node;
pub mod organisation;
pub mod outcome;
pub mod place;
pub mod project;
pub mod scalars;
pub mod source;
pub mod text;

use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema};

use crate::store::Database;
use crate::store::page::PageLimits;
use extensions::{limits, metering, trusted_documents};

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

/// Documents each replica remembers for automatic persisted queries.
const APQ_CACHE_SIZE: usize = 1024;

/// The executable schema.
pub type ApiSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Limits every document is checked against before it runs.
#[derive(Debug, Clone)]
pub struct DocumentLimits {
    /// Most directives on one field.
    pub max_directives: usize,
    /// Production mode: no introspection, no field suggestions in errors.
    pub production: bool,
    /// Limits on length, depth, aliases and root fields.
    pub shape: limits::ShapeLimits,
    /// The cost limit per request and the rate limiter.
    pub metering: metering::Metering,
    /// When set, only these documents run; otherwise any document does, and clients may use
    /// automatic persisted queries.
    pub trusted_documents: Option<trusted_documents::TrustedDocuments>,
}

/// The schema, serving `db` with the given limits. Loaders, the viewer and the client are added
/// per request.
pub fn build_schema(db: Database, pages: PageLimits, documents: DocumentLimits) -> ApiSchema {
    let mut builder = Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .data(db)
        .data(pages)
        .limit_directives(documents.max_directives)
        .extension(documents.shape)
        .extension(documents.metering);
    builder = match documents.trusted_documents {
        Some(trusted) => builder.extension(trusted),
        // Automatic persisted queries: clients may send a query's SHA-256 instead of its text
        // once the server has seen it. Each replica keeps its own cache; a miss just makes the
        // client send the text again.
        None => builder.extension(ApolloPersistedQueries::new(LruCacheStorage::new(
            APQ_CACHE_SIZE,
        ))),
    };
    if documents.production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}
