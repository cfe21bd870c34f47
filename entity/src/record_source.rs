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
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::source_document::Entity",
        from = "Column::SourceDocumentId",
        to = "super::source_document::Column::Id"
    )]
    SourceDocument,
}

impl Related<super::source_document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SourceDocument.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
