//! Creating, updating and deleting organisations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use entity::enums::RecordType;

use super::{LocalizedTextInput, change, create, delete, payloads, texts, update};
use crate::graphql::context::loaders;
use crate::graphql::enums::OrganisationKind;
use crate::graphql::ids;
use crate::graphql::nodes::Organisation;
use crate::graphql::scalars::CountryCode;
use crate::service::organisations::{OrganisationDraft, OrganisationPatch, Organisations};

/// A new organisation.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// Stable key: lower-case letters, digits, `-`, `_` and `.`, unique among organisations.
    pub key: String,
    /// What sort of body it is.
    pub kind: OrganisationKind,
    /// Its names; at least one is the original (the name in its own language).
    pub name: Vec<LocalizedTextInput>,
    /// Short name or abbreviation.
    pub short_name: Option<String>,
    /// The country it is based in.
    pub country: CountryCode,
    /// City or municipality, as written by the source.
    pub city: Option<String>,
    /// Web site, http or https.
    pub website: Option<String>,
    /// The place it is based in.
    pub place: Option<ID>,
    /// Its identifiers in other systems (registries, social networks).
    #[graphql(default)]
    pub identifiers: Vec<ExternalIdentifierInput>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// Changes to an organisation: a field left out stays as it is; `null` clears it where it may
/// be cleared.
#[derive(InputObject, Default)]
#[graphql(name = "OrganisationPatch")]
pub struct OrganisationPatchInput {
    /// New key; cannot be cleared.
    pub key: MaybeUndefined<String>,
    /// New kind; cannot be cleared.
    pub kind: MaybeUndefined<OrganisationKind>,
    /// All its names, replacing the old ones; cannot be cleared.
    pub name: MaybeUndefined<Vec<LocalizedTextInput>>,
    /// New short name, or null for none.
    pub short_name: MaybeUndefined<String>,
    /// New country; cannot be cleared.
    pub country: MaybeUndefined<CountryCode>,
    /// New city, or null for none.
    pub city: MaybeUndefined<String>,
    /// New web site, or null for none.
    pub website: MaybeUndefined<String>,
    /// New place, or null for none.
    pub place: MaybeUndefined<ID>,
    /// All its identifiers, or null for none.
    pub identifiers: MaybeUndefined<Vec<ExternalIdentifierInput>>,
}

/// An identifier of an organisation in another system; each belongs to one organisation.
#[derive(InputObject, Debug, Clone)]
pub struct ExternalIdentifierInput {
    /// The identifier scheme, e.g. `FACEBOOK` or a registry's name.
    pub scheme: String,
    /// The identifier in that scheme.
    pub value: String,
}

fn identifiers(list: Vec<ExternalIdentifierInput>) -> Vec<(String, String)> {
    list.into_iter().map(|i| (i.scheme, i.value)).collect()
}

/// An update of an organisation.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    /// The organisation to change.
    pub id: ID,
    /// Change only if the organisation is still at this version (from its `version` field).
    pub expected_version: Option<i32>,
    /// What to change.
    pub patch: OrganisationPatchInput,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

payloads!(
    Organisation,
    organisation,
    CreateOrganisationPayload,
    UpdateOrganisationPayload,
    DeleteOrganisationPayload,
    DeleteOrganisationInput,
    "an organisation"
);

async fn load(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Organisation>> {
    Ok(match id {
        Some(id) => loaders(ctx)?
            .organisations
            .load_one(id)
            .await?
            .map(Organisation::from),
        None => None,
    })
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Adds an organisation. Needs an editor or admin key.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> Result<CreateOrganisationPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let draft = input.into_draft();
        let (id, user_errors) = create::<Organisations>(ctx, draft).await?;
        Ok(CreateOrganisationPayload {
            organisation: load(ctx, id).await?,
            user_errors,
            client_mutation_id,
        })
    }

    /// Changes an organisation. Needs an editor or admin key.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganisationInput,
    ) -> Result<UpdateOrganisationPayload> {
        let p = input.patch;
        let patch = OrganisationPatch {
            key: change(p.key, |v| v),
            kind: change(p.kind, Into::into),
            short_name: change(p.short_name, |v| v),
            country: change(p.country, |v| v.0),
            city: change(p.city, |v| v),
            website: change(p.website, |v| v),
            place: change(p.place, |id| ids::reference(RecordType::Place, &id)),
            name: change(p.name, texts),
            identifiers: change(p.identifiers, identifiers),
        };
        let (id, user_errors) =
            update::<Organisations>(ctx, &input.id, input.expected_version, patch).await?;
        Ok(UpdateOrganisationPayload {
            organisation: load(ctx, id).await?,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes an organisation with its names, contacts and source links. Refused with IN_USE
    /// while it takes part in a project or is a funder's organisation. Needs an editor or
    /// admin key.
    async fn delete_organisation(
        &self,
        ctx: &Context<'_>,
        input: DeleteOrganisationInput,
    ) -> Result<DeleteOrganisationPayload> {
        let (deleted_id, user_errors) =
            delete::<Organisations>(ctx, &input.id, input.expected_version).await?;
        Ok(DeleteOrganisationPayload {
            deleted_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

impl CreateOrganisationInput {
    /// The record the input describes; the import reads its lines with it too.
    pub fn into_draft(self) -> OrganisationDraft {
        let input = self;
        OrganisationDraft {
            key: input.key,
            kind: input.kind.into(),
            short_name: input.short_name,
            country: input.country.0,
            city: input.city,
            website: input.website,
            place: input.place.map(|id| ids::reference(RecordType::Place, &id)),
            name: texts(input.name),
            identifiers: identifiers(input.identifiers),
        }
    }
}
