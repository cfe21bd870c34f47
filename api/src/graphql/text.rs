//! Localized texts with their language fallback, and the source documents records cite: both
//! loaded per record type through the request's loaders.

use async_graphql::{Context, SimpleObject};
use entity::enums::RecordType;

use super::context::loaders;
use super::nodes::SourceDocument;
use super::scalars::LanguageCode;
use crate::error::ApiResult;
use crate::store::texts::TextRow;

/// One text of a record in one language.
#[derive(Debug, Clone, SimpleObject)]
pub struct LocalizedText {
    /// The field the text belongs to, e.g. `title`, `aim`, `targetGroup`.
    pub field: String,
    /// Position within list fields such as `aim`; 0 for single texts.
    pub position: i32,
    /// Language of the text.
    pub lang: LanguageCode,
    /// The text.
    pub text: String,
    /// True for the text as the source wrote it; false for a translation.
    pub is_original: bool,
}

impl From<TextRow> for LocalizedText {
    fn from(m: TextRow) -> Self {
        Self {
            field: m.field,
            position: m.position,
            lang: LanguageCode(m.lang),
            text: m.text,
            is_original: m.is_original,
        }
    }
}

/// Every text of one record, loaded in one batch with its siblings.
pub async fn texts(ctx: &Context<'_>, kind: RecordType, id: i32) -> ApiResult<Vec<TextRow>> {
    Ok(loaders(ctx)?
        .texts
        .of(kind)?
        .load_one(id)
        .await?
        .unwrap_or_default())
}

/// Picks the text of `field` at `position` for `lang`. The fallback chain when `lang` has no
/// text: the original-language text, then English, then any text there is.
pub fn pick(
    texts: &[TextRow],
    field: &str,
    position: i32,
    lang: Option<&LanguageCode>,
) -> Option<String> {
    let candidates: Vec<&TextRow> = texts
        .iter()
        .filter(|t| t.field == field && t.position == position)
        .collect();
    let by = |pred: &dyn Fn(&TextRow) -> bool| {
        candidates.iter().find(|t| pred(t)).map(|t| t.text.clone())
    };
    lang.and_then(|lang| by(&|t| t.lang == lang.0))
        .or_else(|| by(&|t| t.is_original))
        .or_else(|| by(&|t| t.lang == "en"))
        .or_else(|| candidates.first().map(|t| t.text.clone()))
}

/// One localized single-text field of a record.
pub async fn localized(
    ctx: &Context<'_>,
    kind: RecordType,
    id: i32,
    field: &str,
    lang: Option<&LanguageCode>,
) -> ApiResult<Option<String>> {
    Ok(pick(&texts(ctx, kind, id).await?, field, 0, lang))
}

/// A localized list field (aims, target groups), each item in the best language available.
pub async fn localized_list(
    ctx: &Context<'_>,
    kind: RecordType,
    id: i32,
    field: &str,
    lang: Option<&LanguageCode>,
) -> ApiResult<Vec<String>> {
    let all = texts(ctx, kind, id).await?;
    let mut positions: Vec<i32> = all
        .iter()
        .filter(|t| t.field == field)
        .map(|t| t.position)
        .collect();
    positions.dedup();
    Ok(positions
        .into_iter()
        .filter_map(|p| pick(&all, field, p, lang))
        .collect())
}

/// The record's translations, optionally of one field only.
pub async fn translations(
    ctx: &Context<'_>,
    kind: RecordType,
    id: i32,
    field: Option<&str>,
) -> ApiResult<Vec<LocalizedText>> {
    Ok(texts(ctx, kind, id)
        .await?
        .into_iter()
        .filter(|t| field.is_none_or(|f| t.field == f))
        .map(LocalizedText::from)
        .collect())
}

/// The source documents a record was curated from.
pub async fn sources(
    ctx: &Context<'_>,
    kind: RecordType,
    id: i32,
) -> ApiResult<Vec<SourceDocument>> {
    Ok(loaders(ctx)?
        .sources
        .of(kind)?
        .load_one(id)
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(SourceDocument)
        .collect())
}
