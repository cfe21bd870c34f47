//! Organisations and their participations in projects: rows, filter predicates, orderings and
//! pages.

use entity::enums::{OrganisationKind, ParticipationRole, RecordType};
use entity::{contact, organisation, organisation_identifier, participation};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    DerivePartialModel, EntityTrait,
};

use super::filter::{Filter, Predicate, TextMatch, filtered};
use super::page::{Page, PageRequest, SortColumn, SortKind, page};
use super::partial_row;
use super::writes::{UnitOfWork, update_versioned};
use crate::domain::text::sort_name;
use crate::error::ApiResult;

/// An organisation as reads need it (without its sort name).
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "organisation::Entity", from_query_result)]
pub struct OrganisationRow {
    pub id: i32,
    pub key: String,
    pub kind: OrganisationKind,
    pub short_name: Option<String>,
    pub country_code: String,
    pub city: Option<String>,
    pub website: Option<String>,
    pub place_id: Option<i32>,
    pub version: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

partial_row!(OrganisationRow, organisation);

/// An organisation's part in a project.
pub type ParticipationRow = participation::Model;

/// An identifier of an organisation in another system.
pub type IdentifierRow = entity::organisation_identifier::Model;

/// A contact person of a project or an organisation.
pub type ContactRow = entity::contact::Model;

/// One condition on organisations.
#[derive(Debug, Clone)]
pub enum OrganisationPredicate {
    /// A name matches the words (as `search` matches them).
    Text(TextMatch),
    Country(Vec<String>),
    Kind(Vec<OrganisationKind>),
    /// Takes part in a project in one of the roles (any role when `None`) and in one of the
    /// projects (any project when `None`), both in the same participation.
    Participates {
        roles: Option<Vec<ParticipationRole>>,
        projects: Option<Vec<i32>>,
    },
}

impl Predicate for OrganisationPredicate {
    fn condition(&self) -> ApiResult<Condition> {
        use organisation::Column;
        Ok(match self {
            Self::Text(text) => {
                Condition::all().add(Column::Id.in_subquery(text.ids(RecordType::Organisation)?))
            }
            Self::Country(countries) => {
                Condition::all().add(Column::CountryCode.is_in(countries.iter().cloned()))
            }
            Self::Kind(kinds) => Condition::all().add(Column::Kind.is_in(kinds.iter().copied())),
            Self::Participates { roles, projects } => {
                let mut participations = Query::select();
                participations
                    .column(participation::Column::OrganisationId)
                    .from(participation::Entity);
                if let Some(roles) = roles {
                    participations
                        .and_where(participation::Column::Role.is_in(roles.iter().copied()));
                }
                if let Some(projects) = projects {
                    participations.and_where(
                        participation::Column::ProjectId.is_in(projects.iter().copied()),
                    );
                }
                Condition::all().add(Column::Id.in_subquery(participations.to_owned()))
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

/// What organisations can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationOrderField {
    Name,
    Country,
    Kind,
    Key,
}

/// The sort column of organisations by `field`.
pub fn sort_column(
    field: OrganisationOrderField,
    descending: bool,
) -> SortColumn<organisation::Column> {
    let (column, name) = match field {
        OrganisationOrderField::Name => (organisation::Column::SortName, "name"),
        OrganisationOrderField::Country => (organisation::Column::CountryCode, "country"),
        OrganisationOrderField::Kind => (organisation::Column::Kind, "kind"),
        OrganisationOrderField::Key => (organisation::Column::Key, "key"),
    };
    SortColumn {
        column,
        kind: SortKind::Text,
        descending,
        name,
    }
}

/// One page of the organisations `filter` selects.
pub async fn page_of(
    db: &impl ConnectionTrait,
    filter: Option<&Filter<OrganisationPredicate>>,
    order: &[SortColumn<organisation::Column>],
    request: &PageRequest,
) -> ApiResult<Page<OrganisationRow>> {
    let select = filtered(organisation::Entity::find(), filter)?;
    page(db, select, order, organisation::Column::Id, request).await
}

/// An organisation to add.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub key: String,
    pub kind: OrganisationKind,
    pub short_name: Option<String>,
    pub country_code: String,
    pub city: Option<String>,
    pub website: Option<String>,
    pub place_id: Option<i32>,
    /// Its names in every language, folded into its sort name.
    pub names: Vec<String>,
    /// Identifiers in other systems: (scheme, value).
    pub identifiers: Vec<(String, String)>,
}

/// The columns of an organisation as `new` describes it (id, version and time of change
/// left to the write).
fn columns(new: &NewOrganisation) -> organisation::ActiveModel {
    organisation::ActiveModel {
        key: Set(new.key.clone()),
        kind: Set(new.kind),
        short_name: Set(new.short_name.clone()),
        country_code: Set(new.country_code.clone()),
        city: Set(new.city.clone()),
        website: Set(new.website.clone()),
        place_id: Set(new.place_id),
        sort_name: Set(sort_name(new.names.iter().map(String::as_str))),
        ..Default::default()
    }
}

/// Adds an organisation with its identifiers; returns its id.
pub async fn insert(db: &impl ConnectionTrait, new: NewOrganisation) -> Result<i32, DbErr> {
    let mut row = columns(&new);
    row.version = Set(1);
    row.updated_at = Set(chrono::Utc::now());
    let row = row.insert(db).await?;
    for (scheme, value) in new.identifiers {
        organisation_identifier::ActiveModel {
            organisation_id: Set(row.id),
            scheme: Set(scheme),
            value: Set(value),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(row.id)
}

/// Writes organisation `id` as `new` describes it, if it is still at `version`.
pub async fn update(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    new: &NewOrganisation,
) -> Result<bool, DbErr> {
    update_versioned::<organisation::Entity>(uow, id, version, columns(new)).await
}

/// A participation to add.
#[derive(Debug, Clone, Copy)]
pub struct NewParticipation {
    pub project_id: i32,
    pub organisation_id: i32,
    pub role: ParticipationRole,
    /// Place in the project's list of partners.
    pub position: i32,
}

/// Adds a participation; returns its id.
pub async fn insert_participation(
    db: &impl ConnectionTrait,
    new: NewParticipation,
) -> Result<i32, DbErr> {
    let row = participation::ActiveModel {
        version: Set(1),
        updated_at: Set(chrono::Utc::now()),
        project_id: Set(new.project_id),
        organisation_id: Set(new.organisation_id),
        role: Set(new.role),
        position: Set(new.position),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Writes participation `id` as `new` describes it, if it is still at `version`.
pub async fn update_participation(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    new: &NewParticipation,
) -> Result<bool, DbErr> {
    let row = participation::ActiveModel {
        project_id: Set(new.project_id),
        organisation_id: Set(new.organisation_id),
        role: Set(new.role),
        position: Set(new.position),
        ..Default::default()
    };
    update_versioned::<participation::Entity>(uow, id, version, row).await
}

/// Every participation in project `project_id`.
pub async fn participations_of_project(
    db: &impl ConnectionTrait,
    project_id: i32,
) -> Result<Vec<ParticipationRow>, DbErr> {
    use sea_orm::QueryFilter;
    participation::Entity::find()
        .filter(participation::Column::ProjectId.eq(project_id))
        .all(db)
        .await
}

/// A contact person to add, of a project, an organisation or both.
#[derive(Debug, Clone)]
pub struct NewContact {
    pub project_id: Option<i32>,
    pub organisation_id: Option<i32>,
    pub name: String,
    pub role: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub position: i32,
}

/// Adds a contact; returns its id.
pub async fn insert_contact(db: &impl ConnectionTrait, new: NewContact) -> Result<i32, DbErr> {
    let row = contact::ActiveModel {
        version: Set(1),
        updated_at: Set(chrono::Utc::now()),
        project_id: Set(new.project_id),
        organisation_id: Set(new.organisation_id),
        name: Set(new.name),
        role: Set(new.role),
        email: Set(new.email),
        phone: Set(new.phone),
        position: Set(new.position),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Writes contact `id` as `new` describes it, if it is still at `version`.
pub async fn update_contact(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    new: &NewContact,
) -> Result<bool, DbErr> {
    let row = contact::ActiveModel {
        project_id: Set(new.project_id),
        organisation_id: Set(new.organisation_id),
        name: Set(new.name.clone()),
        role: Set(new.role.clone()),
        email: Set(new.email.clone()),
        phone: Set(new.phone.clone()),
        position: Set(new.position),
        ..Default::default()
    };
    update_versioned::<contact::Entity>(uow, id, version, row).await
}

/// The (scheme, value) identifiers of organisation `id`, in order.
pub async fn identifiers_of(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Vec<(String, String)>, DbErr> {
    use sea_orm::{QueryFilter, QueryOrder};
    Ok(organisation_identifier::Entity::find()
        .filter(organisation_identifier::Column::OrganisationId.eq(id))
        .order_by_asc(organisation_identifier::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.scheme, i.value))
        .collect())
}

/// The organisation other than `except` that has identifier `value` in `scheme`, if any.
pub async fn identifier_holder(
    db: &impl ConnectionTrait,
    scheme: &str,
    value: &str,
    except: Option<i32>,
) -> Result<Option<i32>, DbErr> {
    use sea_orm::QueryFilter;
    let mut select = organisation_identifier::Entity::find()
        .filter(organisation_identifier::Column::Scheme.eq(scheme))
        .filter(organisation_identifier::Column::Value.eq(value));
    if let Some(id) = except {
        select = select.filter(organisation_identifier::Column::OrganisationId.ne(id));
    }
    Ok(select.one(db).await?.map(|i| i.organisation_id))
}

/// Replaces the identifiers of organisation `id`.
pub async fn replace_identifiers(
    db: &impl ConnectionTrait,
    id: i32,
    identifiers: &[(String, String)],
) -> Result<(), DbErr> {
    use sea_orm::QueryFilter;
    organisation_identifier::Entity::delete_many()
        .filter(organisation_identifier::Column::OrganisationId.eq(id))
        .exec(db)
        .await?;
    for (scheme, value) in identifiers {
        organisation_identifier::ActiveModel {
            organisation_id: Set(id),
            scheme: Set(scheme.clone()),
            value: Set(value.clone()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
