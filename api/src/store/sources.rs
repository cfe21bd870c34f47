//! Source documents: where every record came from, and which records cite which document.

use entity::enums::RecordType;
use entity::{record_source, source_document};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use super::writes::UnitOfWork;
use crate::error::ApiResult;

/// A source document.
pub type SourceDocumentRow = source_document::Model;

/// Every source document, by file name.
pub async fn all(db: &impl ConnectionTrait) -> ApiResult<Vec<SourceDocumentRow>> {
    Ok(source_document::Entity::find()
        .order_by_asc(source_document::Column::FileName)
        .all(db)
        .await?)
}

/// A source document to add.
#[derive(Debug, Clone)]
pub struct NewSourceDocument {
    pub file_name: String,
    pub title: String,
    /// ISO 639-1 language of the document.
    pub language: String,
    pub description: Option<String>,
}

/// Adds a source document; returns its id.
pub async fn insert(db: &impl ConnectionTrait, new: NewSourceDocument) -> Result<i32, DbErr> {
    let row = source_document::ActiveModel {
        version: Set(1),
        updated_at: Set(chrono::Utc::now()),
        file_name: Set(new.file_name),
        title: Set(new.title),
        language: Set(new.language),
        description: Set(new.description),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// A record citing a source document.
#[derive(Debug, Clone, Copy)]
pub struct Citation {
    pub record: RecordType,
    pub record_id: i32,
    pub source_document_id: i32,
}

/// Rows per INSERT of citations.
const CITATIONS_PER_INSERT: usize = 500;

/// Records that records cite source documents.
pub async fn cite(db: &impl ConnectionTrait, citations: &[Citation]) -> Result<(), DbErr> {
    for chunk in citations.chunks(CITATIONS_PER_INSERT) {
        let rows = chunk.iter().map(|c| record_source::ActiveModel {
            record_type: Set(c.record.as_str().to_owned()),
            record_id: Set(c.record_id),
            source_document_id: Set(c.source_document_id),
            ..Default::default()
        });
        record_source::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

/// Whether record `record_id` cites source document `source_document_id`.
pub async fn cites(db: &impl ConnectionTrait, citation: Citation) -> Result<bool, DbErr> {
    Ok(record_source::Entity::find()
        .filter(record_source::Column::RecordType.eq(citation.record.as_str()))
        .filter(record_source::Column::RecordId.eq(citation.record_id))
        .filter(record_source::Column::SourceDocumentId.eq(citation.source_document_id))
        .one(db)
        .await?
        .is_some())
}

/// The source documents each of these records cites, by record id (one statement).
pub async fn cited_by(
    db: &impl ConnectionTrait,
    record: RecordType,
    record_ids: &[i32],
) -> Result<std::collections::HashMap<i32, Vec<i32>>, DbErr> {
    let mut cited: std::collections::HashMap<i32, Vec<i32>> = std::collections::HashMap::new();
    for row in record_source::Entity::find()
        .filter(record_source::Column::RecordType.eq(record.as_str()))
        .filter(record_source::Column::RecordId.is_in(record_ids.iter().copied()))
        .order_by_asc(record_source::Column::SourceDocumentId)
        .all(db)
        .await?
    {
        cited
            .entry(row.record_id)
            .or_default()
            .push(row.source_document_id);
    }
    Ok(cited)
}

/// Removes one citation; false when there was none.
pub async fn uncite(db: &impl ConnectionTrait, citation: Citation) -> Result<bool, DbErr> {
    let result = record_source::Entity::delete_many()
        .filter(record_source::Column::RecordType.eq(citation.record.as_str()))
        .filter(record_source::Column::RecordId.eq(citation.record_id))
        .filter(record_source::Column::SourceDocumentId.eq(citation.source_document_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Removes every citation these records make.
pub async fn uncite_all(
    db: &impl ConnectionTrait,
    record: RecordType,
    ids: &[i32],
) -> Result<(), DbErr> {
    for chunk in ids.chunks(CITATIONS_PER_INSERT) {
        record_source::Entity::delete_many()
            .filter(record_source::Column::RecordType.eq(record.as_str()))
            .filter(record_source::Column::RecordId.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// How many records other than the document itself cite source document `id`.
pub async fn citation_count(db: &impl ConnectionTrait, id: i32) -> Result<u64, DbErr> {
    use sea_orm::{Condition, PaginatorTrait};
    record_source::Entity::find()
        .filter(record_source::Column::SourceDocumentId.eq(id))
        .filter(
            Condition::any()
                .add(record_source::Column::RecordType.ne(RecordType::SourceDocument.as_str()))
                .add(record_source::Column::RecordId.ne(id)),
        )
        .count(db)
        .await
}

/// Writes source document `id` as `new` describes it, if it is still at `version`.
pub async fn update(
    uow: &UnitOfWork<'_>,
    id: i32,
    version: i32,
    new: &NewSourceDocument,
) -> Result<bool, DbErr> {
    let row = source_document::ActiveModel {
        file_name: Set(new.file_name.clone()),
        title: Set(new.title.clone()),
        language: Set(new.language.clone()),
        description: Set(new.description.clone()),
        ..Default::default()
    };
    super::writes::update_versioned::<source_document::Entity>(uow, id, version, row).await
}
