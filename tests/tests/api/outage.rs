//! When the database goes away, queries answer SERVICE_UNAVAILABLE fast and /readyz fails; when
//! it comes back, the server recovers by itself. PostgreSQL only: the test closes the test
//! database to connections (`ALLOW_CONNECTIONS false`) and drops the open ones.

use std::time::{Duration, Instant};

use api::config::Settings;
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;
use tempfile::TempDir;

use crate::helpers::{TestApp, fresh_database};

async fn set_connections(admin_url: &str, database: &str, allowed: bool) {
    let admin = Database::connect(admin_url)
        .await
        .expect("admin connection");
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE {database} ALLOW_CONNECTIONS {allowed}"
        ))
        .await
        .expect("alter database");
    if !allowed {
        admin
            .execute_unprepared(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
            ))
            .await
            .expect("terminate connections");
    }
}

#[tokio::test]
async fn queries_fail_fast_while_the_database_is_away_and_recover_when_it_returns() {
    let Some(admin_url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        return;
    };
    let dir = TempDir::new().expect("dir");
    let url = fresh_database("postgres", dir.path()).await;
    let database = url.rsplit('/').next().unwrap_or_default().to_owned();
    let app = TestApp::start("postgres", Settings::for_database(url, 0), dir).await;
    assert_eq!(
        app.data("{ projects { totalCount } }", json!({})).await["projects"]["totalCount"],
        5
    );

    set_connections(&admin_url, &database, false).await;
    for _ in 0..3 {
        let started = Instant::now();
        let codes = app
            .error_codes("{ projects { totalCount } }", json!({}))
            .await;
        assert!(
            started.elapsed() < Duration::from_millis(1_500),
            "answered in {:?}",
            started.elapsed()
        );
        assert_eq!(codes, vec!["SERVICE_UNAVAILABLE"]);
    }
    let body = app.post("{ projects { totalCount } }", json!({})).await;
    assert!(
        !body.to_string().contains("pg_"),
        "no internals in the message: {body}"
    );
    let ready = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("sent");
    assert_eq!(ready.status(), 503);

    set_connections(&admin_url, &database, true).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = app.post("{ projects { totalCount } }", json!({})).await;
        if body["data"]["projects"]["totalCount"] == 5 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not recover: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("sent");
    assert_eq!(ready.status(), 200);
}
