//! Source documents: where every record came from.

use entity::source_document;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

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
