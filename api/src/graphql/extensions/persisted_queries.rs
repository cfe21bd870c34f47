//! Automatic persisted queries (Apollo APQ): a client may send a document's SHA-256 in
//! `extensions.persistedQuery` instead of its text once the server has seen the text. Each
//! replica keeps its own cache of parsed documents; a miss answers PERSISTED_QUERY_NOT_FOUND and
//! the client sends the text again.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError, ServerResult, Value};
use lru::LruCache;

use super::trusted_documents::document_hash;
use crate::error::{code, request_error};

/// A per-replica cache of parsed documents by their SHA-256.
#[derive(Debug, Clone)]
pub struct PersistedQueries {
    documents: Arc<Mutex<LruCache<String, ExecutableDocument>>>,
}

impl PersistedQueries {
    /// A cache of at most `capacity` documents.
    pub fn new(capacity: NonZeroUsize) -> Self {
        Self {
            documents: Arc::new(Mutex::new(LruCache::new(capacity))),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, LruCache<String, ExecutableDocument>> {
        // A poisoned lock only means another request panicked; the cache is still usable.
        self.documents.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The request with its document: the cached one for a known hash, the text it carries
    /// (remembered under its hash) otherwise.
    pub fn resolve(&self, mut request: Request) -> ServerResult<Request> {
        let Some(persisted) = request.extensions.remove("persistedQuery") else {
            return Ok(request);
        };
        let Value::Object(persisted) = persisted else {
            return Err(invalid());
        };
        match persisted.get("version") {
            Some(Value::Number(version)) if version.as_u64() == Some(1) => {}
            _ => {
                return Err(request_error(
                    code::BAD_REQUEST,
                    "only version 1 of the persistedQuery extension is supported",
                ));
            }
        }
        let Some(Value::String(hash)) = persisted.get("sha256Hash") else {
            return Err(invalid());
        };
        if request.query.is_empty() {
            let document = self.cache().get(hash).cloned().ok_or_else(|| {
                request_error(code::PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound")
            })?;
            request.set_parsed_query(document);
            return Ok(request);
        }
        if *hash != document_hash(&request.query) {
            return Err(request_error(
                code::BAD_REQUEST,
                "provided sha does not match query",
            ));
        }
        let document = request.parsed_query()?.clone();
        self.cache().put(hash.clone(), document);
        Ok(request)
    }
}

fn invalid() -> ServerError {
    request_error(
        code::BAD_REQUEST,
        "invalid persistedQuery extension: send { version: 1, sha256Hash }",
    )
}
