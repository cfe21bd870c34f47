//! The GraphQL schema: one module per domain area, each with its types, filter inputs and root
//! fields, merged into one `Query`; the mutations, one module per area, in [`writes`], merged
//! into one `Mutation`. It is thin: inputs become store filters and store rows
//! become types; the SQL lives in [`crate::store`] and the rules in [`crate::domain`]. Request
//! policies (cost, limits, metering, trusted documents) are in [`extensions`]. No HTTP here:
//! the schema can be built and run on its own.

pub mod analytics;
pub mod audit;
pub mod changes;
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
pub mod nodes;
pub mod organisation;
pub mod outcome;
pub mod participation;
pub mod place;
pub mod project;
pub mod scalars;
pub mod search;
pub mod source;
pub mod text;
pub mod viewer;
pub mod writes;

use std::num::NonZeroUsize;
use std::sync::Arc;

use async_graphql::SDLExportOptions;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::registry::Registry;
use async_graphql::{
    Data, MergedObject, MergedSubscription, OutputType, Request, Response, Schema, SubscriptionType,
};

use crate::config::WebhookSettings;
use crate::store::Database;
use crate::store::loaders::Batches;
use crate::store::notifications::CommitSignal;
use crate::store::page::PageLimits;
use crate::store::rate_limits::Client;
use extensions::persisted_queries::PersistedQueries;
use extensions::{Documents, RequestPolicy, limits, metering, trusted_documents};

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
    search::SearchQuery,
    audit::AuditQuery,
    changes::ChangeQuery,
    viewer::ViewerQuery,
    writes::api_key::ApiKeyQuery,
    writes::webhook::WebhookQuery,
);

/// Every root subscription field.
#[derive(MergedSubscription, Default)]
pub struct Subscription(changes::ChangeSubscription);

/// Documents each replica remembers for automatic persisted queries.
const APQ_CACHE_SIZE: NonZeroUsize = NonZeroUsize::new(1024).expect("not zero");

/// The executable schema.
pub type ApiSchema = Schema<Query, writes::Mutation, Subscription>;

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

/// The schema and the policies every request passes before it runs.
#[derive(Clone)]
pub struct Api {
    pub schema: ApiSchema,
    policy: Arc<RequestPolicy>,
}

impl Api {
    /// Runs one request for `client` under every policy; mutations only when
    /// `allow_mutations` (the request came by POST).
    pub async fn execute(
        &self,
        request: Request,
        client: &Client,
        allow_mutations: bool,
    ) -> Response {
        self.policy
            .run(request, client, allow_mutations, |request| {
                self.schema.execute(request)
            })
            .await
    }

    /// Admits one operation sent over a WebSocket for `client` under every policy (mutations
    /// are refused: they go over POST) and streams its answers, each event's relations loaded
    /// in batches as over HTTP.
    pub async fn execute_stream(
        &self,
        request: Request,
        client: &Client,
        session: Arc<Data>,
        batches: Batches,
    ) -> BoxStream<'static, Response> {
        use futures_util::StreamExt;
        let request = match self.policy.admit(request, client, false).await {
            Ok((request, _)) => request,
            Err(refusal) => return futures_util::stream::once(async { refusal }).boxed(),
        };
        let answers = self
            .schema
            .execute_stream_with_session_data(request, session);
        futures_util::stream::unfold((answers, batches), |(mut answers, batches)| async move {
            let next = batches.drive(answers.next()).await?;
            Some((next, (answers, batches)))
        })
        .boxed()
    }
}

/// The schema's types, as the cost model reads them.
fn type_registry() -> Registry {
    let mut registry = Registry {
        query_type: "Query".to_owned(),
        mutation_type: Some("Mutation".to_owned()),
        subscription_type: Some("Subscription".to_owned()),
        ..Registry::default()
    };
    <Query as OutputType>::create_type_info(&mut registry);
    <writes::Mutation as OutputType>::create_type_info(&mut registry);
    <Subscription as SubscriptionType>::create_type_info(&mut registry);
    registry
}

/// The API, serving `db` with the given limits; subscriptions wake on `commits`; webhooks are
/// registered under `webhooks`. Loaders, the
/// principal and the client are added per request.
pub fn build(
    db: Database,
    pages: PageLimits,
    documents: DocumentLimits,
    commits: CommitSignal,
    webhooks: WebhookSettings,
) -> Api {
    let mut builder = Schema::build(
        Query::default(),
        writes::Mutation::default(),
        Subscription::default(),
    )
    .data(db)
    .data(commits)
    .data(webhooks)
    .data(pages)
    .limit_directives(documents.max_directives);
    if documents.production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    let documents_policy = match documents.trusted_documents {
        Some(trusted) => Documents::Trusted(trusted),
        None => Documents::Any(PersistedQueries::new(APQ_CACHE_SIZE)),
    };
    Api {
        schema: builder.finish(),
        policy: Arc::new(RequestPolicy {
            documents: documents_policy,
            shape: documents.shape,
            metering: documents.metering,
            registry: type_registry(),
        }),
    }
}

/// The SDL of the schema, as committed in `schema.graphql` and served at `/schema.graphql`;
/// each custom scalar carries `@specifiedBy` the standard it follows.
pub fn sdl() -> String {
    Schema::build(
        Query::default(),
        writes::Mutation::default(),
        Subscription::default(),
    )
    .finish()
    .sdl_with_options(SDLExportOptions::new().include_specified_by())
}
