//! Start-up: migrations and seed on an empty database, nothing loaded twice, health probes, the
//! explorer, GET queries, custom datasets, and a bad dataset leaving the database empty.

use api::config::Settings;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use tempfile::TempDir;

use crate::helpers::{TestApp, backends, fresh_database, start_up_error};

#[tokio::test]
async fn a_second_start_on_the_same_database_loads_nothing_twice() {
    for backend in backends() {
        let dir = TempDir::new().expect("temp dir");
        let url = fresh_database(backend, dir.path()).await;
        let first = TestApp::start(
            backend,
            Settings::for_database(url.clone(), 0),
            TempDir::new().expect("dir"),
        )
        .await;
        drop(first);
        let second = TestApp::start(backend, Settings::for_database(url, 0), dir).await;
        let projects = entity::project::Entity::find()
            .count(&second.db)
            .await
            .expect("count");
        let texts = entity::localized_text::Entity::find()
            .count(&second.db)
            .await
            .expect("count");
        assert_eq!(projects, 5, "[{backend}]");
        let data = second
            .data("{ organisations { totalCount } }", json!({}))
            .await;
        assert_eq!(data["organisations"]["totalCount"], 17);
        assert!(texts > 100);
    }
}

#[tokio::test]
async fn replicas_starting_together_on_an_empty_database_migrate_and_seed_it_once() {
    // Replicas share PostgreSQL; the embedded SQLite default serves one process.
    for backend in backends().into_iter().filter(|b| *b == "postgres") {
        let dir = TempDir::new().expect("temp dir");
        let url = fresh_database(backend, dir.path()).await;
        let starts = (0..3).map(|_| {
            let settings = Settings::for_database(url.clone(), 0);
            async move { api::startup::Application::build(&settings).await }
        });
        let apps = futures_util::future::join_all(starts).await;
        for app in &apps {
            assert!(app.is_ok(), "[{backend}] {:?}", app.as_ref().err());
        }
        let replica = TestApp::start(backend, Settings::for_database(url, 0), dir).await;
        let projects = entity::project::Entity::find()
            .count(&replica.db)
            .await
            .expect("count");
        assert_eq!(projects, 5, "[{backend}] the seed was loaded once");
    }
}

#[tokio::test]
async fn replicas_starting_beside_a_serving_one_never_show_it_an_empty_programme_tree() {
    const TREE: &str = "{ fundingTotals(groupBy: [PROGRAMME_TREE]) { groups { programme { key } amount { amount } } } }";
    for backend in backends() {
        let dir = TempDir::new().expect("temp dir");
        let url = fresh_database(backend, dir.path()).await;
        // The reader asks as fast as it can: no rate limit.
        let mut settings = Settings::for_database(url.clone(), 0);
        settings.rate_limit_capacity = 0;
        let serving = std::sync::Arc::new(TestApp::start(backend, settings, dir).await);
        let expected = serving.data(TREE, json!({})).await;
        assert!(
            expected["fundingTotals"]["groups"]
                .as_array()
                .is_some_and(|g| g.len() > 1),
            "{expected}"
        );
        let reading = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let reader = {
            let (serving, reading) = (serving.clone(), reading.clone());
            tokio::spawn(async move {
                let mut answers = Vec::new();
                while reading.load(std::sync::atomic::Ordering::SeqCst) {
                    answers.push(serving.data(TREE, json!({})).await);
                }
                answers
            })
        };
        // Each start refreshes the derived tables of the shared database.
        for _ in 0..3 {
            let replica = TestApp::start(
                backend,
                Settings::for_database(url.clone(), 0),
                TempDir::new().expect("dir"),
            )
            .await;
            drop(replica);
        }
        reading.store(false, std::sync::atomic::Ordering::SeqCst);
        let answers = reader.await.expect("the reader finished");
        assert!(!answers.is_empty());
        for answer in answers {
            assert_eq!(
                answer, expected,
                "[{backend}] a reader saw the tree being rebuilt"
            );
        }
    }
}

#[tokio::test]
async fn health_readiness_explorer_and_get_queries_answer() {
    for app in TestApp::all().await {
        let healthz = app
            .client
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .expect("sent");
        assert_eq!(healthz.status(), 200, "[{}]", app.backend);
        let readyz = app
            .client
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .expect("sent");
        assert_eq!(readyz.status(), 200);
        let explorer = app
            .client
            .get(format!("{}/graphql", app.address))
            .header("accept", "text/html")
            .send()
            .await
            .expect("sent");
        assert_eq!(explorer.status(), 200);
        assert!(
            explorer
                .text()
                .await
                .unwrap_or_default()
                .to_lowercase()
                .contains("graphiql")
        );
        let get = app
            .client
            .get(format!("{}/graphql", app.address))
            .query(&[("query", "{ projects { totalCount } }")])
            .send()
            .await
            .expect("sent");
        let body: serde_json::Value = get.json().await.expect("json");
        assert_eq!(body["data"]["projects"]["totalCount"], 5);
    }
}

#[tokio::test]
async fn a_dataset_with_an_unknown_reference_fails_start_up_and_loads_nothing() {
    for backend in backends() {
        let data = TempDir::new().expect("temp dir");
        crate::statements::write_dataset(data.path(), 2, Some("no-such-organisation"));
        let dir = TempDir::new().expect("temp dir");
        let url = fresh_database(backend, dir.path()).await;
        let mut settings = Settings::for_database(url.clone(), 0);
        settings.seed_dir = Some(data.path().to_owned());
        let error = start_up_error(&settings).await;
        assert!(
            error.contains("unknown organisation `no-such-organisation`"),
            "[{backend}] {error}"
        );
        let (db, _) = api::store::database::connect(&url, 1, std::time::Duration::from_secs(10))
            .await
            .expect("connect");
        assert_eq!(
            entity::source_document::Entity::find()
                .count(&db)
                .await
                .expect("count"),
            0,
            "[{backend}]"
        );
        assert_eq!(
            entity::project::Entity::find()
                .count(&db)
                .await
                .expect("count"),
            0
        );
    }
}

#[tokio::test]
async fn metrics_count_requests_by_operation_errors_by_code_and_the_pool() {
    for app in TestApp::all().await {
        let body =
            json!({ "query": "query Seed { projects { totalCount } }", "operationName": "Seed" });
        app.client
            .post(format!("{}/graphql", app.address))
            .json(&body)
            .send()
            .await
            .expect("sent");
        app.error_codes("{ projects(first: 1000) { totalCount } }", json!({}))
            .await;
        let metrics = app
            .client
            .get(format!("{}/metrics", app.address))
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("text");
        for expected in [
            "graphql_requests_total{operation=\"Seed\",outcome=\"ok\"} 1",
            "graphql_requests_total{operation=\"anonymous\",outcome=\"error\"} 1",
            "graphql_errors_total{code=\"BAD_USER_INPUT\"} 1",
            "graphql_request_duration_seconds_bucket{operation=\"Seed\"",
            "db_pool_connections{state=\"open\"}",
            "sql_statements_total",
        ] {
            assert!(
                metrics.contains(expected),
                "[{}] missing {expected} in:\n{metrics}",
                app.backend
            );
        }
    }
}

#[tokio::test]
async fn an_event_ending_before_it_starts_or_in_an_unknown_zone_fails_start_up() {
    let cases = [
        (
            json!({ "kind": "TRAINING_SESSION", "title": { "lv": "N" },
                    "date": { "date": "2020-03-01", "precision": "DAY" }, "end_date": "2020-02-01" }),
            "ends (2020-02-01) before it starts (2020-03-01)",
        ),
        (
            json!({ "kind": "TRAINING_SESSION", "title": { "lv": "N" },
                    "date": { "date": "2020-03-01", "precision": "DAY" },
                    "start_time": "10:00", "time_zone": "Europe/Rigga" }),
            "`Europe/Rigga` is not an IANA time zone",
        ),
    ];
    for (event, expected) in cases {
        let data = TempDir::new().expect("temp dir");
        crate::statements::write_dataset(data.path(), 1, None);
        let path = data.path().join("projects.json");
        let mut projects: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        projects[0]["events"][0]["sessions"][0] = event;
        std::fs::write(&path, projects.to_string()).expect("write");
        let dir = TempDir::new().expect("temp dir");
        let url = fresh_database("sqlite", dir.path()).await;
        let mut settings = Settings::for_database(url, 0);
        settings.seed_dir = Some(data.path().to_owned());
        let error = start_up_error(&settings).await;
        assert!(error.contains(expected), "{error}");
    }
}
