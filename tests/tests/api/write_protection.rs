//! Protection covers writes: a mutation never runs through GET (not even as a persisted
//! hash), mutations are priced by the cost model and counted in batches, and an
//! `Idempotency-Key` makes a mutation run once.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{EDITOR_KEY, TestApp, apps_with_writers};

const CREATE_SOURCE: &str = "mutation { createSourceDocument(input: { fileName: \"kept.html\", title: \"Kept\", language: \"lv\" }) { sourceDocument { id } userErrors { code } } }";

async fn source_count(app: &TestApp) -> usize {
    app.data("{ sourceDocuments { id } }", json!({})).await["sourceDocuments"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn a_mutation_never_runs_through_get_not_even_as_a_persisted_hash() {
    for app in apps_with_writers().await {
        let url = format!("{}/graphql", app.address);
        let hash = format!("{:x}", Sha256::digest(CREATE_SOURCE.as_bytes()));
        let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
        // Registered by a POST (which runs it once)...
        let registered: Value = app
            .client
            .post(&url)
            .header("x-api-key", EDITOR_KEY)
            .json(&json!({ "query": CREATE_SOURCE, "extensions": extensions }))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        assert!(registered["data"]["createSourceDocument"]["sourceDocument"]["id"].is_string());
        let before = source_count(&app).await;
        // ...then asked for by hash alone, and as text, over GET.
        for query in [
            vec![("extensions", extensions.to_string())],
            vec![("query", CREATE_SOURCE.to_owned())],
        ] {
            let response = app
                .client
                .get(&url)
                .header("x-api-key", EDITOR_KEY)
                .header("accept", "application/graphql-response+json")
                .query(&query)
                .send()
                .await
                .expect("sent");
            assert_eq!(response.status(), 405, "[{}] {query:?}", app.backend);
            assert_eq!(
                response
                    .headers()
                    .get("allow")
                    .and_then(|v| v.to_str().ok()),
                Some("POST")
            );
            let body: Value = response.json().await.expect("json");
            assert_eq!(
                body["errors"][0]["extensions"]["code"],
                "METHOD_NOT_ALLOWED"
            );
        }
        assert_eq!(source_count(&app).await, before, "[{}]", app.backend);
    }
}

#[tokio::test]
async fn each_mutation_costs_at_least_ten_points_and_batches_of_mutations_are_capped() {
    for app in apps_with_writers().await {
        let body = app
            .post_as(
                EDITOR_KEY,
                "mutation { deleteFunder(input: { id: \"x\" }) { deletedId } }",
                json!({}),
            )
            .await;
        let cost = body["extensions"]["cost"]["requestedQueryCost"]
            .as_u64()
            .expect("cost");
        assert!(cost >= 11, "[{}] {cost}", app.backend);
        let two = app
            .post_as(
                EDITOR_KEY,
                "mutation { a: deleteFunder(input: { id: \"x\" }) { deletedId } b: deleteFunder(input: { id: \"y\" }) { deletedId } }",
                json!({}),
            )
            .await;
        assert!(two["extensions"]["cost"]["requestedQueryCost"].as_u64() >= Some(22));

        let batch: Vec<Value> = (0..11)
            .map(|i| json!({ "query": format!("mutation {{ createSourceDocument(input: {{ fileName: \"b{i}.html\", title: \"B\", language: \"lv\" }}) {{ sourceDocument {{ id }} }} }}") }))
            .collect();
        let before = source_count(&app).await;
        let response = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("x-api-key", EDITOR_KEY)
            .json(&batch)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 400, "[{}]", app.backend);
        assert_eq!(source_count(&app).await, before);
    }
}

async fn post_with_key(app: &TestApp, key: &str, body: &str) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("x-api-key", EDITOR_KEY)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(body.to_owned())
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn an_idempotency_key_runs_a_mutation_once_and_replays_its_response() {
    for app in apps_with_writers().await {
        let body = json!({ "query": CREATE_SOURCE }).to_string();
        let before = source_count(&app).await;
        let (status, first) = post_with_key(&app, "order-1", &body).await;
        assert_eq!(status, 200);
        let (status, again) = post_with_key(&app, "order-1", &body).await;
        assert_eq!(status, 200);
        assert_eq!(
            first["data"], again["data"],
            "[{}] the repeat gets the stored response",
            app.backend
        );
        assert_eq!(source_count(&app).await, before + 1);

        let other =
            json!({ "query": CREATE_SOURCE.replace("kept.html", "other.html") }).to_string();
        let (status, reused) = post_with_key(&app, "order-1", &other).await;
        assert_eq!(status, 422);
        assert_eq!(
            reused["errors"][0]["extensions"]["code"],
            "IDEMPOTENCY_KEY_REUSED"
        );
        assert_eq!(source_count(&app).await, before + 1);

        // Concurrent requests with one key run once; all get the same answer.
        let concurrent =
            json!({ "query": CREATE_SOURCE.replace("kept.html", "concurrent.html") }).to_string();
        let answers = futures_util::future::join_all(
            (0..4).map(|_| post_with_key(&app, "order-2", &concurrent)),
        )
        .await;
        let ids: Vec<&Value> = answers
            .iter()
            .map(|(_, body)| &body["data"]["createSourceDocument"]["sourceDocument"]["id"])
            .collect();
        assert!(
            ids.iter().all(|id| id.is_string() && *id == ids[0]),
            "[{}] {answers:?}",
            app.backend
        );
        assert_eq!(source_count(&app).await, before + 2);

        let (status, too_long) = post_with_key(&app, &"k".repeat(256), &body).await;
        assert_eq!(status, 400);
        assert_eq!(too_long["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
}
