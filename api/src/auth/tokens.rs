//! Bearer tokens: JSON Web Tokens from an identity provider, signed with a shared secret
//! (HS256) or with the provider's keys (RS256, ES256, EdDSA) from a JSON Web Key Set at a URL
//! or in a file.
//!
//! The key set is fetched at start-up and kept. A token naming a key the set does not hold
//! (the provider rotated its keys) makes it fetched again, at most once per refetch interval,
//! so a stream of forged key ids cannot turn into a stream of requests to the provider. A set
//! older than an hour is fetched again on the next token, and kept when the fetch fails: an
//! unreachable provider stops nobody whose key is already known, and never stops anonymous
//! callers or API keys.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Map, Value};

use super::Role;
use crate::config::TokenSettings;

/// Seconds of clock difference allowed when `exp` and `nbf` are checked.
const LEEWAY_SECONDS: u64 = 60;
/// A key set this old is fetched again on the next token.
const KEY_SET_MAX_AGE: Duration = Duration::from_secs(3600);
/// How long a fetch of the key set may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest key set read.
const MAX_KEY_SET_BYTES: usize = 256 * 1024;
/// The longest subject kept.
const MAX_SUBJECT_CHARS: usize = 200;

/// What a verified token says about its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// The `sub` claim: who the caller is, as the identity provider names it.
    pub subject: String,
    pub role: Role,
    /// Keys of the organisations an editor is scoped to.
    pub organisations: Vec<String>,
}

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefused {
    /// The token is malformed, forged, expired, for someone else, or says something
    /// unusable; the message says which.
    Invalid(String),
    /// The provider's keys have never been fetched, so no token can be checked yet.
    KeysUnavailable,
}

fn invalid(message: impl Into<String>) -> TokenRefused {
    TokenRefused::Invalid(message.into())
}

/// Verifies bearer tokens.
#[derive(Debug)]
pub struct Tokens {
    signers: Signers,
    validation: Validation,
    role_claim: String,
    organisations_claim: String,
}

#[derive(Debug)]
enum Signers {
    Secret(DecodingKey),
    KeySet(KeySet),
}

impl Tokens {
    /// The verifier `settings` describe, or `None` when bearer tokens are off. Refuses
    /// settings that contradict each other; an unreachable key set URL is only logged.
    pub async fn from_settings(settings: &TokenSettings) -> anyhow::Result<Option<Self>> {
        let sources = [
            settings.jwt_secret.is_some(),
            settings.jwt_jwks_url.is_some(),
            settings.jwt_jwks_file.is_some(),
        ];
        anyhow::ensure!(
            sources.iter().filter(|set| **set).count() <= 1,
            "set one of JWT_SECRET, JWT_JWKS_URL and JWT_JWKS_FILE, not several"
        );
        let signers = if let Some(secret) = &settings.jwt_secret {
            anyhow::ensure!(
                secret.len() >= 32,
                "JWT_SECRET must be at least 32 bytes: HS256 is only as strong as its secret"
            );
            Signers::Secret(DecodingKey::from_secret(secret.as_bytes())?)
        } else {
            let source = match (&settings.jwt_jwks_url, &settings.jwt_jwks_file) {
                (Some(url), _) => KeySource::Url {
                    client: reqwest::Client::builder().timeout(FETCH_TIMEOUT).build()?,
                    url: url.clone(),
                },
                (None, Some(path)) => KeySource::File(path.clone()),
                (None, None) => return Ok(None),
            };
            // Any holder of a key set's tokens, for any application, could call with them:
            // the issuer and audience are what make a token one meant for this API.
            anyhow::ensure!(
                settings.jwt_issuer.is_some() && settings.jwt_audience.is_some(),
                "with a key set, JWT_ISSUER and JWT_AUDIENCE must be set too"
            );
            let keys = KeySet::new(
                source,
                Duration::from_secs(settings.jwt_jwks_refetch_seconds),
            );
            if let KeySource::File(path) = &keys.source {
                // A file that cannot be read is a mistake to show at start-up.
                let loaded = keys.source.fetch().await.map_err(|error| {
                    anyhow::anyhow!("cannot read JWT_JWKS_FILE {}: {error}", path.display())
                })?;
                keys.store(loaded);
            } else {
                keys.refetch_if_due().await;
            }
            Signers::KeySet(keys)
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        match &settings.jwt_issuer {
            Some(issuer) => {
                validation.set_issuer(&[issuer]);
                required.push("iss");
            }
            None => validation.iss = None,
        }
        match &settings.jwt_audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Ok(Some(Self {
            signers,
            validation,
            role_claim: settings.jwt_role_claim.clone(),
            organisations_claim: settings.jwt_organisations_claim.clone(),
        }))
    }

    /// What `token` says, once its signature, times, issuer and audience hold.
    pub async fn verify(&self, token: &str) -> Result<TokenClaims, TokenRefused> {
        let header = decode_header(token)
            .map_err(|_| invalid("the bearer token is not a JSON Web Token"))?;
        let candidates = match &self.signers {
            Signers::Secret(key) => {
                if header.alg != Algorithm::HS256 {
                    return Err(invalid(format!(
                        "the token is signed with {:?}; this server takes HS256",
                        header.alg
                    )));
                }
                vec![SigningKey {
                    id: None,
                    algorithm: Algorithm::HS256,
                    key: key.clone(),
                }]
            }
            Signers::KeySet(keys) => keys.keys_for(header.kid.as_deref(), header.alg).await?,
        };
        let mut last = invalid("the token's signature does not verify");
        for candidate in &candidates {
            let mut validation = self.validation.clone();
            validation.algorithms = vec![candidate.algorithm];
            match decode::<Map<String, Value>>(token, &candidate.key, &validation) {
                Ok(data) => return self.claims_of(&data.claims),
                // Without a key id, every key of the algorithm is tried.
                Err(error) if *error.kind() == ErrorKind::InvalidSignature => {
                    last = describe(error.kind(), &self.validation);
                }
                Err(error) => return Err(describe(error.kind(), &self.validation)),
            }
        }
        Err(last)
    }

    fn claims_of(&self, claims: &Map<String, Value>) -> Result<TokenClaims, TokenRefused> {
        let subject = match claims.get("sub") {
            Some(Value::String(subject))
                if !subject.trim().is_empty() && subject.chars().count() <= MAX_SUBJECT_CHARS =>
            {
                subject.clone()
            }
            _ => {
                return Err(invalid(format!(
                    "the token's `sub` must be a string of 1 to {MAX_SUBJECT_CHARS} characters"
                )));
            }
        };
        let role = match claim(claims, &self.role_claim) {
            None | Some(Value::Null) => Role::Reader,
            Some(Value::String(role)) => role.parse().map_err(|_| {
                invalid(format!(
                    "the token's `{}` claim is `{role}`: use reader, editor or admin",
                    self.role_claim
                ))
            })?,
            // A provider's list of roles holds roles of other applications too: the highest of
            // ours counts, and none of ours makes a reader.
            Some(Value::Array(roles)) => roles
                .iter()
                .filter_map(|role| role.as_str()?.parse::<Role>().ok())
                .max()
                .unwrap_or_default(),
            Some(_) => {
                return Err(invalid(format!(
                    "the token's `{}` claim must be a string or a list of strings",
                    self.role_claim
                )));
            }
        };
        let organisations = match claim(claims, &self.organisations_claim) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(key)) => vec![key.clone()],
            Some(Value::Array(keys)) if keys.iter().all(Value::is_string) => keys
                .iter()
                .filter_map(|key| key.as_str().map(str::to_owned))
                .collect(),
            Some(_) => {
                return Err(invalid(format!(
                    "the token's `{}` claim must be an organisation key or a list of them",
                    self.organisations_claim
                )));
            }
        };
        Ok(TokenClaims {
            subject,
            role,
            organisations,
        })
    }
}

/// The claim called `name`, or, when there is none, the one its dots lead to
/// (`realm_access.roles`). Exact names come first: a namespaced claim such as
/// `https://example.org/role` has dots of its own.
fn claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    claims.get(name).or_else(|| {
        let mut parts = name.split('.');
        let first = claims.get(parts.next()?)?;
        parts.try_fold(first, |value, part| value.get(part))
    })
}

/// What went wrong with a token, in words a caller can act on.
fn describe(kind: &ErrorKind, validation: &Validation) -> TokenRefused {
    let list = |set: &Option<HashSet<String>>| {
        set.iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    invalid(match kind {
        ErrorKind::ExpiredSignature => "the token has expired".to_owned(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (`nbf`)".to_owned(),
        ErrorKind::InvalidIssuer => format!("the token's issuer is not {}", list(&validation.iss)),
        ErrorKind::InvalidAudience => {
            format!("the token is not meant for {}", list(&validation.aud))
        }
        ErrorKind::InvalidSignature => "the token's signature does not verify".to_owned(),
        ErrorKind::InvalidAlgorithm => "the token's algorithm does not match its key".to_owned(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token has no `{claim}` claim"),
        ErrorKind::InvalidClaimFormat(claim) => format!("the token's `{claim}` is malformed"),
        _ => "the bearer token is malformed".to_owned(),
    })
}

/// A key a token may be signed with.
#[derive(Debug, Clone)]
struct SigningKey {
    id: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Where the key set comes from.
#[derive(Debug)]
enum KeySource {
    Url {
        client: reqwest::Client,
        url: url::Url,
    },
    File(PathBuf),
}

impl KeySource {
    async fn fetch(&self) -> Result<Vec<SigningKey>, String> {
        let bytes = match self {
            Self::File(path) => tokio::fs::read(path)
                .await
                .map_err(|error| error.to_string())?,
            Self::Url { client, url } => {
                let mut response = client
                    .get(url.clone())
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|error| error.to_string())?;
                let mut bytes = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_KEY_SET_BYTES {
                        return Err(format!("the key set is over {MAX_KEY_SET_BYTES} bytes"));
                    }
                }
                bytes
            }
        };
        let set: Value = serde_json::from_slice(&bytes)
            .map_err(|error| format!("the key set is not JSON: {error}"))?;
        let keys = set
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("the key set has no `keys` list")?;
        // A key of a kind this server does not take is skipped, not fatal: providers list
        // encryption keys and other algorithms beside the signing keys.
        Ok(keys
            .iter()
            .filter_map(|key| serde_json::from_value::<Jwk>(key.clone()).ok())
            .filter_map(|jwk| signing_key(&jwk))
            .collect())
    }
}

/// The key `jwk` describes, when it is a signing key of RS256, ES256 or EdDSA.
fn signing_key(jwk: &Jwk) -> Option<SigningKey> {
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    let implied = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        _ => return None,
    };
    let algorithm = match jwk.common.key_algorithm {
        Some(stated) => stated.to_string().parse::<Algorithm>().ok()?,
        None => implied,
    };
    (algorithm == implied).then_some(())?;
    Some(SigningKey {
        id: jwk.common.key_id.clone(),
        algorithm,
        key: DecodingKey::from_jwk(jwk).ok()?,
    })
}

/// The provider's keys, fetched when needed.
#[derive(Debug)]
struct KeySet {
    source: KeySource,
    min_refetch: Duration,
    loaded: RwLock<Loaded>,
    /// Held while fetching, so concurrent tokens with a new key id cause one fetch.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct Loaded {
    keys: Arc<[SigningKey]>,
    loaded_at: Option<Instant>,
    attempted_at: Option<Instant>,
}

impl KeySet {
    fn new(source: KeySource, min_refetch: Duration) -> Self {
        Self {
            source,
            min_refetch,
            loaded: RwLock::new(Loaded::default()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    fn store(&self, keys: Vec<SigningKey>) {
        let mut loaded = self.loaded.write().unwrap_or_else(|p| p.into_inner());
        loaded.keys = keys.into();
        loaded.loaded_at = Some(Instant::now());
    }

    /// The keys that may have signed a token with this key id and algorithm.
    async fn keys_for(
        &self,
        kid: Option<&str>,
        algorithm: Algorithm,
    ) -> Result<Vec<SigningKey>, TokenRefused> {
        if !matches!(
            algorithm,
            Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA
        ) {
            return Err(invalid(format!(
                "the token is signed with {algorithm:?}; this server takes RS256, ES256 and EdDSA"
            )));
        }
        let stale = self
            .read()
            .loaded_at
            .is_none_or(|at| at.elapsed() >= KEY_SET_MAX_AGE);
        if stale {
            self.refetch_if_due().await;
        }
        let mut found = self.matching(kid, algorithm);
        if found.is_empty() {
            self.refetch_if_due().await;
            found = self.matching(kid, algorithm);
        }
        if !found.is_empty() {
            return Ok(found);
        }
        if self.read().loaded_at.is_none() {
            return Err(TokenRefused::KeysUnavailable);
        }
        Err(invalid(match kid {
            Some(kid) => format!("the identity provider lists no {algorithm:?} key `{kid}`"),
            None => format!("the identity provider lists no {algorithm:?} key"),
        }))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        self.loaded.read().unwrap_or_else(|p| p.into_inner())
    }

    fn matching(&self, kid: Option<&str>, algorithm: Algorithm) -> Vec<SigningKey> {
        let keys = Arc::clone(&self.read().keys);
        keys.iter()
            .filter(|key| key.algorithm == algorithm)
            .filter(|key| kid.is_none() || key.id.as_deref() == kid)
            .cloned()
            .collect()
    }

    /// Fetches the key set unless a fetch was tried within the refetch interval; a failed
    /// fetch keeps the keys already known.
    async fn refetch_if_due(&self) {
        let _fetching = self.fetching.lock().await;
        {
            let mut loaded = self.loaded.write().unwrap_or_else(|p| p.into_inner());
            if loaded
                .attempted_at
                .is_some_and(|at| at.elapsed() < self.min_refetch)
            {
                return;
            }
            loaded.attempted_at = Some(Instant::now());
        }
        match self.source.fetch().await {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "fetched the identity provider's keys");
                self.store(keys);
            }
            Err(error) => tracing::warn!(%error, "cannot fetch the identity provider's keys"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn exact_claim_names_come_before_dotted_paths() {
        let claims = claims(json!({
            "https://example.org/role": "editor",
            "realm_access": { "roles": ["offline_access", "admin"] },
        }));
        assert_eq!(
            claim(&claims, "https://example.org/role"),
            Some(&json!("editor"))
        );
        assert_eq!(
            claim(&claims, "realm_access.roles"),
            Some(&json!(["offline_access", "admin"]))
        );
        assert_eq!(claim(&claims, "realm_access.groups"), None);
    }

    #[test]
    fn only_signing_keys_of_the_three_algorithms_are_kept() {
        let jwk = |value: Value| serde_json::from_value::<Jwk>(value).expect("a JWK");
        let ed = json!({ "kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" });
        assert_eq!(
            signing_key(&jwk(ed.clone())).map(|k| k.algorithm),
            Some(Algorithm::EdDSA)
        );
        let mut encryption = ed.clone();
        encryption["use"] = json!("enc");
        assert!(signing_key(&jwk(encryption)).is_none());
        let mut mismatched = ed;
        mismatched["alg"] = json!("RS256");
        assert!(signing_key(&jwk(mismatched)).is_none());
        let p384 = json!({ "kty": "EC", "crv": "P-384", "x": "AA", "y": "AA" });
        assert!(signing_key(&jwk(p384)).is_none());
    }
}
