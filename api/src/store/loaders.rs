//! Per-request DataLoaders: every relation field loads through one of these, so a request runs
//! one statement per relation and nesting level, however many parents it has.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::enums::RecordType;
use entity::{
    contact, event, funder, funding_line, localized_text, organisation, organisation_identifier,
    outcome, participation, place, programme, project, project_place, record_source,
    source_document,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::Row;
use super::analytics::{FundingHandledBy, FundingSumsOf, RepeatPartnersOf, RoleCountsOf};
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
    pub identifiers_of_organisation:
        DataLoader<ChildrenOf<organisation_identifier::Entity, organisation_identifier::Model>>,
    pub funding_sums: DataLoader<FundingSumsOf>,
    pub role_counts: DataLoader<RoleCountsOf>,
    pub funding_handled: DataLoader<FundingHandledBy>,
    pub repeat_partners: DataLoader<RepeatPartnersOf>,
    pub texts: PerType<TextsOf>,
    pub sources: PerType<SourcesOf>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection, delay: Duration) -> Self {
        fn by_id<E, R>(db: &DatabaseConnection, delay: Duration) -> DataLoader<ById<E, R>>
        where
            E: Keyed + Send + Sync + 'static,
            R: Row<E>,
        {
            DataLoader::new(
                ById {
                    db: db.clone(),
                    rows: PhantomData,
                },
                tokio::spawn,
            )
            .delay(delay)
        }
        fn children<E, R>(
            db: &DatabaseConnection,
            delay: Duration,
            column: E::Column,
            order: E::Column,
            key_of: fn(&R) -> Option<i32>,
        ) -> DataLoader<ChildrenOf<E, R>>
        where
            E: Keyed + Send + Sync + 'static,
            E::Column: Send + Sync,
            R: Row<E>,
        {
            DataLoader::new(
                ChildrenOf {
                    db: db.clone(),
                    column,
                    order,
                    key_of,
                },
                tokio::spawn,
            )
            .delay(delay)
        }
        Self {
            projects: by_id(db, delay),
            organisations: by_id(db, delay),
            places: by_id(db, delay),
            funders: by_id(db, delay),
            programmes: by_id(db, delay),
            funding_lines: by_id(db, delay),
            participations: by_id(db, delay),
            outcomes: by_id(db, delay),
            events: by_id(db, delay),
            contacts: by_id(db, delay),
            source_documents: by_id(db, delay),
            participations_of_project: children::<participation::Entity, _>(
                db,
                delay,
                participation::Column::ProjectId,
                participation::Column::Position,
                |m| Some(m.project_id),
            ),
            participations_of_organisation: children::<participation::Entity, _>(
                db,
                delay,
                participation::Column::OrganisationId,
                participation::Column::ProjectId,
                |m| Some(m.organisation_id),
            ),
            funding_lines_of_project: children::<funding_line::Entity, _>(
                db,
                delay,
                funding_line::Column::ProjectId,
                funding_line::Column::Position,
                |m| Some(m.project_id),
            ),
            funding_lines_of_programme: children::<funding_line::Entity, _>(
                db,
                delay,
                funding_line::Column::ProgrammeId,
                funding_line::Column::ProjectId,
                |m| m.programme_id,
            ),
            outcomes_of_project: children::<outcome::Entity, _>(
                db,
                delay,
                outcome::Column::ProjectId,
                outcome::Column::Position,
                |m| Some(m.project_id),
            ),
            outcomes_of_outcome: children::<outcome::Entity, _>(
                db,
                delay,
                outcome::Column::ParentId,
                outcome::Column::Position,
                |m| m.parent_id,
            ),
            events_of_project: children::<event::Entity, _>(
                db,
                delay,
                event::Column::ProjectId,
                event::Column::Position,
                |m| Some(m.project_id),
            ),
            events_of_event: children::<event::Entity, _>(
                db,
                delay,
                event::Column::ParentId,
                event::Column::Position,
                |m| m.parent_id,
            ),
            places_of_project: children::<project_place::Entity, _>(
                db,
                delay,
                project_place::Column::ProjectId,
                project_place::Column::Position,
                |m| Some(m.project_id),
            ),
            projects_of_place: children::<project_place::Entity, _>(
                db,
                delay,
                project_place::Column::PlaceId,
                project_place::Column::ProjectId,
                |m| Some(m.place_id),
            ),
            places_of_place: children::<place::Entity, _>(
                db,
                delay,
                place::Column::ParentId,
                place::Column::Key,
                |m| m.parent_id,
            ),
            contacts_of_project: children::<contact::Entity, _>(
                db,
                delay,
                contact::Column::ProjectId,
                contact::Column::Position,
                |m| m.project_id,
            ),
            contacts_of_organisation: children::<contact::Entity, _>(
                db,
                delay,
                contact::Column::OrganisationId,
                contact::Column::Position,
                |m| m.organisation_id,
            ),
            programmes_of_funder: children::<programme::Entity, _>(
                db,
                delay,
                programme::Column::FunderId,
                programme::Column::Key,
                |m| Some(m.funder_id),
            ),
            programmes_of_programme: children::<programme::Entity, _>(
                db,
                delay,
                programme::Column::ParentId,
                programme::Column::Key,
                |m| m.parent_id,
            ),
            projects_of_programme: children::<project::Entity, _>(
                db,
                delay,
                project::Column::ProgrammeId,
                project::Column::StartDate,
                |m| m.programme_id,
            ),
            identifiers_of_organisation: children::<organisation_identifier::Entity, _>(
                db,
                delay,
                organisation_identifier::Column::OrganisationId,
                organisation_identifier::Column::Scheme,
                |m| Some(m.organisation_id),
            ),
            funding_sums: DataLoader::new(FundingSumsOf { db: db.clone() }, tokio::spawn)
                .delay(delay),
            role_counts: DataLoader::new(RoleCountsOf { db: db.clone() }, tokio::spawn)
                .delay(delay),
            funding_handled: DataLoader::new(FundingHandledBy { db: db.clone() }, tokio::spawn)
                .delay(delay),
            repeat_partners: DataLoader::new(RepeatPartnersOf { db: db.clone() }, tokio::spawn)
                .delay(delay),
            texts: PerType::new(|kind| {
                DataLoader::new(
                    TextsOf {
                        db: db.clone(),
                        kind,
                    },
                    tokio::spawn,
                )
                .delay(delay)
            }),
            sources: PerType::new(|kind| {
                DataLoader::new(
                    SourcesOf {
                        db: db.clone(),
                        kind,
                    },
                    tokio::spawn,
                )
                .delay(delay)
            }),
        }
    }
}
