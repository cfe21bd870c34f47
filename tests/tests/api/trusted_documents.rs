//! The trusted-documents mode: only documents registered in a manifest run.

use std::path::{Path, PathBuf};

use api::config::Settings;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::helpers::{TestApp, start_up_error};

const REGISTERED: &str = "query ProjectCount { projects { totalCount } }";

fn hash(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

fn write_manifest(dir: &Path, entries: &Value) -> PathBuf {
    let path = dir.join("trusted-documents.json");
    std::fs::write(&path, entries.to_string()).expect("manifest written");
    path
}

async fn post(app: &TestApp, body: Value) -> Value {
    app.client
        .post(format!("{}/graphql", app.address))
        .json(&body)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test]
async fn only_registered_documents_run_by_hash_or_by_their_exact_text() {
    let manifests = TempDir::new().expect("temp dir");
    let manifest = write_manifest(manifests.path(), &json!({ hash(REGISTERED): REGISTERED }));
    for app in TestApp::all_with(|s| s.trusted_documents = Some(manifest.clone())).await {
        let extensions =
            json!({ "persistedQuery": { "version": 1, "sha256Hash": hash(REGISTERED) } });
        let by_hash = post(&app, json!({ "extensions": extensions })).await;
        assert_eq!(
            by_hash["data"]["projects"]["totalCount"], 5,
            "[{}] {by_hash}",
            app.backend
        );
        let by_get: Value = app
            .client
            .get(format!("{}/graphql", app.address))
            .query(&[("extensions", extensions.to_string())])
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON");
        assert_eq!(by_get["data"]["projects"]["totalCount"], 5, "{by_get}");
        let by_text = post(&app, json!({ "query": REGISTERED })).await;
        assert_eq!(by_text["data"]["projects"]["totalCount"], 5);

        let before = app.statements.get();
        let other = "{ organisations { totalCount } }";
        let refused = post(&app, json!({ "query": other })).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"],
            "DOCUMENT_NOT_TRUSTED"
        );
        // Registering a document the automatic-persisted-query way does not work here.
        let apq = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash(other) } });
        let register = post(&app, json!({ "query": other, "extensions": apq })).await;
        assert_eq!(
            register["errors"][0]["extensions"]["code"],
            "PERSISTED_QUERY_NOT_FOUND"
        );
        assert!(register["data"].is_null());
        assert_eq!(app.statements.get(), before, "refused before any SQL");
    }
}

#[tokio::test]
async fn a_manifest_whose_hash_does_not_match_its_document_stops_start_up() {
    let manifests = TempDir::new().expect("temp dir");
    let manifest = write_manifest(
        manifests.path(),
        &json!({ hash("{ places { totalCount } }"): REGISTERED }),
    );
    let dir = TempDir::new().expect("temp dir");
    let mut settings = Settings::for_database(
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("t.sqlite").display()
        ),
        0,
    );
    settings.trusted_documents = Some(manifest);
    let error = start_up_error(&settings).await;
    assert!(error.contains("has another SHA-256"), "{error}");
}

#[tokio::test]
async fn the_dashboards_own_document_is_trusted_with_the_manifests() {
    let manifests = TempDir::new().expect("temp dir");
    let manifest = write_manifest(manifests.path(), &json!({ hash(REGISTERED): REGISTERED }));
    for app in TestApp::all_with(|s| s.trusted_documents = Some(manifest.clone())).await {
        let document = app
            .client
            .get(format!(
                "{}/assets/dashboard/dashboard.graphql",
                app.address
            ))
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("text");
        let choices = post(
            &app,
            json!({ "query": document, "operationName": "DashboardChoices", "variables": { "lang": "en" } }),
        )
        .await;
        assert!(choices["errors"].is_null(), "[{}] {choices}", app.backend);
        assert!(
            !choices["data"]["funders"]["nodes"]
                .as_array()
                .expect("funders")
                .is_empty()
        );
        let figures = post(
            &app,
            json!({ "query": document, "operationName": "DashboardFigures", "variables": { "lang": "en" } }),
        )
        .await;
        assert!(figures["errors"].is_null(), "[{}] {figures}", app.backend);
        for chart in ["byLeadCountry", "byParticipantCountry"] {
            assert!(
                figures["data"][chart]["groups"][0]["country"].is_string(),
                "[{}] {chart}: {figures}",
                app.backend
            );
        }
        // Changed by one character, it is another document.
        let edited = post(
            &app,
            json!({ "query": format!("{document} "), "operationName": "DashboardChoices" }),
        )
        .await;
        assert_eq!(
            edited["errors"][0]["extensions"]["code"],
            "DOCUMENT_NOT_TRUSTED"
        );
    }
}
