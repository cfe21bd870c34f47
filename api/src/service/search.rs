//! Search: what a `search` query does. The query is parsed (see [`crate::domain::search`] for
//! its language), its words' typo corrections are looked up, a page of records is found on the
//! database's full-text index, best first, and the texts of those records are returned with
//! their matches marked.
//!
//! Text filters (`ProjectFilter.text`, ...) go through [`text_filter`]: the same parsing, the
//! same corrections, the same index.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::enums::RecordType;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::domain::search::{Marker, SearchQuery, field_weight, highlight};
use crate::error::{ApiError, ApiResult};
use crate::store::search::{self as index, Hit, Prepared, Searchable};

/// The record types a search may find (contacts hold personal data and are never searched).
pub const SEARCHABLE: [RecordType; 7] = index::INDEXED;

/// The most highlights returned per hit.
const MAX_HIGHLIGHTS: usize = 5;

/// One search, as the caller asked for it.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    /// Types to find; all of [`SEARCHABLE`] when empty.
    pub types: Vec<RecordType>,
    /// ISO 639-1 code of the language to prefer.
    pub lang: Option<String>,
    pub first: u64,
    pub after: Option<String>,
    pub count_total: bool,
}

/// A record found.
#[derive(Debug, Clone)]
pub struct FoundHit {
    pub record: RecordType,
    pub id: i32,
    /// Higher is better: the database's relevance of the record's matches, each weighed by
    /// the part of the record it is in (names above summaries above other texts).
    pub score: f64,
    pub cursor: String,
    pub highlights: Vec<Highlight>,
}

/// A text of a hit with its matches marked.
#[derive(Debug, Clone)]
pub struct Highlight {
    pub field: String,
    /// None for codes, acronyms and short names.
    pub lang: Option<String>,
    /// HTML: matches in `<mark>…</mark>`, everything else escaped.
    pub fragment: String,
}

/// A page of hits.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub hits: Vec<FoundHit>,
    pub has_next_page: bool,
    /// True when paging with `after` (the cursor's hit comes before).
    pub has_previous_page: bool,
    pub total_count: Option<u64>,
}

/// Where a page of hits starts: the last hit of the page before, and which search it belongs
/// to (a cursor of another search is refused).
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    /// Checksum of the search the cursor came from.
    q: u32,
    s: i64,
    t: String,
    id: i32,
}

fn signature(request: &SearchRequest, types: &[RecordType]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(request.query.as_bytes());
    for record in types {
        hasher.update(record.as_str().as_bytes());
    }
    hasher.update(request.lang.as_deref().unwrap_or_default().as_bytes());
    hasher.finalize()
}

fn encode_cursor(signature: u32, hit: &Hit) -> String {
    let cursor = Cursor {
        q: signature,
        s: hit.score,
        t: hit.record.as_str().to_owned(),
        id: hit.id,
    };
    // Serializing plain values into a string cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

fn decode_cursor(text: &str, signature: u32) -> ApiResult<Hit> {
    let invalid = || ApiError::bad_input(format!("`{text}` is not a valid search cursor"));
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if cursor.q != signature {
        return Err(ApiError::bad_input(format!(
            "`{text}` is a cursor of another search; pass the same query, types and lang as \
             the search that returned it"
        )));
    }
    // Only a forged cursor names a type that is never searched (contacts).
    let record = RecordType::parse(&cursor.t)
        .filter(|record| SEARCHABLE.contains(record))
        .ok_or_else(invalid)?;
    Ok(Hit {
        record,
        id: cursor.id,
        score: cursor.s,
    })
}

/// Parses `text` as a query; a query that cannot run is BAD_USER_INPUT.
pub fn parse(text: &str) -> ApiResult<SearchQuery> {
    SearchQuery::parse(text).map_err(|error| ApiError::bad_input(format!("search: {error}")))
}

/// Runs a search.
pub async fn search(db: &impl ConnectionTrait, request: &SearchRequest) -> ApiResult<SearchPage> {
    let types: Vec<RecordType> = if request.types.is_empty() {
        SEARCHABLE.to_vec()
    } else {
        let mut types = request.types.clone();
        types.sort_unstable();
        types.dedup();
        types
    };
    let signature = signature(request, &types);
    let after = request
        .after
        .as_deref()
        .map(|text| decode_cursor(text, signature))
        .transpose()?;
    let prepared = index::prepare(db, parse(&request.query)?).await?;
    let lang = request.lang.as_deref();
    let (mut hits, total_count) = index::find(
        db,
        &prepared,
        &types,
        after,
        request.first + 1,
        request.count_total,
    )
    .await?;
    let has_next_page = hits.len() as u64 > request.first;
    hits.truncate(usize::try_from(request.first).unwrap_or(usize::MAX));
    let searchables = index::searchables_of(db, &hits).await?;
    let marker = Marker::new(&prepared.query, &prepared.alternatives);
    let hits = hits
        .iter()
        .map(|hit| FoundHit {
            record: hit.record,
            id: hit.id,
            score: hit.score as f64 / 1_000_000.0,
            cursor: encode_cursor(signature, hit),
            highlights: highlights(hit, &searchables, &marker, lang),
        })
        .collect();
    Ok(SearchPage {
        hits,
        has_next_page,
        has_previous_page: after.is_some(),
        total_count,
    })
}

/// The matched texts of `hit`, heaviest field first, the preferred language first within one.
fn highlights(
    hit: &Hit,
    searchables: &[Searchable],
    marker: &Marker,
    lang: Option<&str>,
) -> Vec<Highlight> {
    let mut found: Vec<(&Searchable, String)> = searchables
        .iter()
        .filter(|s| s.record == hit.record && s.id == hit.id)
        .filter_map(|s| highlight(&s.text, marker).map(|fragment| (s, fragment)))
        .collect();
    found.sort_by(|(a, _), (b, _)| {
        field_weight(&b.field)
            .total_cmp(&field_weight(&a.field))
            .then_with(|| (b.lang.as_deref() == lang).cmp(&(a.lang.as_deref() == lang)))
            .then_with(|| a.field.cmp(&b.field))
            .then_with(|| a.lang.cmp(&b.lang))
    });
    found
        .into_iter()
        .take(MAX_HIGHLIGHTS)
        .map(|(s, fragment)| Highlight {
            field: s.field.clone(),
            lang: s.lang.clone(),
            fragment,
        })
        .collect()
}

/// A text filter ready for the store: the query parsed, its typo corrections found.
pub async fn text_filter(db: &impl ConnectionTrait, text: &str) -> ApiResult<Prepared> {
    Ok(index::prepare(db, parse(text)?).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(record: &str) -> String {
        let cursor = Cursor {
            q: 7,
            s: 1_000_000,
            t: record.to_owned(),
            id: 1,
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
    }

    #[test]
    fn a_cursor_naming_a_type_that_is_never_searched_is_refused() {
        assert!(decode_cursor(&cursor("Project"), 7).is_ok());
        let error = decode_cursor(&cursor("Contact"), 7).err();
        assert_eq!(error.as_ref().map(ApiError::code), Some("BAD_USER_INPUT"));
        assert!(error.is_some_and(|e| e.message().contains("not a valid search cursor")));
        assert!(decode_cursor(&cursor("Project"), 8).is_err());
    }
}
