//! sea-orm entities of the partnership domain: one module per table, plus the enums stored in
//! them. No GraphQL and no HTTP here: the API crate maps these into its own types, so a column
//! change is always an explicit API change.

pub mod api_key;
pub mod api_key_organisation;
pub mod audit_entry;
pub mod change;
pub mod contact;
pub mod enums;
pub mod event;
pub mod funder;
pub mod funding_line;
pub mod funding_line_rollup;
pub mod funding_line_year;
pub mod idempotency_key;
pub mod localized_text;
pub mod organisation;
pub mod organisation_identifier;
pub mod outcome;
pub mod participation;
pub mod place;
pub mod programme;
pub mod programme_ancestor;
pub mod project;
pub mod project_place;
pub mod record_source;
pub mod source_document;
pub mod webhook;
pub mod webhook_delivery;
