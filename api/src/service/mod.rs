//! What a request does, apart from how it arrived: writes are authorized, validated in full,
//! then stored with their derived data and their audit entry in one transaction. Mutations go
//! through here, and nowhere else writes records.
//!
//! Every record type implements [`Record`]; [`create`], [`update`] and [`delete`] are the one
//! write path for all of them: authorize, lock, check the version, validate everything, write,
//! audit, commit.

pub mod api_keys;
pub mod contacts;
pub mod events;
pub mod export;
pub mod funding;
pub mod import;
pub mod organisations;
pub mod outcomes;
pub mod participations;
pub mod places;
pub mod projects;
pub mod provenance;
pub mod search;
pub mod sources;
pub mod webhooks;

use std::future::Future;

use entity::enums::RecordType;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};

use crate::auth::{Principal, Role, Scope};
use crate::domain::audit::{self, Snapshot};
use crate::domain::validation::{Code, FieldPath, Violation, Violations};
use crate::error::ApiError;
use crate::store::writes::{
    self, Author, Operation, UnitOfWork, Versioned, delete_versioned, find_for_update,
};

/// Why a write wrote nothing.
#[derive(Debug)]
pub enum WriteError {
    /// The input broke rules; each violation names its field. The payload lists them.
    Rejected(Vec<Violation>),
    /// The caller may not write, or the server failed; a GraphQL error with its code.
    Failed(ApiError),
}

impl From<ApiError> for WriteError {
    fn from(error: ApiError) -> Self {
        Self::Failed(error)
    }
}

impl From<DbErr> for WriteError {
    /// A constraint the database enforced (a write racing this one, say) is the caller's
    /// conflict, not a server failure.
    fn from(error: DbErr) -> Self {
        if writes::is_constraint_violation(&error) {
            tracing::info!(%error, "a database constraint refused a write");
            Self::Rejected(vec![Violation::new(
                &FieldPath::input(),
                Code::Conflict,
                "the change conflicts with the data as it now stands (a concurrent change may have made it invalid); read again and retry",
            )])
        } else {
            Self::Failed(ApiError::from(error))
        }
    }
}

impl From<Vec<Violation>> for WriteError {
    fn from(violations: Vec<Violation>) -> Self {
        Self::Rejected(violations)
    }
}

pub type WriteResult<T> = Result<T, WriteError>;

/// Who writes, and what they may write.
#[derive(Debug, Clone)]
pub struct Writer {
    pub author: Author,
    pub scope: Scope,
}

/// The writer behind `principal`: editors and admins may write; anyone else is refused with
/// FORBIDDEN before anything is read.
pub fn authorize(principal: &Principal, request: &WriteRequest) -> Result<Writer, ApiError> {
    match (principal, principal.write_scope()) {
        (Principal::Known { role, .. }, Some(scope)) if *role >= Role::Editor => Ok(Writer {
            author: Author {
                actor: principal.actor().unwrap_or_default(),
                role: role.to_string(),
                request_id: request.request_id.clone(),
                idempotency_key: request.idempotency_key.clone(),
            },
            scope,
        }),
        _ => Err(ApiError::Forbidden(
            "writing needs an API key or token with the editor or admin role",
        )),
    }
}

/// Whose a record is, for the rules on who may write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Reference data (funders, programmes, places, source documents, new organisations):
    /// admins only.
    Admins,
    /// Any writer (a new project, which has no partners yet).
    Anyone,
    /// A record of this project.
    Project(i32),
    /// This organisation.
    Organisation(i32),
    /// An organisation joining a project: allowed in a writer's projects, and for a writer's
    /// own organisation joining a project that has no partners yet.
    Joining { project: i32, organisation: i32 },
}

const OUT_OF_SCOPE: &str =
    "this key may write only its organisations, their projects and those projects' records";

/// Whether `scope` may write a record owned by `owner`.
async fn permits(db: &DatabaseTransaction, scope: &Scope, owner: Owner) -> Result<bool, DbErr> {
    let Scope::Organisations(organisations) = scope else {
        return Ok(true);
    };
    let partners = |project: i32| async move {
        crate::store::organisations::participations_of_project(db, project)
            .await
            .map(|list| {
                list.into_iter()
                    .map(|p| p.organisation_id)
                    .collect::<Vec<_>>()
            })
    };
    Ok(match owner {
        Owner::Admins => false,
        Owner::Anyone => true,
        Owner::Organisation(id) => organisations.contains(&id),
        Owner::Project(project) => partners(project)
            .await?
            .iter()
            .any(|id| organisations.contains(id)),
        Owner::Joining {
            project,
            organisation,
        } => {
            let partners = partners(project).await?;
            partners.iter().any(|id| organisations.contains(id))
                || (partners.is_empty() && organisations.contains(&organisation))
        }
    })
}

/// FORBIDDEN unless `scope` may write what `owner` names.
pub(crate) async fn ensure_permitted(
    db: &DatabaseTransaction,
    scope: &Scope,
    owner: Owner,
) -> WriteResult<()> {
    if permits(db, scope, owner).await? {
        Ok(())
    } else {
        Err(WriteError::Failed(ApiError::Forbidden(OUT_OF_SCOPE)))
    }
}

/// What the transport knows about a write request, for its audit entry.
#[derive(Debug, Clone, Default)]
pub struct WriteRequest {
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
}

/// A field of an update's patch: left out (keep), `null` (clear) or a value (set).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Change<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Change<T> {
    /// The new value of an optional field.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Self::Keep => current,
            Self::Clear => None,
            Self::Set(value) => Some(value),
        }
    }

    /// The new value of a field that cannot be cleared: clearing it is a REQUIRED violation
    /// and keeps the current value.
    pub fn apply_required(self, current: T, field: &FieldPath, violations: &mut Violations) -> T {
        match self {
            Self::Keep => current,
            Self::Set(value) => value,
            Self::Clear => {
                violations.add(field, Code::Required, "cannot be cleared");
                current
            }
        }
    }
}

/// A record type the write path handles.
pub trait Record: Sized + Send + Sync {
    /// Its GraphQL type.
    const TYPE: RecordType;
    /// Its table.
    type Entity: Versioned<Model: Send + Sync> + Send + Sync;
    /// Every field of the record as a write gives it (relations as database ids).
    type Draft: Clone + Send + Sync;
    /// The fields an update changes.
    type Patch: Send;
    /// Fields whose values the audit log hides.
    const REDACTED: &'static [&'static str] = &[];

    /// The stored record as a draft, with its texts.
    fn draft_of(
        db: &DatabaseTransaction,
        row: &<Self::Entity as sea_orm::EntityTrait>::Model,
    ) -> impl Future<Output = Result<Self::Draft, DbErr>> + Send;

    /// The version of a stored record.
    fn version_of(row: &<Self::Entity as sea_orm::EntityTrait>::Model) -> i32;

    /// `current` with `patch` applied; a field that may not be cleared stays and is reported.
    fn apply(
        current: Self::Draft,
        patch: Self::Patch,
        at: &FieldPath,
        violations: &mut Violations,
    ) -> Self::Draft;

    /// Every rule the draft must keep, the ones that read the database included. `id` is the
    /// record's own when it is an update. Violations are reported under `at`.
    fn validate(
        uow: &UnitOfWork<'_>,
        draft: &Self::Draft,
        id: Option<i32>,
        at: &FieldPath,
        violations: &mut Violations,
    ) -> impl Future<Output = Result<(), DbErr>> + Send;

    /// Inserts the record with its texts and derived data; returns its id.
    fn insert(
        uow: &UnitOfWork<'_>,
        draft: &Self::Draft,
    ) -> impl Future<Output = Result<i32, DbErr>> + Send;

    /// Writes `after` over `before` if the record is still at `version`, with its derived
    /// data. False when another write got there first.
    fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        before: &Self::Draft,
        after: &Self::Draft,
    ) -> impl Future<Output = Result<bool, DbErr>> + Send;

    /// What other records depend on this one and keep it from being deleted, described for
    /// the IN_USE message; empty when it may go.
    fn dependants(
        db: &DatabaseTransaction,
        id: i32,
    ) -> impl Future<Output = Result<Vec<String>, DbErr>> + Send;

    /// Removes what the record owns beyond its own texts and source links (which the write
    /// path removes for every record): derived rows, owned records and theirs.
    fn remove_owned(
        uow: &UnitOfWork<'_>,
        id: i32,
        draft: &Self::Draft,
    ) -> impl Future<Output = Result<(), DbErr>> + Send {
        let _ = (uow, id, draft);
        async { Ok(()) }
    }

    /// The record's fields by GraphQL name, for the audit log.
    fn snapshot(draft: &Self::Draft) -> Snapshot;

    /// Whose the record is (record `id`, or a new one), for the rules on who may write it.
    fn owner(draft: &Self::Draft, id: Option<i32>) -> Owner;

    /// The record of the same type this one sits under (places, programmes, outcomes and
    /// events form trees), so an export can put parents first.
    fn parent_of(draft: &Self::Draft) -> Option<i32> {
        let _ = draft;
        None
    }
}

/// Creates a record; returns its id.
pub async fn create<R: Record>(
    db: &DatabaseConnection,
    writer: &Writer,
    draft: R::Draft,
) -> WriteResult<i32> {
    let uow = UnitOfWork::begin(db, &writer.author).await?;
    let id = create_in::<R>(&uow, writer, &draft, &FieldPath::input()).await?;
    uow.commit().await?;
    Ok(id)
}

/// Creates a record inside `uow`, its violations reported under `at`; returns its id.
pub(crate) async fn create_in<R: Record>(
    uow: &UnitOfWork<'_>,
    writer: &Writer,
    draft: &R::Draft,
    at: &FieldPath,
) -> WriteResult<i32> {
    let mut violations = Violations::default();
    R::validate(uow, draft, None, at, &mut violations).await?;
    violations.finish()?;
    ensure_permitted(uow.db(), &writer.scope, R::owner(draft, None)).await?;
    let id = R::insert(uow, draft).await?;
    let changes = audit::changes(None, Some(&R::snapshot(draft)), R::REDACTED);
    uow.audit(Operation::Create, R::TYPE, id, 1, &changes);
    Ok(id)
}

/// Record `id` locked for the rest of the unit, and its version, or the violation that stops
/// the write: no such record, or not at the expected version.
async fn current<R: Record>(
    uow: &UnitOfWork<'_>,
    id: i32,
    expected_version: Option<i32>,
) -> WriteResult<(<R::Entity as sea_orm::EntityTrait>::Model, i32)> {
    let input = FieldPath::input();
    let Some(row) = find_for_update::<R::Entity>(uow, id).await? else {
        return Err(WriteError::Rejected(vec![not_found(
            &input.at("id"),
            R::TYPE,
        )]));
    };
    let version = R::version_of(&row);
    if let Some(expected) = expected_version
        && expected != version
    {
        return Err(WriteError::Rejected(vec![stale(
            &input.at("expectedVersion"),
            R::TYPE,
            expected,
            version,
        )]));
    }
    Ok((row, version))
}

fn not_found(field: &FieldPath, record: RecordType) -> Violation {
    Violation::new(
        field,
        Code::NotFound,
        format!("no {} has this ID", record.as_str()),
    )
}

fn stale(field: &FieldPath, record: RecordType, expected: i32, current: i32) -> Violation {
    Violation::new(
        field,
        Code::StaleObject,
        format!(
            "the {} is at version {current}, not {expected}: it changed since you read it; read it again and retry",
            record.as_str()
        ),
    )
}

/// Updates record `id` with `patch`; returns its id.
pub async fn update<R: Record>(
    db: &DatabaseConnection,
    writer: &Writer,
    id: i32,
    expected_version: Option<i32>,
    patch: R::Patch,
) -> WriteResult<i32> {
    let uow = UnitOfWork::begin(db, &writer.author).await?;
    let (row, version) = current::<R>(&uow, id, expected_version).await?;
    let before = R::draft_of(uow.db(), &row).await?;
    ensure_permitted(uow.db(), &writer.scope, R::owner(&before, Some(id))).await?;
    let at = FieldPath::input().at("patch");
    let mut violations = Violations::default();
    let after = R::apply(before.clone(), patch, &at, &mut violations);
    rewrite_in::<R>(&uow, writer, id, version, &before, &after, &at, violations).await?;
    uow.commit().await?;
    Ok(id)
}

/// Writes `after` over record `id` (read at `version` as `before`) inside `uow`, after the
/// same checks as an update; `violations` are those found already. Nothing is written, and no
/// version is taken, when `after` changes nothing: returns whether it did.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn rewrite_in<R: Record>(
    uow: &UnitOfWork<'_>,
    writer: &Writer,
    id: i32,
    version: i32,
    before: &R::Draft,
    after: &R::Draft,
    at: &FieldPath,
    mut violations: Violations,
) -> WriteResult<bool> {
    R::validate(uow, after, Some(id), at, &mut violations).await?;
    if let Err(found) = violations.finish() {
        // What the stored record breaks already (a seed place named in two original
        // languages, say) is not the update's doing and does not stop it.
        let mut stored = Violations::default();
        R::validate(uow, before, Some(id), at, &mut stored).await?;
        let stored = stored.finish().err().unwrap_or_default();
        let new: Vec<Violation> = found.into_iter().filter(|v| !stored.contains(v)).collect();
        if !new.is_empty() {
            return Err(WriteError::Rejected(new));
        }
    }
    // Moving a record (a contact to another project, say) needs the new owner in scope too.
    ensure_permitted(uow.db(), &writer.scope, R::owner(after, Some(id))).await?;
    let changes = audit::changes(
        Some(&R::snapshot(before)),
        Some(&R::snapshot(after)),
        R::REDACTED,
    );
    if changes.is_empty() {
        // Nothing to change: no new version, no audit entry.
        return Ok(false);
    }
    if !R::write(uow, id, version, before, after).await? {
        return Err(WriteError::Rejected(vec![stale(
            &FieldPath::input().at("expectedVersion"),
            R::TYPE,
            version,
            version + 1,
        )]));
    }
    uow.audit(Operation::Update, R::TYPE, id, version + 1, &changes);
    Ok(true)
}

/// Deletes record `id` with what it owns, unless other records depend on it.
pub async fn delete<R: Record>(
    db: &DatabaseConnection,
    writer: &Writer,
    id: i32,
    expected_version: Option<i32>,
) -> WriteResult<()> {
    let uow = UnitOfWork::begin(db, &writer.author).await?;
    delete_in::<R>(&uow, writer, id, expected_version).await?;
    uow.commit().await?;
    Ok(())
}

/// Deletes record `id` inside `uow`, with what it owns, unless other records depend on it.
pub(crate) async fn delete_in<R: Record>(
    uow: &UnitOfWork<'_>,
    writer: &Writer,
    id: i32,
    expected_version: Option<i32>,
) -> WriteResult<()> {
    let (row, version) = current::<R>(uow, id, expected_version).await?;
    let draft = R::draft_of(uow.db(), &row).await?;
    ensure_permitted(uow.db(), &writer.scope, R::owner(&draft, Some(id))).await?;
    let dependants = R::dependants(uow.db(), id).await?;
    if !dependants.is_empty() {
        return Err(WriteError::Rejected(vec![Violation::new(
            &FieldPath::input().at("id"),
            Code::InUse,
            format!(
                "the {} is in use by {}; change or delete those first",
                R::TYPE.as_str(),
                dependants.join(", ")
            ),
        )]));
    }
    // What it owns goes with it: whatever the unit found to exist may be gone now.
    uow.forget_known();
    R::remove_owned(uow, id, &draft).await?;
    crate::store::texts::delete_of(uow.db(), R::TYPE, &[id]).await?;
    crate::store::sources::uncite_all(uow.db(), R::TYPE, &[id]).await?;
    if !delete_versioned::<R::Entity>(uow, id, version).await? {
        return Err(WriteError::Rejected(vec![stale(
            &FieldPath::input().at("expectedVersion"),
            R::TYPE,
            version,
            version + 1,
        )]));
    }
    let changes = audit::changes(Some(&R::snapshot(&draft)), None, R::REDACTED);
    uow.audit(Operation::Delete, R::TYPE, id, version, &changes);
    Ok(())
}

/// The global ID of a related record, as the audit log shows relations.
pub(crate) fn global_id(kind: RecordType, id: i32) -> String {
    crate::domain::global_id::encode(kind, id)
}

/// A localized field as the audit log shows it.
pub(crate) fn texts_json(texts: &[crate::domain::validation::TextDraft]) -> serde_json::Value {
    texts
        .iter()
        .map(|t| serde_json::json!({ "lang": t.lang, "text": t.text, "isOriginal": t.is_original }))
        .collect()
}

/// An amount as the audit log shows it: exact, with the two decimals the store keeps.
pub(crate) fn money_json(money: &projects::MoneyDraft) -> serde_json::Value {
    let amount = crate::domain::money::to_minor_units(money.amount)
        .map(crate::domain::money::from_minor_units)
        .unwrap_or(money.amount);
    serde_json::json!({ "amount": amount.to_string(), "currency": money.currency })
}

/// Most levels an outcome or event tree may have.
const MAX_TREE_DEPTH: usize = 32;

/// Checks that `parent` (an outcome or an event, as `record` says) exists, belongs to
/// `project`, and is neither record `id` nor below it.
pub(crate) async fn check_parent_in_project(
    db: &DatabaseTransaction,
    record: RecordType,
    parent: i32,
    project: i32,
    id: Option<i32>,
    field: &FieldPath,
    violations: &mut Violations,
) -> Result<(), DbErr> {
    let lineage = |step: i32| async move {
        match record {
            RecordType::Event => crate::store::events::lineage(db, step).await,
            _ => crate::store::outcomes::lineage(db, step).await,
        }
    };
    let Some((parent_project, _)) = lineage(parent).await? else {
        violations.add(
            field,
            Code::NotFound,
            format!("no {} has this ID", record.as_str()),
        );
        return Ok(());
    };
    if parent_project != project {
        violations.add(
            field,
            Code::Invalid,
            format!("the parent {} belongs to another project", record.as_str()),
        );
        return Ok(());
    }
    let mut current = Some(parent);
    let mut depth = 0;
    while let Some(step) = current {
        if Some(step) == id || depth > MAX_TREE_DEPTH {
            violations.add(
                field,
                Code::Invalid,
                format!(
                    "the {} cannot be placed under itself or one of its own parts",
                    record.as_str()
                ),
            );
            break;
        }
        current = lineage(step).await?.and_then(|(_, parent)| parent);
        depth += 1;
    }
    Ok(())
}

/// The place a record of project `project` takes in its list: `given`, or last when none is
/// given (the number of records the project has of that kind).
pub(crate) async fn position_in_project<E: Versioned>(
    uow: &UnitOfWork<'_>,
    project_column: E::Column,
    project: i32,
    given: Option<i32>,
) -> Result<i32, DbErr> {
    if let Some(position) = given {
        return Ok(position);
    }
    let existing = writes::count_with::<E>(uow.db(), project_column, project, None).await?;
    Ok(i32::try_from(existing).unwrap_or(crate::domain::validation::MAX_QUANTITY))
}
