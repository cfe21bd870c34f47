//! Localized texts: every text of a record in each language, kept in one table for all record
//! types and loaded per record type (see [`super::loaders::TextsOf`]).

use entity::enums::RecordType;
use entity::localized_text;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::domain::text::fold;
use crate::domain::validation::TextDraft;

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

/// Adds texts to their records, with their folded forms for search, and their words to the
/// vocabulary search corrects typos from.
pub async fn insert(db: &impl ConnectionTrait, texts: Vec<NewText>) -> Result<(), DbErr> {
    super::search::add_words(db, texts.iter().map(|t| t.text.as_str())).await?;
    let rows: Vec<localized_text::ActiveModel> = texts
        .into_iter()
        .map(|t| localized_text::ActiveModel {
            folded: Set(Some(fold(&t.text))),
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

/// Every text of record `id`.
pub async fn of_record(
    db: &impl ConnectionTrait,
    record: RecordType,
    id: i32,
) -> Result<Vec<TextRow>, DbErr> {
    localized_text::Entity::find()
        .filter(localized_text::Column::RecordType.eq(record.as_str()))
        .filter(localized_text::Column::RecordId.eq(id))
        .order_by_asc(localized_text::Column::Id)
        .all(db)
        .await
}

/// The texts of `field` among `rows`, as a write gives them.
pub fn drafts(rows: &[TextRow], field: &str) -> Vec<TextDraft> {
    rows.iter()
        .filter(|row| row.field == field && row.position == 0)
        .map(|row| TextDraft {
            lang: row.lang.clone(),
            text: row.text.clone(),
            is_original: row.is_original,
        })
        .collect()
}

/// The texts of `field` of record `id`, as rows to insert.
fn of_field(record: RecordType, id: i32, field: &str, texts: &[TextDraft]) -> Vec<NewText> {
    texts
        .iter()
        .map(|t| NewText {
            record,
            record_id: id,
            field: field.to_owned(),
            position: 0,
            lang: t.lang.clone(),
            text: t.text.clone(),
            is_original: t.is_original,
        })
        .collect()
}

/// The items of list field `field` of record `id`, as rows to insert.
fn of_list(record: RecordType, id: i32, field: &str, items: &[Vec<TextDraft>]) -> Vec<NewText> {
    (0..)
        .zip(items)
        .flat_map(|(position, texts)| {
            texts.iter().map(move |t| NewText {
                record,
                record_id: id,
                field: field.to_owned(),
                position,
                lang: t.lang.clone(),
                text: t.text.clone(),
                is_original: t.is_original,
            })
        })
        .collect()
}

/// Adds the texts of a record just created (which has none yet), every field in one statement.
pub async fn insert_new(
    db: &impl ConnectionTrait,
    record: RecordType,
    id: i32,
    fields: &[(&str, &[TextDraft])],
    lists: &[(&str, &[Vec<TextDraft>])],
) -> Result<(), DbErr> {
    let mut new = Vec::new();
    for (field, texts) in fields {
        new.extend(of_field(record, id, field, texts));
    }
    for (field, items) in lists {
        new.extend(of_list(record, id, field, items));
    }
    insert(db, new).await
}

/// Replaces the texts of `field` of record `id` with `texts`.
pub async fn replace(
    db: &impl ConnectionTrait,
    record: RecordType,
    id: i32,
    field: &str,
    texts: &[TextDraft],
) -> Result<(), DbErr> {
    delete_field(db, record, id, field).await?;
    insert(db, of_field(record, id, field, texts)).await
}

async fn delete_field(
    db: &impl ConnectionTrait,
    record: RecordType,
    id: i32,
    field: &str,
) -> Result<(), DbErr> {
    localized_text::Entity::delete_many()
        .filter(localized_text::Column::RecordType.eq(record.as_str()))
        .filter(localized_text::Column::RecordId.eq(id))
        .filter(localized_text::Column::Field.eq(field))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes every text of these records.
pub async fn delete_of(
    db: &impl ConnectionTrait,
    record: RecordType,
    ids: &[i32],
) -> Result<(), DbErr> {
    for chunk in ids.chunks(TEXTS_PER_INSERT) {
        localized_text::Entity::delete_many()
            .filter(localized_text::Column::RecordType.eq(record.as_str()))
            .filter(localized_text::Column::RecordId.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The texts of list field `field` (aims, target groups) among `rows`, one list of
/// translations per item, in order.
pub fn list_drafts(rows: &[TextRow], field: &str) -> Vec<Vec<TextDraft>> {
    let mut items: std::collections::BTreeMap<i32, Vec<TextDraft>> = Default::default();
    for row in rows.iter().filter(|row| row.field == field) {
        items.entry(row.position).or_default().push(TextDraft {
            lang: row.lang.clone(),
            text: row.text.clone(),
            is_original: row.is_original,
        });
    }
    items.into_values().collect()
}

/// Replaces the items of list field `field` of record `id`.
pub async fn replace_list(
    db: &impl ConnectionTrait,
    record: RecordType,
    id: i32,
    field: &str,
    items: &[Vec<TextDraft>],
) -> Result<(), DbErr> {
    delete_field(db, record, id, field).await?;
    insert(db, of_list(record, id, field, items)).await
}
