//! Who is calling: the API key's name when the request carries a known key in `X-API-Key`, or
//! else the client's address. Rate limits are kept per caller.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

use crate::auth::keys::ApiKeys;
use crate::auth::{Principal, issued};
use crate::store::Database;
use crate::store::api_keys::{self, Lookup};
use crate::store::rate_limits::Client;

/// The header an API key is sent in.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Why a caller could not be identified: the key it sent is malformed, unknown, revoked or
/// expired (the message says which), or the lookup failed.
#[derive(Debug, PartialEq, Eq)]
pub enum UnknownApiKey {
    Refused(&'static str),
    /// The key could not be looked up (the database is unreachable).
    Unavailable,
}

/// Who a request comes from: its rate-limit bucket and the principal the rules see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub client: Client,
    pub principal: Principal,
}

/// The caller of a request. A key that is sent but unknown is refused rather than treated as
/// no key, so a typo shows at once instead of as a smaller rate limit. Issued keys (`pga_…`)
/// are looked up in the database on every request, so a revocation holds at once everywhere;
/// `API_KEYS` entries are known from start-up.
pub async fn identify(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    keys: &ApiKeys,
    db: &Database,
    trust_forwarded_for: bool,
) -> Result<Caller, UnknownApiKey> {
    if let Some(secret) = headers.get(API_KEY_HEADER) {
        let secret = secret
            .to_str()
            .map_err(|_| UnknownApiKey::Refused("the API key is malformed"))?
            .trim();
        if let Some(prefix) = issued::prefix_of(secret) {
            return match api_keys::find(db, prefix, secret).await {
                Ok(Lookup::Active {
                    name,
                    role,
                    organisations,
                }) => Ok(Caller {
                    client: Client::ApiKey(name.clone()),
                    principal: Principal::Key {
                        name,
                        role: role.parse().unwrap_or_default(),
                        organisations,
                        issued: true,
                    },
                }),
                Ok(Lookup::Revoked) => Err(UnknownApiKey::Refused("the API key was revoked")),
                Ok(Lookup::Expired) => Err(UnknownApiKey::Refused("the API key has expired")),
                Ok(Lookup::Unknown) => Err(UnknownApiKey::Refused("the API key is not known")),
                Err(error) => {
                    tracing::warn!(%error, "cannot look up an API key");
                    Err(UnknownApiKey::Unavailable)
                }
            };
        }
        return keys
            .find(secret)
            .map(|(name, role)| Caller {
                client: Client::ApiKey(name.to_owned()),
                principal: Principal::Key {
                    name: name.to_owned(),
                    role,
                    organisations: Vec::new(),
                    issued: false,
                },
            })
            .ok_or(UnknownApiKey::Refused("the API key is not known"));
    }
    let forwarded = trust_forwarded_for
        .then(|| headers.get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|list| list.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok());
    let address = forwarded
        .or(peer.map(|p| p.ip()))
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    Ok(Caller {
        client: Client::Address(address),
        principal: Principal::Anonymous,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn keys() -> ApiKeys {
        ApiKeys::parse(&["dashboard:0123456789abcdef0123".to_owned()]).expect("a valid key list")
    }

    #[tokio::test]
    async fn a_known_key_names_the_client_and_an_unknown_one_is_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(
            API_KEY_HEADER,
            HeaderValue::from_static("0123456789abcdef0123"),
        );
        assert_eq!(
            identify(&headers, None, &keys(), &Database::default(), false)
                .await
                .map(|c| c.client),
            Ok(Client::ApiKey("dashboard".to_owned()))
        );
        headers.insert(
            API_KEY_HEADER,
            HeaderValue::from_static("not-a-key-at-all-really"),
        );
        // An issued key with a wrong checksum is refused without a lookup.
        let mut typo = headers.clone();
        typo.insert(
            API_KEY_HEADER,
            HeaderValue::from_static("pga_0123456789abcdefghijABCDEFGHIJKL000000"),
        );
        assert_eq!(
            identify(&typo, None, &keys(), &Database::default(), false).await,
            Err(UnknownApiKey::Refused("the API key is not known"))
        );
        assert_eq!(
            identify(&headers, None, &keys(), &Database::default(), false).await,
            Err(UnknownApiKey::Refused("the API key is not known"))
        );
    }

    #[tokio::test]
    async fn forwarded_addresses_count_only_when_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.7"),
        );
        let peer = Some(SocketAddr::from(([10, 0, 0, 2], 5000)));
        assert_eq!(
            identify(&headers, peer, &keys(), &Database::default(), true)
                .await
                .map(|c| c.client),
            Ok(Client::Address("198.51.100.7".to_owned()))
        );
        assert_eq!(
            identify(&headers, peer, &keys(), &Database::default(), false)
                .await
                .map(|c| c.client),
            Ok(Client::Address("10.0.0.2".to_owned()))
        );
    }
}
