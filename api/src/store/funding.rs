//! Funders, their programme trees and the funding lines of projects: rows, filter predicates,
//! orderings and pages.

use entity::enums::{FundingKind, RecordType};
use entity::{funder, funding_line, funding_line_year, programme, programme_ancestor, project};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    DerivePartialModel, EntityTrait, QueryFilter,
};

use super::derived::shares_of;
use super::filter::{Filter, Predicate, TextMatch, filtered};
use super::page::{Page, PageRequest, SortColumn, SortKind, page};
use super::partial_row;
use super::writes::{UnitOfWork, update_versioned};
use crate::domain::text::sort_name;
use crate::error::ApiResult;

/// A funder as reads need it.
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "funder::Entity", from_query_result)]
pub struct FunderRow {
    pub id: i32,
    pub key: String,
    pub organisation_id: Option<i32>,
    pub country_code: Option<String>,
    pub website: Option<String>,
    pub version: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

partial_row!(FunderRow, funder);

/// A programme as reads need it.
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "programme::Entity", from_query_result)]
pub struct ProgrammeRow {
    pub id: i32,
    pub key: String,
    pub funder_id: i32,
    pub parent_id: Option<i32>,
    pub code: Option<String>,
    pub version: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

partial_row!(ProgrammeRow, programme);

/// A funding line.
pub type FundingLineRow = funding_line::Model;

/// `column` names one of the given programmes or any programme below them, so a filter on
/// "Nordplus" also matches "Nordplus Adult". One subquery on the programme closure table.
pub fn in_programme_subtree(column: impl ColumnTrait, programme_ids: Vec<i32>) -> Condition {
    Condition::all().add(column.in_subquery(programme_subtree(programme_ids)))
}

/// The ids of these programmes and of every programme below them.
pub fn programme_subtree(programme_ids: Vec<i32>) -> SelectStatement {
    Query::select()
        .column(programme_ancestor::Column::ProgrammeId)
        .from(programme_ancestor::Entity)
        .and_where(programme_ancestor::Column::AncestorId.is_in(programme_ids))
        .to_owned()
}

/// One condition on funders.
#[derive(Debug, Clone)]
pub enum FunderPredicate {
    /// The name matches the words (as `search` matches them).
    Text(TextMatch),
    /// Belongs to one of these countries.
    Country(Vec<String>),
}

impl Predicate for FunderPredicate {
    fn condition(&self) -> ApiResult<Condition> {
        Ok(match self {
            Self::Text(text) => {
                Condition::all().add(funder::Column::Id.in_subquery(text.ids(RecordType::Funder)?))
            }
            Self::Country(countries) => {
                Condition::all().add(funder::Column::CountryCode.is_in(countries.iter().cloned()))
            }
        })
    }
    fn text_mut(&mut self) -> Option<&mut TextMatch> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// One condition on programmes.
#[derive(Debug, Clone)]
pub enum ProgrammePredicate {
    /// Name or code matches the words (as `search` matches them).
    Text(TextMatch),
    /// Run by one of these funders.
    Funder(Vec<i32>),
    /// Directly under one of these programmes.
    Parent(Vec<i32>),
    /// Top-level (true) or a sub-programme (false).
    TopLevel(bool),
    /// One of these programmes or anywhere below them.
    Within(Vec<i32>),
}

impl Predicate for ProgrammePredicate {
    fn condition(&self) -> ApiResult<Condition> {
        use programme::Column;
        Ok(match self {
            Self::Text(text) => {
                Condition::all().add(Column::Id.in_subquery(text.ids(RecordType::Programme)?))
            }
            Self::Funder(ids) => Condition::all().add(Column::FunderId.is_in(ids.iter().copied())),
            Self::Parent(ids) => Condition::all().add(Column::ParentId.is_in(ids.iter().copied())),
            Self::TopLevel(true) => Condition::all().add(Column::ParentId.is_null()),
            Self::TopLevel(false) => Condition::all().add(Column::ParentId.is_not_null()),
            Self::Within(ids) => in_programme_subtree(Column::Id, ids.clone()),
        })
    }
    fn text_mut(&mut self) -> Option<&mut TextMatch> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// One condition on funding lines.
#[derive(Debug, Clone)]
pub enum FundingLinePredicate {
    Project(Vec<i32>),
    Funder(Vec<i32>),
    /// Paid under one of these programmes or any programme below them.
    Programme(Vec<i32>),
    Kind(Vec<FundingKind>),
    Currency(Vec<String>),
    /// Amount in minor units within the range (either end may be open).
    AmountBetween(Option<i64>, Option<i64>),
}

impl Predicate for FundingLinePredicate {
    fn condition(&self) -> ApiResult<Condition> {
        use funding_line::Column;
        Ok(match self {
            Self::Project(ids) => {
                Condition::all().add(Column::ProjectId.is_in(ids.iter().copied()))
            }
            Self::Funder(ids) => Condition::all().add(Column::FunderId.is_in(ids.iter().copied())),
            Self::Programme(ids) => in_programme_subtree(Column::ProgrammeId, ids.clone()),
            Self::Kind(kinds) => Condition::all().add(Column::Kind.is_in(kinds.iter().copied())),
            Self::Currency(currencies) => {
                Condition::all().add(Column::Currency.is_in(currencies.iter().cloned()))
            }
            Self::AmountBetween(min, max) => {
                let mut all = Condition::all();
                if let Some(min) = min {
                    all = all.add(Column::AmountMinor.gte(*min));
                }
                if let Some(max) = max {
                    all = all.add(Column::AmountMinor.lte(*max));
                }
                all
            }
        })
    }
}

/// What funders and programmes can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunderOrderField {
    Name,
    Key,
}

/// What funding lines can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundingLineOrderField {
    Amount,
    Currency,
    Kind,
}

/// The sort column of funders by `field`.
pub fn funder_sort(field: FunderOrderField, descending: bool) -> SortColumn<funder::Column> {
    let (column, name) = match field {
        FunderOrderField::Name => (funder::Column::SortName, "name"),
        FunderOrderField::Key => (funder::Column::Key, "key"),
    };
    SortColumn {
        column,
        kind: SortKind::Text,
        descending,
        name,
    }
}

/// The sort column of programmes by `field`.
pub fn programme_sort(field: FunderOrderField, descending: bool) -> SortColumn<programme::Column> {
    let (column, name) = match field {
        FunderOrderField::Name => (programme::Column::SortName, "name"),
        FunderOrderField::Key => (programme::Column::Key, "key"),
    };
    SortColumn {
        column,
        kind: SortKind::Text,
        descending,
        name,
    }
}

/// The sort column of funding lines by `field`.
pub fn funding_line_sort(
    field: FundingLineOrderField,
    descending: bool,
) -> SortColumn<funding_line::Column> {
    let (column, kind, name) = match field {
        FundingLineOrderField::Amount => (
            funding_line::Column::AmountMinor,
            SortKind::Integer,
            "amount",
        ),
        FundingLineOrderField::Currency => {
            (funding_line::Column::Currency, SortKind::Text, "currency")
        }
        FundingLineOrderField::Kind => (funding_line::Column::Kind, SortKind::Text, "kind"),
    };
    SortColumn {
        column,
        kind,
        descending,
        name,
    }
}

/// One page of the funders `filter` selects.
pub async fn funders_page(
    db: &impl ConnectionTrait,
    filter: Option<&Filter<FunderPredicate>>,
    order: &[SortColumn<funder::Column>],
    request: &PageRequest,
) -> ApiResult<Page<FunderRow>> {
    let select = filtered(funder::Entity::find(), filter)?;
    page(db, select, order, funder::Column::Id, request).await
}

/// One page of the programmes `filter` selects.
pub async fn programmes_page(
    db: &impl ConnectionTrait,
    filter: Option<&Filter<ProgrammePredicate>>,
    order: &[SortColumn<programme::Column>],
    request: &PageRequest,
) -> ApiResult<Page<ProgrammeRow>> {
    let select = filtered(programme::Entity::find(), filter)?;
    page(db, select, order, programme::Column::Id, request).await
}

/// One page of the funding lines `filter` selects.
pub async fn funding_lines_page(
    db: &impl ConnectionTrait,
    filter: Option<&Filter<FundingLinePredicate>>,
    order: &[SortColumn<funding_line::Column>],
    request: &PageRequest,
) -> ApiResult<Page<FundingLineRow>> {
    let select = filtered(funding_line::Entity::find(), filter)?;
    page(db, select, order, funding_line::Column::Id, request).await
}

/// A funder to add.
#[derive(Debug, Clone)]
pub struct NewFunder {
    pub key: String,
    /// The organisation the funder is, when it is also a partner.
    pub organisation_id: Option<i32>,
    pub country_code: Option<String>,
    pub website: Option<String>,
    /// Its names in every language, folded into its sort name.
    pub names: Vec<String>,
}

/// Adds a funder; returns its id.
pub async fn insert_funder(db: &impl ConnectionTrait, new: NewFunder) -> Result<i32, DbErr> {
    let row = funder::ActiveModel {
        version: Set(1),
        updated_at: Set(chrono::Utc::now()),
        key: Set(new.key),
        organisation_id: Set(new.organisation_id),
        country_code: Set(new.country_code),
        website: Set(new.website),
        sort_name: Set(sort_name(new.names.iter().map(String::as_str))),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// A programme to add under its funder, and under its parent programme if it has one.
#[derive(Debug, Clone)]
pub struct NewProgramme {
    pub key: String,
    pub funder_id: i32,
    pub parent_id: Option<i32>,
    pub code: Option<String>,
    /// Its names in every language, folded into its sort name.
    pub names: Vec<String>,
}

/// Adds a programme and its rows of the closure table (itself, and its parent's ancestors one
/// step further); returns its id.
pub async fn insert_programme(db: &impl ConnectionTrait, new: NewProgramme) -> Result<i32, DbErr> {
    let row = programme::ActiveModel {
        version: Set(1),
        updated_at: Set(chrono::Utc::now()),
        key: Set(new.key.clone()),
        funder_id: Set(new.funder_id),
        parent_id: Set(new.parent_id),
        code: Set(new.code.clone()),
        sort_name: Set(sort_name(new.names.iter().map(String::as_str))),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut closure = vec![programme_ancestor::ActiveModel {
        programme_id: Set(row.id),
        ancestor_id: Set(row.id),
        distance: Set(0),
    }];
    if let Some(parent) = new.parent_id {
        let ancestors = programme_ancestor::Entity::find()
            .filter(programme_ancestor::Column::ProgrammeId.eq(parent))
            .all(db)
            .await?;
        closure.extend(
            ancestors
                .into_iter()
                .map(|a| programme_ancestor::ActiveModel {
                    programme_id: Set(row.id),
                    ancestor_id: Set(a.ancestor_id),
                    distance: Set(a.distance + 1),
                }),
        );
    }
    programme_ancestor::Entity::insert_many(closure)
        .exec(db)
        .await?;
    Ok(row.id)
}

/// A funding line to add to a project.
#[derive(Debug, Clone)]
pub struct NewFundingLine {
    pub project_id: i32,
    pub kind: FundingKind,
    pub funder_id: Option<i32>,
    pub programme_id: Option<i32>,
    /// The amount in hundredths of the currency's unit.
    pub amount_minor: i64,
    pub currency: String,
    /// Place in the project's list of lines.
    pub position: i32,
}

/// Adds a funding line with its pro-rata shares of its project's calendar years; returns its
/// id.
pub async fn insert_line(db: &impl ConnectionTrait, new: NewFundingLine) -> Result<i32, DbErr> {
    let line = funding_line::ActiveModel {
        version: Set(1),
        updated_at: Set(chrono::Utc::now()),
        project_id: Set(new.project_id),
        kind: Set(new.kind),
        funder_id: Set(new.funder_id),
        programme_id: Set(new.programme_id),
        amount_minor: Set(new.amount_minor),
        currency: Set(new.currency),
        position: Set(new.position),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let project = project::Entity::find_by_id(new.project_id).one(db).await?;
    let shares = shares_of(&line, project.as_ref());
    if !shares.is_empty() {
        funding_line_year::Entity::insert_many(shares)
            .exec(db)
            .await?;
    }
    Ok(line.id)
}

/// How a source names a project's funder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunderRoute {
    /// The funder of the project's programme.
    Programme,
    /// The funder of one of its funding lines: the line's own, else its programme's.
    FundingLine,
    /// An organisation taking part with the role FUNDER that is the funder's organisation
    /// (source 001 names British Council so, with no amount).
    Participation,
}

/// The (`project_id`, `funder_id`) pairs a source states by any of `routes`, as a subquery.
/// A project is funded by a funder when any route names it: filters, `Funder.projects` and
/// the funding totals all read this one relation.
pub fn project_funders(routes: &[FunderRoute]) -> SelectStatement {
    use entity::enums::ParticipationRole;
    use entity::participation;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, UnionType};

    let pair = |project: Expr, funder: Expr| {
        Query::select()
            .expr_as(project, Alias::new("project_id"))
            .expr_as(funder, Alias::new("funder_id"))
            .to_owned()
    };
    let programme_funder = Expr::col((programme::Entity, programme::Column::FunderId));
    let selects = routes.iter().map(|route| match route {
        FunderRoute::Programme => pair(
            Expr::col((project::Entity, project::Column::Id)),
            programme_funder.clone(),
        )
        .from(project::Entity)
        .inner_join(
            programme::Entity,
            Expr::col((programme::Entity, programme::Column::Id))
                .equals((project::Entity, project::Column::ProgrammeId)),
        )
        .to_owned(),
        FunderRoute::FundingLine => pair(
            Expr::col((funding_line::Entity, funding_line::Column::ProjectId)),
            Expr::col((funding_line::Entity, funding_line::Column::FunderId))
                .if_null(programme_funder.clone()),
        )
        .from(funding_line::Entity)
        .left_join(
            programme::Entity,
            Expr::col((programme::Entity, programme::Column::Id))
                .equals((funding_line::Entity, funding_line::Column::ProgrammeId)),
        )
        .and_where(
            Expr::col((funding_line::Entity, funding_line::Column::FunderId))
                .is_not_null()
                .or(
                    Expr::col((funding_line::Entity, funding_line::Column::ProgrammeId))
                        .is_not_null(),
                ),
        )
        .to_owned(),
        FunderRoute::Participation => pair(
            Expr::col((participation::Entity, participation::Column::ProjectId)),
            Expr::col((funder::Entity, funder::Column::Id)),
        )
        .from(participation::Entity)
        .inner_join(
            funder::Entity,
            Expr::col((funder::Entity, funder::Column::OrganisationId))
                .equals((participation::Entity, participation::Column::OrganisationId)),
        )
        .and_where(
            Expr::col((participation::Entity, participation::Column::Role))
                .eq(ParticipationRole::Funder),
        )
        .to_owned(),
    });
    let mut selects = selects.collect::<Vec<_>>().into_iter();
    let mut union = selects.next().unwrap_or_else(|| {
        // No route: no pairs.
        pair(Expr::val(0), Expr::val(0))
            .and_where(Expr::val(1).eq(0))
            .to_owned()
    });
    for select in selects {
        union.union(UnionType::Distinct, select);
    }
    union
}

/// Every route by which a source may name a project's funder.
pub const ALL_FUNDER_ROUTES: [FunderRoute; 3] = [
    FunderRoute::Programme,
    FunderRoute::FundingLine,
    FunderRoute::Participation,
];

/// The ids of projects funded by one of `funder_ids`, by any route.
pub fn projects_funded_by(funder_ids: &[i32]) -> SelectStatement {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait};
    Query::select()
        .column((Alias::new("pf"), Alias::new("project_id")))
        .from_subquery(project_funders(&ALL_FUNDER_ROUTES), Alias::new("pf"))
        .and_where(
            Expr::col((Alias::new("pf"), Alias::new("funder_id")))
                .is_in(funder_ids.iter().copied()),
        )
        .to_owned()
}

/// Writes funder `id` as `new` describes it, if it is still at `version`.
pub async fn update_funder(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    new: &NewFunder,
) -> Result<bool, DbErr> {
    let row = funder::ActiveModel {
        key: Set(new.key.clone()),
        organisation_id: Set(new.organisation_id),
        country_code: Set(new.country_code.clone()),
        website: Set(new.website.clone()),
        sort_name: Set(sort_name(new.names.iter().map(String::as_str))),
        ..Default::default()
    };
    update_versioned::<funder::Entity>(uow, id, version, row).await
}

/// Writes programme `id` as `new` describes it, if it is still at `version`. The caller
/// rebuilds the closure table when the parent changed.
pub async fn update_programme(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    new: &NewProgramme,
) -> Result<bool, DbErr> {
    let row = programme::ActiveModel {
        key: Set(new.key.clone()),
        funder_id: Set(new.funder_id),
        parent_id: Set(new.parent_id),
        code: Set(new.code.clone()),
        sort_name: Set(sort_name(new.names.iter().map(String::as_str))),
        ..Default::default()
    };
    update_versioned::<programme::Entity>(uow, id, version, row).await
}

/// Writes funding line `id` as `new` describes it, if it is still at `version`. The caller
/// splits it over the years again and moves the rollup.
pub async fn update_line(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    new: &NewFundingLine,
) -> Result<bool, DbErr> {
    let row = funding_line::ActiveModel {
        kind: Set(new.kind),
        funder_id: Set(new.funder_id),
        programme_id: Set(new.programme_id),
        amount_minor: Set(new.amount_minor),
        currency: Set(new.currency.clone()),
        position: Set(new.position),
        ..Default::default()
    };
    update_versioned::<funding_line::Entity>(uow, id, version, row).await
}

/// The funder a programme belongs to, and its parent.
pub async fn programme_owner(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<(i32, Option<i32>)>, DbErr> {
    Ok(programme::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|p| (p.funder_id, p.parent_id)))
}
