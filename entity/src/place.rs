//! A place: country, region, municipality, settlement or venue, in a tree.

use crate::enums::PlaceKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "places")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub key: String,
    pub kind: PlaceKind,
    pub parent_id: Option<i32>,
    /// Official code where one exists (ISO 3166-1 alpha-2 for countries).
    pub code: Option<String>,
    /// ISO 3166-1 alpha-2 country the place lies in.
    pub country_code: String,
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
