//! Provenance: which source document a record (of any type) came from.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "record_sources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// GraphQL type name of the record, e.g. `Project`.
    pub record_type: String,
    pub record_id: i32,
    pub source_document_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
