//! Writing source documents: the documents records are curated from.

use entity::enums::RecordType;
use entity::source_document;
use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use super::{Change, Record};
use crate::domain::audit::Snapshot;
use crate::domain::validation::{
    Code, FieldPath, MAX_LONG_TEXT, MAX_SHORT_TEXT, MAX_TITLE, Violations,
};
use crate::store::sources::{self, NewSourceDocument};
use crate::store::writes::{UnitOfWork, count_with};

/// A source document as a write gives it.
#[derive(Debug, Clone)]
pub struct SourceDocumentDraft {
    pub file_name: String,
    pub title: String,
    pub language: String,
    pub description: Option<String>,
}

/// The fields an update of a source document changes.
#[derive(Debug, Default)]
pub struct SourceDocumentPatch {
    pub file_name: Change<String>,
    pub title: Change<String>,
    pub language: Change<String>,
    pub description: Change<String>,
}

pub struct SourceDocuments;

fn new_of(d: &SourceDocumentDraft) -> NewSourceDocument {
    NewSourceDocument {
        file_name: d.file_name.clone(),
        title: d.title.clone(),
        language: d.language.clone(),
        description: d.description.clone(),
    }
}

impl Record for SourceDocuments {
    const TYPE: RecordType = RecordType::SourceDocument;
    type Entity = source_document::Entity;
    type Draft = SourceDocumentDraft;
    type Patch = SourceDocumentPatch;

    async fn draft_of(
        _db: &DatabaseTransaction,
        row: &source_document::Model,
    ) -> Result<SourceDocumentDraft, DbErr> {
        Ok(SourceDocumentDraft {
            file_name: row.file_name.clone(),
            title: row.title.clone(),
            language: row.language.clone(),
            description: row.description.clone(),
        })
    }

    fn version_of(row: &source_document::Model) -> i32 {
        row.version
    }

    fn apply(
        current: SourceDocumentDraft,
        p: SourceDocumentPatch,
        at: &FieldPath,
        v: &mut Violations,
    ) -> SourceDocumentDraft {
        SourceDocumentDraft {
            file_name: p
                .file_name
                .apply_required(current.file_name, &at.at("fileName"), v),
            title: p.title.apply_required(current.title, &at.at("title"), v),
            language: p
                .language
                .apply_required(current.language, &at.at("language"), v),
            description: p.description.apply(current.description),
        }
    }

    async fn validate(
        uow: &UnitOfWork<'_>,
        d: &SourceDocumentDraft,
        id: Option<i32>,
        at: &FieldPath,
        v: &mut Violations,
    ) -> Result<(), DbErr> {
        let db = uow.db();
        v.text(&at.at("fileName"), &d.file_name, MAX_SHORT_TEXT);
        v.text(&at.at("title"), &d.title, MAX_TITLE);
        v.language(&at.at("language"), &d.language);
        v.optional_text(
            &at.at("description"),
            d.description.as_deref(),
            MAX_LONG_TEXT,
        );
        if count_with::<source_document::Entity>(
            db,
            source_document::Column::FileName,
            d.file_name.clone(),
            id,
        )
        .await?
            > 0
        {
            v.add(
                &at.at("fileName"),
                Code::Duplicate,
                format!(
                    "another source document has the file name `{}`",
                    d.file_name
                ),
            );
        }
        Ok(())
    }

    async fn insert(uow: &UnitOfWork<'_>, d: &SourceDocumentDraft) -> Result<i32, DbErr> {
        sources::insert(uow.db(), new_of(d)).await
    }

    async fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        _before: &SourceDocumentDraft,
        after: &SourceDocumentDraft,
    ) -> Result<bool, DbErr> {
        sources::update(uow, id, version, &new_of(after)).await
    }

    async fn dependants(db: &DatabaseTransaction, id: i32) -> Result<Vec<String>, DbErr> {
        let citations = sources::citation_count(db, id).await?;
        Ok(if citations > 0 {
            vec![format!(
                "{citations} record(s) citing it (detach them first)"
            )]
        } else {
            Vec::new()
        })
    }

    fn snapshot(d: &SourceDocumentDraft) -> Snapshot {
        Snapshot::from([
            ("fileName", json!(d.file_name)),
            ("title", json!(d.title)),
            ("language", json!(d.language)),
            ("description", json!(d.description)),
        ])
    }

    fn owner(_draft: &SourceDocumentDraft, _id: Option<i32>) -> super::Owner {
        super::Owner::Admins
    }
}
