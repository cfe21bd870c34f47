//! Failed fields shape the answer as the GraphQL spec says: a nullable field that fails is
//! `null` with its error, its siblings are unaffected, and a failed non-null field nulls its
//! nearest nullable parent (a `node`, a list item, or the whole `data`).

use serde_json::{Value, json};

use crate::helpers::TestApp;

fn error_paths(response: &Value) -> Vec<Value> {
    response["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["path"].clone()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_failed_nullable_root_field_is_null_and_its_siblings_keep_their_values() {
    for app in TestApp::all().await {
        let response = app
            .post(
                r#"{ a: node(id: "garbage") { id } b: projects(first: 1) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            response["data"]["a"],
            Value::Null,
            "[{}] {response}",
            app.backend
        );
        assert!(
            response["data"]
                .as_object()
                .is_some_and(|d| d.contains_key("a")),
            "[{}] the failed field keeps its key: {response}",
            app.backend
        );
        assert_eq!(response["data"]["b"]["totalCount"], json!(5), "{response}");
        assert_eq!(error_paths(&response), vec![json!(["a"])]);
        assert_eq!(
            response["errors"][0]["extensions"]["code"],
            "BAD_USER_INPUT"
        );
    }
}

#[tokio::test]
async fn a_lone_failed_nullable_root_field_answers_an_object_with_null() {
    for app in TestApp::all().await {
        let response = app
            .post(r#"{ node(id: "garbage") { id } }"#, json!({}))
            .await;
        assert_eq!(
            response["data"],
            json!({ "node": null }),
            "[{}]",
            app.backend
        );
        assert_eq!(error_paths(&response), vec![json!(["node"])]);
    }
}

#[tokio::test]
async fn a_failed_non_null_root_field_nulls_data() {
    for app in TestApp::all().await {
        let response = app
            .post(
                r#"{
                    a: projects(filter: { activeDuring: { from: "2020-01-01", to: "2019-01-01" } }) {
                        totalCount
                    }
                    b: node(id: "garbage") { id }
                }"#,
                json!({}),
            )
            .await;
        let data = response.as_object().and_then(|r| r.get("data"));
        assert_eq!(data, Some(&Value::Null), "[{}] {response}", app.backend);
        let mut paths = error_paths(&response);
        paths.sort_by_key(|p| p.to_string());
        assert_eq!(paths, vec![json!(["a"]), json!(["b"])]);

        // It was executed: GraphQL over HTTP answers 200 with `"data": null`, not 400.
        let reply = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": r#"{ projects(filter: { activeDuring: { from: "2020-01-01", to: "2019-01-01" } }) { totalCount } }"# }))
            .send()
            .await
            .expect("sent");
        assert_eq!(reply.status(), 200, "[{}]", app.backend);
        let body: Value = reply.json().await.expect("json");
        assert_eq!(body.get("data"), Some(&Value::Null), "{body}");
    }
}

#[tokio::test]
async fn a_failed_nested_nullable_field_is_null_beside_its_siblings() {
    for app in TestApp::all().await {
        let response = app
            .post(
                "{ projects(first: 20) { nodes { acronym contacts { name email } } } }",
                json!({}),
            )
            .await;
        let nodes = response["data"]["projects"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let contacts: Vec<&Value> = nodes
            .iter()
            .flat_map(|n| n["contacts"].as_array().into_iter().flatten())
            .collect();
        assert!(!contacts.is_empty(), "[{}] {response}", app.backend);
        for contact in &contacts {
            let contact = contact.as_object().expect("contact object");
            assert_eq!(contact.get("email"), Some(&Value::Null), "{contact:?}");
            assert!(contact["name"].is_string());
        }
        let errors = response["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), contacts.len());
        for error in errors {
            assert_eq!(error["extensions"]["code"], "FORBIDDEN");
            let path = error["path"].as_array().expect("path");
            assert_eq!(path.last(), Some(&json!("email")), "{error}");
        }
    }
}

#[tokio::test]
async fn a_failed_nested_non_null_field_nulls_its_nearest_nullable_parent() {
    for app in TestApp::all().await {
        let ids = app
            .data("{ projects(first: 2) { nodes { id acronym } } }", json!({}))
            .await;
        let first = ids["projects"]["nodes"][0]["id"].clone();
        let second = ids["projects"]["nodes"][1]["id"].clone();
        // `title` is non-null and its `lang` is not a language code: the project is nulled,
        // up to the nullable `node`; its sibling root field is unaffected.
        let response = app
            .post(
                r#"query($id: ID!) {
                    a: node(id: $id) { id ... on Project { acronym title(lang: "LV") } }
                    b: node(id: $id) { id }
                }"#,
                json!({ "id": first }),
            )
            .await;
        assert_eq!(
            response["data"],
            json!({ "a": null, "b": { "id": first } }),
            "[{}] {response}",
            app.backend
        );
        assert_eq!(error_paths(&response), vec![json!(["a", "title"])]);
        assert_eq!(
            response["errors"][0]["extensions"]["code"],
            "BAD_USER_INPUT"
        );

        // In a list of nullable items, each failed item is null and the list stays.
        let response = app
            .post(
                r#"query($ids: [ID!]!) {
                    nodes(ids: $ids) { id ... on Project { title(lang: "LV") } }
                }"#,
                json!({ "ids": [first, second] }),
            )
            .await;
        assert_eq!(
            response["data"],
            json!({ "nodes": [null, null] }),
            "[{}] {response}",
            app.backend
        );
        let mut paths = error_paths(&response);
        paths.sort_by_key(|p| p.to_string());
        assert_eq!(
            paths,
            vec![json!(["nodes", 0, "title"]), json!(["nodes", 1, "title"])]
        );
    }
}
