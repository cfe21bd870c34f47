//! Provenance: which source documents a record cites. Attaching or detaching a document is a
//! change to the record: it moves to its next version and leaves an audit entry.

use entity::enums::RecordType;
use entity::source_document;
use sea_orm::DatabaseConnection;
use serde_json::json;

use super::{Owner, WriteError, WriteResult, Writer, global_id};
use crate::domain::audit::FieldChange;
use crate::domain::validation::{Code, FieldPath, Violation};
use crate::store::sources::{self, Citation};
use crate::store::writes::{Operation, UnitOfWork, exists, project_of, touch};

/// Attach (`true`) or detach (`false`) source document `source` to record `id` of type
/// `record`.
pub async fn link(
    db: &DatabaseConnection,
    writer: &Writer,
    record: Option<(RecordType, i32)>,
    source: i32,
    attach: bool,
) -> WriteResult<(RecordType, i32)> {
    let input = FieldPath::input();
    let uow = UnitOfWork::begin(db, &writer.author).await?;
    let mut violations = Vec::new();
    let found_source = exists::<source_document::Entity>(uow.db(), source).await?;
    if !found_source {
        violations.push(Violation::new(
            &input.at("source"),
            Code::NotFound,
            "no SourceDocument has this ID",
        ));
    }
    let Some((record_type, record_id)) = record else {
        violations.push(Violation::new(
            &input.at("record"),
            Code::NotFound,
            "no record has this ID",
        ));
        return Err(WriteError::Rejected(violations));
    };
    let Some(version) = touch(&uow, record_type, record_id).await? else {
        violations.push(Violation::new(
            &input.at("record"),
            Code::NotFound,
            format!("no {} has this ID", record_type.as_str()),
        ));
        return Err(WriteError::Rejected(violations));
    };
    if !violations.is_empty() {
        return Err(WriteError::Rejected(violations));
    }
    // A scoped editor links sources to its projects, their records and its organisations.
    let owner = match record_type {
        RecordType::Project => Owner::Project(record_id),
        RecordType::Organisation => Owner::Organisation(record_id),
        _ => match project_of(uow.db(), record_type, record_id).await? {
            Some(project) => Owner::Project(project),
            None => Owner::Admins,
        },
    };
    super::ensure_permitted(uow.db(), &writer.scope, owner).await?;
    let citation = Citation {
        record: record_type,
        record_id,
        source_document_id: source,
    };
    let cited = sources::cites(uow.db(), citation).await?;
    if attach && cited {
        return Err(WriteError::Rejected(vec![Violation::new(
            &input.at("source"),
            Code::Duplicate,
            "the record cites this source document already",
        )]));
    }
    if !attach && !cited {
        return Err(WriteError::Rejected(vec![Violation::new(
            &input.at("source"),
            Code::NotFound,
            "the record does not cite this source document",
        )]));
    }
    if attach {
        sources::cite(uow.db(), &[citation]).await?;
    } else {
        sources::uncite(uow.db(), citation).await?;
    }
    let source_id = json!(global_id(RecordType::SourceDocument, source));
    let (old, new) = if attach {
        (json!(null), source_id)
    } else {
        (source_id, json!(null))
    };
    let change = FieldChange {
        field: "sources".to_owned(),
        old,
        new,
    };
    uow.audit(
        Operation::Update,
        record_type,
        record_id,
        version,
        &[change],
    );
    uow.commit().await?;
    Ok((record_type, record_id))
}
