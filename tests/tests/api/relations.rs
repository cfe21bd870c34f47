//! Relations resolve both ways: project ⇄ participations ⇄ organisations ⇄ places, funding lines
//! ⇄ programmes ⇄ funders, the programme tree up and down, outcomes, events, places, contacts.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn an_organisation_leads_back_to_its_projects_and_participations() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ organisations(filter: { text: "british council" }) { nodes {
                    shortName country website identifiers { scheme value }
                    participations { role project { key } }
                    projects { key } leadProjects: projects(role: [LEAD_PARTNER]) { key }
                    contacts { name } sources { fileName }
                } } }"#,
                json!({}),
            )
            .await;
        let bc = &data["organisations"]["nodes"][0];
        assert_eq!(bc["country"], "LV", "[{}]", app.backend);
        assert_eq!(bc["website"], "https://www.britishcouncil.lv/");
        assert_eq!(bc["identifiers"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            bc["participations"],
            json!([
                { "role": "PARTNER", "project": { "key": "darbigas-kopienas" } },
                { "role": "FUNDER", "project": { "key": "darbigas-kopienas" } },
                { "role": "PARTNER", "project": { "key": "atminas-instituciju-apmacibu-cikls" } }
            ])
        );
        assert_eq!(
            bc["projects"],
            json!([{ "key": "darbigas-kopienas" }, { "key": "atminas-instituciju-apmacibu-cikls" }])
        );
        assert_eq!(bc["leadProjects"], json!([]));
        assert_eq!(
            bc["contacts"],
            json!([{ "name": "Kristīne Ļeontjeva" }, { "name": "Anita Birzniece" }])
        );
        assert_eq!(bc["sources"].as_array().map(Vec::len), Some(2));
    }
}

#[tokio::test]
async fn the_programme_tree_goes_up_and_down_and_reaches_projects_and_funders() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ funders(first: 1, filter: { text: "nordic" }) { nodes {
                    name(lang: "en") programmes { key parent { key } children { key parent { key } funder { key }
                      projects { key programme { key } } } }
                } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            data["funders"]["nodes"][0],
            json!({
                "name": "Nordic Council of Ministers",
                "programmes": [{ "key": "nordplus", "parent": null, "children": [{
                    "key": "nordplus-adult", "parent": { "key": "nordplus" },
                    "funder": { "key": "nordic-council-of-ministers" },
                    "projects": [{ "key": "co-op", "programme": { "key": "nordplus-adult" } }]
                }] }]
            }),
            "[{}]",
            app.backend
        );
    }
}

#[tokio::test]
async fn places_nest_and_lead_to_the_projects_that_cover_them() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ places(filter: { text: "rogovka" }) { nodes {
                    kind country parent { key parent { key parent { key kind } } } projects { key }
                } }
                latgale: places(filter: { text: "latgale" }) { nodes { children { key } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            data["places"]["nodes"][0],
            json!({
                "kind": "SETTLEMENT", "country": "LV",
                "parent": { "key": "rezeknes-novads", "parent": { "key": "latgale", "parent": { "key": "lv", "kind": "COUNTRY" } } },
                "projects": [{ "key": "darbigas-kopienas" }]
            }),
            "[{}]",
            app.backend
        );
        assert_eq!(
            data["latgale"]["nodes"][0]["children"]
                .as_array()
                .map(Vec::len),
            Some(7)
        );
    }
}

#[tokio::test]
async fn work_packages_hold_their_deliverables_and_outcomes_lead_back() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ outcomes(filter: { kind: [WORK_PACKAGE] }, orderBy: [{ field: POSITION }]) { nodes {
                    code title children { code kind parent { code } project { key } }
                } } }"#,
                json!({}),
            )
            .await;
        let packages = &data["outcomes"]["nodes"];
        assert_eq!(
            packages.as_array().map(Vec::len),
            Some(3),
            "[{}]",
            app.backend
        );
        assert_eq!(packages[0]["code"], "1");
        assert_eq!(packages[0]["title"], "Labas prakses piemēru apkopošana");
        assert_eq!(
            packages[0]["children"][3],
            json!({ "code": "1.4", "kind": "ACTIVITY", "parent": { "code": "1" }, "project": { "key": "co-op" } })
        );
        assert_eq!(packages[2]["children"].as_array().map(Vec::len), Some(3));
    }
}

#[tokio::test]
async fn resource_centres_link_to_their_places_and_events_to_their_venues() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ outcomes(filter: { unit: ["centres"] }) { nodes { plannedQuantity children { place { key } } } }
                    events(filter: { kind: [PARTNER_MEETING] }, orderBy: [{ field: DATE }]) { nodes {
                      date place { key } project { key } } } }"#,
                json!({}),
            )
            .await;
        let centres = &data["outcomes"]["nodes"][0];
        assert_eq!(centres["plannedQuantity"], 4, "[{}]", app.backend);
        assert_eq!(centres["children"].as_array().map(Vec::len), Some(8));
        assert_eq!(centres["children"][1]["place"]["key"], "rogovka");
        let meetings = &data["events"]["nodes"];
        assert_eq!(
            meetings[0],
            json!({ "date": "2018-04-12", "place": { "key": "kekavas-jic-telpas" }, "project": { "key": "kopstrade-jaunatnes-centros" } })
        );
        assert_eq!(meetings.as_array().map(Vec::len), Some(4));
        assert_eq!(meetings[3]["date"], serde_json::Value::Null);
    }
}

#[tokio::test]
async fn contacts_hide_email_and_phone_from_anonymous_callers() {
    for app in TestApp::all().await {
        let body = app
            .post(r#"{ projects(filter: { text: "darbigas" }) { nodes { contacts { name role email phone organisation { key } } } } }"#, json!({}))
            .await;
        let contacts = &body["data"]["projects"]["nodes"][0]["contacts"];
        assert_eq!(contacts[1]["name"], "Kristīne Liepiņa", "[{}]", app.backend);
        assert_eq!(contacts[1]["email"], serde_json::Value::Null);
        assert_eq!(contacts[1]["phone"], serde_json::Value::Null);
        assert_eq!(contacts[1]["organisation"]["key"], "iic");
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        assert_eq!(errors.len(), 4);
        assert!(
            errors
                .iter()
                .all(|e| e["extensions"]["code"] == "FORBIDDEN")
        );
        assert!(
            !body.to_string().contains("gmail.com"),
            "personal data leaked: {body}"
        );
    }
}

#[tokio::test]
async fn the_remaining_relations_resolve_from_both_ends() {
    for app in TestApp::all().await {
        let data = app
            .data(
                r#"{ funders(filter: { text: "british" }) { nodes { organisation { key place { key } } } }
                    programmes(filter: { text: "LT10" }) { nodes { fundingLines { kind project { key } } projects { key } } }
                    organisations(filter: { text: "vestvagoy" }) { nodes { city place { key parent { key } } } }
                    events(filter: { kind: [TRAINING_CYCLE] }) { nodes { sessions { parent { kind } } project { key } } }
                    projects(filter: { text: "darbigas" }) { nodes { contacts { project { key } organisation { key } sources { fileName } }
                      participations { sources { fileName } } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            data["funders"]["nodes"][0]["organisation"],
            json!({ "key": "british-council-latvia", "place": null }),
            "[{}]",
            app.backend
        );
        let lt10 = &data["programmes"]["nodes"][0];
        assert_eq!(
            lt10["fundingLines"],
            json!([{ "kind": "GRANT", "project": { "key": "kulturos-istaigu-kompetenciju-ugdymas" } }])
        );
        assert_eq!(
            lt10["projects"],
            json!([{ "key": "kulturos-istaigu-kompetenciju-ugdymas" }])
        );
        assert_eq!(
            data["organisations"]["nodes"][0],
            json!({ "city": "Vestvågøy", "place": { "key": "vestvagoy", "parent": { "key": "no" } } })
        );
        let cycle = &data["events"]["nodes"][0];
        assert_eq!(cycle["sessions"].as_array().map(Vec::len), Some(5));
        assert_eq!(cycle["sessions"][0]["parent"]["kind"], "TRAINING_CYCLE");
        assert_eq!(
            cycle["project"]["key"],
            "atminas-instituciju-apmacibu-cikls"
        );
        let project = &data["projects"]["nodes"][0];
        assert_eq!(
            project["contacts"][0]["project"]["key"],
            "darbigas-kopienas"
        );
        assert_eq!(project["contacts"][0]["organisation"]["key"], "iic");
        assert_eq!(
            project["contacts"][0]["sources"],
            json!([{ "fileName": "001_b45dd292cbbe241b.txt" }])
        );
        assert_eq!(
            project["participations"][0]["sources"],
            json!([{ "fileName": "001_b45dd292cbbe241b.txt" }])
        );
    }
}
