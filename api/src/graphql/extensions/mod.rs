//! Request policies, applied to each request as a whole before the schema runs it: which
//! document runs (trusted documents, or automatic persisted queries), its shape limits, its
//! cost against the limit and the client's bucket; and, after it ran, the shape of an answer
//! in which fields failed. They are plain functions around
//! `Schema::execute` rather than async-graphql extensions: a registered extension puts a hook
//! on every resolved field, which cost more than all of these together.

pub mod cost;
pub mod field_errors;
pub mod limits;
pub mod metering;
pub mod persisted_queries;
pub mod trusted_documents;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::registry::Registry;
use async_graphql::{Request, Response};

use limits::ShapeLimits;
use metering::Metering;
use persisted_queries::PersistedQueries;
use trusted_documents::TrustedDocuments;

use crate::store::rate_limits::Client;

/// Where the text of a request's document comes from.
#[derive(Debug)]
pub enum Documents {
    /// Only registered documents run.
    Trusted(TrustedDocuments),
    /// Any document runs, and clients may send a known document's hash instead of its text.
    Any(PersistedQueries),
}

/// Every policy a request passes before it runs.
pub struct RequestPolicy {
    pub documents: Documents,
    pub shape: ShapeLimits,
    pub metering: Metering,
    /// The schema's types, for the cost model and for completing answers with failed fields.
    pub registry: Registry,
}

impl RequestPolicy {
    /// Runs `request` through every policy and then `execute`; a refused request gets its
    /// error response instead. Answers that got as far as metering report their cost. Without
    /// `allow_mutations` (a GET request), a document whose selected operation is a mutation is
    /// refused, whether it came as text or as a persisted hash.
    pub async fn run<F, Fut>(
        &self,
        request: Request,
        client: &Client,
        allow_mutations: bool,
        execute: F,
    ) -> Response
    where
        F: FnOnce(Request) -> Fut,
        Fut: Future<Output = Response>,
    {
        let (request, admitted) = match self.admit(request, client, allow_mutations).await {
            Ok(admitted) => admitted,
            Err(refusal) => return refusal,
        };
        let mut response = execute(request).await;
        field_errors::complete(
            &mut response,
            &self.registry,
            &admitted.query,
            admitted.operation_name.as_deref(),
        );
        admitted.charge.report(&mut response);
        response
    }

    /// Checks `request` against every policy and charges its cost: the request to run (its
    /// document resolved and parsed) and what it was charged, or the response that refuses it.
    pub async fn admit(
        &self,
        mut request: Request,
        client: &Client,
        allow_mutations: bool,
    ) -> Result<(Request, Admitted), Response> {
        let resolved = match &self.documents {
            Documents::Trusted(trusted) => trusted.resolve(&request).map(|query| {
                request.query = query;
                request
            }),
            Documents::Any(persisted) => persisted.resolve(request),
        };
        request = resolved.map_err(|error| Response::from_errors(vec![error]))?;
        self.shape
            .check_length(&request.query)
            .map_err(|error| Response::from_errors(vec![error]))?;
        // Parsed once here; the schema reuses the parsed document.
        let operation_name = request.operation_name.clone();
        let variables = request.variables.clone();
        let document = request
            .parsed_query()
            .map_err(|error| Response::from_errors(vec![error]))?;
        if !allow_mutations && selects_mutation(document, operation_name.as_deref()) {
            let mut response = Response::from_errors(vec![crate::error::request_error(
                crate::error::code::METHOD_NOT_ALLOWED,
                "mutations are only accepted over POST",
            )]);
            response.http_headers.insert(
                axum::http::header::ALLOW,
                axum::http::HeaderValue::from_static("POST"),
            );
            return Err(response);
        }
        self.shape
            .check(document)
            .map_err(|error| Response::from_errors(vec![error]))?;
        let charge = self
            .metering
            .charge(
                &self.registry,
                document,
                &variables,
                operation_name.as_deref(),
                client,
            )
            .await?;
        // Kept for the rare answer with a failed field, whose shape is completed from it.
        let query = request.query.clone();
        Ok((
            request,
            Admitted {
                charge,
                query,
                operation_name,
            },
        ))
    }
}

/// What an admitted request was charged, and what completing its answer needs.
pub struct Admitted {
    pub charge: metering::Charge,
    query: String,
    operation_name: Option<String>,
}

/// True when the operation `document` runs (the named one, or any when no name is given) is a
/// mutation.
fn selects_mutation(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    match &document.operations {
        DocumentOperations::Single(operation) => operation.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(operations) => operations.iter().any(|(name, operation)| {
            operation.node.ty == OperationType::Mutation
                && operation_name.is_none_or(|wanted| wanted == name.as_str())
        }),
    }
}
