//! Projects: the centre of the graph, with filters by participant, funding, period and status.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::Utc;
use entity::enums::RecordType;

use super::connection::{connection, page_request};
use super::context::{db, loaders};
use super::enums::{DatePrecision, OrderDirection, OutcomeKind, ParticipationRole, ProjectStatus};
use super::filter::{DateRange, FilterInput, logical_filter, store_filter};
use super::funding::{FundingCheck, funding_check};
use super::ids;
use super::nodes::{
    Contact, Event, FundingLine, Outcome, Participation, Place, Programme, Project, SourceDocument,
};
use super::scalars::{CountryCode, Date, LanguageCode, Money};
use super::text::{self as common, LocalizedText};
use crate::domain::project::{is_cross_border, status_on};
use crate::error::ApiResult;
use crate::store::filter::TextMatch;
use crate::store::places::ProjectPlaceRow;
use crate::store::projects::{
    self, ParticipantPredicate, ProjectOrderField as StoredOrderField, ProjectPredicate,
};

/// A cross-border partnership project.
#[Object]
impl Project {
    /// Global ID of the project.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::Project, self.0.id)
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

    /// Stable human-readable key, e.g. `co-op`.
    async fn key(&self) -> &str {
        &self.0.key
    }

    /// Acronym, where the project uses one.
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }

    /// Title in `lang`, falling back to the original language, then English, then any.
    async fn title(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<String> {
        Ok(
            common::localized(ctx, RecordType::Project, self.0.id, "title", lang.as_ref())
                .await?
                .unwrap_or_default(),
        )
    }

    /// Short summary of the idea, in `lang` with the usual fallback.
    async fn summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<Option<String>> {
        Ok(common::localized(
            ctx,
            RecordType::Project,
            self.0.id,
            "summary",
            lang.as_ref(),
        )
        .await?)
    }

    /// Longer description: background, method, partnership, in `lang` with the usual fallback.
    async fn description(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<Option<String>> {
        Ok(common::localized(
            ctx,
            RecordType::Project,
            self.0.id,
            "description",
            lang.as_ref(),
        )
        .await?)
    }

    /// The project's aims, in the source's order.
    async fn aims(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<Vec<String>> {
        Ok(
            common::localized_list(ctx, RecordType::Project, self.0.id, "aim", lang.as_ref())
                .await?,
        )
    }

    /// The groups the project is meant for, in the source's order.
    async fn target_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<Vec<String>> {
        Ok(common::localized_list(
            ctx,
            RecordType::Project,
            self.0.id,
            "targetGroup",
            lang.as_ref(),
        )
        .await?)
    }

    /// Every text of the project in every language; `field` narrows to one field
    /// (`title`, `summary`, `description`, `aim`, `targetGroup`).
    async fn texts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only texts of this field.")] field: Option<String>,
    ) -> Result<Vec<LocalizedText>> {
        Ok(common::translations(ctx, RecordType::Project, self.0.id, field.as_deref()).await?)
    }

    /// First day of the project (or of its month or year; see `startPrecision`).
    async fn start_date(&self) -> Option<Date> {
        self.0.start_date.map(Date)
    }

    /// How exact `startDate` is.
    async fn start_precision(&self) -> Option<DatePrecision> {
        self.0.start_precision.map(Into::into)
    }

    /// Last day of the project (or of its month or year; see `endPrecision`).
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }

    /// How exact `endDate` is.
    async fn end_precision(&self) -> Option<DatePrecision> {
        self.0.end_precision.map(Into::into)
    }

    /// Latest end the source allows for, when it mentions a possible extension.
    async fn latest_end_date(&self) -> Option<Date> {
        self.0.latest_end_date.map(Date)
    }

    /// Where the project stands today, derived from its dates.
    async fn status(&self) -> ProjectStatus {
        status_on(self.0.start_date, self.0.end_date, Utc::now().date_naive()).into()
    }

    /// Website address.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// Languages the project works in, where the source states them.
    async fn working_languages(&self) -> Vec<LanguageCode> {
        self.0
            .working_languages
            .split(',')
            .filter(|l| !l.is_empty())
            .map(|l| LanguageCode(l.to_owned()))
            .collect()
    }

    /// Total budget as the source states it; compare with the funding lines.
    async fn stated_total(&self) -> Option<Money> {
        match (self.0.stated_total_minor, &self.0.stated_total_currency) {
            (Some(minor), Some(currency)) => Some(Money::from_minor(minor, currency)),
            _ => None,
        }
    }

    /// The stated total next to the sum of the funding lines, with a flag when they differ.
    async fn funding_check(&self, ctx: &Context<'_>) -> Result<FundingCheck> {
        let computed = loaders(ctx)?
            .funding_sums
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let stated = self
            .0
            .stated_total_minor
            .zip(self.0.stated_total_currency.as_deref());
        Ok(funding_check(stated, &computed))
    }

    /// Number of partner organisations the source states, which may exceed those it names.
    async fn stated_partner_count(&self) -> Option<i32> {
        self.0.stated_partner_count
    }

    /// Number of countries the source says the partnership spans.
    async fn stated_country_count(&self) -> Option<i32> {
        self.0.stated_country_count
    }

    /// The programme the project is funded under.
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<Programme>> {
        let Some(id) = self.0.programme_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.programmes.load_one(id).await?.map(Programme))
    }

    /// The organisations in the project with their roles, in the source's order.
    async fn participations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these roles.")] role: Option<Vec<ParticipationRole>>,
    ) -> Result<Vec<Participation>> {
        Ok(participations_of_project(ctx, self.0.id, role.as_deref()).await?)
    }

    /// Countries of the participating organisations (funders excluded), each once, sorted.
    async fn countries(&self, ctx: &Context<'_>) -> Result<Vec<CountryCode>> {
        Ok(partner_countries(ctx, self.0.id).await?)
    }

    /// True when the partners come from two or more countries.
    async fn is_cross_border(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(is_cross_border(
            partner_countries(ctx, self.0.id).await?.len(),
        ))
    }

    /// The project's funding lines.
    async fn funding_lines(&self, ctx: &Context<'_>) -> Result<Vec<FundingLine>> {
        let rows = loaders(ctx)?
            .funding_lines_of_project
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(FundingLine).collect())
    }

    /// Work packages, deliverables, activities and indicators. By default only the top level;
    /// follow `children` for what a work package holds.
    async fn outcomes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these kinds.")] kind: Option<Vec<OutcomeKind>>,
        #[graphql(desc = "False returns outcomes at every level.", default = true)] top_level_only: bool,
    ) -> Result<Vec<Outcome>> {
        let rows = loaders(ctx)?
            .outcomes_of_project
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|o| !top_level_only || o.parent_id.is_none())
            .filter(|o| {
                kind.as_ref()
                    .is_none_or(|kinds| kinds.contains(&o.kind.into()))
            })
            .map(Outcome)
            .collect())
    }

    /// Events of the project. By default only top-level events; sessions hang under `sessions`.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "False returns sessions too.", default = true)] top_level_only: bool,
    ) -> Result<Vec<Event>> {
        let rows = loaders(ctx)?
            .events_of_project
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|e| !top_level_only || e.parent_id.is_none())
            .map(Event)
            .collect())
    }

    /// Places the project covers.
    async fn places(&self, ctx: &Context<'_>) -> Result<Vec<Place>> {
        Ok(places_of_project(ctx, self.0.id).await?)
    }

    /// Contact people of the project.
    async fn contacts(&self, ctx: &Context<'_>) -> Result<Vec<Contact>> {
        let rows = loaders(ctx)?
            .contacts_of_project
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Contact).collect())
    }

    /// Source documents the project was curated from.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(common::sources(ctx, RecordType::Project, self.0.id).await?)
    }
}

async fn partner_countries(ctx: &Context<'_>, project_id: i32) -> ApiResult<Vec<CountryCode>> {
    let loaders = loaders(ctx)?;
    let participations = loaders
        .participations_of_project
        .load_one(project_id)
        .await?
        .unwrap_or_default();
    let organisation_ids = participations
        .iter()
        .filter(|p| p.role != entity::enums::ParticipationRole::Funder)
        .map(|p| p.organisation_id);
    let organisations = loaders.organisations.load_many(organisation_ids).await?;
    let mut countries: Vec<String> = organisations
        .into_values()
        .map(|o| o.country_code)
        .collect();
    countries.sort();
    countries.dedup();
    Ok(countries.into_iter().map(CountryCode).collect())
}

connection!(
    ProjectConnection,
    ProjectEdge,
    Project,
    "A page of projects, following the Relay connection specification.",
    "A project with its cursor."
);

/// Conditions on one participation of a project; all given fields must hold for the same one.
#[derive(Debug, Default, InputObject)]
pub struct ParticipantFilter {
    /// The organisation is one of these.
    pub organisation: Option<Vec<ID>>,
    /// The organisation is based in one of these countries.
    pub country: Option<Vec<CountryCode>>,
    /// The organisation has one of these roles.
    pub role: Option<Vec<ParticipationRole>>,
}

impl ParticipantFilter {
    fn to_store(&self) -> ApiResult<ParticipantPredicate> {
        Ok(ParticipantPredicate {
            organisations: self
                .organisation
                .as_deref()
                .map(|ids| ids::expect_all(RecordType::Organisation, ids))
                .transpose()?,
            countries: self
                .country
                .as_ref()
                .map(|countries| countries.iter().map(|c| c.0.clone()).collect()),
            roles: self
                .role
                .as_ref()
                .map(|roles| roles.iter().map(|r| (*r).into()).collect()),
        })
    }
}

/// Which projects to return. All given fields must hold.
#[derive(Debug, Default, InputObject)]
pub struct ProjectFilter {
    /// Words its texts (title, summary, description, aims, target groups), its acronym or
    /// the name of a place it covers match, as `search` matches them: each word or its start,
    /// in any language, ignoring case and diacritics ("Rezekne" finds "Rēzekne", "kekava"
    /// finds "Ķekava") and a typo; phrases, `-word` and `or` too.
    pub text: Option<String>,
    /// Some participating organisation is based in one of these countries.
    pub country: Option<Vec<CountryCode>>,
    /// Some participation matches all of these conditions.
    pub participant: Option<ParticipantFilter>,
    /// Funded by one of these funders, through a programme or a funding line.
    pub funder: Option<Vec<ID>>,
    /// Funded under one of these programmes or any programme below them.
    pub programme: Option<Vec<ID>>,
    /// Active at some point in this period: starts on or before its end and ends on or after
    /// its start (a project without an end date counts as still running).
    pub active_during: Option<DateRange>,
    /// Starts within this period.
    pub start_date: Option<DateRange>,
    /// Has one of these statuses today.
    pub status: Option<Vec<ProjectStatus>>,
    /// Covers one of these places.
    pub place: Option<Vec<ID>>,
    /// True: partners come from two or more countries; false: from one (or none).
    pub cross_border: Option<bool>,
    /// All of these filters hold.
    pub and: Option<Vec<ProjectFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<ProjectFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<ProjectFilter>>,
}

impl FilterInput for ProjectFilter {
    type Predicate = ProjectPredicate;

    fn predicates(&self) -> ApiResult<Vec<ProjectPredicate>> {
        let mut all = Vec::new();
        if let Some(text) = &self.text {
            all.push(ProjectPredicate::Text(TextMatch::Typed(text.clone())));
        }
        if let Some(countries) = &self.country {
            all.push(ProjectPredicate::Participant(ParticipantPredicate {
                countries: Some(countries.iter().map(|c| c.0.clone()).collect()),
                ..Default::default()
            }));
        }
        if let Some(participant) = &self.participant {
            all.push(ProjectPredicate::Participant(participant.to_store()?));
        }
        if let Some(funders) = &self.funder {
            all.push(ProjectPredicate::Funder(ids::expect_all(
                RecordType::Funder,
                funders,
            )?));
        }
        if let Some(programmes) = &self.programme {
            all.push(ProjectPredicate::Programme(ids::expect_all(
                RecordType::Programme,
                programmes,
            )?));
        }
        if let Some(range) = &self.active_during {
            let (from, to) = range.checked()?;
            all.push(ProjectPredicate::ActiveDuring(from, to));
        }
        if let Some(range) = &self.start_date {
            let (from, to) = range.checked()?;
            all.push(ProjectPredicate::StartsBetween(from, to));
        }
        if let Some(statuses) = &self.status {
            all.push(ProjectPredicate::Status(
                statuses.iter().map(|s| (*s).into()).collect(),
            ));
        }
        if let Some(places) = &self.place {
            all.push(ProjectPredicate::Place(ids::expect_all(
                RecordType::Place,
                places,
            )?));
        }
        if let Some(cross_border) = self.cross_border {
            all.push(ProjectPredicate::CrossBorder(cross_border));
        }
        Ok(all)
    }

    logical_filter!();
}

/// Fields projects can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "StoredOrderField")]
pub enum ProjectOrderField {
    /// Start date; projects without one come last.
    StartDate,
    /// End date; projects without one come last.
    EndDate,
    /// Acronym; projects without one come last.
    Acronym,
    /// Stable key.
    Key,
}

/// One ordering criterion for projects.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct ProjectOrder {
    /// What to order by.
    pub field: ProjectOrderField,
    /// Which way.
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Root fields of projects.
#[derive(Default)]
pub struct ProjectQuery;

/// Root fields of projects.
#[Object]
impl ProjectQuery {
    /// Projects, filtered and ordered; by ID when no order is given.
    #[allow(clippy::too_many_arguments)]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many projects from the start of the window.")] first: Option<i32>,
        #[graphql(desc = "Start after the project with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many projects from the end of the window.")]
        last: Option<i32>,
        #[graphql(desc = "End before the project with this cursor.")] before: Option<String>,
        #[graphql(desc = "Which projects to return.")] filter: Option<ProjectFilter>,
        #[graphql(desc = "Sort order; ties are broken by ID.")] order_by: Option<Vec<ProjectOrder>>,
    ) -> Result<ProjectConnection> {
        let order: Vec<_> = order_by
            .unwrap_or_default()
            .into_iter()
            .map(|o| projects::sort_column(o.field.into(), o.direction.is_descending()))
            .collect();
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let page = projects::page_of(
            db(ctx)?,
            filter.as_ref(),
            &order,
            &page_request(ctx, first, after, last, before)?,
        )
        .await?;
        Ok(ProjectConnection::of(page, Project::from))
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
    super::participation::with_relations(ctx, rows, role).await
}

/// Loads the places linked to a project, in the order the source gives them.
pub async fn places_of_project(ctx: &Context<'_>, project_id: i32) -> ApiResult<Vec<Place>> {
    let loaders = loaders(ctx)?;
    let links: Vec<ProjectPlaceRow> = loaders
        .places_of_project
        .load_one(project_id)
        .await?
        .unwrap_or_default();
    let found = loaders
        .places
        .load_many(links.iter().map(|l| l.place_id))
        .await?;
    Ok(links
        .iter()
        .filter_map(|l| found.get(&l.place_id).cloned().map(Place))
        .collect())
}
