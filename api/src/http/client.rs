//! Who is calling: the API key's name when the request carries a known key in `X-API-Key`, or
//! else the client's address. Rate limits are kept per caller.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

use crate::auth::Principal;
use crate::auth::keys::ApiKeys;
use crate::store::rate_limits::Client;

/// The header an API key is sent in.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Why a caller could not be identified.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownApiKey;

/// Who a request comes from: its rate-limit bucket and the principal the rules see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub client: Client,
    pub principal: Principal,
}

/// The caller of a request. A key that is sent but unknown is refused rather than treated as
/// no key, so a typo shows at once instead of as a smaller rate limit.
pub fn identify(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    keys: &ApiKeys,
    trust_forwarded_for: bool,
) -> Result<Caller, UnknownApiKey> {
    if let Some(secret) = headers.get(API_KEY_HEADER) {
        let secret = secret.to_str().map_err(|_| UnknownApiKey)?;
        return keys
            .find(secret.trim())
            .map(|(name, role)| Caller {
                client: Client::ApiKey(name.to_owned()),
                principal: Principal::Key {
                    name: name.to_owned(),
                    role,
                },
            })
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

    #[test]
    fn a_known_key_names_the_client_and_an_unknown_one_is_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(
            API_KEY_HEADER,
            HeaderValue::from_static("0123456789abcdef0123"),
        );
        assert_eq!(
            identify(&headers, None, &keys(), false).map(|c| c.client),
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
            identify(&headers, peer, &keys(), true).map(|c| c.client),
            Ok(Client::Address("198.51.100.7".to_owned()))
        );
        assert_eq!(
            identify(&headers, peer, &keys(), false).map(|c| c.client),
            Ok(Client::Address("10.0.0.2".to_owned()))
        );
    }
}
