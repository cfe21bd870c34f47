//! Who is calling: the principal behind an API key in `X-API-Key` or a bearer token in
//! `Authorization`, or else an anonymous client known by its address. Rate limits are kept per
//! caller.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, header};

use crate::auth::keys::ApiKeys;
use crate::auth::tokens::{TokenRefused, Tokens};
use crate::auth::{Credential, Principal, Role, issued};
use crate::store::Database;
use crate::store::api_keys::{self, Lookup};
use crate::store::rate_limits::Client;

/// The header an API key is sent in.
pub const API_KEY_HEADER: &str = "x-api-key";

/// How a refused caller should authenticate: the `WWW-Authenticate` challenge it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    ApiKey,
    Bearer,
}

/// Why a caller could not be identified.
#[derive(Debug, PartialEq, Eq)]
pub enum Unidentified {
    /// The key or token it sent is malformed, unknown, revoked, expired or not for this
    /// API; the reason says which.
    Refused {
        challenge: Challenge,
        reason: String,
    },
    /// The credentials could not be checked (the database or the identity provider is
    /// unreachable).
    Unavailable,
}

fn refused(challenge: Challenge, reason: impl Into<String>) -> Unidentified {
    Unidentified::Refused {
        challenge,
        reason: reason.into(),
    }
}

/// Who a request comes from: its rate-limit bucket and the principal the rules see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub client: Client,
    pub principal: Principal,
}

impl Caller {
    fn known(name: String, role: Role, organisations: Vec<i32>, credential: Credential) -> Self {
        let client = match credential {
            Credential::Token => Client::Token {
                subject: name.clone(),
                role,
            },
            Credential::BootstrapKey | Credential::IssuedKey => Client::ApiKey {
                name: name.clone(),
                role,
            },
        };
        Self {
            client,
            principal: Principal::Known {
                name,
                role,
                organisations,
                credential,
            },
        }
    }
}

/// What identifies callers: the bootstrap keys, the database of issued keys, and the token
/// verifier when bearer tokens are on.
#[derive(Debug, Clone, Copy)]
pub struct Identities<'a> {
    pub keys: &'a ApiKeys,
    pub tokens: Option<&'a Tokens>,
    pub db: &'a Database,
    pub trust_forwarded_for: bool,
}

/// The caller of a request. Credentials that are sent but not in force are refused rather
/// than treated as none, so a typo shows at once instead of as a smaller rate limit.
pub async fn identify(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    identities: Identities<'_>,
) -> Result<Caller, Unidentified> {
    match (
        headers.get(API_KEY_HEADER),
        headers.get(header::AUTHORIZATION),
    ) {
        (Some(_), Some(_)) => Err(refused(
            Challenge::ApiKey,
            "send an API key or a bearer token, not both",
        )),
        (Some(secret), None) => {
            let secret = secret
                .to_str()
                .map_err(|_| refused(Challenge::ApiKey, "the API key is malformed"))?
                .trim();
            by_key(secret, identities).await
        }
        (None, Some(authorization)) => {
            let token = authorization
                .to_str()
                .ok()
                .and_then(|value| value.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .ok_or_else(|| {
                    refused(
                        Challenge::Bearer,
                        "the Authorization header must be `Bearer <token>`",
                    )
                })?;
            by_token(token, identities).await
        }
        (None, None) => Ok(anonymous(headers, peer, identities.trust_forwarded_for)),
    }
}

/// The caller with API key `secret`. Issued keys (`pga_…`) are looked up in the database on
/// every request, so a revocation holds at once everywhere; `API_KEYS` entries are known from
/// start-up.
async fn by_key(secret: &str, identities: Identities<'_>) -> Result<Caller, Unidentified> {
    if let Some(prefix) = issued::prefix_of(secret) {
        return match api_keys::find(identities.db, prefix, secret).await {
            Ok(Lookup::Active {
                name,
                role,
                organisations,
            }) => Ok(Caller::known(
                name,
                role.parse().unwrap_or_default(),
                organisations,
                Credential::IssuedKey,
            )),
            Ok(Lookup::Revoked) => Err(refused(Challenge::ApiKey, "the API key was revoked")),
            Ok(Lookup::Expired) => Err(refused(Challenge::ApiKey, "the API key has expired")),
            Ok(Lookup::Unknown) => Err(refused(Challenge::ApiKey, "the API key is not known")),
            Err(error) => {
                tracing::warn!(%error, "cannot look up an API key");
                Err(Unidentified::Unavailable)
            }
        };
    }
    identities
        .keys
        .find(secret)
        .map(|(name, role)| {
            Caller::known(name.to_owned(), role, Vec::new(), Credential::BootstrapKey)
        })
        .ok_or_else(|| refused(Challenge::ApiKey, "the API key is not known"))
}

/// The caller with bearer `token`: its subject, its role, and for an editor the organisations
/// its claim names, each of which must exist.
async fn by_token(token: &str, identities: Identities<'_>) -> Result<Caller, Unidentified> {
    let Some(tokens) = identities.tokens else {
        return Err(refused(
            Challenge::Bearer,
            "this server takes no bearer tokens; send an API key in X-API-Key",
        ));
    };
    let claims = tokens.verify(token).await.map_err(|why| match why {
        TokenRefused::Invalid(reason) => refused(Challenge::Bearer, reason),
        TokenRefused::KeysUnavailable => Unidentified::Unavailable,
    })?;
    let organisations = if claims.role == Role::Editor && !claims.organisations.is_empty() {
        match api_keys::organisation_ids(identities.db, &claims.organisations).await {
            Ok(Ok(ids)) => ids,
            Ok(Err(unknown)) => {
                return Err(refused(
                    Challenge::Bearer,
                    format!("the token names organisation `{unknown}`, which is not known"),
                ));
            }
            Err(error) => {
                tracing::warn!(%error, "cannot look up a token's organisations");
                return Err(Unidentified::Unavailable);
            }
        }
    } else {
        Vec::new()
    };
    Ok(Caller::known(
        claims.subject,
        claims.role,
        organisations,
        Credential::Token,
    ))
}

/// A caller without credentials, known by its address: the peer's, or the last
/// `X-Forwarded-For` entry behind a trusted proxy.
fn anonymous(headers: &HeaderMap, peer: Option<SocketAddr>, trust_forwarded_for: bool) -> Caller {
    let forwarded = trust_forwarded_for
        .then(|| headers.get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|list| list.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok());
    let address = forwarded
        .or(peer.map(|p| p.ip()))
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    Caller {
        client: Client::Address(address),
        principal: Principal::Anonymous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn keys() -> ApiKeys {
        ApiKeys::parse(&["dashboard:0123456789abcdef0123".to_owned()]).expect("a valid key list")
    }

    async fn caller(
        headers: &HeaderMap,
        peer: Option<SocketAddr>,
        trust: bool,
    ) -> Result<Caller, Unidentified> {
        let keys = keys();
        let db = Database::default();
        let identities = Identities {
            keys: &keys,
            tokens: None,
            db: &db,
            trust_forwarded_for: trust,
        };
        identify(headers, peer, identities).await
    }

    #[tokio::test]
    async fn a_known_key_names_the_client_and_an_unknown_one_is_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(
            API_KEY_HEADER,
            HeaderValue::from_static("0123456789abcdef0123"),
        );
        assert_eq!(
            caller(&headers, None, false).await.map(|c| c.client),
            Ok(Client::ApiKey {
                name: "dashboard".to_owned(),
                role: Role::Reader
            })
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
            caller(&typo, None, false).await,
            Err(refused(Challenge::ApiKey, "the API key is not known"))
        );
        assert_eq!(
            caller(&headers, None, false).await,
            Err(refused(Challenge::ApiKey, "the API key is not known"))
        );
    }

    #[tokio::test]
    async fn bearer_tokens_are_refused_when_off_and_with_a_key_or_another_scheme() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc.def.ghi"),
        );
        assert!(matches!(
            caller(&headers, None, false).await,
            Err(Unidentified::Refused {
                challenge: Challenge::Bearer,
                ..
            })
        ));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic dXNlcjpwYXNz"),
        );
        assert_eq!(
            caller(&headers, None, false).await,
            Err(refused(
                Challenge::Bearer,
                "the Authorization header must be `Bearer <token>`"
            ))
        );
        headers.insert(
            API_KEY_HEADER,
            HeaderValue::from_static("0123456789abcdef0123"),
        );
        assert_eq!(
            caller(&headers, None, false).await,
            Err(refused(
                Challenge::ApiKey,
                "send an API key or a bearer token, not both"
            ))
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
            caller(&headers, peer, true).await.map(|c| c.client),
            Ok(Client::Address("198.51.100.7".to_owned()))
        );
        assert_eq!(
            caller(&headers, peer, false).await.map(|c| c.client),
            Ok(Client::Address("10.0.0.2".to_owned()))
        );
    }
}
