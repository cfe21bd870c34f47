//! Every record type through its whole life: created with texts and a source link, updated
//! with its version, deleted with what it owns, leaving no text, source link or derived row.

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{TestApp, apps_with_writers};
use crate::writes::{mutate, text, user_errors};

/// Creates a record, checks the payload, attaches a source to it, and returns its ID.
async fn create(app: &TestApp, field: &str, record: &str, input: Value, source: &Value) -> String {
    let payload = mutate(app, field, input, &format!("{record} {{ id version }}")).await;
    assert_eq!(
        user_errors(&payload),
        [],
        "[{}] {field}: {payload}",
        app.backend
    );
    assert_eq!(payload[record]["version"], 1);
    let id = payload[record]["id"].as_str().expect("id").to_owned();
    let linked = mutate(
        app,
        "attachSource",
        json!({ "record": id, "source": source }),
        "record { id }",
    )
    .await;
    assert_eq!(
        user_errors(&linked),
        [],
        "[{}] attach to {field}",
        app.backend
    );
    id
}

async fn update(app: &TestApp, field: &str, record: &str, id: &str, patch: Value) {
    let payload = mutate(
        app,
        field,
        json!({ "id": id, "expectedVersion": 2, "patch": patch }),
        &format!("{record} {{ version }}"),
    )
    .await;
    assert_eq!(
        user_errors(&payload),
        [],
        "[{}] {field}: {payload}",
        app.backend
    );
    assert_eq!(payload[record]["version"], 3, "[{}] {field}", app.backend);
}

async fn delete(app: &TestApp, field: &str, id: &str) {
    let payload = mutate(
        app,
        field,
        json!({ "id": id, "expectedVersion": 3 }),
        "deletedId",
    )
    .await;
    assert_eq!(
        user_errors(&payload),
        [],
        "[{}] {field}: {payload}",
        app.backend
    );
    assert_eq!(payload["deletedId"], id);
}

/// Texts and source links of records that no longer exist, per record type.
async fn orphans(app: &TestApp) -> Vec<String> {
    let tables = [
        ("SourceDocument", "source_documents"),
        ("Place", "places"),
        ("Organisation", "organisations"),
        ("Funder", "funders"),
        ("Programme", "programmes"),
        ("Project", "projects"),
        ("Participation", "participations"),
        ("FundingLine", "funding_lines"),
        ("Outcome", "outcomes"),
        ("Event", "events"),
        ("Contact", "contacts"),
    ];
    let mut found = Vec::new();
    for (record, table) in tables {
        for side in ["localized_texts", "record_sources"] {
            let sql = format!(
                "SELECT COUNT(*) FROM {side} s WHERE s.record_type = '{record}' AND NOT EXISTS (SELECT 1 FROM {table} r WHERE r.id = s.record_id)"
            );
            let count = app
                .db
                .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
                .await
                .expect("query")
                .expect("row")
                .try_get_by_index::<i64>(0)
                .expect("count");
            if count > 0 {
                found.push(format!("{count} {side} of {record}"));
            }
        }
    }
    for sql in [
        "SELECT COUNT(*) FROM funding_line_years y WHERE NOT EXISTS (SELECT 1 FROM funding_lines l WHERE l.id = y.funding_line_id)",
        "SELECT COUNT(*) FROM programme_ancestors a WHERE NOT EXISTS (SELECT 1 FROM programmes p WHERE p.id = a.programme_id)",
    ] {
        let count = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .expect("query")
            .expect("row")
            .try_get_by_index::<i64>(0)
            .expect("count");
        if count > 0 {
            found.push(format!("{count} rows of: {sql}"));
        }
    }
    found
}

#[tokio::test]
async fn every_record_type_is_created_updated_and_deleted_leaving_nothing_behind() {
    for app in apps_with_writers().await {
        let source = mutate(
            &app,
            "createSourceDocument",
            json!({ "fileName": "life.html", "title": "Life", "language": "en" }),
            "sourceDocument { id }",
        )
        .await["sourceDocument"]["id"]
            .clone();
        let existing = app.data("{ sourceDocuments { id } }", json!({})).await["sourceDocuments"]
            [0]["id"]
            .clone();
        let place = create(
            &app,
            "createPlace",
            "place",
            json!({
                "key": "life-town", "kind": "MUNICIPALITY", "country": "LV",
                "name": [text("lv", "Dzīves pilsēta", true), text("en", "Life town", false)],
            }),
            &existing,
        )
        .await;
        let organisation = create(
            &app,
            "createOrganisation",
            "organisation",
            json!({
                "key": "life-org", "kind": "MUSEUM", "country": "LV", "place": place,
                "name": [text("lv", "Dzīves muzejs", true)],
            }),
            &existing,
        )
        .await;
        let funder = create(
            &app,
            "createFunder",
            "funder",
            json!({
                "key": "life-fund", "country": "NO", "organisation": organisation,
                "name": [text("no", "Livsfondet", true)],
            }),
            &existing,
        )
        .await;
        let parent_programme = create(
            &app,
            "createProgramme",
            "programme",
            json!({
                "key": "life-programme", "funder": funder, "code": "LF",
                "name": [text("en", "Life programme", true)],
            }),
            &existing,
        )
        .await;
        let programme = create(
            &app,
            "createProgramme",
            "programme",
            json!({
                "key": "life-sub-programme", "funder": funder, "parent": parent_programme,
                "name": [text("en", "Life sub-programme", true)],
            }),
            &existing,
        )
        .await;
        let project = create(
            &app,
            "createProject",
            "project",
            json!({
                "key": "life-project", "title": [text("lv", "Dzīve", true)],
                "summary": [text("lv", "Kopsavilkums", true)], "programme": programme,
                "startDate": "2024-03-01", "endDate": "2025-02-28", "places": [place],
            }),
            &existing,
        )
        .await;
        let participation = create(
            &app,
            "createParticipation",
            "participation",
            json!({
                "project": project, "organisation": organisation, "role": "PARTNER",
            }),
            &existing,
        )
        .await;
        let line = create(
            &app,
            "createFundingLine",
            "fundingLine",
            json!({
                "project": project, "kind": "GRANT", "funder": funder, "programme": programme,
                "amount": { "amount": "1000.00", "currency": "NOK" },
                "description": [text("no", "Tilskudd", true)],
            }),
            &existing,
        )
        .await;
        let work_package = create(
            &app,
            "createOutcome",
            "outcome",
            json!({
                "project": project, "kind": "WORK_PACKAGE", "title": [text("en", "WP", true)],
            }),
            &existing,
        )
        .await;
        let outcome = create(&app, "createOutcome", "outcome", json!({
            "project": project, "kind": "INDICATOR", "parent": work_package, "place": place,
            "title": [text("en", "People trained", true)], "plannedQuantity": 150, "unit": "people",
        }), &existing).await;
        let cycle = create(
            &app,
            "createEvent",
            "event",
            json!({
                "project": project, "kind": "TRAINING_CYCLE", "title": [text("en", "Cycle", true)],
                "startDate": "2024-04-01", "endDate": "2024-05-01",
            }),
            &existing,
        )
        .await;
        let session = create(
            &app,
            "createEvent",
            "event",
            json!({
                "project": project, "kind": "TRAINING_SESSION", "parent": cycle, "place": place,
                "title": [text("en", "Session", true)], "startDate": "2024-04-02",
                "startTime": "10:00", "endTime": "12:00", "timeZone": "Europe/Riga",
            }),
            &existing,
        )
        .await;
        let contact = create(
            &app,
            "createContact",
            "contact",
            json!({
                "project": project, "organisation": organisation, "name": "Līga",
                "email": "liga@example.lv", "phone": "+371 2000 0000",
            }),
            &existing,
        )
        .await;

        update(
            &app,
            "updatePlace",
            "place",
            &place,
            json!({ "name": [text("lv", "Jaunā pilsēta", true)] }),
        )
        .await;
        let found = app
            .data(
                r#"{ projects(filter: { text: "\"jauna pilseta\"" }) { nodes { key } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            found["projects"]["nodes"],
            json!([{ "key": "life-project" }]),
            "[{}] a place's new name finds its projects",
            app.backend
        );
        update(
            &app,
            "updateOrganisation",
            "organisation",
            &organisation,
            json!({ "city": "Jelgava" }),
        )
        .await;
        update(
            &app,
            "updateFunder",
            "funder",
            &funder,
            json!({ "website": "https://fund.example.no" }),
        )
        .await;
        update(
            &app,
            "updateProgramme",
            "programme",
            &programme,
            json!({ "code": "LF-1" }),
        )
        .await;
        update(
            &app,
            "updateProject",
            "project",
            &project,
            json!({ "acronym": "LIFE" }),
        )
        .await;
        update(
            &app,
            "updateParticipation",
            "participation",
            &participation,
            json!({ "role": "ASSOCIATED_PARTNER" }),
        )
        .await;
        update(
            &app,
            "updateFundingLine",
            "fundingLine",
            &line,
            json!({ "kind": "OTHER" }),
        )
        .await;
        update(
            &app,
            "updateOutcome",
            "outcome",
            &outcome,
            json!({ "achievedQuantity": 120 }),
        )
        .await;
        update(
            &app,
            "updateEvent",
            "event",
            &session,
            json!({ "onlinePlatform": "Zoom" }),
        )
        .await;
        update(
            &app,
            "updateContact",
            "contact",
            &contact,
            json!({ "role": "coordinator" }),
        )
        .await;
        let described = mutate(
            &app,
            "updateSourceDocument",
            json!({ "id": source, "expectedVersion": 1, "patch": { "description": "A test" } }),
            "sourceDocument { version description }",
        )
        .await;
        assert_eq!(described["sourceDocument"]["version"], 2, "{described}");

        // Owned records first where the owner refuses while they exist, then the owners.
        delete(&app, "deleteContact", &contact).await;
        delete(&app, "deleteEvent", &session).await;
        let cycle_payload = mutate(&app, "deleteEvent", json!({ "id": cycle }), "deletedId").await;
        assert_eq!(cycle_payload["deletedId"], cycle);
        delete(&app, "deleteOutcome", &outcome).await;
        delete(&app, "deleteFundingLine", &line).await;
        delete(&app, "deleteParticipation", &participation).await;
        delete(&app, "deleteProject", &project).await;
        let wp = mutate(
            &app,
            "deleteOutcome",
            json!({ "id": work_package }),
            "deletedId",
        )
        .await;
        assert_eq!(
            user_errors(&wp)[0].1,
            "NOT_FOUND",
            "the work package went with its project"
        );
        delete(&app, "deleteProgramme", &programme).await;
        let parent = mutate(
            &app,
            "deleteProgramme",
            json!({ "id": parent_programme }),
            "deletedId",
        )
        .await;
        assert_eq!(parent["deletedId"], parent_programme);
        delete(&app, "deleteFunder", &funder).await;
        delete(&app, "deleteOrganisation", &organisation).await;
        delete(&app, "deletePlace", &place).await;
        let source_id = source.as_str().expect("id").to_owned();
        let payload = mutate(
            &app,
            "deleteSourceDocument",
            json!({ "id": source_id, "expectedVersion": 2 }),
            "deletedId",
        )
        .await;
        assert_eq!(
            payload["deletedId"], source_id,
            "[{}] {payload}",
            app.backend
        );

        assert_eq!(
            orphans(&app).await,
            Vec::<String>::new(),
            "[{}]",
            app.backend
        );
    }
}
