//! Who is calling: the API key's name when the request carries a known key in `X-API-Key`, or
//! else the client's address. Rate limits are kept per caller.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::store::rate_limits::Client;

/// The header an API key is sent in.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Known API keys. Only their SHA-256 digests are kept in memory after start-up, and a key is
/// found by its digest, so the lookup does not compare secrets byte by byte.
#[derive(Debug, Clone, Default)]
pub struct ApiKeys {
    names_by_digest: Arc<HashMap<[u8; 32], String>>,
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

impl ApiKeys {
    /// Reads `name:secret` pairs; empty entries are skipped.
    pub fn parse(pairs: &[String]) -> anyhow::Result<Self> {
        let mut names_by_digest = HashMap::new();
        for pair in pairs.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            let Some((name, secret)) = pair.split_once(':') else {
                anyhow::bail!("API_KEYS entries must look like name:secret");
            };
            anyhow::ensure!(
                !name.is_empty() && secret.len() >= 16,
                "API key `{name}` needs a name and a secret of at least 16 characters"
            );
            anyhow::ensure!(
                names_by_digest
                    .insert(digest(secret), name.to_owned())
                    .is_none(),
                "API key `{name}` repeats another key's secret"
            );
        }
        Ok(Self {
            names_by_digest: Arc::new(names_by_digest),
        })
    }

    fn name_of(&self, secret: &str) -> Option<&str> {
        self.names_by_digest
            .get(&digest(secret))
            .map(String::as_str)
    }
}

/// Why a caller could not be identified.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownApiKey;

/// The caller of a request. A key that is sent but unknown is refused rather than treated as
/// no key, so a typo shows at once instead of as a smaller rate limit.
pub fn identify(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    keys: &ApiKeys,
    trust_forwarded_for: bool,
) -> Result<Client, UnknownApiKey> {
    if let Some(secret) = headers.get(API_KEY_HEADER) {
        let secret = secret.to_str().map_err(|_| UnknownApiKey)?;
        return keys
            .name_of(secret.trim())
            .map(|name| Client::ApiKey(name.to_owned()))
            .ok_or(UnknownApiKey);
    }
    let forwarded = trust_forwarded_for
        .then(|| headers.get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|list| list.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok());
    let address = forwarded
        .or(peer.map(|p| p.ip()))
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    Ok(Client::Address(address))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn keys() -> ApiKeys {
        ApiKeys::parse(&["dashboard:0123456789abcdef0123".to_owned()]).expect("a valid key list")
    }

    #[test]
    fn a_known_key_names_the_client_and_an_unknown_one_is_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(
            API_KEY_HEADER,
            HeaderValue::from_static("0123456789abcdef0123"),
        );
        assert_eq!(
            identify(&headers, None, &keys(), false),
            Ok(Client::ApiKey("dashboard".to_owned()))
        );
        headers.insert(
            API_KEY_HEADER,
            HeaderValue::from_static("not-a-key-at-all-really"),
        );
        assert_eq!(identify(&headers, None, &keys(), false), Err(UnknownApiKey));
    }

    #[test]
    fn forwarded_addresses_count_only_when_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.7"),
        );
        let peer = Some(SocketAddr::from(([10, 0, 0, 2], 5000)));
        assert_eq!(
            identify(&headers, peer, &keys(), true),
            Ok(Client::Address("198.51.100.7".to_owned()))
        );
        assert_eq!(
            identify(&headers, peer, &keys(), false),
            Ok(Client::Address("10.0.0.2".to_owned()))
        );
    }

    #[test]
    fn malformed_key_lists_are_refused() {
        assert!(ApiKeys::parse(&["no-colon".to_owned()]).is_err());
        assert!(ApiKeys::parse(&["short:abc".to_owned()]).is_err());
        assert!(
            ApiKeys::parse(&[
                "a:0123456789abcdef0123".to_owned(),
                "b:0123456789abcdef0123".to_owned()
            ])
            .is_err()
        );
    }
}
