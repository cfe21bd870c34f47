//! `node(id)` and `nodes(ids)` for every type; unknown IDs give null, malformed ones an error.

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// One ID of each node type, gathered from the graph.
const IDS: &str = r#"{
    projects(first: 1, filter: { text: "darbigas" }) { nodes { id participations { id } contacts { id } sources { id } } }
    organisations(first: 1) { nodes { id } } funders(first: 1) { nodes { id } } programmes(first: 1) { nodes { id } }
    fundingLines(first: 1) { nodes { id } } outcomes(first: 1) { nodes { id } } events(first: 1) { nodes { id } }
    places(first: 1) { nodes { id } } }"#;

#[tokio::test]
async fn node_fetches_every_type_by_its_global_id() {
    for app in TestApp::all().await {
        let data = app.data(IDS, json!({})).await;
        let project = &data["projects"]["nodes"][0];
        let ids: Vec<(&str, Value)> = vec![
            ("Project", project["id"].clone()),
            ("Participation", project["participations"][0]["id"].clone()),
            ("Contact", project["contacts"][0]["id"].clone()),
            ("SourceDocument", project["sources"][0]["id"].clone()),
            (
                "Organisation",
                data["organisations"]["nodes"][0]["id"].clone(),
            ),
            ("Funder", data["funders"]["nodes"][0]["id"].clone()),
            ("Programme", data["programmes"]["nodes"][0]["id"].clone()),
            (
                "FundingLine",
                data["fundingLines"]["nodes"][0]["id"].clone(),
            ),
            ("Outcome", data["outcomes"]["nodes"][0]["id"].clone()),
            ("Event", data["events"]["nodes"][0]["id"].clone()),
            ("Place", data["places"]["nodes"][0]["id"].clone()),
        ];
        for (type_name, id) in &ids {
            let node = app
                .data(
                    "query($id: ID!) { node(id: $id) { __typename id } }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(
                node["node"],
                json!({ "__typename": type_name, "id": id }),
                "[{}]",
                app.backend
            );
        }
        let all: Vec<Value> = ids.iter().map(|(_, id)| id.clone()).collect();
        let nodes = app
            .data(
                "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }",
                json!({ "ids": all }),
            )
            .await;
        let names: Vec<&str> = nodes["nodes"]
            .as_array()
            .map(|n| n.iter().filter_map(|n| n["__typename"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(names, ids.iter().map(|(t, _)| *t).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn an_unknown_id_gives_null_and_a_malformed_one_an_error() {
    for app in TestApp::all().await {
        // "Project:999999" and "Place:424242" in the API's encoding: well-formed, but no such record.
        let data = app.data(r#"{ node(id: "UHJvamVjdDo5OTk5OTk") { id } nodes(ids: ["UGxhY2U6NDI0MjQy"]) { id } }"#, json!({})).await;
        assert_eq!(
            data,
            json!({ "node": null, "nodes": [null] }),
            "[{}]",
            app.backend
        );
        assert_eq!(
            app.error_codes(r#"{ node(id: "garbage") { id } }"#, json!({}))
                .await,
            vec!["BAD_USER_INPUT"]
        );
        assert_eq!(
            app.error_codes(r#"{ node(id: "VW5rbm93bjox") { id } }"#, json!({}))
                .await,
            vec!["BAD_USER_INPUT"]
        );
    }
}

#[tokio::test]
async fn nodes_refuses_more_ids_than_a_page_holds() {
    for app in TestApp::all().await {
        let ids: Vec<String> = (1..=101).map(|_| "UHJvamVjdDox".to_owned()).collect();
        let codes = app
            .error_codes(
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({ "ids": ids }),
            )
            .await;
        assert_eq!(codes, vec!["BAD_USER_INPUT"], "[{}]", app.backend);
    }
}
