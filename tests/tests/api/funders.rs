//! A project is funded by a funder however its source names it: as its programme's funder, as
//! a funding line's funder, or as a partner with the role FUNDER (source 001 names British
//! Council so, with no amount). The project filter, `Funder.projects` and the funding totals
//! all agree, for every seed project.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Funder key to the keys of the projects the seed sources say it funds.
fn expected() -> BTreeMap<&'static str, Vec<&'static str>> {
    BTreeMap::from([
        ("british-council", vec!["darbigas-kopienas"]),
        ("european-union", vec!["kopstrade-jaunatnes-centros"]),
        ("nordic-council-of-ministers", vec!["co-op"]),
        (
            "norway-grants",
            vec!["kulturos-istaigu-kompetenciju-ugdymas"],
        ),
    ])
}

fn keys(list: &Value) -> Vec<String> {
    let mut keys: Vec<String> = list
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|p| p["key"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    keys.sort();
    keys
}

#[tokio::test]
async fn every_seed_project_is_found_under_the_funder_its_source_names() {
    for app in TestApp::all().await {
        let funders = app
            .data(
                "{ funders { nodes { id key projects { key } } } }",
                json!({}),
            )
            .await;
        let nodes = funders["funders"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(nodes.len(), expected().len(), "[{}] {funders}", app.backend);
        for node in &nodes {
            let key = node["key"].as_str().unwrap_or_default();
            let want = &expected()[key];
            assert_eq!(
                &keys(&node["projects"]),
                want,
                "[{}] Funder.projects of {key}",
                app.backend
            );

            let filtered = app
                .data(
                    "query($f: [ID!]) { projects(filter: { funder: $f }) { nodes { key } } }",
                    json!({ "f": [node["id"]] }),
                )
                .await;
            assert_eq!(
                &keys(&filtered["projects"]["nodes"]),
                want,
                "[{}] projects(filter: {{ funder }}) of {key}",
                app.backend
            );
        }
    }
}

#[tokio::test]
async fn funding_totals_by_funder_count_the_projects_funded_without_an_amount() {
    for app in TestApp::all().await {
        let totals = app
            .data(
                "{ fundingTotals(groupBy: [FUNDER]) {
                     groups { funder { key } amount { amount currency } projectCount }
                     fundedWithoutAmount { funder { key } projectCount }
                   } }",
                json!({}),
            )
            .await;
        let totals = &totals["fundingTotals"];
        let with_amount: Vec<(Value, Value)> = totals["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| (g["funder"]["key"].clone(), g["amount"]["amount"].clone()))
            .collect();
        assert!(
            with_amount.contains(&(json!("norway-grants"), json!("96352.40"))),
            "[{}] {totals}",
            app.backend
        );
        let without: BTreeMap<String, i64> = totals["fundedWithoutAmount"]
            .as_array()
            .expect("fundedWithoutAmount")
            .iter()
            .map(|f| {
                (
                    f["funder"]["key"].as_str().unwrap_or_default().to_owned(),
                    f["projectCount"].as_i64().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            without,
            BTreeMap::from([
                ("british-council".to_owned(), 1),
                ("european-union".to_owned(), 1),
                ("nordic-council-of-ministers".to_owned(), 1),
            ]),
            "[{}] Norway Grants states its amount, so it is in `groups` only",
            app.backend
        );

        // The project filter applies: the title "Darbīgās kopienas" keeps the British Council
        // project.
        let latvian = app
            .data(
                r#"{ fundingTotals(groupBy: [FUNDER], filter: { projects: { text: "\"darbigas kopienas\"" } }) {
                     fundedWithoutAmount { funder { key } projectCount } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            latvian["fundingTotals"]["fundedWithoutAmount"],
            json!([{ "funder": { "key": "british-council" }, "projectCount": 1 }]),
            "[{}]",
            app.backend
        );
    }
}
