//! A source document that records were curated from.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "source_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// File name of the document in the seed corpus; unique.
    #[sea_orm(unique)]
    pub file_name: String,
    pub title: String,
    /// ISO 639-1 language of the document.
    pub language: String,
    pub description: Option<String>,
    /// 1 at creation, +1 per change: the optimistic-concurrency token.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
