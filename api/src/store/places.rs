//! Places (countries, regions, municipalities, settlements, venues) in a tree: rows, filter
//! predicates, orderings and pages.

use entity::enums::{PlaceKind, RecordType};
use entity::place;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    DerivePartialModel, EntityTrait, QueryFilter,
};

use super::filter::{Filter, Predicate, TextMatch, filtered};
use super::page::{Page, PageRequest, SortColumn, SortKind, page};
use super::partial_row;
use super::writes::{UnitOfWork, update_versioned};
use crate::domain::text::sort_name;
use crate::error::ApiResult;

/// A place as reads need it (without its sort name).
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "place::Entity", from_query_result)]
pub struct PlaceRow {
    pub id: i32,
    pub key: String,
    pub kind: PlaceKind,
    pub parent_id: Option<i32>,
    pub code: Option<String>,
    pub country_code: String,
    pub version: i32,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

partial_row!(PlaceRow, place);

/// A place a project covers, in the project's order.
pub type ProjectPlaceRow = entity::project_place::Model;

/// One condition on places.
#[derive(Debug, Clone)]
pub enum PlacePredicate {
    /// A name matches the words (as `search` matches them).
    Text(TextMatch),
    Kind(Vec<PlaceKind>),
    Country(Vec<String>),
    /// Directly in one of these places.
    Parent(Vec<i32>),
}

impl Predicate for PlacePredicate {
    fn condition(&self) -> ApiResult<Condition> {
        use place::Column;
        let all = Condition::all();
        Ok(match self {
            Self::Text(text) => {
                Condition::all().add(Column::Id.in_subquery(text.ids(RecordType::Place)?))
            }
            Self::Kind(kinds) => all.add(Column::Kind.is_in(kinds.iter().copied())),
            Self::Country(countries) => {
                all.add(Column::CountryCode.is_in(countries.iter().cloned()))
            }
            Self::Parent(ids) => all.add(Column::ParentId.is_in(ids.iter().copied())),
        })
    }
    fn text_mut(&mut self) -> Option<&mut TextMatch> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// What places can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceOrderField {
    Name,
    Kind,
    Country,
    Key,
}

/// The sort column of places by `field`.
pub fn sort_column(field: PlaceOrderField, descending: bool) -> SortColumn<place::Column> {
    let (column, name) = match field {
        PlaceOrderField::Name => (place::Column::SortName, "name"),
        PlaceOrderField::Kind => (place::Column::Kind, "kind"),
        PlaceOrderField::Country => (place::Column::CountryCode, "country"),
        PlaceOrderField::Key => (place::Column::Key, "key"),
    };
    SortColumn {
        column,
        kind: SortKind::Text,
        descending,
        name,
    }
}

/// One page of the places `filter` selects.
pub async fn page_of(
    db: &impl ConnectionTrait,
    filter: Option<&Filter<PlacePredicate>>,
    order: &[SortColumn<place::Column>],
    request: &PageRequest,
) -> ApiResult<Page<PlaceRow>> {
    let select = filtered(place::Entity::find(), filter)?;
    page(db, select, order, place::Column::Id, request).await
}

/// A place to add.
#[derive(Debug, Clone)]
pub struct NewPlace {
    pub key: String,
    pub kind: PlaceKind,
    pub parent_id: Option<i32>,
    pub code: Option<String>,
    pub country_code: String,
    /// Its names in every language, folded into its sort name.
    pub names: Vec<String>,
}

/// Adds a place; returns its id.
pub async fn insert(db: &impl ConnectionTrait, new: NewPlace) -> Result<i32, DbErr> {
    let row = place::ActiveModel {
        version: Set(1),
        updated_at: Set(chrono::Utc::now()),
        key: Set(new.key),
        kind: Set(new.kind),
        parent_id: Set(new.parent_id),
        code: Set(new.code),
        country_code: Set(new.country_code),
        sort_name: Set(sort_name(new.names.iter().map(String::as_str))),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Writes place `id` as `new` describes it, if it is still at `version`.
pub async fn update(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    new: &NewPlace,
) -> Result<bool, DbErr> {
    let row = place::ActiveModel {
        key: Set(new.key.clone()),
        kind: Set(new.kind),
        parent_id: Set(new.parent_id),
        code: Set(new.code.clone()),
        country_code: Set(new.country_code.clone()),
        sort_name: Set(sort_name(new.names.iter().map(String::as_str))),
        ..Default::default()
    };
    update_versioned::<place::Entity>(uow, id, version, row).await
}

/// The parent of place `id`, when it exists: `None` for no such place.
pub async fn parent_of(db: &impl ConnectionTrait, id: i32) -> Result<Option<Option<i32>>, DbErr> {
    Ok(place::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|p| p.parent_id))
}

/// How many projects cover place `id`.
pub async fn projects_covering(db: &impl ConnectionTrait, id: i32) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    entity::project_place::Entity::find()
        .filter(entity::project_place::Column::PlaceId.eq(id))
        .count(db)
        .await
}
