//! A text of a record in one language; several per field when translated.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "localized_texts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// GraphQL type name of the record the text belongs to.
    pub record_type: String,
    pub record_id: i32,
    /// Which field of the record, e.g. `title`, `aim`.
    pub field: String,
    /// Order within list-valued fields (aims, target groups); 0 for single texts.
    pub position: i32,
    /// ISO 639-1 language code.
    pub lang: String,
    pub text: String,
    /// The text in lower-case ASCII (diacritics dropped), for full-text search; null only for
    /// texts written before search existed, until the API fills it in at start.
    pub folded: Option<String>,
    /// True for the text as the source wrote it, false for a translation.
    pub is_original: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
