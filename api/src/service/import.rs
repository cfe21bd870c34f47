//! Bulk import of the export format: each line is upserted, by `key` for the types that have
//! one and by ID for the others, through the same checks as the mutations, in one transaction
//! (each line in a savepoint of its own, so one bad line is reported without hiding the
//! others). All or nothing unless `partial`; `dry_run` checks everything and keeps nothing.
//! A line equal to what is stored changes nothing and takes no version, so importing a file
//! twice changes nothing the second time.
//!
//! A record created by the import gets the next ID of its table; when that differs from the
//! ID in the file, later lines' references to it (relations and sources) are translated.

use std::collections::{BTreeSet, HashMap};

use entity::enums::RecordType;
use futures_util::{Stream, StreamExt};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{DatabaseConnection, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::Value;

use super::contacts::Contacts;
use super::events::{EventDraft, Events};
use super::funding::{
    FunderDraft, Funders, FundingLineDraft, FundingLines, ProgrammeDraft, Programmes,
};
use super::organisations::{OrganisationDraft, Organisations};
use super::outcomes::{OutcomeDraft, Outcomes};
use super::participations::{ParticipationDraft, Participations};
use super::places::{PlaceDraft, Places};
use super::projects::{ProjectDraft, Projects};
use super::sources::{SourceDocumentDraft, SourceDocuments};
use super::{Record, WriteError, Writer, create_in, delete_in, rewrite_in};
use crate::domain::audit::FieldChange;
use crate::domain::global_id;
use crate::domain::validation::{FieldPath, Violations};
use crate::error::ApiError;
use crate::store::sources::{self, Citation};
use crate::store::writes::{Operation, UnitOfWork, Versioned, find_for_update, touch};

/// Longest line read, in bytes.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// Errors reported before the import stops looking.
const MAX_ERRORS: usize = 100;

/// A line's fields read as a record of its type: what the transport reads with the create
/// mutations' own input types, so a line is held to the same rules as a mutation.
pub enum AnyDraft {
    SourceDocument(SourceDocumentDraft),
    Place(PlaceDraft),
    Organisation(OrganisationDraft),
    Funder(FunderDraft),
    Programme(ProgrammeDraft),
    Project(ProjectDraft),
    Participation(ParticipationDraft),
    FundingLine(FundingLineDraft),
    Outcome(OutcomeDraft),
    Event(EventDraft),
    Contact(super::contacts::ContactDraft),
}

/// Reads `fields` as a record of the given type, or says why it cannot.
pub trait DraftReader: Send + Sync {
    fn read(&self, record: RecordType, fields: Value) -> Result<AnyDraft, String>;
}

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Check every line, keep nothing.
    pub dry_run: bool,
    /// Keep the good lines when some are bad.
    pub partial: bool,
}

/// What an import did, or would do.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Whether the changes were kept.
    pub committed: bool,
    pub dry_run: bool,
    pub partial: bool,
    /// Lines read (the end line included).
    pub lines: u64,
    pub created: u64,
    pub updated: u64,
    /// Lines equal to what is stored.
    pub unchanged: u64,
    pub deleted: u64,
    /// Lines refused; `errors` says why (the first 100).
    pub rejected: u64,
    pub errors: Vec<LineError>,
}

/// Why one line was refused.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineError {
    /// The line's number, from 1.
    pub line: u64,
    /// The field at fault, as a path into the line (`["fields", "title", "0", "text"]`).
    pub field: Vec<String>,
    /// A code from the mutations' `userErrors` (`INVALID`, `NOT_FOUND`, ...), or
    /// `BAD_LINE` for a line that is not a record of the format.
    pub code: String,
    pub message: String,
}

/// One line of the format.
enum Line {
    Record {
        record: RecordType,
        file_id: i32,
        key: Option<String>,
        fields: Value,
        sources: Vec<String>,
    },
    Deleted {
        record: RecordType,
        file_id: i32,
    },
    End,
}

fn bad_line(message: impl Into<String>) -> (Vec<String>, String, String) {
    (Vec::new(), "BAD_LINE".to_owned(), message.into())
}

fn parse(text: &str) -> Result<Line, (Vec<String>, String, String)> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| bad_line(format!("the line is not JSON: {e}")))?;
    let Value::Object(mut line) = value else {
        return Err(bad_line("the line is not a JSON object"));
    };
    if line.contains_key("end") {
        return Ok(Line::End);
    }
    let type_name = line
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_line("the line has no `type`"))?;
    let record = RecordType::parse(type_name)
        .ok_or_else(|| bad_line(format!("`{type_name}` is not a record type")))?;
    let id = line
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_line("the line has no `id`"))?;
    let file_id = match global_id::decode(id) {
        Some((kind, n)) if kind == record => n,
        _ => return Err(bad_line(format!("`{id}` is not the ID of a {type_name}"))),
    };
    if line.get("deleted") == Some(&Value::Bool(true)) {
        return Ok(Line::Deleted { record, file_id });
    }
    let fields = match line.remove("fields") {
        Some(fields @ Value::Object(_)) => fields,
        _ => return Err(bad_line("the line has no `fields` object")),
    };
    let sources = match line.remove("sources") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(id) => Ok(id),
                _ => Err(bad_line("`sources` holds global IDs of source documents")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad_line("`sources` must be a list")),
    };
    let key = fields.get("key").and_then(Value::as_str).map(str::to_owned);
    Ok(Line::Record {
        record,
        file_id,
        key,
        fields,
        sources,
    })
}

/// What one line did.
enum Outcome {
    Created(i32),
    Updated(i32),
    Unchanged(i32),
    Deleted,
}

/// IDs of the file that became other IDs here.
#[derive(Default)]
struct IdMap(HashMap<(RecordType, i32), i32>);

/// Where a reference to a record whose line was refused points: no record has this ID, so the
/// reference is reported as not found rather than taken for another record.
const REFUSED: i32 = i32::MAX;

impl IdMap {
    fn local(&self, record: RecordType, file_id: i32) -> i32 {
        self.0.get(&(record, file_id)).copied().unwrap_or(file_id)
    }

    fn note(&mut self, record: RecordType, file_id: i32, local: i32) {
        if file_id == local {
            self.0.remove(&(record, file_id));
        } else {
            self.0.insert((record, file_id), local);
        }
    }

    /// The record of a refused line is not here.
    fn refuse(&mut self, record: RecordType, file_id: i32) {
        self.0.insert((record, file_id), REFUSED);
    }

    /// `value` with every global ID of a mapped record replaced by the local one.
    fn translate(&self, value: &mut Value) {
        if self.0.is_empty() {
            return;
        }
        match value {
            Value::String(text) => {
                if let Some((record, file_id)) = global_id::decode(text)
                    && let Some(local) = self.0.get(&(record, file_id))
                {
                    *text = global_id::encode(record, *local);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.translate(item)),
            Value::Object(fields) => fields.values_mut().for_each(|item| self.translate(item)),
            _ => {}
        }
    }
}

/// Imports the lines of `input` (one record of the export format each) as `writer`.
pub async fn import<S, E>(
    db: &DatabaseConnection,
    writer: &Writer,
    reader: &dyn DraftReader,
    input: S,
    options: Options,
) -> Result<Report, ApiError>
where
    S: Stream<Item = Result<String, E>> + Send,
    E: std::fmt::Display,
{
    let uow = UnitOfWork::begin(db, &writer.author).await?;
    let mut report = Report {
        dry_run: options.dry_run,
        partial: options.partial,
        ..Report::default()
    };
    let mut ids = IdMap::default();
    let mut input = std::pin::pin!(input);
    while let Some(text) = input.next().await {
        report.lines += 1;
        let number = report.lines;
        let text = match text {
            Ok(text) => text,
            Err(error) => {
                // The input itself broke off: nothing after it can be read.
                reject(
                    &mut report,
                    number,
                    bad_line(format!("cannot read the input: {error}")),
                );
                break;
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        let line = match parse(&text) {
            Ok(Line::End) => break,
            Ok(line) => line,
            Err(error) => {
                reject(&mut report, number, error);
                continue;
            }
        };
        let identity = match &line {
            Line::Record {
                record, file_id, ..
            } => Some((*record, *file_id)),
            _ => None,
        };
        let nested = uow.nested().await?;
        let applied = apply(&nested, writer, reader, &mut ids, line).await;
        if applied.is_err()
            && let Some((record, file_id)) = identity
        {
            ids.refuse(record, file_id);
        }
        match applied {
            Ok(outcome) => {
                nested.commit().await?;
                match outcome {
                    Outcome::Created(_) => report.created += 1,
                    Outcome::Updated(_) => report.updated += 1,
                    Outcome::Unchanged(_) => report.unchanged += 1,
                    Outcome::Deleted => report.deleted += 1,
                }
            }
            Err(WriteError::Rejected(violations)) => {
                drop(nested);
                for violation in violations {
                    let mut field = violation.field;
                    // The mutations' paths start at `input`; a line's at `fields`.
                    if field.first().is_some_and(|f| f == "input") {
                        field[0] = "fields".to_owned();
                    }
                    reject(
                        &mut report,
                        number,
                        (field, violation.code.as_str().to_owned(), violation.message),
                    );
                }
            }
            Err(WriteError::Failed(ApiError::Forbidden(why))) => {
                drop(nested);
                reject(
                    &mut report,
                    number,
                    (Vec::new(), "FORBIDDEN".to_owned(), why.to_owned()),
                );
            }
            Err(WriteError::Failed(error)) => return Err(error),
        }
        if report.errors.len() >= MAX_ERRORS && !options.partial {
            break;
        }
    }
    let keep = !options.dry_run && (report.rejected == 0 || options.partial);
    if keep {
        uow.commit().await?;
        report.committed = true;
    }
    Ok(report)
}

fn reject(report: &mut Report, line: u64, (field, code, message): (Vec<String>, String, String)) {
    if report.errors.last().is_none_or(|last| last.line != line) {
        report.rejected += 1;
    }
    if report.errors.len() < MAX_ERRORS {
        report.errors.push(LineError {
            line,
            field,
            code,
            message,
        });
    }
}

fn violation(field: &[&str], code: crate::domain::validation::Code, message: String) -> WriteError {
    let mut path = FieldPath::input();
    for name in field {
        path = path.at(name);
    }
    WriteError::Rejected(vec![crate::domain::validation::Violation::new(
        &path, code, message,
    )])
}

/// Applies one line inside its savepoint.
async fn apply(
    uow: &UnitOfWork<'_>,
    writer: &Writer,
    reader: &dyn DraftReader,
    ids: &mut IdMap,
    line: Line,
) -> Result<Outcome, WriteError> {
    let (record, file_id, key, mut fields, source_ids) = match line {
        Line::End => return Ok(Outcome::Deleted),
        Line::Deleted { record, file_id } => {
            let local = ids.local(record, file_id);
            return deleted(uow, writer, record, local).await;
        }
        Line::Record {
            record,
            file_id,
            key,
            fields,
            sources,
        } => (record, file_id, key, fields, sources),
    };
    ids.translate(&mut fields);
    let mut cited = BTreeSet::new();
    for (index, source) in source_ids.iter().enumerate() {
        match global_id::decode(source) {
            Some((RecordType::SourceDocument, n)) => {
                cited.insert(ids.local(RecordType::SourceDocument, n));
            }
            _ => {
                return Err(violation(
                    &["sources", &index.to_string()],
                    crate::domain::validation::Code::Invalid,
                    format!("`{source}` is not the ID of a SourceDocument"),
                ));
            }
        }
    }
    let draft = reader
        .read(record, fields)
        .map_err(|message| violation(&[], crate::domain::validation::Code::Invalid, message))?;
    let target = Target {
        file_id: ids.local(record, file_id),
        key: key.as_deref(),
        cited,
    };
    let outcome = match draft {
        AnyDraft::SourceDocument(d) => upsert::<SourceDocuments>(uow, writer, d, target).await,
        AnyDraft::Place(d) => upsert::<Places>(uow, writer, d, target).await,
        AnyDraft::Organisation(d) => upsert::<Organisations>(uow, writer, d, target).await,
        AnyDraft::Funder(d) => upsert::<Funders>(uow, writer, d, target).await,
        AnyDraft::Programme(d) => upsert::<Programmes>(uow, writer, d, target).await,
        AnyDraft::Project(d) => upsert::<Projects>(uow, writer, d, target).await,
        AnyDraft::Participation(d) => upsert::<Participations>(uow, writer, d, target).await,
        AnyDraft::FundingLine(d) => upsert::<FundingLines>(uow, writer, d, target).await,
        AnyDraft::Outcome(d) => upsert::<Outcomes>(uow, writer, d, target).await,
        AnyDraft::Event(d) => upsert::<Events>(uow, writer, d, target).await,
        AnyDraft::Contact(d) => upsert::<Contacts>(uow, writer, d, target).await,
    }?;
    if let Outcome::Created(local) | Outcome::Updated(local) | Outcome::Unchanged(local) = outcome {
        ids.note(record, file_id, local);
    }
    Ok(outcome)
}

/// Which stored record a line is: by key, or by ID for types without one.
struct Target<'a> {
    file_id: i32,
    key: Option<&'a str>,
    cited: BTreeSet<i32>,
}

async fn upsert<R: Record>(
    uow: &UnitOfWork<'_>,
    writer: &Writer,
    draft: R::Draft,
    target: Target<'_>,
) -> Result<Outcome, WriteError> {
    let at = FieldPath::input();
    let id_column = <R::Entity as Versioned>::id_column();
    let existing = match target.key {
        Some(key) => {
            let found = R::Entity::find()
                .filter(Expr::col(Alias::new("key")).eq(key))
                .one(uow.db())
                .await?;
            match found {
                Some(row) => {
                    let id = id_value(sea_orm::ModelTrait::get(&row, id_column));
                    find_for_update::<R::Entity>(uow, id).await?
                }
                None => None,
            }
        }
        None => find_for_update::<R::Entity>(uow, target.file_id).await?,
    };
    let Some(row) = existing else {
        let id = create_in::<R>(uow, writer, &draft, &at).await?;
        if !target.cited.is_empty() {
            cite(uow, R::TYPE, id, &target.cited).await?;
        }
        return Ok(Outcome::Created(id));
    };
    let id = id_value(sea_orm::ModelTrait::get(&row, id_column));
    let version = R::version_of(&row);
    let before = R::draft_of(uow.db(), &row).await?;
    super::ensure_permitted(uow.db(), &writer.scope, R::owner(&before, Some(id))).await?;
    let changed = rewrite_in::<R>(
        uow,
        writer,
        id,
        version,
        &before,
        &draft,
        &at,
        Violations::default(),
    )
    .await?;
    let stored: BTreeSet<i32> = sources::cited_by(uow.db(), R::TYPE, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .collect();
    if stored != target.cited {
        sources::uncite_all(uow.db(), R::TYPE, &[id]).await?;
        cite(uow, R::TYPE, id, &target.cited).await?;
        let version = if changed {
            version + 1
        } else {
            touch(uow, R::TYPE, id).await?.unwrap_or(version + 1)
        };
        let change = FieldChange {
            field: "sources".to_owned(),
            old: Value::from(
                stored
                    .iter()
                    .map(|s| global_id::encode(RecordType::SourceDocument, *s))
                    .collect::<Vec<_>>(),
            ),
            new: Value::from(
                target
                    .cited
                    .iter()
                    .map(|s| global_id::encode(RecordType::SourceDocument, *s))
                    .collect::<Vec<_>>(),
            ),
        };
        uow.audit(Operation::Update, R::TYPE, id, version, &[change])
            .await?;
        return Ok(Outcome::Updated(id));
    }
    Ok(if changed {
        Outcome::Updated(id)
    } else {
        Outcome::Unchanged(id)
    })
}

async fn cite(
    uow: &UnitOfWork<'_>,
    record: RecordType,
    id: i32,
    cited: &BTreeSet<i32>,
) -> Result<(), WriteError> {
    let citations: Vec<Citation> = cited
        .iter()
        .map(|source| Citation {
            record,
            record_id: id,
            source_document_id: *source,
        })
        .collect();
    sources::cite(uow.db(), &citations).await?;
    Ok(())
}

/// A tombstone: the record goes, if it is still here.
async fn deleted(
    uow: &UnitOfWork<'_>,
    writer: &Writer,
    record: RecordType,
    id: i32,
) -> Result<Outcome, WriteError> {
    let result = match record {
        RecordType::SourceDocument => delete_in::<SourceDocuments>(uow, writer, id, None).await,
        RecordType::Place => delete_in::<Places>(uow, writer, id, None).await,
        RecordType::Organisation => delete_in::<Organisations>(uow, writer, id, None).await,
        RecordType::Funder => delete_in::<Funders>(uow, writer, id, None).await,
        RecordType::Programme => delete_in::<Programmes>(uow, writer, id, None).await,
        RecordType::Project => delete_in::<Projects>(uow, writer, id, None).await,
        RecordType::Participation => delete_in::<Participations>(uow, writer, id, None).await,
        RecordType::FundingLine => delete_in::<FundingLines>(uow, writer, id, None).await,
        RecordType::Outcome => delete_in::<Outcomes>(uow, writer, id, None).await,
        RecordType::Event => delete_in::<Events>(uow, writer, id, None).await,
        RecordType::Contact => delete_in::<Contacts>(uow, writer, id, None).await,
    };
    match result {
        Ok(()) => Ok(Outcome::Deleted),
        // Gone already: nothing to do.
        Err(WriteError::Rejected(violations))
            if violations
                .iter()
                .all(|v| v.code == crate::domain::validation::Code::NotFound) =>
        {
            Ok(Outcome::Unchanged(id))
        }
        Err(error) => Err(error),
    }
}

/// A row's id, read generically.
fn id_value(value: sea_orm::Value) -> i32 {
    match value {
        sea_orm::Value::Int(Some(id)) => id,
        sea_orm::Value::BigInt(Some(id)) => i32::try_from(id).unwrap_or_default(),
        _ => 0,
    }
}
