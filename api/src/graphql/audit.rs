//! The audit log: every change to every record, who made it and what it changed. Admins only.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::connection::{connection, page_request};
use super::context::{db, principal};
use super::ids;
use super::scalars::DateTime;
use crate::auth::Role;
use crate::domain::audit::FieldChange;
use crate::error::ApiError;
use crate::store::audit::{self, AuditFilter, AuditRow};

/// What a change did to its record.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOperation {
    /// The record was created.
    Create,
    /// The record was changed.
    Update,
    /// The record was deleted (with the records it owned, each with an entry of its own).
    Delete,
}

/// One field a change changed.
#[derive(SimpleObject, Debug, Clone)]
pub struct AuditFieldChange {
    /// The field, by its GraphQL name (relations hold global IDs).
    pub field: String,
    /// The value before, as JSON text; `null` when the field had none. Contacts' e-mail and
    /// phone read `"[redacted]"`.
    pub old: String,
    /// The value after, as JSON text; `null` when the field has none.
    pub new: String,
}

/// One change to one record, written in the same transaction as the change.
#[derive(Debug, Clone)]
pub struct AuditEntry(pub AuditRow);

/// One change to one record, written in the same transaction as the change.
#[Object]
impl AuditEntry {
    /// Who made the change: the API key's name, or `token:` and the token's subject.
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    /// The caller's role when it made the change.
    async fn role(&self) -> &str {
        &self.0.role
    }

    /// When the change was committed.
    async fn at(&self) -> DateTime {
        DateTime(self.0.at.fixed_offset())
    }

    /// What the change did.
    async fn operation(&self) -> AuditOperation {
        match self.0.operation.as_str() {
            "CREATE" => AuditOperation::Create,
            "DELETE" => AuditOperation::Delete,
            _ => AuditOperation::Update,
        }
    }

    /// The GraphQL type of the record, e.g. `Project`.
    async fn record_type(&self) -> &str {
        &self.0.record_type
    }

    /// The global ID of the record (which may since have been deleted).
    async fn record_id(&self) -> ID {
        match entity::enums::RecordType::parse(&self.0.record_type) {
            Some(kind) => ids::encode(kind, self.0.record_id),
            None => ID(String::new()),
        }
    }

    /// The record's version after the change (its last version, for a delete).
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The fields that changed, with their old and new values.
    async fn changes(&self) -> Vec<AuditFieldChange> {
        serde_json::from_str::<Vec<FieldChange>>(&self.0.changes)
            .unwrap_or_default()
            .into_iter()
            .map(|c| AuditFieldChange {
                field: c.field,
                old: c.old.to_string(),
                new: c.new.to_string(),
            })
            .collect()
    }

    /// The `x-request-id` of the request that made the change.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// The `Idempotency-Key` the request carried, if any.
    async fn idempotency_key(&self) -> Option<&str> {
        self.0.idempotency_key.as_deref()
    }
}

connection!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntry,
    "A page of audit entries, newest first.",
    "An audit entry with its cursor."
);

/// Which audit entries to list; every condition given must hold.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Changes to this record.
    pub record: Option<ID>,
    /// Changes by this caller (a key's name, or `token:` and a subject).
    pub actor: Option<String>,
    /// Changes at or after this instant.
    pub from: Option<DateTime>,
    /// Changes before this instant.
    pub to: Option<DateTime>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every change to every record, newest first. Needs an admin key.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which changes to list.")] filter: Option<AuditLogFilter>,
        #[graphql(desc = "Return at most this many entries from the start of the window.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the entry with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many entries from the end of the window.")]
        last: Option<i32>,
        #[graphql(desc = "End before the entry with this cursor.")] before: Option<String>,
    ) -> Result<AuditEntryConnection> {
        if principal(ctx).role() != Some(Role::Admin) {
            return Err(ApiError::Forbidden("the audit log is for admin keys only").into());
        }
        let filter = filter.unwrap_or_default();
        let record = match &filter.record {
            Some(id) => Some(ids::decode(id).ok_or_else(|| {
                ApiError::bad_input(format!("`{}` is not a valid ID", id.as_str()))
            })?),
            None => None,
        };
        let filter = AuditFilter {
            record,
            actor: filter.actor,
            from: filter.from.map(|t| t.0.to_utc()),
            to: filter.to.map(|t| t.0.to_utc()),
        };
        let page = audit::page_of(
            db(ctx)?,
            &filter,
            &page_request(ctx, first, after, last, before)?,
        )
        .await?;
        Ok(AuditEntryConnection::of(page, AuditEntry))
    }
}
