//! Creating, updating and deleting projects.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use entity::enums::RecordType;

use super::{
    LocalizedTextInput, MoneyInput, change, create, delete, money, payloads, texts, update,
};
use crate::graphql::context::loaders;
use crate::graphql::enums::DatePrecision;
use crate::graphql::ids;
use crate::graphql::nodes::Project;
use crate::graphql::scalars::{Date, LanguageCode};
use crate::service::projects::{ProjectDraft, ProjectPatch, Projects, precision_of};

/// A new project.
#[derive(InputObject)]
pub struct CreateProjectInput {
    /// Stable key: lower-case letters, digits, `-`, `_` and `.`, unique among projects.
    pub key: String,
    /// Acronym or short name.
    pub acronym: Option<String>,
    /// Its titles; at least one is the original.
    pub title: Vec<LocalizedTextInput>,
    /// Its summaries, if any; at least one is the original.
    #[graphql(default)]
    pub summary: Vec<LocalizedTextInput>,
    /// Its descriptions, if any; at least one is the original.
    #[graphql(default)]
    pub description: Vec<LocalizedTextInput>,
    /// Its aims, in order, each in its languages (at least one original per aim).
    #[graphql(default)]
    pub aims: Vec<Vec<LocalizedTextInput>>,
    /// Its target groups, in order, each in its languages (at least one original per group).
    #[graphql(default)]
    pub target_groups: Vec<Vec<LocalizedTextInput>>,
    /// First day (or of its month or year; see `startPrecision`).
    pub start_date: Option<Date>,
    /// How exact `startDate` is; DAY when left out.
    pub start_precision: Option<DatePrecision>,
    /// Last day (or of its month or year; see `endPrecision`); not before `startDate`.
    pub end_date: Option<Date>,
    /// How exact `endDate` is; DAY when left out.
    pub end_precision: Option<DatePrecision>,
    /// Latest end the source allows for; not before `endDate`.
    pub latest_end_date: Option<Date>,
    /// Web site, http or https.
    pub website: Option<String>,
    /// Working languages.
    #[graphql(default)]
    pub working_languages: Vec<LanguageCode>,
    /// The programme that funds it.
    pub programme: Option<ID>,
    /// Total budget as the source states it.
    pub stated_total: Option<MoneyInput>,
    /// Number of partners the source states.
    pub stated_partner_count: Option<i32>,
    /// Number of countries the source states.
    pub stated_country_count: Option<i32>,
    /// The places it covers, in order.
    #[graphql(default)]
    pub places: Vec<ID>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// Changes to a project: a field left out stays as it is; `null` clears it where it may be
/// cleared. Lists replace the old list.
#[derive(InputObject, Default)]
#[graphql(name = "ProjectPatch")]
pub struct ProjectPatchInput {
    /// New key; cannot be cleared.
    pub key: MaybeUndefined<String>,
    /// New acronym, or null for none.
    pub acronym: MaybeUndefined<String>,
    /// All its titles; cannot be cleared.
    pub title: MaybeUndefined<Vec<LocalizedTextInput>>,
    /// All its summaries, or null for none.
    pub summary: MaybeUndefined<Vec<LocalizedTextInput>>,
    /// All its descriptions, or null for none.
    pub description: MaybeUndefined<Vec<LocalizedTextInput>>,
    /// All its aims, in order, or null for none.
    pub aims: MaybeUndefined<Vec<Vec<LocalizedTextInput>>>,
    /// All its target groups, in order, or null for none.
    pub target_groups: MaybeUndefined<Vec<Vec<LocalizedTextInput>>>,
    /// New start date, or null for none.
    pub start_date: MaybeUndefined<Date>,
    /// How exact the start date is.
    pub start_precision: MaybeUndefined<DatePrecision>,
    /// New end date, or null for none.
    pub end_date: MaybeUndefined<Date>,
    /// How exact the end date is.
    pub end_precision: MaybeUndefined<DatePrecision>,
    /// New latest end date, or null for none.
    pub latest_end_date: MaybeUndefined<Date>,
    /// New web site, or null for none.
    pub website: MaybeUndefined<String>,
    /// All its working languages, or null for none.
    pub working_languages: MaybeUndefined<Vec<LanguageCode>>,
    /// New programme, or null for none.
    pub programme: MaybeUndefined<ID>,
    /// New stated total, or null for none.
    pub stated_total: MaybeUndefined<MoneyInput>,
    /// New stated number of partners, or null for none.
    pub stated_partner_count: MaybeUndefined<i32>,
    /// New stated number of countries, or null for none.
    pub stated_country_count: MaybeUndefined<i32>,
    /// All the places it covers, in order, or null for none.
    pub places: MaybeUndefined<Vec<ID>>,
}

/// An update of a project.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    /// The project to change.
    pub id: ID,
    /// Change only if the project is still at this version (from its `version` field).
    pub expected_version: Option<i32>,
    /// What to change.
    pub patch: ProjectPatchInput,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

payloads!(
    Project,
    project,
    CreateProjectPayload,
    UpdateProjectPayload,
    DeleteProjectPayload,
    DeleteProjectInput,
    "a project"
);

async fn load(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Project>> {
    Ok(match id {
        Some(id) => loaders(ctx)?
            .projects
            .load_one(id)
            .await?
            .map(Project::from),
        None => None,
    })
}

fn places(ids: Vec<ID>) -> Vec<i32> {
    ids.iter()
        .map(|id| ids::reference(RecordType::Place, id))
        .collect()
}

fn text_lists(
    items: Vec<Vec<LocalizedTextInput>>,
) -> Vec<Vec<crate::domain::validation::TextDraft>> {
    items.into_iter().map(texts).collect()
}

fn languages(codes: Vec<LanguageCode>) -> Vec<String> {
    codes.into_iter().map(|c| c.0).collect()
}

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Adds a project. Needs an editor or admin key.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: CreateProjectInput,
    ) -> Result<CreateProjectPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let draft = input.into_draft();
        let (id, user_errors) = create::<Projects>(ctx, draft).await?;
        Ok(CreateProjectPayload {
            project: load(ctx, id).await?,
            user_errors,
            client_mutation_id,
        })
    }

    /// Changes a project. Needs an editor or admin key.
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        input: UpdateProjectInput,
    ) -> Result<UpdateProjectPayload> {
        let p = input.patch;
        let patch = ProjectPatch {
            key: change(p.key, |v| v),
            acronym: change(p.acronym, |v| v),
            title: change(p.title, texts),
            summary: change(p.summary, texts),
            description: change(p.description, texts),
            aims: change(p.aims, text_lists),
            target_groups: change(p.target_groups, text_lists),
            start_date: change(p.start_date, |d| d.0),
            start_precision: change(p.start_precision, Into::into),
            end_date: change(p.end_date, |d| d.0),
            end_precision: change(p.end_precision, Into::into),
            latest_end_date: change(p.latest_end_date, |d| d.0),
            website: change(p.website, |v| v),
            working_languages: change(p.working_languages, languages),
            programme: change(p.programme, |id| ids::reference(RecordType::Programme, &id)),
            stated_total: change(p.stated_total, money),
            stated_partner_count: change(p.stated_partner_count, |v| v),
            stated_country_count: change(p.stated_country_count, |v| v),
            places: change(p.places, places),
        };
        let (id, user_errors) =
            update::<Projects>(ctx, &input.id, input.expected_version, patch).await?;
        Ok(UpdateProjectPayload {
            project: load(ctx, id).await?,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes a project with everything it owns: its participations, funding lines,
    /// outcomes, events, contacts, texts and source links. Needs an editor or admin key.
    async fn delete_project(
        &self,
        ctx: &Context<'_>,
        input: DeleteProjectInput,
    ) -> Result<DeleteProjectPayload> {
        let (deleted_id, user_errors) =
            delete::<Projects>(ctx, &input.id, input.expected_version).await?;
        Ok(DeleteProjectPayload {
            deleted_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

impl CreateProjectInput {
    /// The record the input describes; the import reads its lines with it too.
    pub fn into_draft(self) -> ProjectDraft {
        let input = self;
        let start_date = input.start_date.map(|d| d.0);
        let end_date = input.end_date.map(|d| d.0);
        ProjectDraft {
            key: input.key,
            acronym: input.acronym,
            title: texts(input.title),
            summary: texts(input.summary),
            description: texts(input.description),
            aims: text_lists(input.aims),
            target_groups: text_lists(input.target_groups),
            start_precision: precision_of(start_date, input.start_precision.map(Into::into)),
            start_date,
            end_precision: precision_of(end_date, input.end_precision.map(Into::into)),
            end_date,
            latest_end_date: input.latest_end_date.map(|d| d.0),
            website: input.website,
            working_languages: languages(input.working_languages),
            programme: input
                .programme
                .map(|id| ids::reference(RecordType::Programme, &id)),
            stated_total: input.stated_total.map(money),
            stated_partner_count: input.stated_partner_count,
            stated_country_count: input.stated_country_count,
            places: places(input.places),
        }
    }
}
