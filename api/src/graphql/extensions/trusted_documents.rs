//! Trusted documents: a mode in which the server runs only documents registered in advance, so a
//! public endpoint cannot be used for arbitrary queries. The registry is a JSON manifest that
//! maps each document's SHA-256 (lowercase hex) to its text, as client build tools emit it:
//!
//! ```json
//! { "5b0f…e3": "query ProjectList { projects { nodes { id title } } }" }
//! ```
//!
//! A client sends the hash in the APQ form (`extensions.persistedQuery.sha256Hash`), over POST or
//! GET, or the full text of a registered document. Anything else is refused before it is parsed:
//! an unknown hash with PERSISTED_QUERY_NOT_FOUND, an unregistered text with DOCUMENT_NOT_TRUSTED.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use async_graphql::{Request, ServerResult, Value};
use sha2::{Digest, Sha256};

use crate::error::{code, request_error};

/// The registered documents, by hash.
#[derive(Debug, Clone, Default)]
pub struct TrustedDocuments {
    documents: Arc<HashMap<String, String>>,
}

/// Lowercase hex SHA-256 of a document's text.
pub fn document_hash(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

impl TrustedDocuments {
    /// Reads a manifest, refusing one whose hashes do not match their documents.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the trusted documents in {}", path.display()))?;
        let documents: HashMap<String, String> =
            serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not a JSON object of SHA-256 hashes to documents",
                    path.display()
                )
            })?;
        for (hash, document) in &documents {
            anyhow::ensure!(
                document_hash(document) == *hash,
                "{}: the document registered as {hash} has another SHA-256",
                path.display()
            );
        }
        Ok(Self {
            documents: Arc::new(documents),
        })
    }

    /// The same registry with `text` registered too.
    pub fn with_document(self, text: &str) -> Self {
        let mut documents = Arc::unwrap_or_clone(self.documents);
        documents.insert(document_hash(text), text.to_owned());
        Self {
            documents: Arc::new(documents),
        }
    }

    /// The names of the operations the registered documents hold.
    pub fn operation_names(&self) -> std::collections::HashSet<String> {
        use async_graphql::parser::types::DocumentOperations;
        self.documents
            .values()
            .filter_map(|text| async_graphql::parser::parse_query(text).ok())
            .flat_map(|document| match document.operations {
                DocumentOperations::Single(_) => Vec::new(),
                DocumentOperations::Multiple(operations) => {
                    operations.keys().map(|name| name.to_string()).collect()
                }
            })
            .collect()
    }

    /// How many documents are registered.
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    /// True when no document is registered (every request would be refused).
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// The registered text the request stands for, or the reason it may not run.
    pub fn resolve(&self, request: &Request) -> ServerResult<String> {
        if let Some(hash) = persisted_hash(request) {
            return self.documents.get(&hash).cloned().ok_or_else(|| {
                request_error(
                    code::PERSISTED_QUERY_NOT_FOUND,
                    "no registered document has this hash",
                )
            });
        }
        let hash = document_hash(&request.query);
        if self.documents.contains_key(&hash) {
            Ok(request.query.clone())
        } else {
            Err(request_error(
                code::DOCUMENT_NOT_TRUSTED,
                "this server runs registered documents only; send the hash of one",
            ))
        }
    }
}

/// `extensions.persistedQuery.sha256Hash`, when the request carries one.
pub fn persisted_hash(request: &Request) -> Option<String> {
    let Value::Object(persisted) = request.extensions.get("persistedQuery")? else {
        return None;
    };
    match persisted.get("sha256Hash")? {
        Value::String(hash) => Some(hash.to_ascii_lowercase()),
        _ => None,
    }
}
