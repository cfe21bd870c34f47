//! A work package, deliverable, activity or indicator of a project.

use crate::enums::OutcomeKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outcomes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    /// The work package this outcome belongs to.
    pub parent_id: Option<i32>,
    pub kind: OutcomeKind,
    /// Numbering as the source gives it, e.g. `1.2`.
    pub code: Option<String>,
    pub position: i32,
    pub planned_quantity: Option<i32>,
    pub achieved_quantity: Option<i32>,
    /// Unit of the quantities, in English plural, e.g. `people`, `seminar days`.
    pub unit: Option<String>,
    /// Where the outcome is located, e.g. the municipality of a resource centre.
    pub place_id: Option<i32>,
    /// 1 at creation, +1 per change: the optimistic-concurrency token.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
