//! Analytics for dashboards: funding totals, yearly breakdowns, stated against computed totals,
//! partnership figures and outcome totals. Every figure is one GROUP BY statement run by the
//! database (never rows summed in Rust), so a figure costs the same number of statements
//! whatever the size of the data, and the results agree on SQLite and PostgreSQL.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::{ParticipationRole as StoredRole, RecordType};
use entity::{
    funding_line, funding_line_year, organisation, participation, programme, programme_ancestor, project,
};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, IntoColumnRef, JoinType, NullOrdering, Order, Query, SelectStatement,
    SimpleExpr,
};
use sea_orm::{ConnectionTrait, QueryResult};

use super::common::{LogicalFilter, db, loaders};
use super::enums::FundingKind;
use super::funding::{Funder, Programme, in_programme_subtree};
use super::ids;
use super::project::{Project, ProjectFilter};
use super::scalars::{CountryCode, CurrencyCode, Money};
use crate::error::{ApiError, ApiResult};

/// Most groups one analytics query returns.
const MAX_GROUPS: u32 = 10_000;

fn alias(name: &str) -> Alias {
    Alias::new(name)
}

fn col(table: &str, column: &str) -> Expr {
    Expr::col((alias(table), alias(column)))
}

/// Runs a built statement and maps each row; database errors become INTERNAL errors.
async fn rows<T>(
    db: &impl ConnectionTrait,
    query: &SelectStatement,
    map: impl Fn(&QueryResult) -> Result<T, sea_orm::DbErr>,
) -> ApiResult<Vec<T>> {
    let results = db.query_all(query).await?;
    Ok(results.iter().map(map).collect::<Result<Vec<_>, _>>()?)
}

/// `project_id IN (projects matching filter)`, for figures restricted by a project filter.
fn projects_matching(column: impl IntoColumnRef, filter: Option<&ProjectFilter>) -> ApiResult<Option<Expr>> {
    let Some(filter) = filter else { return Ok(None) };
    let matching = Query::select()
        .column((project::Entity, project::Column::Id))
        .from(project::Entity)
        .cond_where(filter.condition()?)
        .to_owned();
    Ok(Some(Expr::col(column).in_subquery(matching)))
}

/// Distinct (project, country) pairs of the organisations taking part in projects, funders
/// left out: the countries a project spans.
fn project_countries() -> SelectStatement {
    Query::select()
        .distinct()
        .expr_as(col("participations", "project_id"), alias("project_id"))
        .expr_as(col("organisations", "country_code"), alias("country_code"))
        .from(participation::Entity)
        .inner_join(
            organisation::Entity,
            col("organisations", "id").equals((participation::Entity, participation::Column::OrganisationId)),
        )
        .and_where(col("participations", "role").ne(StoredRole::Funder.to_value_string()))
        .to_owned()
}

/// The country of each project's lead partner (the first listed, should there be several).
fn lead_countries() -> SelectStatement {
    Query::select()
        .expr_as(col("participations", "project_id"), alias("project_id"))
        .expr_as(Func::min(col("organisations", "country_code")), alias("country_code"))
        .from(participation::Entity)
        .inner_join(
            organisation::Entity,
            col("organisations", "id").equals((participation::Entity, participation::Column::OrganisationId)),
        )
        .and_where(col("participations", "role").eq(StoredRole::LeadPartner.to_value_string()))
        .add_group_by([col("participations", "project_id")])
        .to_owned()
}

trait StoredValue {
    fn to_value_string(&self) -> String;
}

impl<T: sea_orm::ActiveEnum<Value = String>> StoredValue for T {
    fn to_value_string(&self) -> String {
        self.to_value()
    }
}

// ---------------------------------------------------------------------------------------------
// Funding totals

/// What funding totals can be grouped by. The currency is always part of a group: amounts in
/// different currencies are never added together.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
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
pub struct FundingTotal {
    funder_id: Option<i32>,
    programme_id: Option<i32>,
    project_id: Option<i32>,
    kind: Option<String>,
    country: Option<String>,
    year: Option<i32>,
    currency: String,
    amount_minor: i64,
    project_count: i64,
    line_count: i64,
}

#[Object]
impl FundingTotal {
    /// The funder, when grouping by `FUNDER` (null for lines without one).
    async fn funder(&self, ctx: &Context<'_>) -> Result<Option<Funder>> {
        let Some(id) = self.funder_id else { return Ok(None) };
        Ok(loaders(ctx)?.funders.load_one(id).await?.map(Funder))
    }

    /// The programme, when grouping by a programme level.
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<Programme>> {
        let Some(id) = self.programme_id else { return Ok(None) };
        Ok(loaders(ctx)?.programmes.load_one(id).await?.map(Programme))
    }

    /// The project, when grouping by `PROJECT`.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        let Some(id) = self.project_id else { return Ok(None) };
        Ok(loaders(ctx)?.projects.load_one(id).await?.map(Project))
    }

    /// The kind of funding, when grouping by `KIND`.
    async fn kind(&self) -> Option<FundingKind> {
        self.kind.as_deref().and_then(|k| sea_orm::ActiveEnum::try_from_value(&k.to_owned()).ok()).map(
            |k: entity::enums::FundingKind| k.into(),
        )
    }

    /// The country, when grouping by `LEAD_COUNTRY` or `PARTICIPANT_COUNTRY`.
    async fn country(&self) -> Option<CountryCode> {
        self.country.clone().map(CountryCode)
    }

    /// The calendar year, when grouping by `YEAR`.
    async fn year(&self) -> Option<i32> {
        self.year
    }

    /// The exact total of the group, in its currency.
    async fn amount(&self) -> Money {
        Money::from_minor(self.amount_minor, &self.currency)
    }

    /// Number of distinct projects in the group.
    async fn project_count(&self) -> i64 {
        self.project_count
    }

    /// Number of funding lines in the group.
    async fn line_count(&self) -> i64 {
        self.line_count
    }
}

/// Groups of funding lines with their totals.
#[derive(Debug, SimpleObject)]
pub struct FundingTotals {
    /// The groups, ordered by their keys.
    pub groups: Vec<FundingTotal>,
    /// True when more groups matched than `limit` allowed.
    pub has_more: bool,
}

/// Builds the one statement behind `fundingTotals`.
fn funding_totals_query(
    group_by: &[FundingGroup],
    mode: YearMode,
    filter: Option<&FundingTotalsFilter>,
    limit: u32,
) -> ApiResult<SelectStatement> {
    let has = |g: FundingGroup| group_by.contains(&g);
    let programme_groups = [FundingGroup::Programme, FundingGroup::ProgrammeRoot, FundingGroup::ProgrammeTree];
    if programme_groups.iter().filter(|g| has(**g)).count() > 1 {
        return Err(ApiError::bad_input("group by at most one of PROGRAMME, PROGRAMME_ROOT and PROGRAMME_TREE"));
    }
    if has(FundingGroup::LeadCountry) && has(FundingGroup::ParticipantCountry) {
        return Err(ApiError::bad_input("group by LEAD_COUNTRY or PARTICIPANT_COUNTRY, not both"));
    }
    let pro_rata = mode == YearMode::ProRata;
    let mut q = Query::select();
    q.from(funding_line::Entity).left_join(
        programme::Entity,
        col("programmes", "id").equals((funding_line::Entity, funding_line::Column::ProgrammeId)),
    );
    let line_funder: SimpleExpr =
        Func::coalesce([col("funding_lines", "funder_id"), col("programmes", "funder_id")]).into();
    let mut keys: Vec<(SimpleExpr, &str)> = Vec::new();
    if has(FundingGroup::Funder) {
        keys.push((line_funder.clone(), "g_funder"));
    }
    if has(FundingGroup::Programme) {
        keys.push((col("funding_lines", "programme_id").into(), "g_programme"));
    }
    if has(FundingGroup::ProgrammeRoot) || has(FundingGroup::ProgrammeTree) {
        let mut on = col("pa", "programme_id").equals((funding_line::Entity, funding_line::Column::ProgrammeId));
        if has(FundingGroup::ProgrammeRoot) {
            // Only the top of the branch: one row per line, so nothing is counted twice.
            let roots = Query::select()
                .column(programme::Column::Id)
                .from(programme::Entity)
                .and_where(col("programmes", "parent_id").is_null())
                .to_owned();
            on = on.and(col("pa", "ancestor_id").in_subquery(roots));
        }
        q.join_as(JoinType::LeftJoin, programme_ancestor::Entity, alias("pa"), on);
        keys.push((col("pa", "ancestor_id"), "g_programme"));
    }
    if has(FundingGroup::Project) {
        keys.push((col("funding_lines", "project_id").into(), "g_project"));
    }
    if has(FundingGroup::Kind) {
        keys.push((col("funding_lines", "kind").into(), "g_kind"));
    }
    if has(FundingGroup::LeadCountry) {
        q.join_subquery(
            JoinType::LeftJoin,
            lead_countries(),
            alias("lead"),
            col("lead", "project_id").equals((funding_line::Entity, funding_line::Column::ProjectId)),
        );
        keys.push((col("lead", "country_code").into(), "g_country"));
    }
    if has(FundingGroup::ParticipantCountry) {
        q.join_subquery(
            JoinType::InnerJoin,
            project_countries(),
            alias("pc"),
            col("pc", "project_id").equals((funding_line::Entity, funding_line::Column::ProjectId)),
        );
        keys.push((col("pc", "country_code").into(), "g_country"));
    }
    let year: Option<SimpleExpr> = if pro_rata {
        q.left_join(
            funding_line_year::Entity,
            col("funding_line_years", "funding_line_id").equals((funding_line::Entity, funding_line::Column::Id)),
        );
        Some(col("funding_line_years", "year").into())
    } else if has(FundingGroup::Year) || filter.is_some_and(|f| f.years.is_some()) {
        q.inner_join(project::Entity, col("projects", "id").equals((funding_line::Entity, funding_line::Column::ProjectId)));
        Some(col("projects", "start_year").into())
    } else {
        None
    };
    if has(FundingGroup::Year) {
        if let Some(year) = &year {
            keys.push((year.clone(), "g_year"));
        }
    }
    keys.push((col("funding_lines", "currency").into(), "g_currency"));

    let amount: SimpleExpr = if pro_rata {
        Func::coalesce([col("funding_line_years", "amount_minor"), col("funding_lines", "amount_minor")])
            .into()
    } else {
        col("funding_lines", "amount_minor").into()
    };
    for (expr, name) in &keys {
        q.expr_as(expr.clone(), alias(name));
    }
    q.expr_as(Func::cast_as(Func::sum(amount), alias("BIGINT")), alias("amount_minor"))
        .expr_as(Func::count_distinct(col("funding_lines", "project_id")), alias("project_count"))
        .expr_as(Func::count_distinct(col("funding_lines", "id")), alias("line_count"))
        .add_group_by(keys.iter().map(|(expr, _)| expr.clone()));
    for (expr, _) in &keys {
        q.order_by_expr_with_nulls(expr.clone(), Order::Asc, NullOrdering::Last);
    }
    q.limit(u64::from(limit) + 1);

    if let Some(filter) = filter {
        if let Some(condition) = projects_matching((funding_line::Entity, funding_line::Column::ProjectId), filter.projects.as_ref())? {
            q.and_where(condition);
        }
        if let Some(kinds) = &filter.kind {
            let kinds: Vec<String> = kinds.iter().map(|k| entity::enums::FundingKind::from(*k).to_value_string()).collect();
            q.and_where(col("funding_lines", "kind").is_in(kinds));
        }
        if let Some(currencies) = &filter.currency {
            q.and_where(col("funding_lines", "currency").is_in(currencies.iter().map(|c| c.0.clone())));
        }
        if let Some(funders) = &filter.funder {
            q.and_where(line_funder.clone().is_in(ids::expect_all(RecordType::Funder, funders)?));
        }
        if let Some(programmes) = &filter.programme {
            q.cond_where(in_programme_subtree(funding_line::Column::ProgrammeId, ids::expect_all(RecordType::Programme, programmes)?));
        }
        if let (Some(range), Some(year)) = (&filter.years, &year) {
            if let Some(from) = range.from {
                q.and_where(year.clone().gte(from));
            }
            if let Some(to) = range.to {
                q.and_where(year.clone().lte(to));
            }
        }
    }
    Ok(q.to_owned())
}

fn opt<T: sea_orm::TryGetable>(row: &QueryResult, column: &str, present: bool) -> Result<Option<T>, sea_orm::DbErr> {
    if present { row.try_get::<Option<T>>("", column) } else { Ok(None) }
}

// ---------------------------------------------------------------------------------------------
// Root fields

/// Root fields of analytics.
#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// Totals of funding lines grouped by any combination of keys, always per currency, with
    /// the number of projects and lines in each group. Computed by the database in one statement.
    async fn funding_totals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keys to group by; the currency is always added.")] group_by: Vec<FundingGroup>,
        #[graphql(desc = "How lines are assigned to years.", default)] year_mode: YearMode,
        #[graphql(desc = "Which lines to add up.")] filter: Option<FundingTotalsFilter>,
        #[graphql(desc = "Most groups to return (at most 10000).", default = 1000)] limit: u32,
    ) -> Result<FundingTotals> {
        if limit > MAX_GROUPS {
            return Err(ApiError::bad_input(format!("`limit` is at most {MAX_GROUPS}")).into());
        }
        let query = funding_totals_query(&group_by, year_mode, filter.as_ref(), limit)?;
        let has = |g: FundingGroup| group_by.contains(&g);
        let programme = has(FundingGroup::Programme) || has(FundingGroup::ProgrammeRoot) || has(FundingGroup::ProgrammeTree);
        let country = has(FundingGroup::LeadCountry) || has(FundingGroup::ParticipantCountry);
        let mut groups = rows(db(ctx)?, &query, |row| {
            Ok(FundingTotal {
                funder_id: opt(row, "g_funder", has(FundingGroup::Funder))?,
                programme_id: opt(row, "g_programme", programme)?,
                project_id: opt(row, "g_project", has(FundingGroup::Project))?,
                kind: opt(row, "g_kind", has(FundingGroup::Kind))?,
                country: opt(row, "g_country", country)?,
                year: opt(row, "g_year", has(FundingGroup::Year))?,
                currency: row.try_get("", "g_currency")?,
                amount_minor: row.try_get("", "amount_minor")?,
                project_count: row.try_get("", "project_count")?,
                line_count: row.try_get("", "line_count")?,
            })
        })
        .await?;
        let has_more = groups.len() > limit as usize;
        groups.truncate(limit as usize);
        Ok(FundingTotals { groups, has_more })
    }
}
