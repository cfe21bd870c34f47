//! Projects: their rows, the predicates of project filters (by participant, funding, period,
//! status, place and cross-border), their orderings and pages.

use chrono::{Datelike, NaiveDate, Utc};
use entity::enums::{DatePrecision, ParticipationRole, RecordType};
use entity::{organisation, participation, project, project_place};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    DerivePartialModel, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::filter::{Filter, Predicate, TextMatch, filtered};
use super::funding::{in_programme_subtree, projects_funded_by};
use super::page::{Page, PageRequest, SortColumn, SortKind, page};
use super::partial_row;
use super::writes::{UnitOfWork, update_versioned};
use crate::domain::project::{CROSS_BORDER_COUNTRIES, ProjectStatus};
use crate::error::ApiResult;

/// A project as reads need it.
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "project::Entity", from_query_result)]
pub struct ProjectRow {
    pub id: i32,
    pub key: String,
    pub acronym: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub start_precision: Option<DatePrecision>,
    pub end_date: Option<NaiveDate>,
    pub end_precision: Option<DatePrecision>,
    pub latest_end_date: Option<NaiveDate>,
    pub website: Option<String>,
    pub working_languages: String,
    pub programme_id: Option<i32>,
    pub stated_total_minor: Option<i64>,
    pub stated_total_currency: Option<String>,
    pub stated_partner_count: Option<i32>,
    pub stated_country_count: Option<i32>,
    pub version: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

partial_row!(ProjectRow, project);

/// Conditions on one participation of a project; all given ones must hold for the same one.
#[derive(Debug, Clone, Default)]
pub struct ParticipantPredicate {
    pub organisations: Option<Vec<i32>>,
    pub countries: Option<Vec<String>>,
    pub roles: Option<Vec<ParticipationRole>>,
}

/// One condition on projects.
#[derive(Debug, Clone)]
pub enum ProjectPredicate {
    /// Its texts, its acronym or the name of a place it covers match the words (as `search`
    /// matches them).
    Text(TextMatch),
    /// Some participation matches.
    Participant(ParticipantPredicate),
    /// Funded by one of these funders, by any route a source names one
    /// ([`super::funding::project_funders`]).
    Funder(Vec<i32>),
    /// Funded under one of these programmes or below them.
    Programme(Vec<i32>),
    /// Active at some point between the two days (either may be open).
    ActiveDuring(Option<NaiveDate>, Option<NaiveDate>),
    /// Starts between the two days (either may be open).
    StartsBetween(Option<NaiveDate>, Option<NaiveDate>),
    /// Has one of these statuses today.
    Status(Vec<ProjectStatus>),
    /// Covers one of these places.
    Place(Vec<i32>),
    /// Partners from two or more countries (true) or not (false).
    CrossBorder(bool),
}

/// A filter on projects.
pub type ProjectFilter = Filter<ProjectPredicate>;

impl ParticipantPredicate {
    /// Ids of the projects with a participation that matches.
    fn projects(&self) -> SelectStatement {
        self.participations(Expr::col((
            participation::Entity,
            participation::Column::ProjectId,
        )))
    }

    /// How many projects have a participation that matches: counted from the participations
    /// (through the organisation index) without visiting the projects.
    fn count_projects(&self) -> SelectStatement {
        self.participations(
            Func::count_distinct(Expr::col((
                participation::Entity,
                participation::Column::ProjectId,
            )))
            .into(),
        )
    }

    /// `select` over the participations that match.
    fn participations(&self, select: Expr) -> SelectStatement {
        let mut participations = Query::select();
        participations
            .expr_as(select, sea_orm::sea_query::Alias::new("value"))
            .from(participation::Entity)
            .inner_join(
                organisation::Entity,
                Expr::col((organisation::Entity, organisation::Column::Id))
                    .equals((participation::Entity, participation::Column::OrganisationId)),
            );
        if let Some(organisations) = &self.organisations {
            participations.and_where(
                Expr::col((participation::Entity, participation::Column::OrganisationId))
                    .is_in(organisations.iter().copied()),
            );
        }
        if let Some(countries) = &self.countries {
            participations.and_where(
                Expr::col((organisation::Entity, organisation::Column::CountryCode))
                    .is_in(countries.iter().cloned()),
            );
        }
        if let Some(roles) = &self.roles {
            participations.and_where(
                Expr::col((participation::Entity, participation::Column::Role))
                    .is_in(roles.iter().copied()),
            );
        }
        participations.to_owned()
    }
}

/// The status rule of [`crate::domain::project::status_on`] as SQL.
fn status_condition(status: ProjectStatus, today: NaiveDate) -> Condition {
    use project::Column::{EndDate, StartDate};
    let not_ended = Condition::any()
        .add(EndDate.is_null())
        .add(EndDate.gte(today));
    match status {
        ProjectStatus::Completed => Condition::all().add(EndDate.lt(today)),
        ProjectStatus::Unknown => Condition::all().add(StartDate.is_null()).add(not_ended),
        ProjectStatus::Planned => Condition::all().add(StartDate.gt(today)).add(not_ended),
        ProjectStatus::Ongoing => Condition::all().add(StartDate.lte(today)).add(not_ended),
    }
}

/// Ids of projects whose partners (funders left out) come from two or more countries: the
/// cross-border rule of [`crate::domain::project::is_cross_border`] as SQL.
fn cross_border_projects() -> SelectStatement {
    let countries = Func::count_distinct(Expr::col((
        organisation::Entity,
        organisation::Column::CountryCode,
    )));
    Query::select()
        .column((participation::Entity, participation::Column::ProjectId))
        .from(participation::Entity)
        .inner_join(
            organisation::Entity,
            Expr::col((organisation::Entity, organisation::Column::Id))
                .equals((participation::Entity, participation::Column::OrganisationId)),
        )
        .and_where(
            Expr::col((participation::Entity, participation::Column::Role))
                .ne(ParticipationRole::Funder),
        )
        .add_group_by([Expr::col((
            participation::Entity,
            participation::Column::ProjectId,
        ))])
        .and_having(Expr::expr(countries).gte(CROSS_BORDER_COUNTRIES as i32))
        .to_owned()
}

impl Predicate for ProjectPredicate {
    fn condition(&self) -> ApiResult<Condition> {
        use project::Column;
        Ok(match self {
            // Its own texts and the names of the places it covers ("Rezekne").
            Self::Text(text) => {
                Condition::all().add(Column::Id.in_subquery(text.ids(RecordType::Project)?))
            }
            Self::Participant(participant) => {
                Condition::all().add(Column::Id.in_subquery(participant.projects()))
            }
            Self::Funder(funder_ids) => {
                Condition::all().add(Column::Id.in_subquery(projects_funded_by(funder_ids)))
            }
            Self::Programme(programme_ids) => {
                in_programme_subtree(Column::ProgrammeId, programme_ids.clone())
            }
            Self::ActiveDuring(from, to) => {
                let mut all = Condition::all().add(Column::StartDate.is_not_null());
                if let Some(to) = to {
                    all = all.add(Column::StartDate.lte(*to));
                }
                if let Some(from) = from {
                    all = all.add(
                        Condition::any()
                            .add(Column::EndDate.is_null())
                            .add(Column::EndDate.gte(*from)),
                    );
                }
                all
            }
            Self::StartsBetween(from, to) => {
                let mut all = Condition::all();
                if let Some(from) = from {
                    all = all.add(Column::StartDate.gte(*from));
                }
                if let Some(to) = to {
                    all = all.add(Column::StartDate.lte(*to));
                }
                all
            }
            Self::Status(statuses) => {
                let today = Utc::now().date_naive();
                statuses.iter().fold(Condition::any(), |any, s| {
                    any.add(status_condition(*s, today))
                })
            }
            Self::Place(place_ids) => {
                let covered = Query::select()
                    .column(project_place::Column::ProjectId)
                    .from(project_place::Entity)
                    .and_where(project_place::Column::PlaceId.is_in(place_ids.iter().copied()))
                    .to_owned();
                Condition::all().add(Column::Id.in_subquery(covered))
            }
            Self::CrossBorder(true) => {
                Condition::all().add(Column::Id.in_subquery(cross_border_projects()))
            }
            Self::CrossBorder(false) => {
                Condition::all().add(Column::Id.not_in_subquery(cross_border_projects()))
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

/// What projects can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectOrderField {
    StartDate,
    EndDate,
    Acronym,
    Key,
}

/// The sort column of `field`, descending or not.
pub fn sort_column(field: ProjectOrderField, descending: bool) -> SortColumn<project::Column> {
    let (column, kind, name) = match field {
        ProjectOrderField::StartDate => (project::Column::StartDate, SortKind::Date, "start_date"),
        ProjectOrderField::EndDate => (project::Column::EndDate, SortKind::Date, "end_date"),
        ProjectOrderField::Acronym => (project::Column::Acronym, SortKind::Text, "acronym"),
        ProjectOrderField::Key => (project::Column::Key, SortKind::Text, "key"),
    };
    SortColumn {
        column,
        kind,
        descending,
        name,
    }
}

/// One page of the projects `filter` selects, in `order` then by id.
pub async fn page_of(
    db: &impl ConnectionTrait,
    filter: Option<&ProjectFilter>,
    order: &[SortColumn<project::Column>],
    request: &PageRequest,
) -> ApiResult<Page<ProjectRow>> {
    let select = filtered(project::Entity::find(), filter)?;
    let lone_participant = filter.and_then(lone_participant);
    let general_count = PageRequest {
        count_total: request.count_total && lone_participant.is_none(),
        ..request.clone()
    };
    let mut page = page(db, select, order, project::Column::Id, &general_count).await?;
    if let (true, Some(participant)) = (request.count_total, lone_participant) {
        let count: i64 = match db.query_one(&participant.count_projects()).await? {
            Some(row) => row.try_get("", "value")?,
            None => 0,
        };
        page.total_count = Some(u64::try_from(count).unwrap_or(0));
    }
    Ok(page)
}

/// The participant condition, when it is all the filter asks (the common "projects with a
/// partner from LV"), so the total can be counted from the participations alone.
fn lone_participant(filter: &ProjectFilter) -> Option<&ParticipantPredicate> {
    match filter {
        Filter::Is(ProjectPredicate::Participant(participant)) => Some(participant),
        Filter::All(filters) if filters.len() == 1 => lone_participant(&filters[0]),
        _ => None,
    }
}

/// The ids of the projects `filter` selects, as a subquery for analytics.
pub fn ids_matching(filter: &ProjectFilter) -> ApiResult<SelectStatement> {
    use sea_orm::QuerySelect;
    use sea_orm::QueryTrait;
    Ok(filtered(project::Entity::find(), Some(filter))?
        .select_only()
        .column(project::Column::Id)
        .into_query())
}

/// A project to add.
#[derive(Debug, Clone)]
pub struct NewProject {
    pub key: String,
    pub acronym: Option<String>,
    pub start: Option<(NaiveDate, DatePrecision)>,
    pub end: Option<(NaiveDate, DatePrecision)>,
    pub latest_end_date: Option<NaiveDate>,
    pub website: Option<String>,
    /// ISO 639-1 codes.
    pub working_languages: Vec<String>,
    pub programme_id: Option<i32>,
    /// The total a source states, in hundredths, with its currency.
    pub stated_total: Option<(i64, String)>,
    pub stated_partner_count: Option<i32>,
    pub stated_country_count: Option<i32>,
    /// The places it covers, in order.
    pub place_ids: Vec<i32>,
}

/// The columns of a project as `new` describes it, with its start year (id, version and time
/// of change left to the write).
fn columns(new: &NewProject) -> project::ActiveModel {
    let (stated_total_minor, stated_total_currency) = new.stated_total.clone().unzip();
    project::ActiveModel {
        key: Set(new.key.clone()),
        acronym: Set(new.acronym.clone()),
        start_date: Set(new.start.map(|(date, _)| date)),
        start_precision: Set(new.start.map(|(_, precision)| precision)),
        end_date: Set(new.end.map(|(date, _)| date)),
        end_precision: Set(new.end.map(|(_, precision)| precision)),
        latest_end_date: Set(new.latest_end_date),
        website: Set(new.website.clone()),
        working_languages: Set(new.working_languages.join(",")),
        programme_id: Set(new.programme_id),
        stated_total_minor: Set(stated_total_minor),
        stated_total_currency: Set(stated_total_currency),
        stated_partner_count: Set(new.stated_partner_count),
        stated_country_count: Set(new.stated_country_count),
        start_year: Set(new.start.map(|(date, _)| date.year())),
        ..Default::default()
    }
}

/// Replaces the places project `id` covers.
async fn set_places(db: &impl ConnectionTrait, id: i32, place_ids: &[i32]) -> Result<(), DbErr> {
    project_place::Entity::delete_many()
        .filter(project_place::Column::ProjectId.eq(id))
        .exec(db)
        .await?;
    let places = (0..)
        .zip(place_ids)
        .map(|(position, place_id)| project_place::ActiveModel {
            project_id: Set(id),
            place_id: Set(*place_id),
            position: Set(position),
            ..Default::default()
        });
    if !place_ids.is_empty() {
        project_place::Entity::insert_many(places).exec(db).await?;
    }
    Ok(())
}

/// Adds a project with its start year and the places it covers; returns its
/// id.
pub async fn insert(db: &impl ConnectionTrait, new: NewProject) -> Result<i32, DbErr> {
    let mut row = columns(&new);
    row.version = Set(1);
    row.updated_at = Set(chrono::Utc::now());
    let row = row.insert(db).await?;
    set_places(db, row.id, &new.place_ids).await?;
    Ok(row.id)
}

/// Writes project `id` as `new` describes it (with the places it covers), if it is still at
/// `version`.
pub async fn update(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    new: &NewProject,
) -> Result<bool, DbErr> {
    let row = columns(new);
    if !update_versioned::<project::Entity>(uow, id, version, row).await? {
        return Ok(false);
    }
    set_places(uow.db(), id, &new.place_ids).await?;
    Ok(true)
}

/// The ids of the places project `id` covers, in order.
pub async fn place_ids(db: &impl ConnectionTrait, id: i32) -> Result<Vec<i32>, DbErr> {
    project_place::Entity::find()
        .select_only()
        .column(project_place::Column::PlaceId)
        .filter(project_place::Column::ProjectId.eq(id))
        .order_by_asc(project_place::Column::Position)
        .into_tuple()
        .all(db)
        .await
}
