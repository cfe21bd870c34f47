//! Analytics for dashboards: funding totals, yearly breakdowns, stated against computed totals,
//! partnership figures and outcome totals. The store's analytics SQL computes each figure in
//! one GROUP BY statement ([`crate::store::analytics`]); this module only types them.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::RecordType;

use super::context::{db, loaders};
use super::enums::{FundingKind, OutcomeKind};
use super::filter::store_filter;
use super::ids;
use super::nodes::{Funder, Organisation, Programme, Project};
use super::project::ProjectFilter;
use super::scalars::{CountryCode, CurrencyCode, Money};
use crate::error::ApiResult;
use crate::store::analytics::{
    self as store, FundingTotalRow, NetworkOf, OutcomeTotalRow, RepeatPartnerRow,
};

// ---------------------------------------------------------------------------------------------
// Funding totals

/// What funding totals can be grouped by. The currency is always part of a group: amounts in
/// different currencies are never added together.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "store::FundingGroup")]
pub enum FundingGroup {
    /// The funder of the line (its own, else its programme's).
    Funder,
    /// The programme the line is paid under, as recorded.
    Programme,
    /// The top-level programme the line's programme belongs to.
    ProgrammeRoot,
    /// Every programme above the line's programme, itself included: each line counts once in
    /// every level of its branch, so parents roll up their children. Sums across groups of
    /// different levels therefore count a line more than once.
    ProgrammeTree,
    /// The funded project.
    Project,
    /// The kind of funding.
    Kind,
    /// The country of the project's lead partner.
    LeadCountry,
    /// The country of each participating organisation: a line counts once in every country its
    /// project spans, so sums across countries exceed the total.
    ParticipantCountry,
    /// The calendar year, as `yearMode` says.
    Year,
}

/// How funding is assigned to years.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "store::YearMode")]
pub enum YearMode {
    /// All of a line in the year its project starts.
    #[default]
    StartYear,
    /// Each line split over its project's calendar years in proportion to the project's days
    /// in each year. Each year gets the floor of its exact share in cents and the cents left
    /// over go one each to the years with the largest remainders (earlier years on ties), so a
    /// line's parts add up to its amount exactly. A project without an end date counts in its
    /// start year; one without dates has no year.
    ProRata,
}

/// Which funding lines to add up. All given fields must hold.
#[derive(Debug, Default, InputObject)]
pub struct FundingTotalsFilter {
    /// Only lines of projects matching this filter (country, period, status, funder, ...).
    pub projects: Option<ProjectFilter>,
    /// Only lines of these kinds.
    pub kind: Option<Vec<FundingKind>>,
    /// Only lines in these currencies.
    pub currency: Option<Vec<CurrencyCode>>,
    /// Only lines from these funders (the line's own funder, else its programme's).
    pub funder: Option<Vec<ID>>,
    /// Only lines paid under these programmes or any programme below them.
    pub programme: Option<Vec<ID>>,
    /// Only years in this range (inclusive); applies to the year of `yearMode`.
    pub years: Option<YearRange>,
}

/// An inclusive range of calendar years; either end may be open.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct YearRange {
    /// First year (inclusive).
    pub from: Option<i32>,
    /// Last year (inclusive).
    pub to: Option<i32>,
}

/// One group of funding lines and what they add up to.
#[derive(Debug, Clone)]
pub struct FundingTotal(FundingTotalRow);

/// One group of funding lines and what they add up to.
#[Object]
impl FundingTotal {
    /// The funder, when grouping by `FUNDER` (null for lines without one).
    async fn funder(&self, ctx: &Context<'_>) -> Result<Option<Funder>> {
        let Some(id) = self.0.funder_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.funders.load_one(id).await?.map(Funder))
    }

    /// The programme, when grouping by a programme level.
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<Programme>> {
        let Some(id) = self.0.programme_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.programmes.load_one(id).await?.map(Programme))
    }

    /// The project, when grouping by `PROJECT`.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        let Some(id) = self.0.project_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .projects
            .load_one(id)
            .await?
            .map(Project::from))
    }

    /// The kind of funding, when grouping by `KIND`.
    async fn kind(&self) -> Option<FundingKind> {
        self.0.kind.map(Into::into)
    }

    /// The country, when grouping by `LEAD_COUNTRY` or `PARTICIPANT_COUNTRY`.
    async fn country(&self) -> Option<CountryCode> {
        self.0.country.clone().map(CountryCode)
    }

    /// The calendar year, when grouping by `YEAR`.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The exact total of the group, in its currency.
    async fn amount(&self) -> Money {
        Money::from_minor(self.0.amount_minor, &self.0.currency)
    }

    /// Number of distinct projects in the group.
    async fn project_count(&self) -> i64 {
        self.0.project_count
    }

    /// Number of funding lines in the group.
    async fn line_count(&self) -> i64 {
        self.0.line_count
    }
}

/// Groups of funding lines with their totals.
#[derive(Debug, SimpleObject)]
pub struct FundingTotals {
    /// The groups, ordered by their keys.
    pub groups: Vec<FundingTotal>,
    /// True when more groups matched than `limit` allowed.
    pub has_more: bool,
    /// Funders that sources name for projects of the filter without stating an amount (as
    /// the funder of the project's programme, or as a partner with the role `FUNDER`), with
    /// how many such projects each: funding that `groups` cannot add up. A project counts here
    /// for a funder only when none of its funding lines is that funder's. Only the `projects`
    /// and `funder` parts of the filter apply.
    pub funded_without_amount: Vec<FundedWithoutAmount>,
}

/// A funder and how many projects it funds with no amount stated.
#[derive(Debug)]
pub struct FundedWithoutAmount {
    funder_id: i32,
    project_count: i64,
}

/// A funder and how many projects it funds with no amount stated.
#[Object]
impl FundedWithoutAmount {
    /// The funder.
    async fn funder(&self, ctx: &Context<'_>) -> Result<Funder> {
        let row = loaders(ctx)?.funders.load_one(self.funder_id).await?;
        Ok(Funder(row.ok_or(crate::error::ApiError::Internal)?))
    }

    /// Projects it funds with no amount stated.
    async fn project_count(&self) -> i64 {
        self.project_count
    }
}

// ---------------------------------------------------------------------------------------------
// Partnership figures

/// Projects and organisations of one country.
#[derive(Debug, SimpleObject)]
pub struct CountryFigures {
    /// The country.
    pub country: CountryCode,
    /// Projects with at least one participating organisation from the country.
    pub project_count: i64,
    /// Projects led by an organisation from the country.
    pub lead_project_count: i64,
    /// Organisations from the country that take part in projects.
    pub organisation_count: i64,
}

/// Totals over the projects a filter selects.
#[derive(Debug, SimpleObject)]
pub struct PartnershipSummary {
    /// Number of projects.
    pub project_count: i64,
    /// Projects whose partners come from two or more countries.
    pub cross_border_project_count: i64,
    /// Countries the projects' partners come from.
    pub country_count: i64,
    /// Organisations taking part (funders left out).
    pub organisation_count: i64,
}

/// Two countries and the projects they share.
#[derive(Debug, SimpleObject)]
pub struct CountryLink {
    /// The first country (alphabetically).
    pub country_a: CountryCode,
    /// The second country.
    pub country_b: CountryCode,
    /// Projects with partners from both.
    pub shared_projects: i64,
}

/// Pairs of countries that share projects, most shared first.
#[derive(Debug, SimpleObject)]
pub struct CountryNetwork {
    /// The pairs, most shared first.
    pub links: Vec<CountryLink>,
    /// True when more pairs matched than `limit` allowed.
    pub has_more: bool,
}

/// Pairs of organisations that share projects, most shared first.
#[derive(Debug, SimpleObject)]
pub struct OrganisationNetwork {
    /// The pairs, most shared first.
    pub links: Vec<OrganisationLink>,
    /// True when more pairs matched than `limit` allowed.
    pub has_more: bool,
}

/// Two organisations and the projects they share.
#[derive(Debug, Clone)]
pub struct OrganisationLink(store::PairRow<i32>);

/// Two organisations and the projects they share.
#[Object]
impl OrganisationLink {
    /// One organisation of the pair.
    async fn organisation_a(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(loaders(ctx)?
            .organisations
            .load_one(self.0.a)
            .await?
            .map(Organisation::from))
    }

    /// The other organisation of the pair.
    async fn organisation_b(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(loaders(ctx)?
            .organisations
            .load_one(self.0.b)
            .await?
            .map(Organisation::from))
    }

    /// Projects both take part in.
    async fn shared_projects(&self) -> i64 {
        self.0.shared_projects
    }
}

/// Figures of one organisation.
#[derive(Debug, Clone)]
pub struct OrganisationFigures {
    pub organisation_id: i32,
}

/// Partners an organisation worked with more than once.
#[derive(Debug, Clone)]
pub struct RepeatPartner(RepeatPartnerRow);

/// Partners an organisation worked with more than once.
#[Object]
impl RepeatPartner {
    /// The partner.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(loaders(ctx)?
            .organisations
            .load_one(self.0.organisation_id)
            .await?
            .map(Organisation::from))
    }

    /// Projects they share.
    async fn shared_projects(&self) -> i64 {
        self.0.shared_projects
    }
}

/// Figures of one organisation.
#[Object]
impl OrganisationFigures {
    /// Projects the organisation leads.
    async fn projects_as_lead(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(loaders(ctx)?
            .role_counts
            .load_one(self.organisation_id)
            .await?
            .map_or(0, |c| c.0))
    }

    /// Projects the organisation takes part in without leading them (funding roles left out).
    async fn projects_as_partner(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(loaders(ctx)?
            .role_counts
            .load_one(self.organisation_id)
            .await?
            .map_or(0, |c| c.1))
    }

    /// Funding of the projects the organisation leads, per currency.
    async fn funding_handled(&self, ctx: &Context<'_>) -> Result<Vec<Money>> {
        let sums = loaders(ctx)?
            .funding_handled
            .load_one(self.organisation_id)
            .await?
            .unwrap_or_default();
        Ok(sums
            .into_iter()
            .map(|(currency, amount)| Money::from_minor(amount, &currency))
            .collect())
    }

    /// Organisations this one shares two or more projects with, most shared first.
    async fn repeat_partners(&self, ctx: &Context<'_>) -> Result<Vec<RepeatPartner>> {
        Ok(loaders(ctx)?
            .repeat_partners
            .load_one(self.organisation_id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(RepeatPartner)
            .collect())
    }
}

// ---------------------------------------------------------------------------------------------
// Outcome totals

/// What outcome totals can be grouped by; the unit is always part of a group.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "store::OutcomeGroup")]
pub enum OutcomeGroup {
    /// The project.
    Project,
    /// The kind of outcome.
    Kind,
}

/// Which outcomes to add up. All given fields must hold.
#[derive(Debug, Default, InputObject)]
pub struct OutcomeTotalsFilter {
    /// Only outcomes of projects matching this filter.
    pub projects: Option<ProjectFilter>,
    /// Only outcomes of these kinds.
    pub kind: Option<Vec<OutcomeKind>>,
    /// Only outcomes counted in these units.
    pub unit: Option<Vec<String>>,
}

/// Planned against achieved quantities of a group of outcomes with one unit.
#[derive(Debug, Clone)]
pub struct OutcomeTotal(OutcomeTotalRow);

/// Groups of outcomes with their totals.
#[derive(Debug, SimpleObject)]
pub struct OutcomeTotals {
    /// The groups, ordered by their keys.
    pub groups: Vec<OutcomeTotal>,
    /// True when more groups matched than `limit` allowed.
    pub has_more: bool,
}

/// Planned against achieved quantities of a group of outcomes with one unit.
#[Object]
impl OutcomeTotal {
    /// The project, when grouping by `PROJECT`.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        let Some(id) = self.0.project_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .projects
            .load_one(id)
            .await?
            .map(Project::from))
    }

    /// The kind of outcome, when grouping by `KIND`.
    async fn kind(&self) -> Option<OutcomeKind> {
        self.0.kind.map(Into::into)
    }

    /// The unit of the quantities, e.g. `people`.
    async fn unit(&self) -> &str {
        &self.0.unit
    }

    /// Sum of the planned quantities (null when none is planned).
    async fn planned(&self) -> Option<i64> {
        self.0.planned
    }

    /// Sum of the achieved quantities (null when no source reports any).
    async fn achieved(&self) -> Option<i64> {
        self.0.achieved
    }

    /// Number of outcomes in the group.
    async fn outcome_count(&self) -> i64 {
        self.0.outcome_count
    }

    /// Number of projects in the group.
    async fn project_count(&self) -> i64 {
        self.0.project_count
    }
}

// ---------------------------------------------------------------------------------------------
// Root fields

/// Root fields of analytics.
#[derive(Default)]
pub struct AnalyticsQuery;

impl FundingTotalsFilter {
    async fn to_store(&self, ctx: &Context<'_>) -> ApiResult<store::FundingTotalsFilter> {
        Ok(store::FundingTotalsFilter {
            projects: store_filter(ctx, self.projects.as_ref()).await?,
            kinds: self
                .kind
                .as_ref()
                .map(|kinds| kinds.iter().map(|k| (*k).into()).collect()),
            currencies: self
                .currency
                .as_ref()
                .map(|currencies| currencies.iter().map(|c| c.0.clone()).collect()),
            funders: self
                .funder
                .as_deref()
                .map(|ids| ids::expect_all(RecordType::Funder, ids))
                .transpose()?,
            programmes: self
                .programme
                .as_deref()
                .map(|ids| ids::expect_all(RecordType::Programme, ids))
                .transpose()?,
            years: self.years.map(|range| (range.from, range.to)),
        })
    }
}

impl OutcomeTotalsFilter {
    async fn to_store(&self, ctx: &Context<'_>) -> ApiResult<store::OutcomeTotalsFilter> {
        Ok(store::OutcomeTotalsFilter {
            projects: store_filter(ctx, self.projects.as_ref()).await?,
            kinds: self
                .kind
                .as_ref()
                .map(|kinds| kinds.iter().map(|k| (*k).into()).collect()),
            units: self.unit.clone(),
        })
    }
}

/// Root fields of analytics.
#[Object]
impl AnalyticsQuery {
    /// Totals of funding lines grouped by any combination of keys, always per currency, with
    /// the number of projects and lines in each group. Computed by the database in one statement.
    async fn funding_totals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keys to group by; the currency is always added.")] group_by: Vec<
            FundingGroup,
        >,
        #[graphql(desc = "How lines are assigned to years.", default)] year_mode: YearMode,
        #[graphql(desc = "Which lines to add up.")] filter: Option<FundingTotalsFilter>,
        #[graphql(
            desc = "Most groups to return (at most 10000); `hasMore` says when more matched.",
            default = 100
        )]
        limit: u32,
    ) -> Result<FundingTotals> {
        let group_by: Vec<store::FundingGroup> = group_by.into_iter().map(Into::into).collect();
        let filter = match &filter {
            Some(filter) => Some(filter.to_store(ctx).await?),
            None => None,
        };
        // Only the counts the query selects are computed.
        let groups = ctx.look_ahead().field("groups");
        let measures = store::FundingMeasures {
            project_count: groups.field("projectCount").exists(),
            line_count: groups.field("lineCount").exists(),
        };
        let totals = store::funding_totals(
            db(ctx)?,
            &group_by,
            year_mode.into(),
            filter.as_ref(),
            limit,
            measures,
        )
        .await?;
        let funded_without_amount = if ctx.look_ahead().field("fundedWithoutAmount").exists() {
            store::funded_without_amount(db(ctx)?, filter.as_ref())
                .await?
                .into_iter()
                .map(|(funder_id, project_count)| FundedWithoutAmount {
                    funder_id,
                    project_count,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(FundingTotals {
            groups: totals.groups.into_iter().map(FundingTotal).collect(),
            has_more: totals.has_more,
            funded_without_amount,
        })
    }

    /// Planned against achieved quantities of outcomes, summed per unit (people trained,
    /// events held, centres set up), optionally per project and kind.
    async fn outcome_totals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keys to group by; the unit is always added.", default)] group_by: Vec<
            OutcomeGroup,
        >,
        #[graphql(desc = "Which outcomes to add up.")] filter: Option<OutcomeTotalsFilter>,
        #[graphql(
            desc = "Most groups to return (at most 10000); `hasMore` says when more matched.",
            default = 100
        )]
        limit: u32,
    ) -> Result<OutcomeTotals> {
        let group_by: Vec<store::OutcomeGroup> = group_by.into_iter().map(Into::into).collect();
        let filter = match &filter {
            Some(filter) => Some(filter.to_store(ctx).await?),
            None => None,
        };
        let totals = store::outcome_totals(db(ctx)?, &group_by, filter.as_ref(), limit).await?;
        Ok(OutcomeTotals {
            groups: totals.groups.into_iter().map(OutcomeTotal).collect(),
            has_more: totals.has_more,
        })
    }

    /// Per country: projects with partners from it, projects it leads, organisations from it.
    async fn country_figures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these projects.")] filter: Option<ProjectFilter>,
    ) -> Result<Vec<CountryFigures>> {
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let rows = store::country_figures(db(ctx)?, filter.as_ref()).await?;
        Ok(rows
            .into_iter()
            .map(|row| CountryFigures {
                country: CountryCode(row.country),
                project_count: row.project_count,
                lead_project_count: row.lead_project_count,
                organisation_count: row.organisation_count,
            })
            .collect())
    }

    /// Totals over the projects a filter selects: projects, cross-border projects, countries and
    /// organisations.
    async fn partnership_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these projects.")] filter: Option<ProjectFilter>,
    ) -> Result<PartnershipSummary> {
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let row = store::partnership_summary(db(ctx)?, filter.as_ref()).await?;
        Ok(PartnershipSummary {
            project_count: row.project_count,
            cross_border_project_count: row.cross_border_project_count,
            country_count: row.country_count,
            organisation_count: row.organisation_count,
        })
    }

    /// Pairs of countries whose organisations share projects, most shared first.
    async fn country_network(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only pairs from these projects. A pair counts every filtered project its two countries share, so `country: [\"LV\"]` keeps the projects with a Latvian partner and returns all their pairs, DK-LT included; for the pairs of one country, use `involving`."
        )]
        filter: Option<ProjectFilter>,
        #[graphql(
            desc = "Only pairs with this country on one side; it is then always `countryA`."
        )]
        involving: Option<CountryCode>,
        #[graphql(desc = "Only pairs sharing at least this many projects.", default = 1)]
        min_shared_projects: i32,
        #[graphql(
            desc = "Most pairs to return (at most 10000); `hasMore` says when more matched.",
            default = 100
        )]
        limit: u32,
    ) -> Result<CountryNetwork> {
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let pairs = store::network::<String>(
            db(ctx)?,
            NetworkOf::Countries,
            filter.as_ref(),
            involving.map(|country| country.0),
            min_shared_projects,
            limit,
        )
        .await?;
        Ok(CountryNetwork {
            links: pairs
                .groups
                .into_iter()
                .map(|pair| CountryLink {
                    country_a: CountryCode(pair.a),
                    country_b: CountryCode(pair.b),
                    shared_projects: pair.shared_projects,
                })
                .collect(),
            has_more: pairs.has_more,
        })
    }

    /// Pairs of organisations that share projects, most shared first.
    async fn organisation_network(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only pairs from these projects. A pair counts every filtered project its two organisations share, so a filter on one partner keeps its projects and returns all their pairs; for the pairs of one organisation, use `involving`."
        )]
        filter: Option<ProjectFilter>,
        #[graphql(
            desc = "Only pairs with this organisation (an `Organisation` ID) on one side; it is then always `organisationA`."
        )]
        involving: Option<ID>,
        #[graphql(desc = "Only pairs sharing at least this many projects.", default = 1)]
        min_shared_projects: i32,
        #[graphql(
            desc = "Most pairs to return (at most 10000); `hasMore` says when more matched.",
            default = 100
        )]
        limit: u32,
    ) -> Result<OrganisationNetwork> {
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let involving = involving
            .map(|id| ids::expect(RecordType::Organisation, &id))
            .transpose()?;
        let pairs = store::network::<i32>(
            db(ctx)?,
            NetworkOf::Organisations,
            filter.as_ref(),
            involving,
            min_shared_projects,
            limit,
        )
        .await?;
        Ok(OrganisationNetwork {
            links: pairs.groups.into_iter().map(OrganisationLink).collect(),
            has_more: pairs.has_more,
        })
    }
}
