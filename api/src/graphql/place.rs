//! Places: countries, regions, municipalities, settlements and venues, in a tree.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::enums::RecordType;
use entity::{place, project_place};
use sea_orm::{ColumnTrait, Condition, Order};

use super::common::page_of;
use super::common::{self, LocalizedText, LogicalFilter, loaders, logical_filter};
use super::enums::{OrderDirection, PlaceKind};
use super::ids;
use super::pagination::{PageArgs, connection};
use super::project::Project;
use super::scalars::{CountryCode, LanguageCode};
use super::source::SourceDocument;
use crate::error::ApiResult;
use crate::search::contains_pattern;

/// A country, region, municipality, settlement or venue.
#[derive(Debug, Clone)]
pub struct Place(pub place::Model);

/// A country, region, municipality, settlement or venue.
#[Object]
impl Place {
    /// Global ID of the place.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::Place, self.0.id)
    }

    /// Stable human-readable key, e.g. `rezeknes-novads`.
    async fn key(&self) -> &str {
        &self.0.key
    }

    /// Level of the place in the tree.
    async fn kind(&self) -> PlaceKind {
        self.0.kind.into()
    }

    /// Name in `lang`, falling back to the original language, then English, then any.
    async fn name(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<String> {
        Ok(
            common::localized(ctx, RecordType::Place, self.0.id, "name", lang.as_ref())
                .await?
                .unwrap_or_default(),
        )
    }

    /// Official code: ISO 3166-1 alpha-2 for countries, ISO 3166-2 for regions, where known.
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// Country the place lies in.
    async fn country(&self) -> CountryCode {
        CountryCode(self.0.country_code.clone())
    }

    /// The place this one lies in.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Place>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.places.load_one(parent).await?.map(Place))
    }

    /// Places that lie directly in this one.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Place>> {
        let rows = loaders(ctx)?.places_of_place.load_one(self.0.id).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Place).collect())
    }

    /// Projects that cover this place.
    async fn projects(&self, ctx: &Context<'_>) -> Result<Vec<Project>> {
        let loaders = loaders(ctx)?;
        let links = loaders.projects_of_place.load_one(self.0.id).await?;
        let ids: Vec<i32> = links
            .unwrap_or_default()
            .iter()
            .map(|l| l.project_id)
            .collect();
        let found = loaders.projects.load_many(ids.iter().copied()).await?;
        Ok(ids
            .iter()
            .filter_map(|id| found.get(id).cloned().map(Project))
            .collect())
    }

    /// All texts of the place (its names) in every language.
    async fn texts(&self, ctx: &Context<'_>) -> Result<Vec<LocalizedText>> {
        Ok(common::translations(ctx, RecordType::Place, self.0.id, None).await?)
    }

    /// Source documents the place was curated from.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(common::sources(ctx, RecordType::Place, self.0.id).await?)
    }
}

/// Loads the places linked to a project, in the order the source gives them.
pub async fn places_of_project(ctx: &Context<'_>, project_id: i32) -> ApiResult<Vec<Place>> {
    let loaders = loaders(ctx)?;
    let links: Vec<project_place::Model> = loaders
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

connection!(
    PlaceConnection,
    PlaceEdge,
    Place,
    "A page of places, following the Relay connection specification.",
    "A place with its cursor."
);

/// Which places to return. All given fields must hold.
#[derive(Debug, Default, InputObject)]
pub struct PlaceFilter {
    /// Name contains this text, ignoring case and diacritics ("rezekne" finds "Rēzekne").
    pub text: Option<String>,
    /// Place is of one of these kinds.
    pub kind: Option<Vec<PlaceKind>>,
    /// Place lies in one of these countries.
    pub country: Option<Vec<CountryCode>>,
    /// Place lies directly in one of these places.
    pub parent: Option<Vec<ID>>,
    /// All of these filters hold.
    pub and: Option<Vec<PlaceFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<PlaceFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<PlaceFilter>>,
}

impl LogicalFilter for PlaceFilter {
    fn own_condition(&self) -> ApiResult<Condition> {
        let mut all = Condition::all();
        if let Some(text) = &self.text {
            all = all.add(place::Column::SearchText.like(contains_pattern(text)));
        }
        if let Some(kinds) = &self.kind {
            all = all.add(
                place::Column::Kind.is_in(kinds.iter().map(|k| entity::enums::PlaceKind::from(*k))),
            );
        }
        if let Some(countries) = &self.country {
            all = all.add(place::Column::CountryCode.is_in(countries.iter().map(|c| c.0.clone())));
        }
        if let Some(parents) = &self.parent {
            all = all
                .add(place::Column::ParentId.is_in(ids::expect_all(RecordType::Place, parents)?));
        }
        Ok(all)
    }

    logical_filter!(PlaceFilter);
}

/// Fields places can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum PlaceOrderField {
    /// Original name, ignoring case and diacritics.
    Name,
    /// Level in the place tree.
    Kind,
    /// Country code.
    Country,
    /// Stable key.
    Key,
}

/// One ordering criterion for places.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct PlaceOrder {
    /// What to order by.
    pub field: PlaceOrderField,
    /// Which way.
    #[graphql(default)]
    pub direction: OrderDirection,
}

fn place_order(orders: Option<Vec<PlaceOrder>>) -> Vec<(place::Column, Order)> {
    orders
        .unwrap_or_default()
        .into_iter()
        .map(|o| {
            let column = match o.field {
                PlaceOrderField::Name => place::Column::SearchText,
                PlaceOrderField::Kind => place::Column::Kind,
                PlaceOrderField::Country => place::Column::CountryCode,
                PlaceOrderField::Key => place::Column::Key,
            };
            (column, o.direction.into())
        })
        .collect()
}

/// Root fields of places.
#[derive(Default)]
pub struct PlaceQuery;

/// Root fields of places.
#[Object]
impl PlaceQuery {
    /// Places, filtered and ordered; by ID when no order is given.
    #[allow(clippy::too_many_arguments)]
    async fn places(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many places from the start of the window.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the place with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many places from the end of the window.")]
        last: Option<i32>,
        #[graphql(desc = "End before the place with this cursor.")] before: Option<String>,
        #[graphql(desc = "Which places to return.")] filter: Option<PlaceFilter>,
        #[graphql(desc = "Sort order; ties are broken by ID.")] order_by: Option<Vec<PlaceOrder>>,
    ) -> Result<PlaceConnection> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        Ok(page_of::<place::Entity, _, _>(
            ctx,
            filter.as_ref(),
            place_order(order_by),
            &args,
            Place,
        )
        .await?
        .into())
    }
}
