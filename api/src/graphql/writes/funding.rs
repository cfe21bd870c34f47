//! Creating, updating and deleting funders, programmes and funding lines.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use entity::enums::RecordType;

use super::{
    LocalizedTextInput, MoneyInput, change, create, delete, money, payloads, texts, update,
};
use crate::graphql::context::loaders;
use crate::graphql::enums::FundingKind;
use crate::graphql::ids;
use crate::graphql::nodes::{Funder, FundingLine, Programme};
use crate::graphql::scalars::CountryCode;
use crate::service::funding::{
    FunderDraft, FunderPatch, Funders, FundingLineDraft, FundingLinePatch, FundingLines,
    ProgrammeDraft, ProgrammePatch, Programmes,
};

fn reference(kind: RecordType) -> impl Fn(ID) -> i32 {
    move |id| ids::reference(kind, &id)
}

// ---------------------------------------------------------------------------------------------
// Funders

/// A new funder.
#[derive(InputObject)]
pub struct CreateFunderInput {
    /// Stable key: lower-case letters, digits, `-`, `_` and `.`, unique among funders.
    pub key: String,
    /// Its names; at least one is the original.
    pub name: Vec<LocalizedTextInput>,
    /// The organisation the funder is, when it also takes part in projects.
    pub organisation: Option<ID>,
    /// Its country, if it has one (the EU has none).
    pub country: Option<CountryCode>,
    /// Web site, http or https.
    pub website: Option<String>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// Changes to a funder: a field left out stays as it is; `null` clears it where it may be.
#[derive(InputObject, Default)]
#[graphql(name = "FunderPatch")]
pub struct FunderPatchInput {
    /// New key; cannot be cleared.
    pub key: MaybeUndefined<String>,
    /// All its names; cannot be cleared.
    pub name: MaybeUndefined<Vec<LocalizedTextInput>>,
    /// New organisation, or null for none.
    pub organisation: MaybeUndefined<ID>,
    /// New country, or null for none.
    pub country: MaybeUndefined<CountryCode>,
    /// New web site, or null for none.
    pub website: MaybeUndefined<String>,
}

/// An update of a funder.
#[derive(InputObject)]
pub struct UpdateFunderInput {
    /// The funder to change.
    pub id: ID,
    /// Change only if the funder is still at this version.
    pub expected_version: Option<i32>,
    /// What to change.
    pub patch: FunderPatchInput,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

payloads!(
    Funder,
    funder,
    CreateFunderPayload,
    UpdateFunderPayload,
    DeleteFunderPayload,
    DeleteFunderInput,
    "a funder"
);

async fn load_funder(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Funder>> {
    Ok(match id {
        Some(id) => loaders(ctx)?.funders.load_one(id).await?.map(Funder),
        None => None,
    })
}

#[derive(Default)]
pub struct FunderMutation;

#[Object]
impl FunderMutation {
    /// Adds a funder. Needs an editor or admin key.
    async fn create_funder(
        &self,
        ctx: &Context<'_>,
        input: CreateFunderInput,
    ) -> Result<CreateFunderPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let draft = input.into_draft();
        let (id, user_errors) = create::<Funders>(ctx, draft).await?;
        Ok(CreateFunderPayload {
            funder: load_funder(ctx, id).await?,
            user_errors,
            client_mutation_id,
        })
    }

    /// Changes a funder. Needs an editor or admin key.
    async fn update_funder(
        &self,
        ctx: &Context<'_>,
        input: UpdateFunderInput,
    ) -> Result<UpdateFunderPayload> {
        let p = input.patch;
        let patch = FunderPatch {
            key: change(p.key, |v| v),
            organisation: change(p.organisation, reference(RecordType::Organisation)),
            country: change(p.country, |c| c.0),
            website: change(p.website, |v| v),
            name: change(p.name, texts),
        };
        let (id, user_errors) =
            update::<Funders>(ctx, &input.id, input.expected_version, patch).await?;
        Ok(UpdateFunderPayload {
            funder: load_funder(ctx, id).await?,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes a funder. Refused with IN_USE while it has programmes or funding lines. Needs
    /// an editor or admin key.
    async fn delete_funder(
        &self,
        ctx: &Context<'_>,
        input: DeleteFunderInput,
    ) -> Result<DeleteFunderPayload> {
        let (deleted_id, user_errors) =
            delete::<Funders>(ctx, &input.id, input.expected_version).await?;
        Ok(DeleteFunderPayload {
            deleted_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Programmes

/// A new programme, under its funder and optionally under a parent programme.
#[derive(InputObject)]
pub struct CreateProgrammeInput {
    /// Stable key: lower-case letters, digits, `-`, `_` and `.`, unique among programmes.
    pub key: String,
    /// The funder it belongs to.
    pub funder: ID,
    /// The programme it is part of, of the same funder.
    pub parent: Option<ID>,
    /// Its code, e.g. `LT10`.
    pub code: Option<String>,
    /// Its names; at least one is the original.
    pub name: Vec<LocalizedTextInput>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// Changes to a programme: a field left out stays as it is; `null` clears it where it may be.
#[derive(InputObject, Default)]
#[graphql(name = "ProgrammePatch")]
pub struct ProgrammePatchInput {
    /// New key; cannot be cleared.
    pub key: MaybeUndefined<String>,
    /// Another funder (only while it has no funding lines or sub-programmes); cannot be
    /// cleared.
    pub funder: MaybeUndefined<ID>,
    /// New parent programme, or null to make it a top-level programme.
    pub parent: MaybeUndefined<ID>,
    /// New code, or null for none.
    pub code: MaybeUndefined<String>,
    /// All its names; cannot be cleared.
    pub name: MaybeUndefined<Vec<LocalizedTextInput>>,
}

/// An update of a programme.
#[derive(InputObject)]
pub struct UpdateProgrammeInput {
    /// The programme to change.
    pub id: ID,
    /// Change only if the programme is still at this version.
    pub expected_version: Option<i32>,
    /// What to change.
    pub patch: ProgrammePatchInput,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

payloads!(
    Programme,
    programme,
    CreateProgrammePayload,
    UpdateProgrammePayload,
    DeleteProgrammePayload,
    DeleteProgrammeInput,
    "a programme"
);

async fn load_programme(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Programme>> {
    Ok(match id {
        Some(id) => loaders(ctx)?.programmes.load_one(id).await?.map(Programme),
        None => None,
    })
}

#[derive(Default)]
pub struct ProgrammeMutation;

#[Object]
impl ProgrammeMutation {
    /// Adds a programme. Needs an editor or admin key.
    async fn create_programme(
        &self,
        ctx: &Context<'_>,
        input: CreateProgrammeInput,
    ) -> Result<CreateProgrammePayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let draft = input.into_draft();
        let (id, user_errors) = create::<Programmes>(ctx, draft).await?;
        Ok(CreateProgrammePayload {
            programme: load_programme(ctx, id).await?,
            user_errors,
            client_mutation_id,
        })
    }

    /// Changes a programme; moving it under another parent never makes a cycle. Needs an
    /// editor or admin key.
    async fn update_programme(
        &self,
        ctx: &Context<'_>,
        input: UpdateProgrammeInput,
    ) -> Result<UpdateProgrammePayload> {
        let p = input.patch;
        let patch = ProgrammePatch {
            key: change(p.key, |v| v),
            funder: change(p.funder, reference(RecordType::Funder)),
            parent: change(p.parent, reference(RecordType::Programme)),
            code: change(p.code, |v| v),
            name: change(p.name, texts),
        };
        let (id, user_errors) =
            update::<Programmes>(ctx, &input.id, input.expected_version, patch).await?;
        Ok(UpdateProgrammePayload {
            programme: load_programme(ctx, id).await?,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes a programme. Refused with IN_USE while it has sub-programmes, projects or
    /// funding lines. Needs an editor or admin key.
    async fn delete_programme(
        &self,
        ctx: &Context<'_>,
        input: DeleteProgrammeInput,
    ) -> Result<DeleteProgrammePayload> {
        let (deleted_id, user_errors) =
            delete::<Programmes>(ctx, &input.id, input.expected_version).await?;
        Ok(DeleteProgrammePayload {
            deleted_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Funding lines

/// A new funding line of a project.
#[derive(InputObject)]
pub struct CreateFundingLineInput {
    /// The project it funds.
    pub project: ID,
    /// Where the money comes from.
    pub kind: FundingKind,
    /// Who provides it.
    pub funder: Option<ID>,
    /// The programme it comes through; it must belong to `funder` when both are given.
    pub programme: Option<ID>,
    /// How much: exact, not negative, no more decimals than the currency has.
    pub amount: MoneyInput,
    /// What it is for; at least one text is the original.
    #[graphql(default)]
    pub description: Vec<LocalizedTextInput>,
    /// Place in the project's list of lines (0 first); last when left out.
    pub position: Option<i32>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// Changes to a funding line (its project stays): a field left out stays as it is; `null`
/// clears it where it may be.
#[derive(InputObject, Default)]
#[graphql(name = "FundingLinePatch")]
pub struct FundingLinePatchInput {
    /// New kind; cannot be cleared.
    pub kind: MaybeUndefined<FundingKind>,
    /// New funder, or null for none.
    pub funder: MaybeUndefined<ID>,
    /// New programme, or null for none.
    pub programme: MaybeUndefined<ID>,
    /// New amount; cannot be cleared.
    pub amount: MaybeUndefined<MoneyInput>,
    /// All its descriptions, or null for none.
    pub description: MaybeUndefined<Vec<LocalizedTextInput>>,
    /// New place in the project's list of lines; cannot be cleared.
    pub position: MaybeUndefined<i32>,
}

/// An update of a funding line.
#[derive(InputObject)]
pub struct UpdateFundingLineInput {
    /// The funding line to change.
    pub id: ID,
    /// Change only if the line is still at this version.
    pub expected_version: Option<i32>,
    /// What to change.
    pub patch: FundingLinePatchInput,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

payloads!(
    FundingLine,
    funding_line,
    CreateFundingLinePayload,
    UpdateFundingLinePayload,
    DeleteFundingLinePayload,
    DeleteFundingLineInput,
    "a funding line"
);

async fn load_line(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<FundingLine>> {
    Ok(match id {
        Some(id) => loaders(ctx)?
            .funding_lines
            .load_one(id)
            .await?
            .map(FundingLine),
        None => None,
    })
}

#[derive(Default)]
pub struct FundingLineMutation;

#[Object]
impl FundingLineMutation {
    /// Adds a funding line to a project; funding totals include it at once. Needs an editor
    /// or admin key.
    async fn create_funding_line(
        &self,
        ctx: &Context<'_>,
        input: CreateFundingLineInput,
    ) -> Result<CreateFundingLinePayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let draft = input.into_draft();
        let (id, user_errors) = create::<FundingLines>(ctx, draft).await?;
        Ok(CreateFundingLinePayload {
            funding_line: load_line(ctx, id).await?,
            user_errors,
            client_mutation_id,
        })
    }

    /// Changes a funding line. Needs an editor or admin key.
    async fn update_funding_line(
        &self,
        ctx: &Context<'_>,
        input: UpdateFundingLineInput,
    ) -> Result<UpdateFundingLinePayload> {
        let p = input.patch;
        let patch = FundingLinePatch {
            kind: change(p.kind, Into::into),
            funder: change(p.funder, reference(RecordType::Funder)),
            programme: change(p.programme, reference(RecordType::Programme)),
            amount: change(p.amount, money),
            description: change(p.description, texts),
            position: change(p.position, |v| v),
        };
        let (id, user_errors) =
            update::<FundingLines>(ctx, &input.id, input.expected_version, patch).await?;
        Ok(UpdateFundingLinePayload {
            funding_line: load_line(ctx, id).await?,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes a funding line. Needs an editor or admin key.
    async fn delete_funding_line(
        &self,
        ctx: &Context<'_>,
        input: DeleteFundingLineInput,
    ) -> Result<DeleteFundingLinePayload> {
        let (deleted_id, user_errors) =
            delete::<FundingLines>(ctx, &input.id, input.expected_version).await?;
        Ok(DeleteFundingLinePayload {
            deleted_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

impl CreateFunderInput {
    /// The record the input describes; the import reads its lines with it too.
    pub fn into_draft(self) -> FunderDraft {
        let input = self;
        FunderDraft {
            key: input.key,
            organisation: input.organisation.map(reference(RecordType::Organisation)),
            country: input.country.map(|c| c.0),
            website: input.website,
            name: texts(input.name),
        }
    }
}

impl CreateProgrammeInput {
    /// The record the input describes; the import reads its lines with it too.
    pub fn into_draft(self) -> ProgrammeDraft {
        let input = self;
        ProgrammeDraft {
            key: input.key,
            funder: ids::reference(RecordType::Funder, &input.funder),
            parent: input.parent.map(reference(RecordType::Programme)),
            code: input.code,
            name: texts(input.name),
        }
    }
}

impl CreateFundingLineInput {
    /// The record the input describes; the import reads its lines with it too.
    pub fn into_draft(self) -> FundingLineDraft {
        let input = self;
        FundingLineDraft {
            project: ids::reference(RecordType::Project, &input.project),
            kind: input.kind.into(),
            funder: input.funder.map(reference(RecordType::Funder)),
            programme: input.programme.map(reference(RecordType::Programme)),
            amount: money(input.amount),
            description: texts(input.description),
            position: input.position,
        }
    }
}
