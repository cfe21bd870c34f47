//! The access matrix: every mutation, every personal field and every admin-only query, against
//! anonymous callers, readers, an editor scoped to IIC (on records of its own project and
//! organisation, and on others') and admins; on both databases, once with issued API keys and
//! once with bearer tokens.

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, TestApp, id_where};
use crate::tokens::{KeySetServer, apps_with_tokens, bearer, claims};
use crate::writes::{mutate_as, text};

/// Who may run a mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Editors and admins (a new project, which has no partners yet).
    AnyWriter,
    /// Admins, and editors on their own organisations, projects and those projects' records.
    Scoped,
    /// Admins only (reference data, API keys).
    AdminOnly,
}

/// One mutation of the matrix: records made first (as the bootstrap admin), then the input.
/// Templates name the target project and organisation (`$project`, `$organisation`), the
/// shared reference records (`$funder`, `$programme`, `$place`, `$source`), the records made
/// first (`$s0`, `$s1`) and a number unique to the attempt (`$n`).
struct Row {
    field: &'static str,
    rule: Rule,
    steps: Vec<(&'static str, Value, &'static str)>,
    input: Value,
    /// For the editor's own target: an organisation key (template) the editor is also scoped to.
    also_scoped_to: Option<&'static str>,
}

fn row(field: &'static str, rule: Rule, input: Value) -> Row {
    Row {
        field,
        rule,
        steps: Vec::new(),
        input,
        also_scoped_to: None,
    }
}

impl Row {
    fn after(mut self, field: &'static str, input: Value, payload: &'static str) -> Self {
        self.steps.push((field, input, payload));
        self
    }
}

fn title() -> Value {
    json!([text("en", "Matrix $n", true)])
}

fn organisation() -> Value {
    json!({ "key": "m-org-$n", "kind": "NGO", "country": "LV", "name": title() })
}

fn rows() -> Vec<Row> {
    use Rule::{AdminOnly, AnyWriter, Scoped};
    let money = json!({ "amount": "10.00", "currency": "EUR" });
    let line = json!({ "project": "$project", "kind": "OTHER", "amount": money });
    let outcome = json!({ "project": "$project", "kind": "ACTIVITY", "title": title() });
    let event = json!({ "project": "$project", "kind": "SEMINAR", "title": title() });
    let contact = json!({ "project": "$project", "name": "Matrix $n" });
    let place = json!({ "key": "m-place-$n", "kind": "VENUE", "country": "LV", "name": title() });
    let source = json!({ "fileName": "m-$n.pdf", "title": "Matrix $n", "language": "en" });
    let participation = json!({ "project": "$project", "organisation": "$s0", "role": "PARTNER" });
    let link = json!({ "record": "$project", "source": "$s0" });
    vec![
        row(
            "createProject",
            AnyWriter,
            json!({ "key": "m-$n", "title": title() }),
        ),
        row(
            "updateProject",
            Scoped,
            json!({ "id": "$project", "patch": { "acronym": "M$n" } }),
        ),
        row("deleteProject", Scoped, json!({ "id": "$s0" }))
            .after(
                "createProject",
                json!({ "key": "m-$n", "title": title() }),
                "project",
            )
            .after(
                "createParticipation",
                json!({ "project": "$s0", "organisation": "$organisation", "role": "LEAD_PARTNER" }),
                "participation",
            ),
        row("createOrganisation", AdminOnly, organisation()),
        row(
            "updateOrganisation",
            Scoped,
            json!({ "id": "$organisation", "patch": { "city": "C$n" } }),
        ),
        Row {
            also_scoped_to: Some("m-org-$n"),
            ..row("deleteOrganisation", Scoped, json!({ "id": "$s0" })).after(
                "createOrganisation",
                organisation(),
                "organisation",
            )
        },
        row("createParticipation", Scoped, participation.clone()).after(
            "createOrganisation",
            organisation(),
            "organisation",
        ),
        row(
            "updateParticipation",
            Scoped,
            json!({ "id": "$s1", "patch": { "role": "ASSOCIATED_PARTNER" } }),
        )
        .after("createOrganisation", organisation(), "organisation")
        .after("createParticipation", participation.clone(), "participation"),
        row("deleteParticipation", Scoped, json!({ "id": "$s1" }))
            .after("createOrganisation", organisation(), "organisation")
            .after("createParticipation", participation, "participation"),
        row(
            "createFunder",
            AdminOnly,
            json!({ "key": "m-funder-$n", "name": title() }),
        ),
        row(
            "updateFunder",
            AdminOnly,
            json!({ "id": "$funder", "patch": { "website": "https://m$n.example.org" } }),
        ),
        row("deleteFunder", AdminOnly, json!({ "id": "$s0" })).after(
            "createFunder",
            json!({ "key": "m-funder-$n", "name": title() }),
            "funder",
        ),
        row(
            "createProgramme",
            AdminOnly,
            json!({ "key": "m-programme-$n", "funder": "$funder", "name": title() }),
        ),
        row(
            "updateProgramme",
            AdminOnly,
            json!({ "id": "$programme", "patch": { "code": "C$n" } }),
        ),
        row("deleteProgramme", AdminOnly, json!({ "id": "$s0" })).after(
            "createProgramme",
            json!({ "key": "m-programme-$n", "funder": "$funder", "name": title() }),
            "programme",
        ),
        row("createFundingLine", Scoped, line.clone()),
        row(
            "updateFundingLine",
            Scoped,
            json!({ "id": "$s0", "patch": { "amount": { "amount": "11.00", "currency": "EUR" } } }),
        )
        .after("createFundingLine", line.clone(), "fundingLine"),
        row("deleteFundingLine", Scoped, json!({ "id": "$s0" })).after(
            "createFundingLine",
            line,
            "fundingLine",
        ),
        row("createOutcome", Scoped, outcome.clone()),
        row(
            "updateOutcome",
            Scoped,
            json!({ "id": "$s0", "patch": { "plannedQuantity": 5, "unit": "people" } }),
        )
        .after("createOutcome", outcome.clone(), "outcome"),
        row("deleteOutcome", Scoped, json!({ "id": "$s0" })).after(
            "createOutcome",
            outcome,
            "outcome",
        ),
        row("createEvent", Scoped, event.clone()),
        row(
            "updateEvent",
            Scoped,
            json!({ "id": "$s0", "patch": { "onlinePlatform": "Zoom" } }),
        )
        .after("createEvent", event.clone(), "event"),
        row("deleteEvent", Scoped, json!({ "id": "$s0" })).after("createEvent", event, "event"),
        row("createContact", Scoped, contact.clone()),
        row(
            "updateContact",
            Scoped,
            json!({ "id": "$s0", "patch": { "role": "Coordinator" } }),
        )
        .after("createContact", contact.clone(), "contact"),
        row("deleteContact", Scoped, json!({ "id": "$s0" })).after(
            "createContact",
            contact,
            "contact",
        ),
        row("createPlace", AdminOnly, place.clone()),
        row(
            "updatePlace",
            AdminOnly,
            json!({ "id": "$place", "patch": { "code": "C$n" } }),
        ),
        row("deletePlace", AdminOnly, json!({ "id": "$s0" })).after(
            "createPlace",
            place,
            "place",
        ),
        row("createSourceDocument", AdminOnly, source.clone()),
        row(
            "updateSourceDocument",
            AdminOnly,
            json!({ "id": "$source", "patch": { "title": "Matrix $n" } }),
        ),
        row("deleteSourceDocument", AdminOnly, json!({ "id": "$s0" })).after(
            "createSourceDocument",
            source.clone(),
            "sourceDocument",
        ),
        row("attachSource", Scoped, link.clone()).after(
            "createSourceDocument",
            source.clone(),
            "sourceDocument",
        ),
        row("detachSource", Scoped, link.clone())
            .after("createSourceDocument", source, "sourceDocument")
            .after("attachSource", link, ""),
        row(
            "createApiKey",
            AdminOnly,
            json!({ "name": "m-key-$n", "role": "reader" }),
        ),
        row("revokeApiKey", AdminOnly, json!({ "name": "m-key-$n" })).after(
            "createApiKey",
            json!({ "name": "m-key-$n", "role": "reader" }),
            "",
        ),
        // A public address written as such: registering it needs no name lookup.
        row(
            "createWebhook",
            AdminOnly,
            json!({ "url": "https://93.184.216.34/m-$n" }),
        ),
        row("deleteWebhook", AdminOnly, json!({ "id": "$s0" })).after(
            "createWebhook",
            json!({ "url": "https://93.184.216.34/m-$n" }),
            "webhook",
        ),
    ]
}

/// Fills a template's placeholders.
fn fill(template: &Value, values: &[(String, String)]) -> Value {
    let mut text = template.to_string();
    // Longest names first, so `$s1` is not read as `$s` and `1`.
    let mut values = values.to_vec();
    values.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    for (name, value) in values {
        text = text.replace(&name, &value);
    }
    serde_json::from_str(&text).expect("a filled template")
}

/// How the matrix's callers identify themselves.
#[derive(Clone, Copy)]
enum Flavour {
    IssuedKeys,
    Tokens,
}

static ATTEMPT: AtomicU32 = AtomicU32::new(0);

/// A credential with `role`, scoped (for an editor) to the organisations with these keys.
async fn credential(app: &TestApp, flavour: Flavour, role: &str, organisations: &[&str]) -> String {
    match flavour {
        Flavour::Tokens => bearer(&claims(
            &format!("{role}-{}", ATTEMPT.fetch_add(1, Ordering::Relaxed)),
            role,
            organisations,
        )),
        Flavour::IssuedKeys => {
            let keys: Vec<String> = organisations.iter().map(|k| (*k).to_owned()).collect();
            let name = format!("matrix-{role}-{}", ATTEMPT.fetch_add(1, Ordering::Relaxed));
            api::service::api_keys::create(&app.db, &name, role, &keys, None)
                .await
                .expect("a key")
        }
    }
}

/// How a mutation ended: `OK`, the code of its first user error, or of its GraphQL error.
async fn outcome(app: &TestApp, credential: Option<&str>, field: &str, input: Value) -> String {
    let input_type = match field {
        "attachSource" | "detachSource" => "SourceLinkInput".to_owned(),
        _ => {
            let mut name: Vec<char> = field.chars().collect();
            name[0] = name[0].to_ascii_uppercase();
            format!("{}Input", name.into_iter().collect::<String>())
        }
    };
    let query = format!(
        "mutation($input: {input_type}!) {{ {field}(input: $input) {{ __typename userErrors {{ code message }} }} }}"
    );
    let body = match credential {
        Some(credential) => {
            app.post_as(credential, &query, json!({ "input": input }))
                .await
        }
        None => app.post(&query, json!({ "input": input })).await,
    };
    if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
        return code.to_owned();
    }
    match body["data"][field]["userErrors"][0]["code"].as_str() {
        Some(code) => format!(
            "{code}: {}",
            body["data"][field]["userErrors"][0]["message"]
        ),
        None => "OK".to_owned(),
    }
}

/// The IDs every row refers to.
async fn fixtures(app: &TestApp) -> Vec<(String, String)> {
    let n = ATTEMPT.fetch_add(1, Ordering::Relaxed);
    let projects = app
        .data("{ projects(first: 10) { nodes { id key } } }", json!({}))
        .await;
    let organisations = app
        .data(
            "{ organisations(first: 50) { nodes { id key } } }",
            json!({}),
        )
        .await;
    let funder = mutate_as(
        app,
        ADMIN_KEY,
        "createFunder",
        json!({ "key": format!("m-funder-f{n}"), "name": [text("en", "Matrix funder", true)] }),
        "funder { id }",
    )
    .await["funder"]["id"]
        .as_str()
        .expect("a funder")
        .to_owned();
    let programme = mutate_as(
        app,
        ADMIN_KEY,
        "createProgramme",
        json!({ "key": format!("m-programme-f{n}"), "funder": funder, "name": [text("en", "Matrix programme", true)] }),
        "programme { id }",
    )
    .await["programme"]["id"]
        .as_str()
        .expect("a programme")
        .to_owned();
    let place = mutate_as(
        app,
        ADMIN_KEY,
        "createPlace",
        json!({ "key": format!("m-place-f{n}"), "kind": "VENUE", "country": "LV", "name": [text("lv", "Zāle", true)] }),
        "place { id }",
    )
    .await["place"]["id"]
        .as_str()
        .expect("a place")
        .to_owned();
    let source = mutate_as(
        app,
        ADMIN_KEY,
        "createSourceDocument",
        json!({ "fileName": format!("m-f{n}.pdf"), "title": "Matrix", "language": "en" }),
        "sourceDocument { id }",
    )
    .await["sourceDocument"]["id"]
        .as_str()
        .expect("a source document")
        .to_owned();
    vec![
        (
            "own project".into(),
            id_where(&projects["projects"], "key", "darbigas-kopienas"),
        ),
        (
            "foreign project".into(),
            id_where(&projects["projects"], "key", "co-op"),
        ),
        (
            "own organisation".into(),
            id_where(&organisations["organisations"], "key", "iic"),
        ),
        (
            "foreign organisation".into(),
            id_where(&organisations["organisations"], "key", "interfolk"),
        ),
        ("$funder".into(), funder),
        ("$programme".into(), programme),
        ("$place".into(), place),
        ("$source".into(), source),
    ]
}

fn value_of<'a>(fixtures: &'a [(String, String)], name: &str) -> &'a str {
    fixtures
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// Runs every row against every caller and target, and returns the cells that differ from
/// what the rules say.
async fn mutation_mismatches(app: &TestApp, flavour: Flavour) -> Vec<String> {
    // The matrix covers the schema's mutations, all of them: a new one fails here until it
    // has a row.
    let schema = app
        .data(
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let mut in_schema: Vec<&str> = schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    let mut in_matrix: Vec<&str> = rows().iter().map(|r| r.field).collect();
    in_schema.sort_unstable();
    in_matrix.sort_unstable();
    assert_eq!(in_matrix, in_schema, "the matrix has one row per mutation");
    let fixtures = fixtures(app).await;
    let reader = credential(app, flavour, "reader", &[]).await;
    let admin = credential(app, flavour, "admin", &[]).await;
    let mut mismatches = Vec::new();
    for row in rows() {
        let targets: &[bool] = if row.rule == Rule::Scoped {
            &[true, false]
        } else {
            &[true]
        };
        for &own in targets {
            let (project, organisation) = if own {
                ("own project", "own organisation")
            } else {
                ("foreign project", "foreign organisation")
            };
            for caller in ["anonymous", "reader", "editor", "admin"] {
                let n = ATTEMPT.fetch_add(1, Ordering::Relaxed).to_string();
                let mut values: Vec<(String, String)> = fixtures
                    .iter()
                    .filter(|(name, _)| name.starts_with('$'))
                    .cloned()
                    .collect();
                values.push(("$project".into(), value_of(&fixtures, project).into()));
                values.push((
                    "$organisation".into(),
                    value_of(&fixtures, organisation).into(),
                ));
                values.push(("$n".into(), n.clone()));
                for (index, (field, input, payload)) in row.steps.iter().enumerate() {
                    let selection = if payload.is_empty() {
                        "__typename".to_owned()
                    } else {
                        format!("{payload} {{ id }}")
                    };
                    let made =
                        mutate_as(app, ADMIN_KEY, field, fill(input, &values), &selection).await;
                    assert_eq!(made["userErrors"], json!([]), "{field}: {made}");
                    if !payload.is_empty() {
                        let id = made[*payload]["id"].as_str().expect("an id").to_owned();
                        values.push((format!("$s{index}"), id));
                    }
                }
                let extra = row
                    .also_scoped_to
                    .filter(|_| own)
                    .map(|key| key.replace("$n", &n));
                let mut scope = vec!["iic"];
                scope.extend(extra.as_deref());
                let editor = credential(app, flavour, "editor", &scope).await;
                let credential = match caller {
                    "anonymous" => None,
                    "reader" => Some(reader.as_str()),
                    "editor" => Some(editor.as_str()),
                    _ => Some(admin.as_str()),
                };
                let expected = match (caller, row.rule, own) {
                    ("anonymous" | "reader", _, _) => "FORBIDDEN",
                    ("admin", _, _)
                    | ("editor", Rule::AnyWriter, _)
                    | ("editor", Rule::Scoped, true) => "OK",
                    _ => "FORBIDDEN",
                };
                let found = outcome(app, credential, row.field, fill(&row.input, &values)).await;
                if found != expected {
                    mismatches.push(format!(
                        "{} on the {} as {caller}: expected {expected}, got {found}",
                        row.field,
                        if own { "own target" } else { "foreign target" }
                    ));
                }
            }
        }
    }
    mismatches
}

/// Contacts' e-mail and phone, and the admin-only queries, for every caller; returns the cells
/// that differ from the rules.
async fn read_mismatches(app: &TestApp, flavour: Flavour) -> Vec<String> {
    let fixtures = fixtures(app).await;
    let mut contacts = Vec::new();
    for (target, own, holder) in [
        ("own project", true, "project"),
        ("foreign project", false, "project"),
        ("own organisation", true, "organisation"),
        ("foreign organisation", false, "organisation"),
    ] {
        let made = mutate_as(
            app,
            ADMIN_KEY,
            "createContact",
            json!({ holder: value_of(&fixtures, target), "name": format!("Matrix {target}"), "email": "person@example.org", "phone": "+371 20000000" }),
            "contact { id }",
        )
        .await;
        contacts.push((
            target,
            own,
            made["contact"]["id"]
                .as_str()
                .expect("a contact")
                .to_owned(),
        ));
    }
    let callers = [
        ("anonymous", None),
        (
            "reader",
            Some(credential(app, flavour, "reader", &[]).await),
        ),
        (
            "editor",
            Some(credential(app, flavour, "editor", &["iic"]).await),
        ),
        ("admin", Some(credential(app, flavour, "admin", &[]).await)),
    ];
    let mut mismatches = Vec::new();
    for (caller, credential) in &callers {
        for (target, own, id) in &contacts {
            for field in ["email", "phone"] {
                let query = format!(
                    "query($id: ID!) {{ node(id: $id) {{ ... on Contact {{ {field} }} }} }}"
                );
                let variables = json!({ "id": id });
                let body = match credential {
                    Some(credential) => app.post_as(credential, &query, variables).await,
                    None => app.post(&query, variables).await,
                };
                let shown = !body["data"]["node"][field].is_null();
                let code = body["errors"][0]["extensions"]["code"].as_str();
                let expected = *caller == "admin" || (*caller == "editor" && *own);
                if shown != expected || (!shown && code != Some("FORBIDDEN")) {
                    mismatches.push(format!(
                        "Contact.{field} on the {target} as {caller}: {body}"
                    ));
                }
            }
        }
        for query in [
            "{ auditLog(first: 1) { totalCount } }",
            "{ apiKeys { name } }",
        ] {
            let body = match credential {
                Some(credential) => app.post_as(credential, query, json!({})).await,
                None => app.post(query, json!({})).await,
            };
            let allowed = body.get("errors").is_none();
            let code = body["errors"][0]["extensions"]["code"].as_str();
            if allowed != (*caller == "admin") || (!allowed && code != Some("FORBIDDEN")) {
                mismatches.push(format!("{query} as {caller}: {body}"));
            }
        }
    }
    mismatches
}

#[tokio::test]
async fn every_mutation_and_personal_field_follows_the_rules_with_issued_keys() {
    let server = KeySetServer::start().await;
    for app in apps_with_tokens(&server).await {
        let mut mismatches = mutation_mismatches(&app, Flavour::IssuedKeys).await;
        mismatches.extend(read_mismatches(&app, Flavour::IssuedKeys).await);
        assert!(
            mismatches.is_empty(),
            "[{}] {} cells differ:\n{}",
            app.backend,
            mismatches.len(),
            mismatches.join("\n")
        );
    }
}

#[tokio::test]
async fn every_mutation_and_personal_field_follows_the_rules_with_tokens() {
    let server = KeySetServer::start().await;
    for app in apps_with_tokens(&server).await {
        let mut mismatches = mutation_mismatches(&app, Flavour::Tokens).await;
        mismatches.extend(read_mismatches(&app, Flavour::Tokens).await);
        assert!(
            mismatches.is_empty(),
            "[{}] {} cells differ:\n{}",
            app.backend,
            mismatches.len(),
            mismatches.join("\n")
        );
    }
}
