//! The Relay `Node` interface: any record by its global ID.

use async_graphql::{Context, ID, Interface, Object, Result};
use entity::enums::RecordType;

use super::context::{limits, loaders};
use super::ids;
use super::nodes::{
    Contact, Event, Funder, FundingLine, Organisation, Outcome, Participation, Place, Programme,
    Project, SourceDocument,
};
use crate::error::{ApiError, ApiResult};

/// A record with a global ID that `node(id)` can fetch again.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Global ID of the record, opaque and stable."
))]
pub enum Node {
    Project(Project),
    Organisation(Organisation),
    Participation(Participation),
    Funder(Funder),
    Programme(Programme),
    FundingLine(FundingLine),
    Outcome(Outcome),
    Event(Event),
    Place(Place),
    Contact(Contact),
    SourceDocument(SourceDocument),
}

/// Record `id` of type `kind`, when it exists.
pub(crate) async fn load_node(
    ctx: &Context<'_>,
    kind: RecordType,
    id: i32,
) -> ApiResult<Option<Node>> {
    let l = loaders(ctx)?;
    Ok(match kind {
        RecordType::Project => l
            .projects
            .load_one(id)
            .await?
            .map(|m| Node::Project(Project::from(m))),
        RecordType::Organisation => l
            .organisations
            .load_one(id)
            .await?
            .map(|m| Node::Organisation(Organisation::from(m))),
        RecordType::Participation => l
            .participations
            .load_one(id)
            .await?
            .map(|m| Node::Participation(Participation::from(m))),
        RecordType::Funder => l
            .funders
            .load_one(id)
            .await?
            .map(|m| Node::Funder(Funder(m))),
        RecordType::Programme => l
            .programmes
            .load_one(id)
            .await?
            .map(|m| Node::Programme(Programme(m))),
        RecordType::FundingLine => l
            .funding_lines
            .load_one(id)
            .await?
            .map(|m| Node::FundingLine(FundingLine(m))),
        RecordType::Outcome => l
            .outcomes
            .load_one(id)
            .await?
            .map(|m| Node::Outcome(Outcome(m))),
        RecordType::Event => l.events.load_one(id).await?.map(|m| Node::Event(Event(m))),
        RecordType::Place => l.places.load_one(id).await?.map(|m| Node::Place(Place(m))),
        RecordType::Contact => l
            .contacts
            .load_one(id)
            .await?
            .map(|m| Node::Contact(Contact(m))),
        RecordType::SourceDocument => l
            .source_documents
            .load_one(id)
            .await?
            .map(|m| Node::SourceDocument(SourceDocument(m))),
    })
}

fn decode(id: &ID) -> ApiResult<(RecordType, i32)> {
    ids::decode(id)
        .ok_or_else(|| ApiError::bad_input(format!("`{}` is not a valid ID", id.as_str())))
}

/// Root fields of the `Node` interface.
#[derive(Default)]
pub struct NodeQuery;

/// Root fields of the `Node` interface.
#[Object]
impl NodeQuery {
    /// The record with this global ID, or null when there is none. An ID that is not one of
    /// this API's IDs is a BAD_USER_INPUT error.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID.")] id: ID,
    ) -> Result<Option<Node>> {
        let (kind, number) = decode(&id)?;
        Ok(load_node(ctx, kind, number).await?)
    }

    /// The records with these global IDs, in the same order, with null for each one that does
    /// not exist. At most the maximum page size of IDs per call.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        let max = limits(ctx)?.max_size as usize;
        if ids.len() > max {
            return Err(ApiError::bad_input(format!(
                "`nodes` takes at most {max} IDs; got {}",
                ids.len()
            ))
            .into());
        }
        let keys = ids.iter().map(decode).collect::<ApiResult<Vec<_>>>()?;
        // Each load goes through a DataLoader, so IDs of one type are fetched in one batch.
        let loads = keys
            .into_iter()
            .map(|(kind, number)| load_node(ctx, kind, number));
        Ok(futures_util::future::try_join_all(loads).await?)
    }
}
