//! Funders, the programme tree under each funder, and the funding lines of projects.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::RecordType;

use super::connection::{connection, page_request};
use super::context::{db, loaders};
use super::enums::{FundingKind, OrderDirection};
use super::filter::{FilterInput, logical_filter, store_filter};
use super::ids;
use super::nodes::{Funder, FundingLine, Organisation, Programme, Project, SourceDocument};
use super::scalars::{CountryCode, CurrencyCode, Decimal, LanguageCode, Money};
use super::text::{self, LocalizedText};
use crate::domain::funding::check_funding;
use crate::error::{ApiError, ApiResult};
use crate::store::filter::TextMatch;
use crate::store::funding::{
    self as store, FunderOrderField as StoredFunderOrder, FunderPredicate,
    FundingLineOrderField as StoredLineOrder, FundingLinePredicate, ProgrammePredicate,
};

/// A body that funds projects, directly or through programmes.
#[Object]
impl Funder {
    /// Global ID of the funder.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::Funder, self.0.id)
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

    /// Stable human-readable key, e.g. `nordic-council-of-ministers`.
    async fn key(&self) -> &str {
        &self.0.key
    }

    /// Name in `lang`, falling back to the original language, then English, then any.
    async fn name(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<String> {
        Ok(
            text::localized(ctx, RecordType::Funder, self.0.id, "name", lang.as_ref())
                .await?
                .unwrap_or_default(),
        )
    }

    /// Country of the funder, where it belongs to one.
    async fn country(&self) -> Option<CountryCode> {
        self.0.country_code.clone().map(CountryCode)
    }

    /// Website address.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// The funder as an organisation, when it also takes part in projects.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .organisations
            .load_one(id)
            .await?
            .map(Organisation::from))
    }

    /// Every project the funder funds, by ID, however a source names the funder: as the
    /// funder of the project's programme (or a programme above it), of one of its funding
    /// lines, or as an organisation taking part with the role `FUNDER` (then no amount may be
    /// known). `projects(filter: { funder: [...] })` selects the same projects, with paging.
    async fn projects(&self, ctx: &Context<'_>) -> Result<Vec<Project>> {
        let loaders = loaders(ctx)?;
        let ids = loaders
            .projects_of_funder
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let mut rows = loaders.projects.load_many(ids.iter().copied()).await?;
        Ok(ids
            .iter()
            .filter_map(|id| rows.remove(id))
            .map(Project::from)
            .collect())
    }

    /// The funder's top-level programmes; follow `children` for the rest of the tree.
    async fn programmes(&self, ctx: &Context<'_>) -> Result<Vec<Programme>> {
        let rows = loaders(ctx)?
            .programmes_of_funder
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|p| p.parent_id.is_none())
            .map(Programme)
            .collect())
    }

    /// All texts of the funder (its names) in every language.
    async fn texts(&self, ctx: &Context<'_>) -> Result<Vec<LocalizedText>> {
        Ok(text::translations(ctx, RecordType::Funder, self.0.id, None).await?)
    }

    /// Source documents the funder was curated from.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(text::sources(ctx, RecordType::Funder, self.0.id).await?)
    }
}

/// A funding programme. Programmes form a tree under their funder, e.g. Nordplus > Nordplus Adult.
#[Object]
impl Programme {
    /// Global ID of the programme.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::Programme, self.0.id)
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

    /// Stable human-readable key, e.g. `nordplus-adult`.
    async fn key(&self) -> &str {
        &self.0.key
    }

    /// The funder's code for the programme, e.g. `LT10`.
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// Name in `lang`, falling back to the original language, then English, then any.
    async fn name(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<String> {
        Ok(
            text::localized(ctx, RecordType::Programme, self.0.id, "name", lang.as_ref())
                .await?
                .unwrap_or_default(),
        )
    }

    /// The funder that runs the programme.
    async fn funder(&self, ctx: &Context<'_>) -> Result<Funder> {
        let row = loaders(ctx)?.funders.load_one(self.0.funder_id).await?;
        Ok(Funder(row.ok_or(ApiError::Internal)?))
    }

    /// The programme one level up, if any.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Programme>> {
        let Some(id) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.programmes.load_one(id).await?.map(Programme))
    }

    /// Every programme above this one, nearest first.
    async fn ancestors(&self, ctx: &Context<'_>) -> Result<Vec<Programme>> {
        let loaders = loaders(ctx)?;
        let mut chain = Vec::new();
        let mut next = self.0.parent_id;
        // The tree is shallow; the guard stops a corrupted cycle from looping.
        while let Some(id) = next.filter(|_| chain.len() < 32) {
            let Some(parent) = loaders.programmes.load_one(id).await? else {
                break;
            };
            next = parent.parent_id;
            chain.push(Programme(parent));
        }
        Ok(chain)
    }

    /// Programmes directly under this one.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Programme>> {
        let rows = loaders(ctx)?
            .programmes_of_programme
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Programme).collect())
    }

    /// Projects funded under this programme itself (not its sub-programmes).
    async fn projects(&self, ctx: &Context<'_>) -> Result<Vec<Project>> {
        let rows = loaders(ctx)?
            .projects_of_programme
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Project::from).collect())
    }

    /// Funding lines paid under this programme itself.
    async fn funding_lines(&self, ctx: &Context<'_>) -> Result<Vec<FundingLine>> {
        let rows = loaders(ctx)?
            .funding_lines_of_programme
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(FundingLine).collect())
    }

    /// All texts of the programme (its names) in every language.
    async fn texts(&self, ctx: &Context<'_>) -> Result<Vec<LocalizedText>> {
        Ok(text::translations(ctx, RecordType::Programme, self.0.id, None).await?)
    }

    /// Source documents the programme was curated from.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(text::sources(ctx, RecordType::Programme, self.0.id).await?)
    }
}

/// An amount of money for a project from one kind of source.
#[Object]
impl FundingLine {
    /// Global ID of the funding line.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::FundingLine, self.0.id)
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

    /// Where the money comes from.
    async fn kind(&self) -> FundingKind {
        self.0.kind.into()
    }

    /// The exact amount and its currency.
    async fn amount(&self) -> Money {
        Money::from_minor(self.0.amount_minor, &self.0.currency)
    }

    /// What the source calls this money, in `lang` with the usual fallback.
    async fn description(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Preferred language.")] lang: Option<LanguageCode>,
    ) -> Result<Option<String>> {
        Ok(text::localized(
            ctx,
            RecordType::FundingLine,
            self.0.id,
            "description",
            lang.as_ref(),
        )
        .await?)
    }

    /// The funded project.
    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        let row = loaders(ctx)?.projects.load_one(self.0.project_id).await?;
        Ok(Project::from(row.ok_or(ApiError::Internal)?))
    }

    /// The funder that provides the money, when it is a funder.
    async fn funder(&self, ctx: &Context<'_>) -> Result<Option<Funder>> {
        let Some(id) = self.0.funder_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.funders.load_one(id).await?.map(Funder))
    }

    /// The programme the money is paid under.
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<Programme>> {
        let Some(id) = self.0.programme_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.programmes.load_one(id).await?.map(Programme))
    }

    /// All texts of the funding line in every language.
    async fn texts(&self, ctx: &Context<'_>) -> Result<Vec<LocalizedText>> {
        Ok(text::translations(ctx, RecordType::FundingLine, self.0.id, None).await?)
    }

    /// Source documents that state this amount.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(text::sources(ctx, RecordType::FundingLine, self.0.id).await?)
    }
}

connection!(
    FunderConnection,
    FunderEdge,
    Funder,
    "A page of funders, following the Relay connection specification.",
    "A funder with its cursor."
);
connection!(
    ProgrammeConnection,
    ProgrammeEdge,
    Programme,
    "A page of programmes, following the Relay connection specification.",
    "A programme with its cursor."
);
connection!(
    FundingLineConnection,
    FundingLineEdge,
    FundingLine,
    "A page of funding lines, following the Relay connection specification.",
    "A funding line with its cursor."
);

/// Which funders to return. All given fields must hold.
#[derive(Debug, Default, InputObject)]
pub struct FunderFilter {
    /// Words its name matches, as `search` matches them: each word or its start, in any
    /// language, ignoring case and diacritics and a typo; phrases, `-word` and `or` too.
    pub text: Option<String>,
    /// Belongs to one of these countries.
    pub country: Option<Vec<CountryCode>>,
    /// All of these filters hold.
    pub and: Option<Vec<FunderFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<FunderFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<FunderFilter>>,
}

impl FilterInput for FunderFilter {
    type Predicate = FunderPredicate;

    fn predicates(&self) -> ApiResult<Vec<FunderPredicate>> {
        let mut all = Vec::new();
        if let Some(text) = &self.text {
            all.push(FunderPredicate::Text(TextMatch::Typed(text.clone())));
        }
        if let Some(countries) = &self.country {
            all.push(FunderPredicate::Country(
                countries.iter().map(|c| c.0.clone()).collect(),
            ));
        }
        Ok(all)
    }

    logical_filter!();
}

/// Which programmes to return. All given fields must hold.
#[derive(Debug, Default, InputObject)]
pub struct ProgrammeFilter {
    /// Words its name or code matches, as `search` matches them: each word or its start, in
    /// any language, ignoring case and diacritics and a typo; phrases, `-word` and `or` too.
    pub text: Option<String>,
    /// Run by one of these funders.
    pub funder: Option<Vec<ID>>,
    /// Directly under one of these programmes.
    pub parent: Option<Vec<ID>>,
    /// True: only top-level programmes; false: only sub-programmes.
    pub top_level: Option<bool>,
    /// One of these programmes or anywhere below them.
    pub within: Option<Vec<ID>>,
    /// All of these filters hold.
    pub and: Option<Vec<ProgrammeFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<ProgrammeFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<ProgrammeFilter>>,
}

impl FilterInput for ProgrammeFilter {
    type Predicate = ProgrammePredicate;

    fn predicates(&self) -> ApiResult<Vec<ProgrammePredicate>> {
        let mut all = Vec::new();
        if let Some(text) = &self.text {
            all.push(ProgrammePredicate::Text(TextMatch::Typed(text.clone())));
        }
        if let Some(funders) = &self.funder {
            all.push(ProgrammePredicate::Funder(ids::expect_all(
                RecordType::Funder,
                funders,
            )?));
        }
        if let Some(parents) = &self.parent {
            all.push(ProgrammePredicate::Parent(ids::expect_all(
                RecordType::Programme,
                parents,
            )?));
        }
        if let Some(top_level) = self.top_level {
            all.push(ProgrammePredicate::TopLevel(top_level));
        }
        if let Some(within) = &self.within {
            all.push(ProgrammePredicate::Within(ids::expect_all(
                RecordType::Programme,
                within,
            )?));
        }
        Ok(all)
    }

    logical_filter!();
}

/// An inclusive range of amounts; either end may be open.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct AmountRange {
    /// Smallest amount (inclusive).
    pub min: Option<Decimal>,
    /// Largest amount (inclusive).
    pub max: Option<Decimal>,
}

fn minor_units(Decimal(amount): Decimal) -> ApiResult<i64> {
    crate::domain::money::to_minor_units(amount)
        .map_err(|e| ApiError::bad_input(e.describe(amount)))
}

/// Which funding lines to return. All given fields must hold.
#[derive(Debug, Default, InputObject)]
pub struct FundingLineFilter {
    /// For one of these projects.
    pub project: Option<Vec<ID>>,
    /// Provided by one of these funders.
    pub funder: Option<Vec<ID>>,
    /// Paid under one of these programmes or any programme below them.
    pub programme: Option<Vec<ID>>,
    /// Of one of these kinds.
    pub kind: Option<Vec<FundingKind>>,
    /// In one of these currencies.
    pub currency: Option<Vec<CurrencyCode>>,
    /// Amount within this range (in the line's own currency).
    pub amount: Option<AmountRange>,
    /// All of these filters hold.
    pub and: Option<Vec<FundingLineFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<FundingLineFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<FundingLineFilter>>,
}

impl FilterInput for FundingLineFilter {
    type Predicate = FundingLinePredicate;

    fn predicates(&self) -> ApiResult<Vec<FundingLinePredicate>> {
        let mut all = Vec::new();
        if let Some(projects) = &self.project {
            all.push(FundingLinePredicate::Project(ids::expect_all(
                RecordType::Project,
                projects,
            )?));
        }
        if let Some(funders) = &self.funder {
            all.push(FundingLinePredicate::Funder(ids::expect_all(
                RecordType::Funder,
                funders,
            )?));
        }
        if let Some(programmes) = &self.programme {
            all.push(FundingLinePredicate::Programme(ids::expect_all(
                RecordType::Programme,
                programmes,
            )?));
        }
        if let Some(kinds) = &self.kind {
            all.push(FundingLinePredicate::Kind(
                kinds.iter().map(|k| (*k).into()).collect(),
            ));
        }
        if let Some(currencies) = &self.currency {
            all.push(FundingLinePredicate::Currency(
                currencies.iter().map(|c| c.0.clone()).collect(),
            ));
        }
        if let Some(range) = &self.amount {
            if let (Some(min), Some(max)) = (range.min, range.max)
                && min > max
            {
                return Err(ApiError::bad_input(format!(
                    "amount range ends ({}) below its start ({})",
                    max.0, min.0
                )));
            }
            all.push(FundingLinePredicate::AmountBetween(
                range.min.map(minor_units).transpose()?,
                range.max.map(minor_units).transpose()?,
            ));
        }
        Ok(all)
    }

    logical_filter!();
}

/// Fields funding lines can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "StoredLineOrder")]
pub enum FundingLineOrderField {
    /// The amount (compare within one currency only).
    Amount,
    /// The currency code.
    Currency,
    /// The kind of funding.
    Kind,
}

/// One ordering criterion for funding lines.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct FundingLineOrder {
    /// What to order by.
    pub field: FundingLineOrderField,
    /// Which way.
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Fields funders and programmes can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "StoredFunderOrder")]
pub enum FunderOrderField {
    /// Original name, ignoring case and diacritics.
    Name,
    /// Stable key.
    Key,
}

/// One ordering criterion for funders or programmes.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct FunderOrder {
    /// What to order by.
    pub field: FunderOrderField,
    /// Which way.
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Root fields of funding.
#[derive(Default)]
pub struct FundingQuery;

/// Root fields of funding.
#[Object]
impl FundingQuery {
    /// Funders, filtered and ordered; by ID when no order is given.
    #[allow(clippy::too_many_arguments)]
    async fn funders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many funders from the start of the window.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the funder with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many funders from the end of the window.")]
        last: Option<i32>,
        #[graphql(desc = "End before the funder with this cursor.")] before: Option<String>,
        #[graphql(desc = "Which funders to return.")] filter: Option<FunderFilter>,
        #[graphql(desc = "Sort order; ties are broken by ID.")] order_by: Option<Vec<FunderOrder>>,
    ) -> Result<FunderConnection> {
        let order: Vec<_> = order_by
            .unwrap_or_default()
            .into_iter()
            .map(|o| store::funder_sort(o.field.into(), o.direction.is_descending()))
            .collect();
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let page = store::funders_page(
            db(ctx)?,
            filter.as_ref(),
            &order,
            &page_request(ctx, first, after, last, before)?,
        )
        .await?;
        Ok(FunderConnection::of(page, Funder))
    }

    /// Funding programmes at every level of every funder's tree, filtered and ordered.
    #[allow(clippy::too_many_arguments)]
    async fn programmes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many programmes from the start of the window.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the programme with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many programmes from the end of the window.")]
        last: Option<i32>,
        #[graphql(desc = "End before the programme with this cursor.")] before: Option<String>,
        #[graphql(desc = "Which programmes to return.")] filter: Option<ProgrammeFilter>,
        #[graphql(desc = "Sort order; ties are broken by ID.")] order_by: Option<Vec<FunderOrder>>,
    ) -> Result<ProgrammeConnection> {
        let order: Vec<_> = order_by
            .unwrap_or_default()
            .into_iter()
            .map(|o| store::programme_sort(o.field.into(), o.direction.is_descending()))
            .collect();
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let page = store::programmes_page(
            db(ctx)?,
            filter.as_ref(),
            &order,
            &page_request(ctx, first, after, last, before)?,
        )
        .await?;
        Ok(ProgrammeConnection::of(page, Programme))
    }

    /// Funding lines of all projects, filtered and ordered; by ID when no order is given.
    #[allow(clippy::too_many_arguments)]
    async fn funding_lines(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many funding lines from the start of the window.")]
        first: Option<i32>,
        #[graphql(desc = "Start after the funding line with this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many funding lines from the end of the window.")]
        last: Option<i32>,
        #[graphql(desc = "End before the funding line with this cursor.")] before: Option<String>,
        #[graphql(desc = "Which funding lines to return.")] filter: Option<FundingLineFilter>,
        #[graphql(desc = "Sort order; ties are broken by ID.")] order_by: Option<
            Vec<FundingLineOrder>,
        >,
    ) -> Result<FundingLineConnection> {
        let order: Vec<_> = order_by
            .unwrap_or_default()
            .into_iter()
            .map(|o| store::funding_line_sort(o.field.into(), o.direction.is_descending()))
            .collect();
        let filter = store_filter(ctx, filter.as_ref()).await?;
        let page = store::funding_lines_page(
            db(ctx)?,
            filter.as_ref(),
            &order,
            &page_request(ctx, first, after, last, before)?,
        )
        .await?;
        Ok(FundingLineConnection::of(page, FundingLine))
    }
}

/// How a project's stated total compares with the sum of its funding lines.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::funding::FundingCheckStatus")]
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

/// The stated total (in minor units, with currency) next to the sums of the lines per currency.
pub fn funding_check(stated: Option<(i64, &str)>, computed: &[(String, i64)]) -> FundingCheck {
    let (difference, status) = check_funding(stated, computed);
    FundingCheck {
        stated: stated.map(|(amount, currency)| Money::from_minor(amount, currency)),
        computed: computed
            .iter()
            .map(|(currency, amount)| Money::from_minor(*amount, currency))
            .collect(),
        difference: difference
            .zip(stated)
            .map(|(difference, (_, currency))| Money::from_minor(difference, currency)),
        status: status.into(),
    }
}
