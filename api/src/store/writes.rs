//! The write side of the store: a unit of work (one transaction, stamped with one time, that
//! carries the audit entries and change-feed rows of what it changed), updates and deletes that apply only to the
//! version the writer read, and the replacing of a record's texts and citations.

use chrono::{DateTime, Utc};
use entity::audit_entry;
use entity::enums::RecordType;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoColumnRef};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

use super::changes::{self, ChangeOperation};
use super::notifications;
use crate::domain::audit::FieldChange;

/// Who writes, as the audit log records it.
#[derive(Debug, Clone)]
pub struct Author {
    /// The API key's name, or `token:` and the token's subject.
    pub actor: String,
    /// The caller's role.
    pub role: String,
    /// The request's `x-request-id`.
    pub request_id: Option<String>,
    /// The request's `Idempotency-Key`, when it sent one.
    pub idempotency_key: Option<String>,
}

/// What a change did to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
        }
    }
}

/// One transaction of writes by one author. Dropped without [`UnitOfWork::commit`], it rolls
/// back and leaves nothing behind.
///
/// Its audit entries and change-feed rows are kept until it commits (or [`UnitOfWork::flush`]
/// is called) and then inserted many to a statement: a bulk import writes a few statements per
/// hundred records for them rather than two per record.
pub struct UnitOfWork<'a> {
    txn: DatabaseTransaction,
    author: &'a Author,
    at: DateTime<Utc>,
    /// What this unit recorded and has not written yet.
    pending: Shared,
    /// For a unit nested in others: theirs, innermost last (where this one's go when it
    /// commits).
    outers: Vec<Shared>,
}

type Shared = std::sync::Arc<std::sync::Mutex<Pending>>;

/// Rows per INSERT of audit entries or changes: well under either database's limit of bound
/// parameters.
const ROWS_PER_INSERT: usize = 500;
/// Records kept for the commit's announcement: more than its payload can carry (subscribers
/// read the feed, not the announcement, so a cut list costs them nothing).
const MAX_ANNOUNCED: usize = 1_000;
/// Records a unit remembers it found; past this it starts again, so memory stays bounded.
const MAX_KNOWN: usize = 200_000;

/// Audit entries and changes recorded by a unit and not written yet, the records to announce
/// at commit, and the advisory locks the transaction holds.
#[derive(Default)]
struct Pending {
    audit: Vec<audit_entry::ActiveModel>,
    changes: Vec<changes::NewChange>,
    announced: Vec<(RecordType, i32)>,
    /// Advisory locks taken, held to the end of the transaction (or of the savepoint that
    /// took them: a rolled-back savepoint gives its locks back, and its unit goes with them).
    locks: std::collections::HashSet<i64>,
    /// Records found to exist, so a check that one exists is not asked twice.
    known: std::collections::HashSet<(RecordType, i32)>,
}

impl Pending {
    fn append(&mut self, other: Pending) {
        self.audit.extend(other.audit);
        self.changes.extend(other.changes);
        self.announce(other.announced);
        self.locks.extend(other.locks);
        if self.known.len() + other.known.len() > MAX_KNOWN {
            self.known.clear();
        }
        self.known.extend(other.known);
    }

    fn announce(&mut self, records: impl IntoIterator<Item = (RecordType, i32)>) {
        let room = MAX_ANNOUNCED.saturating_sub(self.announced.len());
        self.announced.extend(records.into_iter().take(room));
    }
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Pending> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<'a> UnitOfWork<'a> {
    /// Starts a write transaction. On SQLite it takes the write lock at once, so two writers
    /// queue (up to the busy timeout) instead of the second failing when it first writes.
    pub async fn begin(db: &DatabaseConnection, author: &'a Author) -> Result<Self, DbErr> {
        let txn = begin_write(db).await?;
        Ok(Self {
            txn,
            author,
            at: Utc::now(),
            pending: Shared::default(),
            outers: Vec::new(),
        })
    }

    /// A unit inside this one (a savepoint): what it writes and records joins this unit when
    /// it commits, and is undone alone when it is dropped.
    pub async fn nested(&self) -> Result<UnitOfWork<'a>, DbErr> {
        let mut outers = self.outers.clone();
        outers.push(self.pending.clone());
        Ok(UnitOfWork {
            txn: self.txn.begin().await?,
            author: self.author,
            at: self.at,
            pending: Shared::default(),
            outers,
        })
    }

    /// The transaction, for statements.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// The time every row this unit writes is stamped with.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    pub fn backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    /// Serializes writers of one kind of tree (programmes, places, outcomes) on PostgreSQL, so
    /// two concurrent moves cannot make a cycle each check alone would miss.
    pub async fn lock_tree(&self, record: RecordType) -> Result<(), DbErr> {
        self.lock(tree_lock(record)).await
    }

    /// Takes PostgreSQL advisory lock `key` until the transaction ends, once however often it
    /// is asked for (SQLite writers take turns already).
    pub async fn lock(&self, key: i64) -> Result<(), DbErr> {
        if self.backend() != DbBackend::Postgres || self.any_layer(|p| p.locks.contains(&key)) {
            return Ok(());
        }
        self.txn
            .execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})"))
            .await?;
        lock(&self.pending).locks.insert(key);
        Ok(())
    }

    /// Records one change: its audit entry and its row in the change feed, written when the
    /// unit commits or flushes, in the order they were recorded.
    pub fn audit(
        &self,
        operation: Operation,
        record: RecordType,
        record_id: i32,
        version: i32,
        changes: &[FieldChange],
    ) {
        let entry = audit_entry::ActiveModel {
            at: Set(self.at),
            actor: Set(self.author.actor.clone()),
            role: Set(self.author.role.clone()),
            operation: Set(operation.as_str().to_owned()),
            record_type: Set(record.as_str().to_owned()),
            record_id: Set(record_id),
            version: Set(version),
            changes: Set(serde_json::to_string(changes).unwrap_or_else(|_| "[]".to_owned())),
            request_id: Set(self.author.request_id.clone()),
            idempotency_key: Set(self.author.idempotency_key.clone()),
            ..Default::default()
        };
        let operation = match operation {
            Operation::Create => ChangeOperation::Created,
            Operation::Update => ChangeOperation::Updated,
            Operation::Delete => ChangeOperation::Deleted,
        };
        let mut pending = lock(&self.pending);
        pending.audit.push(entry);
        pending.changes.push(changes::NewChange {
            operation,
            record_type: record,
            record_id,
            version,
            at: self.at,
        });
        pending.announce([(record, record_id)]);
    }

    /// Whether `check` holds for this unit or one it is nested in.
    fn any_layer(&self, check: impl Fn(&Pending) -> bool) -> bool {
        check(&lock(&self.pending)) || self.outers.iter().any(|outer| check(&lock(outer)))
    }

    /// Whether record `id` of `E` exists. One found by this unit is not looked up again, until
    /// the unit deletes something (a delete can take other records with it).
    pub async fn exists<E: Versioned>(&self, id: i32) -> Result<bool, DbErr> {
        let record = (E::TYPE, id);
        if self.any_layer(|p| p.known.contains(&record)) {
            return Ok(true);
        }
        let found = exists::<E>(&self.txn, id).await?;
        if found {
            let mut pending = lock(&self.pending);
            if pending.known.len() >= MAX_KNOWN {
                pending.known.clear();
            }
            pending.known.insert(record);
        }
        Ok(found)
    }

    /// Forgets which records were found to exist: something was deleted.
    pub fn forget_known(&self) {
        lock(&self.pending).known.clear();
        for outer in &self.outers {
            lock(outer).known.clear();
        }
    }

    /// Writes the audit entries, changes and search documents of what was recorded so far (of
    /// this unit and the units that committed into it).
    pub async fn flush(&self) -> Result<(), DbErr> {
        let (audit, new_changes) = {
            let mut pending = lock(&self.pending);
            (
                std::mem::take(&mut pending.audit),
                std::mem::take(&mut pending.changes),
            )
        };
        for chunk in audit.chunks(ROWS_PER_INSERT) {
            audit_entry::Entity::insert_many(chunk.to_vec())
                .exec(&self.txn)
                .await?;
        }
        // The search documents of what changed, in the same transaction.
        let changed: Vec<(RecordType, i32)> = new_changes
            .iter()
            .map(|change| (change.record_type, change.record_id))
            .collect();
        super::search::index(&self.txn, &changed).await?;
        for chunk in new_changes.chunks(ROWS_PER_INSERT) {
            changes::record(&self.txn, chunk).await?;
        }
        Ok(())
    }

    /// Audit entries and changes recorded and not written yet.
    pub fn unwritten(&self) -> usize {
        lock(&self.pending).audit.len()
    }

    /// Commits, and tells subscribers what changed. A nested unit hands what it recorded to
    /// its outer one, which writes and announces it.
    pub async fn commit(self) -> Result<(), DbErr> {
        if let Some(outer) = self.outers.last() {
            self.txn.commit().await?;
            let mine = std::mem::take(&mut *lock(&self.pending));
            lock(outer).append(mine);
            return Ok(());
        }
        self.flush().await?;
        let announced = std::mem::take(&mut lock(&self.pending).announced);
        notifications::announce(&self.txn, &announced).await?;
        let backend = self.txn.get_database_backend();
        self.txn.commit().await?;
        notifications::committed(backend, &announced);
        Ok(())
    }
}

/// Starts a transaction that writes. On SQLite it takes the write lock at once: a transaction
/// that first reads and then writes fails with "database is locked" when another connection
/// wrote in between, whatever the busy timeout.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Takes, for the rest of the transaction, the PostgreSQL advisory lock of one kind of tree:
/// its writers, and whatever rebuilds its derived rows, take turns. SQLite writers take turns
/// already.
pub async fn lock_tree(db: &impl ConnectionTrait, record: RecordType) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        let key = tree_lock(record);
        db.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})"))
            .await?;
    }
    Ok(())
}

/// The advisory lock of one kind of tree.
fn tree_lock(record: RecordType) -> i64 {
    7_001
        + RecordType::ALL
            .iter()
            .position(|r| *r == record)
            .map_or(0, |n| n as i64)
}

/// A table of records with an id, a version and a time of last change.
pub trait Versioned: EntityTrait<Model: Send + Sync> {
    /// The record type the table holds.
    const TYPE: RecordType;
    fn id_column() -> Self::Column;
    fn version_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;
    /// The id of a row.
    fn id_of(row: &Self::Model) -> i32;
}

macro_rules! versioned {
    ($($module:ident => $record:ident),+ $(,)?) => {$(
        impl Versioned for entity::$module::Entity {
            const TYPE: RecordType = RecordType::$record;
            fn id_column() -> Self::Column {
                entity::$module::Column::Id
            }
            fn version_column() -> Self::Column {
                entity::$module::Column::Version
            }
            fn updated_at_column() -> Self::Column {
                entity::$module::Column::UpdatedAt
            }
            fn id_of(row: &Self::Model) -> i32 {
                row.id
            }
        }
    )+};
}

versioned!(
    source_document => SourceDocument,
    place => Place,
    organisation => Organisation,
    funder => Funder,
    programme => Programme,
    project => Project,
    participation => Participation,
    funding_line => FundingLine,
    outcome => Outcome,
    event => Event,
    contact => Contact,
);

/// Record `id`, locked against other writers until the unit ends (PostgreSQL; SQLite writers
/// are serialized already).
pub async fn find_for_update<E: Versioned>(
    uow: &UnitOfWork<'_>,
    id: i32,
) -> Result<Option<E::Model>, DbErr> {
    let mut select = E::find().filter(E::id_column().eq(id));
    if uow.backend() == DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    select.one(uow.db()).await
}

/// The record with `key` (for the types that have one), locked like [`find_for_update`].
pub async fn find_by_key_for_update<E: Versioned>(
    uow: &UnitOfWork<'_>,
    key: &str,
) -> Result<Option<E::Model>, DbErr> {
    let mut select = E::find().filter(Expr::col(Alias::new("key")).eq(key));
    if uow.backend() == DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    select.one(uow.db()).await
}

/// Writes the columns set in `changes` to record `id` if it is still at `version`, and moves
/// it to the next version. False when it is not at that version any more.
pub async fn update_versioned<E: Versioned>(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    changes: E::ActiveModel,
) -> Result<bool, DbErr> {
    let result = E::update_many()
        .set(changes)
        .col_expr(E::version_column(), Expr::col(E::version_column()).add(1))
        .col_expr(E::updated_at_column(), Expr::value(uow.at()))
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(version))
        .exec(uow.db())
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes record `id` if it is still at `version`. False when it is not.
pub async fn delete_versioned<E: Versioned>(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
) -> Result<bool, DbErr> {
    let result = E::delete_many()
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(version))
        .exec(uow.db())
        .await?;
    Ok(result.rows_affected == 1)
}

/// Whether a constraint the database enforces refused a statement (a unique key, a foreign
/// key, a CHECK or NOT NULL), rather than the statement failing for another reason.
pub fn is_constraint_violation(error: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::error::ErrorKind;
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause)) => {
            match cause.as_ref() {
                sea_orm::sqlx::Error::Database(database) => matches!(
                    database.kind(),
                    ErrorKind::UniqueViolation
                        | ErrorKind::ForeignKeyViolation
                        | ErrorKind::CheckViolation
                        | ErrorKind::NotNullViolation
                ),
                _ => false,
            }
        }
        _ => error.sql_err().is_some(),
    }
}

/// Which of `values` stand in `column` of some record of `E`: which ids are stored, or which
/// keys, for the types that have them.
pub async fn present<E, V>(
    db: &impl ConnectionTrait,
    column: impl IntoColumnRef,
    values: &[V],
) -> Result<std::collections::HashSet<V>, DbErr>
where
    E: Versioned,
    V: Clone + Eq + std::hash::Hash + Into<sea_orm::Value> + sea_orm::TryGetable,
{
    if values.is_empty() {
        return Ok(Default::default());
    }
    let column = Expr::col(column);
    let found: Vec<V> = E::find()
        .select_only()
        .expr(column.clone())
        .filter(column.is_in(values.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(found.into_iter().collect())
}

/// Whether record `id` exists.
pub async fn exists<E: Versioned>(db: &impl ConnectionTrait, id: i32) -> Result<bool, DbErr> {
    use sea_orm::PaginatorTrait;
    Ok(E::find().filter(E::id_column().eq(id)).count(db).await? > 0)
}

/// How many records of `E` have `value` in `column` (other than record `except`).
pub async fn count_with<E: Versioned>(
    db: &impl ConnectionTrait,
    column: E::Column,
    value: impl Into<sea_orm::Value>,
    except: Option<i32>,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    let mut select = E::find().filter(column.eq(value));
    if let Some(id) = except {
        select = select.filter(E::id_column().ne(id));
    }
    select.count(db).await
}

/// Id and version of every record of `E` with `value` in `column`.
pub async fn ids_with<E: Versioned>(
    db: &impl ConnectionTrait,
    column: E::Column,
    value: impl Into<sea_orm::Value>,
) -> Result<Vec<(i32, i32)>, DbErr> {
    E::find()
        .select_only()
        .column(E::id_column())
        .column(E::version_column())
        .filter(column.eq(value))
        .into_tuple()
        .all(db)
        .await
}

/// Moves record `id` of type `record` to its next version without changing its columns (a
/// change to what it links to, such as its sources); returns the new version, or `None` when
/// there is no such record.
pub async fn touch(
    uow: &UnitOfWork<'_>,
    record: RecordType,
    id: i32,
) -> Result<Option<i32>, DbErr> {
    use entity::*;
    macro_rules! bump {
        ($module:ident) => {{
            let Some(row) = find_for_update::<$module::Entity>(uow, id).await? else {
                return Ok(None);
            };
            let changed = update_versioned::<$module::Entity>(
                uow,
                id,
                row.version,
                <$module::ActiveModel as Default>::default(),
            )
            .await?;
            Ok(changed.then_some(row.version + 1))
        }};
    }
    match record {
        RecordType::SourceDocument => bump!(source_document),
        RecordType::Place => bump!(place),
        RecordType::Organisation => bump!(organisation),
        RecordType::Funder => bump!(funder),
        RecordType::Programme => bump!(programme),
        RecordType::Project => bump!(project),
        RecordType::Participation => bump!(participation),
        RecordType::FundingLine => bump!(funding_line),
        RecordType::Outcome => bump!(outcome),
        RecordType::Event => bump!(event),
        RecordType::Contact => bump!(contact),
    }
}

/// The project a project-owned record (participation, funding line, outcome, event, contact)
/// belongs to; `None` for other records or none found.
pub async fn project_of(
    db: &impl ConnectionTrait,
    record: RecordType,
    id: i32,
) -> Result<Option<i32>, DbErr> {
    use entity::*;
    Ok(match record {
        RecordType::Participation => participation::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|r| r.project_id),
        RecordType::FundingLine => funding_line::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|r| r.project_id),
        RecordType::Outcome => outcome::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|r| r.project_id),
        RecordType::Event => event::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|r| r.project_id),
        RecordType::Contact => contact::Entity::find_by_id(id)
            .one(db)
            .await?
            .and_then(|r| r.project_id),
        _ => None,
    })
}
