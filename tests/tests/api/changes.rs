//! The change feed: a client that keeps its cursor sees every change once, in order, whatever
//! commits meanwhile; deletes stay as tombstones; trimmed history expires old cursors.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, READER_KEY, TestApp, apps_with_writers_and, id_where};
use crate::writes::mutate_as;

const FEED: &str = "query($after: String, $types: [RecordType!]) {
    changes(after: $after, first: 100, recordTypes: $types) {
        edges { cursor node { operation recordType recordId version
            node { ... on Contact { id version name } ... on Funder { id version } } } }
        pageInfo { endCursor hasNextPage } } }";

/// Reads the feed from `after` to its current end; returns the changes and the cursor to keep.
async fn read_to_end(
    app: &TestApp,
    mut after: Option<String>,
    types: Value,
) -> (Vec<Value>, Option<String>) {
    let mut seen = Vec::new();
    loop {
        let body = app
            .post_as(READER_KEY, FEED, json!({ "after": after, "types": types }))
            .await;
        assert!(body.get("errors").is_none(), "[{}] {body}", app.backend);
        let page = &body["data"]["changes"];
        for edge in page["edges"].as_array().expect("edges") {
            seen.push(edge["node"].clone());
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        if page["pageInfo"]["hasNextPage"] != true {
            return (seen, after);
        }
    }
}

/// Reads the feed from `after` until it shows at least `count` changes. On PostgreSQL a change
/// shows once every older transaction on the server has ended, so one made by a test that
/// runs alongside may hold it back a moment.
async fn read_at_least(
    app: &TestApp,
    after: Option<String>,
    types: Value,
    count: usize,
) -> (Vec<Value>, Option<String>) {
    for _ in 0..100 {
        let (seen, end) = read_to_end(app, after.clone(), types.clone()).await;
        if seen.len() >= count {
            return (seen, end);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("[{}] the feed never showed {count} changes", app.backend);
}

/// Apps whose clients may poll the feed as often as a test needs.
async fn feed_apps() -> Vec<TestApp> {
    apps_with_writers_and(|settings| settings.rate_limit_capacity = 0).await
}

async fn project_id(app: &TestApp) -> String {
    let projects = app
        .data("{ projects(first: 10) { nodes { id key } } }", json!({}))
        .await;
    id_where(&projects["projects"], "key", "co-op")
}

#[tokio::test]
async fn a_client_keeping_its_cursor_sees_each_change_once_and_deletes_as_tombstones() {
    for app in feed_apps().await {
        let (before, cursor) = read_to_end(&app, None, json!(null)).await;
        assert!(before.is_empty(), "the seed is not in the feed: {before:?}");
        let project = project_id(&app).await;
        let created = mutate_as(
            &app,
            ADMIN_KEY,
            "createContact",
            json!({ "project": project, "name": "Anna" }),
            "contact { id }",
        )
        .await;
        let contact = created["contact"]["id"].as_str().expect("id").to_owned();
        mutate_as(
            &app,
            ADMIN_KEY,
            "updateContact",
            json!({ "id": contact, "patch": { "name": "Anna B." } }),
            "contact { id }",
        )
        .await;
        let (seen, cursor) = read_at_least(&app, cursor, json!(null), 2).await;
        assert_eq!(
            seen.iter()
                .map(|c| (c["operation"].clone(), c["version"].clone()))
                .collect::<Vec<_>>(),
            vec![(json!("CREATED"), json!(1)), (json!("UPDATED"), json!(2))],
            "[{}] {seen:?}",
            app.backend
        );
        assert_eq!(seen[0]["recordType"], "CONTACT");
        assert_eq!(seen[0]["recordId"], contact.as_str());
        assert_eq!(
            seen[0]["node"]["name"], "Anna B.",
            "the node is the record now"
        );
        // Nothing new: the same cursor comes back.
        let (none, same) = read_to_end(&app, cursor.clone(), json!(null)).await;
        assert!(none.is_empty());
        assert_eq!(same, cursor);

        mutate_as(
            &app,
            ADMIN_KEY,
            "deleteContact",
            json!({ "id": contact }),
            "deletedId",
        )
        .await;
        mutate_as(
            &app,
            ADMIN_KEY,
            "createFunder",
            json!({ "key": "feed-funder", "name": [{ "lang": "en", "text": "F", "isOriginal": true }] }),
            "funder { id }",
        )
        .await;
        let (all, _) = read_at_least(&app, cursor.clone(), json!(null), 2).await;
        assert_eq!(all.len(), 2);
        assert_eq!(all[1]["recordType"], "FUNDER");
        let (seen, _) = read_to_end(&app, cursor, json!(["CONTACT"])).await;
        assert_eq!(seen.len(), 1, "only contacts: {seen:?}");
        assert_eq!(seen[0]["operation"], "DELETED");
        assert_eq!(seen[0]["version"], 2);
        assert!(seen[0]["node"].is_null(), "a tombstone has no node");
    }
}

#[tokio::test]
async fn the_feed_needs_credentials_and_refuses_foreign_cursors() {
    for app in feed_apps().await {
        let body = app
            .post("{ changes(first: 1) { edges { cursor } } }", json!({}))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
        let projects = app
            .data(
                "{ projects(first: 1) { pageInfo { endCursor } } }",
                json!({}),
            )
            .await;
        let foreign = projects["projects"]["pageInfo"]["endCursor"].clone();
        for (after, first) in [(foreign, json!(1)), (json!(null), json!(1000))] {
            let body = app
                .post_as(
                    READER_KEY,
                    "query($after: String, $first: Int) { changes(after: $after, first: $first) { edges { cursor } } }",
                    json!({ "after": after, "first": first }),
                )
                .await;
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                "[{}] {body}",
                app.backend
            );
        }
    }
}

#[tokio::test]
async fn a_cursor_behind_the_trimmed_feed_expires_and_one_at_its_end_does_not() {
    for app in feed_apps().await {
        let project = project_id(&app).await;
        for name in ["A", "B"] {
            mutate_as(
                &app,
                ADMIN_KEY,
                "createContact",
                json!({ "project": project, "name": name }),
                "contact { id }",
            )
            .await;
        }
        let (_, end) = read_at_least(&app, None, json!(null), 2).await;
        let first = app
            .post_as(
                READER_KEY,
                "{ changes(first: 1) { pageInfo { endCursor } } }",
                json!({}),
            )
            .await;
        let behind = first["data"]["changes"]["pageInfo"]["endCursor"].clone();
        let trimmed =
            api::store::changes::trim(&app.db, chrono::Utc::now() + chrono::Duration::seconds(1))
                .await
                .expect("trimmed");
        assert_eq!(trimmed, 2, "[{}]", app.backend);
        let body = app
            .post_as(
                READER_KEY,
                "query($after: String) { changes(after: $after) { edges { cursor } } }",
                json!({ "after": behind }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "CURSOR_EXPIRED",
            "[{}] {body}",
            app.backend
        );
        let (seen, _) = read_to_end(&app, end, json!(null)).await;
        assert!(
            seen.is_empty(),
            "a client that had read everything missed nothing"
        );
    }
}

/// 8 writers make 2,000 changes to contacts while a reader follows the feed; the reader's copy
/// ends equal to the database, having seen each change exactly once.
#[tokio::test]
async fn a_reader_following_the_feed_during_concurrent_writes_ends_with_an_exact_copy() {
    const WRITERS: usize = 8;
    const CONTACTS: usize = 30;
    const UPDATES: usize = 7;
    const DELETES: usize = 10;
    for app in feed_apps().await {
        let app = Arc::new(app);
        let project = project_id(&app).await;
        let writing = Arc::new(AtomicBool::new(true));
        let mut writers = Vec::new();
        for writer in 0..WRITERS {
            let (app, project) = (app.clone(), project.clone());
            writers.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..CONTACTS {
                    let made = mutate_as(
                        &app,
                        ADMIN_KEY,
                        "createContact",
                        json!({ "project": project, "name": format!("feed w{writer} c{n}") }),
                        "contact { id }",
                    )
                    .await;
                    ids.push(made["contact"]["id"].as_str().expect("id").to_owned());
                }
                for round in 0..UPDATES {
                    for id in &ids {
                        let patch = json!({ "name": format!("feed {id} r{round}") });
                        mutate_as(
                            &app,
                            ADMIN_KEY,
                            "updateContact",
                            json!({ "id": id, "patch": patch }),
                            "contact { id }",
                        )
                        .await;
                    }
                }
                for id in &ids[..DELETES] {
                    mutate_as(
                        &app,
                        ADMIN_KEY,
                        "deleteContact",
                        json!({ "id": id }),
                        "deletedId",
                    )
                    .await;
                }
            }));
        }
        let reader = {
            let (app, writing) = (app.clone(), writing.clone());
            tokio::spawn(async move {
                let mut copy: BTreeMap<String, (i64, String)> = BTreeMap::new();
                let mut seen = HashSet::new();
                let mut last_version: BTreeMap<String, i64> = BTreeMap::new();
                let mut cursor = None;
                let expected = WRITERS * (CONTACTS * (1 + UPDATES) + DELETES);
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
                loop {
                    let done = !writing.load(Ordering::SeqCst);
                    let (changes, end) =
                        read_to_end(&app, cursor.clone(), json!(["CONTACT"])).await;
                    cursor = end;
                    for change in changes {
                        let id = change["recordId"].as_str().expect("id").to_owned();
                        let version = change["version"].as_i64().expect("version");
                        assert!(
                            seen.insert((id.clone(), version, change["operation"].to_string())),
                            "a change came twice: {change}"
                        );
                        let previous = last_version.insert(id.clone(), version).unwrap_or(0);
                        assert!(
                            version > previous || change["operation"] == "DELETED",
                            "changes of one record in order: {change} after {previous}"
                        );
                        if change["operation"] == "DELETED" {
                            copy.remove(&id);
                        } else if let Some(node) = change["node"].as_object() {
                            let version = node["version"].as_i64().expect("version");
                            let name = node["name"].as_str().unwrap_or_default().to_owned();
                            copy.insert(id, (version, name));
                        }
                    }
                    if done && seen.len() >= expected {
                        return (copy, seen.len());
                    }
                    assert!(
                        std::time::Instant::now() < deadline,
                        "the feed showed {} of {expected} changes",
                        seen.len()
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            })
        };
        for writer in writers {
            writer.await.expect("a writer finished");
        }
        writing.store(false, Ordering::SeqCst);
        let (copy, changes) = reader.await.expect("the reader finished");
        assert_eq!(changes, WRITERS * (CONTACTS * (1 + UPDATES) + DELETES));
        let contacts = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Project { contacts { id version name } } } }",
                json!({ "id": project }),
            )
            .await;
        let database: BTreeMap<String, (i64, String)> = contacts["node"]["contacts"]
            .as_array()
            .expect("contacts")
            .iter()
            .filter(|c| c["name"].as_str().is_some_and(|n| n.starts_with("feed ")))
            .map(|c| {
                (
                    c["id"].as_str().expect("id").to_owned(),
                    (
                        c["version"].as_i64().expect("version"),
                        c["name"].as_str().unwrap_or_default().to_owned(),
                    ),
                )
            })
            .collect();
        assert_eq!(
            copy.len(),
            WRITERS * (CONTACTS - DELETES),
            "[{}]",
            app.backend
        );
        assert_eq!(
            copy, database,
            "[{}] the copy equals the database",
            app.backend
        );
    }
}

/// The race a numbering made before commit loses: a transaction that started writing first
/// commits last. The feed holds the later one back until the earlier one ends, so a reader in
/// between does not step past a change still to come.
#[tokio::test]
async fn a_change_committing_late_is_not_skipped_by_a_reader_in_between() {
    use sea_orm::TransactionTrait;
    for app in feed_apps().await {
        if app.backend != "postgres" {
            continue; // SQLite runs one writer at a time: the race cannot happen there.
        }
        let (_, cursor) = read_to_end(&app, None, json!(null)).await;
        let slow = app.db.begin().await.expect("a transaction");
        let late = api::store::changes::NewChange {
            operation: api::store::changes::ChangeOperation::Updated,
            record_type: entity::enums::RecordType::Funder,
            record_id: 1,
            version: 99,
            at: chrono::Utc::now(),
        };
        api::store::changes::record(&slow, &[late])
            .await
            .expect("recorded");
        let project = project_id(&app).await;
        mutate_as(
            &app,
            ADMIN_KEY,
            "createContact",
            json!({ "project": project, "name": "Quick" }),
            "contact { id }",
        )
        .await;
        let (meanwhile, held) = read_to_end(&app, cursor.clone(), json!(null)).await;
        assert!(
            meanwhile.is_empty(),
            "a later commit waits for the earlier transaction: {meanwhile:?}"
        );
        assert_eq!(held, cursor);
        slow.commit().await.expect("committed");
        let (after, _) = read_at_least(&app, held, json!(null), 2).await;
        let kinds: Vec<&str> = after
            .iter()
            .filter_map(|c| c["recordType"].as_str())
            .collect();
        assert_eq!(kinds, ["FUNDER", "CONTACT"], "both, in transaction order");
    }
}
