//! Settings of the server, each from an environment variable with a documented default (also
//! accepted as a command-line flag). `.env.example` and the README list the same variables.

use std::net::IpAddr;
use std::path::PathBuf;

/// Everything the server needs to start.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, global = true, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on; 0 picks a free port.
    #[arg(long, global = true, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// Database to serve: a `sqlite://` file (created when missing) or a `postgres://` URL.
    #[arg(long, global = true, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Folder of seed files to load into an empty database instead of the built-in dataset.
    #[arg(long, global = true, env = "SEED_DIR")]
    pub seed_dir: Option<PathBuf>,
    /// Skip loading seed data into an empty database.
    #[arg(long, global = true, env = "SKIP_SEED", default_value_t = false)]
    pub skip_seed: bool,
    /// Largest number of database connections in the pool; by default four per core (at
    /// least four). As many GraphQL requests run at once; the others queue.
    #[arg(long, global = true, env = "DATABASE_MAX_CONNECTIONS")]
    pub database_max_connections: Option<u32>,
    /// Most GraphQL requests running at once; by default as many as the pool has connections
    /// (twice that measured slower and used more memory).
    #[arg(long, global = true, env = "MAX_RUNNING_REQUESTS")]
    pub max_running_requests: Option<usize>,
    /// Most requests waiting for their turn; past that, requests are shed with 503 OVERLOADED.
    #[arg(
        long,
        global = true,
        env = "MAX_QUEUED_REQUESTS",
        default_value_t = 256
    )]
    pub max_queued_requests: usize,
    /// Deepest field nesting a query may have.
    #[arg(long, global = true, env = "MAX_QUERY_DEPTH", default_value_t = 10)]
    pub max_query_depth: usize,
    /// Largest cost one query may have (see the README's cost model: connections are charged
    /// by page size, nested lists by an estimate, both multiplied by nesting).
    #[arg(long, global = true, env = "MAX_QUERY_COST", default_value_t = 20_000)]
    pub max_query_cost: u64,
    /// Most operations in one batched request (a JSON array of requests).
    #[arg(
        long,
        global = true,
        env = "MAX_BATCH_OPERATIONS",
        default_value_t = 10
    )]
    pub max_batch_operations: usize,
    /// Points in each client's rate-limit bucket; 0 switches rate limiting off.
    #[arg(
        long,
        global = true,
        env = "RATE_LIMIT_CAPACITY",
        default_value_t = 40_000
    )]
    pub rate_limit_capacity: u64,
    /// Points a client's bucket gets back per second.
    #[arg(
        long,
        global = true,
        env = "RATE_LIMIT_RESTORE_RATE",
        default_value_t = 2_000
    )]
    pub rate_limit_restore_rate: u64,
    /// Points in the bucket of each reader key or token; every bucket refills in the same time
    /// as an anonymous one (`RATE_LIMIT_CAPACITY / RATE_LIMIT_RESTORE_RATE` seconds).
    #[arg(
        long,
        global = true,
        env = "RATE_LIMIT_CAPACITY_READER",
        default_value_t = 100_000
    )]
    pub rate_limit_capacity_reader: u64,
    /// Points in the bucket of each editor key or token.
    #[arg(
        long,
        global = true,
        env = "RATE_LIMIT_CAPACITY_EDITOR",
        default_value_t = 100_000
    )]
    pub rate_limit_capacity_editor: u64,
    /// Points in the bucket of each admin key or token.
    #[arg(
        long,
        global = true,
        env = "RATE_LIMIT_CAPACITY_ADMIN",
        default_value_t = 200_000
    )]
    pub rate_limit_capacity_admin: u64,
    /// API keys as `name:secret` or `name:secret:role` entries (comma separated; role
    /// `reader`, the default, `editor` or `admin`). A request with `X-API-Key: secret` is
    /// rate-limited as `name` and has its role; one without a key is anonymous, rate-limited
    /// by its client address.
    #[arg(
        long,
        global = true,
        env = "API_KEYS",
        value_delimiter = ',',
        default_value = "",
        hide_env_values = true
    )]
    pub api_keys: Vec<String>,
    /// Days the change feed keeps a change; a cursor older than that gets CURSOR_EXPIRED.
    #[arg(
        long,
        global = true,
        env = "CHANGE_RETENTION_DAYS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(1..=3650)
    )]
    pub change_retention_days: u32,
    /// Bearer tokens (JWT) from an identity provider.
    #[command(flatten)]
    pub tokens: TokenSettings,
    /// Delivering changes to webhooks.
    #[command(flatten)]
    pub webhooks: WebhookSettings,
    /// Take the client address from the last `X-Forwarded-For` entry (set this only behind a
    /// proxy that appends it); otherwise the connection's peer address is used.
    #[arg(
        long,
        global = true,
        env = "TRUST_FORWARDED_FOR",
        default_value_t = false
    )]
    pub trust_forwarded_for: bool,
    /// A JSON manifest of trusted documents (SHA-256 hex to document text). When set, only
    /// these documents run, and automatic persisted queries are off.
    #[arg(long, global = true, env = "TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<PathBuf>,
    /// Most directives on one field.
    #[arg(long, global = true, env = "MAX_DIRECTIVES", default_value_t = 5)]
    pub max_directives: usize,
    /// Longest GraphQL document, in bytes.
    #[arg(
        long,
        global = true,
        env = "MAX_DOCUMENT_BYTES",
        default_value_t = 20_000
    )]
    pub max_document_bytes: usize,
    /// Most aliased fields in one document.
    #[arg(long, global = true, env = "MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Most root fields in one operation.
    #[arg(long, global = true, env = "MAX_ROOT_FIELDS", default_value_t = 20)]
    pub max_root_fields: usize,
    /// Milliseconds one GraphQL request may run before it is answered with TIMEOUT.
    #[arg(
        long,
        global = true,
        env = "REQUEST_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub request_timeout_ms: u64,
    /// Largest request body in bytes; larger ones get 413.
    #[arg(
        long,
        global = true,
        env = "MAX_BODY_BYTES",
        default_value_t = 1_048_576
    )]
    pub max_body_bytes: usize,
    /// Origins browsers may call the API from (comma separated); empty allows none.
    #[arg(
        long,
        global = true,
        env = "CORS_ALLOWED_ORIGINS",
        value_delimiter = ',',
        default_value = ""
    )]
    pub cors_allowed_origins: Vec<String>,
    /// Production mode: introspection and field suggestions are switched off.
    #[arg(long, global = true, env = "PRODUCTION", default_value_t = false)]
    pub production: bool,
    /// Milliseconds a DataLoader batch waits before it queries. Batching needs no wait: a
    /// batch runs when the request can go no further without it.
    #[arg(long, global = true, env = "LOADER_DELAY_MS", default_value_t = 0)]
    pub loader_delay_ms: u64,
    /// Page size of a connection when the query gives neither `first` nor `last`.
    #[arg(long, global = true, env = "DEFAULT_PAGE_SIZE", default_value_t = 20)]
    pub default_page_size: u32,
    /// Largest `first` or `last` a query may ask for.
    #[arg(long, global = true, env = "MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: u32,
}

/// Where JSON Web Tokens in `Authorization: Bearer` come from and what they must say. With
/// none of `JWT_SECRET`, `JWT_JWKS_URL` and `JWT_JWKS_FILE`, bearer tokens are refused.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TokenSettings {
    /// Shared secret for HS256 tokens (at least 32 bytes).
    #[arg(long, global = true, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// URL of the identity provider's JSON Web Key Set (RS256, ES256 and EdDSA keys), fetched at
    /// start-up and again when a token names a key not in it.
    #[arg(long, global = true, env = "JWT_JWKS_URL")]
    pub jwt_jwks_url: Option<url::Url>,
    /// A JSON Web Key Set in a file, instead of a URL.
    #[arg(long, global = true, env = "JWT_JWKS_FILE")]
    pub jwt_jwks_file: Option<PathBuf>,
    /// The `iss` every token must carry; required with a key set.
    #[arg(long, global = true, env = "JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// The `aud` every token must carry (one of its audiences); required with a key set.
    #[arg(long, global = true, env = "JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// The claim holding the caller's role (`reader`, `editor` or `admin`, or a list in which
    /// the highest counts). A dotted name such as `realm_access.roles` reaches into objects.
    #[arg(long, global = true, env = "JWT_ROLE_CLAIM", default_value = "role")]
    pub jwt_role_claim: String,
    /// The claim holding an editor's organisations, by key (a list, or one key).
    #[arg(
        long,
        global = true,
        env = "JWT_ORGANISATIONS_CLAIM",
        default_value = "organisations"
    )]
    pub jwt_organisations_claim: String,
    /// Seconds between two fetches of the key set when tokens name unknown keys.
    #[arg(
        long,
        global = true,
        env = "JWT_JWKS_REFETCH_SECONDS",
        default_value_t = 60
    )]
    pub jwt_jwks_refetch_seconds: u64,
}

/// How changes are delivered to registered webhooks.
#[derive(Debug, Clone, clap::Args)]
pub struct WebhookSettings {
    /// Allow webhook URLs on private, loopback and link-local addresses (for a receiver on the
    /// same network or in tests). Off, such endpoints are refused when registered and when
    /// their name resolves to one at delivery.
    #[arg(
        long,
        global = true,
        env = "WEBHOOK_ALLOW_PRIVATE",
        default_value_t = false
    )]
    pub webhook_allow_private: bool,
    /// The first retry's delay, in milliseconds; later retries wait 60, 360, 1440, 3600 and
    /// 7200 times as long (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h with the default), then the
    /// delivery is given up.
    #[arg(
        long,
        global = true,
        env = "WEBHOOK_RETRY_BASE_MS",
        default_value_t = 5_000,
        value_parser = clap::value_parser!(u64).range(10..=3_600_000)
    )]
    pub webhook_retry_base_ms: u64,
    /// How long a receiver may take to answer, in milliseconds.
    #[arg(
        long,
        global = true,
        env = "WEBHOOK_TIMEOUT_MS",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u64).range(100..=60_000)
    )]
    pub webhook_timeout_ms: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            webhook_allow_private: false,
            webhook_retry_base_ms: 5_000,
            webhook_timeout_ms: 10_000,
        }
    }
}

/// A SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://partnership.sqlite?mode=rwc";

impl Settings {
    /// Settings for tests and tools: defaults everywhere, on the given database and port.
    pub fn for_database(database_url: impl Into<String>, port: u16) -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port,
            database_url: database_url.into(),
            seed_dir: None,
            skip_seed: false,
            database_max_connections: Some(5),
            max_running_requests: None,
            max_queued_requests: 256,
            loader_delay_ms: 0,
            max_query_depth: 10,
            max_query_cost: 20_000,
            max_batch_operations: 10,
            rate_limit_capacity: 40_000,
            rate_limit_restore_rate: 2_000,
            rate_limit_capacity_reader: 100_000,
            rate_limit_capacity_editor: 100_000,
            rate_limit_capacity_admin: 200_000,
            api_keys: Vec::new(),
            change_retention_days: 30,
            webhooks: WebhookSettings::default(),
            tokens: TokenSettings {
                jwt_role_claim: "role".to_owned(),
                jwt_organisations_claim: "organisations".to_owned(),
                jwt_jwks_refetch_seconds: 60,
                ..TokenSettings::default()
            },
            trust_forwarded_for: false,
            trusted_documents: None,
            max_directives: 5,
            max_document_bytes: 20_000,
            max_aliases: 30,
            max_root_fields: 20,
            request_timeout_ms: 10_000,
            max_body_bytes: 1_048_576,
            production: false,
            cors_allowed_origins: Vec::new(),
            default_page_size: 20,
            max_page_size: 100,
        }
    }
}
