//! A partner organisation, funder body or other participant.

use crate::enums::OrganisationKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub key: String,
    pub kind: OrganisationKind,
    pub short_name: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country_code: String,
    pub city: Option<String>,
    pub website: Option<String>,
    /// The place (usually a municipality) the organisation is based in.
    pub place_id: Option<i32>,
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
