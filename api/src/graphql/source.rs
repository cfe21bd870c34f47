//! Source documents: where every record came from.

use async_graphql::{Context, ID, Object, Result};
use entity::enums::RecordType;

use super::context::db;
use super::ids;
use super::nodes::SourceDocument;
use super::scalars::LanguageCode;
use crate::store::sources;

/// A document the dataset was curated from. Every record links to the documents it came from.
#[Object]
impl SourceDocument {
    /// Global ID of the document.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::SourceDocument, self.0.id)
    }

    /// 1 when the record was created, one more after each change. Send it back as
    /// `expectedVersion` to change the record only if nobody changed it since you read it.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When the record last changed.
    async fn updated_at(&self) -> super::scalars::DateTime {
        super::scalars::DateTime(self.0.updated_at.fixed_offset())
    }

    /// File name of the document in the seed corpus.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }

    /// Title of the document, in its own language.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Language the document is written in.
    async fn language(&self) -> LanguageCode {
        LanguageCode(self.0.language.clone())
    }

    /// What the document is, in a sentence.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}

/// Root fields of source documents.
#[derive(Default)]
pub struct SourceQuery;

/// Root fields of source documents.
#[Object]
impl SourceQuery {
    /// Every source document, by file name. The list is short, so it is not paginated.
    async fn source_documents(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        let rows = sources::all(db(ctx)?).await?;
        Ok(rows.into_iter().map(SourceDocument).collect())
    }
}
