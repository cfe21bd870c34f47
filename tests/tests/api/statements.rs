//! No N+1: a nested query runs the same number of SQL statements for 2 projects as for 50.

use std::path::Path;

use api::config::Settings;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{TestApp, backends, fresh_database};

/// Writes a synthetic dataset of `projects` projects in the seed format. Every project shares
/// the same organisations, places, funder and programme, so what the DataLoaders find in their
/// per-request cache is the same whatever the number of projects. With `bad_organisation`, the first
/// participation names an organisation that does not exist.
pub fn write_dataset(dir: &Path, projects: usize, bad_organisation: Option<&str>) {
    let source = "generated.txt";
    let countries = ["LV", "LT", "EE"];
    let mut places: Vec<Value> = countries
        .iter()
        .map(|c| json!({ "key": c.to_lowercase(), "kind": "COUNTRY", "code": c, "country": c, "name": { "en": c }, "sources": [source] }))
        .collect();
    for m in 0..5 {
        let country = countries[m % 3];
        places.push(json!({ "key": format!("m{m}"), "kind": "MUNICIPALITY", "parent": country.to_lowercase(),
            "country": country, "name": { "lv": format!("Pašvaldība {m}") }, "sources": [source] }));
    }
    let organisations: Vec<Value> = (0..10)
        .map(|o| json!({ "key": format!("org{o}"), "kind": "NGO", "country": countries[o % 3], "place": format!("m{}", o % 5),
            "name": { "lv": format!("Organizācija {o}"), "en": format!("Organisation {o}") }, "sources": [source] }))
        .collect();
    let funding = json!({
        "funders": [{ "key": "f0", "name": { "en": "Funder" }, "sources": [source] }],
        "programmes": [
            { "key": "p-root", "funder": "f0", "name": { "en": "Programme" }, "sources": [source] },
            { "key": "p-child", "funder": "f0", "parent": "p-root", "name": { "en": "Sub-programme" }, "sources": [source] }
        ]
    });
    let projects: Vec<Value> = (0..projects)
        .map(|p| {
            let lead = match (p, bad_organisation) {
                (0, Some(bad)) => bad.to_owned(),
                _ => "org0".to_owned(),
            };
            json!({
                "key": format!("project-{p}"), "sources": [source], "title": { "lv": format!("Projekts {p}") },
                "start": { "date": "2020-01-01", "precision": "DAY" }, "end": { "date": "2021-12-31", "precision": "DAY" },
                "programme": "p-child",
                "participations": [
                    { "organisation": lead, "role": "LEAD_PARTNER" },
                    { "organisation": "org1", "role": "PARTNER" },
                    { "organisation": "org2", "role": "PARTNER" }
                ],
                "funding_lines": [
                    { "kind": "GRANT", "funder": "f0", "programme": "p-child", "amount": format!("{}.25", 1000 + p), "currency": "EUR" },
                    { "kind": "OWN_CONTRIBUTION", "amount": "100.00", "currency": "EUR" }
                ],
                "places": ["m0", "lv"],
                "outcomes": [{ "kind": "WORK_PACKAGE", "code": "1", "title": { "lv": "Darba pakete" }, "children": [
                    { "kind": "DELIVERABLE", "code": "1.1", "title": { "lv": "Ziņojums" } },
                    { "kind": "INDICATOR", "title": { "lv": "Apmācīti cilvēki" }, "planned": 10, "unit": "people" }
                ] }],
                "events": [{ "kind": "TRAINING_CYCLE", "title": { "lv": "Cikls" }, "sessions": [
                    { "kind": "TRAINING_SESSION", "title": { "lv": "Nodarbība" }, "date": { "date": "2020-03-01", "precision": "DAY" } }
                ] }],
                "contacts": [{ "name": format!("Persona {p}"), "organisation": "org3" }]
            })
        })
        .collect();
    let files = [
        (
            "sources.json",
            json!([{ "file": source, "language": "en", "title": "Generated test data" }]),
        ),
        ("places.json", json!(places)),
        ("organisations.json", json!(organisations)),
        ("funding.json", funding),
        ("projects.json", json!(projects)),
    ];
    for (name, value) in files {
        std::fs::write(dir.join(name), value.to_string()).expect("dataset written");
    }
}

/// Projects with their partners and the partners' organisations, places, funding lines with
/// programme and funder, outcomes, events, contacts and sources. Each loader serves one place in the query,
/// so every relation is one batch: one statement per relation, whatever the number of projects.
const NESTED: &str = r#"{ projects(first: 100) { totalCount nodes {
    title
    participations { role organisation { name(lang: "en") country shortName } }
    fundingLines { kind amount { amount currency } programme { name funder { name } } }
    outcomes { title children { kind plannedQuantity unit } }
    events { sessions { date } }
    places { name }
    contacts { name }
    sources { fileName }
} } }"#;

async fn statements_for(backend: &'static str, projects: usize) -> (u64, Value) {
    let data = TempDir::new().expect("temp dir");
    write_dataset(data.path(), projects, None);
    let dir = TempDir::new().expect("temp dir");
    let mut settings = Settings::for_database(fresh_database(backend, dir.path()).await, 0);
    settings.seed_dir = Some(data.path().to_owned());
    // No batch window: a batch runs when the request can go no further without it, so the
    // count holds however long registering a relation's keys takes.
    settings.loader_delay_ms = 0;
    // 100 projects with eight nested lists cost more than one request may by default.
    settings.max_query_cost = 200_000;
    settings.rate_limit_capacity = 200_000;
    settings.rate_limit_capacity_reader = 200_000;
    settings.rate_limit_capacity_editor = 200_000;
    settings.rate_limit_capacity_admin = 200_000;
    let app = TestApp::start(backend, settings, dir).await;
    let before = app.statements.get();
    let data = app.data(NESTED, json!({})).await;
    (app.statements.get() - before, data)
}

#[tokio::test]
async fn a_nested_query_runs_as_many_statements_for_50_projects_as_for_2() {
    for backend in backends() {
        let (small, small_data) = statements_for(backend, 2).await;
        let (large, large_data) = statements_for(backend, 50).await;
        assert_eq!(small_data["projects"]["totalCount"], 2, "[{backend}]");
        assert_eq!(large_data["projects"]["totalCount"], 50);
        let last = &large_data["projects"]["nodes"][49];
        assert_eq!(last["participations"].as_array().map(Vec::len), Some(3));
        assert_eq!(last["fundingLines"][0]["amount"]["amount"], "1049.25");
        assert_eq!(
            last["fundingLines"][0]["programme"]["funder"]["name"],
            "Funder"
        );
        assert_eq!(last["outcomes"][0]["children"][1]["plannedQuantity"], 10);
        assert_eq!(
            small, large,
            "[{backend}] statements for 2 projects: {small}, for 50: {large}"
        );
        // 1 to charge the rate-limit bucket, 2 for the page (COUNT and SELECT), and one per
        // relation and per type's texts.
        assert_eq!(small, 22, "[{backend}] statements for one request");
    }
}
