//! Creating, updating and deleting places and source documents.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use entity::enums::RecordType;

use super::{LocalizedTextInput, change, create, delete, payloads, texts, update};
use crate::graphql::context::loaders;
use crate::graphql::enums::PlaceKind;
use crate::graphql::ids;
use crate::graphql::nodes::{Place, SourceDocument};
use crate::graphql::scalars::{CountryCode, LanguageCode};
use crate::service::places::{PlaceDraft, PlacePatch, Places};
use crate::service::sources::{SourceDocumentDraft, SourceDocumentPatch, SourceDocuments};

/// A new place.
#[derive(InputObject)]
pub struct CreatePlaceInput {
    /// Stable key: lower-case letters, digits, `-`, `_` and `.`, unique among places.
    pub key: String,
    /// Its level in the place tree.
    pub kind: PlaceKind,
    /// The place it lies in.
    pub parent: Option<ID>,
    /// Its code where known (NUTS, ISO 3166-2, ...).
    pub code: Option<String>,
    /// The country it lies in.
    pub country: CountryCode,
    /// Its names; at least one is the original.
    pub name: Vec<LocalizedTextInput>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// Changes to a place: a field left out stays as it is; `null` clears it where it may be.
#[derive(InputObject, Default)]
#[graphql(name = "PlacePatch")]
pub struct PlacePatchInput {
    /// New key; cannot be cleared.
    pub key: MaybeUndefined<String>,
    /// New level; cannot be cleared.
    pub kind: MaybeUndefined<PlaceKind>,
    /// New place it lies in (never one inside it), or null for none.
    pub parent: MaybeUndefined<ID>,
    /// New code, or null for none.
    pub code: MaybeUndefined<String>,
    /// New country; cannot be cleared.
    pub country: MaybeUndefined<CountryCode>,
    /// All its names; cannot be cleared.
    pub name: MaybeUndefined<Vec<LocalizedTextInput>>,
}

/// An update of a place.
#[derive(InputObject)]
pub struct UpdatePlaceInput {
    /// The place to change.
    pub id: ID,
    /// Change only if the place is still at this version.
    pub expected_version: Option<i32>,
    /// What to change.
    pub patch: PlacePatchInput,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

payloads!(
    Place,
    place,
    CreatePlacePayload,
    UpdatePlacePayload,
    DeletePlacePayload,
    DeletePlaceInput,
    "a place"
);

async fn load_place(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<Place>> {
    Ok(match id {
        Some(id) => loaders(ctx)?.places.load_one(id).await?.map(Place),
        None => None,
    })
}

#[derive(Default)]
pub struct PlaceMutation;

#[Object]
impl PlaceMutation {
    /// Adds a place. Needs an editor or admin key.
    async fn create_place(
        &self,
        ctx: &Context<'_>,
        input: CreatePlaceInput,
    ) -> Result<CreatePlacePayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let draft = input.into_draft();
        let (id, user_errors) = create::<Places>(ctx, draft).await?;
        Ok(CreatePlacePayload {
            place: load_place(ctx, id).await?,
            user_errors,
            client_mutation_id,
        })
    }

    /// Changes a place; projects covering it are found by its new names at once. Needs an
    /// editor or admin key.
    async fn update_place(
        &self,
        ctx: &Context<'_>,
        input: UpdatePlaceInput,
    ) -> Result<UpdatePlacePayload> {
        let p = input.patch;
        let patch = PlacePatch {
            key: change(p.key, |v| v),
            kind: change(p.kind, Into::into),
            parent: change(p.parent, |id| ids::reference(RecordType::Place, &id)),
            code: change(p.code, |v| v),
            country: change(p.country, |c| c.0),
            name: change(p.name, texts),
        };
        let (id, user_errors) =
            update::<Places>(ctx, &input.id, input.expected_version, patch).await?;
        Ok(UpdatePlacePayload {
            place: load_place(ctx, id).await?,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes a place. Refused with IN_USE while places lie in it or organisations,
    /// outcomes, events or projects refer to it. Needs an editor or admin key.
    async fn delete_place(
        &self,
        ctx: &Context<'_>,
        input: DeletePlaceInput,
    ) -> Result<DeletePlacePayload> {
        let (deleted_id, user_errors) =
            delete::<Places>(ctx, &input.id, input.expected_version).await?;
        Ok(DeletePlacePayload {
            deleted_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

/// A new source document.
#[derive(InputObject)]
pub struct CreateSourceDocumentInput {
    /// Its file name, unique among source documents.
    pub file_name: String,
    /// Its title.
    pub title: String,
    /// The language it is written in.
    pub language: LanguageCode,
    /// What it is.
    pub description: Option<String>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// Changes to a source document: a field left out stays as it is.
#[derive(InputObject, Default)]
#[graphql(name = "SourceDocumentPatch")]
pub struct SourceDocumentPatchInput {
    /// New file name; cannot be cleared.
    pub file_name: MaybeUndefined<String>,
    /// New title; cannot be cleared.
    pub title: MaybeUndefined<String>,
    /// New language; cannot be cleared.
    pub language: MaybeUndefined<LanguageCode>,
    /// New description, or null for none.
    pub description: MaybeUndefined<String>,
}

/// An update of a source document.
#[derive(InputObject)]
pub struct UpdateSourceDocumentInput {
    /// The source document to change.
    pub id: ID,
    /// Change only if the document is still at this version.
    pub expected_version: Option<i32>,
    /// What to change.
    pub patch: SourceDocumentPatchInput,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

payloads!(
    SourceDocument,
    source_document,
    CreateSourceDocumentPayload,
    UpdateSourceDocumentPayload,
    DeleteSourceDocumentPayload,
    DeleteSourceDocumentInput,
    "a source document"
);

async fn load_source(ctx: &Context<'_>, id: Option<i32>) -> Result<Option<SourceDocument>> {
    Ok(match id {
        Some(id) => loaders(ctx)?
            .source_documents
            .load_one(id)
            .await?
            .map(SourceDocument),
        None => None,
    })
}

#[derive(Default)]
pub struct SourceDocumentMutation;

#[Object]
impl SourceDocumentMutation {
    /// Adds a source document. Needs an editor or admin key.
    async fn create_source_document(
        &self,
        ctx: &Context<'_>,
        input: CreateSourceDocumentInput,
    ) -> Result<CreateSourceDocumentPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let draft = input.into_draft();
        let (id, user_errors) = create::<SourceDocuments>(ctx, draft).await?;
        Ok(CreateSourceDocumentPayload {
            source_document: load_source(ctx, id).await?,
            user_errors,
            client_mutation_id,
        })
    }

    /// Changes a source document. Needs an editor or admin key.
    async fn update_source_document(
        &self,
        ctx: &Context<'_>,
        input: UpdateSourceDocumentInput,
    ) -> Result<UpdateSourceDocumentPayload> {
        let p = input.patch;
        let patch = SourceDocumentPatch {
            file_name: change(p.file_name, |v| v),
            title: change(p.title, |v| v),
            language: change(p.language, |l| l.0),
            description: change(p.description, |v| v),
        };
        let (id, user_errors) =
            update::<SourceDocuments>(ctx, &input.id, input.expected_version, patch).await?;
        Ok(UpdateSourceDocumentPayload {
            source_document: load_source(ctx, id).await?,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes a source document. Refused with IN_USE while records cite it (detach them
    /// first). Needs an editor or admin key.
    async fn delete_source_document(
        &self,
        ctx: &Context<'_>,
        input: DeleteSourceDocumentInput,
    ) -> Result<DeleteSourceDocumentPayload> {
        let (deleted_id, user_errors) =
            delete::<SourceDocuments>(ctx, &input.id, input.expected_version).await?;
        Ok(DeleteSourceDocumentPayload {
            deleted_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}

impl CreatePlaceInput {
    /// The record the input describes; the import reads its lines with it too.
    pub fn into_draft(self) -> PlaceDraft {
        let input = self;
        PlaceDraft {
            key: input.key,
            kind: input.kind.into(),
            parent: input
                .parent
                .map(|id| ids::reference(RecordType::Place, &id)),
            code: input.code,
            country: input.country.0,
            name: texts(input.name),
        }
    }
}

impl CreateSourceDocumentInput {
    /// The record the input describes; the import reads its lines with it too.
    pub fn into_draft(self) -> SourceDocumentDraft {
        let input = self;
        SourceDocumentDraft {
            file_name: input.file_name,
            title: input.title,
            language: input.language.0,
            description: input.description,
        }
    }
}
