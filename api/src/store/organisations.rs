//! Organisations and their participations in projects: rows, filter predicates, orderings and
//! pages.

use entity::enums::{OrganisationKind, ParticipationRole};
use entity::{organisation, participation};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DerivePartialModel, EntityTrait};

use super::filter::{Filter, Predicate, contains, filtered};
use super::page::{Page, PageRequest, SortColumn, SortKind, page};
use super::partial_row;
use crate::error::ApiResult;

/// An organisation as reads need it (without its folded search text).
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
    /// The name contains the text (folded).
    Text(String),
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
            Self::Text(text) => contains(Column::SearchText, text),
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
        OrganisationOrderField::Name => (organisation::Column::SearchText, "name"),
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
