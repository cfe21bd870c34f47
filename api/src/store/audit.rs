//! Reading the audit log: pages of entries, newest first, by record, actor and time.

use chrono::{DateTime, Utc};
use entity::audit_entry;
use entity::enums::RecordType;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::page::{Page, PageRequest, SortColumn, SortKind, page};
use crate::error::ApiResult;

/// One change to one record.
pub type AuditRow = audit_entry::Model;

/// Which entries to list; every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub record: Option<(RecordType, i32)>,
    pub actor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Newest first: entries are numbered in the order they were written.
const NEWEST_FIRST: [SortColumn<audit_entry::Column>; 1] = [SortColumn {
    column: audit_entry::Column::Id,
    kind: SortKind::Integer,
    descending: true,
    name: "id",
}];

/// One page of the entries `filter` selects, newest first.
pub async fn page_of(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    request: &PageRequest,
) -> ApiResult<Page<AuditRow>> {
    use audit_entry::Column as A;
    let mut select = audit_entry::Entity::find();
    if let Some((record, id)) = filter.record {
        select = select
            .filter(A::RecordType.eq(record.as_str()))
            .filter(A::RecordId.eq(id));
    }
    if let Some(actor) = &filter.actor {
        select = select.filter(A::Actor.eq(actor.clone()));
    }
    if let Some(from) = filter.from {
        select = select.filter(A::At.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(A::At.lt(to));
    }
    page(db, select, &NEWEST_FIRST, A::Id, request).await
}
