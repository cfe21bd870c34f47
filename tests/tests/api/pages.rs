//! What a person finds in a browser: the dashboard at `/`, its JSON list of endpoints, the
//! published SDL, and an explorer page that says when introspection is off.

use api::config::Settings;
use serde_json::Value;
use tempfile::TempDir;

use crate::helpers::{TestApp, fresh_database};

async fn sqlite_app(production: bool) -> TestApp {
    let dir = TempDir::new().expect("temp dir");
    let url = fresh_database("sqlite", dir.path()).await;
    let mut settings = Settings::for_database(url, 0);
    settings.production = production;
    TestApp::start("sqlite", settings, dir).await
}

async fn get(app: &TestApp, path: &str, accept: &str) -> (u16, String) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .header("accept", accept)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn the_root_page_links_to_the_explorer_and_the_schema() {
    let app = sqlite_app(false).await;
    let (status, page) = get(&app, "/", "text/html,application/xhtml+xml").await;
    assert_eq!(status, 200);
    assert!(page.contains("href=\"/graphql\""), "{page}");
    assert!(page.contains("href=\"/schema.graphql\""), "{page}");

    let (status, listing) = get(&app, "/", "application/json").await;
    assert_eq!(status, 200);
    let listing: Value = serde_json::from_str(&listing).expect("json");
    let paths: Vec<&str> = listing["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "/graphql",
            "/schema.graphql",
            "/healthz",
            "/readyz",
            "/metrics"
        ]
    );

    let (status, sdl) = get(&app, "/schema.graphql", "*/*").await;
    assert_eq!(status, 200);
    assert!(sdl.contains("type Query {"), "{sdl}");
}

#[tokio::test]
async fn in_production_the_explorer_says_introspection_is_off_and_no_sdl_is_published() {
    let app = sqlite_app(true).await;
    let (status, explorer) = get(&app, "/graphql", "text/html").await;
    assert_eq!(status, 200);
    assert!(explorer.contains("Introspection is off"), "{explorer}");
    assert!(!explorer.to_lowercase().contains("graphiql"));

    let (status, _) = get(&app, "/schema.graphql", "*/*").await;
    assert_eq!(status, 404);

    let (_, listing) = get(&app, "/", "application/json").await;
    let listing: Value = serde_json::from_str(&listing).expect("json");
    assert_eq!(listing["introspection"], false);
    assert!(!listing.to_string().contains("/schema.graphql"));
}

#[tokio::test]
async fn the_dashboard_and_its_files_come_from_the_binary_under_a_strict_policy() {
    let app = sqlite_app(false).await;
    let page = app
        .client
        .get(format!("{}/", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(page.headers()["vary"], "accept");
    let html = page.text().await.expect("body");
    // Every script and stylesheet the page names is served here, none from another host.
    let mut files = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for piece in html.split(attribute).skip(1) {
            let target = piece.split('"').next().expect("quoted");
            assert!(!target.contains("//"), "{target} is on another host");
            if target.starts_with("/assets/") {
                files.push(target.to_owned());
            }
        }
    }
    assert!(files.len() >= 3, "{files:?}");
    for file in &files {
        let response = app
            .client
            .get(format!("{}{file}", app.address))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "{file}");
        let etag = response.headers()["etag"].clone();
        let again = app
            .client
            .get(format!("{}{file}", app.address))
            .header("if-none-match", etag)
            .send()
            .await
            .expect("sent");
        assert_eq!(again.status(), 304, "{file} unchanged");
    }
    let script = app
        .client
        .get(format!("{}/assets/dashboard/dashboard.js", app.address))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );

    for missing in [
        "/assets/nothing.js",
        "/assets/vendor/update.sh",
        "/assets/../Cargo.toml",
    ] {
        let (status, _) = get(&app, missing, "*/*").await;
        assert_eq!(status, 404, "{missing}");
    }
    // The explorer's page loads GraphiQL from here too.
    let (status, explorer) = get(&app, "/graphql", "text/html").await;
    assert_eq!(status, 200);
    assert!(
        explorer.contains("/assets/vendor/graphiql.min.js"),
        "{explorer}"
    );
    assert!(!explorer.contains("unpkg") && !explorer.contains("https://"));
}
