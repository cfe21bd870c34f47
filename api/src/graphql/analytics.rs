//! Analytics for dashboards: funding totals, yearly breakdowns, stated against computed totals,
//! partnership figures and outcome totals. Every figure is one GROUP BY statement run by the
//! database (never rows summed in Rust), so a figure costs the same number of statements
//! whatever the size of the data, and the results agree on SQLite and PostgreSQL.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::{ParticipationRole as StoredRole, RecordType};
use entity::{
    funding_line, funding_line_year, organisation, outcome, participation, programme,
    programme_ancestor, project,
};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, IntoColumnRef, JoinType, NullOrdering, Order, Query,
    SelectStatement, SimpleExpr,
};
use sea_orm::{ConnectionTrait, QueryResult};

use super::common::{LogicalFilter, db, loaders};
use super::enums::{FundingKind, OutcomeKind};
use super::funding::{Funder, Programme, in_programme_subtree};
use super::ids;
use super::organisation::Organisation;
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

/// `CAST(SUM(expr) AS BIGINT)`: an exact integer sum on both databases (PostgreSQL's SUM of a
/// bigint is a numeric).
fn exact_sum(expr: impl Into<Expr>) -> sea_orm::sea_query::FunctionCall {
    Func::cast_as(Func::sum(expr), alias("BIGINT"))
}

/// Collects `(key, value)` pairs into one list per key, in the order they come.
fn grouped_by_key<V>(pairs: Vec<(i32, V)>) -> std::collections::HashMap<i32, Vec<V>> {
    let mut grouped: std::collections::HashMap<i32, Vec<V>> = std::collections::HashMap::new();
    for (key, value) in pairs {
        grouped.entry(key).or_default().push(value);
    }
    grouped
}

/// Runs a query returning `key`, `currency` and `amount_minor` columns, as sums per key.
async fn currency_sums(
    db: &impl ConnectionTrait,
    query: &SelectStatement,
    key: &str,
) -> ApiResult<std::collections::HashMap<i32, Vec<(String, i64)>>> {
    let sums = rows(db, query, |row| {
        Ok((
            row.try_get::<i32>("", key)?,
            (
                row.try_get::<String>("", "currency")?,
                row.try_get::<i64>("", "amount_minor")?,
            ),
        ))
    })
    .await?;
    Ok(grouped_by_key(sums))
}

/// `project_id IN (projects matching filter)`, for figures restricted by a project filter.
fn projects_matching(
    column: impl IntoColumnRef,
    filter: Option<&ProjectFilter>,
) -> ApiResult<Option<Expr>> {
    let Some(filter) = filter else {
        return Ok(None);
    };
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
            col("organisations", "id")
                .equals((participation::Entity, participation::Column::OrganisationId)),
        )
        .and_where(col("participations", "role").ne(StoredRole::Funder.to_value_string()))
        .to_owned()
}

/// The country of each project's lead partner (the first listed, should there be several).
fn lead_countries() -> SelectStatement {
    Query::select()
        .expr_as(col("participations", "project_id"), alias("project_id"))
        .expr_as(
            Func::min(col("organisations", "country_code")),
            alias("country_code"),
        )
        .from(participation::Entity)
        .inner_join(
            organisation::Entity,
            col("organisations", "id")
                .equals((participation::Entity, participation::Column::OrganisationId)),
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

/// One group of funding lines and what they add up to.
#[Object]
impl FundingTotal {
    /// The funder, when grouping by `FUNDER` (null for lines without one).
    async fn funder(&self, ctx: &Context<'_>) -> Result<Option<Funder>> {
        let Some(id) = self.funder_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.funders.load_one(id).await?.map(Funder))
    }

    /// The programme, when grouping by a programme level.
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<Programme>> {
        let Some(id) = self.programme_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.programmes.load_one(id).await?.map(Programme))
    }

    /// The project, when grouping by `PROJECT`.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        let Some(id) = self.project_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.projects.load_one(id).await?.map(Project))
    }

    /// The kind of funding, when grouping by `KIND`.
    async fn kind(&self) -> Option<FundingKind> {
        self.kind
            .as_deref()
            .and_then(|k| sea_orm::ActiveEnum::try_from_value(&k.to_owned()).ok())
            .map(|k: entity::enums::FundingKind| k.into())
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
    let programme_groups = [
        FundingGroup::Programme,
        FundingGroup::ProgrammeRoot,
        FundingGroup::ProgrammeTree,
    ];
    if programme_groups.iter().filter(|g| has(**g)).count() > 1 {
        return Err(ApiError::bad_input(
            "group by at most one of PROGRAMME, PROGRAMME_ROOT and PROGRAMME_TREE",
        ));
    }
    if has(FundingGroup::LeadCountry) && has(FundingGroup::ParticipantCountry) {
        return Err(ApiError::bad_input(
            "group by LEAD_COUNTRY or PARTICIPANT_COUNTRY, not both",
        ));
    }
    let pro_rata = mode == YearMode::ProRata;
    let mut q = Query::select();
    q.from(funding_line::Entity).left_join(
        programme::Entity,
        col("programmes", "id").equals((funding_line::Entity, funding_line::Column::ProgrammeId)),
    );
    let line_funder: SimpleExpr = Func::coalesce([
        col("funding_lines", "funder_id"),
        col("programmes", "funder_id"),
    ])
    .into();
    let mut keys: Vec<(SimpleExpr, &str)> = Vec::new();
    if has(FundingGroup::Funder) {
        keys.push((line_funder.clone(), "g_funder"));
    }
    if has(FundingGroup::Programme) {
        keys.push((col("funding_lines", "programme_id"), "g_programme"));
    }
    if has(FundingGroup::ProgrammeRoot) || has(FundingGroup::ProgrammeTree) {
        let mut on = col("pa", "programme_id")
            .equals((funding_line::Entity, funding_line::Column::ProgrammeId));
        if has(FundingGroup::ProgrammeRoot) {
            // Only the top of the branch: one row per line, so nothing is counted twice.
            let roots = Query::select()
                .column(programme::Column::Id)
                .from(programme::Entity)
                .and_where(col("programmes", "parent_id").is_null())
                .to_owned();
            on = on.and(col("pa", "ancestor_id").in_subquery(roots));
        }
        q.join_as(
            JoinType::LeftJoin,
            programme_ancestor::Entity,
            alias("pa"),
            on,
        );
        keys.push((col("pa", "ancestor_id"), "g_programme"));
    }
    if has(FundingGroup::Project) {
        keys.push((col("funding_lines", "project_id"), "g_project"));
    }
    if has(FundingGroup::Kind) {
        keys.push((col("funding_lines", "kind"), "g_kind"));
    }
    if has(FundingGroup::LeadCountry) {
        q.join_subquery(
            JoinType::LeftJoin,
            lead_countries(),
            alias("lead"),
            col("lead", "project_id")
                .equals((funding_line::Entity, funding_line::Column::ProjectId)),
        );
        keys.push((col("lead", "country_code"), "g_country"));
    }
    if has(FundingGroup::ParticipantCountry) {
        q.join_subquery(
            JoinType::InnerJoin,
            project_countries(),
            alias("pc"),
            col("pc", "project_id").equals((funding_line::Entity, funding_line::Column::ProjectId)),
        );
        keys.push((col("pc", "country_code"), "g_country"));
    }
    let year: Option<SimpleExpr> = if pro_rata {
        q.left_join(
            funding_line_year::Entity,
            col("funding_line_years", "funding_line_id")
                .equals((funding_line::Entity, funding_line::Column::Id)),
        );
        Some(col("funding_line_years", "year"))
    } else if has(FundingGroup::Year) || filter.is_some_and(|f| f.years.is_some()) {
        q.inner_join(
            project::Entity,
            col("projects", "id").equals((funding_line::Entity, funding_line::Column::ProjectId)),
        );
        Some(col("projects", "start_year"))
    } else {
        None
    };
    if let Some(year) = year.as_ref().filter(|_| has(FundingGroup::Year)) {
        keys.push((year.clone(), "g_year"));
    }
    keys.push((col("funding_lines", "currency"), "g_currency"));

    let amount: SimpleExpr = if pro_rata {
        Func::coalesce([
            col("funding_line_years", "amount_minor"),
            col("funding_lines", "amount_minor"),
        ])
        .into()
    } else {
        col("funding_lines", "amount_minor")
    };
    for (expr, name) in &keys {
        q.expr_as(expr.clone(), alias(name));
    }
    // A line appears once per group, except in pro-rata mode without years, where each of its
    // yearly shares is a row: only then must lines be counted as distinct ids.
    let line_count: SimpleExpr = if pro_rata && !has(FundingGroup::Year) {
        Func::count_distinct(col("funding_lines", "id")).into()
    } else {
        Func::count(col("funding_lines", "id")).into()
    };
    q.expr_as(exact_sum(amount), alias("amount_minor"))
        .expr_as(
            Func::count_distinct(col("funding_lines", "project_id")),
            alias("project_count"),
        )
        .expr_as(line_count, alias("line_count"))
        .add_group_by(keys.iter().map(|(expr, _)| expr.clone()));
    for (expr, _) in &keys {
        q.order_by_expr_with_nulls(expr.clone(), Order::Asc, NullOrdering::Last);
    }
    q.limit(u64::from(limit) + 1);

    if let Some(filter) = filter {
        if let Some(condition) = projects_matching(
            (funding_line::Entity, funding_line::Column::ProjectId),
            filter.projects.as_ref(),
        )? {
            q.and_where(condition);
        }
        if let Some(kinds) = &filter.kind {
            let kinds: Vec<String> = kinds
                .iter()
                .map(|k| entity::enums::FundingKind::from(*k).to_value_string())
                .collect();
            q.and_where(col("funding_lines", "kind").is_in(kinds));
        }
        if let Some(currencies) = &filter.currency {
            q.and_where(
                col("funding_lines", "currency").is_in(currencies.iter().map(|c| c.0.clone())),
            );
        }
        if let Some(funders) = &filter.funder {
            q.and_where(
                line_funder
                    .clone()
                    .is_in(ids::expect_all(RecordType::Funder, funders)?),
            );
        }
        if let Some(programmes) = &filter.programme {
            q.cond_where(in_programme_subtree(
                funding_line::Column::ProgrammeId,
                ids::expect_all(RecordType::Programme, programmes)?,
            ));
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

fn opt<T: sea_orm::TryGetable>(
    row: &QueryResult,
    column: &str,
    present: bool,
) -> Result<Option<T>, sea_orm::DbErr> {
    if present {
        row.try_get::<Option<T>>("", column)
    } else {
        Ok(None)
    }
}

// ---------------------------------------------------------------------------------------------
// Stated against computed totals

/// Sums of each project's funding lines per currency: one GROUP BY for a batch of projects.
pub struct FundingSumsOf {
    pub db: sea_orm::DatabaseConnection,
}

impl async_graphql::dataloader::Loader<i32> for FundingSumsOf {
    type Value = Vec<(String, i64)>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> ApiResult<std::collections::HashMap<i32, Self::Value>> {
        let query = Query::select()
            .expr_as(col("funding_lines", "project_id"), alias("project_id"))
            .expr_as(col("funding_lines", "currency"), alias("currency"))
            .expr_as(
                exact_sum(col("funding_lines", "amount_minor")),
                alias("amount_minor"),
            )
            .from(funding_line::Entity)
            .and_where(col("funding_lines", "project_id").is_in(keys.iter().copied()))
            .add_group_by([
                col("funding_lines", "project_id"),
                col("funding_lines", "currency"),
            ])
            .order_by_expr(col("funding_lines", "currency"), Order::Asc)
            .to_owned();
        currency_sums(&self.db, &query, "project_id").await
    }
}

/// How a project's stated total compares with the sum of its funding lines.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundingCheckStatus {
    /// The lines add up to the stated total exactly.
    Matches,
    /// The lines add up to something else (or to other currencies).
    Mismatch,
    /// The source states no total.
    NoStatedTotal,
    /// The project has no funding lines to add up.
    NoLines,
}

/// A project's stated total next to the total computed from its funding lines.
#[derive(Debug, SimpleObject)]
pub struct FundingCheck {
    /// The total as the source states it.
    pub stated: Option<Money>,
    /// The sum of the funding lines, one per currency.
    pub computed: Vec<Money>,
    /// Computed minus stated, when both are in the same single currency.
    pub difference: Option<Money>,
    /// Whether the two agree.
    pub status: FundingCheckStatus,
}

/// Compares a stated total (in hundredths, with currency) with computed sums per currency.
pub fn funding_check(stated: Option<(i64, &str)>, computed: &[(String, i64)]) -> FundingCheck {
    let computed_money = computed
        .iter()
        .map(|(currency, amount)| Money::from_minor(*amount, currency))
        .collect();
    let (difference, status) = match (stated, computed) {
        (None, _) => (None, FundingCheckStatus::NoStatedTotal),
        (Some(_), []) => (None, FundingCheckStatus::NoLines),
        (Some((amount, currency)), [(line_currency, sum)]) if line_currency == currency => {
            let status = if *sum == amount {
                FundingCheckStatus::Matches
            } else {
                FundingCheckStatus::Mismatch
            };
            (Some(Money::from_minor(sum - amount, currency)), status)
        }
        (Some(_), _) => (None, FundingCheckStatus::Mismatch),
    };
    FundingCheck {
        stated: stated.map(|(amount, currency)| Money::from_minor(amount, currency)),
        computed: computed_money,
        difference,
        status,
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

/// Two organisations and the projects they share.
#[derive(Debug, Clone)]
pub struct OrganisationLink {
    organisation_a: i32,
    organisation_b: i32,
    shared_projects: i64,
}

/// Two organisations and the projects they share.
#[Object]
impl OrganisationLink {
    /// One organisation of the pair.
    async fn organisation_a(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(loaders(ctx)?
            .organisations
            .load_one(self.organisation_a)
            .await?
            .map(Organisation))
    }

    /// The other organisation of the pair.
    async fn organisation_b(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(loaders(ctx)?
            .organisations
            .load_one(self.organisation_b)
            .await?
            .map(Organisation))
    }

    /// Projects both take part in.
    async fn shared_projects(&self) -> i64 {
        self.shared_projects
    }
}

/// Distinct (project, organisation, country) triples of the partners of projects, funders left out.
fn project_partners(filter: Option<&ProjectFilter>) -> ApiResult<SelectStatement> {
    let mut q = Query::select();
    q.distinct()
        .expr_as(col("participations", "project_id"), alias("project_id"))
        .expr_as(
            col("participations", "organisation_id"),
            alias("organisation_id"),
        )
        .expr_as(col("organisations", "country_code"), alias("country_code"))
        .from(participation::Entity)
        .inner_join(
            organisation::Entity,
            col("organisations", "id")
                .equals((participation::Entity, participation::Column::OrganisationId)),
        )
        .and_where(col("participations", "role").ne(StoredRole::Funder.to_value_string()));
    if let Some(condition) = projects_matching(
        (participation::Entity, participation::Column::ProjectId),
        filter,
    )? {
        q.and_where(condition);
    }
    Ok(q.to_owned())
}

fn check_limit(limit: u32) -> ApiResult<u64> {
    if limit > MAX_GROUPS {
        return Err(ApiError::bad_input(format!(
            "`limit` is at most {MAX_GROUPS}"
        )));
    }
    Ok(u64::from(limit))
}

/// Pairs of values of `key` (a column of [`project_partners`]) that occur in the same projects,
/// with the number of projects they share, most shared first.
fn pair_network(
    key: &str,
    filter: Option<&ProjectFilter>,
    min_shared_projects: i32,
    limit: u32,
) -> ApiResult<SelectStatement> {
    let limit = check_limit(limit)?;
    let shared: SimpleExpr = Func::count_distinct(col("a", "project_id")).into();
    Ok(Query::select()
        .expr_as(col("a", key), alias("key_a"))
        .expr_as(col("b", key), alias("key_b"))
        .expr_as(shared.clone(), alias("shared_projects"))
        .from_subquery(project_partners(filter)?, alias("a"))
        .join_subquery(
            JoinType::InnerJoin,
            project_partners(filter)?,
            alias("b"),
            col("b", "project_id")
                .equals((alias("a"), alias("project_id")))
                .and(col("a", key).lt(col("b", key))),
        )
        .add_group_by([col("a", key), col("b", key)])
        .and_having(shared.clone().gte(min_shared_projects))
        .order_by_expr(shared, Order::Desc)
        .order_by_expr(col("a", key), Order::Asc)
        .order_by_expr(col("b", key), Order::Asc)
        .limit(limit)
        .to_owned())
}

/// Figures of one organisation.
#[derive(Debug, Clone)]
pub struct OrganisationFigures {
    pub organisation_id: i32,
}

/// Partners an organisation worked with more than once.
#[derive(Debug, Clone)]
pub struct RepeatPartner {
    organisation_id: i32,
    shared_projects: i64,
}

/// Partners an organisation worked with more than once.
#[Object]
impl RepeatPartner {
    /// The partner.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(loaders(ctx)?
            .organisations
            .load_one(self.organisation_id)
            .await?
            .map(Organisation))
    }

    /// Projects they share.
    async fn shared_projects(&self) -> i64 {
        self.shared_projects
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
            .unwrap_or_default())
    }
}

/// (projects led, projects as a non-lead partner) of each organisation: one GROUP BY per batch.
pub struct RoleCountsOf {
    pub db: sea_orm::DatabaseConnection,
}

impl async_graphql::dataloader::Loader<i32> for RoleCountsOf {
    type Value = (i64, i64);
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> ApiResult<std::collections::HashMap<i32, Self::Value>> {
        let lead = StoredRole::LeadPartner.to_value_string();
        let funder = StoredRole::Funder.to_value_string();
        let is_lead = col("participations", "role").eq(lead.clone());
        let is_partner = col("participations", "role")
            .ne(lead)
            .and(col("participations", "role").ne(funder));
        let query = Query::select()
            .expr_as(
                col("participations", "organisation_id"),
                alias("organisation_id"),
            )
            .expr_as(
                Func::count_distinct(
                    Expr::case(is_lead, col("participations", "project_id")).finally(Expr::null()),
                ),
                alias("as_lead"),
            )
            .expr_as(
                Func::count_distinct(
                    Expr::case(is_partner, col("participations", "project_id"))
                        .finally(Expr::null()),
                ),
                alias("as_partner"),
            )
            .from(participation::Entity)
            .and_where(col("participations", "organisation_id").is_in(keys.iter().copied()))
            .add_group_by([col("participations", "organisation_id")])
            .to_owned();
        let counts = rows(&self.db, &query, |row| {
            Ok((
                row.try_get::<i32>("", "organisation_id")?,
                (
                    row.try_get::<i64>("", "as_lead")?,
                    row.try_get::<i64>("", "as_partner")?,
                ),
            ))
        })
        .await?;
        Ok(counts.into_iter().collect())
    }
}

/// Funding per currency of the projects each organisation leads: one GROUP BY per batch.
pub struct FundingHandledBy {
    pub db: sea_orm::DatabaseConnection,
}

impl async_graphql::dataloader::Loader<i32> for FundingHandledBy {
    type Value = Vec<(String, i64)>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> ApiResult<std::collections::HashMap<i32, Self::Value>> {
        let query = Query::select()
            .expr_as(
                col("participations", "organisation_id"),
                alias("organisation_id"),
            )
            .expr_as(col("funding_lines", "currency"), alias("currency"))
            .expr_as(
                exact_sum(col("funding_lines", "amount_minor")),
                alias("amount_minor"),
            )
            .from(funding_line::Entity)
            .inner_join(
                participation::Entity,
                col("participations", "project_id")
                    .equals((funding_line::Entity, funding_line::Column::ProjectId)),
            )
            .and_where(col("participations", "organisation_id").is_in(keys.iter().copied()))
            .and_where(col("participations", "role").eq(StoredRole::LeadPartner.to_value_string()))
            .add_group_by([
                col("participations", "organisation_id"),
                col("funding_lines", "currency"),
            ])
            .order_by_expr(col("funding_lines", "currency"), Order::Asc)
            .to_owned();
        currency_sums(&self.db, &query, "organisation_id").await
    }
}

/// Partners each organisation shares two or more projects with: one GROUP BY per batch.
pub struct RepeatPartnersOf {
    pub db: sea_orm::DatabaseConnection,
}

impl async_graphql::dataloader::Loader<i32> for RepeatPartnersOf {
    type Value = Vec<RepeatPartner>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> ApiResult<std::collections::HashMap<i32, Self::Value>> {
        let shared: SimpleExpr = Func::count_distinct(col("a", "project_id")).into();
        let query = Query::select()
            .expr_as(col("a", "organisation_id"), alias("organisation_id"))
            .expr_as(col("b", "organisation_id"), alias("partner_id"))
            .expr_as(shared.clone(), alias("shared_projects"))
            .from_subquery(project_partners(None)?, alias("a"))
            .join_subquery(
                JoinType::InnerJoin,
                project_partners(None)?,
                alias("b"),
                col("b", "project_id").equals((alias("a"), alias("project_id"))),
            )
            .and_where(col("a", "organisation_id").is_in(keys.iter().copied()))
            .and_where(col("a", "organisation_id").ne(col("b", "organisation_id")))
            .add_group_by([col("a", "organisation_id"), col("b", "organisation_id")])
            .and_having(shared.clone().gte(2))
            .order_by_expr(shared, Order::Desc)
            .order_by_expr(col("b", "organisation_id"), Order::Asc)
            .to_owned();
        let pairs = rows(&self.db, &query, |row| {
            Ok((
                row.try_get::<i32>("", "organisation_id")?,
                RepeatPartner {
                    organisation_id: row.try_get("", "partner_id")?,
                    shared_projects: row.try_get("", "shared_projects")?,
                },
            ))
        })
        .await?;
        Ok(grouped_by_key(pairs))
    }
}

// ---------------------------------------------------------------------------------------------
// Outcome totals

/// What outcome totals can be grouped by; the unit is always part of a group.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
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
pub struct OutcomeTotal {
    project_id: Option<i32>,
    kind: Option<String>,
    unit: String,
    planned: Option<i64>,
    achieved: Option<i64>,
    outcome_count: i64,
    project_count: i64,
}

/// Planned against achieved quantities of a group of outcomes with one unit.
#[Object]
impl OutcomeTotal {
    /// The project, when grouping by `PROJECT`.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        let Some(id) = self.project_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.projects.load_one(id).await?.map(Project))
    }

    /// The kind of outcome, when grouping by `KIND`.
    async fn kind(&self) -> Option<OutcomeKind> {
        self.kind
            .as_deref()
            .and_then(|k| sea_orm::ActiveEnum::try_from_value(&k.to_owned()).ok())
            .map(|k: entity::enums::OutcomeKind| k.into())
    }

    /// The unit of the quantities, e.g. `people`.
    async fn unit(&self) -> &str {
        &self.unit
    }

    /// Sum of the planned quantities (null when none is planned).
    async fn planned(&self) -> Option<i64> {
        self.planned
    }

    /// Sum of the achieved quantities (null when no source reports any).
    async fn achieved(&self) -> Option<i64> {
        self.achieved
    }

    /// Number of outcomes in the group.
    async fn outcome_count(&self) -> i64 {
        self.outcome_count
    }

    /// Number of projects in the group.
    async fn project_count(&self) -> i64 {
        self.project_count
    }
}

fn outcome_totals_query(
    group_by: &[OutcomeGroup],
    filter: Option<&OutcomeTotalsFilter>,
    limit: u64,
) -> ApiResult<SelectStatement> {
    let mut keys: Vec<(SimpleExpr, &str)> = Vec::new();
    if group_by.contains(&OutcomeGroup::Project) {
        keys.push((col("outcomes", "project_id"), "g_project"));
    }
    if group_by.contains(&OutcomeGroup::Kind) {
        keys.push((col("outcomes", "kind"), "g_kind"));
    }
    keys.push((col("outcomes", "unit"), "g_unit"));
    let mut q = Query::select();
    q.from(outcome::Entity)
        .and_where(col("outcomes", "unit").is_not_null());
    for (expr, name) in &keys {
        q.expr_as(expr.clone(), alias(name));
    }
    q.expr_as(
        exact_sum(col("outcomes", "planned_quantity")),
        alias("planned"),
    )
    .expr_as(
        exact_sum(col("outcomes", "achieved_quantity")),
        alias("achieved"),
    )
    .expr_as(Func::count(col("outcomes", "id")), alias("outcome_count"))
    .expr_as(
        Func::count_distinct(col("outcomes", "project_id")),
        alias("project_count"),
    )
    .add_group_by(keys.iter().map(|(expr, _)| expr.clone()));
    for (expr, _) in &keys {
        q.order_by_expr_with_nulls(expr.clone(), Order::Asc, NullOrdering::Last);
    }
    q.limit(limit + 1);
    if let Some(filter) = filter {
        if let Some(condition) = projects_matching(
            (outcome::Entity, outcome::Column::ProjectId),
            filter.projects.as_ref(),
        )? {
            q.and_where(condition);
        }
        if let Some(kinds) = &filter.kind {
            let kinds: Vec<String> = kinds
                .iter()
                .map(|k| entity::enums::OutcomeKind::from(*k).to_value_string())
                .collect();
            q.and_where(col("outcomes", "kind").is_in(kinds));
        }
        if let Some(units) = &filter.unit {
            q.and_where(col("outcomes", "unit").is_in(units.iter().cloned()));
        }
    }
    Ok(q.to_owned())
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
        #[graphql(desc = "Keys to group by; the currency is always added.")] group_by: Vec<
            FundingGroup,
        >,
        #[graphql(desc = "How lines are assigned to years.", default)] year_mode: YearMode,
        #[graphql(desc = "Which lines to add up.")] filter: Option<FundingTotalsFilter>,
        #[graphql(desc = "Most groups to return (at most 10000).", default = 1000)] limit: u32,
    ) -> Result<FundingTotals> {
        if limit > MAX_GROUPS {
            return Err(ApiError::bad_input(format!("`limit` is at most {MAX_GROUPS}")).into());
        }
        let query = funding_totals_query(&group_by, year_mode, filter.as_ref(), limit)?;
        let has = |g: FundingGroup| group_by.contains(&g);
        let programme = has(FundingGroup::Programme)
            || has(FundingGroup::ProgrammeRoot)
            || has(FundingGroup::ProgrammeTree);
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

    /// Planned against achieved quantities of outcomes, summed per unit (people trained,
    /// events held, centres set up), optionally per project and kind.
    async fn outcome_totals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Keys to group by; the unit is always added.", default)] group_by: Vec<
            OutcomeGroup,
        >,
        #[graphql(desc = "Which outcomes to add up.")] filter: Option<OutcomeTotalsFilter>,
        #[graphql(desc = "Most groups to return (at most 10000).", default = 1000)] limit: u32,
    ) -> Result<Vec<OutcomeTotal>> {
        let limit = check_limit(limit)?;
        let query = outcome_totals_query(&group_by, filter.as_ref(), limit)?;
        let by_project = group_by.contains(&OutcomeGroup::Project);
        let by_kind = group_by.contains(&OutcomeGroup::Kind);
        let mut totals = rows(db(ctx)?, &query, |row| {
            Ok(OutcomeTotal {
                project_id: opt(row, "g_project", by_project)?,
                kind: opt(row, "g_kind", by_kind)?,
                unit: row.try_get("", "g_unit")?,
                planned: row.try_get("", "planned")?,
                achieved: row.try_get("", "achieved")?,
                outcome_count: row.try_get("", "outcome_count")?,
                project_count: row.try_get("", "project_count")?,
            })
        })
        .await?;
        totals.truncate(limit as usize);
        Ok(totals)
    }

    /// Per country: projects with partners from it, projects it leads, organisations from it.
    async fn country_figures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these projects.")] filter: Option<ProjectFilter>,
    ) -> Result<Vec<CountryFigures>> {
        let lead = StoredRole::LeadPartner.to_value_string();
        let mut q = Query::select();
        q.expr_as(col("organisations", "country_code"), alias("country"))
            .expr_as(
                Func::count_distinct(col("participations", "project_id")),
                alias("project_count"),
            )
            .expr_as(
                Func::count_distinct(
                    Expr::case(
                        col("participations", "role").eq(lead),
                        col("participations", "project_id"),
                    )
                    .finally(Expr::null()),
                ),
                alias("lead_project_count"),
            )
            .expr_as(
                Func::count_distinct(col("organisations", "id")),
                alias("organisation_count"),
            )
            .from(participation::Entity)
            .inner_join(
                organisation::Entity,
                col("organisations", "id")
                    .equals((participation::Entity, participation::Column::OrganisationId)),
            )
            .and_where(col("participations", "role").ne(StoredRole::Funder.to_value_string()))
            .add_group_by([col("organisations", "country_code")])
            .order_by_expr(col("organisations", "country_code"), Order::Asc);
        if let Some(condition) = projects_matching(
            (participation::Entity, participation::Column::ProjectId),
            filter.as_ref(),
        )? {
            q.and_where(condition);
        }
        Ok(rows(db(ctx)?, &q.to_owned(), |row| {
            Ok(CountryFigures {
                country: CountryCode(row.try_get("", "country")?),
                project_count: row.try_get("", "project_count")?,
                lead_project_count: row.try_get("", "lead_project_count")?,
                organisation_count: row.try_get("", "organisation_count")?,
            })
        })
        .await?)
    }

    /// Totals over the projects a filter selects: projects, cross-border projects, countries and
    /// organisations.
    async fn partnership_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these projects.")] filter: Option<ProjectFilter>,
    ) -> Result<PartnershipSummary> {
        let per_project = Query::select()
            .expr_as(col("pp", "project_id"), alias("project_id"))
            .expr_as(
                Func::count_distinct(col("pp", "country_code")),
                alias("countries"),
            )
            .from_subquery(project_partners(filter.as_ref())?, alias("pp"))
            .add_group_by([col("pp", "project_id")])
            .to_owned();
        let mut projects = Query::select();
        projects
            .expr_as(Func::count(col("projects", "id")), alias("n"))
            .from(project::Entity);
        if let Some(filter) = &filter {
            projects.cond_where(filter.condition()?);
        }
        let query = Query::select()
            .expr_as(
                Expr::expr(Expr::SubQuery(None, Box::new(projects.to_owned().into()))),
                alias("project_count"),
            )
            .expr_as(
                Func::count(
                    Expr::case(col("per_project", "countries").gte(2), 1).finally(Expr::null()),
                ),
                alias("cross_border_project_count"),
            )
            .from_subquery(per_project, alias("per_project"))
            .to_owned();
        let partners = Query::select()
            .expr_as(
                Func::count_distinct(col("pp", "country_code")),
                alias("country_count"),
            )
            .expr_as(
                Func::count_distinct(col("pp", "organisation_id")),
                alias("organisation_count"),
            )
            .from_subquery(project_partners(filter.as_ref())?, alias("pp"))
            .to_owned();
        let db = db(ctx)?;
        let head = rows(db, &query, |row| {
            Ok((
                row.try_get::<i64>("", "project_count")?,
                row.try_get::<i64>("", "cross_border_project_count")?,
            ))
        })
        .await?;
        let tail = rows(db, &partners, |row| {
            Ok((
                row.try_get::<i64>("", "country_count")?,
                row.try_get::<i64>("", "organisation_count")?,
            ))
        })
        .await?;
        let (project_count, cross_border_project_count) = head.first().copied().unwrap_or((0, 0));
        let (country_count, organisation_count) = tail.first().copied().unwrap_or((0, 0));
        Ok(PartnershipSummary {
            project_count,
            cross_border_project_count,
            country_count,
            organisation_count,
        })
    }

    /// Pairs of countries whose organisations share projects, most shared first.
    async fn country_network(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these projects.")] filter: Option<ProjectFilter>,
        #[graphql(desc = "Only pairs sharing at least this many projects.", default = 1)]
        min_shared_projects: i32,
        #[graphql(desc = "Most pairs to return (at most 10000).", default = 1000)] limit: u32,
    ) -> Result<Vec<CountryLink>> {
        let query = pair_network("country_code", filter.as_ref(), min_shared_projects, limit)?;
        Ok(rows(db(ctx)?, &query, |row| {
            Ok(CountryLink {
                country_a: CountryCode(row.try_get("", "key_a")?),
                country_b: CountryCode(row.try_get("", "key_b")?),
                shared_projects: row.try_get("", "shared_projects")?,
            })
        })
        .await?)
    }

    /// Pairs of organisations that share projects, most shared first.
    async fn organisation_network(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these projects.")] filter: Option<ProjectFilter>,
        #[graphql(desc = "Only pairs sharing at least this many projects.", default = 1)]
        min_shared_projects: i32,
        #[graphql(desc = "Most pairs to return (at most 10000).", default = 1000)] limit: u32,
    ) -> Result<Vec<OrganisationLink>> {
        let query = pair_network(
            "organisation_id",
            filter.as_ref(),
            min_shared_projects,
            limit,
        )?;
        Ok(rows(db(ctx)?, &query, |row| {
            Ok(OrganisationLink {
                organisation_a: row.try_get("", "key_a")?,
                organisation_b: row.try_get("", "key_b")?,
                shared_projects: row.try_get("", "shared_projects")?,
            })
        })
        .await?)
    }
}
