//! The analytics SQL behind dashboards: funding totals, outcome totals, country figures,
//! partnership summaries, collaboration networks, and the per-record figures the loaders batch.
//! Every figure is one GROUP BY statement run by the database (never rows summed in Rust), so
//! a figure costs the same number of statements whatever the size of the data, and the
//! results agree on SQLite and PostgreSQL.

use std::collections::HashMap;

use entity::enums::{FundingKind, OutcomeKind, ParticipationRole as StoredRole};
use entity::{
    funding_line, funding_line_rollup, funding_line_year, organisation, outcome, participation,
    programme, programme_ancestor, project,
};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, IntoColumnRef, JoinType, NullOrdering, Order, Query,
    SelectStatement, SimpleExpr,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult};

use super::filter::one_of;
use super::funding::{ALL_FUNDER_ROUTES, FunderRoute, programme_subtree, project_funders};
use super::projects::{ProjectFilter, ids_matching};
use crate::domain::project::CROSS_BORDER_COUNTRIES;
use crate::error::{ApiError, ApiResult};

/// Most groups one analytics query returns.
pub const MAX_GROUPS: u32 = 10_000;

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

/// Groups `q` by its key expressions, orders the groups by them (NULLs last), and fetches one
/// group more than `limit` so a cut list can say so.
fn group_by_keys(q: &mut SelectStatement, keys: &[(SimpleExpr, &str)], limit: u64) {
    q.add_group_by(keys.iter().map(|(expr, _)| expr.clone()));
    for (expr, _) in keys {
        q.order_by_expr_with_nulls(expr.clone(), Order::Asc, NullOrdering::Last);
    }
    q.limit(limit + 1);
}

/// Collects `(key, value)` pairs into one list per key, in the order they come.
fn grouped_by_key<V>(pairs: Vec<(i32, V)>) -> HashMap<i32, Vec<V>> {
    let mut grouped: HashMap<i32, Vec<V>> = HashMap::new();
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
) -> ApiResult<HashMap<i32, Vec<(String, i64)>>> {
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

/// `column IN (projects matching filter)`, for figures restricted by a project filter.
fn projects_matching(
    column: impl IntoColumnRef,
    filter: Option<&ProjectFilter>,
) -> ApiResult<Option<Expr>> {
    let Some(filter) = filter else {
        return Ok(None);
    };
    Ok(Some(Expr::col(column).in_subquery(ids_matching(filter)?)))
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

/// What funding totals can be grouped by; the currency is always part of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundingGroup {
    Funder,
    Programme,
    ProgrammeRoot,
    ProgrammeTree,
    Project,
    Kind,
    LeadCountry,
    ParticipantCountry,
    Year,
}

/// How funding is assigned to years (see `domain::funding::year_shares` for pro rata).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum YearMode {
    #[default]
    StartYear,
    ProRata,
}

/// Which funding lines to add up. All given conditions must hold.
#[derive(Debug, Clone, Default)]
pub struct FundingTotalsFilter {
    pub projects: Option<ProjectFilter>,
    pub kinds: Option<Vec<FundingKind>>,
    pub currencies: Option<Vec<String>>,
    /// The line's own funder, else its programme's.
    pub funders: Option<Vec<i32>>,
    /// Programmes or any programme below them.
    pub programmes: Option<Vec<i32>>,
    /// First and last year (inclusive), of the year mode's years.
    pub years: Option<(Option<i32>, Option<i32>)>,
}

/// One group of funding lines and what they add up to; keys not grouped by are `None`.
#[derive(Debug, Clone)]
pub struct FundingTotalRow {
    pub funder_id: Option<i32>,
    pub programme_id: Option<i32>,
    pub project_id: Option<i32>,
    pub kind: Option<FundingKind>,
    pub country: Option<String>,
    pub year: Option<i32>,
    pub currency: String,
    pub amount_minor: i64,
    pub project_count: i64,
    pub line_count: i64,
}

/// Groups of a figure, and whether the limit cut some off.
#[derive(Debug, Clone)]
pub struct Groups<T> {
    pub groups: Vec<T>,
    /// True when more groups matched than the limit allowed.
    pub has_more: bool,
}

impl<T> Groups<T> {
    /// The first `limit` of `rows` (fetched with one row more than the limit).
    fn cut(mut rows: Vec<T>, limit: u64) -> Self {
        let has_more = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Self {
            groups: rows,
            has_more,
        }
    }
}

/// Refuses a limit above [`MAX_GROUPS`].
pub fn check_limit(limit: u32) -> ApiResult<u64> {
    if limit > MAX_GROUPS {
        return Err(ApiError::bad_input(format!(
            "`limit` is at most {MAX_GROUPS}"
        )));
    }
    Ok(u64::from(limit))
}

/// Which figures of each group to compute besides the amount. Counting distinct projects is
/// the dearest part of the statement, so it is left out when nobody asked for it.
#[derive(Debug, Clone, Copy)]
pub struct FundingMeasures {
    pub project_count: bool,
    pub line_count: bool,
}

/// Funding lines grouped by `group_by` (and currency), at most `limit` groups. The counts not
/// in `measures` come back as 0.
pub async fn funding_totals(
    db: &impl ConnectionTrait,
    group_by: &[FundingGroup],
    mode: YearMode,
    filter: Option<&FundingTotalsFilter>,
    limit: u32,
    measures: FundingMeasures,
) -> ApiResult<Groups<FundingTotalRow>> {
    let limit = check_limit(limit)?;
    let query = funding_totals_query(group_by, mode, filter, limit, measures)?;
    let has = |g: FundingGroup| group_by.contains(&g);
    let programme = has(FundingGroup::Programme)
        || has(FundingGroup::ProgrammeRoot)
        || has(FundingGroup::ProgrammeTree);
    let country = has(FundingGroup::LeadCountry) || has(FundingGroup::ParticipantCountry);
    let groups = rows(db, &query, |row| {
        Ok(FundingTotalRow {
            funder_id: opt(row, "g_funder", has(FundingGroup::Funder))?,
            programme_id: opt(row, "g_programme", programme)?,
            project_id: opt(row, "g_project", has(FundingGroup::Project))?,
            kind: opt::<String>(row, "g_kind", has(FundingGroup::Kind))?
                .and_then(|k| sea_orm::ActiveEnum::try_from_value(&k).ok()),
            country: opt(row, "g_country", country)?,
            year: opt(row, "g_year", has(FundingGroup::Year))?,
            currency: row.try_get("", "g_currency")?,
            amount_minor: row.try_get("", "amount_minor")?,
            project_count: opt(row, "project_count", measures.project_count)?.unwrap_or(0),
            line_count: opt(row, "line_count", measures.line_count)?.unwrap_or(0),
        })
    })
    .await?;
    Ok(Groups::cut(groups, limit))
}

/// The funding lines of `fundingTotals`: the table itself, or its rollup when that answers.
const LINES: &str = "lines";

/// True when the rollup of funding lines (sums per funder, programme, kind, currency and start
/// year) gives the same totals as the lines: the groups and filters use only those attributes
/// and no project is counted.
fn rollup_answers(
    group_by: &[FundingGroup],
    mode: YearMode,
    filter: Option<&FundingTotalsFilter>,
    measures: FundingMeasures,
) -> bool {
    let per_project = [
        FundingGroup::Project,
        FundingGroup::LeadCountry,
        FundingGroup::ParticipantCountry,
    ];
    mode == YearMode::StartYear
        && !measures.project_count
        && !group_by.iter().any(|g| per_project.contains(g))
        && filter.is_none_or(|f| f.projects.is_none())
}

/// Builds the one statement behind `fundingTotals`.
fn funding_totals_query(
    group_by: &[FundingGroup],
    mode: YearMode,
    filter: Option<&FundingTotalsFilter>,
    limit: u64,
    measures: FundingMeasures,
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
    let rollup = rollup_answers(group_by, mode, filter, measures);
    let mut q = Query::select();
    if rollup {
        q.from_as(funding_line_rollup::Entity, alias(LINES));
    } else {
        q.from_as(funding_line::Entity, alias(LINES));
    }
    q.left_join(
        programme::Entity,
        col("programmes", "id").equals((alias(LINES), alias("programme_id"))),
    );
    let line_funder: SimpleExpr =
        Func::coalesce([col(LINES, "funder_id"), col("programmes", "funder_id")]).into();
    let mut keys: Vec<(SimpleExpr, &str)> = Vec::new();
    if has(FundingGroup::Funder) {
        keys.push((line_funder.clone(), "g_funder"));
    }
    if has(FundingGroup::Programme) {
        keys.push((col(LINES, "programme_id"), "g_programme"));
    }
    if has(FundingGroup::ProgrammeRoot) || has(FundingGroup::ProgrammeTree) {
        let mut on = col("pa", "programme_id").equals((alias(LINES), alias("programme_id")));
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
        keys.push((col(LINES, "project_id"), "g_project"));
    }
    if has(FundingGroup::Kind) {
        keys.push((col(LINES, "kind"), "g_kind"));
    }
    if has(FundingGroup::LeadCountry) {
        q.join_subquery(
            JoinType::LeftJoin,
            lead_countries(),
            alias("lead"),
            col("lead", "project_id").equals((alias(LINES), alias("project_id"))),
        );
        keys.push((col("lead", "country_code"), "g_country"));
    }
    if has(FundingGroup::ParticipantCountry) {
        q.join_subquery(
            JoinType::InnerJoin,
            project_countries(),
            alias("pc"),
            col("pc", "project_id").equals((alias(LINES), alias("project_id"))),
        );
        keys.push((col("pc", "country_code"), "g_country"));
    }
    let year: Option<SimpleExpr> = if rollup {
        Some(col(LINES, "start_year"))
    } else if pro_rata {
        q.left_join(
            funding_line_year::Entity,
            col("funding_line_years", "funding_line_id").equals((alias(LINES), alias("id"))),
        );
        Some(col("funding_line_years", "year"))
    } else if has(FundingGroup::Year) || filter.is_some_and(|f| f.years.is_some()) {
        q.inner_join(
            project::Entity,
            col("projects", "id").equals((alias(LINES), alias("project_id"))),
        );
        Some(col("projects", "start_year"))
    } else {
        None
    };
    if let Some(year) = year.as_ref().filter(|_| has(FundingGroup::Year)) {
        keys.push((year.clone(), "g_year"));
    }
    keys.push((col(LINES, "currency"), "g_currency"));

    let amount: SimpleExpr = if pro_rata {
        Func::coalesce([
            col("funding_line_years", "amount_minor"),
            col(LINES, "amount_minor"),
        ])
        .into()
    } else {
        col(LINES, "amount_minor")
    };
    for (expr, name) in &keys {
        q.expr_as(expr.clone(), alias(name));
    }
    // A line appears once per group, except in pro-rata mode without years, where each of its
    // yearly shares is a row: only then must lines be counted as distinct ids.
    let line_count: SimpleExpr = if rollup {
        exact_sum(col(LINES, "line_count")).into()
    } else if pro_rata && !has(FundingGroup::Year) {
        Func::count_distinct(col(LINES, "id")).into()
    } else {
        Func::count(col(LINES, "id")).into()
    };
    q.expr_as(exact_sum(amount), alias("amount_minor"));
    if measures.project_count {
        q.expr_as(
            Func::count_distinct(col(LINES, "project_id")),
            alias("project_count"),
        );
    }
    if measures.line_count {
        q.expr_as(line_count, alias("line_count"));
    }
    group_by_keys(&mut q, &keys, limit);

    if let Some(filter) = filter {
        if let Some(condition) = projects_matching(
            (alias(LINES), alias("project_id")),
            filter.projects.as_ref(),
        )? {
            q.and_where(condition);
        }
        if let Some(kinds) = &filter.kinds {
            let kinds: Vec<String> = kinds.iter().map(|k| k.to_value_string()).collect();
            q.and_where(col(LINES, "kind").is_in(kinds));
        }
        if let Some(currencies) = &filter.currencies {
            q.and_where(col(LINES, "currency").is_in(currencies.iter().cloned()));
        }
        if let Some(funders) = &filter.funders {
            q.and_where(line_funder.clone().is_in(funders.iter().copied()));
        }
        if let Some(programmes) = &filter.programmes {
            q.and_where(
                col(LINES, "programme_id").in_subquery(programme_subtree(programmes.clone())),
            );
        }
        if let (Some((from, to)), Some(year)) = (&filter.years, &year) {
            if let Some(from) = from {
                q.and_where(year.clone().gte(*from));
            }
            if let Some(to) = to {
                q.and_where(year.clone().lte(*to));
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

/// Sums of each project's funding lines per currency: one GROUP BY for a batch of projects.
pub struct FundingSumsOf {
    pub db: DatabaseConnection,
}

impl async_graphql::dataloader::Loader<i32> for FundingSumsOf {
    type Value = Vec<(String, i64)>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> ApiResult<HashMap<i32, Self::Value>> {
        let query = Query::select()
            .expr_as(col("funding_lines", "project_id"), alias("project_id"))
            .expr_as(col("funding_lines", "currency"), alias("currency"))
            .expr_as(
                exact_sum(col("funding_lines", "amount_minor")),
                alias("amount_minor"),
            )
            .from(funding_line::Entity)
            .and_where(one_of(
                (alias("funding_lines"), alias("project_id")),
                keys,
                self.db.get_database_backend(),
            ))
            .add_group_by([
                col("funding_lines", "project_id"),
                col("funding_lines", "currency"),
            ])
            .order_by_expr(col("funding_lines", "currency"), Order::Asc)
            .to_owned();
        currency_sums(&self.db, &query, "project_id").await
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

/// Pairs of values of `key` (a column of [`project_partners`]) that occur in the same projects,
/// with the number of projects they share, most shared first.
fn pair_network(
    key: &str,
    filter: Option<&ProjectFilter>,
    involving: Option<sea_orm::Value>,
    min_shared_projects: i32,
    limit: u64,
) -> ApiResult<SelectStatement> {
    let shared: SimpleExpr = Func::count_distinct(col("a", "project_id")).into();
    // Each pair once: ordered by key, or with the key asked about always on side `a`.
    let sides = match involving {
        Some(value) => col("a", key)
            .eq(Expr::val(value.clone()))
            .and(col("b", key).ne(Expr::val(value))),
        None => col("a", key).lt(col("b", key)),
    };
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
                .and(sides),
        )
        .add_group_by([col("a", key), col("b", key)])
        .and_having(shared.clone().gte(min_shared_projects))
        .order_by_expr(shared, Order::Desc)
        .order_by_expr(col("a", key), Order::Asc)
        .order_by_expr(col("b", key), Order::Asc)
        .limit(limit + 1)
        .to_owned())
}

/// (projects led, projects as a non-lead partner) of each organisation: one GROUP BY per batch.
pub struct RoleCountsOf {
    pub db: DatabaseConnection,
}

impl async_graphql::dataloader::Loader<i32> for RoleCountsOf {
    type Value = (i64, i64);
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> ApiResult<HashMap<i32, Self::Value>> {
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
            .and_where(one_of(
                (alias("participations"), alias("organisation_id")),
                keys,
                self.db.get_database_backend(),
            ))
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
    pub db: DatabaseConnection,
}

impl async_graphql::dataloader::Loader<i32> for FundingHandledBy {
    type Value = Vec<(String, i64)>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> ApiResult<HashMap<i32, Self::Value>> {
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
            .and_where(one_of(
                (alias("participations"), alias("organisation_id")),
                keys,
                self.db.get_database_backend(),
            ))
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
    pub db: DatabaseConnection,
}

/// A partner an organisation shares two or more projects with.
#[derive(Debug, Clone)]
pub struct RepeatPartnerRow {
    pub organisation_id: i32,
    pub shared_projects: i64,
}

impl async_graphql::dataloader::Loader<i32> for RepeatPartnersOf {
    type Value = Vec<RepeatPartnerRow>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> ApiResult<HashMap<i32, Self::Value>> {
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
            .and_where(one_of(
                (alias("a"), alias("organisation_id")),
                keys,
                self.db.get_database_backend(),
            ))
            .and_where(col("a", "organisation_id").ne(col("b", "organisation_id")))
            .add_group_by([col("a", "organisation_id"), col("b", "organisation_id")])
            .and_having(shared.clone().gte(2))
            .order_by_expr(shared, Order::Desc)
            .order_by_expr(col("b", "organisation_id"), Order::Asc)
            .to_owned();
        let pairs = rows(&self.db, &query, |row| {
            Ok((
                row.try_get::<i32>("", "organisation_id")?,
                RepeatPartnerRow {
                    organisation_id: row.try_get("", "partner_id")?,
                    shared_projects: row.try_get("", "shared_projects")?,
                },
            ))
        })
        .await?;
        Ok(grouped_by_key(pairs))
    }
}

/// What outcome totals can be grouped by; the unit is always part of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeGroup {
    Project,
    Kind,
}

/// Which outcomes to add up. All given conditions must hold.
#[derive(Debug, Clone, Default)]
pub struct OutcomeTotalsFilter {
    pub projects: Option<ProjectFilter>,
    pub kinds: Option<Vec<OutcomeKind>>,
    pub units: Option<Vec<String>>,
}

/// Planned against achieved quantities of a group of outcomes with one unit.
#[derive(Debug, Clone)]
pub struct OutcomeTotalRow {
    pub project_id: Option<i32>,
    pub kind: Option<OutcomeKind>,
    pub unit: String,
    pub planned: Option<i64>,
    pub achieved: Option<i64>,
    pub outcome_count: i64,
    pub project_count: i64,
}

/// Outcome quantities summed per unit (and `group_by`), at most `limit` groups.
pub async fn outcome_totals(
    db: &impl ConnectionTrait,
    group_by: &[OutcomeGroup],
    filter: Option<&OutcomeTotalsFilter>,
    limit: u32,
) -> ApiResult<Groups<OutcomeTotalRow>> {
    let limit = check_limit(limit)?;
    let query = outcome_totals_query(group_by, filter, limit)?;
    let by_project = group_by.contains(&OutcomeGroup::Project);
    let by_kind = group_by.contains(&OutcomeGroup::Kind);
    let totals = rows(db, &query, |row| {
        Ok(OutcomeTotalRow {
            project_id: opt(row, "g_project", by_project)?,
            kind: opt::<String>(row, "g_kind", by_kind)?
                .and_then(|k| sea_orm::ActiveEnum::try_from_value(&k).ok()),
            unit: row.try_get("", "g_unit")?,
            planned: row.try_get("", "planned")?,
            achieved: row.try_get("", "achieved")?,
            outcome_count: row.try_get("", "outcome_count")?,
            project_count: row.try_get("", "project_count")?,
        })
    })
    .await?;
    Ok(Groups::cut(totals, limit))
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
    );
    group_by_keys(&mut q, &keys, limit);
    if let Some(filter) = filter {
        if let Some(condition) = projects_matching(
            (outcome::Entity, outcome::Column::ProjectId),
            filter.projects.as_ref(),
        )? {
            q.and_where(condition);
        }
        if let Some(kinds) = &filter.kinds {
            let kinds: Vec<String> = kinds.iter().map(|k| k.to_value_string()).collect();
            q.and_where(col("outcomes", "kind").is_in(kinds));
        }
        if let Some(units) = &filter.units {
            q.and_where(col("outcomes", "unit").is_in(units.iter().cloned()));
        }
    }
    Ok(q.to_owned())
}

/// Projects and organisations of one country.
#[derive(Debug, Clone)]
pub struct CountryFiguresRow {
    pub country: String,
    pub project_count: i64,
    pub lead_project_count: i64,
    pub organisation_count: i64,
}

/// Per country: projects with partners from it, projects it leads, organisations from it.
pub async fn country_figures(
    db: &impl ConnectionTrait,
    filter: Option<&ProjectFilter>,
) -> ApiResult<Vec<CountryFiguresRow>> {
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
        filter,
    )? {
        q.and_where(condition);
    }
    rows(db, &q.to_owned(), |row| {
        Ok(CountryFiguresRow {
            country: row.try_get("", "country")?,
            project_count: row.try_get("", "project_count")?,
            lead_project_count: row.try_get("", "lead_project_count")?,
            organisation_count: row.try_get("", "organisation_count")?,
        })
    })
    .await
}

/// Totals over the projects a filter selects.
#[derive(Debug, Clone, Copy, Default)]
pub struct PartnershipSummaryRow {
    pub project_count: i64,
    pub cross_border_project_count: i64,
    pub country_count: i64,
    pub organisation_count: i64,
}

/// Projects, cross-border projects, countries and organisations of the projects `filter`
/// selects: two statements.
pub async fn partnership_summary(
    db: &impl ConnectionTrait,
    filter: Option<&ProjectFilter>,
) -> ApiResult<PartnershipSummaryRow> {
    let per_project = Query::select()
        .expr_as(col("pp", "project_id"), alias("project_id"))
        .expr_as(
            Func::count_distinct(col("pp", "country_code")),
            alias("countries"),
        )
        .from_subquery(project_partners(filter)?, alias("pp"))
        .add_group_by([col("pp", "project_id")])
        .to_owned();
    let mut projects = Query::select();
    projects
        .expr_as(Func::count(col("projects", "id")), alias("n"))
        .from(project::Entity);
    if let Some(filter) = filter {
        projects.cond_where(filter.condition()?);
    }
    let cross_border = col("per_project", "countries").gte(CROSS_BORDER_COUNTRIES as i32);
    let query = Query::select()
        .expr_as(
            Expr::expr(Expr::SubQuery(None, Box::new(projects.to_owned().into()))),
            alias("project_count"),
        )
        .expr_as(
            Func::count(Expr::case(cross_border, 1).finally(Expr::null())),
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
        .from_subquery(project_partners(filter)?, alias("pp"))
        .to_owned();
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
    Ok(PartnershipSummaryRow {
        project_count,
        cross_border_project_count,
        country_count,
        organisation_count,
    })
}

/// Two countries or organisations and the projects they share.
#[derive(Debug, Clone)]
pub struct PairRow<K> {
    pub a: K,
    pub b: K,
    pub shared_projects: i64,
}

/// Who is paired in a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkOf {
    Countries,
    Organisations,
}

/// Pairs of countries or organisations whose partners share projects, most shared first.
pub async fn network<K: sea_orm::TryGetable + Into<sea_orm::Value>>(
    db: &impl ConnectionTrait,
    of: NetworkOf,
    filter: Option<&ProjectFilter>,
    involving: Option<K>,
    min_shared_projects: i32,
    limit: u32,
) -> ApiResult<Groups<PairRow<K>>> {
    let limit = check_limit(limit)?;
    let key = match of {
        NetworkOf::Countries => "country_code",
        NetworkOf::Organisations => "organisation_id",
    };
    let query = pair_network(
        key,
        filter,
        involving.map(Into::into),
        min_shared_projects,
        limit,
    )?;
    let pairs = rows(db, &query, |row| {
        Ok(PairRow {
            a: row.try_get("", "key_a")?,
            b: row.try_get("", "key_b")?,
            shared_projects: row.try_get("", "shared_projects")?,
        })
    })
    .await?;
    Ok(Groups::cut(pairs, limit))
}

// ---------------------------------------------------------------------------------------------
// Funders named without an amount

/// The projects each funder funds, by any route a source names one ([`project_funders`]):
/// their ids, ascending. One statement per batch of funders.
pub struct ProjectsOfFunder {
    pub db: DatabaseConnection,
}

impl async_graphql::dataloader::Loader<i32> for ProjectsOfFunder {
    type Value = Vec<i32>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> ApiResult<HashMap<i32, Self::Value>> {
        let query = Query::select()
            .column((alias("pf"), alias("funder_id")))
            .column((alias("pf"), alias("project_id")))
            .from_subquery(project_funders(&ALL_FUNDER_ROUTES), alias("pf"))
            .and_where(one_of(
                (alias("pf"), alias("funder_id")),
                keys,
                self.db.get_database_backend(),
            ))
            .order_by((alias("pf"), alias("project_id")), Order::Asc)
            .to_owned();
        let pairs = rows(&self.db, &query, |row| {
            Ok((
                row.try_get::<i32>("", "funder_id")?,
                row.try_get::<i32>("", "project_id")?,
            ))
        })
        .await?;
        let mut projects: HashMap<i32, Vec<i32>> = HashMap::new();
        for (funder, project) in pairs {
            projects.entry(funder).or_default().push(project);
        }
        Ok(projects)
    }
}

/// Per funder (ascending), how many projects of `filter` it funds with no amount stated: the
/// source names it as the project's programme funder or as a FUNDER partner, and no funding
/// line of the project is the funder's. Only the `projects` and `funders` parts of `filter`
/// apply: the others select lines, and these projects have none of the funder's.
pub async fn funded_without_amount(
    db: &DatabaseConnection,
    filter: Option<&FundingTotalsFilter>,
) -> ApiResult<Vec<(i32, i64)>> {
    let with_line = Query::select()
        .expr(Expr::val(1))
        .from_subquery(project_funders(&[FunderRoute::FundingLine]), alias("fl"))
        .and_where(col("fl", "project_id").equals((alias("pf"), alias("project_id"))))
        .and_where(col("fl", "funder_id").equals((alias("pf"), alias("funder_id"))))
        .to_owned();
    let mut query = Query::select()
        .column((alias("pf"), alias("funder_id")))
        .expr_as(
            Func::count_distinct(col("pf", "project_id")),
            alias("project_count"),
        )
        .from_subquery(
            project_funders(&[FunderRoute::Programme, FunderRoute::Participation]),
            alias("pf"),
        )
        .and_where(Expr::exists(with_line).not())
        .add_group_by([col("pf", "funder_id")])
        .order_by((alias("pf"), alias("funder_id")), Order::Asc)
        .to_owned();
    if let Some(projects) = filter.and_then(|f| f.projects.as_ref()) {
        query.and_where(col("pf", "project_id").in_subquery(ids_matching(projects)?));
    }
    if let Some(funders) = filter.and_then(|f| f.funders.as_ref()) {
        query.and_where(col("pf", "funder_id").is_in(funders.iter().copied()));
    }
    rows(db, &query, |row| {
        Ok((
            row.try_get::<i32>("", "funder_id")?,
            row.try_get::<i64>("", "project_count")?,
        ))
    })
    .await
}
