//! Adding organisations to projects, changing their roles and taking them out.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use entity::enums::RecordType;

use super::{change, create, delete, payloads, update};
use crate::graphql::context::loaders;
use crate::graphql::enums::ParticipationRole;
use crate::graphql::ids;
use crate::graphql::nodes::Participation;
use crate::service::participations::{ParticipationDraft, ParticipationPatch, Participations};

/// An organisation joining a project in a role.
#[derive(InputObject)]
pub struct CreateParticipationInput {
    /// The project.
    pub project: ID,
    /// The organisation.
    pub organisation: ID,
    /// Its role; a project has at most one LEAD_PARTNER.
    pub role: ParticipationRole,
    /// Place in the project's list of partners (0 first); last when left out.
    pub position: Option<i32>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// Changes to a participation (its project stays): a field left out stays as it is.
#[derive(InputObject, Default)]
#[graphql(name = "ParticipationPatch")]
pub struct ParticipationPatchInput {
    /// Another organisation; cannot be cleared.
    pub organisation: MaybeUndefined<ID>,
    /// New role; cannot be cleared.
    pub role: MaybeUndefined<ParticipationRole>,
    /// New place in the project's list of partners; cannot be cleared.
    pub position: MaybeUndefined<i32>,
}

/// An update of a participation.
#[derive(InputObject)]
pub struct UpdateParticipationInput {
    /// The participation to change.
    pub id: ID,
    /// Change only if the participation is still at this version.
    pub expected_version: Option<i32>,
    /// What to change.
    pub patch: ParticipationPatchInput,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

payloads!(
    Participation,
    participation,
    CreateParticipationPayload,
    UpdateParticipationPayload,
    DeleteParticipationPayload,
    DeleteParticipationInput,
    "a participation"
);

async fn load(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Participation>> {
    Ok(match id {
        Some(id) => loaders(ctx)?
            .participations
            .load_one(id)
            .await?
            .map(Participation::from),
        None => None,
    })
}

#[derive(Default)]
pub struct ParticipationMutation;

#[Object]
impl ParticipationMutation {
    /// Adds an organisation to a project in a role. Needs an editor or admin key.
    async fn create_participation(
        &self,
        ctx: &Context<'_>,
        input: CreateParticipationInput,
    ) -> Result<CreateParticipationPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let draft = input.into_draft();
        let (id, user_errors) = create::<Participations>(ctx, draft).await?;
        Ok(CreateParticipationPayload {
            participation: load(ctx, id).await?,
            user_errors,
            client_mutation_id,
        })
    }

    /// Changes a participation. Needs an editor or admin key.
    async fn update_participation(
        &self,
        ctx: &Context<'_>,
        input: UpdateParticipationInput,
    ) -> Result<UpdateParticipationPayload> {
        let p = input.patch;
        let patch = ParticipationPatch {
            organisation: change(p.organisation, |id| {
                ids::reference(RecordType::Organisation, &id)
            }),
            role: change(p.role, Into::into),
            position: change(p.position, |v| v),
        };
        let (id, user_errors) =
            update::<Participations>(ctx, &input.id, input.expected_version, patch).await?;
        Ok(UpdateParticipationPayload {
            participation: load(ctx, id).await?,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Takes an organisation out of a project. Needs an editor or admin key.
    async fn delete_participation(
        &self,
        ctx: &Context<'_>,
        input: DeleteParticipationInput,
    ) -> Result<DeleteParticipationPayload> {
        let (deleted_id, user_errors) =
            delete::<Participations>(ctx, &input.id, input.expected_version).await?;
        Ok(DeleteParticipationPayload {
            deleted_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

impl CreateParticipationInput {
    /// The record the input describes; the import reads its lines with it too.
    pub fn into_draft(self) -> ParticipationDraft {
        let input = self;
        ParticipationDraft {
            project: ids::reference(RecordType::Project, &input.project),
            organisation: ids::reference(RecordType::Organisation, &input.organisation),
            role: input.role.into(),
            position: input.position,
        }
    }
}
