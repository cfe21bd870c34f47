//! Outcomes (work packages, deliverables, activities, indicators): rows, filter predicates,
//! orderings and pages.

use entity::enums::OutcomeKind;
use entity::outcome;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait,
};

use super::filter::{Filter, Predicate, filtered};
use super::page::{Page, PageRequest, SortColumn, SortKind, page};
use super::writes::{UnitOfWork, update_versioned};
use crate::error::ApiResult;

/// An outcome.
pub type OutcomeRow = outcome::Model;

/// One condition on outcomes.
#[derive(Debug, Clone)]
pub enum OutcomePredicate {
    Project(Vec<i32>),
    Kind(Vec<OutcomeKind>),
    Unit(Vec<String>),
    /// Has a planned quantity (true) or not (false).
    HasQuantity(bool),
    /// Top-level (true) or inside another outcome (false).
    TopLevel(bool),
}

impl Predicate for OutcomePredicate {
    fn condition(&self) -> ApiResult<Condition> {
        use outcome::Column;
        let all = Condition::all();
        Ok(match self {
            Self::Project(ids) => all.add(Column::ProjectId.is_in(ids.iter().copied())),
            Self::Kind(kinds) => all.add(Column::Kind.is_in(kinds.iter().copied())),
            Self::Unit(units) => all.add(Column::Unit.is_in(units.iter().cloned())),
            Self::HasQuantity(true) => all.add(Column::PlannedQuantity.is_not_null()),
            Self::HasQuantity(false) => all.add(Column::PlannedQuantity.is_null()),
            Self::TopLevel(true) => all.add(Column::ParentId.is_null()),
            Self::TopLevel(false) => all.add(Column::ParentId.is_not_null()),
        })
    }
}

/// What outcomes can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeOrderField {
    Position,
    Kind,
    PlannedQuantity,
}

/// The sort columns of outcomes by `field`: position is the position within the project.
pub fn sort_columns(
    field: OutcomeOrderField,
    descending: bool,
) -> Vec<SortColumn<outcome::Column>> {
    let column = |column, kind, name| SortColumn {
        column,
        kind,
        descending,
        name,
    };
    match field {
        OutcomeOrderField::Position => vec![
            column(outcome::Column::ProjectId, SortKind::Integer, "project"),
            column(outcome::Column::Position, SortKind::Integer, "position"),
        ],
        OutcomeOrderField::Kind => vec![column(outcome::Column::Kind, SortKind::Text, "kind")],
        OutcomeOrderField::PlannedQuantity => vec![column(
            outcome::Column::PlannedQuantity,
            SortKind::Integer,
            "planned_quantity",
        )],
    }
}

/// One page of the outcomes `filter` selects.
pub async fn page_of(
    db: &impl ConnectionTrait,
    filter: Option<&Filter<OutcomePredicate>>,
    order: &[SortColumn<outcome::Column>],
    request: &PageRequest,
) -> ApiResult<Page<OutcomeRow>> {
    let select = filtered(outcome::Entity::find(), filter)?;
    page(db, select, order, outcome::Column::Id, request).await
}

/// An outcome to add to a project, under a parent outcome of the same project or at the top.
#[derive(Debug, Clone)]
pub struct NewOutcome {
    pub project_id: i32,
    pub parent_id: Option<i32>,
    pub kind: OutcomeKind,
    pub code: Option<String>,
    /// Place in the project's outcomes, parents before their children.
    pub position: i32,
    pub planned_quantity: Option<i32>,
    pub achieved_quantity: Option<i32>,
    pub unit: Option<String>,
    pub place_id: Option<i32>,
}

/// Adds an outcome; returns its id.
pub async fn insert(db: &impl ConnectionTrait, new: NewOutcome) -> Result<i32, DbErr> {
    let row = outcome::ActiveModel {
        version: Set(1),
        updated_at: Set(chrono::Utc::now()),
        project_id: Set(new.project_id),
        parent_id: Set(new.parent_id),
        kind: Set(new.kind),
        code: Set(new.code),
        position: Set(new.position),
        planned_quantity: Set(new.planned_quantity),
        achieved_quantity: Set(new.achieved_quantity),
        unit: Set(new.unit),
        place_id: Set(new.place_id),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Writes outcome `id` as `new` describes it, if it is still at `version`.
pub async fn update(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    new: &NewOutcome,
) -> Result<bool, DbErr> {
    let row = outcome::ActiveModel {
        project_id: Set(new.project_id),
        parent_id: Set(new.parent_id),
        kind: Set(new.kind),
        code: Set(new.code.clone()),
        position: Set(new.position),
        planned_quantity: Set(new.planned_quantity),
        achieved_quantity: Set(new.achieved_quantity),
        unit: Set(new.unit.clone()),
        place_id: Set(new.place_id),
        ..Default::default()
    };
    update_versioned::<outcome::Entity>(uow, id, version, row).await
}

/// The project and the parent of outcome `id`, when it exists.
pub async fn lineage(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<(i32, Option<i32>)>, DbErr> {
    Ok(outcome::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|o| (o.project_id, o.parent_id)))
}
