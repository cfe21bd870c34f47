//! Organisations and their external identifiers (their participations are in [`super::participation`]).

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::RecordType;

use super::analytics::OrganisationFigures;
use super::connection::{connection, page_request};
use super::context::{db, loaders};
use super::enums::{OrderDirection, OrganisationKind, ParticipationRole};
use super::filter::{FilterInput, logical_filter, store_filter};
use super::ids;
use super::nodes::{Contact, Organisation, Participation, Place, Project, SourceDocument};
use super::participation;
use super::scalars::{CountryCode, LanguageCode};
use super::text::{self, LocalizedText};
use crate::error::ApiResult;
use crate::store::filter::TextMatch;
use crate::store::organisations::{
    self, OrganisationOrderField as StoredOrderField, OrganisationPredicate,
};

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

    /// 1 when the record was created, one more after each change. Send it back as
    /// `expectedVersion` to change the record only if nobody changed it since you read it.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When the record last changed.
    async fn updated_at(&self) -> super::scalars::DateTime {
        super::scalars::DateTime(self.0.updated_at.fixed_offset())
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
        Ok(text::localized(
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
        Ok(participation::with_relations(ctx, rows, role.as_deref()).await?)
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
            .filter(|p| participation::has_role(p, role.as_deref()))
            .map(|p| p.project_id)
            .collect();
        project_ids.dedup();
        let found = loaders
            .projects
            .load_many(project_ids.iter().copied())
            .await?;
        Ok(project_ids
            .iter()
            .filter_map(|id| found.get(id).cloned().map(Project::from))
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
        Ok(text::translations(ctx, RecordType::Organisation, self.0.id, None).await?)
    }

    /// Source documents the organisation was curated from.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(text::sources(ctx, RecordType::Organisation, self.0.id).await?)
    }
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
    /// Words its name or short name matches, as `search` matches them: each word or its
    /// start, in any language, ignoring case and diacritics and a typo; phrases, `-word` and
    /// `or` too.
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

impl FilterInput for OrganisationFilter {
    type Predicate = OrganisationPredicate;

    fn predicates(&self) -> ApiResult<Vec<OrganisationPredicate>> {
        let mut all = Vec::new();
        if let Some(text) = &self.text {
            all.push(OrganisationPredicate::Text(TextMatch::Typed(text.clone())));
        }
        if let Some(countries) = &self.country {
            all.push(OrganisationPredicate::Country(
                countries.iter().map(|c| c.0.clone()).collect(),
            ));
        }
        if let Some(kinds) = &self.kind {
            all.push(OrganisationPredicate::Kind(
                kinds.iter().map(|k| (*k).into()).collect(),
            ));
        }
        if self.role.is_some() || self.project.is_some() {
            all.push(OrganisationPredicate::Participates {
                roles: self
                    .role
                    .as_ref()
                    .map(|roles| roles.iter().map(|r| (*r).into()).collect()),
                projects: self
                    .project
                    .as_deref()
                    .map(|ids| ids::expect_all(RecordType::Project, ids))
                    .transpose()?,
            });
        }
        Ok(all)
    }

    logical_filter!();
}

/// Fields organisations can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "StoredOrderField")]
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
        let order: Vec<_> = order_by
            .unwrap_or_default()
            .into_iter()
            .map(|o| organisations::sort_column(o.field.into(), o.direction.is_descending()))
            .collect();
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let page = organisations::page_of(
            db(ctx)?,
            filter.as_ref(),
            &order,
            &page_request(ctx, first, after, last, before)?,
        )
        .await?;
        Ok(OrganisationConnection::of(page, Organisation::from))
    }
}
