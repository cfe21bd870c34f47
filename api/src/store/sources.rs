//! Source documents: where every record came from, and which records cite which document.

use entity::enums::RecordType;
use entity::{record_source, source_document};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryOrder,
};

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
