//! Dashboards' figures: exact, computed by the database, the same on SQLite and PostgreSQL.

use api::config::Settings;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{TestApp, backends, fresh_database};
use crate::statements::write_dataset;

fn amounts(groups: &Value, key: &str) -> Vec<(Value, String)> {
    groups["groups"]
        .as_array()
        .map(|g| {
            g.iter()
                .map(|g| {
                    (
                        g[key].clone(),
                        g["amount"]["amount"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn funding_totals_of_the_seed_are_exact_in_every_grouping() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ byFunder: fundingTotals(groupBy: [FUNDER, YEAR]) { hasMore groups { funder { key } year amount { amount currency } projectCount lineCount } }
                    proRata: fundingTotals(groupBy: [YEAR], yearMode: PRO_RATA) { groups { year amount { amount currency } } }
                    tree: fundingTotals(groupBy: [PROGRAMME_TREE], filter: { kind: [GRANT] }) { groups { programme { key } amount { amount } } }
                    root: fundingTotals(groupBy: [PROGRAMME_ROOT]) { groups { programme { key } amount { amount } } }
                    kinds: fundingTotals(groupBy: [KIND, LEAD_COUNTRY]) { groups { kind country amount { amount } } }
                    countries: fundingTotals(groupBy: [PARTICIPANT_COUNTRY]) { groups { country amount { amount } projectCount } }
                    none: fundingTotals(groupBy: [], filter: { projects: { country: ["DK"] } }) { groups { amount { amount } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            data["byFunder"],
            json!({ "hasMore": false, "groups": [
                { "funder": { "key": "norway-grants" }, "year": 2015, "amount": { "amount": "96352.40", "currency": "EUR" }, "projectCount": 1, "lineCount": 1 },
                { "funder": null, "year": 2015, "amount": { "amount": "17003.36", "currency": "EUR" }, "projectCount": 1, "lineCount": 1 }
            ] }),
            "[{}]",
            app.backend
        );
        // 114 of the project's 388 days fall in 2015: the parts add up to 113355.76 exactly.
        assert_eq!(
            amounts(&data["proRata"], "year"),
            vec![
                (json!(2015), "33305.56".into()),
                (json!(2016), "80050.20".into())
            ]
        );
        assert_eq!(
            amounts(&data["tree"], "programme"),
            vec![
                (
                    json!({ "key": "norway-grants-2009-2014" }),
                    "96352.40".into()
                ),
                (json!({ "key": "lt10" }), "96352.40".into())
            ]
        );
        assert_eq!(
            amounts(&data["root"], "programme"),
            vec![
                (
                    json!({ "key": "norway-grants-2009-2014" }),
                    "96352.40".into()
                ),
                (Value::Null, "17003.36".into())
            ]
        );
        assert_eq!(
            data["kinds"]["groups"][0],
            json!({ "kind": "GRANT", "country": "LT", "amount": { "amount": "96352.40" } })
        );
        assert_eq!(
            data["countries"]["groups"],
            json!([{ "country": "LT", "amount": { "amount": "113355.76" }, "projectCount": 1 },
                   { "country": "NO", "amount": { "amount": "113355.76" }, "projectCount": 1 }])
        );
        assert_eq!(data["none"]["groups"], json!([]));
    }
}

#[tokio::test]
async fn stated_totals_are_checked_against_the_funding_lines() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ projects(orderBy: [{ field: KEY }]) { nodes { key fundingCheck { stated { amount currency } computed { amount currency } difference { amount } status } } } }"#,
                json!({}),
            )
            .await;
        let lithuanian = data["projects"]["nodes"]
            .as_array()
            .and_then(|n| {
                n.iter()
                    .find(|p| p["key"] == "kulturos-istaigu-kompetenciju-ugdymas")
            })
            .cloned();
        assert_eq!(
            lithuanian.map(|p| p["fundingCheck"].clone()),
            Some(
                json!({ "stated": { "amount": "113355.76", "currency": "EUR" }, "computed": [{ "amount": "113355.76", "currency": "EUR" }],
                         "difference": { "amount": "0.00" }, "status": "MATCHES" })
            ),
            "[{}]",
            app.backend
        );
        assert_eq!(
            data["projects"]["nodes"][0]["fundingCheck"]["status"],
            "NO_STATED_TOTAL"
        );
    }
}

#[tokio::test]
async fn a_mismatch_between_stated_and_computed_totals_is_flagged() {
    let check = |stated: Option<(i64, &str)>, computed: Vec<(String, i64)>| {
        api::graphql::funding::funding_check(stated, &computed).status
    };
    use api::graphql::funding::FundingCheckStatus::*;
    assert_eq!(
        check(Some((100, "EUR")), vec![("EUR".into(), 99)]),
        Mismatch
    );
    assert_eq!(
        check(Some((100, "EUR")), vec![("EUR".into(), 100)]),
        Matches
    );
    assert_eq!(
        check(Some((100, "EUR")), vec![("USD".into(), 100)]),
        Mismatch
    );
    assert_eq!(check(Some((100, "EUR")), vec![]), NoLines);
    assert_eq!(check(None, vec![("EUR".into(), 100)]), NoStatedTotal);
}

#[tokio::test]
async fn partnership_and_outcome_figures_of_the_seed() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ partnershipSummary { projectCount crossBorderProjectCount countryCount organisationCount }
                    lv: partnershipSummary(filter: { country: ["LV"] }) { projectCount crossBorderProjectCount }
                    countryFigures { country projectCount leadProjectCount organisationCount }
                    countryNetwork(minSharedProjects: 2) { links { countryA countryB sharedProjects } hasMore }
                    crossBorder: projects(filter: { crossBorder: true }) { totalCount }
                    outcomeTotals(filter: { unit: ["people", "meetings"] }) { groups { unit planned achieved outcomeCount projectCount } hasMore }
                    byKind: outcomeTotals(groupBy: [KIND], filter: { unit: ["meetings"] }) { groups { kind unit planned } }
                    cut: outcomeTotals(limit: 1) { groups { unit } hasMore }
                    organisations(filter: { text: "ateities" }) { nodes { figures { projectsAsLead projectsAsPartner fundingHandled { amount currency } repeatPartners { sharedProjects } } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            data["partnershipSummary"],
            json!({ "projectCount": 5, "crossBorderProjectCount": 3, "countryCount": 7, "organisationCount": 17 }),
            "[{}]",
            app.backend
        );
        assert_eq!(
            data["lv"],
            json!({ "projectCount": 4, "crossBorderProjectCount": 2 })
        );
        let lv = data["countryFigures"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["country"] == "LV"))
            .cloned();
        assert_eq!(
            lv,
            Some(
                json!({ "country": "LV", "projectCount": 4, "leadProjectCount": 2, "organisationCount": 7 })
            )
        );
        assert_eq!(
            data["countryNetwork"],
            json!({ "links": [{ "countryA": "LT", "countryB": "NO", "sharedProjects": 2 }], "hasMore": false })
        );
        assert_eq!(data["crossBorder"]["totalCount"], 3);
        assert_eq!(
            data["outcomeTotals"],
            json!({ "groups": [{ "unit": "meetings", "planned": 12, "achieved": null, "outcomeCount": 2, "projectCount": 2 },
                   { "unit": "people", "planned": 150, "achieved": null, "outcomeCount": 1, "projectCount": 1 }], "hasMore": false })
        );
        assert_eq!(
            data["byKind"]["groups"],
            json!([{ "kind": "ACTIVITY", "unit": "meetings", "planned": 12 }])
        );
        // A list cut by its limit says so.
        assert_eq!(data["cut"]["groups"].as_array().map(Vec::len), Some(1));
        assert_eq!(data["cut"]["hasMore"], true);
        assert_eq!(
            data["organisations"]["nodes"][0]["figures"],
            json!({ "projectsAsLead": 1, "projectsAsPartner": 0, "fundingHandled": [{ "amount": "113355.76", "currency": "EUR" }], "repeatPartners": [] })
        );
    }
}

const GENERATED: &str = r#"{
    total: fundingTotals(groupBy: [KIND]) { groups { kind amount { amount } projectCount lineCount } }
    years: fundingTotals(groupBy: [YEAR], yearMode: PRO_RATA) { groups { year amount { amount } lineCount } }
    countries: fundingTotals(groupBy: [PARTICIPANT_COUNTRY, FUNDER]) { groups { country funder { key } amount { amount } projectCount } }
    summary: partnershipSummary { projectCount crossBorderProjectCount countryCount organisationCount }
    pairs: organisationNetwork(minSharedProjects: 2) { links { organisationA { key } organisationB { key } sharedProjects } hasMore }
    people: outcomeTotals(filter: { unit: ["people"] }) { groups { planned outcomeCount } }
    organisations(filter: { text: "organisation 0" }) { nodes { figures { projectsAsLead repeatPartners { sharedProjects } } } }
}"#;

async fn generated_app(backend: &'static str, projects: usize) -> TestApp {
    let data = TempDir::new().expect("temp dir");
    write_dataset(data.path(), projects, None);
    let dir = TempDir::new().expect("temp dir");
    let mut settings = Settings::for_database(fresh_database(backend, dir.path()).await, 0);
    settings.seed_dir = Some(data.path().to_owned());
    TestApp::start(backend, settings, dir).await
}

#[tokio::test]
async fn figures_of_generated_data_match_totals_known_in_advance() {
    for backend in backends() {
        let app = generated_app(backend, 50).await;
        let data = app.data(GENERATED, json!({})).await;
        // Grants are 1000.25 + p for p in 0..50; own contributions 100.00 each.
        assert_eq!(
            data["total"]["groups"],
            json!([{ "kind": "GRANT", "amount": { "amount": "51237.50" }, "projectCount": 50, "lineCount": 50 },
                   { "kind": "OWN_CONTRIBUTION", "amount": { "amount": "5000.00" }, "projectCount": 50, "lineCount": 50 }]),
            "[{backend}]"
        );
        // 2020 has 366 of the 731 project days; the two years add up to 56237.50 to the cent.
        let years = amounts(&data["years"], "year");
        assert_eq!(
            years.iter().map(|y| y.0.clone()).collect::<Vec<_>>(),
            vec![json!(2020), json!(2021)]
        );
        let cents: i64 = years
            .iter()
            .map(|y| y.1.replace('.', "").parse::<i64>().unwrap_or(0))
            .sum();
        assert_eq!(cents, 5_623_750);
        assert_eq!(years[0].1, "28157.29");
        // Every project spans LV, LT and EE: each country sees every line.
        let countries = data["countries"]["groups"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(countries.len(), 6);
        assert!(
            countries
                .iter()
                .filter(|g| g["funder"]["key"] == "f0")
                .all(|g| g["amount"]["amount"] == "51237.50" && g["projectCount"] == 50)
        );
        assert_eq!(
            data["summary"],
            json!({ "projectCount": 50, "crossBorderProjectCount": 50, "countryCount": 3, "organisationCount": 3 })
        );
        assert_eq!(data["pairs"]["links"].as_array().map(Vec::len), Some(3));
        assert_eq!(data["pairs"]["hasMore"], false);
        assert_eq!(
            data["pairs"]["links"][0],
            json!({ "organisationA": { "key": "org0" }, "organisationB": { "key": "org1" }, "sharedProjects": 50 })
        );
        assert_eq!(
            data["people"]["groups"],
            json!([{ "planned": 500, "outcomeCount": 50 }])
        );
        assert_eq!(
            data["organisations"]["nodes"][0]["figures"],
            json!({ "projectsAsLead": 50, "repeatPartners": [{ "sharedProjects": 50 }, { "sharedProjects": 50 }] })
        );
        let partners = app
            .data(r#"{ organisations(filter: { text: "organisation 0" }) { nodes { figures { repeatPartners { organisation { key } } } } } }"#, json!({}))
            .await;
        assert_eq!(
            partners["organisations"]["nodes"][0]["figures"]["repeatPartners"],
            json!([{ "organisation": { "key": "org1" } }, { "organisation": { "key": "org2" } }])
        );
    }
}

#[tokio::test]
async fn figures_take_the_same_number_of_statements_for_2_and_for_50_projects() {
    for backend in backends() {
        let mut counts = Vec::new();
        for projects in [2, 50] {
            let app = generated_app(backend, projects).await;
            let before = app.statements.get();
            app.data(GENERATED, json!({})).await;
            counts.push(app.statements.get() - before);
        }
        assert_eq!(counts[0], counts[1], "[{backend}] statements: {counts:?}");
    }
}

#[tokio::test]
async fn contradictory_or_oversized_analytics_requests_are_refused() {
    for app in TestApp::all().await {
        for query in [
            "{ fundingTotals(groupBy: [PROGRAMME, PROGRAMME_TREE]) { hasMore } }",
            "{ fundingTotals(groupBy: [LEAD_COUNTRY, PARTICIPANT_COUNTRY]) { hasMore } }",
            "{ fundingTotals(groupBy: [KIND], limit: 10001) { hasMore } }",
            "{ countryNetwork(limit: 10001) { links { sharedProjects } } }",
            r#"{ fundingTotals(groupBy: [KIND], filter: { funder: ["UHJvamVjdDox"] }) { hasMore } }"#,
        ] {
            assert_eq!(
                app.error_codes(query, json!({})).await,
                vec!["BAD_USER_INPUT"],
                "[{}] {query}",
                app.backend
            );
        }
    }
}

/// Funding totals that group and filter by line attributes only are read from the rollup of
/// funding lines; asking for `projectCount` takes them from the lines themselves. Both must give
/// the same groups, amounts and line counts, on generated data with every funder, programme
/// level, kind, currency and year.
#[tokio::test]
async fn totals_from_the_rollup_equal_totals_from_the_lines() {
    use api::seed::generate::{GenerateOptions, generate};
    for backend in backends() {
        let dir = TempDir::new().expect("temp dir");
        let url = fresh_database(backend, dir.path()).await;
        let (db, _) = api::store::database::connect(&url, 2, std::time::Duration::from_secs(10))
            .await
            .expect("connect");
        api::store::database::migrate(&db).await.expect("migrate");
        let options = GenerateOptions {
            projects: 120,
            seed: 3,
            min_partners: 3,
            max_partners: 6,
            min_lines: 2,
            max_lines: 6,
            min_items: 1,
            max_items: 2,
            quiet: true,
        };
        generate(&db, &options).await.expect("generate");
        let mut settings = Settings::for_database(url, 0);
        settings.skip_seed = true;
        settings.rate_limit_capacity = 0;
        let app = TestApp::start(backend, settings, dir).await;

        // A funder and a programme that have lines.
        let ids = app
            .data(
                "{ fundingTotals(groupBy: [FUNDER, PROGRAMME], limit: 500) { groups { funder { id } programme { id } } } }",
                json!({}),
            )
            .await;
        let with_programme = ids["fundingTotals"]["groups"]
            .as_array()
            .and_then(|groups| groups.iter().find(|g| !g["programme"].is_null()))
            .cloned()
            .unwrap_or_default();
        let funder = with_programme["funder"]["id"].clone();
        let programme = with_programme["programme"]["id"].clone();
        let groupings = [
            ("[]", "{}".to_owned()),
            ("[FUNDER]", "{}".to_owned()),
            ("[PROGRAMME]", "{}".to_owned()),
            ("[PROGRAMME_ROOT]", "{}".to_owned()),
            ("[PROGRAMME_TREE, KIND]", "{}".to_owned()),
            ("[FUNDER, PROGRAMME, KIND, YEAR]", "{}".to_owned()),
            (
                "[YEAR]",
                r#"{ years: { from: 2018, to: 2024 }, kind: [GRANT] }"#.to_owned(),
            ),
            (
                "[FUNDER, YEAR]",
                r#"{ currency: ["EUR", "NOK"] }"#.to_owned(),
            ),
            ("[PROGRAMME]", format!("{{ funder: [{funder}] }}")),
            ("[FUNDER, KIND]", format!("{{ programme: [{programme}] }}")),
        ];
        for (group_by, filter) in groupings {
            let query = |counts: &str| {
                format!(
                    "{{ fundingTotals(groupBy: {group_by}, filter: {filter}, limit: 500) {{ hasMore groups {{
                        funder {{ key }} programme {{ key }} kind year amount {{ amount currency }} {counts} }} }} }}"
                )
            };
            let rollup = app.data(&query("lineCount"), json!({})).await;
            let lines = app.data(&query("lineCount projectCount"), json!({})).await;
            let mut from_lines = lines["fundingTotals"]["groups"].clone();
            for group in from_lines.as_array_mut().into_iter().flatten() {
                group.as_object_mut().map(|g| g.remove("projectCount"));
            }
            let groups = rollup["fundingTotals"]["groups"].as_array().map(Vec::len);
            assert!(
                groups > Some(0),
                "[{backend}] {group_by} {filter}: no groups"
            );
            assert_eq!(
                rollup["fundingTotals"]["groups"], from_lines,
                "[{backend}] {group_by} {filter}"
            );
            assert_eq!(rollup["fundingTotals"]["hasMore"], false);
        }
    }
}

#[tokio::test]
async fn networks_involving_one_side_return_only_its_pairs_with_it_first() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{
                    involving: countryNetwork(involving: "LV") { links { countryA countryB } }
                    filtered: countryNetwork(filter: { country: ["LV"] }) { links { countryA countryB } }
                    projects(filter: { country: ["LV"] }) { nodes { countries } }
                    organisations(filter: { text: "Interfolk" }) { nodes { id key } }
                }"#,
                json!({}),
            )
            .await;
        let mut partners: Vec<String> = data["projects"]["nodes"]
            .as_array()
            .expect("projects")
            .iter()
            .flat_map(|p| p["countries"].as_array().cloned().unwrap_or_default())
            .filter_map(|c| c.as_str().map(str::to_owned))
            .filter(|c| c != "LV")
            .collect();
        partners.sort();
        partners.dedup();
        let links = data["involving"]["links"].as_array().expect("links");
        let mut others: Vec<String> = links
            .iter()
            .map(|l| {
                assert_eq!(l["countryA"], "LV", "[{}] {l}", app.backend);
                l["countryB"].as_str().unwrap_or_default().to_owned()
            })
            .collect();
        others.sort();
        assert_eq!(others, partners, "[{}]", app.backend);
        // The project filter alone keeps whole projects: their other pairs come too (as its
        // description says).
        let filtered = data["filtered"]["links"].as_array().expect("links");
        assert!(
            filtered
                .iter()
                .any(|l| l["countryA"] != "LV" && l["countryB"] != "LV"),
            "{filtered:?}"
        );

        let interfolk = &data["organisations"]["nodes"][0];
        let network = app
            .data(
                "query($o: ID) { organisationNetwork(involving: $o) {
                    links { organisationA { key } organisationB { key } } } }",
                json!({ "o": interfolk["id"] }),
            )
            .await;
        let links = network["organisationNetwork"]["links"]
            .as_array()
            .expect("links");
        assert!(!links.is_empty(), "[{}] {network}", app.backend);
        for link in links {
            assert_eq!(link["organisationA"]["key"], interfolk["key"], "{link}");
            assert_ne!(link["organisationB"]["key"], interfolk["key"], "{link}");
        }
        assert_eq!(
            app.error_codes(
                r#"{ organisationNetwork(involving: "garbage") { links { sharedProjects } } }"#,
                json!({})
            )
            .await,
            vec!["BAD_USER_INPUT"]
        );
    }
}
