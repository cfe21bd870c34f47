//! The cost model, rate limiting by cost (per API key or client address, shared by replicas
//! through the database) and batched requests.

use serde_json::{Value, json};
use tempfile::TempDir;

use api::config::Settings;
use api::store::rate_limits::{BucketPolicy, RateLimiter};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::helpers::{TestApp, backends, fresh_database, start_up_error};

const TEN_TITLES: &str = "{ projects(first: 10) { nodes { id title } } }";

/// Posts `body` (one request or a batch), with an API key when one is given.
async fn post_body(app: &TestApp, key: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(body);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    request.send().await.expect("request sent")
}

async fn post_with_key(app: &TestApp, key: Option<&str>, query: &str) -> reqwest::Response {
    post_body(app, key, &json!({ "query": query })).await
}

#[tokio::test]
async fn every_response_reports_the_cost_charged_by_page_size_and_nesting() {
    for app in TestApp::all().await {
        let body = app.post(TEN_TITLES, json!({})).await;
        // projects 1, then per requested item: nodes, id and title.
        assert_eq!(
            body["extensions"]["cost"]["requestedQueryCost"], 31,
            "[{}] {body:#}",
            app.backend
        );
        let status = &body["extensions"]["cost"]["throttleStatus"];
        assert_eq!(status["maximumAvailable"], 40_000);
        assert_eq!(status["restoreRate"], 2_000);
        let available = status["currentlyAvailable"].as_u64().expect("a number");
        assert!((39_960..=39_969).contains(&available), "{status}");
        assert_eq!(status["secondsUntilFull"], 1);

        // A list without paging counts as ten items; a variable page size is read.
        let nested = app
            .post(
                "query($n: Int) { projects(first: $n) { nodes { participations { role } } } }",
                json!({ "n": 2 }),
            )
            .await;
        assert_eq!(nested["extensions"]["cost"]["requestedQueryCost"], 25);
        // Without first or last, the default page size (20) is charged.
        let default_page = app.post("{ places { totalCount } }", json!({})).await;
        assert_eq!(default_page["extensions"]["cost"]["requestedQueryCost"], 21);
        // An analytics list is charged as the `limit` items it may return: its default, or
        // the limit given, whether the list is the field itself or its groups.
        let limited = app
            .post(
                "{ outcomeTotals(limit: 50) { groups { unit } } }",
                json!({}),
            )
            .await;
        assert_eq!(limited["extensions"]["cost"]["requestedQueryCost"], 52);
        let by_default = app
            .post("{ countryNetwork { links { sharedProjects } } }", json!({}))
            .await;
        assert_eq!(by_default["extensions"]["cost"]["requestedQueryCost"], 102);
    }
}

#[tokio::test]
async fn a_query_over_the_cost_limit_is_refused_before_touching_the_database() {
    for app in TestApp::all().await {
        let before = app.statements.get();
        let body = app
            .post(
                "{ projects(first: 100) { nodes { participations { organisation { projects { key participations { role } } } } } } }",
                json!({}),
            )
            .await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("costs 122201 points"), "{message}");
        assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 122_201);
        assert_eq!(
            app.statements.get(),
            before,
            "[{}] no statement",
            app.backend
        );
    }
}

#[tokio::test]
async fn only_the_operation_that_runs_is_held_to_the_cost_limit() {
    for app in TestApp::all().await {
        let document = "query Cheap { projects { totalCount } } \
            query Costly { projects(first: 100) { nodes { participations { organisation { projects { key participations { role } } } } } } }";
        let run = |operation: &'static str| {
            let body = json!({ "query": document, "operationName": operation });
            let app = &app;
            async move { post_body(app, None, &body).await }
        };
        let cheap: Value = run("Cheap").await.json().await.expect("JSON");
        assert_eq!(
            cheap["data"]["projects"]["totalCount"], 5,
            "[{}] {cheap:#}",
            app.backend
        );
        let costly: Value = run("Costly").await.json().await.expect("JSON");
        assert_eq!(
            costly["errors"][0]["extensions"]["code"],
            "QUERY_TOO_COMPLEX"
        );
    }
}

fn small_bucket(settings: &mut Settings) {
    settings.rate_limit_capacity = 100;
    settings.max_query_cost = 100;
    settings.rate_limit_restore_rate = 1;
    settings.rate_limit_capacity_reader = 300;
    settings.api_keys = vec!["dashboard:dashboard-secret-0123".to_owned()];
}

#[tokio::test]
async fn past_its_bucket_a_client_gets_rate_limited_with_retry_after() {
    for app in TestApp::all_with(small_bucket).await {
        for _ in 0..3 {
            let response = post_with_key(&app, None, TEN_TITLES).await;
            assert_eq!(response.status(), 200, "[{}]", app.backend);
        }
        let response = post_with_key(&app, None, TEN_TITLES).await;
        assert_eq!(response.status(), 429, "[{}]", app.backend);
        let retry_after: u64 = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("a Retry-After header in seconds");
        // About 7 points are left and 31 are needed, at 1 point a second.
        assert!((21..=24).contains(&retry_after), "{retry_after}");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
        assert_eq!(
            body["errors"][0]["extensions"]["retryAfterSeconds"],
            retry_after
        );
        let left = body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
            .as_u64()
            .expect("a number");
        assert!((7..=9).contains(&left), "{left}");
        assert!(body.get("data").is_none(), "{body:#}");

        // A known API key has a bucket of its own, sized by its role (a reader's here), which
        // refills in the anonymous bucket's time; an unknown key is refused.
        let keyed = post_with_key(&app, Some("dashboard-secret-0123"), TEN_TITLES).await;
        assert_eq!(keyed.status(), 200);
        let keyed: Value = keyed.json().await.expect("JSON");
        let status = &keyed["extensions"]["cost"]["throttleStatus"];
        assert_eq!(status["currentlyAvailable"], 269, "{status}");
        assert_eq!(status["maximumAvailable"], 300, "{status}");
        assert_eq!(status["restoreRate"], 3, "{status}");
        let unknown = post_with_key(&app, Some("guessed-secret-000000"), TEN_TITLES).await;
        assert_eq!(unknown.status(), 401);
        let unknown: Value = unknown.json().await.expect("JSON");
        assert_eq!(
            unknown["errors"][0]["extensions"]["code"],
            "UNAUTHENTICATED"
        );
    }
}

#[tokio::test]
async fn replicas_on_one_database_share_each_clients_bucket() {
    for backend in backends() {
        let dir = TempDir::new().expect("temp dir");
        let url = fresh_database(backend, dir.path()).await;
        let mut settings = Settings::for_database(url, 0);
        small_bucket(&mut settings);
        let first = TestApp::start(backend, settings.clone(), dir).await;
        let second = TestApp::start(backend, settings, TempDir::new().expect("dir")).await;
        for replica in [&first, &second, &first] {
            let response = post_with_key(replica, None, TEN_TITLES).await;
            assert_eq!(response.status(), 200, "[{backend}]");
        }
        let response = post_with_key(&second, None, TEN_TITLES).await;
        assert_eq!(
            response.status(),
            429,
            "[{backend}] the second replica sees what the first charged"
        );
    }
}

#[tokio::test]
async fn batches_run_each_operation_up_to_the_configured_count() {
    for app in TestApp::all().await {
        let batch = json!([
            { "query": "{ projects { totalCount } }" },
            { "query": "{ organisations(first: 1) { nodes { name } } }" }
        ]);
        let response = post_body(&app, None, &batch).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body[0]["data"]["projects"]["totalCount"], 5, "{body:#}");
        assert_eq!(
            body[1]["data"]["organisations"]["nodes"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        assert!(body[1]["extensions"]["cost"]["requestedQueryCost"].is_number());

        let too_many: Vec<Value> = (0..11)
            .map(|_| json!({ "query": "{ projects { totalCount } }" }))
            .collect();
        let response = post_body(&app, None, &json!(too_many)).await;
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
}

#[tokio::test]
async fn buckets_that_have_refilled_are_forgotten_and_start_full_again() {
    for app in TestApp::all_with(small_bucket).await {
        post_with_key(&app, None, TEN_TITLES).await;
        let limiter = RateLimiter::new(
            app.db.clone(),
            BucketPolicy {
                capacity: 100,
                restore_rate: 1,
            },
        );
        let now = api::store::rate_limits::now_ms();
        assert_eq!(
            limiter.forget_full_buckets(now).await.ok(),
            Some(0),
            "[{}] a bucket still refilling stays",
            app.backend
        );
        // 100 points at 1 a second are back after 100 s.
        assert_eq!(
            limiter.forget_full_buckets(now + 101_000).await.ok(),
            Some(1)
        );
        let body: Value = post_with_key(&app, None, TEN_TITLES)
            .await
            .json()
            .await
            .expect("JSON");
        assert_eq!(
            body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
            69
        );
    }
}

#[tokio::test]
async fn on_postgresql_the_buckets_skip_the_write_ahead_log() {
    for app in TestApp::all().await {
        if app.backend != "postgres" {
            continue;
        }
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT relpersistence::text AS persistence FROM pg_class WHERE relname = 'rate_limit_buckets'",
            ))
            .await
            .expect("catalog query")
            .expect("the table exists");
        let persistence: String = row.try_get("", "persistence").expect("a text");
        assert_eq!(persistence, "u", "rate_limit_buckets is UNLOGGED");
    }
}

#[tokio::test]
async fn a_bucket_smaller_than_the_cost_limit_stops_start_up() {
    let dir = TempDir::new().expect("temp dir");
    let mut settings = Settings::for_database(fresh_database("sqlite", dir.path()).await, 0);
    settings.rate_limit_capacity = 1_000;
    let error = start_up_error(&settings).await;
    assert!(error.contains("must be at least MAX_QUERY_COST"), "{error}");
}
