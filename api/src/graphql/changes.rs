//! The change feed: every change to every record in commit-safe order, for integrations that
//! copy the data and keep it in step. A client pages to the end, keeps the last cursor, and
//! comes back later for what changed since; it never misses a change and never sees one twice.

use std::collections::HashSet;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject, Subscription};
use entity::enums::RecordType as StoredRecordType;
use futures_util::{Stream, StreamExt};

use super::connection::{PageInfo, first_of};
use super::context::{db, principal};
use super::ids;
use super::node::{Node, load_node};
use super::scalars::DateTime;
use crate::error::ApiError;
use crate::store::changes::FeedPosition;
use crate::store::changes::{self, Change as StoredChange, ChangeOperation as StoredOperation};
use crate::store::notifications::CommitSignal;
use crate::store::page::Page;

/// A type of record.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::RecordType")]
pub enum RecordType {
    /// A source document.
    SourceDocument,
    /// A place.
    Place,
    /// An organisation.
    Organisation,
    /// A funder.
    Funder,
    /// A programme.
    Programme,
    /// A project.
    Project,
    /// A participation of an organisation in a project.
    Participation,
    /// A funding line.
    FundingLine,
    /// An outcome.
    Outcome,
    /// An event.
    Event,
    /// A contact person.
    Contact,
}

/// What a change did to its record.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOperation {
    /// The record was created.
    Created,
    /// The record was changed.
    Updated,
    /// The record was deleted (the change stays as a tombstone).
    Deleted,
}

impl From<StoredOperation> for ChangeOperation {
    fn from(operation: StoredOperation) -> Self {
        match operation {
            StoredOperation::Created => Self::Created,
            StoredOperation::Updated => Self::Updated,
            StoredOperation::Deleted => Self::Deleted,
        }
    }
}

/// One change to one record.
#[derive(Debug, Clone)]
pub struct Change(StoredChange);

/// One change to one record, in the order changes became visible.
#[Object]
impl Change {
    /// What the change did.
    async fn operation(&self) -> ChangeOperation {
        self.0.operation.into()
    }

    /// The type of the record.
    async fn record_type(&self) -> RecordType {
        self.0.record_type.into()
    }

    /// The global ID of the record.
    async fn record_id(&self) -> ID {
        ids::encode(self.0.record_type, self.0.record_id)
    }

    /// The record's version after the change (its last version, for a delete). A copy whose
    /// version is this one or later needs nothing from this change.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When the change was made.
    async fn changed_at(&self) -> DateTime {
        DateTime(self.0.changed_at.fixed_offset())
    }

    /// The record as it is now: null for a delete, and for a record deleted since.
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        if self.0.operation == StoredOperation::Deleted {
            return Ok(None);
        }
        Ok(load_node(ctx, self.0.record_type, self.0.record_id).await?)
    }
}

/// A change with its cursor.
#[derive(SimpleObject)]
pub struct ChangeEdge {
    /// Opaque position of this change; pass it as `after` to continue from here.
    pub cursor: String,
    /// The change.
    pub node: Change,
}

/// A page of the change feed. It has no `totalCount`: the feed grows while it is read.
#[derive(SimpleObject)]
pub struct ChangeConnection {
    /// The changes on this page, each with its cursor.
    pub edges: Vec<ChangeEdge>,
    /// The changes on this page, without cursors.
    pub nodes: Vec<Change>,
    /// Where this page lies; `endCursor` is the cursor to keep, even on an empty page.
    pub page_info: PageInfo,
}

#[derive(Default)]
pub struct ChangeQuery;

#[Object]
impl ChangeQuery {
    /// Every change to every record, oldest first, for copying the data and keeping the copy
    /// in step: page to the end, keep `pageInfo.endCursor`, come back later with it as
    /// `after`. No change is missed or repeated, whatever commits meanwhile. Changes are kept
    /// for `CHANGE_RETENTION_DAYS`; an older cursor gets `CURSOR_EXPIRED`. Needs an API key
    /// or token.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Continue after the change with this cursor; from the oldest kept \
                          change when left out."
        )]
        after: Option<String>,
        #[graphql(desc = "Return at most this many changes.")] first: Option<i32>,
        #[graphql(desc = "Only changes to records of these types; all when left out.")]
        record_types: Option<Vec<RecordType>>,
    ) -> Result<ChangeConnection> {
        if principal(ctx).role().is_none() {
            return Err(ApiError::Forbidden("the change feed needs an API key or token").into());
        }
        let first = first_of(ctx, first)?;
        let position = after.as_deref().map(FeedPosition::decode).transpose()?;
        let types: Vec<StoredRecordType> = record_types
            .unwrap_or_default()
            .into_iter()
            .map(StoredRecordType::from)
            .collect();
        let (rows, more) = changes::after(db(ctx)?, position, first, &types).await?;
        let page = Page {
            rows: rows
                .into_iter()
                .map(|change| (change.position.encode(), change))
                .collect(),
            has_next_page: more,
            has_previous_page: position.is_some(),
            total_count: None,
        };
        let mut page_info = PageInfo::from(&page);
        // An empty page keeps the client where it was.
        if page_info.end_cursor.is_none() {
            page_info.end_cursor = after;
        }
        let edges: Vec<ChangeEdge> = page
            .rows
            .into_iter()
            .map(|(cursor, change)| ChangeEdge {
                cursor,
                node: Change(change),
            })
            .collect();
        Ok(ChangeConnection {
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            page_info,
        })
    }
}

/// Most record IDs one subscription may name.
const MAX_SUBSCRIBED_IDS: usize = 100;

#[derive(Default)]
pub struct ChangeSubscription;

#[Subscription]
impl ChangeSubscription {
    /// Each change as it commits, through whichever replica: the same changes, order, cursors
    /// and visibility as the `changes` query. Give `after` (the last cursor you saw) when you
    /// reconnect, and the changes made meanwhile come first, so none is missed; without it the
    /// stream starts at the present. Needs an API key or token, sent in `connection_init`.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start after the change with this cursor; at the present when left out.")]
        after: Option<String>,
        #[graphql(desc = "Only changes to records of these types; all when left out.")]
        record_types: Option<Vec<RecordType>>,
        #[graphql(
            desc = "Only changes to these records (at most 100 global IDs); all when left out."
        )]
        ids: Option<Vec<ID>>,
    ) -> Result<impl Stream<Item = Result<ChangeEdge>> + use<>> {
        if principal(ctx).role().is_none() {
            return Err(ApiError::Forbidden(
                "subscriptions need an API key or token in connection_init",
            )
            .into());
        }
        let records = match ids {
            None => None,
            Some(ids) if ids.len() > MAX_SUBSCRIBED_IDS => {
                return Err(ApiError::bad_input(format!(
                    "`ids` names {} records; at most {MAX_SUBSCRIBED_IDS} may be followed",
                    ids.len()
                ))
                .into());
            }
            Some(ids) => Some(
                ids.iter()
                    .map(|id| {
                        ids::decode(id).ok_or_else(|| {
                            ApiError::bad_input(format!("`{}` is not a global ID", id.as_str()))
                        })
                    })
                    .collect::<Result<HashSet<_>, _>>()?,
            ),
        };
        let db = db(ctx)?.clone();
        let from = match after.as_deref().map(FeedPosition::decode).transpose()? {
            Some(position) => {
                changes::ensure_kept(&db, position).await?;
                position
            }
            None => changes::head(&db).await.map_err(ApiError::from)?,
        };
        let types: Vec<StoredRecordType> = record_types
            .unwrap_or_default()
            .into_iter()
            .map(StoredRecordType::from)
            .collect();
        let signal = ctx.data::<CommitSignal>()?;
        let stream = changes::follow(db, signal, from, types)
            .filter(move |change| {
                let wanted = match (change, &records) {
                    (Ok(change), Some(records)) => {
                        records.contains(&(change.record_type, change.record_id))
                    }
                    _ => true,
                };
                std::future::ready(wanted)
            })
            .map(|change| {
                change
                    .map(|change| ChangeEdge {
                        cursor: change.position.encode(),
                        node: Change(change),
                    })
                    .map_err(Into::into)
            });
        Ok(stream)
    }
}
