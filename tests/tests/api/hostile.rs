//! A corpus of hostile requests: each is refused with a 4xx and a code, and the server stays up
//! with steady memory.

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Resident memory of this process (the server runs in it) in KiB, where /proc is available.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

enum Body {
    Json(Value),
    Raw(Vec<u8>),
}

async fn send(app: &TestApp, body: Body) -> (u16, Value) {
    let request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .header("content-type", "application/json");
    let request = match body {
        Body::Json(value) => request.body(value.to_string()),
        Body::Raw(bytes) => request.body(bytes),
    };
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Each hostile request, with a name for failure messages.
fn corpus() -> Vec<(&'static str, Body)> {
    let deep = format!(
        "{{ places {{ nodes {{ {} key {} }} }} }}",
        "parent { ".repeat(40),
        "} ".repeat(40)
    );
    let aliases: String = (0..5_000).map(|i| format!("a{i}: __typename ")).collect();
    let duplicated: String = "projects { totalCount } ".repeat(3_000);
    let directives = format!(
        "{{ projects {} {{ totalCount }} }}",
        "@include(if: true) ".repeat(500)
    );
    let mut nested_variables = String::new();
    for _ in 0..100_000 {
        nested_variables.push('[');
    }
    for _ in 0..100_000 {
        nested_variables.push(']');
    }
    let batch: Vec<Value> = (0..1_000)
        .map(|_| json!({ "query": "{ projects { totalCount } }" }))
        .collect();
    vec![
        ("deep nesting", Body::Json(json!({ "query": deep }))),
        ("alias bomb", Body::Json(json!({ "query": format!("{{ {aliases} }}") }))),
        ("field duplication bomb", Body::Json(json!({ "query": format!("{{ {duplicated} }}") }))),
        ("directive bomb", Body::Json(json!({ "query": directives }))),
        (
            "circular fragments",
            Body::Json(json!({ "query": "query { ...a } fragment a on Query { ...b } fragment b on Query { ...a }" })),
        ),
        ("10 MB body", Body::Raw(format!("{{\"query\":\"{}\"}}", "x".repeat(10 * 1024 * 1024)).into_bytes())),
        ("invalid JSON", Body::Raw(b"{\"query\": \"{ projects { totalCount } }\"".to_vec())),
        ("invalid UTF-8", Body::Raw(vec![b'{', b'"', b'q', 0xff, 0xfe, b'"', b'}'])),
        (
            "variables nested 100,000 levels",
            Body::Raw(format!("{{\"query\":\"query($v: [ID!]) {{ nodes(ids: $v) {{ id }} }}\",\"variables\":{{\"v\":{nested_variables}}}}}").into_bytes()),
        ),
        (
            "integer overflow in variables",
            Body::Json(json!({ "query": "query($n: Int) { projects(first: $n) { totalCount } }", "variables": { "n": 1u64 << 40 } })),
        ),
        ("megabyte string literal", Body::Json(json!({ "query": format!("{{ projects(filter: {{ text: \"{}\" }}) {{ totalCount }} }}", "y".repeat(1_000_000)) }))),
        ("batch of 1,000 operations", Body::Json(json!(batch))),
        (
            "nested pages and lists multiplying",
            Body::Json(json!({ "query": "{ projects(first: 100) { nodes { participations { organisation { projects { participations { organisation { name } } } } } } } }" })),
        ),
    ]
}

#[tokio::test]
async fn hostile_requests_get_a_4xx_with_a_code_and_the_server_stays_up() {
    for app in TestApp::all_with(|s| s.max_body_bytes = 2 * 1024 * 1024).await {
        // Warm up so the allocator's first growth does not count as a leak.
        for (_, body) in corpus().into_iter().take(3) {
            send(&app, body).await;
        }
        let before = resident_kib();
        for round in 0..3 {
            for (name, body) in corpus() {
                let (status, body) = send(&app, body).await;
                assert!(
                    (400..500).contains(&status),
                    "[{}] {name}: status {status}",
                    app.backend
                );
                if status != 413 {
                    let code = body["errors"][0]["extensions"]["code"]
                        .as_str()
                        .unwrap_or("");
                    assert!(
                        !code.is_empty() && code != "INTERNAL",
                        "[{}] {name} (round {round}): {body}",
                        app.backend
                    );
                }
            }
        }
        let (_, deep) = send(&app, corpus().remove(0).1).await;
        assert_eq!(
            deep["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
            "[{}] {deep}",
            app.backend
        );
        let health = app
            .client
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .expect("sent");
        assert_eq!(
            health.status(),
            200,
            "[{}] the server stays up",
            app.backend
        );
        assert_eq!(
            app.data("{ projects { totalCount } }", json!({})).await["projects"]["totalCount"],
            5
        );
        if let (Some(before), Some(after)) = (before, resident_kib()) {
            assert!(
                after < before + 256 * 1024,
                "[{}] memory grew from {before} KiB to {after} KiB",
                app.backend
            );
        }
    }
}

#[tokio::test]
async fn sql_looking_strings_in_every_filter_are_plain_values() {
    let evil = "'; DROP TABLE projects; --";
    for app in TestApp::all().await {
        let queries = [
            format!(r#"{{ projects(filter: {{ text: "{evil}" }}) {{ totalCount }} }}"#),
            format!(r#"{{ organisations(filter: {{ text: "{evil}" }}) {{ totalCount }} }}"#),
            format!(r#"{{ places(filter: {{ text: "{evil}" }}) {{ totalCount }} }}"#),
            format!(r#"{{ funders(filter: {{ text: "{evil}" }}) {{ totalCount }} }}"#),
            format!(r#"{{ programmes(filter: {{ text: "{evil}" }}) {{ totalCount }} }}"#),
            format!(r#"{{ outcomes(filter: {{ unit: ["{evil}"] }}) {{ totalCount }} }}"#),
            format!(
                r#"{{ outcomeTotals(filter: {{ unit: ["{evil}"] }}) {{ groups {{ unit }} }} }}"#
            ),
        ];
        for query in &queries {
            let data = app.data(query, json!({})).await;
            let first = data
                .as_object()
                .and_then(|o| o.values().next())
                .cloned()
                .unwrap_or_default();
            assert!(
                first["totalCount"] == 0 || first["groups"] == json!([]),
                "[{}] {query}: {data}",
                app.backend
            );
        }
        for query in [
            format!(r#"{{ projects(filter: {{ country: ["{evil}"] }}) {{ totalCount }} }}"#),
            format!(r#"{{ fundingLines(filter: {{ currency: ["{evil}"] }}) {{ totalCount }} }}"#),
            format!(r#"{{ projects(filter: {{ funder: ["{evil}"] }}) {{ totalCount }} }}"#),
        ] {
            assert_eq!(
                app.error_codes(&query, json!({})).await,
                vec!["BAD_USER_INPUT"],
                "[{}] {query}",
                app.backend
            );
        }
        assert_eq!(
            app.data("{ projects { totalCount } }", json!({})).await["projects"]["totalCount"],
            5
        );
    }
}
