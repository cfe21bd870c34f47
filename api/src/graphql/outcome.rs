//! Outcomes: work packages and the deliverables, activities and indicators under them.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::enums::RecordType;

use super::connection::{connection, page_request};
use super::context::{db, loaders};
use super::enums::{OrderDirection, OutcomeKind};
use super::filter::{FilterInput, logical_filter, store_filter};
use super::ids;
use super::nodes::{Outcome, Place, Project, SourceDocument};
use super::scalars::LanguageCode;
use super::text::{self, LocalizedText};
use crate::error::{ApiError, ApiResult};
use crate::store::outcomes::{self, OutcomeOrderField as StoredOrderField, OutcomePredicate};

/// A work package, deliverable, activity or indicator of a project, with planned and achieved
/// quantities where the source gives them.
#[Object]
impl Outcome {
    /// Global ID of the outcome.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::Outcome, self.0.id)
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

    /// What the outcome describes.
    async fn kind(&self) -> OutcomeKind {
        self.0.kind.into()
    }

    /// Numbering as the source gives it, e.g. `1.2`.
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// Position within the project, from 0, in the source's order.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// Title in `lang`, falling back to the original language, then English, then any.
    async fn title(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<String> {
        Ok(
            text::localized(ctx, RecordType::Outcome, self.0.id, "title", lang.as_ref())
                .await?
                .unwrap_or_default(),
        )
    }

    /// Details in `lang` with the usual fallback.
    async fn description(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<Option<String>> {
        Ok(text::localized(
            ctx,
            RecordType::Outcome,
            self.0.id,
            "description",
            lang.as_ref(),
        )
        .await?)
    }

    /// The quantity the project planned, in `unit`.
    async fn planned_quantity(&self) -> Option<i32> {
        self.0.planned_quantity
    }

    /// The quantity the project achieved, in `unit`, where a source reports it.
    async fn achieved_quantity(&self) -> Option<i32> {
        self.0.achieved_quantity
    }

    /// Unit of the quantities, in English plural, e.g. `people`, `seminar days`, `centres`.
    async fn unit(&self) -> Option<&str> {
        self.0.unit.as_deref()
    }

    /// The project.
    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        let row = loaders(ctx)?.projects.load_one(self.0.project_id).await?;
        Ok(Project::from(row.ok_or(ApiError::Internal)?))
    }

    /// The work package (or other outcome) this one belongs to.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Outcome>> {
        let Some(id) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.outcomes.load_one(id).await?.map(Outcome))
    }

    /// Outcomes that belong to this one, such as the deliverables of a work package.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Outcome>> {
        let rows = loaders(ctx)?
            .outcomes_of_outcome
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Outcome).collect())
    }

    /// Where the outcome is located, e.g. the municipality of a resource centre.
    async fn place(&self, ctx: &Context<'_>) -> Result<Option<Place>> {
        let Some(id) = self.0.place_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.places.load_one(id).await?.map(Place))
    }

    /// All texts of the outcome in every language.
    async fn texts(&self, ctx: &Context<'_>) -> Result<Vec<LocalizedText>> {
        Ok(text::translations(ctx, RecordType::Outcome, self.0.id, None).await?)
    }

    /// Source documents the outcome was curated from.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(text::sources(ctx, RecordType::Outcome, self.0.id).await?)
    }
}

connection!(
    OutcomeConnection,
    OutcomeEdge,
    Outcome,
    "A page of outcomes, following the Relay connection specification.",
    "An outcome with its cursor."
);

/// Which outcomes to return. All given fields must hold.
#[derive(Debug, Default, InputObject)]
pub struct OutcomeFilter {
    /// Of one of these projects.
    pub project: Option<Vec<ID>>,
    /// Of one of these kinds.
    pub kind: Option<Vec<OutcomeKind>>,
    /// Counted in one of these units.
    pub unit: Option<Vec<String>>,
    /// True: only outcomes with a planned quantity; false: only those without.
    pub has_quantity: Option<bool>,
    /// True: only top-level outcomes; false: only outcomes inside another.
    pub top_level: Option<bool>,
    /// All of these filters hold.
    pub and: Option<Vec<OutcomeFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<OutcomeFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<OutcomeFilter>>,
}

impl FilterInput for OutcomeFilter {
    type Predicate = OutcomePredicate;

    fn predicates(&self) -> ApiResult<Vec<OutcomePredicate>> {
        let mut all = Vec::new();
        if let Some(projects) = &self.project {
            all.push(OutcomePredicate::Project(ids::expect_all(
                RecordType::Project,
                projects,
            )?));
        }
        if let Some(kinds) = &self.kind {
            all.push(OutcomePredicate::Kind(
                kinds.iter().map(|k| (*k).into()).collect(),
            ));
        }
        if let Some(units) = &self.unit {
            all.push(OutcomePredicate::Unit(units.clone()));
        }
        if let Some(has_quantity) = self.has_quantity {
            all.push(OutcomePredicate::HasQuantity(has_quantity));
        }
        if let Some(top_level) = self.top_level {
            all.push(OutcomePredicate::TopLevel(top_level));
        }
        Ok(all)
    }

    logical_filter!();
}

/// Fields outcomes can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "StoredOrderField")]
pub enum OutcomeOrderField {
    /// Project, then the source's order within it.
    Position,
    /// Kind of outcome.
    Kind,
    /// Planned quantity; outcomes without one come last.
    PlannedQuantity,
}

/// One ordering criterion for outcomes.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct OutcomeOrder {
    /// What to order by.
    pub field: OutcomeOrderField,
    /// Which way.
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Root fields of outcomes.
#[derive(Default)]
pub struct OutcomeQuery;

/// Root fields of outcomes.
#[Object]
impl OutcomeQuery {
    /// Outcomes of all projects, filtered and ordered; by ID when no order is given.
    #[allow(clippy::too_many_arguments)]
    async fn outcomes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many outcomes from the start of the window.")] first: Option<i32>,
        #[graphql(desc = "Start after the outcome with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many outcomes from the end of the window.")]
        last: Option<i32>,
        #[graphql(desc = "End before the outcome with this cursor.")] before: Option<String>,
        #[graphql(desc = "Which outcomes to return.")] filter: Option<OutcomeFilter>,
        #[graphql(desc = "Sort order; ties are broken by ID.")] order_by: Option<Vec<OutcomeOrder>>,
    ) -> Result<OutcomeConnection> {
        let order: Vec<_> = order_by
            .unwrap_or_default()
            .into_iter()
            .flat_map(|o| outcomes::sort_columns(o.field.into(), o.direction.is_descending()))
            .collect();
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let page = outcomes::page_of(
            db(ctx)?,
            filter.as_ref(),
            &order,
            &page_request(ctx, first, after, last, before)?,
        )
        .await?;
        Ok(OutcomeConnection::of(page, Outcome))
    }
}
