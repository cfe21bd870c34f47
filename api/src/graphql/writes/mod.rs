//! The mutations: `createX`, `updateX` and `deleteX` for every record type, and attaching or
//! detaching a source document. Each takes one `input` and answers with a payload holding the
//! record, the `userErrors` that stopped the write (nothing is written when there are any) and
//! the `clientMutationId` it was sent. The work is done in [`crate::service`]; this layer turns
//! inputs into drafts and results into payloads.

pub mod activity;
pub mod api_key;
pub mod funding;
pub mod import;
pub mod organisation;
pub mod participation;
pub mod place;
pub mod project;
pub mod provenance;
pub mod webhook;

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, MergedObject, SimpleObject};

use super::context::{db, principal};
use super::ids;
use super::scalars::{CurrencyCode, Decimal, LanguageCode};
use crate::domain::validation::{Code, TextDraft, Violation};
use crate::error::ApiError;
use crate::service::{self, Change, Record, WriteError, WriteRequest, WriteResult, Writer};

/// Every root mutation field.
#[derive(MergedObject, Default)]
pub struct Mutation(
    project::ProjectMutation,
    organisation::OrganisationMutation,
    participation::ParticipationMutation,
    funding::FunderMutation,
    funding::ProgrammeMutation,
    funding::FundingLineMutation,
    activity::OutcomeMutation,
    activity::EventMutation,
    activity::ContactMutation,
    place::PlaceMutation,
    place::SourceDocumentMutation,
    provenance::ProvenanceMutation,
    api_key::ApiKeyMutation,
    webhook::WebhookMutation,
);

/// What is wrong with an input value.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserErrorCode {
    /// A value that must be given is missing or empty.
    Required,
    /// The value has the wrong shape or is not on its list (ISO codes, URLs, e-mail).
    Invalid,
    /// The text is longer than allowed.
    TooLong,
    /// The number or date is outside what is allowed (an end before its start, say).
    OutOfRange,
    /// A record the input refers to does not exist.
    NotFound,
    /// Another record already has this value (a key, a lead partner).
    Duplicate,
    /// The record changed since the version sent as `expectedVersion`; the message gives the
    /// current version.
    StaleObject,
    /// Other records depend on this one; the message names them.
    InUse,
    /// The database refused the change as the data now stands, usually because of a
    /// concurrent write; read again and retry.
    Conflict,
}

impl From<Code> for UserErrorCode {
    fn from(code: Code) -> Self {
        match code {
            Code::Required => Self::Required,
            Code::Invalid => Self::Invalid,
            Code::TooLong => Self::TooLong,
            Code::OutOfRange => Self::OutOfRange,
            Code::NotFound => Self::NotFound,
            Code::Duplicate => Self::Duplicate,
            Code::StaleObject => Self::StaleObject,
            Code::InUse => Self::InUse,
            Code::Conflict => Self::Conflict,
        }
    }
}

/// A problem with the input that stopped a mutation. Nothing was written.
#[derive(SimpleObject, Debug, Clone)]
pub struct UserError {
    /// Path of the input field, e.g. `["input", "patch", "endDate"]`.
    pub field: Vec<String>,
    /// What kind of problem it is.
    pub code: UserErrorCode,
    /// What is wrong, for people.
    pub message: String,
}

impl From<Violation> for UserError {
    fn from(violation: Violation) -> Self {
        Self {
            field: violation.field,
            code: violation.code.into(),
            message: violation.message,
        }
    }
}

/// A text in one language.
#[derive(InputObject, Debug, Clone)]
pub struct LocalizedTextInput {
    /// Its language.
    pub lang: LanguageCode,
    /// The text.
    pub text: String,
    /// True for the text in the language the source wrote it in; at least one text of a
    /// field is the original (two when sources name the record in two languages).
    pub is_original: bool,
}

/// An exact amount of money.
#[derive(InputObject, Debug, Clone)]
pub struct MoneyInput {
    /// The amount, as a decimal string; no more decimals than the currency has.
    pub amount: Decimal,
    /// The currency.
    pub currency: CurrencyCode,
}

pub(crate) fn money(input: MoneyInput) -> crate::service::projects::MoneyDraft {
    crate::service::projects::MoneyDraft {
        amount: input.amount.0,
        currency: input.currency.0,
    }
}

pub(crate) fn texts(input: Vec<LocalizedTextInput>) -> Vec<TextDraft> {
    input
        .into_iter()
        .map(|t| TextDraft {
            lang: t.lang.0,
            text: t.text,
            is_original: t.is_original,
        })
        .collect()
}

/// A patch field as the service takes it.
pub(crate) fn change<T, U>(value: MaybeUndefined<T>, convert: impl FnOnce(T) -> U) -> Change<U> {
    match value {
        MaybeUndefined::Undefined => Change::Keep,
        MaybeUndefined::Null => Change::Clear,
        MaybeUndefined::Value(value) => Change::Set(convert(value)),
    }
}

/// The writer of this request, or FORBIDDEN.
pub(crate) fn author(ctx: &Context<'_>) -> Result<Writer, ApiError> {
    let request = ctx.data_opt::<WriteRequest>().cloned().unwrap_or_default();
    service::authorize(principal(ctx), &request)
}

/// What a write's payload holds: its result, or the user errors that stopped it. A failure
/// that is not the input's (no permission, the database) is the field's error.
pub(crate) fn outcome<T>(result: WriteResult<T>) -> Result<(Option<T>, Vec<UserError>), ApiError> {
    match result {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(WriteError::Rejected(violations)) => {
            Ok((None, violations.into_iter().map(UserError::from).collect()))
        }
        Err(WriteError::Failed(error)) => Err(error),
    }
}

/// Creates a record of type `R` for the caller: its id, or the user errors that stopped it.
pub(crate) async fn create<R: Record>(
    ctx: &Context<'_>,
    draft: R::Draft,
) -> Result<(Option<i32>, Vec<UserError>), ApiError> {
    let author = author(ctx)?;
    outcome(service::create::<R>(db(ctx)?, &author, draft).await)
}

/// Updates record `id` of type `R` for the caller.
pub(crate) async fn update<R: Record>(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: Option<i32>,
    patch: R::Patch,
) -> Result<(Option<i32>, Vec<UserError>), ApiError> {
    let author = author(ctx)?;
    let id = ids::reference(R::TYPE, id);
    outcome(service::update::<R>(db(ctx)?, &author, id, expected_version, patch).await)
}

/// Deletes record `id` of type `R` for the caller: its global ID, or the user errors.
pub(crate) async fn delete<R: Record>(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: Option<i32>,
) -> Result<(Option<ID>, Vec<UserError>), ApiError> {
    let author = author(ctx)?;
    let number = ids::reference(R::TYPE, id);
    let (done, errors) =
        outcome(service::delete::<R>(db(ctx)?, &author, number, expected_version).await)?;
    Ok((done.map(|()| id.clone()), errors))
}

/// Declares the three payloads of a record type, and the input of its delete.
macro_rules! payloads {
    ($record:ty, $field:ident, $create:ident, $update:ident, $delete:ident, $delete_input:ident, $what:literal) => {
        #[doc = concat!("Which ", $what, " to delete.")]
        #[derive(async_graphql::InputObject, Debug)]
        pub struct $delete_input {
            /// The record to delete.
            pub id: async_graphql::ID,
            /// Delete only if the record is still at this version (from its `version` field).
            pub expected_version: Option<i32>,
            /// Echoed in the payload, for clients that match answers to requests.
            pub client_mutation_id: Option<String>,
        }

        #[doc = concat!("The result of creating ", $what, ".")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $create {
            #[doc = concat!("The new ", $what, "; null when `userErrors` stopped it.")]
            pub $field: Option<$record>,
            /// What stopped the write; empty when it was made.
            pub user_errors: Vec<$crate::graphql::writes::UserError>,
            /// The `clientMutationId` of the input, unchanged.
            pub client_mutation_id: Option<String>,
        }

        #[doc = concat!("The result of updating ", $what, ".")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $update {
            #[doc = concat!("The ", $what, " as it now is; null when `userErrors` stopped the change.")]
            pub $field: Option<$record>,
            /// What stopped the write; empty when it was made.
            pub user_errors: Vec<$crate::graphql::writes::UserError>,
            /// The `clientMutationId` of the input, unchanged.
            pub client_mutation_id: Option<String>,
        }

        #[doc = concat!("The result of deleting ", $what, ".")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $delete {
            /// The global ID of the deleted record; null when `userErrors` stopped it.
            pub deleted_id: Option<async_graphql::ID>,
            /// What stopped the delete; empty when it was made.
            pub user_errors: Vec<$crate::graphql::writes::UserError>,
            /// The `clientMutationId` of the input, unchanged.
            pub client_mutation_id: Option<String>,
        }
    };
}
pub(crate) use payloads;
