//! Starting the real application for a test: on port 0, against a fresh SQLite file, and against
//! a fresh PostgreSQL database too when `TEST_DATABASE_URL` is set.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use api::config::Settings;
use api::startup::Application;
use api::store::database::StatementCounter;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    pub backend: &'static str,
    pub statements: StatementCounter,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    _shutdown: oneshot::Sender<()>,
    _dir: TempDir,
}

static DATABASE_COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty PostgreSQL database next to the one `TEST_DATABASE_URL` names.
async fn fresh_postgres_database(base: &str) -> String {
    let admin = Database::connect(base)
        .await
        .expect("TEST_DATABASE_URL must be reachable");
    let name = format!(
        "api_test_{}_{}_{}",
        std::process::id(),
        DATABASE_COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("cannot create a test database");
    let mut url = url::Url::parse(base).expect("TEST_DATABASE_URL must be a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The PostgreSQL server tests also run against, when `TEST_DATABASE_URL` names one.
fn postgres_base() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// A fresh database URL for `backend`, inside `dir` for SQLite.
pub async fn fresh_database(backend: &str, dir: &Path) -> String {
    match (backend, postgres_base()) {
        ("postgres", Some(base)) => fresh_postgres_database(&base).await,
        _ => format!("sqlite://{}?mode=rwc", dir.join("test.sqlite").display()),
    }
}

/// The backends every test runs on.
pub fn backends() -> Vec<&'static str> {
    if postgres_base().is_some() {
        vec!["sqlite", "postgres"]
    } else {
        vec!["sqlite"]
    }
}

impl TestApp {
    /// One app per configured backend, each on a fresh database with the built-in seed dataset.
    pub async fn all() -> Vec<TestApp> {
        Self::all_with(|_| {}).await
    }

    /// Like [`TestApp::all`], with the settings adjusted first.
    pub async fn all_with(adjust: impl Fn(&mut Settings)) -> Vec<TestApp> {
        let mut apps = Vec::new();
        for backend in backends() {
            let dir = TempDir::new().expect("temp dir");
            let mut settings = Settings::for_database(fresh_database(backend, dir.path()).await, 0);
            adjust(&mut settings);
            apps.push(Self::start(backend, settings, dir).await);
        }
        apps
    }

    /// Starts the application with `settings`; `dir` lives as long as the app.
    pub async fn start(backend: &'static str, settings: Settings, dir: TempDir) -> TestApp {
        let app = Application::build(&settings)
            .await
            .expect("the application builds");
        let address = format!("http://{}", app.local_addr().expect("bound address"));
        let statements = app.statements();
        let db = app.db().clone();
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stop.await;
        }));
        TestApp {
            address,
            backend,
            statements,
            db,
            client: reqwest::Client::new(),
            _shutdown: shutdown,
            _dir: dir,
        }
    }

    /// Posts a GraphQL request and returns the whole response body.
    pub async fn post(&self, query: &str, variables: Value) -> Value {
        self.client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON response")
    }

    /// Posts a GraphQL request with `credential` and returns the whole response body: an API
    /// key, sent in `X-API-Key`, or `Bearer <token>`, sent in `Authorization`.
    pub async fn post_as(&self, credential: &str, query: &str, variables: Value) -> Value {
        let (header, value) = if credential.starts_with("Bearer ") {
            ("authorization", credential)
        } else {
            ("x-api-key", credential)
        };
        self.client
            .post(format!("{}/graphql", self.address))
            .header(header, value)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON response")
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.post(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "[{}] unexpected errors: {body:#}",
            self.backend
        );
        body["data"].clone()
    }

    /// Runs a query that must fail and returns the `extensions.code` of each error.
    pub async fn error_codes(&self, query: &str, variables: Value) -> Vec<String> {
        let body = self.post(query, variables).await;
        let errors = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("[{}] expected errors: {body:#}", self.backend));
        errors
            .iter()
            .map(|e| {
                e["extensions"]["code"]
                    .as_str()
                    .unwrap_or("<none>")
                    .to_owned()
            })
            .collect()
    }
}

/// The whole error chain with which start-up refuses `settings`; panics when it starts.
pub async fn start_up_error(settings: &Settings) -> String {
    let error = Application::build(settings)
        .await
        .err()
        .expect("start-up fails");
    format!("{error:#}")
}

/// The `id` of the node of `connection` whose `field` equals `value`.
pub fn id_where(connection: &Value, field: &str, value: &str) -> String {
    connection["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n[field] == value))
        .and_then(|n| n["id"].as_str())
        .unwrap_or_else(|| panic!("no node with {field} = {value} in {connection:#}"))
        .to_owned()
}

/// The keys of the writing tests: an editor, an admin and a reader.
pub const EDITOR_KEY: &str = "editor-secret-0123456789";
pub const ADMIN_KEY: &str = "admin-secret-0123456789";
pub const READER_KEY: &str = "reader-secret-0123456789";

/// One app per backend that knows the editor, admin and reader keys.
pub async fn apps_with_writers() -> Vec<TestApp> {
    apps_with_writers_and(|_| {}).await
}

/// Like [`apps_with_writers`], with the settings adjusted further.
pub async fn apps_with_writers_and(adjust: impl Fn(&mut Settings)) -> Vec<TestApp> {
    TestApp::all_with(|settings| {
        settings.api_keys = vec![
            format!("editor:{EDITOR_KEY}:editor"),
            format!("admin:{ADMIN_KEY}:admin"),
            format!("reader:{READER_KEY}"),
        ];
        adjust(settings);
    })
    .await
}
