//! Creating, updating and deleting what projects do and who to contact: outcomes, events and
//! contacts.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use entity::enums::RecordType;

use super::{LocalizedTextInput, change, create, delete, payloads, texts, update};
use crate::graphql::context::loaders;
use crate::graphql::enums::{DatePrecision, EventKind, OutcomeKind};
use crate::graphql::ids;
use crate::graphql::nodes::{Contact, Event, Outcome};
use crate::graphql::scalars::{Date, LocalTime};
use crate::service::contacts::{ContactDraft, ContactPatch, Contacts};
use crate::service::events::{EventDraft, EventPatch, Events};
use crate::service::outcomes::{OutcomeDraft, OutcomePatch, Outcomes};
use crate::service::projects::precision_of;

fn reference(kind: RecordType) -> impl Fn(ID) -> i32 {
    move |id| ids::reference(kind, &id)
}

// ---------------------------------------------------------------------------------------------
// Outcomes

/// A new outcome of a project.
#[derive(InputObject)]
pub struct CreateOutcomeInput {
    /// The project.
    pub project: ID,
    /// The outcome (usually a work package) it belongs to, in the same project.
    pub parent: Option<ID>,
    /// What sort of outcome it is.
    pub kind: OutcomeKind,
    /// Numbering as the source gives it, e.g. `1.2`.
    pub code: Option<String>,
    /// Its titles; at least one is the original.
    pub title: Vec<LocalizedTextInput>,
    /// Its descriptions, if any; at least one is the original.
    #[graphql(default)]
    pub description: Vec<LocalizedTextInput>,
    /// Planned quantity, in `unit`.
    pub planned_quantity: Option<i32>,
    /// Achieved quantity, in `unit`.
    pub achieved_quantity: Option<i32>,
    /// Unit of the quantities, e.g. `people`; needed when a quantity is given.
    pub unit: Option<String>,
    /// Where it is located.
    pub place: Option<ID>,
    /// Place in the project's outcomes (0 first); last when left out.
    pub position: Option<i32>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// Changes to an outcome (its project stays): a field left out stays as it is; `null` clears
/// it where it may be.
#[derive(InputObject, Default)]
#[graphql(name = "OutcomePatch")]
pub struct OutcomePatchInput {
    /// New parent outcome in the same project (never one below it), or null for none.
    pub parent: MaybeUndefined<ID>,
    /// New kind; cannot be cleared.
    pub kind: MaybeUndefined<OutcomeKind>,
    /// New code, or null for none.
    pub code: MaybeUndefined<String>,
    /// All its titles; cannot be cleared.
    pub title: MaybeUndefined<Vec<LocalizedTextInput>>,
    /// All its descriptions, or null for none.
    pub description: MaybeUndefined<Vec<LocalizedTextInput>>,
    /// New planned quantity, or null for none.
    pub planned_quantity: MaybeUndefined<i32>,
    /// New achieved quantity, or null for none.
    pub achieved_quantity: MaybeUndefined<i32>,
    /// New unit, or null for none (only without quantities).
    pub unit: MaybeUndefined<String>,
    /// New place, or null for none.
    pub place: MaybeUndefined<ID>,
    /// New place in the project's outcomes; cannot be cleared.
    pub position: MaybeUndefined<i32>,
}

/// An update of an outcome.
#[derive(InputObject)]
pub struct UpdateOutcomeInput {
    /// The outcome to change.
    pub id: ID,
    /// Change only if the outcome is still at this version.
    pub expected_version: Option<i32>,
    /// What to change.
    pub patch: OutcomePatchInput,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

payloads!(
    Outcome,
    outcome,
    CreateOutcomePayload,
    UpdateOutcomePayload,
    DeleteOutcomePayload,
    DeleteOutcomeInput,
    "an outcome"
);

async fn load_outcome(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Outcome>> {
    Ok(match id {
        Some(id) => loaders(ctx)?.outcomes.load_one(id).await?.map(Outcome),
        None => None,
    })
}

#[derive(Default)]
pub struct OutcomeMutation;

#[Object]
impl OutcomeMutation {
    /// Adds an outcome to a project. Needs an editor or admin key.
    async fn create_outcome(
        &self,
        ctx: &Context<'_>,
        input: CreateOutcomeInput,
    ) -> Result<CreateOutcomePayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let draft = input.into_draft();
        let (id, user_errors) = create::<Outcomes>(ctx, draft).await?;
        Ok(CreateOutcomePayload {
            outcome: load_outcome(ctx, id).await?,
            user_errors,
            client_mutation_id,
        })
    }

    /// Changes an outcome. Needs an editor or admin key.
    async fn update_outcome(
        &self,
        ctx: &Context<'_>,
        input: UpdateOutcomeInput,
    ) -> Result<UpdateOutcomePayload> {
        let p = input.patch;
        let patch = OutcomePatch {
            parent: change(p.parent, reference(RecordType::Outcome)),
            kind: change(p.kind, Into::into),
            code: change(p.code, |v| v),
            title: change(p.title, texts),
            description: change(p.description, texts),
            planned_quantity: change(p.planned_quantity, |v| v),
            achieved_quantity: change(p.achieved_quantity, |v| v),
            unit: change(p.unit, |v| v),
            place: change(p.place, reference(RecordType::Place)),
            position: change(p.position, |v| v),
        };
        let (id, user_errors) =
            update::<Outcomes>(ctx, &input.id, input.expected_version, patch).await?;
        Ok(UpdateOutcomePayload {
            outcome: load_outcome(ctx, id).await?,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes an outcome. Refused with IN_USE while outcomes lie under it. Needs an editor
    /// or admin key.
    async fn delete_outcome(
        &self,
        ctx: &Context<'_>,
        input: DeleteOutcomeInput,
    ) -> Result<DeleteOutcomePayload> {
        let (deleted_id, user_errors) =
            delete::<Outcomes>(ctx, &input.id, input.expected_version).await?;
        Ok(DeleteOutcomePayload {
            deleted_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Events

/// A new event of a project.
#[derive(InputObject)]
pub struct CreateEventInput {
    /// The project.
    pub project: ID,
    /// The event (a training cycle, say) it is a session of, in the same project.
    pub parent: Option<ID>,
    /// What sort of event it is.
    pub kind: EventKind,
    /// Its titles; at least one is the original.
    pub title: Vec<LocalizedTextInput>,
    /// Its descriptions, if any; at least one is the original.
    #[graphql(default)]
    pub description: Vec<LocalizedTextInput>,
    /// Its (first) day.
    pub start_date: Option<Date>,
    /// How exact `startDate` is; DAY when left out.
    pub date_precision: Option<DatePrecision>,
    /// Last day of a multi-day event; not before `startDate`.
    pub end_date: Option<Date>,
    /// Local start time, in `timeZone`.
    pub start_time: Option<LocalTime>,
    /// Local end time, in `timeZone`.
    pub end_time: Option<LocalTime>,
    /// IANA time zone of the times, e.g. `Europe/Riga`; needed with a time.
    pub time_zone: Option<String>,
    /// Venue or other place.
    pub place: Option<ID>,
    /// Online platform, e.g. `Zoom`.
    pub online_platform: Option<String>,
    /// Last day to register; not after `startDate`.
    pub registration_deadline: Option<Date>,
    /// Place in the project's events (0 first); last when left out.
    pub position: Option<i32>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// Changes to an event (its project stays): a field left out stays as it is; `null` clears
/// it where it may be.
#[derive(InputObject, Default)]
#[graphql(name = "EventPatch")]
pub struct EventPatchInput {
    /// New parent event in the same project, or null for none.
    pub parent: MaybeUndefined<ID>,
    /// New kind; cannot be cleared.
    pub kind: MaybeUndefined<EventKind>,
    /// All its titles; cannot be cleared.
    pub title: MaybeUndefined<Vec<LocalizedTextInput>>,
    /// All its descriptions, or null for none.
    pub description: MaybeUndefined<Vec<LocalizedTextInput>>,
    /// New (first) day, or null for none.
    pub start_date: MaybeUndefined<Date>,
    /// How exact the date is.
    pub date_precision: MaybeUndefined<DatePrecision>,
    /// New last day, or null for none.
    pub end_date: MaybeUndefined<Date>,
    /// New local start time, or null for none.
    pub start_time: MaybeUndefined<LocalTime>,
    /// New local end time, or null for none.
    pub end_time: MaybeUndefined<LocalTime>,
    /// New time zone, or null for none.
    pub time_zone: MaybeUndefined<String>,
    /// New place, or null for none.
    pub place: MaybeUndefined<ID>,
    /// New online platform, or null for none.
    pub online_platform: MaybeUndefined<String>,
    /// New registration deadline, or null for none.
    pub registration_deadline: MaybeUndefined<Date>,
    /// New place in the project's events; cannot be cleared.
    pub position: MaybeUndefined<i32>,
}

/// An update of an event.
#[derive(InputObject)]
pub struct UpdateEventInput {
    /// The event to change.
    pub id: ID,
    /// Change only if the event is still at this version.
    pub expected_version: Option<i32>,
    /// What to change.
    pub patch: EventPatchInput,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

payloads!(
    Event,
    event,
    CreateEventPayload,
    UpdateEventPayload,
    DeleteEventPayload,
    DeleteEventInput,
    "an event"
);

async fn load_event(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Event>> {
    Ok(match id {
        Some(id) => loaders(ctx)?.events.load_one(id).await?.map(Event),
        None => None,
    })
}

#[derive(Default)]
pub struct EventMutation;

#[Object]
impl EventMutation {
    /// Adds an event to a project. Needs an editor or admin key.
    async fn create_event(
        &self,
        ctx: &Context<'_>,
        input: CreateEventInput,
    ) -> Result<CreateEventPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let draft = input.into_draft();
        let (id, user_errors) = create::<Events>(ctx, draft).await?;
        Ok(CreateEventPayload {
            event: load_event(ctx, id).await?,
            user_errors,
            client_mutation_id,
        })
    }

    /// Changes an event. Needs an editor or admin key.
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        input: UpdateEventInput,
    ) -> Result<UpdateEventPayload> {
        let p = input.patch;
        let patch = EventPatch {
            parent: change(p.parent, reference(RecordType::Event)),
            kind: change(p.kind, Into::into),
            title: change(p.title, texts),
            description: change(p.description, texts),
            start_date: change(p.start_date, |d| d.0),
            date_precision: change(p.date_precision, Into::into),
            end_date: change(p.end_date, |d| d.0),
            start_time: change(p.start_time, |t| t.0),
            end_time: change(p.end_time, |t| t.0),
            time_zone: change(p.time_zone, |v| v),
            place: change(p.place, reference(RecordType::Place)),
            online_platform: change(p.online_platform, |v| v),
            registration_deadline: change(p.registration_deadline, |d| d.0),
            position: change(p.position, |v| v),
        };
        let (id, user_errors) =
            update::<Events>(ctx, &input.id, input.expected_version, patch).await?;
        Ok(UpdateEventPayload {
            event: load_event(ctx, id).await?,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes an event. Refused with IN_USE while it has sessions. Needs an editor or admin
    /// key.
    async fn delete_event(
        &self,
        ctx: &Context<'_>,
        input: DeleteEventInput,
    ) -> Result<DeleteEventPayload> {
        let (deleted_id, user_errors) =
            delete::<Events>(ctx, &input.id, input.expected_version).await?;
        Ok(DeleteEventPayload {
            deleted_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Contacts

/// A new contact person, of a project, an organisation or both.
#[derive(InputObject)]
pub struct CreateContactInput {
    /// The project they are a contact of.
    pub project: Option<ID>,
    /// The organisation they work for.
    pub organisation: Option<ID>,
    /// Their name.
    pub name: String,
    /// Their role, e.g. `project coordinator`.
    pub role: Option<String>,
    /// E-mail address (personal data: shown to admins only).
    pub email: Option<String>,
    /// Phone number, e.g. `+371 2612 3456` (personal data: shown to admins only).
    pub phone: Option<String>,
    /// Place in the list of contacts (0 first).
    pub position: Option<i32>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// Changes to a contact: a field left out stays as it is; `null` clears it where it may be.
#[derive(InputObject, Default)]
#[graphql(name = "ContactPatch")]
pub struct ContactPatchInput {
    /// New project, or null for none (an organisation must remain).
    pub project: MaybeUndefined<ID>,
    /// New organisation, or null for none (a project must remain).
    pub organisation: MaybeUndefined<ID>,
    /// New name; cannot be cleared.
    pub name: MaybeUndefined<String>,
    /// New role, or null for none.
    pub role: MaybeUndefined<String>,
    /// New e-mail address, or null for none.
    pub email: MaybeUndefined<String>,
    /// New phone number, or null for none.
    pub phone: MaybeUndefined<String>,
    /// New place in the list of contacts; cannot be cleared.
    pub position: MaybeUndefined<i32>,
}

/// An update of a contact.
#[derive(InputObject)]
pub struct UpdateContactInput {
    /// The contact to change.
    pub id: ID,
    /// Change only if the contact is still at this version.
    pub expected_version: Option<i32>,
    /// What to change.
    pub patch: ContactPatchInput,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

payloads!(
    Contact,
    contact,
    CreateContactPayload,
    UpdateContactPayload,
    DeleteContactPayload,
    DeleteContactInput,
    "a contact"
);

async fn load_contact(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Contact>> {
    Ok(match id {
        Some(id) => loaders(ctx)?.contacts.load_one(id).await?.map(Contact),
        None => None,
    })
}

#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Adds a contact person. Needs an editor or admin key.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        input: CreateContactInput,
    ) -> Result<CreateContactPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let draft = input.into_draft();
        let (id, user_errors) = create::<Contacts>(ctx, draft).await?;
        Ok(CreateContactPayload {
            contact: load_contact(ctx, id).await?,
            user_errors,
            client_mutation_id,
        })
    }

    /// Changes a contact. Needs an editor or admin key.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        input: UpdateContactInput,
    ) -> Result<UpdateContactPayload> {
        let p = input.patch;
        let patch = ContactPatch {
            project: change(p.project, reference(RecordType::Project)),
            organisation: change(p.organisation, reference(RecordType::Organisation)),
            name: change(p.name, |v| v),
            role: change(p.role, |v| v),
            email: change(p.email, |v| v),
            phone: change(p.phone, |v| v),
            position: change(p.position, |v| v),
        };
        let (id, user_errors) =
            update::<Contacts>(ctx, &input.id, input.expected_version, patch).await?;
        Ok(UpdateContactPayload {
            contact: load_contact(ctx, id).await?,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes a contact. Needs an editor or admin key.
    async fn delete_contact(
        &self,
        ctx: &Context<'_>,
        input: DeleteContactInput,
    ) -> Result<DeleteContactPayload> {
        let (deleted_id, user_errors) =
            delete::<Contacts>(ctx, &input.id, input.expected_version).await?;
        Ok(DeleteContactPayload {
            deleted_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

impl CreateOutcomeInput {
    /// The record the input describes; the import reads its lines with it too.
    pub fn into_draft(self) -> OutcomeDraft {
        let input = self;
        OutcomeDraft {
            project: ids::reference(RecordType::Project, &input.project),
            parent: input.parent.map(reference(RecordType::Outcome)),
            kind: input.kind.into(),
            code: input.code,
            title: texts(input.title),
            description: texts(input.description),
            planned_quantity: input.planned_quantity,
            achieved_quantity: input.achieved_quantity,
            unit: input.unit,
            place: input.place.map(reference(RecordType::Place)),
            position: input.position,
        }
    }
}

impl CreateEventInput {
    /// The record the input describes; the import reads its lines with it too.
    pub fn into_draft(self) -> EventDraft {
        let input = self;
        let start_date = input.start_date.map(|d| d.0);
        EventDraft {
            project: ids::reference(RecordType::Project, &input.project),
            parent: input.parent.map(reference(RecordType::Event)),
            kind: input.kind.into(),
            title: texts(input.title),
            description: texts(input.description),
            date_precision: precision_of(start_date, input.date_precision.map(Into::into)),
            start_date,
            end_date: input.end_date.map(|d| d.0),
            start_time: input.start_time.map(|t| t.0),
            end_time: input.end_time.map(|t| t.0),
            time_zone: input.time_zone,
            place: input.place.map(reference(RecordType::Place)),
            online_platform: input.online_platform,
            registration_deadline: input.registration_deadline.map(|d| d.0),
            position: input.position,
        }
    }
}

impl CreateContactInput {
    /// The record the input describes; the import reads its lines with it too.
    pub fn into_draft(self) -> ContactDraft {
        let input = self;
        ContactDraft {
            project: input.project.map(reference(RecordType::Project)),
            organisation: input.organisation.map(reference(RecordType::Organisation)),
            name: input.name,
            role: input.role,
            email: input.email,
            phone: input.phone,
            position: input.position,
        }
    }
}
