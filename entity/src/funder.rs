//! A body that funds projects through programmes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "funders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub key: String,
    /// The organisation record of the funder, when it also takes part in projects.
    pub organisation_id: Option<i32>,
    pub country_code: Option<String>,
    pub website: Option<String>,
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
