//! Organisations, their external identifiers, and their participations in projects.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::RecordType;
use entity::{organisation, participation};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, Order};

use super::analytics::OrganisationFigures;
use super::common::page_of;
use super::common::{self, LocalizedText, LogicalFilter, loaders, logical_filter};
use super::contact::Contact;
use super::enums::{OrderDirection, OrganisationKind, ParticipationRole};
use super::ids;
use super::pagination::{PageArgs, connection};
use super::place::Place;
use super::project::Project;
use super::scalars::{CountryCode, LanguageCode};
use super::source::SourceDocument;
use crate::error::ApiResult;
use crate::search::contains_pattern;

/// A partner organisation: an NGO, museum, municipality, company or other body.
#[derive(Debug, Clone)]
pub struct Organisation(pub organisation::Model);

/// An identifier of an organisation in another system or registry.
#[derive(Debug, Clone, SimpleObject)]
pub struct ExternalIdentifier {
    /// The identifier scheme, e.g. `FACEBOOK` or a registry's name.
    pub scheme: String,
    /// The identifier in that scheme.
    pub value: String,
}

/// A partner organisation: an NGO, museum, municipality, company or other body.
#[Object]
impl Organisation {
    /// Global ID of the organisation.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::Organisation, self.0.id)
    }

    /// Stable human-readable key, e.g. `interfolk`.
    async fn key(&self) -> &str {
        &self.0.key
    }

    /// Name in `lang`, falling back to the original language, then English, then any.
    async fn name(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<String> {
        Ok(common::localized(
            ctx,
            RecordType::Organisation,
            self.0.id,
            "name",
            lang.as_ref(),
        )
        .await?
        .unwrap_or_default())
    }

    /// Short name or abbreviation, where the organisation uses one.
    async fn short_name(&self) -> Option<&str> {
        self.0.short_name.as_deref()
    }

    /// What sort of body it is.
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }

    /// Country the organisation is based in.
    async fn country(&self) -> CountryCode {
        CountryCode(self.0.country_code.clone())
    }

    /// City or municipality, as the source names it.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }

    /// Website address.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// The place (usually a municipality) the organisation is based in.
    async fn place(&self, ctx: &Context<'_>) -> Result<Option<Place>> {
        let Some(id) = self.0.place_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.places.load_one(id).await?.map(Place))
    }

    /// Identifiers in other systems (registries, social media accounts).
    async fn identifiers(&self, ctx: &Context<'_>) -> Result<Vec<ExternalIdentifier>> {
        let rows = loaders(ctx)?
            .identifiers_of_organisation
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|r| ExternalIdentifier {
                scheme: r.scheme,
                value: r.value,
            })
            .collect())
    }

    /// The organisation's roles in projects, optionally only in some roles.
    async fn participations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these roles.")] role: Option<Vec<ParticipationRole>>,
    ) -> Result<Vec<Participation>> {
        let rows = loaders(ctx)?
            .participations_of_organisation
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(Participation)
            .filter(|p| p.has_role(role.as_deref()))
            .collect())
    }

    /// Projects the organisation takes part in (each once), optionally only in some roles.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only projects where the organisation has one of these roles.")]
        role: Option<Vec<ParticipationRole>>,
    ) -> Result<Vec<Project>> {
        let loaders = loaders(ctx)?;
        let rows = loaders
            .participations_of_organisation
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let mut project_ids: Vec<i32> = rows
            .into_iter()
            .map(Participation)
            .filter(|p| p.has_role(role.as_deref()))
            .map(|p| p.0.project_id)
            .collect();
        project_ids.dedup();
        let found = loaders
            .projects
            .load_many(project_ids.iter().copied())
            .await?;
        Ok(project_ids
            .iter()
            .filter_map(|id| found.get(id).cloned().map(Project))
            .collect())
    }

    /// Figures of the organisation: projects led and joined, funding handled, repeat partners.
    async fn figures(&self) -> OrganisationFigures {
        OrganisationFigures {
            organisation_id: self.0.id,
        }
    }

    /// Contact people of the organisation.
    async fn contacts(&self, ctx: &Context<'_>) -> Result<Vec<Contact>> {
        let rows = loaders(ctx)?
            .contacts_of_organisation
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Contact).collect())
    }

    /// All texts of the organisation (its names) in every language.
    async fn texts(&self, ctx: &Context<'_>) -> Result<Vec<LocalizedText>> {
        Ok(common::translations(ctx, RecordType::Organisation, self.0.id, None).await?)
    }

    /// Source documents the organisation was curated from.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(common::sources(ctx, RecordType::Organisation, self.0.id).await?)
    }
}

/// An organisation taking part in a project in one role.
#[derive(Debug, Clone)]
pub struct Participation(pub participation::Model);

impl Participation {
    fn has_role(&self, roles: Option<&[ParticipationRole]>) -> bool {
        roles.is_none_or(|roles| roles.contains(&self.0.role.into()))
    }
}

/// An organisation taking part in a project in one role.
#[Object]
impl Participation {
    /// Global ID of the participation.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::Participation, self.0.id)
    }

    /// The organisation's role in the project.
    async fn role(&self) -> ParticipationRole {
        self.0.role.into()
    }

    /// Position in the source's list of partners, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// The project.
    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        let row = loaders(ctx)?.projects.load_one(self.0.project_id).await?;
        Ok(Project(row.ok_or(crate::error::ApiError::Internal)?))
    }

    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Organisation> {
        let row = loaders(ctx)?
            .organisations
            .load_one(self.0.organisation_id)
            .await?;
        Ok(Organisation(row.ok_or(crate::error::ApiError::Internal)?))
    }

    /// Source documents that state this participation.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(common::sources(ctx, RecordType::Participation, self.0.id).await?)
    }
}

/// The participations of a project, optionally only in some roles.
pub async fn participations_of_project(
    ctx: &Context<'_>,
    project_id: i32,
    role: Option<&[ParticipationRole]>,
) -> ApiResult<Vec<Participation>> {
    let rows = loaders(ctx)?
        .participations_of_project
        .load_one(project_id)
        .await?
        .unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(Participation)
        .filter(|p| p.has_role(role))
        .collect())
}

connection!(
    OrganisationConnection,
    OrganisationEdge,
    Organisation,
    "A page of organisations, following the Relay connection specification.",
    "An organisation with its cursor."
);

/// Which organisations to return. All given fields must hold.
#[derive(Debug, Default, InputObject)]
pub struct OrganisationFilter {
    /// Name or short name contains this text, ignoring case and diacritics.
    pub text: Option<String>,
    /// Based in one of these countries.
    pub country: Option<Vec<CountryCode>>,
    /// Of one of these kinds.
    pub kind: Option<Vec<OrganisationKind>>,
    /// Has taken part in some project in one of these roles.
    pub role: Option<Vec<ParticipationRole>>,
    /// Takes part in one of these projects.
    pub project: Option<Vec<ID>>,
    /// All of these filters hold.
    pub and: Option<Vec<OrganisationFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<OrganisationFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<OrganisationFilter>>,
}

impl LogicalFilter for OrganisationFilter {
    fn own_condition(&self) -> ApiResult<Condition> {
        let mut all = Condition::all();
        if let Some(text) = &self.text {
            all = all.add(organisation::Column::SearchText.like(contains_pattern(text)));
        }
        if let Some(countries) = &self.country {
            all = all.add(
                organisation::Column::CountryCode.is_in(countries.iter().map(|c| c.0.clone())),
            );
        }
        if let Some(kinds) = &self.kind {
            all = all.add(
                organisation::Column::Kind.is_in(
                    kinds
                        .iter()
                        .map(|k| entity::enums::OrganisationKind::from(*k)),
                ),
            );
        }
        if self.role.is_some() || self.project.is_some() {
            let mut participations = Query::select();
            participations
                .column(participation::Column::OrganisationId)
                .from(participation::Entity);
            if let Some(roles) = &self.role {
                participations.and_where(
                    participation::Column::Role.is_in(
                        roles
                            .iter()
                            .map(|r| entity::enums::ParticipationRole::from(*r)),
                    ),
                );
            }
            if let Some(projects) = &self.project {
                participations.and_where(
                    participation::Column::ProjectId
                        .is_in(ids::expect_all(RecordType::Project, projects)?),
                );
            }
            all = all.add(organisation::Column::Id.in_subquery(participations.to_owned()));
        }
        Ok(all)
    }

    logical_filter!(OrganisationFilter);
}

/// Fields organisations can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum OrganisationOrderField {
    /// Original name, ignoring case and diacritics.
    Name,
    /// Country code.
    Country,
    /// Kind of organisation.
    Kind,
    /// Stable key.
    Key,
}

/// One ordering criterion for organisations.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct OrganisationOrder {
    /// What to order by.
    pub field: OrganisationOrderField,
    /// Which way.
    #[graphql(default)]
    pub direction: OrderDirection,
}

fn organisation_order(
    orders: Option<Vec<OrganisationOrder>>,
) -> Vec<(organisation::Column, Order)> {
    orders
        .unwrap_or_default()
        .into_iter()
        .map(|o| {
            let column = match o.field {
                OrganisationOrderField::Name => organisation::Column::SearchText,
                OrganisationOrderField::Country => organisation::Column::CountryCode,
                OrganisationOrderField::Kind => organisation::Column::Kind,
                OrganisationOrderField::Key => organisation::Column::Key,
            };
            (column, o.direction.into())
        })
        .collect()
}

/// Root fields of organisations.
#[derive(Default)]
pub struct OrganisationQuery;

/// Root fields of organisations.
#[Object]
impl OrganisationQuery {
    /// Organisations, filtered and ordered; by ID when no order is given.
    #[allow(clippy::too_many_arguments)]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many organisations from the start of the window.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the organisation with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many organisations from the end of the window.")]
        last: Option<i32>,
        #[graphql(desc = "End before the organisation with this cursor.")] before: Option<String>,
        #[graphql(desc = "Which organisations to return.")] filter: Option<OrganisationFilter>,
        #[graphql(desc = "Sort order; ties are broken by ID.")] order_by: Option<
            Vec<OrganisationOrder>,
        >,
    ) -> Result<OrganisationConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let order = organisation_order(order_by);
        Ok(
            page_of::<organisation::Entity, _, _>(ctx, filter.as_ref(), order, &args, Organisation)
                .await?
                .into(),
        )
    }
}
