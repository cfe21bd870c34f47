//! Localized texts: every text of a record in each language, kept in one table for all record
//! types and loaded per record type (see [`super::loaders::TextsOf`]).

use entity::enums::RecordType;
use entity::localized_text;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

/// One text of a record in one language.
pub type TextRow = entity::localized_text::Model;

/// A text to add to a record.
#[derive(Debug, Clone)]
pub struct NewText {
    pub record: RecordType,
    pub record_id: i32,
    /// The record's field, e.g. `title`.
    pub field: String,
    /// Place in a list field (aims, target groups); 0 otherwise.
    pub position: i32,
    pub lang: String,
    pub text: String,
    /// Written in this language by the source, rather than translated.
    pub is_original: bool,
}

/// Rows per INSERT of texts: well under either database's limit of bound parameters.
const TEXTS_PER_INSERT: usize = 500;

/// Adds texts to their records.
pub async fn insert(db: &impl ConnectionTrait, texts: Vec<NewText>) -> Result<(), DbErr> {
    let rows: Vec<localized_text::ActiveModel> = texts
        .into_iter()
        .map(|t| localized_text::ActiveModel {
            record_type: Set(t.record.as_str().to_owned()),
            record_id: Set(t.record_id),
            field: Set(t.field),
            position: Set(t.position),
            lang: Set(t.lang),
            text: Set(t.text),
            is_original: Set(t.is_original),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(TEXTS_PER_INSERT) {
        localized_text::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}
