//! The seed dataset arrives whole: counts, exact amounts and the facts of each source document.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_seed_dataset_has_every_record_of_the_five_documents() {
    for app in TestApp::all().await {
        let data = app
            .data(
                "{ projects { totalCount } organisations { totalCount } funders { totalCount }
                   programmes { totalCount } fundingLines { totalCount } places { totalCount }
                   outcomes(first: 100) { totalCount } events { totalCount } sourceDocuments { fileName } }",
                json!({}),
            )
            .await;
        assert_eq!(data["projects"]["totalCount"], 5, "[{}]", app.backend);
        assert_eq!(data["organisations"]["totalCount"], 17);
        assert_eq!(data["funders"]["totalCount"], 4);
        assert_eq!(data["programmes"]["totalCount"], 6);
        assert_eq!(data["fundingLines"]["totalCount"], 2);
        assert_eq!(data["places"]["totalCount"], 32);
        assert_eq!(data["outcomes"]["totalCount"], 46);
        assert_eq!(data["events"]["totalCount"], 12);
        assert_eq!(data["sourceDocuments"].as_array().map(Vec::len), Some(5));
    }
}

#[tokio::test]
async fn the_lithuanian_project_has_its_exact_amounts_and_stated_total() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ projects(filter: { text: "kulturos istaigu" }) { nodes {
                    startDate startPrecision endDate statedTotal { amount currency }
                    fundingLines { kind amount { amount currency } programme { code } funder { name(lang: "en") } }
                    programme { code ancestors { name(lang: "en") } funder { name(lang: "en") } }
                    participations { role organisation { name country } }
                    sources { fileName language }
                } } }"#,
                json!({}),
            )
            .await;
        let project = &data["projects"]["nodes"][0];
        assert_eq!(project["startDate"], "2015-09-09", "[{}]", app.backend);
        assert_eq!(project["endDate"], "2016-09-30");
        assert_eq!(
            project["statedTotal"],
            json!({ "amount": "113355.76", "currency": "EUR" })
        );
        assert_eq!(
            project["fundingLines"],
            json!([
                { "kind": "GRANT", "amount": { "amount": "96352.40", "currency": "EUR" },
                  "programme": { "code": "LT10" }, "funder": { "name": "Norway Grants" } },
                { "kind": "OWN_CONTRIBUTION", "amount": { "amount": "17003.36", "currency": "EUR" },
                  "programme": null, "funder": null }
            ])
        );
        assert_eq!(project["programme"]["code"], "LT10");
        assert_eq!(
            project["programme"]["ancestors"],
            json!([{ "name": "Norway Grants 2009-2014" }])
        );
        assert_eq!(project["participations"][0]["role"], "LEAD_PARTNER");
        assert_eq!(
            project["participations"][0]["organisation"]["name"],
            "VšĮ Ateities visuomenės institutas"
        );
        assert_eq!(
            project["participations"][2]["organisation"]["country"],
            "NO"
        );
        assert_eq!(
            project["sources"],
            json!([{ "fileName": "004_39b09b9c594664bc.txt", "language": "lt" }])
        );
    }
}

#[tokio::test]
async fn each_project_has_the_partners_dates_and_outcomes_its_source_states() {
    for app in TestApp::all().await {
        let data = app
            .data(
                "{ projects(orderBy: [{ field: KEY }]) { nodes {
                    key acronym startDate startPrecision endDate endPrecision latestEndDate website
                    statedPartnerCount statedCountryCount countries isCrossBorder workingLanguages
                    participations { role } outcomes(topLevelOnly: false) { kind plannedQuantity unit }
                    events(topLevelOnly: false) { kind } places { key } contacts { name role }
                    programme { key } aims targetGroups
                } } }",
                json!({}),
            )
            .await;
        let nodes = data["projects"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let by_key = |key: &str| {
            nodes
                .iter()
                .find(|n| n["key"] == key)
                .cloned()
                .unwrap_or_default()
        };

        let coop = by_key("co-op");
        assert_eq!(coop["acronym"], "CO-OP", "[{}]", app.backend);
        assert_eq!(
            (coop["startDate"].clone(), coop["startPrecision"].clone()),
            (json!("2018-08-01"), json!("MONTH"))
        );
        assert_eq!(coop["endDate"], "2020-07-31");
        assert_eq!(coop["website"], "https://www.co-op.one");
        assert_eq!(
            (
                coop["statedPartnerCount"].clone(),
                coop["statedCountryCount"].clone()
            ),
            (json!(6), json!(4))
        );
        assert_eq!(coop["participations"].as_array().map(Vec::len), Some(5));
        assert_eq!(coop["countries"], json!(["DK", "LT", "LV", "NO"]));
        assert_eq!(coop["programme"]["key"], "nordplus-adult");
        assert_eq!(coop["aims"].as_array().map(Vec::len), Some(4));
        let conferences = coop["outcomes"]
            .as_array()
            .and_then(|o| o.iter().find(|o| o["unit"] == "conferences"))
            .cloned();
        assert_eq!(
            conferences.map(|c| c["plannedQuantity"].clone()),
            Some(json!(4))
        );

        let active = by_key("darbigas-kopienas");
        assert_eq!(
            (active["startPrecision"].clone(), active["endDate"].clone()),
            (json!("YEAR"), json!("2022-12-31"))
        );
        let planned: Vec<(i64, String)> = active["outcomes"]
            .as_array()
            .map(|o| {
                o.iter()
                    .filter_map(|o| {
                        Some((
                            o["plannedQuantity"].as_i64()?,
                            o["unit"].as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            planned,
            vec![
                (64, "seminar days".into()),
                (4, "centres".into()),
                (20, "events".into()),
                (8, "meetings".into())
            ]
        );
        assert_eq!(active["contacts"].as_array().map(Vec::len), Some(2));
        assert_eq!(active["isCrossBorder"], false);
        assert_eq!(active["places"].as_array().map(Vec::len), Some(9));

        let coworking = by_key("kopstrade-jaunatnes-centros");
        assert_eq!(coworking["latestEndDate"], "2019-03-31");
        assert_eq!(coworking["participations"][0]["role"], "LEAD_PARTNER");
        assert_eq!(coworking["countries"], json!(["EE", "ES", "IT", "LV"]));

        let training = by_key("atminas-instituciju-apmacibu-cikls");
        assert_eq!(training["workingLanguages"], json!(["lv"]));
        let sessions = training["events"]
            .as_array()
            .map(|e| e.iter().filter(|e| e["kind"] == "TRAINING_SESSION").count());
        assert_eq!(sessions, Some(5));

        let lithuanian = by_key("kulturos-istaigu-kompetenciju-ugdymas");
        let indicators: Vec<i64> = lithuanian["outcomes"]
            .as_array()
            .map(|o| {
                o.iter()
                    .filter(|o| o["kind"] == "INDICATOR")
                    .filter_map(|o| o["plannedQuantity"].as_i64())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(indicators, vec![150, 10]);
        assert_eq!(lithuanian["places"].as_array().map(Vec::len), Some(12));
    }
}

#[tokio::test]
async fn training_sessions_keep_their_dates_times_time_zone_and_venue_or_platform() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ events(filter: { kind: [TRAINING_SESSION] }, orderBy: [{ field: DATE }]) { nodes {
                    date startTime endTime timeZone onlinePlatform isOnline place { name(lang: "en") kind }
                    parent { kind registrationDeadline }
                } } }"#,
                json!({}),
            )
            .await;
        let nodes = &data["events"]["nodes"];
        assert_eq!(nodes.as_array().map(Vec::len), Some(5), "[{}]", app.backend);
        assert_eq!(nodes[0]["date"], "2023-12-04");
        assert_eq!(
            (nodes[0]["startTime"].clone(), nodes[0]["endTime"].clone()),
            (json!("10:00"), json!("16:00"))
        );
        assert_eq!(
            nodes[0]["place"],
            json!({ "name": "Latvian War Museum", "kind": "VENUE" })
        );
        assert_eq!(nodes[0]["isOnline"], false);
        assert_eq!(nodes[4]["date"], "2024-01-15");
        assert_eq!(nodes[4]["onlinePlatform"], "Zoom");
        assert_eq!(nodes[4]["timeZone"], "Europe/Riga");
        assert_eq!(
            nodes[4]["parent"],
            json!({ "kind": "TRAINING_CYCLE", "registrationDeadline": "2023-11-29" })
        );
    }
}

#[tokio::test]
async fn localized_fields_fall_back_to_the_original_language() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ organisations(filter: { text: "brivdabas" }) { nodes {
                    original: name lv: name(lang: "lv") en: name(lang: "en") de: name(lang: "de")
                    texts { lang isOriginal }
                } } }"#,
                json!({}),
            )
            .await;
        let museum = &data["organisations"]["nodes"][0];
        assert_eq!(
            museum["original"], "Lietuvas Brīvdabas muzejs",
            "[{}]",
            app.backend
        );
        assert_eq!(museum["lv"], "Lietuvas Brīvdabas muzejs");
        assert_eq!(museum["en"], "Open Air Museum of Lithuania");
        assert_eq!(museum["de"], "Lietuvas Brīvdabas muzejs");
        assert_eq!(
            museum["texts"],
            json!([{ "lang": "lv", "isOriginal": true }, { "lang": "en", "isOriginal": false }])
        );
    }
}
