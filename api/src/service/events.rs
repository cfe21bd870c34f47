//! Writing events: meetings, training cycles and their sessions, seminars and other events of a
//! project, with date, local times in an IANA time zone, venue or online platform.

use chrono::{NaiveDate, NaiveTime};
use entity::enums::{DatePrecision, EventKind, RecordType};
use entity::{event, place, project};
use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use super::projects::precision_of;
use super::{Change, Record, check_parent_in_project, global_id, texts_json};
use crate::domain::audit::Snapshot;
use crate::domain::validation::{
    Code, FieldPath, MAX_LONG_TEXT, MAX_SHORT_TEXT, MAX_TITLE, TextDraft, Violations,
};
use crate::store::events::{self, NewEvent};
use crate::store::texts;
use crate::store::writes::{UnitOfWork, count_with};

/// An event as a write gives it.
#[derive(Debug, Clone)]
pub struct EventDraft {
    pub project: i32,
    pub parent: Option<i32>,
    pub kind: EventKind,
    pub title: Vec<TextDraft>,
    pub description: Vec<TextDraft>,
    pub start_date: Option<NaiveDate>,
    pub date_precision: Option<DatePrecision>,
    pub end_date: Option<NaiveDate>,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub time_zone: Option<String>,
    pub place: Option<i32>,
    pub online_platform: Option<String>,
    pub registration_deadline: Option<NaiveDate>,
    /// Place in the project's events; a new one goes last when none is given.
    pub position: Option<i32>,
}

/// The fields an update of an event changes (the project stays).
#[derive(Debug, Default)]
pub struct EventPatch {
    pub parent: Change<i32>,
    pub kind: Change<EventKind>,
    pub title: Change<Vec<TextDraft>>,
    pub description: Change<Vec<TextDraft>>,
    pub start_date: Change<NaiveDate>,
    pub date_precision: Change<DatePrecision>,
    pub end_date: Change<NaiveDate>,
    pub start_time: Change<NaiveTime>,
    pub end_time: Change<NaiveTime>,
    pub time_zone: Change<String>,
    pub place: Change<i32>,
    pub online_platform: Change<String>,
    pub registration_deadline: Change<NaiveDate>,
    pub position: Change<i32>,
}

pub struct Events;

fn new_of(d: &EventDraft) -> NewEvent {
    NewEvent {
        project_id: d.project,
        parent_id: d.parent,
        kind: d.kind,
        date: d.start_date.zip(d.date_precision),
        end_date: d.end_date,
        start_time: d.start_time,
        end_time: d.end_time,
        time_zone: d.time_zone.clone(),
        place_id: d.place,
        online_platform: d.online_platform.clone(),
        registration_deadline: d.registration_deadline,
        position: d.position.unwrap_or(0),
    }
}

impl Record for Events {
    const TYPE: RecordType = RecordType::Event;
    type Entity = event::Entity;
    type Draft = EventDraft;
    type Patch = EventPatch;

    async fn draft_of(db: &DatabaseTransaction, row: &event::Model) -> Result<EventDraft, DbErr> {
        let texts = texts::of_record(db, Self::TYPE, row.id).await?;
        Ok(EventDraft {
            project: row.project_id,
            parent: row.parent_id,
            kind: row.kind,
            title: texts::drafts(&texts, "title"),
            description: texts::drafts(&texts, "description"),
            start_date: row.start_date,
            date_precision: row.date_precision,
            end_date: row.end_date,
            start_time: row.start_time,
            end_time: row.end_time,
            time_zone: row.time_zone.clone(),
            place: row.place_id,
            online_platform: row.online_platform.clone(),
            registration_deadline: row.registration_deadline,
            position: Some(row.position),
        })
    }

    fn version_of(row: &event::Model) -> i32 {
        row.version
    }

    fn apply(current: EventDraft, p: EventPatch, at: &FieldPath, v: &mut Violations) -> EventDraft {
        let start_date = p.start_date.apply(current.start_date);
        EventDraft {
            project: current.project,
            parent: p.parent.apply(current.parent),
            kind: p.kind.apply_required(current.kind, &at.at("kind"), v),
            title: p.title.apply_required(current.title, &at.at("title"), v),
            description: p
                .description
                .apply(Some(current.description))
                .unwrap_or_default(),
            date_precision: precision_of(
                start_date,
                p.date_precision.apply(current.date_precision),
            ),
            start_date,
            end_date: p.end_date.apply(current.end_date),
            start_time: p.start_time.apply(current.start_time),
            end_time: p.end_time.apply(current.end_time),
            time_zone: p.time_zone.apply(current.time_zone),
            place: p.place.apply(current.place),
            online_platform: p.online_platform.apply(current.online_platform),
            registration_deadline: p.registration_deadline.apply(current.registration_deadline),
            position: Some(p.position.apply_required(
                current.position.unwrap_or(0),
                &at.at("position"),
                v,
            )),
        }
    }

    async fn validate(
        uow: &UnitOfWork<'_>,
        d: &EventDraft,
        id: Option<i32>,
        at: &FieldPath,
        v: &mut Violations,
    ) -> Result<(), DbErr> {
        let db = uow.db();
        v.localized(&at.at("title"), &d.title, MAX_TITLE, true);
        v.localized(&at.at("description"), &d.description, MAX_LONG_TEXT, false);
        v.optional_text(
            &at.at("onlinePlatform"),
            d.online_platform.as_deref(),
            MAX_SHORT_TEXT,
        );
        v.ordered_dates(
            &at.at("endDate"),
            d.start_date,
            d.end_date,
            "the start date",
        );
        if d.end_date.is_some() && d.start_date.is_none() {
            v.add(
                &at.at("startDate"),
                Code::Required,
                "an end date needs a start date",
            );
        }
        if let (Some(deadline), Some(start)) = (d.registration_deadline, d.start_date)
            && deadline > start
        {
            v.add(
                &at.at("registrationDeadline"),
                Code::OutOfRange,
                format!("{deadline} is after the start date {start}"),
            );
        }
        if d.start_time.is_some() || d.end_time.is_some() {
            if d.start_date.is_none() {
                v.add(&at.at("startDate"), Code::Required, "a time needs a date");
            }
            if d.time_zone.is_none() {
                v.add(
                    &at.at("timeZone"),
                    Code::Required,
                    "local times need their IANA time zone, e.g. `Europe/Riga`",
                );
            }
        }
        if d.end_time.is_some() && d.start_time.is_none() {
            v.add(
                &at.at("startTime"),
                Code::Required,
                "an end time needs a start time",
            );
        }
        if let (Some(start), Some(end)) = (d.start_time, d.end_time)
            && end < start
            && d.end_date
                .is_none_or(|end_date| Some(end_date) == d.start_date)
        {
            v.add(
                &at.at("endTime"),
                Code::OutOfRange,
                format!("{end} is before the start time {start}"),
            );
        }
        if let Some(zone) = &d.time_zone
            && crate::domain::time::zone(zone).is_none()
        {
            v.add(
                &at.at("timeZone"),
                Code::Invalid,
                format!("`{zone}` is not an IANA time zone, e.g. `Europe/Riga`"),
            );
        }
        if let Some(position) = d.position {
            v.quantity(&at.at("position"), position, false);
        }
        let project_found = uow.exists::<project::Entity>(d.project).await?;
        if !project_found {
            v.add(&at.at("project"), Code::NotFound, "no Project has this ID");
        }
        if let Some(place_id) = d.place
            && !uow.exists::<place::Entity>(place_id).await?
        {
            v.add(&at.at("place"), Code::NotFound, "no Place has this ID");
        }
        if let Some(parent) = d.parent
            && project_found
        {
            check_parent_in_project(db, Self::TYPE, parent, d.project, id, &at.at("parent"), v)
                .await?;
        }
        Ok(())
    }

    async fn insert(uow: &UnitOfWork<'_>, d: &EventDraft) -> Result<i32, DbErr> {
        uow.lock_tree(Self::TYPE).await?;
        let mut new = new_of(d);
        new.position = super::position_in_project::<event::Entity>(
            uow,
            event::Column::ProjectId,
            d.project,
            d.position,
        )
        .await?;
        let id = events::insert(uow.db(), new).await?;
        let fields = [
            ("title", d.title.as_slice()),
            ("description", &d.description),
        ];
        texts::insert_new(uow.db(), Self::TYPE, id, &fields, &[]).await?;
        Ok(id)
    }

    async fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        before: &EventDraft,
        after: &EventDraft,
    ) -> Result<bool, DbErr> {
        uow.lock_tree(Self::TYPE).await?;
        if !events::update(uow, id, version, &new_of(after)).await? {
            return Ok(false);
        }
        if before.title != after.title {
            texts::replace(uow.db(), Self::TYPE, id, "title", &after.title).await?;
        }
        if before.description != after.description {
            texts::replace(uow.db(), Self::TYPE, id, "description", &after.description).await?;
        }
        Ok(true)
    }

    async fn dependants(db: &DatabaseTransaction, id: i32) -> Result<Vec<String>, DbErr> {
        let sessions = count_with::<event::Entity>(db, event::Column::ParentId, id, None).await?;
        Ok(if sessions > 0 {
            vec![format!("{sessions} session(s)")]
        } else {
            Vec::new()
        })
    }

    fn snapshot(d: &EventDraft) -> Snapshot {
        Snapshot::from([
            ("project", json!(global_id(RecordType::Project, d.project))),
            (
                "parent",
                json!(d.parent.map(|id| global_id(RecordType::Event, id))),
            ),
            ("kind", json!(d.kind)),
            ("title", texts_json(&d.title)),
            ("description", texts_json(&d.description)),
            ("startDate", json!(d.start_date)),
            ("datePrecision", json!(d.date_precision)),
            ("endDate", json!(d.end_date)),
            (
                "startTime",
                json!(d.start_time.map(|t| t.format("%H:%M").to_string())),
            ),
            (
                "endTime",
                json!(d.end_time.map(|t| t.format("%H:%M").to_string())),
            ),
            ("timeZone", json!(d.time_zone)),
            (
                "place",
                json!(d.place.map(|id| global_id(RecordType::Place, id))),
            ),
            ("onlinePlatform", json!(d.online_platform)),
            ("registrationDeadline", json!(d.registration_deadline)),
            ("position", json!(d.position)),
        ])
    }

    fn parent_of(draft: &EventDraft) -> Option<i32> {
        draft.parent
    }

    fn owner(draft: &EventDraft, _id: Option<i32>) -> super::Owner {
        super::Owner::Project(draft.project)
    }
}
