//! A contact person. Email and phone are personal data.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: Option<i32>,
    pub organisation_id: Option<i32>,
    pub name: String,
    /// The person's role as the source states it, in the source's language.
    pub role: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub position: i32,
    /// 1 at creation, +1 per change: the optimistic-concurrency token.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
