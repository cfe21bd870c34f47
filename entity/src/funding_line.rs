//! An amount of money for a project from one kind of source.

use crate::enums::FundingKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "funding_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub kind: FundingKind,
    pub funder_id: Option<i32>,
    pub programme_id: Option<i32>,
    /// Amount in hundredths of the currency unit (cents), never negative. Integer minor units
    /// keep amounts and their sums exact on SQLite too, whose DECIMAL is a float.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    pub position: i32,
    /// 1 at creation, +1 per change: the optimistic-concurrency token.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
