//! Bearer tokens from an identity provider: keys from a JSON Web Key Set served by a local
//! HTTP server the test starts, or from a shared secret; who a token names, what a bad token
//! gets, and how rotated keys and an unreachable provider are handled.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use api::config::Settings;
use axum::Json;
use axum::http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{ADMIN_KEY, TestApp, fresh_database};

pub const ISSUER: &str = "https://id.example.org/realms/partners";
pub const AUDIENCE: &str = "partnership-graph";
const SECRET: &str = "a-shared-secret-of-at-least-32-bytes!";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/jwt/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Claims of a token valid for the next five minutes.
pub fn claims(subject: &str, role: &str, organisations: &[&str]) -> Value {
    json!({
        "sub": subject,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now(),
        "exp": now() + 300,
        "role": role,
        "organisations": organisations,
    })
}

/// The signing keys of the test identity provider, by key id.
#[derive(Debug, Clone, Copy)]
pub enum Signer {
    Rsa,
    Ec,
    Ed,
    /// A key the provider only lists after a rotation.
    Rotated,
}

/// `Bearer` and a token with `claims`, signed by `signer` under key id `kid` (its own when
/// `None`).
pub fn bearer_with(signer: Signer, kid: Option<&str>, claims: &Value) -> String {
    let (algorithm, own_kid, key) = match signer {
        Signer::Rsa => (
            Algorithm::RS256,
            "rsa-1",
            EncodingKey::from_rsa_pem(&fixture("rsa.pem")),
        ),
        Signer::Ec => (
            Algorithm::ES256,
            "ec-1",
            EncodingKey::from_ec_pem(&fixture("ec.pem")),
        ),
        Signer::Ed => (
            Algorithm::EdDSA,
            "ed-1",
            EncodingKey::from_ed_pem(&fixture("ed25519.pem")),
        ),
        Signer::Rotated => (
            Algorithm::RS256,
            "rsa-2",
            EncodingKey::from_rsa_pem(&fixture("rotated-rsa.pem")),
        ),
    };
    let mut header = Header::new(algorithm);
    header.kid = Some(kid.unwrap_or(own_kid).to_owned());
    let token = encode(&header, claims, &key.expect("a test key")).expect("signed");
    format!("Bearer {token}")
}

/// `Bearer` and an RS256 token with `claims`.
pub fn bearer(claims: &Value) -> String {
    bearer_with(Signer::Rsa, None, claims)
}

/// A local identity provider's key set endpoint: serves `keys` (or 500 while `failing`) and
/// counts its fetches.
#[derive(Clone)]
pub struct KeySetServer {
    pub url: url::Url,
    keys: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    failing: Arc<AtomicBool>,
}

impl KeySetServer {
    pub async fn start() -> Self {
        let keys = Arc::new(Mutex::new(
            serde_json::from_slice::<Value>(&fixture("jwks.json")).expect("JSON"),
        ));
        let fetches = Arc::new(AtomicUsize::new(0));
        let failing = Arc::new(AtomicBool::new(false));
        let served = (keys.clone(), fetches.clone(), failing.clone());
        let router = axum::Router::new().route(
            "/certs",
            axum::routing::get(move || {
                let (keys, fetches, failing) = served.clone();
                async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    if failing.load(Ordering::SeqCst) {
                        return Err(StatusCode::INTERNAL_SERVER_ERROR);
                    }
                    let keys = keys.lock().map(|k| k.clone()).unwrap_or_default();
                    Ok(Json(keys))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let address = listener.local_addr().expect("bound");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            url: format!("http://{address}/certs").parse().expect("a URL"),
            keys,
            fetches,
            failing,
        }
    }

    /// Starts listing the rotated key too.
    pub fn rotate(&self) {
        let rotated: Value = serde_json::from_slice(&fixture("rotated-jwks.json")).expect("JSON");
        if let Ok(mut keys) = self.keys.lock() {
            let mut all = keys["keys"].as_array().cloned().unwrap_or_default();
            all.extend(rotated["keys"].as_array().cloned().unwrap_or_default());
            *keys = json!({ "keys": all });
        }
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Settings that take tokens signed with this server's keys.
    pub fn configure(&self, settings: &mut Settings) {
        settings.tokens.jwt_jwks_url = Some(self.url.clone());
        settings.tokens.jwt_issuer = Some(ISSUER.to_owned());
        settings.tokens.jwt_audience = Some(AUDIENCE.to_owned());
    }
}

/// One app per backend taking tokens from `server`, with the usual writer keys.
pub async fn apps_with_tokens(server: &KeySetServer) -> Vec<TestApp> {
    crate::helpers::apps_with_writers_and(|settings| server.configure(settings)).await
}

/// Posts `query` with raw headers and returns the status, the `WWW-Authenticate` header and
/// the body.
async fn post_raw(
    app: &TestApp,
    headers: &[(&str, &str)],
    query: &str,
) -> (u16, Option<String>, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, challenge, response.json().await.expect("JSON"))
}

const VIEWER: &str = "{ viewer { kind name role organisations { key } } }";

#[tokio::test]
async fn tokens_signed_with_each_algorithm_name_their_caller() {
    let server = KeySetServer::start().await;
    for app in apps_with_tokens(&server).await {
        for signer in [Signer::Rsa, Signer::Ec, Signer::Ed] {
            let token = bearer_with(signer, None, &claims("alice", "editor", &["iic"]));
            let body = app.post_as(&token, VIEWER, json!({})).await;
            assert_eq!(
                body["data"]["viewer"],
                json!({ "kind": "TOKEN", "name": "alice", "role": "EDITOR", "organisations": [{ "key": "iic" }] }),
                "[{}] {signer:?}: {body}",
                app.backend
            );
        }
        // A list of roles, as providers send them: the highest of ours counts.
        let mut listed = claims("bob", "reader", &[]);
        listed["role"] = json!(["offline_access", "reader", "admin"]);
        let body = app.post_as(&bearer(&listed), VIEWER, json!({})).await;
        assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");
        // No role claim at all: a reader.
        let mut bare = claims("carol", "reader", &[]);
        bare.as_object_mut().map(|c| c.remove("role"));
        let body = app.post_as(&bearer(&bare), VIEWER, json!({})).await;
        assert_eq!(body["data"]["viewer"]["role"], "READER", "{body}");
        // Within the 60 s leeway an expired token still holds.
        let mut late = claims("dave", "reader", &[]);
        late["exp"] = json!(now() - 30);
        let body = app.post_as(&bearer(&late), VIEWER, json!({})).await;
        assert_eq!(body["data"]["viewer"]["name"], "dave", "{body}");
    }
}

#[tokio::test]
async fn a_token_writes_under_its_subject_and_draws_on_its_roles_bucket() {
    let server = KeySetServer::start().await;
    for app in apps_with_tokens(&server).await {
        let editor = bearer(&claims("alice@iic", "editor", &["iic"]));
        let organisations = app
            .data(
                "{ organisations(first: 50) { nodes { id key } } }",
                json!({}),
            )
            .await;
        let iic = crate::helpers::id_where(&organisations["organisations"], "key", "iic");
        let body = app
            .post_as(
                &editor,
                "mutation($id: ID!) { updateOrganisation(input: { id: $id, patch: { city: \"Daugavpils\" } }) { organisation { city } userErrors { code } } }",
                json!({ "id": iic }),
            )
            .await;
        assert_eq!(
            body["data"]["updateOrganisation"]["organisation"]["city"], "Daugavpils",
            "[{}] {body}",
            app.backend
        );
        // An editor's bucket: 100,000 points, refilled in the anonymous 20 s.
        let status = &body["extensions"]["cost"]["throttleStatus"];
        assert_eq!(status["maximumAvailable"], 100_000, "{status}");
        assert_eq!(status["restoreRate"], 5_000, "{status}");
        let log = app
            .post_as(
                ADMIN_KEY,
                "{ auditLog(first: 5, filter: { actor: \"token:alice@iic\" }) { nodes { actor role operation recordType } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            log["data"]["auditLog"]["nodes"],
            json!([{ "actor": "token:alice@iic", "role": "editor", "operation": "UPDATE", "recordType": "Organisation" }]),
            "[{}] {log}",
            app.backend
        );
        let admin = bearer(&claims("root", "admin", &[]));
        let status =
            app.post_as(&admin, VIEWER, json!({})).await["extensions"]["cost"]["throttleStatus"]
                .clone();
        assert_eq!(status["maximumAvailable"], 200_000, "{status}");
        let anonymous =
            app.post(VIEWER, json!({})).await["extensions"]["cost"]["throttleStatus"].clone();
        assert_eq!(anonymous["maximumAvailable"], 40_000, "{anonymous}");
    }
}

#[tokio::test]
async fn bad_tokens_get_401_with_a_bearer_challenge_and_run_nothing() {
    let server = KeySetServer::start().await;
    for app in apps_with_tokens(&server).await {
        let good = claims("mallory", "admin", &[]);
        let with = |change: &dyn Fn(&mut Value)| {
            let mut claims = good.clone();
            change(&mut claims);
            bearer(&claims)
        };
        let hs256 = {
            let token = encode(
                &Header::new(Algorithm::HS256),
                &good,
                &EncodingKey::from_secret(b"anything-at-all").expect("a key"),
            )
            .expect("signed");
            format!("Bearer {token}")
        };
        let cases: Vec<(&str, String, &str)> = vec![
            (
                "not a JWT",
                "Bearer not.a.token".to_owned(),
                "not a JSON Web Token",
            ),
            (
                "expired",
                with(&|c| c["exp"] = json!(now() - 120)),
                "expired",
            ),
            (
                "not yet valid",
                with(&|c| c["nbf"] = json!(now() + 120)),
                "not valid yet",
            ),
            (
                "another issuer",
                with(&|c| c["iss"] = json!("https://evil.example")),
                "issuer",
            ),
            (
                "another audience",
                with(&|c| c["aud"] = json!("another-app")),
                "not meant for",
            ),
            (
                "no subject",
                with(&|c| {
                    c.as_object_mut().map(|c| c.remove("sub"));
                }),
                "`sub`",
            ),
            (
                "no expiry",
                with(&|c| {
                    c.as_object_mut().map(|c| c.remove("exp"));
                }),
                "`exp`",
            ),
            (
                "unknown role",
                with(&|c| c["role"] = json!("owner")),
                "reader, editor or admin",
            ),
            (
                "unknown organisation",
                with(&|c| {
                    c["role"] = json!("editor");
                    c["organisations"] = json!(["nobody"]);
                }),
                "`nobody`",
            ),
            (
                "forged signature",
                bearer_with(Signer::Rotated, Some("rsa-1"), &good),
                "signature",
            ),
            (
                "unknown key",
                bearer_with(Signer::Rotated, None, &good),
                "`rsa-2`",
            ),
            ("HS256 against a key set", hs256, "this server takes RS256"),
            (
                "another scheme",
                "Basic YWxhZGRpbjpvcGVuc2VzYW1l".to_owned(),
                "Bearer <token>",
            ),
        ];
        let write = "mutation { createFunder(input: { key: \"never\", name: [{ lang: \"en\", text: \"Never\", isOriginal: true }] }) { funder { id } } }";
        for (case, authorization, says) in &cases {
            let (status, challenge, body) =
                post_raw(&app, &[("authorization", authorization)], write).await;
            assert_eq!(status, 401, "[{}] {case}: {body}", app.backend);
            assert!(
                challenge
                    .as_deref()
                    .is_some_and(|c| c.starts_with("Bearer ")),
                "{case}: {challenge:?}"
            );
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                "{case}"
            );
            let message = body["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains(says), "{case}: {message}");
            assert!(body.get("data").is_none(), "{case}: {body}");
        }
        let funders = app
            .data("{ funders(first: 100) { nodes { key } } }", json!({}))
            .await;
        assert!(
            !funders.to_string().contains("\"never\""),
            "a refused token wrote nothing"
        );
        let (status, challenge, _) = post_raw(
            &app,
            &[("authorization", &bearer(&good)), ("x-api-key", ADMIN_KEY)],
            VIEWER,
        )
        .await;
        assert_eq!(
            (status, challenge.is_some()),
            (401, true),
            "both credentials"
        );
    }
}

#[tokio::test]
async fn a_rotated_key_is_fetched_but_unknown_keys_fetch_at_most_once_per_interval() {
    let server = KeySetServer::start().await;
    let dir = TempDir::new().expect("temp dir");
    let mut settings = Settings::for_database(fresh_database("sqlite", dir.path()).await, 0);
    server.configure(&mut settings);
    settings.tokens.jwt_jwks_refetch_seconds = 1;
    let app = TestApp::start("sqlite", settings, dir).await;
    assert_eq!(server.fetches(), 1, "fetched once at start-up");
    let rotated = bearer_with(Signer::Rotated, None, &claims("erin", "reader", &[]));
    // Within the interval an unknown key is refused without asking the provider.
    let body = app.post_as(&rotated, VIEWER, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(server.fetches(), 1);
    server.rotate();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let body = app.post_as(&rotated, VIEWER, json!({})).await;
    assert_eq!(body["data"]["viewer"]["name"], "erin", "{body}");
    assert_eq!(server.fetches(), 2, "the rotation caused one fetch");
    // Once the interval has passed, a flood of made-up key ids costs the provider one fetch.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for kid in ["x1", "x2", "x3", "x4", "x5"] {
        let forged = bearer_with(Signer::Rsa, Some(kid), &claims("eve", "admin", &[]));
        let body = app.post_as(&forged, VIEWER, json!({})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    assert_eq!(server.fetches(), 3, "one fetch for the whole flood");
    // The provider going down leaves the keys already known in force.
    server.fail(true);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let forged = bearer_with(Signer::Rsa, Some("x6"), &claims("eve", "admin", &[]));
    app.post_as(&forged, VIEWER, json!({})).await;
    let body = app
        .post_as(&bearer(&claims("frank", "reader", &[])), VIEWER, json!({}))
        .await;
    assert_eq!(body["data"]["viewer"]["name"], "frank", "{body}");
}

#[tokio::test]
async fn an_unreachable_identity_provider_stops_only_token_callers() {
    // A port nothing listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}/certs", closed.local_addr().expect("bound"));
    drop(closed);
    let apps = crate::helpers::apps_with_writers_and(|settings| {
        settings.tokens.jwt_jwks_url = Some(url.parse().expect("a URL"));
        settings.tokens.jwt_issuer = Some(ISSUER.to_owned());
        settings.tokens.jwt_audience = Some(AUDIENCE.to_owned());
    })
    .await;
    for app in apps {
        let anonymous = app.post(VIEWER, json!({})).await;
        assert_eq!(
            anonymous["data"]["viewer"]["kind"], "ANONYMOUS",
            "{anonymous}"
        );
        let keyed = app.post_as(ADMIN_KEY, VIEWER, json!({})).await;
        assert_eq!(keyed["data"]["viewer"]["kind"], "API_KEY", "{keyed}");
        let token = bearer(&claims("grace", "reader", &[]));
        let (status, _, body) = post_raw(&app, &[("authorization", &token)], VIEWER).await;
        assert_eq!(status, 503, "[{}] {body}", app.backend);
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "SERVICE_UNAVAILABLE"
        );
    }
}

#[tokio::test]
async fn a_shared_secret_takes_hs256_tokens_only() {
    for app in crate::helpers::apps_with_writers_and(|settings| {
        settings.tokens.jwt_secret = Some(SECRET.to_owned());
    })
    .await
    {
        let mut claims = claims("heidi", "editor", &["iic"]);
        claims.as_object_mut().map(|c| {
            c.remove("iss");
            c.remove("aud")
        });
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()).expect("a key"),
        )
        .expect("signed");
        let body = app
            .post_as(&format!("Bearer {token}"), VIEWER, json!({}))
            .await;
        assert_eq!(body["data"]["viewer"]["name"], "heidi", "{body}");
        let wrong = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"another-secret-of-at-least-32-bytes").expect("a key"),
        )
        .expect("signed");
        let body = app
            .post_as(&format!("Bearer {wrong}"), VIEWER, json!({}))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        let rsa = bearer(&claims);
        let body = app.post_as(&rsa, VIEWER, json!({})).await;
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("takes HS256")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn contradictory_token_settings_stop_start_up() {
    let dir = TempDir::new().expect("temp dir");
    let base = Settings::for_database(fresh_database("sqlite", dir.path()).await, 0);
    let mut short = base.clone();
    short.tokens.jwt_secret = Some("short".to_owned());
    assert!(
        crate::helpers::start_up_error(&short)
            .await
            .contains("at least 32 bytes")
    );
    let mut both = base.clone();
    both.tokens.jwt_secret = Some(SECRET.to_owned());
    both.tokens.jwt_jwks_file = Some("jwks.json".into());
    assert!(
        crate::helpers::start_up_error(&both)
            .await
            .contains("not several")
    );
    let mut open = base.clone();
    open.tokens.jwt_jwks_file =
        Some(format!("{}/fixtures/jwt/jwks.json", env!("CARGO_MANIFEST_DIR")).into());
    assert!(
        crate::helpers::start_up_error(&open)
            .await
            .contains("JWT_ISSUER and JWT_AUDIENCE")
    );
    let mut missing = base;
    missing.tokens.jwt_jwks_file = Some("/nonexistent/jwks.json".into());
    missing.tokens.jwt_issuer = Some(ISSUER.to_owned());
    missing.tokens.jwt_audience = Some(AUDIENCE.to_owned());
    assert!(
        crate::helpers::start_up_error(&missing)
            .await
            .contains("cannot read JWT_JWKS_FILE")
    );
}
