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

const ORDERED: &str = "query($first: Int, $after: String, $last: Int, $before: String) {
    places(first: $first, after: $after, last: $last, before: $before,
           orderBy: [{ field: KIND, direction: DESC }, { field: COUNTRY }]) {
        edges { cursor node { key } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";

/// Walks a connection page by page, forwards or backwards, and returns the keys in list order.
async fn walk(app: &TestApp, query: &str, size: i32, backwards: bool) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let mut cursor = Value::Null;
    for _ in 0..50 {
        let variables = if backwards {
            json!({ "last": size, "before": cursor })
        } else {
            json!({ "first": size, "after": cursor })
        };
        let page = app.data(query, variables).await["places"].clone();
        let mut page_keys = node_keys(&page);
        if backwards {
            page_keys.extend(keys);
            keys = page_keys;
            if page["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            cursor = page["pageInfo"]["startCursor"].clone();
        } else {
            keys.extend(page_keys);
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            cursor = page["pageInfo"]["endCursor"].clone();
        }
    }
    keys
}

#[tokio::test]
async fn ordered_pages_walk_the_same_list_forwards_and_backwards() {
    for app in TestApp::all().await {
        let all = node_keys(&app.data(ORDERED, json!({ "first": 100 })).await["places"]);
        assert_eq!(all.len(), 32, "[{}]", app.backend);
        assert_eq!(
            walk(&app, ORDERED, 7, false).await,
            all,
            "[{}]",
            app.backend
        );
        assert_eq!(walk(&app, ORDERED, 7, true).await, all, "[{}]", app.backend);
    }
}

#[tokio::test]
async fn pages_ordered_by_a_column_with_nulls_put_them_last_and_lose_none() {
    // Outcomes without a planned quantity sort last, whichever the direction.
    const BY_QUANTITY: &str = "query($first: Int, $after: String, $last: Int, $before: String) {
        places: outcomes(first: $first, after: $after, last: $last, before: $before,
                 orderBy: [{ field: PLANNED_QUANTITY, direction: DESC }]) {
            edges { cursor node { key: id plannedQuantity } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    for app in TestApp::all().await {
        let all = app.data(BY_QUANTITY, json!({ "first": 100 })).await["places"].clone();
        let quantities: Vec<Value> = all["edges"]
            .as_array()
            .map(|e| {
                e.iter()
                    .map(|e| e["node"]["plannedQuantity"].clone())
                    .collect()
            })
            .unwrap_or_default();
        let first_null = quantities.iter().position(Value::is_null).unwrap_or(0);
        assert!(
            first_null > 0,
            "[{}] some outcomes have quantities",
            app.backend
        );
        assert!(quantities[first_null..].iter().all(Value::is_null));
        let keys = node_keys(&all);
        assert_eq!(
            walk(&app, BY_QUANTITY, 4, false).await,
            keys,
            "[{}]",
            app.backend
        );
        assert_eq!(
            walk(&app, BY_QUANTITY, 4, true).await,
            keys,
            "[{}]",
            app.backend
        );
    }
}

#[tokio::test]
async fn a_cursor_stays_valid_when_rows_before_it_are_inserted_or_deleted() {
    use sea_orm::ConnectionTrait;
    const BY_KEY: &str = "query($first: Int, $after: String) {
        places(first: $first, after: $after, orderBy: [{ field: KEY }]) {
            totalCount edges { cursor node { key } } pageInfo { endCursor } } }";
    let insert = |key: &str| {
        format!(
            "INSERT INTO places (key, kind, country_code, sort_name) \
             VALUES ('{key}', 'VENUE', 'LV', '{key}')"
        )
    };
    for app in TestApp::all().await {
        // Two places that sort first, so they lie before the cursor.
        for key in ["0-a", "0-b"] {
            app.db
                .execute_unprepared(&insert(key))
                .await
                .expect("insert");
        }
        let all = node_keys(&app.data(BY_KEY, json!({ "first": 100 })).await["places"]);
        assert_eq!(all[..2], ["0-a", "0-b"], "[{}]", app.backend);
        let first = app.data(BY_KEY, json!({ "first": 10 })).await["places"].clone();
        let cursor = first["pageInfo"]["endCursor"].clone();
        app.db
            .execute_unprepared("DELETE FROM places WHERE key IN ('0-a', '0-b')")
            .await
            .expect("delete");
        app.db
            .execute_unprepared(&insert("0-c"))
            .await
            .expect("insert");
        let second = app
            .data(BY_KEY, json!({ "first": 10, "after": cursor }))
            .await["places"]
            .clone();
        assert_eq!(node_keys(&second), all[10..20], "[{}]", app.backend);
        assert_eq!(
            second["totalCount"],
            json!(all.len() - 1),
            "[{}]",
            app.backend
        );
    }
}

#[tokio::test]
async fn a_cursor_of_another_ordering_is_refused() {
    for app in TestApp::all().await {
        let ordered = app.data(ORDERED, json!({ "first": 3 })).await["places"].clone();
        assert_eq!(
            app.error_codes(PAGE, json!({ "after": ordered["pageInfo"]["endCursor"] }))
                .await,
            vec!["BAD_USER_INPUT"],
            "[{}]",
            app.backend
        );
    }
}

#[tokio::test]
async fn rows_are_counted_only_when_total_count_is_selected() {
    for app in TestApp::all().await {
        let count = |query: &'static str| {
            let app = &app;
            async move {
                let before = app.statements.get();
                app.data(query, json!({})).await;
                app.statements.get() - before
            }
        };
        let without = count("{ projects(first: 2) { nodes { key } } }").await;
        let with = count("{ projects(first: 2) { totalCount nodes { key } } }").await;
        assert_eq!(with, without + 1, "[{}]", app.backend);
    }
}

#[tokio::test]
async fn a_participant_filter_counts_the_same_by_either_route() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ lone: projects(filter: { country: ["LV"] }) { totalCount nodes { key } }
                    nested: projects(filter: { and: [{ country: ["LV"] }, { country: ["LV"] }] }) { totalCount }
                    none: projects(filter: { participant: { country: ["NO"], role: [LEAD_PARTNER] } }) { totalCount nodes { key } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(data["lone"]["totalCount"], 4, "[{}]", app.backend);
        assert_eq!(data["lone"]["nodes"].as_array().map(Vec::len), Some(4));
        assert_eq!(data["nested"]["totalCount"], 4);
        assert_eq!(
            data["none"]["totalCount"],
            json!(data["none"]["nodes"].as_array().map_or(0, Vec::len))
        );
    }
}
