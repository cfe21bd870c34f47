//! Who may write what: anonymous callers and readers nothing; an editor scoped to an
//! organisation its organisation, that organisation's projects and their records (and a new
//! project it joins), plus the personal data of those contacts; an admin everything.

use serde_json::{Value, json};

use crate::helpers::{READER_KEY, TestApp, apps_with_writers, id_where};
use crate::writes::text;

/// Runs mutation `field` as `key` (none: anonymous) and tells how it ended: `OK`, the code of
/// its first user error, or the code of its GraphQL error.
async fn outcome(
    app: &TestApp,
    key: Option<&str>,
    field: &str,
    input: Value,
    selection: &str,
) -> String {
    let mut name: Vec<char> = field.chars().collect();
    name[0] = name[0].to_ascii_uppercase();
    let input_type = format!("{}Input", name.into_iter().collect::<String>());
    let query = format!(
        "mutation($input: {input_type}!) {{ {field}(input: $input) {{ {selection} userErrors {{ code }} }} }}"
    );
    let body = match key {
        Some(key) => app.post_as(key, &query, json!({ "input": input })).await,
        None => app.post(&query, json!({ "input": input })).await,
    };
    if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
        return code.to_owned();
    }
    match body["data"][field]["userErrors"][0]["code"].as_str() {
        Some(code) => code.to_owned(),
        None => "OK".to_owned(),
    }
}

#[tokio::test]
async fn each_role_writes_exactly_what_its_scope_allows() {
    for app in apps_with_writers().await {
        let editor = api::service::api_keys::create(
            &app.db,
            "iic-editor",
            "editor",
            &["iic".to_owned()],
            None,
        )
        .await
        .expect("issued");
        let admin = api::service::api_keys::create(&app.db, "root", "admin", &[], None)
            .await
            .expect("issued");
        let projects = app
            .data("{ projects(first: 10) { nodes { id key } } }", json!({}))
            .await;
        let own = id_where(&projects["projects"], "key", "darbigas-kopienas");
        let foreign = id_where(&projects["projects"], "key", "co-op");
        let organisations = app
            .data(
                "{ organisations(first: 50) { nodes { id key } } }",
                json!({}),
            )
            .await;
        let iic = id_where(&organisations["organisations"], "key", "iic");
        let interfolk = id_where(&organisations["organisations"], "key", "interfolk");

        let line = |project: &str| json!({ "project": project, "kind": "OTHER", "amount": { "amount": "10.00", "currency": "EUR" } });
        // (mutation, input, anonymous, reader, editor of iic, admin)
        let matrix: Vec<(&str, Value, [&str; 4])> = vec![
            (
                "updateProject",
                json!({ "id": own, "patch": { "acronym": "DK" } }),
                ["FORBIDDEN", "FORBIDDEN", "OK", "OK"],
            ),
            (
                "updateProject",
                json!({ "id": foreign, "patch": { "acronym": "CO" } }),
                ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "OK"],
            ),
            (
                "createFundingLine",
                line(&own),
                ["FORBIDDEN", "FORBIDDEN", "OK", "OK"],
            ),
            (
                "createFundingLine",
                line(&foreign),
                ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "OK"],
            ),
            (
                "updateOrganisation",
                json!({ "id": iic, "patch": { "city": "Rīga" } }),
                ["FORBIDDEN", "FORBIDDEN", "OK", "OK"],
            ),
            (
                "updateOrganisation",
                json!({ "id": interfolk, "patch": { "city": "Aarhus" } }),
                ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "OK"],
            ),
            (
                "createParticipation",
                json!({ "project": foreign, "organisation": iic, "role": "PARTNER" }),
                ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "OK"],
            ),
            (
                "createContact",
                json!({ "project": own, "name": "Ilze", "email": "ilze@example.lv" }),
                ["FORBIDDEN", "FORBIDDEN", "OK", "OK"],
            ),
            (
                "createContact",
                json!({ "organisation": interfolk, "name": "Søren" }),
                ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "OK"],
            ),
        ];
        for (index, (field, input, expected)) in matrix.iter().enumerate() {
            for (who, key) in [
                (0, None),
                (1, Some(READER_KEY)),
                (2, Some(editor.as_str())),
                (3, Some(admin.as_str())),
            ] {
                // Keys must stay unique across rows: admins and editors both create.
                let found = outcome(&app, key, field, input.clone(), "__typename").await;
                assert_eq!(
                    found, expected[who],
                    "[{}] row {index} {field} as {who}: {input}",
                    app.backend
                );
            }
        }
        for (field, input) in [
            (
                "createFunder",
                json!({ "key": "scoped-funder", "name": [text("en", "F", true)] }),
            ),
            (
                "createPlace",
                json!({ "key": "scoped-place", "kind": "VENUE", "country": "LV", "name": [text("lv", "Zāle", true)] }),
            ),
            (
                "createOrganisation",
                json!({ "key": "scoped-org", "kind": "NGO", "country": "LV", "name": [text("lv", "B", true)] }),
            ),
        ] {
            assert_eq!(
                outcome(&app, Some(&editor), field, input.clone(), "__typename").await,
                "FORBIDDEN",
                "[{}] {field}",
                app.backend
            );
            assert_eq!(
                outcome(&app, Some(&admin), field, input, "__typename").await,
                "OK",
                "[{}] {field}",
                app.backend
            );
        }

        // A new project is anyone's until a partner joins: the editor's own organisation may
        // join it, and from then on it is the editor's.
        let created = app
            .post_as(
                &editor,
                "mutation { createProject(input: { key: \"iic-new\", title: [{ lang: \"lv\", text: \"Jauns\", isOriginal: true }] }) { project { id } userErrors { code } } }",
                json!({}),
            )
            .await;
        let new_project = created["data"]["createProject"]["project"]["id"]
            .as_str()
            .expect("created")
            .to_owned();
        assert_eq!(
            outcome(
                &app,
                Some(&editor),
                "createParticipation",
                json!({ "project": new_project, "organisation": interfolk, "role": "PARTNER" }),
                "__typename"
            )
            .await,
            "FORBIDDEN",
            "another organisation cannot be made the first partner"
        );
        assert_eq!(
            outcome(
                &app,
                Some(&editor),
                "createParticipation",
                json!({ "project": new_project, "organisation": iic, "role": "LEAD_PARTNER" }),
                "__typename"
            )
            .await,
            "OK"
        );
        assert_eq!(
            outcome(
                &app,
                Some(&editor),
                "createFundingLine",
                line(&new_project),
                "__typename"
            )
            .await,
            "OK"
        );
    }
}

#[tokio::test]
async fn an_editor_sees_the_personal_data_of_its_own_projects_contacts_only() {
    for app in apps_with_writers().await {
        let editor = api::service::api_keys::create(
            &app.db,
            "iic-editor",
            "editor",
            &["iic".to_owned()],
            None,
        )
        .await
        .expect("issued");
        let query = "query($key: String!) { projects(filter: { text: $key }) { nodes { contacts { name email } } } }";
        let own = app
            .post_as(&editor, query, json!({ "key": "darbigas" }))
            .await;
        assert!(own.get("errors").is_none(), "[{}] {own}", app.backend);
        let emails: Vec<&str> = own["data"]["projects"]["nodes"][0]["contacts"]
            .as_array()
            .expect("contacts")
            .iter()
            .filter_map(|c| c["email"].as_str())
            .collect();
        assert!(emails.contains(&"iic.kristine@gmail.com"), "{emails:?}");
        let foreign = app
            .post_as(&editor, query, json!({ "key": "atminas" }))
            .await;
        assert_eq!(
            foreign["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "[{}] {foreign}",
            app.backend
        );
    }
}
