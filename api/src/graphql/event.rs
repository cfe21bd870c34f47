//! Events of projects, and the sessions of a cycle.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::enums::RecordType;

use super::connection::{connection, page_request};
use super::context::{db, loaders};
use super::enums::{DatePrecision, EventKind, OrderDirection};
use super::filter::{DateRange, FilterInput, logical_filter, store_filter};
use super::ids;
use super::nodes::{Event, Place, Project, SourceDocument};
use super::scalars::{Date, DateTime, LanguageCode, LocalTime};
use super::text::{self, LocalizedText};
use crate::domain::time;
use crate::error::{ApiError, ApiResult};
use crate::store::events::{self, EventOrderField as StoredOrderField, EventPredicate};

/// A meeting, training session, pilot or other event of a project.
#[Object]
impl Event {
    /// Global ID of the event.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::Event, self.0.id)
    }

    /// 1 when the record was created, one more after each change. Send it back as
    /// `expectedVersion` to change the record only if nobody changed it since you read it.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When the record last changed.
    async fn updated_at(&self) -> super::scalars::DateTime {
        super::scalars::DateTime(self.0.updated_at.fixed_offset())
    }

    /// What sort of event it is.
    async fn kind(&self) -> EventKind {
        self.0.kind.into()
    }

    /// Title in `lang`, falling back to the original language, then English, then any.
    async fn title(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<String> {
        Ok(
            text::localized(ctx, RecordType::Event, self.0.id, "title", lang.as_ref())
                .await?
                .unwrap_or_default(),
        )
    }

    /// Details in `lang` with the usual fallback.
    async fn description(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<Option<String>> {
        Ok(text::localized(
            ctx,
            RecordType::Event,
            self.0.id,
            "description",
            lang.as_ref(),
        )
        .await?)
    }

    /// Day the event takes place (or starts); see `datePrecision`.
    async fn date(&self) -> Option<Date> {
        self.0.start_date.map(Date)
    }

    /// How exact `date` is.
    async fn date_precision(&self) -> Option<DatePrecision> {
        self.0.date_precision.map(Into::into)
    }

    /// Last day of a multi-day event or cycle (source 003's training cycle runs from
    /// 2023-12-04 to 2024-01-15); null for a one-day event or when the source does not say.
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }

    /// The instant the event starts: its date and local start time in its time zone, with the
    /// offset that zone has that day. Null when the date, time or zone is unknown.
    async fn starts_at(&self) -> Option<DateTime> {
        let event = &self.0;
        time::instant(
            event.start_date?,
            event.start_time?,
            event.time_zone.as_deref()?,
        )
        .map(DateTime)
    }

    /// The instant the event ends: its end date (else its date) and local end time in its
    /// time zone. Null when any of them is unknown.
    async fn ends_at(&self) -> Option<DateTime> {
        let event = &self.0;
        let day = event.end_date.or(event.start_date)?;
        time::instant(day, event.end_time?, event.time_zone.as_deref()?).map(DateTime)
    }

    /// Local start time in `timeZone`.
    async fn start_time(&self) -> Option<LocalTime> {
        self.0.start_time.map(LocalTime)
    }

    /// Local end time in `timeZone`.
    async fn end_time(&self) -> Option<LocalTime> {
        self.0.end_time.map(LocalTime)
    }

    /// IANA time zone of the times, e.g. `Europe/Riga`.
    async fn time_zone(&self) -> Option<&str> {
        self.0.time_zone.as_deref()
    }

    /// Venue, municipality or country where the event happens.
    async fn place(&self, ctx: &Context<'_>) -> Result<Option<Place>> {
        let Some(id) = self.0.place_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.places.load_one(id).await?.map(Place))
    }

    /// Online platform, e.g. `Zoom`, when the event happens online.
    async fn online_platform(&self) -> Option<&str> {
        self.0.online_platform.as_deref()
    }

    /// True when the event happens online.
    async fn is_online(&self) -> bool {
        self.0.online_platform.is_some()
    }

    /// Last day to register.
    async fn registration_deadline(&self) -> Option<Date> {
        self.0.registration_deadline.map(Date)
    }

    /// The project.
    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        let row = loaders(ctx)?.projects.load_one(self.0.project_id).await?;
        Ok(Project::from(row.ok_or(ApiError::Internal)?))
    }

    /// The cycle this event is a session of.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Event>> {
        let Some(id) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.events.load_one(id).await?.map(Event))
    }

    /// Sessions of this event, in order.
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<Event>> {
        let rows = loaders(ctx)?
            .events_of_event
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Event).collect())
    }

    /// All texts of the event in every language.
    async fn texts(&self, ctx: &Context<'_>) -> Result<Vec<LocalizedText>> {
        Ok(text::translations(ctx, RecordType::Event, self.0.id, None).await?)
    }

    /// Source documents the event was curated from.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(text::sources(ctx, RecordType::Event, self.0.id).await?)
    }
}

connection!(
    EventConnection,
    EventEdge,
    Event,
    "A page of events, following the Relay connection specification.",
    "An event with its cursor."
);

/// Which events to return. All given fields must hold.
#[derive(Debug, Default, InputObject)]
pub struct EventFilter {
    /// Of one of these projects.
    pub project: Option<Vec<ID>>,
    /// Of one of these kinds.
    pub kind: Option<Vec<EventKind>>,
    /// Dated within this period (undated events never match).
    pub date: Option<DateRange>,
    /// True: only online events; false: only events in a place.
    pub online: Option<bool>,
    /// True: only sessions of a cycle; false: only top-level events (cycles and single
    /// events), so a month's count does not count a cycle and its sessions twice.
    pub session: Option<bool>,
    /// Held at one of these places.
    pub place: Option<Vec<ID>>,
    /// All of these filters hold.
    pub and: Option<Vec<EventFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<EventFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<EventFilter>>,
}

impl FilterInput for EventFilter {
    type Predicate = EventPredicate;

    fn predicates(&self) -> ApiResult<Vec<EventPredicate>> {
        let mut all = Vec::new();
        if let Some(projects) = &self.project {
            all.push(EventPredicate::Project(ids::expect_all(
                RecordType::Project,
                projects,
            )?));
        }
        if let Some(kinds) = &self.kind {
            all.push(EventPredicate::Kind(
                kinds.iter().map(|k| (*k).into()).collect(),
            ));
        }
        if let Some(range) = &self.date {
            let (from, to) = range.checked()?;
            all.push(EventPredicate::DatedBetween(from, to));
        }
        if let Some(online) = self.online {
            all.push(EventPredicate::Online(online));
        }
        if let Some(session) = self.session {
            all.push(EventPredicate::Session(session));
        }
        if let Some(places) = &self.place {
            all.push(EventPredicate::Place(ids::expect_all(
                RecordType::Place,
                places,
            )?));
        }
        Ok(all)
    }

    logical_filter!();
}

/// Fields events can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "StoredOrderField")]
pub enum EventOrderField {
    /// Date, then start time; undated events come last.
    Date,
    /// Kind of event.
    Kind,
}

/// One ordering criterion for events.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct EventOrder {
    /// What to order by.
    pub field: EventOrderField,
    /// Which way.
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Root fields of events.
#[derive(Default)]
pub struct EventQuery;

/// Root fields of events.
#[Object]
impl EventQuery {
    /// Events of all projects, sessions included, filtered and ordered; by ID when no order is
    /// given.
    #[allow(clippy::too_many_arguments)]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many events from the start of the window.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the event with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many events from the end of the window.")]
        last: Option<i32>,
        #[graphql(desc = "End before the event with this cursor.")] before: Option<String>,
        #[graphql(desc = "Which events to return.")] filter: Option<EventFilter>,
        #[graphql(desc = "Sort order; ties are broken by ID.")] order_by: Option<Vec<EventOrder>>,
    ) -> Result<EventConnection> {
        let order: Vec<_> = order_by
            .unwrap_or_default()
            .into_iter()
            .flat_map(|o| events::sort_columns(o.field.into(), o.direction.is_descending()))
            .collect();
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let page = events::page_of(
            db(ctx)?,
            filter.as_ref(),
            &order,
            &page_request(ctx, first, after, last, before)?,
        )
        .await?;
        Ok(EventConnection::of(page, Event))
    }
}
