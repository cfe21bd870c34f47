//! Events and the sessions of a cycle: rows, filter predicates, orderings and pages.

use chrono::{NaiveDate, NaiveTime};
use entity::enums::{DatePrecision, EventKind};
use entity::event;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait,
};

use super::filter::{Filter, Predicate, filtered};
use super::page::{Page, PageRequest, SortColumn, SortKind, page};
use super::writes::{UnitOfWork, update_versioned};
use crate::error::ApiResult;

/// An event or session.
pub type EventRow = event::Model;

/// One condition on events.
#[derive(Debug, Clone)]
pub enum EventPredicate {
    Project(Vec<i32>),
    Kind(Vec<EventKind>),
    /// Dated between the two days (either may be open); undated events never match.
    DatedBetween(Option<NaiveDate>, Option<NaiveDate>),
    /// Online (true) or in a place (false).
    Online(bool),
    Place(Vec<i32>),
    /// A session of a cycle (true) or a top-level event (false).
    Session(bool),
}

impl Predicate for EventPredicate {
    fn condition(&self) -> ApiResult<Condition> {
        use event::Column;
        let all = Condition::all();
        Ok(match self {
            Self::Project(ids) => all.add(Column::ProjectId.is_in(ids.iter().copied())),
            Self::Kind(kinds) => all.add(Column::Kind.is_in(kinds.iter().copied())),
            Self::DatedBetween(from, to) => {
                let mut all = all.add(Column::StartDate.is_not_null());
                if let Some(from) = from {
                    all = all.add(Column::StartDate.gte(*from));
                }
                if let Some(to) = to {
                    all = all.add(Column::StartDate.lte(*to));
                }
                all
            }
            Self::Online(true) => all.add(Column::OnlinePlatform.is_not_null()),
            Self::Online(false) => all.add(Column::OnlinePlatform.is_null()),
            Self::Place(ids) => all.add(Column::PlaceId.is_in(ids.iter().copied())),
            Self::Session(true) => all.add(Column::ParentId.is_not_null()),
            Self::Session(false) => all.add(Column::ParentId.is_null()),
        })
    }
}

/// What events can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOrderField {
    Date,
    Kind,
}

/// The sort columns of events by `field`: the date is the day, then the time.
pub fn sort_columns(field: EventOrderField, descending: bool) -> Vec<SortColumn<event::Column>> {
    let column = |column, kind, name| SortColumn {
        column,
        kind,
        descending,
        name,
    };
    match field {
        EventOrderField::Date => vec![
            column(event::Column::StartDate, SortKind::Date, "date"),
            column(event::Column::StartTime, SortKind::Time, "time"),
        ],
        EventOrderField::Kind => vec![column(event::Column::Kind, SortKind::Text, "kind")],
    }
}

/// One page of the events `filter` selects.
pub async fn page_of(
    db: &impl ConnectionTrait,
    filter: Option<&Filter<EventPredicate>>,
    order: &[SortColumn<event::Column>],
    request: &PageRequest,
) -> ApiResult<Page<EventRow>> {
    let select = filtered(event::Entity::find(), filter)?;
    page(db, select, order, event::Column::Id, request).await
}

/// An event to add to a project, as a session of a parent event or at the top.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub project_id: i32,
    pub parent_id: Option<i32>,
    pub kind: EventKind,
    pub date: Option<(NaiveDate, DatePrecision)>,
    /// Last day of a multi-day event or cycle.
    pub end_date: Option<NaiveDate>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    /// IANA time zone of the times.
    pub time_zone: Option<String>,
    pub place_id: Option<i32>,
    pub online_platform: Option<String>,
    pub registration_deadline: Option<NaiveDate>,
    /// Place in the project's events, parents before their sessions.
    pub position: i32,
}

/// Adds an event; returns its id.
pub async fn insert(db: &impl ConnectionTrait, new: NewEvent) -> Result<i32, DbErr> {
    let row = event::ActiveModel {
        version: Set(1),
        updated_at: Set(chrono::Utc::now()),
        project_id: Set(new.project_id),
        parent_id: Set(new.parent_id),
        kind: Set(new.kind),
        start_date: Set(new.date.map(|(date, _)| date)),
        date_precision: Set(new.date.map(|(_, precision)| precision)),
        end_date: Set(new.end_date),
        start_time: Set(new.start_time),
        end_time: Set(new.end_time),
        time_zone: Set(new.time_zone),
        place_id: Set(new.place_id),
        online_platform: Set(new.online_platform),
        registration_deadline: Set(new.registration_deadline),
        position: Set(new.position),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Writes event `id` as `new` describes it, if it is still at `version`.
pub async fn update(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    new: &NewEvent,
) -> Result<bool, DbErr> {
    let row = event::ActiveModel {
        project_id: Set(new.project_id),
        parent_id: Set(new.parent_id),
        kind: Set(new.kind),
        start_date: Set(new.date.map(|(date, _)| date)),
        date_precision: Set(new.date.map(|(_, precision)| precision)),
        end_date: Set(new.end_date),
        start_time: Set(new.start_time),
        end_time: Set(new.end_time),
        time_zone: Set(new.time_zone.clone()),
        place_id: Set(new.place_id),
        online_platform: Set(new.online_platform.clone()),
        registration_deadline: Set(new.registration_deadline),
        position: Set(new.position),
        ..Default::default()
    };
    update_versioned::<event::Entity>(uow, id, version, row).await
}

/// The project and the parent of event `id`, when it exists.
pub async fn lineage(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<(i32, Option<i32>)>, DbErr> {
    Ok(event::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|e| (e.project_id, e.parent_id)))
}
