//! API keys kept in the database: issued once with their secret shown once, found on every
//! request, refused with 401 and `WWW-Authenticate` once revoked or expired, and `viewer`
//! says who the API thinks is calling.

use api::cli::{Cli, Command, KeysCommand};
use clap::Parser;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends, fresh_database};

const VIEWER: &str = "{ viewer { kind name role organisations { key } } }";

async fn as_key(app: &TestApp, key: &str) -> (u16, Option<String>, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("x-api-key", key)
        .json(&json!({ "query": VIEWER }))
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, challenge, response.json().await.expect("json"))
}

#[tokio::test]
async fn an_issued_key_names_its_caller_until_it_is_revoked() {
    for app in TestApp::all().await {
        let secret = api::service::api_keys::create(
            &app.db,
            "interfolk-editor",
            "editor",
            &["interfolk".to_owned()],
            None,
        )
        .await
        .expect("issued");
        assert!(secret.starts_with("pga_") && secret.len() == 42, "{secret}");
        let (status, _, body) = as_key(&app, &secret).await;
        assert_eq!(status, 200, "[{}] {body}", app.backend);
        assert_eq!(
            body["data"]["viewer"],
            json!({ "kind": "API_KEY", "name": "interfolk-editor", "role": "EDITOR", "organisations": [{ "key": "interfolk" }] })
        );
        let listed = api::service::api_keys::list(&app.db).await.expect("list");
        assert_eq!(listed.len(), 1);
        assert!(listed[0].last_used_at.is_some());
        assert!(secret.contains(&listed[0].prefix));

        api::service::api_keys::revoke(&app.db, "interfolk-editor")
            .await
            .expect("revoked");
        let (status, challenge, body) = as_key(&app, &secret).await;
        assert_eq!(status, 401, "[{}] {body}", app.backend);
        assert!(challenge.is_some_and(|c| c.starts_with("ApiKey")));
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("revoked"))
        );
        assert!(body.get("data").is_none());
    }
}

#[tokio::test]
async fn a_key_revoked_on_one_replica_is_refused_by_another_at_its_next_request() {
    for backend in backends() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let url = fresh_database(backend, dir.path()).await;
        let settings = api::config::Settings::for_database(url, 0);
        let first = TestApp::start(backend, settings.clone(), dir).await;
        let second = TestApp::start(
            backend,
            settings,
            tempfile::TempDir::new().expect("temp dir"),
        )
        .await;
        let secret = api::service::api_keys::create(&first.db, "partner", "reader", &[], None)
            .await
            .expect("issued");
        assert_eq!(as_key(&second, &secret).await.0, 200, "[{backend}]");
        api::service::api_keys::revoke(&first.db, "partner")
            .await
            .expect("revoked");
        let started = std::time::Instant::now();
        let (status, _, body) = as_key(&second, &secret).await;
        assert_eq!(status, 401, "[{backend}] {body}");
        // Nothing is cached: the very next request, well within a second, is refused.
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}

#[tokio::test]
async fn expired_mistyped_and_unknown_keys_are_refused_and_anonymous_callers_are_told_so() {
    for app in TestApp::all().await {
        let yesterday = chrono::Utc::now().date_naive() - chrono::Days::new(1);
        let expired =
            api::service::api_keys::create(&app.db, "old", "reader", &[], Some(yesterday))
                .await
                .expect("issued");
        let (status, _, body) = as_key(&app, &expired).await;
        assert_eq!(status, 401);
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("expired")),
            "{body}"
        );

        let fresh = api::service::api_keys::create(&app.db, "fresh", "admin", &[], None)
            .await
            .expect("issued");
        let mut typo = fresh.clone().into_bytes();
        typo[6] = if typo[6] == b'x' { b'y' } else { b'x' };
        let typo = String::from_utf8(typo).expect("ascii");
        assert_eq!(as_key(&app, &typo).await.0, 401);
        assert_eq!(as_key(&app, "pga_nothing-like-a-key").await.0, 401);

        let anonymous = app.data(VIEWER, json!({})).await;
        assert_eq!(
            anonymous["viewer"],
            json!({ "kind": "ANONYMOUS", "name": null, "role": null, "organisations": [] })
        );

        // Bad requests for keys are refused with a reason, and nothing is issued.
        for (name, role, organisations) in [
            ("fresh", "reader", vec![]),
            ("scoped-reader", "reader", vec!["interfolk".to_owned()]),
            ("nobody", "editor", vec!["no-such-organisation".to_owned()]),
            ("boss", "owner", vec![]),
            ("unscoped-editor", "editor", vec![]),
        ] {
            assert!(
                api::service::api_keys::create(&app.db, name, role, &organisations, None)
                    .await
                    .is_err(),
                "{name}"
            );
        }
        assert_eq!(
            api::service::api_keys::list(&app.db)
                .await
                .expect("list")
                .len(),
            2
        );
    }
}

#[test]
fn the_key_commands_parse() {
    let cli = Cli::try_parse_from([
        "api",
        "keys",
        "create",
        "--name",
        "partner",
        "--role",
        "editor",
        "--organisation",
        "interfolk",
        "--organisation",
        "riga-library",
        "--expires",
        "2027-12-31",
    ])
    .expect("parses");
    let Some(Command::Keys(KeysCommand::Create {
        name,
        organisations,
        expires,
        ..
    })) = cli.command
    else {
        panic!("a create command");
    };
    assert_eq!(name, "partner");
    assert_eq!(organisations, ["interfolk", "riga-library"]);
    assert_eq!(
        expires.map(|d| d.to_string()).as_deref(),
        Some("2027-12-31")
    );
    assert!(matches!(
        Cli::try_parse_from(["api", "keys", "revoke", "partner"])
            .expect("parses")
            .command,
        Some(Command::Keys(KeysCommand::Revoke { .. }))
    ));
}

#[tokio::test]
async fn admins_issue_list_and_revoke_keys_over_graphql_and_nobody_else_may() {
    for app in TestApp::all().await {
        let admin = api::service::api_keys::create(&app.db, "root", "admin", &[], None)
            .await
            .expect("issued");
        let organisations = app
            .data(
                "{ organisations(first: 50) { nodes { id key } } }",
                json!({}),
            )
            .await;
        let interfolk =
            crate::helpers::id_where(&organisations["organisations"], "key", "interfolk");
        let create = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
            apiKey { name role prefix organisations { key } revokedAt } secret userErrors { field code message } } }";
        let created = app
            .post_as(&admin, create, json!({ "input": { "name": "partner", "role": "editor", "organisations": [interfolk] } }))
            .await;
        let payload = &created["data"]["createApiKey"];
        assert_eq!(
            payload["userErrors"],
            json!([]),
            "[{}] {created}",
            app.backend
        );
        assert_eq!(
            payload["apiKey"]["organisations"],
            json!([{ "key": "interfolk" }])
        );
        let secret = payload["secret"].as_str().expect("secret").to_owned();
        assert!(secret.contains(payload["apiKey"]["prefix"].as_str().expect("prefix")));
        assert_eq!(
            as_key(&app, &secret).await.2["data"]["viewer"]["name"],
            "partner"
        );

        let again = app
            .post_as(
                &admin,
                create,
                json!({ "input": { "name": "partner", "role": "reader" } }),
            )
            .await;
        assert_eq!(
            again["data"]["createApiKey"]["userErrors"][0]["code"],
            "INVALID"
        );

        let listed = app.post_as(&admin, "{ apiKeys { name } }", json!({})).await;
        assert_eq!(
            listed["data"]["apiKeys"],
            json!([{ "name": "partner" }, { "name": "root" }])
        );
        let as_partner = app
            .post_as(&secret, "{ apiKeys { name } }", json!({}))
            .await;
        assert_eq!(as_partner["errors"][0]["extensions"]["code"], "FORBIDDEN");
        let anonymous = app.error_codes("{ apiKeys { name } }", json!({})).await;
        assert_eq!(anonymous, ["FORBIDDEN"]);

        let revoke = "mutation { revokeApiKey(input: { name: \"partner\" }) { apiKey { revokedAt } userErrors { code } } }";
        let revoked = app.post_as(&admin, revoke, json!({})).await;
        assert!(
            revoked["data"]["revokeApiKey"]["apiKey"]["revokedAt"].is_string(),
            "{revoked}"
        );
        assert_eq!(as_key(&app, &secret).await.0, 401);
        let twice = app.post_as(&admin, revoke, json!({})).await;
        assert_eq!(
            twice["data"]["revokeApiKey"]["userErrors"][0]["code"],
            "NOT_FOUND"
        );
    }
}
