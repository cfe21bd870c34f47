//! Bulk export: every record as NDJSON, parents first, personal data by role, gzip on request,
//! and `since` a change-feed cursor for what changed.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, READER_KEY, TestApp, apps_with_writers, id_where};
use crate::writes::{mutate_as, text};

/// The export for `key` (none: anonymous), as status, headers and lines.
async fn export(
    app: &TestApp,
    key: Option<&str>,
    query: &str,
    gzip: bool,
) -> (u16, reqwest::header::HeaderMap, Vec<Value>) {
    let mut request = app.client.get(format!("{}/export{query}", app.address));
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    if gzip {
        request = request.header("accept-encoding", "gzip");
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("a body");
    if gzip || status != 200 {
        return (
            status,
            headers,
            vec![serde_json::from_slice(&body).unwrap_or(json!(null))],
        );
    }
    let lines = body
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).expect("a JSON line"))
        .collect();
    (status, headers, lines)
}

/// Every global ID a line's fields refer to.
fn references(line: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for field in [
        "project",
        "organisation",
        "funder",
        "programme",
        "parent",
        "place",
    ] {
        if let Some(id) = line["fields"][field].as_str() {
            found.push(id.to_owned());
        }
    }
    if let Some(places) = line["fields"]["places"].as_array() {
        found.extend(places.iter().filter_map(|p| p.as_str().map(str::to_owned)));
    }
    found.extend(
        line["sources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_owned)),
    );
    found
}

#[tokio::test]
async fn every_record_is_exported_once_after_what_it_refers_to() {
    for app in apps_with_writers().await {
        // A place moved under one made after it must still come after its new parent.
        let made = |key: &str| json!({ "key": key, "kind": "VENUE", "country": "LV", "name": [text("lv", key, true)] });
        let first = mutate_as(
            &app,
            ADMIN_KEY,
            "createPlace",
            made("first-hall"),
            "place { id }",
        )
        .await["place"]["id"]
            .clone();
        let second = mutate_as(
            &app,
            ADMIN_KEY,
            "createPlace",
            made("second-hall"),
            "place { id }",
        )
        .await["place"]["id"]
            .clone();
        mutate_as(
            &app,
            ADMIN_KEY,
            "updatePlace",
            json!({ "id": first, "patch": { "parent": second } }),
            "place { id }",
        )
        .await;

        let (status, headers, lines) = export(&app, Some(READER_KEY), "", false).await;
        assert_eq!(status, 200, "[{}]", app.backend);
        assert_eq!(headers["content-type"], "application/x-ndjson");
        let (end, records) = lines.split_last().expect("lines");
        assert_eq!(end["end"]["records"], records.len(), "{end}");
        assert!(end["end"]["changeCursor"].as_str().is_some());
        let mut seen = HashSet::new();
        for line in records {
            // A source document may cite itself (the seed's pages do).
            for reference in references(line).into_iter().filter(|r| *r != line["id"]) {
                assert!(
                    seen.contains(&reference),
                    "[{}] {} refers to {reference} before it: {line}",
                    app.backend,
                    line["id"]
                );
            }
            assert!(
                seen.insert(line["id"].as_str().expect("id").to_owned()),
                "{line}"
            );
        }
        let projects = records.iter().filter(|l| l["type"] == "Project").count();
        assert_eq!(projects, 5);
        let project = records.iter().find(|l| l["key"] == "co-op").expect("co-op");
        assert_eq!(project["version"], 1);
        assert!(
            project["fields"]["title"]
                .as_array()
                .is_some_and(|t| !t.is_empty())
        );
        // A reader gets no personal data at all: the fields are left out, not emptied.
        for contact in records.iter().filter(|l| l["type"] == "Contact") {
            assert!(contact["fields"].get("email").is_none(), "{contact}");
            assert!(contact["fields"].get("phone").is_none(), "{contact}");
        }
        let (_, _, admin) = export(&app, Some(ADMIN_KEY), "", false).await;
        assert!(
            admin
                .iter()
                .any(|l| l["fields"]["email"] == "iic.kristine@gmail.com"),
            "admins get personal data"
        );
    }
}

#[tokio::test]
async fn an_editor_exports_the_personal_data_of_its_own_contacts_only() {
    for app in apps_with_writers().await {
        let editor =
            api::service::api_keys::create(&app.db, "iic", "editor", &["iic".to_owned()], None)
                .await
                .expect("issued");
        let (_, _, lines) = export(&app, Some(&editor), "", false).await;
        let emails: Vec<&str> = lines
            .iter()
            .filter_map(|l| l["fields"]["email"].as_str())
            .collect();
        assert!(emails.contains(&"iic.kristine@gmail.com"), "{emails:?}");
        let with_email = lines
            .iter()
            .filter(|l| l["type"] == "Contact" && l["fields"].get("email").is_some())
            .count();
        let contacts = lines.iter().filter(|l| l["type"] == "Contact").count();
        assert!(
            with_email < contacts,
            "[{}] others' contacts stay private",
            app.backend
        );
    }
}

#[tokio::test]
async fn since_a_cursor_only_what_changed_is_exported_with_tombstones() {
    for app in apps_with_writers().await {
        let (_, _, lines) = export(&app, Some(READER_KEY), "", false).await;
        let cursor = lines.last().expect("end")["end"]["changeCursor"]
            .as_str()
            .expect("a cursor")
            .to_owned();
        let organisations = app
            .data(
                "{ organisations(first: 50) { nodes { id key } } }",
                json!({}),
            )
            .await;
        let iic = id_where(&organisations["organisations"], "key", "iic");
        mutate_as(
            &app,
            ADMIN_KEY,
            "updateOrganisation",
            json!({ "id": iic, "patch": { "city": "Daugavpils" } }),
            "organisation { id }",
        )
        .await;
        let funder = mutate_as(
            &app,
            ADMIN_KEY,
            "createFunder",
            json!({ "key": "short-lived", "name": [text("en", "Short", true)] }),
            "funder { id }",
        )
        .await["funder"]["id"]
            .clone();
        mutate_as(
            &app,
            ADMIN_KEY,
            "deleteFunder",
            json!({ "id": funder }),
            "deletedId",
        )
        .await;
        // On PostgreSQL a change shows once every older transaction has ended; other tests'
        // transactions on the same server may hold it back a moment.
        let mut changed = Vec::new();
        for _ in 0..100 {
            let (status, _, lines) =
                export(&app, Some(READER_KEY), &format!("?since={cursor}"), false).await;
            assert_eq!(status, 200);
            changed = lines;
            if changed.len() >= 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(changed.len(), 3, "[{}] {changed:?}", app.backend);
        assert_eq!(changed[0]["type"], "Organisation");
        assert_eq!(changed[0]["fields"]["city"], "Daugavpils");
        assert_eq!(changed[0]["version"], 2);
        assert_eq!(
            changed[1],
            json!({ "type": "Funder", "id": funder, "deleted": true })
        );
        assert_eq!(changed[2]["end"]["records"], 2);
    }
}

#[tokio::test]
async fn exports_need_credentials_take_gzip_and_refuse_bad_cursors() {
    for app in TestApp::all().await {
        let (status, _, body) = export(&app, None, "", false).await;
        assert_eq!(status, 403, "[{}] {body:?}", app.backend);
        assert_eq!(body[0]["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
    for app in apps_with_writers().await {
        let (status, _, body) = export(&app, Some(READER_KEY), "?since=nonsense", false).await;
        assert_eq!(status, 400);
        assert_eq!(body[0]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        let (status, headers, _) = export(&app, Some(READER_KEY), "", true).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-encoding"], "gzip", "[{}]", app.backend);
    }
}
