//! Localized texts: every text of a record in each language, kept in one table for all record
//! types and loaded per record type (see [`super::loaders::TextsOf`]).

/// One text of a record in one language.
pub type TextRow = entity::localized_text::Model;
