//! Webhooks: registered by admins, each change delivered as a signed Standard Webhooks request
//! to a local receiver, in order per record, retried after failures, disabled by 410 Gone, and
//! not lost when the API restarts in the middle of a delivery.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, EDITOR_KEY, READER_KEY, TestApp, backends, fresh_database};
use crate::writes::mutate_as;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// What the receiver answers next: a status, or no answer at all.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    Hang,
}

#[derive(Default)]
struct ReceiverState {
    received: Mutex<Vec<Received>>,
    /// Answers to give, in order; 204 once they run out.
    script: Mutex<VecDeque<Answer>>,
}

/// A webhook endpoint on 127.0.0.1 that records what it gets.
struct Receiver {
    url: String,
    state: Arc<ReceiverState>,
}

impl Receiver {
    async fn start(script: &[Answer]) -> Self {
        let state = Arc::new(ReceiverState::default());
        state
            .script
            .lock()
            .expect("not poisoned")
            .extend(script.iter().copied());
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bound");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, state }
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("not poisoned").clone()
    }

    /// Waits until `count` requests came; all of them.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..400 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the receiver got {} requests, not {count}",
            self.received().len()
        );
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    state
        .received
        .lock()
        .expect("not poisoned")
        .push(Received { headers, body });
    let answer = state.script.lock().expect("not poisoned").pop_front();
    match answer {
        Some(Answer::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK
        }
        Some(Answer::Status(code)) => StatusCode::from_u16(code).expect("a status"),
        None => StatusCode::NO_CONTENT,
    }
}

fn webhook_settings(url: String) -> api::config::Settings {
    let mut settings = api::config::Settings::for_database(url, 0);
    settings.api_keys = vec![
        format!("editor:{EDITOR_KEY}:editor"),
        format!("admin:{ADMIN_KEY}:admin"),
        format!("reader:{READER_KEY}"),
    ];
    settings.rate_limit_capacity = 0;
    settings.webhooks.webhook_allow_private = true;
    settings.webhooks.webhook_retry_base_ms = 50;
    settings
}

async fn webhook_apps() -> Vec<TestApp> {
    TestApp::all_with(|s| *s = webhook_settings(s.database_url.clone())).await
}

/// Registers `url` for `types`; the webhook's ID and secret.
async fn register(app: &TestApp, url: &str, types: Value) -> (String, String) {
    let created = mutate_as(
        app,
        ADMIN_KEY,
        "createWebhook",
        json!({ "url": url, "recordTypes": types }),
        "webhook { id url recordTypes enabled } secret",
    )
    .await;
    assert_eq!(
        created["userErrors"],
        json!([]),
        "[{}] {created}",
        app.backend
    );
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (
        created["webhook"]["id"].as_str().expect("id").to_owned(),
        secret,
    )
}

async fn create_funder(app: &TestApp, key: &str) -> String {
    let created = mutate_as(
        app,
        ADMIN_KEY,
        "createFunder",
        json!({ "key": key, "name": [{ "lang": "en", "text": key, "isOriginal": true }] }),
        "funder { id }",
    )
    .await;
    created["funder"]["id"].as_str().expect("id").to_owned()
}

async fn rename_funder(app: &TestApp, id: &str, website: &str) {
    mutate_as(
        app,
        ADMIN_KEY,
        "updateFunder",
        json!({ "id": id, "patch": { "website": website } }),
        "funder { id }",
    )
    .await;
}

const DELIVERIES: &str = "query($webhook: ID!) { webhookDeliveries(webhook: $webhook, first: 50) {
    nodes { messageId status attempts operation recordType recordId version lastStatusCode lastError deliveredAt }
    pageInfo { hasNextPage } } }";

/// The webhook's deliveries, newest first.
async fn deliveries(app: &TestApp, webhook: &str) -> Vec<Value> {
    let body = app
        .post_as(ADMIN_KEY, DELIVERIES, json!({ "webhook": webhook }))
        .await;
    assert!(body.get("errors").is_none(), "[{}] {body}", app.backend);
    body["data"]["webhookDeliveries"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone()
}

/// Waits until every delivery of the webhook is in `status`.
async fn wait_until_all(app: &TestApp, webhook: &str, count: usize, status: &str) -> Vec<Value> {
    for _ in 0..400 {
        let all = deliveries(app, webhook).await;
        if all.len() == count && all.iter().all(|d| d["status"] == status) {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "[{}] deliveries never all {status}: {:#}",
        app.backend,
        json!(deliveries(app, webhook).await)
    );
}

#[tokio::test]
async fn each_change_reaches_the_endpoint_signed_thin_and_in_order() {
    for app in webhook_apps().await {
        let receiver = Receiver::start(&[]).await;
        let (webhook, secret) = register(&app, &receiver.url, json!(["FUNDER"])).await;
        let funder = create_funder(&app, "hooked-funder").await;
        rename_funder(&app, &funder, "https://one.example.org").await;
        rename_funder(&app, &funder, "https://two.example.org").await;
        // Not a funder: not delivered to this endpoint.
        let projects = app
            .data("{ projects(first: 1) { nodes { id } } }", json!({}))
            .await;
        let project = projects["projects"]["nodes"][0]["id"].clone();
        mutate_as(
            &app,
            ADMIN_KEY,
            "createContact",
            json!({ "project": project, "name": "Not sent", "email": "not-sent@example.org" }),
            "contact { id }",
        )
        .await;

        let received = receiver.wait_for(3).await;
        let signer = standardwebhooks::Webhook::new(&secret).expect("a Standard Webhooks secret");
        let mut versions = Vec::new();
        for request in &received {
            signer
                .verify(&request.body, &request.headers)
                .unwrap_or_else(|e| panic!("[{}] a valid signature: {e:?}", app.backend));
            assert!(request.header("webhook-signature").starts_with("v1,"));
            assert!(request.header("webhook-id").starts_with("msg_"));
            assert_eq!(request.header("content-type"), "application/json");
            let body = request.json();
            assert_eq!(body["data"]["recordType"], "FUNDER", "{body}");
            assert_eq!(body["data"]["recordId"], funder);
            assert!(
                body["data"]["cursor"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("chg:"))
            );
            assert!(
                !body.to_string().contains("example.org"),
                "a thin body: {body}"
            );
            versions.push(body["data"]["version"].as_i64().expect("version"));
        }
        assert_eq!(versions, [1, 2, 3], "[{}] in order", app.backend);
        assert_eq!(received[0].json()["type"], "funder.created");
        assert_eq!(received[2].json()["type"], "funder.updated");

        // A signature made with another secret, or over another body, does not verify.
        let other = standardwebhooks::Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .expect("secret");
        assert!(
            other
                .verify(&received[0].body, &received[0].headers)
                .is_err()
        );
        assert!(signer.verify(b"{}", &received[0].headers).is_err());

        let all = wait_until_all(&app, &webhook, 3, "DELIVERED").await;
        assert!(
            all.iter()
                .all(|d| d["attempts"] == 1 && d["lastStatusCode"] == 204)
        );
        // Nothing else arrives.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(receiver.received().len(), 3, "[{}]", app.backend);
    }
}

#[tokio::test]
async fn failed_deliveries_are_retried_in_order_and_410_disables_the_endpoint() {
    for app in webhook_apps().await {
        let receiver = Receiver::start(&[Answer::Status(500), Answer::Status(503)]).await;
        let (webhook, _) = register(&app, &receiver.url, json!([])).await;
        let funder = create_funder(&app, "retried-funder").await;
        rename_funder(&app, &funder, "https://retry.example.org").await;

        let received = receiver.wait_for(4).await;
        let versions: Vec<i64> = received
            .iter()
            .map(|r| r.json()["data"]["version"].as_i64().expect("version"))
            .collect();
        // The first change is sent until it is taken; the second waits for it.
        assert_eq!(versions, [1, 1, 1, 2], "[{}]", app.backend);
        assert_eq!(
            received[0].header("webhook-id"),
            received[2].header("webhook-id")
        );
        let all = wait_until_all(&app, &webhook, 2, "DELIVERED").await;
        assert_eq!(all[1]["attempts"], 3, "[{}] {all:?}", app.backend);
        assert_eq!(all[0]["attempts"], 1);

        // 410 Gone: the endpoint is disabled and nothing more is sent.
        receiver
            .state
            .script
            .lock()
            .expect("not poisoned")
            .push_back(Answer::Status(410));
        rename_funder(&app, &funder, "https://gone.example.org").await;
        receiver.wait_for(5).await;
        let mut listed = Value::Null;
        for _ in 0..100 {
            listed = app
                .post_as(
                    ADMIN_KEY,
                    "{ webhooks { id enabled disabledReason } }",
                    json!({}),
                )
                .await;
            if listed["data"]["webhooks"][0]["enabled"] == false {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(listed["data"]["webhooks"][0]["enabled"], false, "{listed}");
        assert!(
            listed["data"]["webhooks"][0]["disabledReason"]
                .as_str()
                .is_some_and(|r| r.contains("410"))
        );
        rename_funder(&app, &funder, "https://after.example.org").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.received().len(), 5, "[{}]", app.backend);
    }
}

#[tokio::test]
async fn a_restart_in_the_middle_of_a_delivery_loses_nothing() {
    for backend in backends() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let url = fresh_database(backend, dir.path()).await;
        let mut settings = webhook_settings(url);
        settings.webhooks.webhook_timeout_ms = 60_000;
        let first = TestApp::start(
            backend,
            settings.clone(),
            tempfile::TempDir::new().expect("temp dir"),
        )
        .await;
        let receiver = Receiver::start(&[Answer::Hang]).await;
        let (webhook, secret) = register(&first, &receiver.url, json!(["FUNDER"])).await;
        let funder = create_funder(&first, "restarted-funder").await;
        // The first attempt is in flight (the receiver holds it) when the API stops.
        let before = receiver.wait_for(1).await;
        drop(first);

        let second = TestApp::start(
            backend,
            settings,
            tempfile::TempDir::new().expect("temp dir"),
        )
        .await;
        let received = receiver.wait_for(2).await;
        assert_eq!(
            received[1].header("webhook-id"),
            before[0].header("webhook-id"),
            "[{backend}] the same message again"
        );
        assert_eq!(received[1].json()["data"]["recordId"], funder);
        standardwebhooks::Webhook::new(&secret)
            .expect("secret")
            .verify(&received[1].body, &received[1].headers)
            .expect("signed");
        wait_until_all(&second, &webhook, 1, "DELIVERED").await;
        drop(dir);
    }
}

#[tokio::test]
async fn webhooks_are_for_admins_and_private_addresses_are_refused_unless_allowed() {
    for app in crate::helpers::apps_with_writers().await {
        let create = "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
            webhook { id } secret userErrors { field code message } } }";
        for (url, reason) in [
            ("http://127.0.0.1:9/hook", "private"),
            ("http://localhost:9/hook", "private"),
            ("http://169.254.169.254/latest", "private"),
            ("ftp://example.org/hook", "https://"),
            ("not a url", "not a URL"),
        ] {
            let body = app
                .post_as(ADMIN_KEY, create, json!({ "input": { "url": url } }))
                .await;
            let payload = &body["data"]["createWebhook"];
            assert!(
                payload["webhook"].is_null(),
                "[{}] {url}: {body}",
                app.backend
            );
            assert!(payload["secret"].is_null());
            assert_eq!(payload["userErrors"][0]["code"], "INVALID", "{url}: {body}");
            assert_eq!(payload["userErrors"][0]["field"], json!(["input", "url"]));
            assert!(
                payload["userErrors"][0]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(reason)),
                "{url}: {body}"
            );
        }
        for key in [EDITOR_KEY, READER_KEY] {
            let body = app
                .post_as(
                    key,
                    create,
                    json!({ "input": { "url": "https://93.184.216.34/hook" } }),
                )
                .await;
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{body}"
            );
            let listed = app.post_as(key, "{ webhooks { id } }", json!({})).await;
            assert_eq!(listed["errors"][0]["extensions"]["code"], "FORBIDDEN");
        }
        let deleted = app
            .post_as(
                ADMIN_KEY,
                "mutation { deleteWebhook(input: { id: \"nope\" }) { deletedId userErrors { code } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            deleted["data"]["deleteWebhook"]["userErrors"][0]["code"], "NOT_FOUND",
            "{deleted}"
        );
        // Nothing was registered by the refused requests; one that is registered can be
        // deleted.
        let listed = app
            .post_as(ADMIN_KEY, "{ webhooks { id } }", json!({}))
            .await;
        assert_eq!(listed["data"]["webhooks"], json!([]), "{listed}");
        let (webhook, _) = register(&app, "https://93.184.216.34/hook", json!([])).await;
        let deleted = mutate_as(
            &app,
            ADMIN_KEY,
            "deleteWebhook",
            json!({ "id": webhook }),
            "deletedId",
        )
        .await;
        assert_eq!(deleted["deletedId"], webhook);
        let listed = app
            .post_as(ADMIN_KEY, "{ webhooks { id } }", json!({}))
            .await;
        assert_eq!(listed["data"]["webhooks"], json!([]), "{listed}");
    }
}
