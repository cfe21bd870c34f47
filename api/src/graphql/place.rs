//! Places: countries, regions, municipalities, settlements and venues, in a tree.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::enums::RecordType;

use super::connection::{connection, page_request};
use super::context::{db, loaders};
use super::enums::{OrderDirection, PlaceKind};
use super::filter::{FilterInput, logical_filter, store_filter};
use super::ids;
use super::nodes::{Place, Project, SourceDocument};
use super::scalars::{CountryCode, LanguageCode};
use super::text::{self, LocalizedText};
use crate::error::ApiResult;
use crate::store::filter::TextMatch;
use crate::store::places::{self, PlaceOrderField as StoredOrderField, PlacePredicate};

/// A country, region, municipality, settlement or venue.
#[Object]
impl Place {
    /// Global ID of the place.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::Place, self.0.id)
    }

    /// 1 when the record was created, one more after each change. Send it back as
    /// `expectedVersion` to change the record only if nobody changed it since you read it.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When the record last changed.
    async fn updated_at(&self) -> super::scalars::DateTime {
        super::scalars::DateTime(self.0.updated_at.fixed_offset())
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
            text::localized(ctx, RecordType::Place, self.0.id, "name", lang.as_ref())
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
            .filter_map(|id| found.get(id).cloned().map(Project::from))
            .collect())
    }

    /// All texts of the place (its names) in every language.
    async fn texts(&self, ctx: &Context<'_>) -> Result<Vec<LocalizedText>> {
        Ok(text::translations(ctx, RecordType::Place, self.0.id, None).await?)
    }

    /// Source documents the place was curated from.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(text::sources(ctx, RecordType::Place, self.0.id).await?)
    }
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
    /// Words its name matches, as `search` matches them: each word or its start, in any
    /// language, ignoring case and diacritics ("rezekne" finds "Rēzekne") and a typo;
    /// phrases, `-word` and `or` too.
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

impl FilterInput for PlaceFilter {
    type Predicate = PlacePredicate;

    fn predicates(&self) -> ApiResult<Vec<PlacePredicate>> {
        let mut all = Vec::new();
        if let Some(text) = &self.text {
            all.push(PlacePredicate::Text(TextMatch::Typed(text.clone())));
        }
        if let Some(kinds) = &self.kind {
            all.push(PlacePredicate::Kind(
                kinds.iter().map(|k| (*k).into()).collect(),
            ));
        }
        if let Some(countries) = &self.country {
            all.push(PlacePredicate::Country(
                countries.iter().map(|c| c.0.clone()).collect(),
            ));
        }
        if let Some(parents) = &self.parent {
            all.push(PlacePredicate::Parent(ids::expect_all(
                RecordType::Place,
                parents,
            )?));
        }
        Ok(all)
    }

    logical_filter!();
}

/// Fields places can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "StoredOrderField")]
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
        let order: Vec<_> = order_by
            .unwrap_or_default()
            .into_iter()
            .map(|o| places::sort_column(o.field.into(), o.direction.is_descending()))
            .collect();
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let page = places::page_of(
            db(ctx)?,
            filter.as_ref(),
            &order,
            &page_request(ctx, first, after, last, before)?,
        )
        .await?;
        Ok(PlaceConnection::of(page, Place))
    }
}
