//! Bulk import of the export format: each line is upserted, by `key` for the types that have
//! one and by ID for the others, through the same checks as the mutations, in one transaction
//! (each line in a savepoint of its own, so one bad line is reported without hiding the
//! others). All or nothing unless `partial`; `dry_run` checks everything and keeps nothing.
//! A line equal to what is stored changes nothing and takes no version, so importing a file
//! twice changes nothing the second time.
//!
//! A record created by the import gets the next ID of its table; when that differs from the
//! ID in the file, later lines' references to it (relations and sources) are translated.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use entity::enums::RecordType;
use futures_util::{Stream, StreamExt};
use sea_orm::sea_query::Alias;
use sea_orm::{DatabaseConnection, DbErr};
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
use crate::domain::validation::{Code, FieldPath, Violations};
use crate::error::ApiError;
use crate::store::sources::{self, Citation};
use crate::store::writes::{
    Operation, UnitOfWork, Versioned, find_by_key_for_update, find_for_update, present, touch,
};

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

/// One record line of the format.
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
}

impl Line {
    /// The record the line is about, as the file names it.
    fn identity(&self) -> (RecordType, i32) {
        match self {
            Self::Record {
                record, file_id, ..
            }
            | Self::Deleted { record, file_id } => (*record, *file_id),
        }
    }
}

fn bad_line(message: impl Into<String>) -> (Vec<String>, String, String) {
    (Vec::new(), "BAD_LINE".to_owned(), message.into())
}

/// The record a line holds, or `None` for the end line.
fn parse(text: &str) -> Result<Option<Line>, (Vec<String>, String, String)> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| bad_line(format!("the line is not JSON: {e}")))?;
    let Value::Object(mut line) = value else {
        return Err(bad_line("the line is not a JSON object"));
    };
    if line.contains_key("end") {
        return Ok(None);
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
        return Ok(Some(Line::Deleted { record, file_id }));
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
    Ok(Some(Line::Record {
        record,
        file_id,
        key,
        fields,
        sources,
    }))
}

/// What one line did.
enum Outcome {
    Created(i32),
    Updated(i32),
    Unchanged(i32),
    Deleted,
}

impl Report {
    fn count(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Created(_) => self.created += 1,
            Outcome::Updated(_) => self.updated += 1,
            Outcome::Unchanged(_) => self.unchanged += 1,
            Outcome::Deleted => self.deleted += 1,
        }
    }
}

/// What a record of the file is here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Local {
    /// Another ID.
    Moved(i32),
    /// Not here: its line was refused.
    Refused,
}

/// Records of the file that are not here under their own ID, with a journal of the entries a
/// chunk of lines made, so they can be taken back when the chunk is undone.
#[derive(Default)]
struct IdMap {
    entries: HashMap<(RecordType, i32), Local>,
    journal: Vec<((RecordType, i32), Option<Local>)>,
}

impl IdMap {
    /// The ID here of a record of the file; `None` when its line was refused.
    fn local(&self, record: RecordType, file_id: i32) -> Option<i32> {
        match self.entries.get(&(record, file_id)) {
            None => Some(file_id),
            Some(Local::Moved(id)) => Some(*id),
            Some(Local::Refused) => None,
        }
    }

    fn set(&mut self, key: (RecordType, i32), local: Option<Local>) {
        let before = match local {
            Some(local) => self.entries.insert(key, local),
            None => self.entries.remove(&key),
        };
        if before != local {
            self.journal.push((key, before));
        }
    }

    fn note(&mut self, record: RecordType, file_id: i32, local: i32) {
        let entry = (file_id != local).then_some(Local::Moved(local));
        self.set((record, file_id), entry);
    }

    /// The record of a refused line is not here.
    fn refuse(&mut self, record: RecordType, file_id: i32) {
        self.set((record, file_id), Some(Local::Refused));
    }

    /// Where the journal stands, to undo back to.
    fn mark(&mut self) -> usize {
        self.journal.len()
    }

    /// Takes back every entry made since `mark`.
    fn undo(&mut self, mark: usize) {
        while self.journal.len() > mark {
            let Some((key, before)) = self.journal.pop() else {
                break;
            };
            match before {
                Some(local) => self.entries.insert(key, local),
                None => self.entries.remove(&key),
            };
        }
    }

    /// Forgets the journal: what was done is kept.
    fn keep(&mut self) {
        self.journal.clear();
    }

    /// `value` with every global ID of a moved record replaced by the local one; the path of
    /// the first reference to a refused record, when there is one.
    fn translate(&self, value: &mut Value, path: &mut Vec<String>) -> Result<(), Vec<String>> {
        if self.entries.is_empty() {
            return Ok(());
        }
        match value {
            Value::String(text) => {
                if let Some((record, file_id)) = global_id::decode(text) {
                    match self.entries.get(&(record, file_id)) {
                        Some(Local::Moved(local)) => *text = global_id::encode(record, *local),
                        Some(Local::Refused) => return Err(path.clone()),
                        None => {}
                    }
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    path.push(index.to_string());
                    self.translate(item, path)?;
                    path.pop();
                }
            }
            Value::Object(fields) => {
                for (name, item) in fields.iter_mut() {
                    path.push(name.clone());
                    self.translate(item, path)?;
                    path.pop();
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Lines applied together in one savepoint. A chunk in which a line is refused is undone and
/// applied again a line at a time, each in a savepoint of its own, so every refusal is
/// reported and, with `partial`, the good lines are kept.
const CHUNK_LINES: usize = 500;
/// Audit entries and changes held before they are written.
const UNWRITTEN_RECORDS: usize = 2_000;

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
    let mut chunk: Vec<(u64, Line)> = Vec::with_capacity(CHUNK_LINES);
    let mut ended = false;
    while !ended {
        chunk.clear();
        while chunk.len() < CHUNK_LINES {
            let Some(text) = input.next().await else {
                ended = true;
                break;
            };
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
                    ended = true;
                    break;
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            match parse(&text) {
                Ok(Some(line)) => chunk.push((number, line)),
                Ok(None) => {
                    ended = true;
                    break;
                }
                Err(error) => reject(&mut report, number, error),
            }
        }
        if !apply_chunk(&uow, writer, reader, &mut ids, &chunk, &mut report).await? {
            apply_lines(&uow, writer, reader, &mut ids, &chunk, &mut report, options).await?;
        }
        if uow.unwritten() >= UNWRITTEN_RECORDS {
            uow.flush().await?;
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

/// Applies `chunk` in one savepoint. False, with nothing kept, when a line was refused.
async fn apply_chunk(
    uow: &UnitOfWork<'_>,
    writer: &Writer,
    reader: &dyn DraftReader,
    ids: &mut IdMap,
    chunk: &[(u64, Line)],
    report: &mut Report,
) -> Result<bool, ApiError> {
    if chunk.is_empty() {
        return Ok(true);
    }
    let mark = ids.mark();
    let nested = uow.nested().await?;
    let mut absent = Absent::of(&nested, ids, chunk).await?;
    let mut outcomes = Vec::with_capacity(chunk.len());
    for (_, line) in chunk {
        match apply(&nested, writer, reader, ids, &mut absent, line).await {
            Ok(outcome) => outcomes.push(outcome),
            Err(WriteError::Failed(error)) if !is_refusal(&error) => return Err(error),
            Err(_) => {
                drop(nested);
                ids.undo(mark);
                return Ok(false);
            }
        }
    }
    nested.commit().await?;
    ids.keep();
    for outcome in &outcomes {
        report.count(outcome);
    }
    Ok(true)
}

/// Applies `chunk` a line at a time, each in its own savepoint, reporting the lines refused.
async fn apply_lines(
    uow: &UnitOfWork<'_>,
    writer: &Writer,
    reader: &dyn DraftReader,
    ids: &mut IdMap,
    chunk: &[(u64, Line)],
    report: &mut Report,
    options: Options,
) -> Result<(), ApiError> {
    for (number, line) in chunk {
        let nested = uow.nested().await?;
        match apply(&nested, writer, reader, ids, &mut Absent::default(), line).await {
            Ok(outcome) => {
                nested.commit().await?;
                report.count(&outcome);
            }
            Err(WriteError::Rejected(violations)) => {
                drop(nested);
                let (record, file_id) = line.identity();
                ids.refuse(record, file_id);
                for violation in violations {
                    let mut field = violation.field;
                    // The mutations' paths start at `input`; a line's at `fields`.
                    if field.first().is_some_and(|f| f == "input") {
                        field[0] = "fields".to_owned();
                    }
                    reject(
                        report,
                        *number,
                        (field, violation.code.as_str().to_owned(), violation.message),
                    );
                }
            }
            Err(WriteError::Failed(ApiError::Forbidden(why))) => {
                drop(nested);
                let (record, file_id) = line.identity();
                ids.refuse(record, file_id);
                reject(
                    report,
                    *number,
                    (Vec::new(), "FORBIDDEN".to_owned(), why.to_owned()),
                );
            }
            Err(WriteError::Failed(error)) => return Err(error),
        }
        if report.errors.len() >= MAX_ERRORS && !options.partial {
            break;
        }
    }
    ids.keep();
    Ok(())
}

/// Whether a failure is the line's fault (reported against it) rather than the import's.
fn is_refusal(error: &ApiError) -> bool {
    matches!(error, ApiError::Forbidden(_))
}

/// The records a chunk's lines name that are not stored, found with one query per type, so a
/// line that creates one does not look it up first. Each is taken when used (a second line of
/// the same record looks it up), and an ID the chunk gives a new record is no longer absent.
#[derive(Default)]
struct Absent {
    ids: HashSet<(RecordType, i32)>,
    keys: HashSet<(RecordType, String)>,
}

impl Absent {
    async fn of(uow: &UnitOfWork<'_>, ids: &IdMap, chunk: &[(u64, Line)]) -> Result<Self, DbErr> {
        let mut by_id: BTreeMap<RecordType, Vec<i32>> = BTreeMap::new();
        let mut by_key: BTreeMap<RecordType, Vec<String>> = BTreeMap::new();
        for (_, line) in chunk {
            let Line::Record {
                record,
                file_id,
                key,
                ..
            } = line
            else {
                continue;
            };
            match (key, ids.local(*record, *file_id)) {
                (Some(key), _) => by_key.entry(*record).or_default().push(key.clone()),
                (None, Some(local)) => by_id.entry(*record).or_default().push(local),
                (None, None) => {}
            }
        }
        let mut absent = Self::default();
        for (record, wanted) in by_id {
            let present = present_ids(uow.db(), record, &wanted).await?;
            absent.ids.extend(
                wanted
                    .into_iter()
                    .filter(|id| !present.contains(id))
                    .map(|id| (record, id)),
            );
        }
        for (record, wanted) in by_key {
            let present = present_keys(uow.db(), record, &wanted).await?;
            absent.keys.extend(
                wanted
                    .into_iter()
                    .filter(|key| !present.contains(key))
                    .map(|key| (record, key)),
            );
        }
        Ok(absent)
    }

    /// Whether the record a line names is known not to be stored (and forgets it).
    fn take(&mut self, record: RecordType, key: Option<&str>, id: Option<i32>) -> bool {
        match (key, id) {
            (Some(key), _) => self.keys.remove(&(record, key.to_owned())),
            (None, Some(id)) => self.ids.remove(&(record, id)),
            (None, None) => false,
        }
    }
}

/// Evaluates `$body` with `$E` the entity of record type `$record`.
macro_rules! with_entity {
    ($record:expr, $E:ident => $body:expr) => {
        match $record {
            RecordType::SourceDocument => {
                type $E = entity::source_document::Entity;
                $body
            }
            RecordType::Place => {
                type $E = entity::place::Entity;
                $body
            }
            RecordType::Organisation => {
                type $E = entity::organisation::Entity;
                $body
            }
            RecordType::Funder => {
                type $E = entity::funder::Entity;
                $body
            }
            RecordType::Programme => {
                type $E = entity::programme::Entity;
                $body
            }
            RecordType::Project => {
                type $E = entity::project::Entity;
                $body
            }
            RecordType::Participation => {
                type $E = entity::participation::Entity;
                $body
            }
            RecordType::FundingLine => {
                type $E = entity::funding_line::Entity;
                $body
            }
            RecordType::Outcome => {
                type $E = entity::outcome::Entity;
                $body
            }
            RecordType::Event => {
                type $E = entity::event::Entity;
                $body
            }
            RecordType::Contact => {
                type $E = entity::contact::Entity;
                $body
            }
        }
    };
}

/// Which of `ids` are stored records of type `record`.
async fn present_ids(
    db: &impl sea_orm::ConnectionTrait,
    record: RecordType,
    ids: &[i32],
) -> Result<HashSet<i32>, DbErr> {
    with_entity!(record, E => present::<E, i32>(db, E::id_column(), ids).await)
}

/// Which of `keys` are keys of stored records of type `record` (none for types without keys).
async fn present_keys(
    db: &impl sea_orm::ConnectionTrait,
    record: RecordType,
    keys: &[String],
) -> Result<HashSet<String>, DbErr> {
    let keyed = matches!(
        record,
        RecordType::SourceDocument
            | RecordType::Place
            | RecordType::Organisation
            | RecordType::Funder
            | RecordType::Programme
            | RecordType::Project
    );
    if !keyed {
        return Ok(HashSet::new());
    }
    with_entity!(record, E => present::<E, String>(db, Alias::new("key"), keys).await)
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

fn violation(field: &[&str], code: Code, message: String) -> WriteError {
    let mut path = FieldPath::input();
    for name in field {
        path = path.at(name);
    }
    WriteError::Rejected(vec![crate::domain::validation::Violation::new(
        &path, code, message,
    )])
}

/// Applies one line inside a savepoint.
async fn apply(
    uow: &UnitOfWork<'_>,
    writer: &Writer,
    reader: &dyn DraftReader,
    ids: &mut IdMap,
    absent: &mut Absent,
    line: &Line,
) -> Result<Outcome, WriteError> {
    let (record, file_id, key, fields, source_ids) = match line {
        Line::Deleted { record, file_id } => {
            return match ids.local(*record, *file_id) {
                Some(local) => deleted(uow, writer, *record, local).await,
                // Its line was refused, so it is not here to delete.
                None => Ok(Outcome::Unchanged(*file_id)),
            };
        }
        Line::Record {
            record,
            file_id,
            key,
            fields,
            sources,
        } => (*record, *file_id, key, fields, sources),
    };
    let mut fields = fields.clone();
    if let Err(path) = ids.translate(&mut fields, &mut Vec::new()) {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        return Err(violation(
            &path,
            Code::NotFound,
            "refers to a record whose own line was refused".to_owned(),
        ));
    }
    let mut cited = BTreeSet::new();
    for (index, source) in source_ids.iter().enumerate() {
        let local = match global_id::decode(source) {
            Some((RecordType::SourceDocument, n)) => ids.local(RecordType::SourceDocument, n),
            _ => {
                return Err(violation(
                    &["sources", &index.to_string()],
                    Code::Invalid,
                    format!("`{source}` is not the ID of a SourceDocument"),
                ));
            }
        };
        let Some(local) = local else {
            return Err(violation(
                &["sources", &index.to_string()],
                Code::NotFound,
                format!("`{source}` was refused on an earlier line"),
            ));
        };
        cited.insert(local);
    }
    let draft = reader
        .read(record, fields)
        .map_err(|message| violation(&[], Code::Invalid, message))?;
    let local = ids.local(record, file_id);
    let target = Target {
        id: local,
        key: key.as_deref(),
        absent: absent.take(record, key.as_deref(), local),
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
    if let Outcome::Created(local) = outcome {
        absent.ids.remove(&(record, local));
    }
    if let Outcome::Created(local) | Outcome::Updated(local) | Outcome::Unchanged(local) = outcome {
        ids.note(record, file_id, local);
    }
    Ok(outcome)
}

/// Which stored record a line is: by key, or by ID for types without one.
struct Target<'a> {
    /// The record's ID here; `None` when an earlier line of it was refused (so it is new).
    id: Option<i32>,
    key: Option<&'a str>,
    /// Known not to be stored: no need to look.
    absent: bool,
    cited: BTreeSet<i32>,
}

async fn upsert<R: Record>(
    uow: &UnitOfWork<'_>,
    writer: &Writer,
    draft: R::Draft,
    target: Target<'_>,
) -> Result<Outcome, WriteError> {
    let at = FieldPath::input();
    let existing = match (target.key, target.id) {
        _ if target.absent => None,
        (Some(key), _) => find_by_key_for_update::<R::Entity>(uow, key).await?,
        (None, Some(id)) => find_for_update::<R::Entity>(uow, id).await?,
        (None, None) => None,
    };
    let Some(row) = existing else {
        let id = create_in::<R>(uow, writer, &draft, &at).await?;
        if !target.cited.is_empty() {
            cite(uow, R::TYPE, id, &target.cited).await?;
        }
        return Ok(Outcome::Created(id));
    };
    let id = <R::Entity as Versioned>::id_of(&row);
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
        uow.audit(Operation::Update, R::TYPE, id, version, &[change]);
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
            if violations.iter().all(|v| v.code == Code::NotFound) =>
        {
            Ok(Outcome::Unchanged(id))
        }
        Err(error) => Err(error),
    }
}
