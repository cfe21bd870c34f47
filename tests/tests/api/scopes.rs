//! Scoped editors beyond the access matrix (`matrix`): a new project becomes theirs through
//! the first partner they add, and they see their own projects' contacts in listings.

use serde_json::{Value, json};

use crate::helpers::{TestApp, apps_with_writers, id_where};

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
async fn a_new_project_belongs_to_the_first_partner_an_editor_may_add() {
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
        let organisations = app
            .data(
                "{ organisations(first: 50) { nodes { id key } } }",
                json!({}),
            )
            .await;
        let iic = id_where(&organisations["organisations"], "key", "iic");
        let interfolk = id_where(&organisations["organisations"], "key", "interfolk");
        let line = |project: &str| json!({ "project": project, "kind": "OTHER", "amount": { "amount": "10.00", "currency": "EUR" } });

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
