//! Writes: mutations for every record type, validated in full before anything is written,
//! with versions, deletes that take owned records along or are refused while others depend
//! on the record, and who may write.

use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, EDITOR_KEY, READER_KEY, TestApp, apps_with_writers};

/// Runs mutation `field` with `input` as the editor and returns its payload, asking for
/// `selection` besides `userErrors` and `clientMutationId`.
pub async fn mutate(app: &TestApp, field: &str, input: Value, selection: &str) -> Value {
    mutate_as(app, EDITOR_KEY, field, input, selection).await
}

pub async fn mutate_as(
    app: &TestApp,
    key: &str,
    field: &str,
    input: Value,
    selection: &str,
) -> Value {
    let input_type = input_type_of(field);
    let query = format!(
        "mutation($input: {input_type}!) {{ {field}(input: $input) {{ {selection} userErrors {{ field code message }} clientMutationId }} }}"
    );
    let body = app.post_as(key, &query, json!({ "input": input })).await;
    assert!(
        body.get("errors").is_none(),
        "[{}] {field}: unexpected errors: {body:#}",
        app.backend
    );
    body["data"][field].clone()
}

/// `createProject` takes `CreateProjectInput`, `deleteFunder` `DeleteFunderInput`, and so on.
fn input_type_of(field: &str) -> String {
    if field == "attachSource" || field == "detachSource" {
        return "SourceLinkInput".to_owned();
    }
    let mut name: Vec<char> = field.chars().collect();
    name[0] = name[0].to_ascii_uppercase();
    format!("{}Input", name.into_iter().collect::<String>())
}

/// The (field path, code) of each user error of a payload.
pub fn user_errors(payload: &Value) -> Vec<(String, String)> {
    payload["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| {
            let path: Vec<&str> = e["field"]
                .as_array()
                .expect("field")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            (path.join("."), e["code"].as_str().unwrap_or("").to_owned())
        })
        .collect()
}

pub fn text(lang: &str, text: &str, original: bool) -> Value {
    json!({ "lang": lang, "text": text, "isOriginal": original })
}

/// Creates an organisation, a project, a lead participation and a funding line; returns
/// their IDs.
pub async fn create_example(app: &TestApp, suffix: &str) -> (String, String, String, String) {
    let organisation = mutate(
        app,
        "createOrganisation",
        json!({
            "key": format!("daugavpils-folk-{suffix}"),
            "kind": "NGO",
            "name": [text("lv", "Daugavpils tautskola", true), text("en", "Daugavpils folk school", false)],
            "country": "LV",
            "website": "https://folk.example.lv",
        }),
        "organisation { id version }",
    )
    .await;
    assert_eq!(user_errors(&organisation), []);
    let organisation = organisation["organisation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let project = mutate(
        app,
        "createProject",
        json!({
            "key": format!("folk-2025-{suffix}"),
            "title": [text("lv", "Tautskolas 2025", true)],
            "startDate": "2025-01-01",
            "endDate": "2026-06-30",
        }),
        "project { id version }",
    )
    .await;
    assert_eq!(user_errors(&project), []);
    let project = project["project"]["id"].as_str().expect("id").to_owned();
    let participation = mutate(
        app,
        "createParticipation",
        json!({ "project": project, "organisation": organisation, "role": "LEAD_PARTNER" }),
        "participation { id role }",
    )
    .await;
    assert_eq!(user_errors(&participation), []);
    let participation = participation["participation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let line = mutate(
        app,
        "createFundingLine",
        json!({
            "project": project,
            "kind": "GRANT",
            "amount": { "amount": "12000.50", "currency": "EUR" },
        }),
        "fundingLine { id }",
    )
    .await;
    assert_eq!(user_errors(&line), []);
    let line = line["fundingLine"]["id"].as_str().expect("id").to_owned();
    (organisation, project, participation, line)
}

#[tokio::test]
async fn an_editor_creates_the_records_of_a_project_and_updates_them_by_version() {
    for app in apps_with_writers().await {
        let (organisation, project, _, line) = create_example(&app, "a").await;
        let read = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Project { key version title startDate endDate
                   participations { role organisation { key } } fundingLines { amount { amount currency } } } } }",
                json!({ "id": project }),
            )
            .await;
        assert_eq!(read["node"]["version"], 1);
        assert_eq!(read["node"]["title"], "Tautskolas 2025");
        assert_eq!(read["node"]["participations"][0]["role"], "LEAD_PARTNER");
        assert_eq!(
            read["node"]["participations"][0]["organisation"]["key"],
            "daugavpils-folk-a"
        );
        assert_eq!(
            read["node"]["fundingLines"][0]["amount"]["amount"],
            "12000.50"
        );

        let updated = mutate(
            &app,
            "updateProject",
            json!({ "id": project, "expectedVersion": 1, "patch": { "endDate": "2026-12-31", "acronym": "FOLK" }, "clientMutationId": "u1" }),
            "project { version endDate acronym updatedAt }",
        )
        .await;
        assert_eq!(user_errors(&updated), [], "[{}]", app.backend);
        assert_eq!(updated["project"]["version"], 2);
        assert_eq!(updated["project"]["endDate"], "2026-12-31");
        assert_eq!(updated["clientMutationId"], "u1");

        // Absent fields stay; null clears.
        let cleared = mutate(
            &app,
            "updateOrganisation",
            json!({ "id": organisation, "patch": { "website": null, "city": "Daugavpils" } }),
            "organisation { version website city country }",
        )
        .await;
        assert_eq!(cleared["organisation"]["website"], Value::Null);
        assert_eq!(cleared["organisation"]["city"], "Daugavpils");
        assert_eq!(cleared["organisation"]["country"], "LV");
        assert_eq!(cleared["organisation"]["version"], 2);

        let line_update = mutate(
            &app,
            "updateFundingLine",
            json!({ "id": line, "expectedVersion": 1, "patch": { "amount": { "amount": "15000", "currency": "EUR" } } }),
            "fundingLine { version amount { amount } }",
        )
        .await;
        assert_eq!(line_update["fundingLine"]["amount"]["amount"], "15000.00");
        assert_eq!(line_update["fundingLine"]["version"], 2);
    }
}

#[tokio::test]
async fn a_stale_expected_version_writes_nothing_and_names_the_current_version() {
    for app in apps_with_writers().await {
        let (organisation, ..) = create_example(&app, "s").await;
        let first = mutate(
            &app,
            "updateOrganisation",
            json!({ "id": organisation, "expectedVersion": 1, "patch": { "city": "Rēzekne" } }),
            "organisation { version }",
        )
        .await;
        assert_eq!(first["organisation"]["version"], 2);
        let stale = mutate(
            &app,
            "updateOrganisation",
            json!({ "id": organisation, "expectedVersion": 1, "patch": { "city": "Riga" } }),
            "organisation { version }",
        )
        .await;
        assert_eq!(stale["organisation"], Value::Null);
        assert_eq!(
            user_errors(&stale),
            [(
                "input.expectedVersion".to_owned(),
                "STALE_OBJECT".to_owned()
            )]
        );
        let message = stale["userErrors"][0]["message"].as_str().expect("message");
        assert!(message.contains("version 2"), "{message}");
        let stored = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Organisation { city version } } }",
                json!({ "id": organisation }),
            )
            .await;
        assert_eq!(stored["node"]["city"], "Rēzekne");
        let stale_delete = mutate(
            &app,
            "deleteOrganisation",
            json!({ "id": organisation, "expectedVersion": 1 }),
            "deletedId",
        )
        .await;
        assert_eq!(stale_delete["deletedId"], Value::Null);
        assert_eq!(user_errors(&stale_delete)[0].1, "STALE_OBJECT");
    }
}

#[tokio::test]
async fn of_two_racing_updates_with_the_same_expected_version_exactly_one_wins() {
    for app in apps_with_writers().await {
        let (organisation, ..) = create_example(&app, "r").await;
        for round in 0..5 {
            let version = 1 + round;
            // Both change the record: an update that changes nothing writes no version.
            let update = |city: &'static str| {
                mutate(
                    &app,
                    "updateOrganisation",
                    json!({ "id": organisation, "expectedVersion": version, "patch": { "city": format!("{city} {round}") } }),
                    "organisation { version }",
                )
            };
            let (a, b) = tokio::join!(update("Riga"), update("Tartu"));
            let won = [&a, &b]
                .iter()
                .filter(|p| !p["organisation"].is_null())
                .count();
            assert_eq!(won, 1, "[{}] round {round}: {a} / {b}", app.backend);
            let lost = if a["organisation"].is_null() { &a } else { &b };
            assert_eq!(user_errors(lost)[0].1, "STALE_OBJECT", "{lost}");
        }
        let stored = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Organisation { version } } }",
                json!({ "id": organisation }),
            )
            .await;
        assert_eq!(stored["node"]["version"], 6);
    }
}

#[tokio::test]
async fn anonymous_callers_and_readers_are_forbidden_and_nothing_is_written() {
    for app in apps_with_writers().await {
        let query = "mutation { createSourceDocument(input: { fileName: \"x.html\", title: \"X\", language: \"lv\" }) { sourceDocument { id } } }";
        assert_eq!(app.error_codes(query, json!({})).await, ["FORBIDDEN"]);
        let as_reader = app.post_as(READER_KEY, query, json!({})).await;
        assert_eq!(as_reader["errors"][0]["extensions"]["code"], "FORBIDDEN");
        let count = app.data("{ sourceDocuments { id } }", json!({})).await;
        assert_eq!(count["sourceDocuments"].as_array().map(Vec::len), Some(5));
        let as_admin = app.post_as(ADMIN_KEY, query, json!({})).await;
        assert!(as_admin.get("errors").is_none(), "{as_admin}");
    }
}

/// One invalid input and the (path, code) pairs it must be refused with.
struct Refusal {
    field: &'static str,
    input: Value,
    expected: Vec<(&'static str, &'static str)>,
}

#[tokio::test]
async fn every_violation_is_reported_at_once_with_its_path_and_nothing_is_written() {
    for app in apps_with_writers().await {
        let (organisation, project, _, _) = create_example(&app, "v").await;
        let (_, other_project, ..) = create_example(&app, "w").await;
        let funders = app
            .data("{ funders { nodes { id key } } }", json!({}))
            .await;
        let funder = |key: &str| crate::helpers::id_where(&funders["funders"], "key", key);
        let programmes = app
            .data(
                "{ programmes { nodes { id key funder { key } } } }",
                json!({}),
            )
            .await;
        let nordplus_adult =
            crate::helpers::id_where(&programmes["programmes"], "key", "nordplus-adult");
        let nordplus = crate::helpers::id_where(&programmes["programmes"], "key", "nordplus");
        let outcome_elsewhere = mutate(
            &app,
            "createOutcome",
            json!({ "project": other_project, "kind": "WORK_PACKAGE", "title": [text("en", "WP1", true)] }),
            "outcome { id }",
        )
        .await["outcome"]["id"]
            .clone();
        let places = app
            .data(
                "{ places(first: 100) { nodes { id key parent { key } } } }",
                json!({}),
            )
            .await;
        let latvia = crate::helpers::id_where(&places["places"], "key", "lv");
        let inside_latvia = places["places"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|p| p["parent"]["key"] == "lv")
            .map(|p| p["id"].clone())
            .expect("a place inside Latvia");
        let work_package = mutate(
            &app,
            "createOutcome",
            json!({ "project": project, "kind": "WORK_PACKAGE", "title": [text("en", "WP", true)] }),
            "outcome { id }",
        )
        .await["outcome"]["id"]
            .clone();
        let deliverable = mutate(
            &app,
            "createOutcome",
            json!({ "project": project, "parent": work_package, "kind": "DELIVERABLE", "title": [text("en", "D1", true)] }),
            "outcome { id }",
        )
        .await["outcome"]["id"]
            .clone();
        let refusals = vec![
            Refusal {
                field: "updatePlace",
                input: json!({ "id": latvia, "patch": { "parent": inside_latvia } }),
                expected: vec![("input.patch.parent", "INVALID")],
            },
            Refusal {
                field: "updateOutcome",
                input: json!({ "id": work_package, "patch": { "parent": deliverable } }),
                expected: vec![("input.patch.parent", "INVALID")],
            },
            Refusal {
                field: "updateOutcome",
                input: json!({ "id": work_package, "patch": { "parent": work_package } }),
                expected: vec![("input.patch.parent", "INVALID")],
            },
            Refusal {
                field: "createOrganisation",
                input: json!({
                    "key": "Not A Key", "kind": "NGO", "country": "XX",
                    "name": [text("xx", "", false)], "website": "javascript:alert(1)",
                    "shortName": "s".repeat(301),
                }),
                expected: vec![
                    ("input.key", "INVALID"),
                    ("input.country", "INVALID"),
                    ("input.shortName", "TOO_LONG"),
                    ("input.website", "INVALID"),
                    ("input.name.0.lang", "INVALID"),
                    ("input.name.0.text", "REQUIRED"),
                    ("input.name", "INVALID"),
                ],
            },
            Refusal {
                field: "createOrganisation",
                input: json!({ "key": "daugavpils-folk-v", "kind": "NGO", "country": "LV", "name": [text("lv", "A", true)] }),
                expected: vec![("input.key", "DUPLICATE")],
            },
            Refusal {
                field: "createProject",
                input: json!({
                    "key": "dates", "title": [text("lv", "T", true), text("lv", "T2", false)],
                    "startDate": "2025-05-01", "endDate": "2025-04-30", "latestEndDate": "2025-01-01",
                    "workingLanguages": ["lv", "lv"],
                    "statedTotal": { "amount": "10.001", "currency": "EUR" },
                    "statedPartnerCount": 0,
                    "places": ["UGxhY2U6OTk5OTk"],
                }),
                expected: vec![
                    ("input.title.1.lang", "DUPLICATE"),
                    ("input.endDate", "OUT_OF_RANGE"),
                    ("input.latestEndDate", "OUT_OF_RANGE"),
                    ("input.workingLanguages.1", "DUPLICATE"),
                    ("input.statedTotal.amount", "INVALID"),
                    ("input.statedPartnerCount", "OUT_OF_RANGE"),
                    ("input.places.0", "NOT_FOUND"),
                ],
            },
            Refusal {
                field: "createFundingLine",
                input: json!({ "project": project, "kind": "GRANT", "amount": { "amount": "100.5", "currency": "JPY" } }),
                expected: vec![("input.amount.amount", "INVALID")],
            },
            Refusal {
                field: "createFundingLine",
                input: json!({ "project": project, "kind": "GRANT", "amount": { "amount": "-1", "currency": "EUR" } }),
                expected: vec![("input.amount.amount", "OUT_OF_RANGE")],
            },
            Refusal {
                field: "createFundingLine",
                input: json!({ "project": project, "kind": "GRANT", "amount": { "amount": "1", "currency": "XYZ" } }),
                expected: vec![("input.amount.currency", "INVALID")],
            },
            Refusal {
                field: "createFundingLine",
                input: json!({
                    "project": project, "kind": "GRANT", "funder": funder("norway-grants"),
                    "programme": nordplus_adult, "amount": { "amount": "1", "currency": "EUR" },
                }),
                expected: vec![("input.programme", "INVALID")],
            },
            Refusal {
                field: "createParticipation",
                input: json!({ "project": project, "organisation": organisation, "role": "LEAD_PARTNER" }),
                expected: vec![
                    ("input.role", "DUPLICATE"),
                    ("input.organisation", "DUPLICATE"),
                ],
            },
            Refusal {
                field: "createParticipation",
                input: json!({ "project": "UHJvamVjdDo5OTk5OQ", "organisation": "garbage", "role": "PARTNER" }),
                expected: vec![
                    ("input.project", "NOT_FOUND"),
                    ("input.organisation", "NOT_FOUND"),
                ],
            },
            Refusal {
                field: "updateProgramme",
                input: json!({ "id": nordplus, "patch": { "parent": nordplus_adult } }),
                expected: vec![("input.patch.parent", "INVALID")],
            },
            Refusal {
                field: "createOutcome",
                input: json!({
                    "project": project, "kind": "INDICATOR", "title": [text("en", "People", true)],
                    "plannedQuantity": -1, "parent": outcome_elsewhere,
                }),
                expected: vec![
                    ("input.plannedQuantity", "OUT_OF_RANGE"),
                    ("input.unit", "REQUIRED"),
                    ("input.parent", "INVALID"),
                ],
            },
            Refusal {
                field: "createEvent",
                input: json!({
                    "project": project, "kind": "SEMINAR", "title": [text("en", "Seminar", true)],
                    "startDate": "2025-03-02", "endDate": "2025-03-01", "startTime": "10:00",
                    "timeZone": "Mars/Olympus",
                }),
                expected: vec![
                    ("input.endDate", "OUT_OF_RANGE"),
                    ("input.timeZone", "INVALID"),
                ],
            },
            Refusal {
                field: "createContact",
                input: json!({ "name": " ", "email": "anna@", "phone": "call me" }),
                expected: vec![
                    ("input.name", "REQUIRED"),
                    ("input.email", "INVALID"),
                    ("input.phone", "INVALID"),
                    ("input.project", "REQUIRED"),
                ],
            },
            Refusal {
                field: "updateOrganisation",
                input: json!({ "id": organisation, "patch": { "kind": null, "name": null } }),
                expected: vec![
                    ("input.patch.kind", "REQUIRED"),
                    ("input.patch.name", "REQUIRED"),
                ],
            },
            Refusal {
                field: "createSourceDocument",
                input: json!({ "fileName": "000_d747363f4d277559.txt", "title": "Again", "language": "xx" }),
                expected: vec![
                    ("input.language", "INVALID"),
                    ("input.fileName", "DUPLICATE"),
                ],
            },
        ];
        let before = app.data(COUNTS, json!({})).await;
        for refusal in refusals {
            let payload = mutate(&app, refusal.field, refusal.input.clone(), "__typename").await;
            let mut found = user_errors(&payload);
            let mut expected: Vec<(String, String)> = refusal
                .expected
                .iter()
                .map(|(path, code)| ((*path).to_owned(), (*code).to_owned()))
                .collect();
            found.sort();
            expected.sort();
            assert_eq!(
                found, expected,
                "[{}] {} {}",
                app.backend, refusal.field, refusal.input
            );
        }
        assert_eq!(
            app.data(COUNTS, json!({})).await,
            before,
            "[{}]",
            app.backend
        );
    }
}

/// How many records of each kind there are, and how the audit log stands.
const COUNTS: &str =
    "{ projects { totalCount } organisations { totalCount } programmes { totalCount }
  outcomes { totalCount } events { totalCount } places { totalCount } funders { totalCount } }";

#[tokio::test]
async fn a_record_others_depend_on_is_refused_with_in_use_naming_them() {
    for app in apps_with_writers().await {
        let (organisation, ..) = create_example(&app, "d").await;
        let in_participation = mutate(
            &app,
            "deleteOrganisation",
            json!({ "id": organisation }),
            "deletedId",
        )
        .await;
        assert_eq!(user_errors(&in_participation)[0].1, "IN_USE");
        let message = in_participation["userErrors"][0]["message"]
            .as_str()
            .expect("message");
        assert!(message.contains("1 participation"), "{message}");

        let funders = app
            .data("{ funders { nodes { id key } } }", json!({}))
            .await;
        let norway = crate::helpers::id_where(&funders["funders"], "key", "norway-grants");
        let with_lines = mutate(&app, "deleteFunder", json!({ "id": norway }), "deletedId").await;
        assert_eq!(user_errors(&with_lines)[0].1, "IN_USE");

        let places = app
            .data("{ places(first: 100) { nodes { id key } } }", json!({}))
            .await;
        let latvia = crate::helpers::id_where(&places["places"], "key", "lv");
        let in_use = mutate(&app, "deletePlace", json!({ "id": latvia }), "deletedId").await;
        assert_eq!(user_errors(&in_use)[0].1, "IN_USE");
    }
}

#[tokio::test]
async fn deleting_a_project_takes_its_records_texts_links_and_derived_rows_along() {
    use sea_orm::{ConnectionTrait, Statement};
    for app in apps_with_writers().await {
        let projects = app
            .data("{ projects(first: 10) { nodes { id key } } }", json!({}))
            .await;
        // Every seed project has texts, sources, participations and most have lines,
        // outcomes, events and contacts: delete them all.
        for node in projects["projects"]["nodes"].as_array().expect("nodes") {
            let deleted = mutate(
                &app,
                "deleteProject",
                json!({ "id": node["id"] }),
                "deletedId",
            )
            .await;
            assert_eq!(
                deleted["deletedId"], node["id"],
                "[{}] {deleted}",
                app.backend
            );
        }
        let orphans = |sql: &str| {
            let db = app.db.clone();
            let sql = sql.to_owned();
            async move {
                let row = db
                    .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                    .await
                    .expect("query")
                    .expect("row");
                row.try_get_by_index::<i64>(0).expect("count")
            }
        };
        for table in [
            "participations",
            "funding_lines",
            "outcomes",
            "events",
            "funding_line_years",
            "project_places",
        ] {
            assert_eq!(
                orphans(&format!("SELECT COUNT(*) FROM {table}")).await,
                0,
                "[{}] {table}",
                app.backend
            );
        }
        for (record, table) in [
            ("Project", "projects"),
            ("Participation", "participations"),
            ("FundingLine", "funding_lines"),
            ("Outcome", "outcomes"),
            ("Event", "events"),
            ("Contact", "contacts"),
        ] {
            for side in ["localized_texts", "record_sources"] {
                let sql = format!(
                    "SELECT COUNT(*) FROM {side} s WHERE s.record_type = '{record}' AND NOT EXISTS (SELECT 1 FROM {table} r WHERE r.id = s.record_id)"
                );
                assert_eq!(
                    orphans(&sql).await,
                    0,
                    "[{}] {side} of {record}",
                    app.backend
                );
            }
        }
        assert_eq!(
            orphans("SELECT COUNT(*) FROM funding_line_rollup").await,
            0,
            "[{}]",
            app.backend
        );
        let totals = app
            .data(
                "{ fundingTotals(groupBy: [FUNDER]) { groups { projectCount } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            totals["fundingTotals"]["groups"],
            json!([]),
            "[{}]",
            app.backend
        );
    }
}

#[tokio::test]
async fn every_change_leaves_an_audit_entry_that_admins_read_with_personal_data_hidden() {
    for app in apps_with_writers().await {
        let (_, project, ..) = create_example(&app, "log").await;
        let contact = mutate(
            &app,
            "createContact",
            json!({ "project": project, "name": "Anna", "email": "anna@example.lv", "phone": "+371 2612 3456" }),
            "contact { id }",
        )
        .await["contact"]["id"]
            .clone();
        mutate(
            &app,
            "updateContact",
            json!({ "id": contact, "patch": { "email": "anna@example.org" } }),
            "contact { id }",
        )
        .await;
        let query = "query($record: ID) { auditLog(first: 10, filter: { record: $record, actor: \"editor\" }) {
            nodes { actor role at operation recordType recordId version requestId changes { field old new } } } }";
        let log = app
            .post_as(ADMIN_KEY, query, json!({ "record": contact }))
            .await;
        let entries = log["data"]["auditLog"]["nodes"]
            .as_array()
            .expect("entries")
            .clone();
        assert_eq!(entries.len(), 2, "[{}] {log:#}", app.backend);
        assert_eq!(entries[0]["operation"], "UPDATE");
        assert_eq!(entries[0]["version"], 2);
        assert_eq!(entries[0]["role"], "editor");
        assert!(
            entries[0]["requestId"]
                .as_str()
                .is_some_and(|id| !id.is_empty())
        );
        assert_eq!(
            entries[0]["changes"],
            json!([{ "field": "email", "old": "\"[redacted]\"", "new": "\"[redacted]\"" }])
        );
        assert_eq!(entries[1]["operation"], "CREATE");
        let everything = app
            .post_as(
                ADMIN_KEY,
                "{ auditLog(first: 100) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(
            everything["data"]["auditLog"]["totalCount"], 6,
            "{everything}"
        );
        let as_editor = app
            .post_as(EDITOR_KEY, "{ auditLog { totalCount } }", json!({}))
            .await;
        assert_eq!(as_editor["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
}

#[tokio::test]
async fn a_source_document_is_attached_and_detached_with_a_new_version_each_time() {
    for app in apps_with_writers().await {
        let (_, project, ..) = create_example(&app, "p").await;
        let sources = app.data("{ sourceDocuments { id } }", json!({})).await;
        let source = sources["sourceDocuments"][0]["id"].clone();
        let link = json!({ "record": project, "source": source });
        let selection = "record { ... on Project { version sources { id } } }";
        let attached = mutate(&app, "attachSource", link.clone(), selection).await;
        assert_eq!(attached["record"]["version"], 2);
        assert_eq!(attached["record"]["sources"][0]["id"], source);
        let again = mutate(&app, "attachSource", link.clone(), selection).await;
        assert_eq!(
            user_errors(&again),
            [("input.source".to_owned(), "DUPLICATE".to_owned())]
        );
        let detached = mutate(&app, "detachSource", link.clone(), selection).await;
        assert_eq!(detached["record"]["version"], 3);
        assert_eq!(detached["record"]["sources"], json!([]));
        let in_use = mutate(
            &app,
            "deleteSourceDocument",
            json!({ "id": source }),
            "deletedId",
        )
        .await;
        assert_eq!(user_errors(&in_use)[0].1, "IN_USE");
    }
}

#[tokio::test]
async fn racing_creates_of_one_key_give_one_record_and_a_user_error_never_an_internal_one() {
    for app in apps_with_writers().await {
        for round in 0..5 {
            let create = || {
                mutate(
                    &app,
                    "createFunder",
                    json!({ "key": format!("twin-{round}"), "name": [text("en", "Twin", true)] }),
                    "funder { id }",
                )
            };
            let (a, b) = tokio::join!(create(), create());
            let made = [&a, &b].iter().filter(|p| !p["funder"].is_null()).count();
            assert_eq!(made, 1, "[{}] {a} / {b}", app.backend);
            let refused = if a["funder"].is_null() { &a } else { &b };
            // Found by the check (DUPLICATE), or by the unique index when both checked before
            // either wrote (CONFLICT).
            let code = &user_errors(refused)[0].1;
            assert!(
                code == "DUPLICATE" || code == "CONFLICT",
                "[{}] {refused}",
                app.backend
            );
        }
    }
}

#[tokio::test]
async fn aims_target_groups_and_identifiers_are_written_as_lists() {
    for app in apps_with_writers().await {
        let (organisation, project, ..) = create_example(&app, "l").await;
        let updated = mutate(
            &app,
            "updateProject",
            json!({ "id": project, "patch": {
                "aims": [[text("lv", "Mācīties", true), text("en", "To learn", false)], [text("lv", "Dalīties", true)]],
                "targetGroups": [[text("lv", "Pieaugušie", true)]],
            } }),
            "project { aims(lang: \"en\") targetGroups }",
        )
        .await;
        assert_eq!(user_errors(&updated), [], "[{}] {updated}", app.backend);
        assert_eq!(updated["project"]["aims"], json!(["To learn", "Dalīties"]));
        assert_eq!(updated["project"]["targetGroups"], json!(["Pieaugušie"]));
        let bad_aim = mutate(
            &app,
            "updateProject",
            json!({ "id": project, "patch": { "aims": [[text("lv", "A", false)]] } }),
            "project { id }",
        )
        .await;
        assert_eq!(
            user_errors(&bad_aim),
            [("input.patch.aims.0".to_owned(), "INVALID".to_owned())]
        );

        let with_ids = mutate(
            &app,
            "updateOrganisation",
            json!({ "id": organisation, "patch": { "identifiers": [{ "scheme": "LV-REG", "value": "40008000001" }] } }),
            "organisation { identifiers { scheme value } }",
        )
        .await;
        assert_eq!(
            with_ids["organisation"]["identifiers"],
            json!([{ "scheme": "LV-REG", "value": "40008000001" }])
        );
        let taken = mutate(
            &app,
            "createOrganisation",
            json!({ "key": "copycat", "kind": "NGO", "country": "LV", "name": [text("lv", "Kopija", true)],
                    "identifiers": [{ "scheme": "LV-REG", "value": "40008000001" }] }),
            "organisation { id }",
        )
        .await;
        assert_eq!(
            user_errors(&taken),
            [(
                "input.identifiers.0.value".to_owned(),
                "DUPLICATE".to_owned()
            )]
        );
    }
}
