//! Browser safety (CSRF and CORS) and automatic persisted queries.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_post_a_form_could_send_is_refused_unless_it_forces_a_preflight() {
    for app in TestApp::all().await {
        let url = format!("{}/graphql", app.address);
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            let response = app
                .client
                .post(&url)
                .header("content-type", content_type)
                .body(r#"{"query":"{ projects { totalCount } }"}"#)
                .send()
                .await
                .expect("sent");
            assert_eq!(response.status(), 400, "[{}] {content_type}", app.backend);
            let body: Value = response.json().await.expect("json");
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
        }
        let forced = app
            .client
            .post(&url)
            .header("content-type", "text/plain")
            .header("apollo-require-preflight", "true")
            .body(r#"{"query":"{ projects { totalCount } }"}"#)
            .send()
            .await
            .expect("sent");
        let body: Value = forced.json().await.unwrap_or_default();
        assert_ne!(
            body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
            "[{}] {body}",
            app.backend
        );
        assert_eq!(
            app.data("{ projects { totalCount } }", json!({})).await["projects"]["totalCount"],
            5
        );
    }
}

#[tokio::test]
async fn only_allowed_origins_get_cors_headers() {
    let allowed = "https://dashboard.example";
    for app in TestApp::all_with(|s| s.cors_allowed_origins = vec![allowed.to_owned()]).await {
        let url = format!("{}/graphql", app.address);
        let preflight = app
            .client
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", allowed)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, authorization, x-api-key",
            )
            .send()
            .await
            .expect("sent");
        assert_eq!(
            preflight
                .headers()
                .get("access-control-allow-origin")
                .and_then(|v| v.to_str().ok()),
            Some(allowed),
            "[{}]",
            app.backend
        );
        // A front end may send a bearer token or an API key.
        let allowed_headers = preflight
            .headers()
            .get("access-control-allow-headers")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        for header in ["authorization", "x-api-key", "content-type"] {
            assert!(allowed_headers.contains(header), "{allowed_headers}");
        }
        let stranger = app
            .client
            .post(&url)
            .header("origin", "https://evil.example")
            .json(&json!({ "query": "{ projects { totalCount } }" }))
            .send()
            .await
            .expect("sent");
        assert!(
            stranger
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
    }
}

#[tokio::test]
async fn persisted_queries_are_found_by_hash_once_the_server_has_seen_them() {
    for app in TestApp::all().await {
        let url = format!("{}/graphql", app.address);
        let query = "{ projects { totalCount } }";
        let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
        let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
        let post = |body: Value| {
            let client = app.client.clone();
            let url = url.clone();
            async move {
                client
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .expect("sent")
                    .json::<Value>()
                    .await
                    .expect("json")
            }
        };
        let miss = post(json!({ "extensions": extensions })).await;
        assert_eq!(
            miss["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
            "[{}] {miss}",
            app.backend
        );
        let register = post(json!({ "query": query, "extensions": extensions })).await;
        assert_eq!(register["data"]["projects"]["totalCount"], 5);
        let hit = post(json!({ "extensions": extensions })).await;
        assert_eq!(hit["data"]["projects"]["totalCount"], 5);
        let get = app
            .client
            .get(&url)
            .query(&[("extensions", extensions.to_string())])
            .send()
            .await
            .expect("sent")
            .json::<Value>()
            .await
            .expect("json");
        assert_eq!(get["data"]["projects"]["totalCount"], 5, "APQ over GET");
        let wrong =
            post(json!({ "query": "{ places { totalCount } }", "extensions": extensions })).await;
        assert!(
            wrong["errors"].is_array(),
            "a query that does not match its hash is refused: {wrong}"
        );
    }
}
