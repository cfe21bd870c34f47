//! Bulk export: every record as one line of NDJSON, parents before children, read a page at a
//! time so memory stays flat however big the database is.
//!
//! A line is `{"type", "id", "key"?, "version", "fields", "sources"}`: `fields` are the record's
//! fields by GraphQL name as the audit log records them (relations as global IDs, localized
//! texts as lists of `{lang, text, isOriginal}`), `sources` the global IDs of the source
//! documents it cites. Contacts' e-mail and phone are left out for callers who may not see
//! them. The last line is `{"end": {"records", "changeCursor"}}`: a copy is complete when it
//! has that line, and the change feed from `changeCursor` brings it up to date (the cursor is
//! taken before the first record is read, so a change made during the export is in the feed).
//! With `since`, only records that changed after that feed cursor are exported, and a deleted
//! one as `{"type", "id", "deleted": true}`.

use std::collections::HashSet;

use entity::enums::RecordType;
use entity::participation;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde_json::{Map, Value, json};

use super::Record;
use super::contacts::Contacts;
use super::events::Events;
use super::funding::{Funders, FundingLines, Programmes};
use super::organisations::Organisations;
use super::outcomes::Outcomes;
use super::participations::Participations;
use super::places::Places;
use super::projects::Projects;
use super::sources::SourceDocuments;
use crate::auth::Principal;
use crate::domain::global_id;
use crate::error::{ApiError, ApiResult};
use crate::store::changes::{self, FeedPosition};
use crate::store::sources;
use crate::store::writes::Versioned;

/// Records read per statement.
const PAGE: u64 = 500;

/// Receives the export line by line; an error stops the export (the client went away).
pub trait LineSink: Send {
    fn line(&mut self, line: Value) -> impl Future<Output = Result<(), ()>> + Send;
}

/// What the caller may see of personal data: everything, the contacts of some organisations
/// and projects, or nothing.
struct PersonalData {
    principal: Principal,
    projects: HashSet<i32>,
}

impl PersonalData {
    async fn of(db: &DatabaseConnection, principal: &Principal) -> ApiResult<Self> {
        let organisations = principal.editor_organisations();
        let projects = if organisations.is_empty() {
            HashSet::new()
        } else {
            participation::Entity::find()
                .select_only()
                .column(participation::Column::ProjectId)
                .filter(participation::Column::OrganisationId.is_in(organisations.iter().copied()))
                .into_tuple::<i32>()
                .all(db)
                .await?
                .into_iter()
                .collect()
        };
        Ok(Self {
            principal: principal.clone(),
            projects,
        })
    }

    /// Leaves a contact's e-mail and phone out unless the caller may see them.
    fn guard(&self, record: RecordType, fields: &mut Map<String, Value>) {
        if record != RecordType::Contact {
            return;
        }
        let id_of = |field: &str| {
            fields
                .get(field)
                .and_then(Value::as_str)
                .and_then(global_id::decode)
                .map(|(_, id)| id)
        };
        let organisation = id_of("organisation");
        let project_is_theirs = id_of("project").is_some_and(|id| self.projects.contains(&id));
        if !self
            .principal
            .may_see_contact(organisation, project_is_theirs)
        {
            fields.remove("email");
            fields.remove("phone");
        }
    }
}

/// Writes the export for `principal` into `sink`: every record, or with `since` those changed
/// after that feed cursor. Readers and up; FORBIDDEN for anonymous callers.
pub async fn export(
    db: &DatabaseConnection,
    principal: &Principal,
    since: Option<FeedPosition>,
    sink: &mut impl LineSink,
) -> ApiResult<u64> {
    if principal.role().is_none() {
        return Err(ApiError::Forbidden("exporting needs an API key or token"));
    }
    let head = changes::head(db).await?;
    let personal = PersonalData::of(db, principal).await?;
    let mut exporter = Exporter {
        db,
        since,
        personal,
        records: 0,
    };
    // Parents before children: every type refers only to types before it.
    exporter.export::<SourceDocuments>(sink).await?;
    exporter.export::<Places>(sink).await?;
    exporter.export::<Organisations>(sink).await?;
    exporter.export::<Funders>(sink).await?;
    exporter.export::<Programmes>(sink).await?;
    exporter.export::<Projects>(sink).await?;
    exporter.export::<Participations>(sink).await?;
    exporter.export::<FundingLines>(sink).await?;
    exporter.export::<Outcomes>(sink).await?;
    exporter.export::<Events>(sink).await?;
    exporter.export::<Contacts>(sink).await?;
    let records = exporter.records;
    send(
        sink,
        json!({ "end": { "records": records, "changeCursor": head.encode() } }),
    )
    .await?;
    Ok(records)
}

async fn send(sink: &mut impl LineSink, line: Value) -> ApiResult<()> {
    // The client went away: stop reading the database.
    sink.line(line).await.map_err(|()| ApiError::Internal)
}

struct Exporter<'a> {
    db: &'a DatabaseConnection,
    since: Option<FeedPosition>,
    personal: PersonalData,
    records: u64,
}

impl Exporter<'_> {
    /// Every record of type `R` (or those changed since the cursor), a page at a time. A tree
    /// record whose parent has not been written yet (it was moved under a later record) waits,
    /// with its own children, until its type's pages are done.
    async fn export<R: Record>(&mut self, sink: &mut impl LineSink) -> ApiResult<()> {
        let id_column = <R::Entity as Versioned>::id_column();
        let mut after = 0;
        let mut waiting: Vec<(i32, Option<i32>, Value)> = Vec::new();
        let mut waiting_ids: HashSet<i32> = HashSet::new();
        loop {
            let ids: Option<Vec<i32>> = match self.since {
                Some(since) => {
                    Some(changes::changed_since(self.db, since, R::TYPE, after, PAGE).await?)
                }
                None => None,
            };
            let txn = self.db.begin().await?;
            let mut select = R::Entity::find()
                .filter(id_column.gt(after))
                .order_by_asc(id_column)
                .limit(PAGE);
            if let Some(ids) = &ids {
                select = R::Entity::find()
                    .filter(id_column.is_in(ids.iter().copied()))
                    .order_by_asc(id_column);
            }
            let rows = select.all(&txn).await?;
            let mut found = Vec::with_capacity(rows.len());
            for row in &rows {
                let id = <R::Entity as Versioned>::id_of(row);
                let draft = R::draft_of(&txn, row).await?;
                found.push((
                    id,
                    R::version_of(row),
                    R::parent_of(&draft),
                    R::snapshot(&draft),
                ));
            }
            let cited = sources::cited_by(
                &txn,
                R::TYPE,
                &found.iter().map(|(id, ..)| *id).collect::<Vec<_>>(),
            )
            .await?;
            txn.commit().await?;
            if let Some(ids) = &ids {
                // Changed records that are gone are tombstones.
                let present: HashSet<i32> = found.iter().map(|(id, ..)| *id).collect();
                for gone in ids.iter().filter(|id| !present.contains(id)) {
                    let line = json!({ "type": R::TYPE.as_str(), "id": global_id::encode(R::TYPE, *gone), "deleted": true });
                    send(sink, line).await?;
                    self.records += 1;
                }
            }
            for (id, version, parent, snapshot) in found {
                let line = self.line::<R>(id, version, snapshot, cited.get(&id));
                // Ascending ids: a parent with a higher id, or one still waiting, comes later.
                match parent {
                    Some(parent) if parent > id || waiting_ids.contains(&parent) => {
                        waiting_ids.insert(id);
                        waiting.push((id, Some(parent), line));
                    }
                    _ => {
                        send(sink, line).await?;
                        self.records += 1;
                    }
                }
            }
            let last = match &ids {
                Some(ids) => ids.last().copied(),
                None => rows.last().map(<R::Entity as Versioned>::id_of),
            };
            let full = match &ids {
                Some(ids) => ids.len() as u64 == PAGE,
                None => rows.len() as u64 == PAGE,
            };
            match last {
                Some(last) if full => after = last,
                _ => break,
            }
        }
        // The waiting records, each after its parent.
        let mut written: HashSet<i32> = HashSet::new();
        while !waiting.is_empty() {
            let before = waiting.len();
            let mut still = Vec::new();
            for (id, parent, line) in waiting {
                let ready =
                    parent.is_none_or(|p| !waiting_ids.contains(&p) || written.contains(&p));
                if ready {
                    send(sink, line).await?;
                    self.records += 1;
                    written.insert(id);
                } else {
                    still.push((id, parent, line));
                }
            }
            if still.len() == before {
                // A cycle cannot be stored; write what is left rather than loop.
                for (_, _, line) in still {
                    send(sink, line).await?;
                    self.records += 1;
                }
                break;
            }
            waiting = still;
        }
        Ok(())
    }

    fn line<R: Record>(
        &self,
        id: i32,
        version: i32,
        snapshot: crate::domain::audit::Snapshot,
        cited: Option<&Vec<i32>>,
    ) -> Value {
        let mut fields: Map<String, Value> = snapshot
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        self.personal.guard(R::TYPE, &mut fields);
        let mut line = Map::new();
        line.insert("type".into(), json!(R::TYPE.as_str()));
        line.insert("id".into(), json!(global_id::encode(R::TYPE, id)));
        if let Some(key) = fields.get("key") {
            line.insert("key".into(), key.clone());
        }
        line.insert("version".into(), json!(version));
        line.insert("fields".into(), Value::Object(fields));
        let sources: Vec<String> = cited
            .into_iter()
            .flatten()
            .map(|source| global_id::encode(RecordType::SourceDocument, *source))
            .collect();
        line.insert("sources".into(), json!(sources));
        Value::Object(line)
    }
}

/// How many records an export of everything holds, for a progress bar.
pub async fn record_count(db: &DatabaseConnection) -> ApiResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(entity::source_document::Entity::find().count(db).await?
        + entity::place::Entity::find().count(db).await?
        + entity::organisation::Entity::find().count(db).await?
        + entity::funder::Entity::find().count(db).await?
        + entity::programme::Entity::find().count(db).await?
        + entity::project::Entity::find().count(db).await?
        + entity::participation::Entity::find().count(db).await?
        + entity::funding_line::Entity::find().count(db).await?
        + entity::outcome::Entity::find().count(db).await?
        + entity::event::Entity::find().count(db).await?
        + entity::contact::Entity::find().count(db).await?)
}
