//! A funding programme; programmes form a tree under their funder.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "programmes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub key: String,
    pub funder_id: i32,
    pub parent_id: Option<i32>,
    /// Programme code where the funder uses one, e.g. `LT10`.
    pub code: Option<String>,
    /// Its names, folded and joined: what ordering by name sorts on.
    pub sort_name: String,
    /// 1 at creation, +1 per change: the optimistic-concurrency token.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
