//! Subscriptions over WebSocket (graphql-transport-ws): credentials in `connection_init`, a
//! change through one replica reaching a subscriber on another, catching up after a reconnect
//! from the last cursor, and the same visibility rules as queries.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{
    ADMIN_KEY, EDITOR_KEY, READER_KEY, TestApp, backends, fresh_database, id_where,
};
use crate::writes::mutate_as;

const CHANGES: &str = "subscription($after: String, $types: [RecordType!], $ids: [ID!]) {
    changes(after: $after, recordTypes: $types, ids: $ids) {
        cursor node { operation recordType recordId version
            node { ... on Contact { id name email } ... on Funder { id } } } } }";

/// How long a test waits for a message it expects.
const PATIENCE: Duration = Duration::from_secs(20);

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws connection to `app`, not yet initialised.
async fn open(app: &TestApp) -> Socket {
    let url = format!("{}/graphql", app.address.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("a WebSocket request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket opens");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sent");
}

/// The next protocol message, or the close frame's code and reason.
async fn receive(socket: &mut Socket) -> Result<Value, (u16, String)> {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a message in time")
            .expect("the socket is open")
            .expect("a message");
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).expect("JSON");
                if value["type"] == "ping" {
                    send(socket, json!({ "type": "pong" })).await;
                    continue;
                }
                return Ok(value);
            }
            Message::Close(frame) => {
                let frame = frame.expect("a close frame");
                return Err((frame.code.into(), frame.reason.to_string()));
            }
            _ => {}
        }
    }
}

/// A connection initialised with `payload`.
async fn connect(app: &TestApp, payload: Value) -> Socket {
    let mut socket = open(app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    let ack = receive(&mut socket)
        .await
        .expect("an answer to connection_init");
    assert_eq!(ack["type"], "connection_ack", "[{}] {ack}", app.backend);
    socket
}

async fn subscribe(socket: &mut Socket, id: &str, query: &str, variables: Value) {
    send(
        socket,
        json!({ "type": "subscribe", "id": id, "payload": { "query": query, "variables": variables } }),
    )
    .await;
}

/// The payload of the next `next` message, skipping the `complete` of finished operations.
async fn next_payload(socket: &mut Socket) -> Value {
    let mut message = receive(socket).await.expect("no close");
    // A one-off operation (a query, or a refused subscription) completes after its answer.
    while message["type"] == "complete" {
        message = receive(socket).await.expect("no close");
    }
    assert_eq!(message["type"], "next", "{message}");
    message["payload"].clone()
}

/// The next change delivered, with its cursor.
async fn next_change(socket: &mut Socket) -> Value {
    let payload = next_payload(socket).await;
    assert!(payload.get("errors").is_none(), "{payload}");
    payload["data"]["changes"].clone()
}

async fn create_funder(app: &TestApp, key: &str) -> String {
    let created = mutate_as(
        app,
        ADMIN_KEY,
        "createFunder",
        json!({ "key": key, "name": [{ "lang": "en", "text": key, "isOriginal": true }] }),
        "funder { id }",
    )
    .await;
    created["funder"]["id"].as_str().expect("id").to_owned()
}

fn settings_with_writers(url: String) -> api::config::Settings {
    let mut settings = api::config::Settings::for_database(url, 0);
    settings.api_keys = vec![
        format!("editor:{EDITOR_KEY}:editor"),
        format!("admin:{ADMIN_KEY}:admin"),
        format!("reader:{READER_KEY}"),
    ];
    settings.rate_limit_capacity = 0;
    settings
}

/// One app per backend knowing the writers' keys, with no rate limit.
async fn subscription_apps() -> Vec<TestApp> {
    TestApp::all_with(|s| *s = settings_with_writers(s.database_url.clone())).await
}

#[tokio::test]
async fn a_change_through_one_replica_reaches_a_subscriber_on_another() {
    for backend in backends() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let settings = settings_with_writers(fresh_database(backend, dir.path()).await);
        let first = TestApp::start(backend, settings.clone(), dir).await;
        // SQLite serves one process: there the subscriber and the writer share it.
        let second = match backend {
            "postgres" => Some(
                TestApp::start(
                    backend,
                    settings,
                    tempfile::TempDir::new().expect("temp dir"),
                )
                .await,
            ),
            _ => None,
        };
        let subscriber_app = second.as_ref().unwrap_or(&first);
        let mut socket = connect(subscriber_app, json!({ "X-API-Key": READER_KEY })).await;
        subscribe(
            &mut socket,
            "1",
            CHANGES,
            json!({ "types": ["FUNDER", "CONTACT"] }),
        )
        .await;
        // The subscription starts at the present: nothing from the seed arrives.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let funder = create_funder(&first, "sub-funder").await;
        let change = next_change(&mut socket).await;
        assert_eq!(change["node"]["operation"], "CREATED", "[{backend}]");
        assert_eq!(change["node"]["recordId"], funder);
        assert_eq!(change["node"]["node"]["id"], funder);
        assert!(
            change["cursor"]
                .as_str()
                .is_some_and(|c| c.starts_with("chg:"))
        );

        // The cursor a subscriber sees is one the feed query takes.
        let after = first
            .post_as(
                READER_KEY,
                "query($after: String) { changes(after: $after) { edges { node { recordId } } } }",
                json!({ "after": change["cursor"] }),
            )
            .await;
        assert!(after.get("errors").is_none(), "[{backend}] {after}");
    }
}

#[tokio::test]
async fn refused_credentials_in_connection_init_close_the_socket_with_4403() {
    for app in TestApp::all().await {
        for payload in [
            json!({ "X-API-Key": "no-such-key-0123456789" }),
            json!({ "Authorization": "Basic dXNlcjpwYXNz" }),
            json!({ "x-api-key": 42 }),
            json!("not an object"),
        ] {
            let mut socket = open(&app).await;
            send(
                &mut socket,
                json!({ "type": "connection_init", "payload": payload }),
            )
            .await;
            let (code, reason) = receive(&mut socket)
                .await
                .expect_err("the socket is closed");
            assert_eq!(code, 4403, "[{}] {payload}: {reason}", app.backend);
            assert!(!reason.is_empty());
        }
    }
}

#[tokio::test]
async fn a_connection_that_sends_no_connection_init_is_closed_with_4408() {
    for app in TestApp::all().await {
        let mut socket = open(&app).await;
        let started = std::time::Instant::now();
        let (code, reason) = receive(&mut socket)
            .await
            .expect_err("the socket is closed");
        assert_eq!(code, 4408, "[{}] {reason}", app.backend);
        assert!(
            started.elapsed() >= Duration::from_secs(2),
            "[{}] closed after the wait, not at once",
            app.backend
        );
        // One that introduces itself in time stays open past the wait.
        let mut socket = connect(&app, json!(null)).await;
        tokio::time::sleep(Duration::from_secs(4)).await;
        subscribe(&mut socket, "q", "{ __typename }", json!({})).await;
        assert_eq!(
            next_payload(&mut socket).await["data"]["__typename"],
            "Query"
        );
    }
}

#[tokio::test]
async fn a_websocket_without_the_graphql_transport_ws_protocol_is_refused() {
    for app in TestApp::all().await {
        let url = format!("{}/graphql", app.address.replacen("http", "ws", 1));
        let error = tokio_tungstenite::connect_async(url)
            .await
            .expect_err("refused");
        let tokio_tungstenite::tungstenite::Error::Http(response) = error else {
            panic!("[{}] an HTTP refusal: {error}", app.backend);
        };
        assert_eq!(response.status(), 400);
    }
}

#[tokio::test]
async fn subscriptions_need_credentials_and_mutations_go_over_post() {
    for app in subscription_apps().await {
        let mut anonymous = connect(&app, json!({})).await;
        subscribe(&mut anonymous, "1", CHANGES, json!({})).await;
        let payload = next_payload(&mut anonymous).await;
        assert_eq!(
            payload["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "[{}] {payload}",
            app.backend
        );

        let mut reader = connect(&app, json!({ "X-API-Key": READER_KEY })).await;
        subscribe(
            &mut reader,
            "2",
            "mutation { deleteFunder(input: { id: \"x\" }) { deletedId } }",
            json!({}),
        )
        .await;
        let payload = next_payload(&mut reader).await;
        assert_eq!(
            payload["errors"][0]["extensions"]["code"], "METHOD_NOT_ALLOWED",
            "[{}] {payload}",
            app.backend
        );

        subscribe(&mut reader, "3", CHANGES, json!({ "ids": ["not-an-id"] })).await;
        let payload = next_payload(&mut reader).await;
        assert_eq!(
            payload["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "[{}] {payload}",
            app.backend
        );

        // Queries run over the socket too, with their relations loaded as over HTTP.
        subscribe(
            &mut reader,
            "4",
            "{ projects(first: 2) { nodes { key participations { organisation { key } } } } }",
            json!({}),
        )
        .await;
        let payload = next_payload(&mut reader).await;
        assert!(
            payload.get("errors").is_none(),
            "[{}] {payload}",
            app.backend
        );
        assert_eq!(
            payload["data"]["projects"]["nodes"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
    }
}

#[tokio::test]
async fn a_subscriber_reconnecting_with_its_last_cursor_gets_what_it_missed_in_order() {
    for app in subscription_apps().await {
        let mut socket = connect(&app, json!({ "X-API-Key": READER_KEY })).await;
        subscribe(&mut socket, "1", CHANGES, json!({ "types": ["FUNDER"] })).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        create_funder(&app, "first-funder").await;
        let seen = next_change(&mut socket).await;
        let cursor = seen["cursor"].clone();
        drop(socket);

        let missed = [
            create_funder(&app, "second-funder").await,
            create_funder(&app, "third-funder").await,
        ];
        let mut socket = connect(&app, json!({ "X-API-Key": READER_KEY })).await;
        subscribe(
            &mut socket,
            "1",
            CHANGES,
            json!({ "types": ["FUNDER"], "after": cursor }),
        )
        .await;
        for expected in &missed {
            let change = next_change(&mut socket).await;
            assert_eq!(&change["node"]["recordId"], expected, "[{}]", app.backend);
        }
        // And it keeps following.
        let live = create_funder(&app, "fourth-funder").await;
        assert_eq!(next_change(&mut socket).await["node"]["recordId"], live);
    }
}

#[tokio::test]
async fn a_subscriber_sees_only_the_records_it_names_and_no_personal_data_it_may_not_see() {
    for app in subscription_apps().await {
        let projects = app
            .data("{ projects(first: 10) { nodes { id key } } }", json!({}))
            .await;
        let project = id_where(&projects["projects"], "key", "co-op");
        let contact = |name: &str| json!({ "project": project, "name": name, "email": format!("{name}@example.org") });
        let followed = mutate_as(
            &app,
            ADMIN_KEY,
            "createContact",
            contact("anna"),
            "contact { id }",
        )
        .await["contact"]["id"]
            .as_str()
            .expect("id")
            .to_owned();

        let mut reader = connect(&app, json!({ "X-API-Key": READER_KEY })).await;
        subscribe(&mut reader, "1", CHANGES, json!({ "ids": [followed] })).await;
        let mut admin = connect(&app, json!({ "X-API-Key": ADMIN_KEY })).await;
        subscribe(&mut admin, "1", CHANGES, json!({ "ids": [followed] })).await;
        tokio::time::sleep(Duration::from_millis(300)).await;

        // A change to another record is not delivered; the followed one's is.
        mutate_as(
            &app,
            ADMIN_KEY,
            "createContact",
            contact("bert"),
            "contact { id }",
        )
        .await;
        mutate_as(
            &app,
            ADMIN_KEY,
            "updateContact",
            json!({ "id": followed, "patch": { "name": "Anna B." } }),
            "contact { id }",
        )
        .await;

        // On PostgreSQL the present may lie just before the contact's creation, which then
        // comes first.
        let payload = loop {
            let payload = next_payload(&mut reader).await;
            if payload["data"]["changes"]["node"]["operation"] == "UPDATED" {
                break payload;
            }
        };
        let change = &payload["data"]["changes"]["node"];
        assert_eq!(change["recordId"], followed, "[{}] {payload}", app.backend);
        assert_eq!(change["node"]["name"], "Anna B.");
        assert!(change["node"]["email"].is_null(), "a reader sees no email");
        assert_eq!(payload["errors"][0]["extensions"]["code"], "FORBIDDEN");

        let change = loop {
            let change = next_change(&mut admin).await;
            if change["node"]["operation"] == "UPDATED" {
                break change;
            }
        };
        assert_eq!(change["node"]["node"]["email"], "anna@example.org");
    }
}
