//! Documents and bodies beyond the configured limits are refused before any database work.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn too_deep_or_too_complex_documents_are_refused_before_touching_the_database() {
    for app in TestApp::all().await {
        let before = app.statements.get();
        let deep = "{ places { nodes { parent { parent { parent { parent { parent { parent { parent { parent { key } } } } } } } } } } }";
        assert_eq!(
            app.error_codes(deep, json!({})).await,
            vec!["QUERY_TOO_COMPLEX"],
            "[{}]",
            app.backend
        );
        let aliases: String = (0..1_100)
            .map(|i| format!("a{i}: projects {{ totalCount }} "))
            .collect();
        assert_eq!(
            app.error_codes(&format!("{{ {aliases} }}"), json!({}))
                .await,
            vec!["QUERY_TOO_COMPLEX"]
        );
        let directives = "{ projects @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) { totalCount } }";
        assert_eq!(
            app.error_codes(directives, json!({}))
                .await
                .first()
                .map(String::as_str),
            Some("QUERY_TOO_COMPLEX")
        );
        assert_eq!(
            app.statements.get(),
            before,
            "[{}] no statement ran",
            app.backend
        );
    }
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_and_the_server_stays_up() {
    for app in TestApp::all().await {
        let huge = format!(
            "{{\"query\": \"{{ projects {{ totalCount }} }}\", \"padding\": \"{}\"}}",
            "x".repeat(2 * 1024 * 1024)
        );
        let response = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 413, "[{}]", app.backend);
        let body: serde_json::Value = response.json().await.expect("a JSON body");
        assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
        let data = app.data("{ projects { totalCount } }", json!({})).await;
        assert_eq!(data["projects"]["totalCount"], 5);
    }
}

#[tokio::test]
async fn production_mode_switches_off_introspection_and_suggestions() {
    for app in TestApp::all_with(|settings| settings.production = true).await {
        let introspection = app.post("{ __schema { types { name } } }", json!({})).await;
        assert!(
            introspection["data"]["__schema"].is_null(),
            "[{}] {introspection}",
            app.backend
        );
        let typo = app.post("{ projets { totalCount } }", json!({})).await;
        assert!(!typo.to_string().contains("Did you mean"), "{typo}");
        let data = app.data("{ projects { totalCount } }", json!({})).await;
        assert_eq!(data["projects"]["totalCount"], 5);
    }
    for app in TestApp::all().await {
        let introspection = app
            .data("{ __schema { queryType { name } } }", json!({}))
            .await;
        assert_eq!(
            introspection["__schema"]["queryType"]["name"], "Query",
            "[{}]",
            app.backend
        );
    }
}

#[tokio::test]
async fn a_request_that_runs_past_the_timeout_is_stopped_with_a_code() {
    for app in TestApp::all_with(|settings| {
        settings.request_timeout_ms = 1;
        settings.loader_delay_ms = 50;
    })
    .await
    {
        let codes = app
            .error_codes(
                "{ projects { nodes { title participations { organisation { name } } } } }",
                json!({}),
            )
            .await;
        assert_eq!(codes, vec!["TIMEOUT"], "[{}]", app.backend);
        let health = app
            .client
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .expect("sent");
        assert_eq!(health.status(), 200);
    }
}

#[tokio::test]
async fn introspection_as_explorers_send_it_is_held_to_neither_the_depth_nor_the_cost_limit() {
    for app in TestApp::all().await {
        let wrappers = "ofType { kind ".repeat(8);
        let closing = "} ".repeat(8);
        // Lists in lists: charged like data lists, this would cost far over the limit.
        let type_ref = format!("type {{ kind name {wrappers} name {closing} }}");
        let query = format!(
            "{{ __schema {{ types {{ name fields {{ name {type_ref} args {{ name {type_ref} }} }} \
             inputFields {{ name {type_ref} }} enumValues {{ name }} possibleTypes {{ name }} }} }} }}"
        );
        let data = app.data(&query, json!({})).await;
        assert!(
            data["__schema"]["types"]
                .as_array()
                .is_some_and(|t| t.len() > 20),
            "[{}]",
            app.backend
        );
    }
}

#[tokio::test]
async fn a_client_that_sends_its_whole_body_first_still_reads_the_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for app in TestApp::all().await {
        // Like Python's urllib or a browser's fetch: write everything, then read.
        let body = format!(
            "{{\"query\": \"{{ projects {{ totalCount }} }}\", \"padding\": \"{}\"}}",
            "x".repeat(4 * 1024 * 1024)
        );
        let host = app.address.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream
            .write_all(head.as_bytes())
            .await
            .expect("headers sent");
        stream
            .write_all(body.as_bytes())
            .await
            .expect("the whole body is accepted, not reset");
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .await
            .expect("the answer is read");
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "[{}] {answer}",
            app.backend
        );
        assert!(
            answer.contains("PAYLOAD_TOO_LARGE"),
            "[{}] {answer}",
            app.backend
        );
    }
}
