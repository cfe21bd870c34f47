//! Relay pagination: first/after, last/before, the default and maximum page sizes, and cursors.

use serde_json::{Value, json};

use crate::helpers::TestApp;

const PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String) {
    places(first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { cursor node { key } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";

fn node_keys(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|e| e["node"]["key"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn forward_and_backward_pages_walk_the_whole_list() {
    for app in TestApp::all().await {
        let all = app.data(PAGE, json!({ "first": 100 })).await["places"].clone();
        let all_keys = node_keys(&all);
        assert_eq!(all_keys.len(), 32, "[{}]", app.backend);
        assert_eq!(all["pageInfo"]["hasNextPage"], false);

        let first = app.data(PAGE, json!({ "first": 10 })).await["places"].clone();
        assert_eq!(node_keys(&first), all_keys[..10]);
        assert_eq!(first["pageInfo"]["hasNextPage"], true);
        assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
        assert_eq!(first["totalCount"], 32);

        let second = app
            .data(
                PAGE,
                json!({ "first": 10, "after": first["pageInfo"]["endCursor"] }),
            )
            .await["places"]
            .clone();
        assert_eq!(node_keys(&second), all_keys[10..20]);
        assert_eq!(second["pageInfo"]["hasPreviousPage"], true);

        let back = app
            .data(
                PAGE,
                json!({ "last": 5, "before": second["pageInfo"]["startCursor"] }),
            )
            .await["places"]
            .clone();
        assert_eq!(node_keys(&back), all_keys[5..10]);

        let tail = app.data(PAGE, json!({ "last": 3 })).await["places"].clone();
        assert_eq!(node_keys(&tail), all_keys[29..]);
        assert_eq!(tail["pageInfo"]["hasNextPage"], false);
        assert_eq!(tail["pageInfo"]["hasPreviousPage"], true);

        let past_end = app
            .data(
                PAGE,
                json!({ "first": 5, "after": all["pageInfo"]["endCursor"] }),
            )
            .await["places"]
            .clone();
        assert_eq!(node_keys(&past_end), Vec::<String>::new());
        assert_eq!(past_end["pageInfo"]["startCursor"], Value::Null);

        let empty = app.data(PAGE, json!({ "first": 0 })).await["places"].clone();
        assert_eq!(node_keys(&empty).len(), 0);
        assert_eq!(empty["totalCount"], 32);
    }
}

#[tokio::test]
async fn without_arguments_a_page_holds_the_default_size() {
    for app in TestApp::all().await {
        let page = app.data(PAGE, json!({})).await["places"].clone();
        assert_eq!(node_keys(&page).len(), 20, "[{}]", app.backend);
        assert_eq!(page["pageInfo"]["hasNextPage"], true);
    }
}

#[tokio::test]
async fn pages_beyond_the_maximum_or_negative_are_refused() {
    for app in TestApp::all().await {
        assert_eq!(
            app.error_codes(PAGE, json!({ "first": 101 })).await,
            vec!["BAD_USER_INPUT"],
            "[{}]",
            app.backend
        );
        assert_eq!(
            app.error_codes(PAGE, json!({ "last": 1000 })).await,
            vec!["BAD_USER_INPUT"]
        );
        assert_eq!(
            app.error_codes(PAGE, json!({ "first": -1 })).await,
            vec!["BAD_USER_INPUT"]
        );
    }
}

#[tokio::test]
async fn an_invalid_cursor_is_bad_user_input() {
    for app in TestApp::all().await {
        for cursor in ["not-a-cursor", "", "b2Zmc2V0Oi0x", "UHJvamVjdDox"] {
            assert_eq!(
                app.error_codes(PAGE, json!({ "after": cursor })).await,
                vec!["BAD_USER_INPUT"],
                "[{}] {cursor}",
                app.backend
            );
            assert_eq!(
                app.error_codes(PAGE, json!({ "before": cursor })).await,
                vec!["BAD_USER_INPUT"]
            );
        }
    }
}
