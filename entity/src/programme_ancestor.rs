//! The programme tree as a closure table: one row per programme and each of its ancestors,
//! the programme itself included at distance 0. Derived from `programmes.parent_id`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "programme_ancestors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub programme_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub ancestor_id: i32,
    /// Levels between the two: 0 for the programme itself, 1 for its parent, ...
    pub distance: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
