//! Typed filters and ordering on the root connections.

use serde_json::{Value, json};

use crate::helpers::{TestApp, id_where};

fn keys(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|n| n["key"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn project_keys(app: &TestApp, filter: Value) -> Vec<String> {
    let data = app
        .data(
            "query($filter: ProjectFilter) { projects(filter: $filter, orderBy: [{ field: KEY }]) { nodes { key } } }",
            json!({ "filter": filter }),
        )
        .await;
    keys(&data["projects"])
}

#[tokio::test]
async fn text_search_ignores_case_and_diacritics() {
    for app in TestApp::all().await {
        assert_eq!(
            project_keys(&app, json!({ "text": "Rezekne" })).await,
            vec!["darbigas-kopienas"],
            "[{}]",
            app.backend
        );
        assert_eq!(
            project_keys(&app, json!({ "text": "kekava" })).await,
            vec!["kopstrade-jaunatnes-centros"]
        );
        assert_eq!(
            project_keys(&app, json!({ "text": "co-op" })).await,
            vec!["co-op"]
        );
        let data = app
            .data(
                r#"{ organisations(filter: { text: "kekava" }) { nodes { key } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(keys(&data["organisations"]), vec!["kekavas-jic"]);
        let data = app
            .data(
                r#"{ places(filter: { text: "SIAULIU" }) { nodes { key } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(keys(&data["places"]), vec!["lt-siauliai"]);
    }
}

#[tokio::test]
async fn projects_filter_by_country_role_funder_programme_period_and_status() {
    for app in TestApp::all().await {
        assert_eq!(
            project_keys(&app, json!({ "country": ["NO"] })).await,
            vec!["co-op", "kulturos-istaigu-kompetenciju-ugdymas"],
            "[{}]",
            app.backend
        );
        assert_eq!(
            project_keys(
                &app,
                json!({ "participant": { "country": ["LV"], "role": ["LEAD_PARTNER"] } })
            )
            .await,
            vec!["darbigas-kopienas", "kopstrade-jaunatnes-centros"]
        );
        assert_eq!(
            project_keys(&app, json!({ "participant": { "role": ["FUNDER"] } })).await,
            vec!["darbigas-kopienas"]
        );

        let funders = app
            .data(
                "{ funders { nodes { id key } } programmes { nodes { id key } } }",
                json!({}),
            )
            .await;
        let nordic = id_where(&funders["funders"], "key", "nordic-council-of-ministers");
        let nordplus = id_where(&funders["programmes"], "key", "nordplus");
        let norway = id_where(&funders["funders"], "key", "norway-grants");
        assert_eq!(
            project_keys(&app, json!({ "funder": [nordic] })).await,
            vec!["co-op"]
        );
        assert_eq!(
            project_keys(&app, json!({ "programme": [nordplus] })).await,
            vec!["co-op"],
            "sub-programmes count"
        );
        assert_eq!(
            project_keys(&app, json!({ "funder": [norway] })).await,
            vec!["kulturos-istaigu-kompetenciju-ugdymas"]
        );

        assert_eq!(
            project_keys(
                &app,
                json!({ "activeDuring": { "from": "2019-01-01", "to": "2019-12-31" } })
            )
            .await,
            vec!["co-op", "darbigas-kopienas", "kopstrade-jaunatnes-centros"]
        );
        assert_eq!(
            project_keys(&app, json!({ "startDate": { "from": "2023-01-01" } })).await,
            vec!["atminas-instituciju-apmacibu-cikls"]
        );
        assert_eq!(
            project_keys(&app, json!({ "status": ["COMPLETED"] }))
                .await
                .len(),
            5
        );
        assert_eq!(
            project_keys(&app, json!({ "status": ["ONGOING", "PLANNED"] }))
                .await
                .len(),
            0
        );
    }
}

#[tokio::test]
async fn filters_combine_with_and_or_and_not() {
    for app in TestApp::all().await {
        assert_eq!(
            project_keys(
                &app,
                json!({ "or": [{ "country": ["EE"] }, { "country": ["DK"] }] })
            )
            .await,
            vec!["co-op", "kopstrade-jaunatnes-centros"],
            "[{}]",
            app.backend
        );
        assert_eq!(
            project_keys(
                &app,
                json!({ "country": ["LV"], "not": { "country": ["LT", "EE"] } })
            )
            .await,
            vec!["atminas-instituciju-apmacibu-cikls", "darbigas-kopienas"]
        );
        assert_eq!(
            project_keys(
                &app,
                json!({ "and": [{ "country": ["LV"] }, { "country": ["IT"] }] })
            )
            .await,
            vec!["kopstrade-jaunatnes-centros"]
        );
    }
}

#[tokio::test]
async fn other_connections_filter_by_kind_country_and_relation() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ lv: organisations(filter: { country: ["LV"], kind: [NGO] }, orderBy: [{ field: KEY }]) { nodes { key } }
                    leads: organisations(filter: { role: [LEAD_PARTNER] }, orderBy: [{ field: KEY }]) { nodes { key } }
                    grants: fundingLines(filter: { kind: [GRANT], currency: ["EUR"], amount: { min: "90000" } }) { nodes { amount { amount } } }
                    own: fundingLines(filter: { not: { kind: [GRANT] } }) { nodes { kind } }
                    online: events(filter: { online: true }) { totalCount }
                    dated: events(filter: { date: { from: "2024-01-01", to: "2024-12-31" } }) { totalCount }
                    people: outcomes(filter: { unit: ["people"] }) { nodes { plannedQuantity } }
                    counties: places(filter: { kind: [REGION], country: ["LT"] }) { totalCount }
                    top: programmes(filter: { topLevel: true }) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            keys(&data["lv"]),
            vec!["iic", "socialas-inovacijas-centrs"],
            "[{}]",
            app.backend
        );
        assert_eq!(
            keys(&data["leads"]),
            vec!["ateities-visuomenes-institutas", "iic", "kekavas-jic"]
        );
        assert_eq!(
            data["grants"]["nodes"],
            json!([{ "amount": { "amount": "96352.40" } }])
        );
        assert_eq!(
            data["own"]["nodes"],
            json!([{ "kind": "OWN_CONTRIBUTION" }])
        );
        assert_eq!(data["online"]["totalCount"], 4);
        assert_eq!(data["dated"]["totalCount"], 2);
        assert_eq!(data["people"]["nodes"], json!([{ "plannedQuantity": 150 }]));
        assert_eq!(data["counties"]["totalCount"], 10);
        assert_eq!(data["top"]["totalCount"], 3);
    }
}

#[tokio::test]
async fn order_by_sorts_both_ways_with_missing_values_last() {
    for app in TestApp::all().await {
        let data = app
            .data(
                "{ asc: projects(orderBy: [{ field: START_DATE }]) { nodes { key } }
                   desc: projects(orderBy: [{ field: START_DATE, direction: DESC }]) { nodes { key } }
                   acronym: projects(orderBy: [{ field: ACRONYM }]) { nodes { acronym } }
                   lines: fundingLines(orderBy: [{ field: AMOUNT, direction: DESC }]) { nodes { kind } } }",
                json!({}),
            )
            .await;
        let asc = keys(&data["asc"]);
        let mut desc = keys(&data["desc"]);
        assert_eq!(
            asc[0], "kulturos-istaigu-kompetenciju-ugdymas",
            "[{}]",
            app.backend
        );
        desc.reverse();
        assert_eq!(asc, desc);
        assert_eq!(data["acronym"]["nodes"][0]["acronym"], "CO-OP");
        assert_eq!(data["acronym"]["nodes"][4]["acronym"], Value::Null);
        assert_eq!(data["lines"]["nodes"][0]["kind"], "GRANT");
    }
}

#[tokio::test]
async fn sql_looking_text_is_just_text() {
    for app in TestApp::all().await {
        for needle in ["' OR 1=1 --", "'; DROP TABLE projects; --", "1=1"] {
            assert_eq!(
                project_keys(&app, json!({ "text": needle })).await,
                Vec::<String>::new(),
                "[{}] {needle}",
                app.backend
            );
        }
        // Punctuation alone has no word to look for.
        for needle in ["%", "_", "\\", "*", "\"", ":*"] {
            let codes = app
                .error_codes(
                    "query($text: String) { projects(filter: { text: $text }) { nodes { key } } }",
                    json!({ "text": needle }),
                )
                .await;
            assert_eq!(codes, vec!["BAD_USER_INPUT"], "[{}] {needle}", app.backend);
        }
        let data = app.data("{ projects { totalCount } }", json!({})).await;
        assert_eq!(data["projects"]["totalCount"], 5);
    }
}

#[tokio::test]
async fn cycles_carry_their_end_and_events_can_keep_to_top_level_events_or_sessions() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{
                    cycles: events(filter: { kind: [TRAINING_CYCLE] }) {
                        nodes { date endDate startsAt sessions { date } }
                    }
                    december: events(filter: { date: { from: "2023-12-01", to: "2023-12-31" } }) { totalCount }
                    topLevel: events(filter: { date: { from: "2023-12-01", to: "2023-12-31" }, session: false }) { totalCount }
                    sessions: events(filter: { date: { from: "2023-12-01", to: "2023-12-31" }, session: true }) {
                        totalCount
                        nodes { date startTime endTime timeZone startsAt endsAt }
                    }
                }"#,
                json!({}),
            )
            .await;
        let cycle = &data["cycles"]["nodes"][0];
        assert_eq!(cycle["date"], "2023-12-04", "[{}] {data}", app.backend);
        assert_eq!(cycle["endDate"], "2024-01-15");
        let last_session = cycle["sessions"]
            .as_array()
            .and_then(|s| s.iter().filter_map(|s| s["date"].as_str()).max())
            .map(str::to_owned);
        assert_eq!(last_session.as_deref(), Some("2024-01-15"));
        // The cycle has no time of its own, so no instant.
        assert_eq!(cycle["startsAt"], Value::Null);

        // December 2023: the cycle and three of its sessions.
        assert_eq!(data["december"]["totalCount"], 4);
        assert_eq!(data["topLevel"]["totalCount"], 1);
        assert_eq!(data["sessions"]["totalCount"], 3);
        let first = &data["sessions"]["nodes"][0];
        assert_eq!(first["date"], "2023-12-04");
        assert_eq!(first["startTime"], "10:00");
        assert_eq!(first["timeZone"], "Europe/Riga");
        assert_eq!(first["startsAt"], "2023-12-04T10:00:00+02:00");
        assert_eq!(first["endsAt"], "2023-12-04T16:00:00+02:00");
    }
}
