//! Per-request DataLoaders: every relation field loads through one of these, so a request runs
//! one statement per relation and nesting level, however many parents it has.
//!
//! A loader's batch does not run on a timer in a task of its own: it is queued in the request's
//! [`Batches`] and run inside the request's own task, once the execution has gone as far as it
//! can without the batch's rows. By then every resolver of that level has asked for its keys,
//! so a level is one batch however long the resolvers took, with no timer to wait for and no
//! other thread to wake.

use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::enums::RecordType;
use entity::{
    contact, event, funder, funding_line, localized_text, organisation, organisation_identifier,
    outcome, participation, place, programme, project, project_place, record_source,
    source_document,
};
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::Row;
use super::analytics::{
    FundingHandledBy, FundingSumsOf, ProjectsOfFunder, RepeatPartnersOf, RoleCountsOf,
};
use super::filter::one_of;
use super::funding::{FunderRow, ProgrammeRow};
use super::organisations::OrganisationRow;
use super::places::PlaceRow;
use super::projects::ProjectRow;
use crate::error::ApiError;

/// An entity whose primary key is an `i32` column.
pub trait Keyed: EntityTrait {
    fn id_column() -> Self::Column;
}

macro_rules! keyed {
    ($($module:ident),+ $(,)?) => {$(
        impl Keyed for $module::Entity {
            fn id_column() -> Self::Column {
                $module::Column::Id
            }
        }
    )+};
}

keyed!(
    contact,
    event,
    funder,
    funding_line,
    organisation,
    organisation_identifier,
    outcome,
    participation,
    place,
    programme,
    project,
    project_place,
    source_document,
);

/// Loads rows of type `R` by primary key.
pub struct ById<E, R> {
    db: DatabaseConnection,
    rows: PhantomData<fn() -> (E, R)>,
}

impl<E, R> Loader<i32> for ById<E, R>
where
    E: Keyed + Send + Sync + 'static,
    R: Row<E>,
{
    type Value = R;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, R>, ApiError> {
        let backend = self.db.get_database_backend();
        let select = E::find().filter(one_of(E::id_column(), keys, backend));
        let rows = R::project(select).into_model::<R>().all(&self.db).await?;
        Ok(rows.into_iter().map(|row| (row.id(), row)).collect())
    }
}

/// Loads the rows whose foreign key `column` points at each key, in `order`-then-id order.
pub struct ChildrenOf<E: EntityTrait, R> {
    db: DatabaseConnection,
    column: E::Column,
    order: E::Column,
    key_of: fn(&R) -> Option<i32>,
}

impl<E, R> Loader<i32> for ChildrenOf<E, R>
where
    E: Keyed + Send + Sync + 'static,
    E::Column: Send + Sync,
    R: Row<E>,
{
    type Value = Vec<R>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Vec<R>>, ApiError> {
        let select = E::find()
            .filter(one_of(self.column, keys, self.db.get_database_backend()))
            .order_by_asc(self.order)
            .order_by_asc(E::id_column());
        let rows = R::project(select).into_model::<R>().all(&self.db).await?;
        let mut grouped: HashMap<i32, Vec<R>> = HashMap::new();
        for row in rows {
            if let Some(key) = (self.key_of)(&row) {
                grouped.entry(key).or_default().push(row);
            }
        }
        Ok(grouped)
    }
}

/// Loads every localized text of records of one type. One loader per type keeps each batch to
/// one relation of the query, so batching does not depend on timing between relations.
pub struct TextsOf {
    db: DatabaseConnection,
    kind: RecordType,
}

impl Loader<i32> for TextsOf {
    type Value = Vec<localized_text::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, ApiError> {
        use localized_text::Column;
        let rows = localized_text::Entity::find()
            .filter(Column::RecordType.eq(self.kind.as_str()))
            .filter(one_of(
                Column::RecordId,
                keys,
                self.db.get_database_backend(),
            ))
            .order_by_asc(Column::Field)
            .order_by_asc(Column::Position)
            .order_by_desc(Column::IsOriginal)
            .order_by_asc(Column::Lang)
            .all(&self.db)
            .await?;
        let mut grouped: HashMap<i32, Self::Value> = HashMap::new();
        for row in rows {
            grouped.entry(row.record_id).or_default().push(row);
        }
        Ok(grouped)
    }
}

/// Loads the source documents that records of one type cite.
pub struct SourcesOf {
    db: DatabaseConnection,
    kind: RecordType,
}

impl Loader<i32> for SourcesOf {
    type Value = Vec<source_document::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, ApiError> {
        let rows = record_source::Entity::find()
            .filter(record_source::Column::RecordType.eq(self.kind.as_str()))
            .filter(one_of(
                record_source::Column::RecordId,
                keys,
                self.db.get_database_backend(),
            ))
            .find_also_related(source_document::Entity)
            .order_by_asc(record_source::Column::SourceDocumentId)
            .all(&self.db)
            .await?;
        let mut grouped: HashMap<i32, Self::Value> = HashMap::new();
        for (link, document) in rows {
            if let Some(document) = document {
                grouped.entry(link.record_id).or_default().push(document);
            }
        }
        Ok(grouped)
    }
}

/// One loader per record type, for the polymorphic side tables.
pub struct PerType<L: Loader<i32>> {
    loaders: HashMap<RecordType, DataLoader<L>>,
}

impl<L: Loader<i32>> PerType<L> {
    fn new(make: impl Fn(RecordType) -> DataLoader<L>) -> Self {
        Self {
            loaders: RecordType::ALL
                .into_iter()
                .map(|kind| (kind, make(kind)))
                .collect(),
        }
    }

    /// The loader of records of type `kind`.
    pub fn of(&self, kind: RecordType) -> Result<&DataLoader<L>, ApiError> {
        self.loaders.get(&kind).ok_or(ApiError::Internal)
    }
}

/// The loader batches of one request, queued by its loaders and run by [`Batches::drive`].
#[derive(Clone, Default)]
pub struct Batches {
    queued: Arc<Mutex<Vec<BoxFuture<'static, ()>>>>,
}

impl Batches {
    /// Queues a batch; [`Batches::drive`] runs it once the request waits for it.
    fn queue(&self, batch: BoxFuture<'static, ()>) {
        self.queued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(batch);
    }

    fn take_queued(&self) -> Vec<BoxFuture<'static, ()>> {
        std::mem::take(&mut *self.queued.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs `work` (the request's execution) and, whenever it waits, the batches it queued.
    pub async fn drive<F: Future>(&self, work: F) -> F::Output {
        let mut work = pin!(work);
        let mut running = FuturesUnordered::new();
        std::future::poll_fn(|cx| {
            // The executor's lists of futures yield now and then by waking themselves; that is
            // not waiting for rows, so `work` is polled again before any batch runs, until it
            // waits on something else (a bounded number of times, so a future that always
            // yields cannot keep the batches from running).
            for _ in 0..MAX_YIELDS_BEFORE_BATCHES {
                let yielded = Arc::new(YieldWaker {
                    woken: AtomicBool::new(false),
                    task: cx.waker().clone(),
                });
                let waker = Waker::from(yielded.clone());
                if let Poll::Ready(output) = work.as_mut().poll(&mut Context::from_waker(&waker)) {
                    return Poll::Ready(output);
                }
                if !yielded.woken.load(Ordering::Acquire) {
                    break;
                }
            }
            // Batches that finish wake this task, so `work` is polled again with their rows.
            loop {
                running.extend(self.take_queued());
                while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
                if self
                    .queued
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .is_empty()
                {
                    return Poll::Pending;
                }
            }
        })
        .await
    }
}

/// How many times in a row the execution may yield before the queued batches run anyway.
const MAX_YIELDS_BEFORE_BATCHES: usize = 1_000;

/// Wakes the request's task and notes that it was woken, so a poll can tell a future that
/// yielded (woke itself) from one that waits.
struct YieldWaker {
    woken: AtomicBool,
    task: Waker,
}

impl Wake for YieldWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake_by_ref();
    }
}

/// All loaders of one request. Created per request so cached rows never outlive it.
pub struct Loaders {
    pub projects: DataLoader<ById<project::Entity, ProjectRow>>,
    pub organisations: DataLoader<ById<organisation::Entity, OrganisationRow>>,
    pub places: DataLoader<ById<place::Entity, PlaceRow>>,
    pub funders: DataLoader<ById<funder::Entity, FunderRow>>,
    pub programmes: DataLoader<ById<programme::Entity, ProgrammeRow>>,
    pub funding_lines: DataLoader<ById<funding_line::Entity, funding_line::Model>>,
    pub participations: DataLoader<ById<participation::Entity, participation::Model>>,
    pub outcomes: DataLoader<ById<outcome::Entity, outcome::Model>>,
    pub events: DataLoader<ById<event::Entity, event::Model>>,
    pub contacts: DataLoader<ById<contact::Entity, contact::Model>>,
    pub source_documents: DataLoader<ById<source_document::Entity, source_document::Model>>,
    pub participations_of_project:
        DataLoader<ChildrenOf<participation::Entity, participation::Model>>,
    pub participations_of_organisation:
        DataLoader<ChildrenOf<participation::Entity, participation::Model>>,
    pub funding_lines_of_project: DataLoader<ChildrenOf<funding_line::Entity, funding_line::Model>>,
    pub funding_lines_of_programme:
        DataLoader<ChildrenOf<funding_line::Entity, funding_line::Model>>,
    pub outcomes_of_project: DataLoader<ChildrenOf<outcome::Entity, outcome::Model>>,
    pub outcomes_of_outcome: DataLoader<ChildrenOf<outcome::Entity, outcome::Model>>,
    pub events_of_project: DataLoader<ChildrenOf<event::Entity, event::Model>>,
    pub events_of_event: DataLoader<ChildrenOf<event::Entity, event::Model>>,
    pub places_of_project: DataLoader<ChildrenOf<project_place::Entity, project_place::Model>>,
    pub projects_of_place: DataLoader<ChildrenOf<project_place::Entity, project_place::Model>>,
    pub places_of_place: DataLoader<ChildrenOf<place::Entity, PlaceRow>>,
    pub contacts_of_project: DataLoader<ChildrenOf<contact::Entity, contact::Model>>,
    pub contacts_of_organisation: DataLoader<ChildrenOf<contact::Entity, contact::Model>>,
    pub programmes_of_funder: DataLoader<ChildrenOf<programme::Entity, ProgrammeRow>>,
    pub programmes_of_programme: DataLoader<ChildrenOf<programme::Entity, ProgrammeRow>>,
    pub projects_of_programme: DataLoader<ChildrenOf<project::Entity, ProjectRow>>,
    /// Ids of the projects each funder funds, by any route a source names it.
    pub projects_of_funder: DataLoader<ProjectsOfFunder>,
    pub identifiers_of_organisation:
        DataLoader<ChildrenOf<organisation_identifier::Entity, organisation_identifier::Model>>,
    pub funding_sums: DataLoader<FundingSumsOf>,
    pub role_counts: DataLoader<RoleCountsOf>,
    pub funding_handled: DataLoader<FundingHandledBy>,
    pub repeat_partners: DataLoader<RepeatPartnersOf>,
    pub texts: PerType<TextsOf>,
    pub sources: PerType<SourcesOf>,
}

/// Most keys in one batch: a page of 100 organisations names about 4,000 projects, one
/// statement's worth (PostgreSQL takes them as one array; SQLite allows 32,766 parameters).
const MAX_BATCH_KEYS: usize = 5_000;

/// Makes the loaders of one request.
struct LoaderFactory<'a> {
    db: &'a DatabaseConnection,
    batches: &'a Batches,
    delay: Duration,
}

impl LoaderFactory<'_> {
    fn loader<L: Loader<i32>>(&self, loader: L) -> DataLoader<L> {
        let batches = self.batches.clone();
        DataLoader::new(loader, move |batch| batches.queue(batch))
            .delay(self.delay)
            .max_batch_size(MAX_BATCH_KEYS)
    }

    fn by_id<E, R>(&self) -> DataLoader<ById<E, R>>
    where
        E: Keyed + Send + Sync + 'static,
        R: Row<E>,
    {
        self.loader(ById {
            db: self.db.clone(),
            rows: PhantomData,
        })
    }

    fn children<E, R>(
        &self,
        column: E::Column,
        order: E::Column,
        key_of: fn(&R) -> Option<i32>,
    ) -> DataLoader<ChildrenOf<E, R>>
    where
        E: Keyed + Send + Sync + 'static,
        E::Column: Send + Sync,
        R: Row<E>,
    {
        self.loader(ChildrenOf {
            db: self.db.clone(),
            column,
            order,
            key_of,
        })
    }
}

impl Loaders {
    /// The loaders of one request, queueing their batches in `batches`. Each batch waits
    /// `delay` before it queries: batching needs none (see the module's comment); tests use it
    /// to keep requests running.
    pub fn new(db: &DatabaseConnection, batches: &Batches, delay: Duration) -> Self {
        let make = LoaderFactory { db, batches, delay };
        Self {
            projects: make.by_id(),
            organisations: make.by_id(),
            places: make.by_id(),
            funders: make.by_id(),
            programmes: make.by_id(),
            funding_lines: make.by_id(),
            participations: make.by_id(),
            outcomes: make.by_id(),
            events: make.by_id(),
            contacts: make.by_id(),
            source_documents: make.by_id(),
            participations_of_project: make.children::<participation::Entity, _>(
                participation::Column::ProjectId,
                participation::Column::Position,
                |m| Some(m.project_id),
            ),
            participations_of_organisation: make.children::<participation::Entity, _>(
                participation::Column::OrganisationId,
                participation::Column::ProjectId,
                |m| Some(m.organisation_id),
            ),
            funding_lines_of_project: make.children::<funding_line::Entity, _>(
                funding_line::Column::ProjectId,
                funding_line::Column::Position,
                |m| Some(m.project_id),
            ),
            funding_lines_of_programme: make.children::<funding_line::Entity, _>(
                funding_line::Column::ProgrammeId,
                funding_line::Column::ProjectId,
                |m| m.programme_id,
            ),
            outcomes_of_project: make.children::<outcome::Entity, _>(
                outcome::Column::ProjectId,
                outcome::Column::Position,
                |m| Some(m.project_id),
            ),
            outcomes_of_outcome: make.children::<outcome::Entity, _>(
                outcome::Column::ParentId,
                outcome::Column::Position,
                |m| m.parent_id,
            ),
            events_of_project: make.children::<event::Entity, _>(
                event::Column::ProjectId,
                event::Column::Position,
                |m| Some(m.project_id),
            ),
            events_of_event: make.children::<event::Entity, _>(
                event::Column::ParentId,
                event::Column::Position,
                |m| m.parent_id,
            ),
            places_of_project: make.children::<project_place::Entity, _>(
                project_place::Column::ProjectId,
                project_place::Column::Position,
                |m| Some(m.project_id),
            ),
            projects_of_place: make.children::<project_place::Entity, _>(
                project_place::Column::PlaceId,
                project_place::Column::ProjectId,
                |m| Some(m.place_id),
            ),
            places_of_place: make.children::<place::Entity, _>(
                place::Column::ParentId,
                place::Column::Key,
                |m| m.parent_id,
            ),
            contacts_of_project: make.children::<contact::Entity, _>(
                contact::Column::ProjectId,
                contact::Column::Position,
                |m| m.project_id,
            ),
            contacts_of_organisation: make.children::<contact::Entity, _>(
                contact::Column::OrganisationId,
                contact::Column::Position,
                |m| m.organisation_id,
            ),
            programmes_of_funder: make.children::<programme::Entity, _>(
                programme::Column::FunderId,
                programme::Column::Key,
                |m| Some(m.funder_id),
            ),
            programmes_of_programme: make.children::<programme::Entity, _>(
                programme::Column::ParentId,
                programme::Column::Key,
                |m| m.parent_id,
            ),
            projects_of_programme: make.children::<project::Entity, _>(
                project::Column::ProgrammeId,
                project::Column::StartDate,
                |m| m.programme_id,
            ),
            identifiers_of_organisation: make.children::<organisation_identifier::Entity, _>(
                organisation_identifier::Column::OrganisationId,
                organisation_identifier::Column::Scheme,
                |m| Some(m.organisation_id),
            ),
            projects_of_funder: make.loader(ProjectsOfFunder { db: db.clone() }),
            funding_sums: make.loader(FundingSumsOf { db: db.clone() }),
            role_counts: make.loader(RoleCountsOf { db: db.clone() }),
            funding_handled: make.loader(FundingHandledBy { db: db.clone() }),
            repeat_partners: make.loader(RepeatPartnersOf { db: db.clone() }),
            texts: PerType::new(|kind| {
                make.loader(TextsOf {
                    db: db.clone(),
                    kind,
                })
            }),
            sources: PerType::new(|kind| {
                make.loader(SourcesOf {
                    db: db.clone(),
                    kind,
                })
            }),
        }
    }
}
