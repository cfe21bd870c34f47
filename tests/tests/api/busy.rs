//! A busy server is not a down one: requests queue for their turn up to the request timeout;
//! only when the queue is full are they shed, with 503 OVERLOADED and Retry-After.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const ORGANISATIONS: &str =
    "{ organisations(first: 100) { nodes { key participations { role project { key } } } } }";

/// Sends `clients` requests of `query` at once and returns each one's status and body.
async fn at_once(app: &TestApp, clients: usize, query: &str) -> Vec<(u16, Option<String>, Value)> {
    let requests = (0..clients).map(|_| async {
        let response = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value = response.json().await.expect("JSON response");
        (status, retry_after, body)
    });
    join_all(requests).await
}

#[tokio::test]
async fn sixty_four_clients_on_a_small_pool_all_get_their_answer() {
    let apps = TestApp::all_with(|settings| {
        settings.database_max_connections = Some(2);
        settings.rate_limit_capacity = 0;
    })
    .await;
    for app in apps {
        let answers = at_once(&app, 64, ORGANISATIONS).await;
        for (status, _, body) in &answers {
            assert_eq!(*status, 200, "[{}] {body}", app.backend);
            assert!(body.get("errors").is_none(), "[{}] {body}", app.backend);
            assert_eq!(
                body["data"]["organisations"]["nodes"]
                    .as_array()
                    .map(Vec::len),
                Some(17)
            );
        }
    }
}

#[tokio::test]
async fn past_a_full_queue_requests_are_shed_with_overloaded_and_retry_after() {
    let apps = TestApp::all_with(|settings| {
        settings.database_max_connections = Some(1);
        settings.max_queued_requests = 1;
        settings.rate_limit_capacity = 0;
        // Each request holds its place a while, so the sixteen overlap.
        settings.loader_delay_ms = 50;
    })
    .await;
    for app in apps {
        let answers = at_once(&app, 16, ORGANISATIONS).await;
        let shed: Vec<_> = answers
            .iter()
            .filter(|(status, ..)| *status == 503)
            .collect();
        assert!(!shed.is_empty(), "[{}] some requests are shed", app.backend);
        assert!(
            answers.iter().any(|(status, ..)| *status == 200),
            "[{}] some requests run",
            app.backend
        );
        for (_, retry_after, body) in shed {
            assert_eq!(retry_after.as_deref(), Some("1"), "[{}]", app.backend);
            assert_eq!(body["errors"][0]["extensions"]["code"], "OVERLOADED");
        }
        for (status, _, body) in &answers {
            assert!(
                *status == 503 || body.get("errors").is_none(),
                "[{}] only shedding fails: {body}",
                app.backend
            );
        }
    }
}
