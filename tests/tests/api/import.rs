//! Bulk import: the export format upserted by key, all or nothing unless partial, with errors
//! by line number; a round trip through an empty database gives the same records, and a second
//! import changes nothing.

use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_KEY, EDITOR_KEY, READER_KEY, TestApp, backends, fresh_database, id_where,
};
use crate::writes::text;

fn settings(url: String, seeded: bool) -> api::config::Settings {
    let mut settings = api::config::Settings::for_database(url, 0);
    settings.api_keys = vec![
        format!("editor:{EDITOR_KEY}:editor"),
        format!("admin:{ADMIN_KEY}:admin"),
        format!("reader:{READER_KEY}"),
    ];
    settings.rate_limit_capacity = 0;
    settings.skip_seed = !seeded;
    settings
}

/// One app on a fresh database of `backend`: with the seed, or empty.
async fn app_on(backend: &'static str, seeded: bool) -> TestApp {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let url = fresh_database(backend, dir.path()).await;
    TestApp::start(backend, settings(url, seeded), dir).await
}

/// The export as text, and its record lines (the end line left out).
async fn export(app: &TestApp) -> (String, Vec<Value>) {
    let body = app
        .client
        .get(format!("{}/export", app.address))
        .header("x-api-key", ADMIN_KEY)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("a body");
    let lines = body
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a JSON line"))
        .filter(|line| line.get("end").is_none())
        .collect();
    (body, lines)
}

/// Posts `body` to `/import` with `query`; the status and the report.
async fn import(app: &TestApp, key: Option<&str>, query: &str, body: String) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}/import{query}", app.address))
        .header("content-type", "application/x-ndjson")
        .body(body);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON report"))
}

async fn change_count(app: &TestApp) -> usize {
    let mut after: Option<String> = None;
    let mut count = 0;
    loop {
        let body = app
            .post_as(
                READER_KEY,
                "query($after: String) { changes(after: $after, first: 100) { edges { cursor } pageInfo { endCursor hasNextPage } } }",
                json!({ "after": after }),
            )
            .await;
        let page = &body["data"]["changes"];
        count += page["edges"].as_array().map_or(0, Vec::len);
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        if page["pageInfo"]["hasNextPage"] != true {
            return count;
        }
    }
}

#[tokio::test]
async fn an_export_imported_into_an_empty_database_exports_the_same_records() {
    for backend in backends() {
        let source = app_on(backend, true).await;
        let (file, records) = export(&source).await;
        let copy = app_on(backend, false).await;
        // Sent gzipped, as a large file would be.
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gzip, file.as_bytes()).expect("compressed");
        let response = copy
            .client
            .post(format!("{}/import", copy.address))
            .header("x-api-key", ADMIN_KEY)
            .header("content-type", "application/x-ndjson")
            .header("content-encoding", "gzip")
            .body(gzip.finish().expect("compressed"))
            .send()
            .await
            .expect("sent");
        let status = response.status().as_u16();
        let report: Value = response.json().await.expect("a report");
        assert_eq!(status, 200, "[{backend}] {report:#}");
        assert_eq!(report["committed"], true);
        assert_eq!(report["created"], records.len(), "{report:#}");
        assert_eq!(report["rejected"], 0);
        let (_, copied) = export(&copy).await;
        assert_eq!(copied.len(), records.len(), "[{backend}]");
        for (original, copied) in records.iter().zip(&copied) {
            assert_eq!(original, copied, "[{backend}]");
        }

        // The same file again changes nothing: no version, no change in the feed.
        let changes = change_count(&copy).await;
        let (status, report) = import(&copy, Some(ADMIN_KEY), "", file).await;
        assert_eq!(status, 200, "[{backend}] {report:#}");
        assert_eq!(report["unchanged"], records.len(), "{report:#}");
        assert_eq!(report["created"], 0);
        assert_eq!(report["updated"], 0);
        assert_eq!(change_count(&copy).await, changes, "[{backend}]");
        let (_, again) = export(&copy).await;
        assert_eq!(again, copied, "[{backend}] no version moved");
    }
}

#[tokio::test]
async fn a_changed_line_updates_its_record_by_key_and_a_tombstone_deletes() {
    for backend in backends() {
        let app = app_on(backend, true).await;
        let (_, records) = export(&app).await;
        let funder = records
            .iter()
            .find(|line| line["type"] == "Funder")
            .expect("a funder")
            .clone();
        let mut changed = funder.clone();
        changed["fields"]["website"] = json!("https://imported.example.org");
        // Matched by key, whatever ID the file gives it.
        changed["id"] = json!(api::domain::global_id::encode(
            entity::enums::RecordType::Funder,
            9_999
        ));
        let contact = records
            .iter()
            .find(|line| line["type"] == "Contact")
            .expect("a contact");
        let tombstone = json!({ "type": "Contact", "id": contact["id"], "deleted": true });
        let body = format!("{changed}\n{tombstone}\n");
        let (status, report) = import(&app, Some(ADMIN_KEY), "", body).await;
        assert_eq!(status, 200, "[{backend}] {report:#}");
        assert_eq!(report["updated"], 1, "{report:#}");
        assert_eq!(report["deleted"], 1);

        let (_, after) = export(&app).await;
        let updated = after
            .iter()
            .find(|line| line["id"] == funder["id"])
            .expect("the funder");
        assert_eq!(updated["fields"]["website"], "https://imported.example.org");
        assert_eq!(
            updated["version"],
            funder["version"].as_i64().unwrap_or(0) + 1
        );
        assert!(after.iter().all(|line| line["id"] != contact["id"]));
    }
}

/// A file with one good line between bad ones: bad JSON, an unknown type, a project whose
/// fields break the mutations' rules, and a reference to a record that does not exist.
fn mixed_file() -> String {
    let good = json!({ "type": "Funder", "id": api::domain::global_id::encode(entity::enums::RecordType::Funder, 500),
        "key": "imported-funder", "version": 1, "sources": [],
        "fields": { "key": "imported-funder", "name": [text("en", "Imported funder", true)] } });
    let bad_project = json!({ "type": "Project", "id": api::domain::global_id::encode(entity::enums::RecordType::Project, 900),
        "key": "bad project", "version": 1, "sources": [],
        "fields": { "key": "bad project", "title": [], "website": "not a website" } });
    let dangling = json!({ "type": "Participation", "id": api::domain::global_id::encode(entity::enums::RecordType::Participation, 900),
        "version": 1, "sources": [],
        "fields": { "project": api::domain::global_id::encode(entity::enums::RecordType::Project, 123_456),
                    "organisation": api::domain::global_id::encode(entity::enums::RecordType::Organisation, 1),
                    "role": "PARTNER" } });
    format!(
        "{good}\n{{not json\n{}\n{bad_project}\n{dangling}\n",
        json!({ "type": "Spaceship", "id": "x", "fields": {} })
    )
}

fn lines_of(report: &Value) -> Vec<u64> {
    let mut lines: Vec<u64> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["line"].as_u64())
        .collect();
    lines.dedup();
    lines
}

#[tokio::test]
async fn bad_lines_are_reported_by_number_and_nothing_is_kept_unless_partial() {
    for backend in backends() {
        let app = app_on(backend, true).await;
        let funders = "{ funders(first: 100) { nodes { id key } } }";
        let (status, report) = import(&app, Some(ADMIN_KEY), "", mixed_file()).await;
        assert_eq!(status, 422, "[{backend}] {report:#}");
        assert_eq!(report["committed"], false);
        assert_eq!(report["rejected"], 4, "{report:#}");
        assert_eq!(lines_of(&report), [2, 3, 4, 5], "{report:#}");
        let errors = report["errors"].as_array().expect("errors");
        assert!(
            errors
                .iter()
                .any(|e| e["line"] == 2 && e["code"] == "BAD_LINE")
        );
        assert!(errors.iter().any(|e| {
            e["line"] == 3
                && e["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("Spaceship"))
        }));
        assert!(errors.iter().any(|e| e["line"] == 4
            && e["field"] == json!(["fields", "title"])
            && e["code"] == "REQUIRED"));
        assert!(
            errors
                .iter()
                .any(|e| e["line"] == 4 && e["field"] == json!(["fields", "website"]))
        );
        assert!(
            errors
                .iter()
                .any(|e| e["line"] == 5 && e["code"] == "NOT_FOUND")
        );
        let listed = app.data(funders, json!({})).await;
        assert!(
            !listed.to_string().contains("imported-funder"),
            "[{backend}] all or nothing: {listed}"
        );

        // A dry run of a good file keeps nothing either.
        let good = mixed_file().lines().next().expect("a line").to_owned();
        let (status, report) = import(&app, Some(ADMIN_KEY), "?dryRun=true", good).await;
        assert_eq!(status, 200, "{report:#}");
        assert_eq!(
            (report["created"].clone(), report["committed"].clone()),
            (json!(1), json!(false))
        );
        assert!(
            !app.data(funders, json!({}))
                .await
                .to_string()
                .contains("imported-funder")
        );

        // Partial: the good line is kept, the bad ones reported.
        let (status, report) = import(&app, Some(ADMIN_KEY), "?partial=true", mixed_file()).await;
        assert_eq!(status, 200, "[{backend}] {report:#}");
        assert_eq!(report["committed"], true);
        assert_eq!(report["created"], 1);
        assert_eq!(report["rejected"], 4);
        let listed = app.data(funders, json!({})).await;
        assert!(!id_where(&listed["funders"], "key", "imported-funder").is_empty());
    }
}

#[tokio::test]
async fn importing_needs_a_writer_and_editors_stay_within_their_organisations() {
    for backend in backends() {
        let app = app_on(backend, true).await;
        for key in [None, Some(READER_KEY)] {
            let (status, report) = import(&app, key, "", mixed_file()).await;
            assert_eq!(status, 403, "{report}");
            assert_eq!(
                report["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{report}"
            );
        }
        // An editor scoped to one organisation may not change another's project.
        let secret =
            api::service::api_keys::create(&app.db, "scoped", "editor", &["iic".to_owned()], None)
                .await
                .expect("a key");
        let (_, records) = export(&app).await;
        let foreign = records
            .iter()
            .find(|line| line["type"] == "Project" && line["key"] == "co-op")
            .expect("a project")
            .clone();
        let mut changed = foreign.clone();
        changed["fields"]["website"] = json!("https://scoped.example.org");
        let (status, report) = import(&app, Some(&secret), "", format!("{changed}\n")).await;
        assert_eq!(status, 422, "[{backend}] {report:#}");
        assert_eq!(report["errors"][0]["code"], "FORBIDDEN", "{report:#}");
        assert_eq!(report["errors"][0]["line"], 1);
    }
}

/// Lines are applied in chunks, each in one savepoint; a refused line undoes its chunk, which
/// is applied again a line at a time. What must hold is what a line-at-a-time import gives.
#[tokio::test]
async fn a_refused_line_is_undone_alone_and_lines_that_refer_to_it_are_refused_with_the_path() {
    use api::domain::global_id::encode;
    use entity::enums::RecordType;
    for backend in backends() {
        let app = app_on(backend, true).await;
        let funder = |n: i32, key: &str| {
            json!({ "type": "Funder", "id": encode(RecordType::Funder, n), "key": key, "version": 1,
                "sources": [], "fields": { "key": key, "name": [text("en", key, true)] } })
        };
        // The programme is refused (no name); its child refers to it; the funders are good.
        let refused = json!({ "type": "Programme", "id": encode(RecordType::Programme, 700),
            "key": "refused-programme", "version": 1, "sources": [],
            "fields": { "key": "refused-programme", "funder": encode(RecordType::Funder, 501), "name": [] } });
        let child = json!({ "type": "Programme", "id": encode(RecordType::Programme, 701),
            "key": "child-programme", "version": 1, "sources": [],
            "fields": { "key": "child-programme", "funder": encode(RecordType::Funder, 501),
                        "parent": encode(RecordType::Programme, 700),
                        "name": [text("en", "Child", true)] } });
        let file = format!(
            "{}\n{refused}\n{child}\n{}\n",
            funder(501, "chunk-funder-a"),
            funder(502, "chunk-funder-b")
        );
        let before = change_count(&app).await;
        let (status, report) = import(&app, Some(ADMIN_KEY), "?partial=true", file).await;
        assert_eq!(status, 200, "[{backend}] {report:#}");
        assert_eq!(
            (report["created"].clone(), report["rejected"].clone()),
            (json!(2), json!(2)),
            "[{backend}] {report:#}"
        );
        let errors = report["errors"].as_array().expect("errors");
        assert!(
            errors
                .iter()
                .any(|e| e["line"] == 2 && e["code"] == "REQUIRED"),
            "[{backend}] {report:#}"
        );
        assert!(
            errors.iter().any(|e| e["line"] == 3
                && e["code"] == "NOT_FOUND"
                && e["field"] == json!(["fields", "parent"])),
            "[{backend}] the child names the field that refers to the refused line: {report:#}"
        );
        // The kept lines have their changes, and the undone ones left none behind.
        assert_eq!(change_count(&app).await, before + 2, "[{backend}]");
        let listed = app
            .data("{ funders(first: 100) { nodes { id key } } programmes(first: 100) { nodes { id key } } }", json!({}))
            .await;
        assert!(!id_where(&listed["funders"], "key", "chunk-funder-a").is_empty());
        assert!(!id_where(&listed["funders"], "key", "chunk-funder-b").is_empty());
        assert!(
            !listed["programmes"].to_string().contains("child-programme"),
            "[{backend}] {listed}"
        );
    }
}

/// A unit of work remembers which records it found, so a chunk of lines does not ask twice;
/// a delete makes it forget, since what it found may have gone with the deleted record.
#[tokio::test]
async fn a_record_deleted_earlier_in_the_file_is_not_found_by_later_lines() {
    use api::domain::global_id::encode;
    use entity::enums::RecordType;
    for backend in backends() {
        let app = app_on(backend, true).await;
        let listed = app
            .data("{ projects(first: 1) { nodes { id key } } }", json!({}))
            .await;
        let project = listed["projects"]["nodes"][0]["id"]
            .as_str()
            .expect("a seed project")
            .to_owned();
        let outcome = |n: i32| {
            json!({ "type": "Outcome", "id": encode(RecordType::Outcome, n), "version": 1, "sources": [],
                "fields": { "project": project, "kind": "DELIVERABLE", "title": [text("en", "Report", true)] } })
        };
        let tombstone = json!({ "type": "Project", "id": project, "deleted": true });
        let file = format!("{}\n{tombstone}\n{}\n", outcome(9001), outcome(9002));
        let (status, report) = import(&app, Some(ADMIN_KEY), "", file).await;
        assert_eq!(status, 422, "[{backend}] {report:#}");
        assert_eq!(lines_of(&report), [3], "[{backend}] {report:#}");
        let error = &report["errors"][0];
        assert_eq!(
            (error["code"].clone(), error["field"].clone()),
            (json!("NOT_FOUND"), json!(["fields", "project"])),
            "[{backend}] {report:#}"
        );
    }
}
