//! Attaching source documents to records and detaching them: the provenance of each fact.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::RecordType;

use super::{UserError, author, outcome};
use crate::graphql::context::{db, loaders};
use crate::graphql::ids;
use crate::graphql::node::{Node, load_node};
use crate::graphql::nodes::SourceDocument;
use crate::service::provenance;

/// A record and a source document it cites.
#[derive(InputObject)]
pub struct SourceLinkInput {
    /// Any record.
    pub record: ID,
    /// The source document.
    pub source: ID,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// The result of attaching or detaching a source document.
#[derive(SimpleObject)]
pub struct SourceLinkPayload {
    /// The record as it now is; null when `userErrors` stopped the change.
    pub record: Option<Node>,
    /// The source document; null when `userErrors` stopped the change.
    pub source: Option<SourceDocument>,
    /// What stopped the change; empty when it was made.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input, unchanged.
    pub client_mutation_id: Option<String>,
}

async fn link(
    ctx: &Context<'_>,
    input: SourceLinkInput,
    attach: bool,
) -> Result<SourceLinkPayload> {
    let author = author(ctx)?;
    let record = ids::decode(&input.record);
    let source = ids::reference(RecordType::SourceDocument, &input.source);
    let result = provenance::link(db(ctx)?, &author, record, source, attach).await;
    let (linked, user_errors) = outcome(result)?;
    let (record, source) = match linked {
        Some((kind, id)) => (
            load_node(ctx, kind, id).await?,
            loaders(ctx)?
                .source_documents
                .load_one(source)
                .await?
                .map(SourceDocument),
        ),
        None => (None, None),
    };
    Ok(SourceLinkPayload {
        record,
        source,
        user_errors,
        client_mutation_id: input.client_mutation_id,
    })
}

#[derive(Default)]
pub struct ProvenanceMutation;

#[Object]
impl ProvenanceMutation {
    /// Records that a record comes from a source document. Needs an editor or admin key.
    async fn attach_source(
        &self,
        ctx: &Context<'_>,
        input: SourceLinkInput,
    ) -> Result<SourceLinkPayload> {
        link(ctx, input, true).await
    }

    /// Removes a record's citation of a source document. Needs an editor or admin key.
    async fn detach_source(
        &self,
        ctx: &Context<'_>,
        input: SourceLinkInput,
    ) -> Result<SourceLinkPayload> {
        link(ctx, input, false).await
    }
}
