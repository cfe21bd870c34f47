//! Every failure answers with a clear message and an `extensions.code`; nothing leaks.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn malformed_documents_and_unknown_fields_have_graphql_codes() {
    for app in TestApp::all().await {
        assert_eq!(
            app.error_codes("{ projects { ", json!({})).await,
            vec!["GRAPHQL_PARSE_FAILED"],
            "[{}]",
            app.backend
        );
        assert_eq!(
            app.error_codes("{ projects { nodes { budget } } }", json!({}))
                .await,
            vec!["GRAPHQL_VALIDATION_FAILED"]
        );
        assert_eq!(
            app.error_codes(
                r#"{ projects(filter: { country: ["lv"] }) { totalCount } }"#,
                json!({})
            )
            .await,
            vec!["BAD_USER_INPUT"]
        );
    }
}

#[tokio::test]
async fn invalid_argument_values_are_bad_user_input() {
    for app in TestApp::all().await {
        let query = "query($filter: ProjectFilter) { projects(filter: $filter) { totalCount } }";
        let cases = [
            json!({ "country": ["lv"] }),
            json!({ "activeDuring": { "from": "2020-01-01", "to": "2019-01-01" } }),
            json!({ "activeDuring": { "from": "2020-13-01" } }),
            json!({ "funder": ["UHJvamVjdDox"] }),
            json!({ "programme": ["not an id"] }),
            json!({ "not": { "not": { "not": { "not": { "not": { "not": { "not": {} } } } } } } }),
        ];
        for filter in cases {
            let codes = app.error_codes(query, json!({ "filter": filter })).await;
            assert_eq!(codes, vec!["BAD_USER_INPUT"], "[{}] {filter}", app.backend);
        }
        let lines =
            "query($filter: FundingLineFilter) { fundingLines(filter: $filter) { totalCount } }";
        for filter in [
            json!({ "amount": { "min": "1.001" } }),
            json!({ "amount": { "min": "5", "max": "1" } }),
            json!({ "currency": ["euro"] }),
        ] {
            assert_eq!(
                app.error_codes(lines, json!({ "filter": filter })).await,
                vec!["BAD_USER_INPUT"],
                "{filter}"
            );
        }
        let lang = r#"{ projects { nodes { title(lang: "english") } } }"#;
        assert_eq!(
            app.error_codes(lang, json!({}))
                .await
                .first()
                .map(String::as_str),
            Some("BAD_USER_INPUT")
        );
    }
}

#[tokio::test]
async fn a_request_that_is_not_graphql_gets_400_with_a_code() {
    for app in TestApp::all().await {
        let url = format!("{}/graphql", app.address);
        let invalid_json = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("sent");
        assert!(
            invalid_json.status().is_client_error(),
            "[{}] {}",
            app.backend,
            invalid_json.status()
        );
        let no_query = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("sent");
        assert_eq!(no_query.status(), 400);
        let body: serde_json::Value = no_query.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
        let get_without_query = app.client.get(&url).send().await.expect("sent");
        assert_eq!(get_without_query.status(), 400);
    }
}

#[tokio::test]
async fn request_errors_follow_the_graphql_over_http_media_types() {
    for app in TestApp::all().await {
        let url = format!("{}/graphql", app.address);
        let send = |accept: &'static str, query: &'static str| {
            let request = app
                .client
                .post(&url)
                .header("accept", accept)
                .json(&json!({ "query": query }));
            async move { request.send().await.expect("sent") }
        };
        let modern = send("application/graphql-response+json", "{ projects { nope } }").await;
        assert_eq!(modern.status(), 400, "[{}]", app.backend);
        assert!(
            modern.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("application/graphql-response+json")
        );
        let body: serde_json::Value = modern.json().await.expect("json");
        assert!(
            body.get("data").is_none(),
            "no data entry on a request error: {body}"
        );
        let legacy = send("application/json", "{ projects { nope } }").await;
        assert_eq!(legacy.status(), 200);
        assert!(
            legacy.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("application/json")
        );
        let ok = send(
            "application/graphql-response+json",
            "{ projects { totalCount } }",
        )
        .await;
        assert_eq!(ok.status(), 200);
        let mutation = app
            .client
            .get(&url)
            .query(&[("query", "mutation { x }")])
            .send()
            .await
            .expect("sent");
        assert_eq!(mutation.status(), 405);
        assert_eq!(mutation.headers()["allow"], "POST");
    }
}

#[tokio::test]
async fn a_bad_scalar_value_says_what_shape_was_expected() {
    for app in TestApp::all().await {
        let cases = [
            (
                r#"{ projects(filter: { country: ["lv"] }) { totalCount } }"#,
                r#""lv" is not an ISO 3166-1 alpha-2 code: use two upper-case letters, e.g. "LV""#,
            ),
            (
                r#"{ fundingLines(filter: { currency: ["euro"] }) { totalCount } }"#,
                r#""euro" is not an ISO 4217 code: use three upper-case letters, e.g. "EUR""#,
            ),
            (
                r#"{ projects(filter: { activeDuring: { from: "2020-13-01" } }) { totalCount } }"#,
                r#""2020-13-01" is not a date: use YYYY-MM-DD"#,
            ),
            (
                r#"{ fundingLines(filter: { amount: { min: "12,50" } }) { totalCount } }"#,
                r#""12,50" is not a decimal number"#,
            ),
        ];
        for (query, expected) in cases {
            let response = app.post(query, json!({})).await;
            let message = response["errors"][0]["message"]
                .as_str()
                .unwrap_or_default();
            assert!(message.contains(expected), "[{}] {response}", app.backend);
            assert_eq!(
                response["errors"][0]["extensions"]["code"],
                "BAD_USER_INPUT"
            );
        }
        // The same through variables.
        let response = app
            .post(
                "query($c: [CountryCode!]) { projects(filter: { country: $c }) { totalCount } }",
                json!({ "c": ["lv"] }),
            )
            .await;
        let message = response["errors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains("e.g. \"LV\""), "{response}");
    }
}
