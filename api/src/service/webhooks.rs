//! Webhooks: admins register endpoints, and each change an endpoint asked for is delivered to
//! it as a Standard Webhooks request (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
//! at least once, in order per record, from the outbox in the database.
//!
//! One replica at a time dispatches (it holds [`WEBHOOK_DISPATCH_LOCK`]); it wakes on commits,
//! turns new changes into delivery rows, and sends what is due. A delivery is marked only once
//! the endpoint has answered, so a restart in the middle sends it again (with the same
//! `webhook-id`, for the receiver to drop the repeat). Failures are retried on a growing
//! schedule and then given up; 410 Gone disables the endpoint. Endpoints on private and
//! loopback addresses are refused, when registered and at every delivery, unless
//! `WEBHOOK_ALLOW_PRIVATE` is set.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use entity::enums::RecordType;
use futures_util::StreamExt;
use rand::Rng;
use sea_orm::{DatabaseConnection, DbErr};
use serde_json::json;

use crate::config::WebhookSettings;
use crate::domain::{global_id, network};
use crate::store::changes::{self, FeedPosition};
use crate::store::database::{Leadership, WEBHOOK_DISPATCH_LOCK};
use crate::store::notifications::CommitSignal;
use crate::store::webhooks::{self, DueDelivery, NewWebhook, Webhook};

/// Longest URL accepted.
const MAX_URL_CHARS: usize = 2_000;
/// Endpoints one deployment may register.
const MAX_WEBHOOKS: usize = 100;
/// How much longer than the first each retry waits (with the default first retry of 5 s:
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); after the last, the delivery is given up.
const RETRY_FACTORS: [u32; 7] = [1, 60, 360, 1_440, 3_600, 7_200, 7_200];
/// Changes turned into deliveries per statement.
const ENQUEUE_BATCH: u64 = 500;
/// Deliveries taken per round, and sent at once.
const DELIVERY_BATCH: u64 = 64;
const DELIVERIES_AT_ONCE: usize = 8;
/// The dispatcher looks for due retries at least this often.
const IDLE_WAIT: Duration = Duration::from_secs(1);
/// A replica that does not dispatch asks for the turn this often.
const LEADERSHIP_RETRY: Duration = Duration::from_secs(5);

/// Why a webhook could not be registered or deleted.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The request is wrong: a bad URL, a refused address, too many endpoints.
    #[error("{0}")]
    Invalid(String),
    /// No webhook has this ID.
    #[error("no webhook has this ID")]
    NotFound,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// A webhook just registered, with its signing secret (shown this once).
pub struct Registered {
    pub webhook: Webhook,
    pub secret: String,
}

/// Registers an endpoint for changes to `record_types` (all when empty), made from now on.
pub async fn create(
    db: &DatabaseConnection,
    created_by: &str,
    url: &str,
    record_types: &[RecordType],
    settings: &WebhookSettings,
) -> Result<Registered, WebhookError> {
    let url = check_url(url, settings.webhook_allow_private)
        .await
        .map_err(WebhookError::Invalid)?;
    if webhooks::list(db).await?.len() >= MAX_WEBHOOKS {
        return Err(WebhookError::Invalid(format!(
            "at most {MAX_WEBHOOKS} webhooks may be registered; delete one first"
        )));
    }
    let mut key = [0_u8; 32];
    rand::rng().fill(&mut key);
    let secret = format!("whsec_{}", STANDARD.encode(key));
    let mut types = record_types.to_vec();
    types.sort_by_key(|t| t.as_str());
    types.dedup();
    let webhook = webhooks::insert(
        db,
        NewWebhook {
            url: url.as_str(),
            record_types: &types,
            secret: &secret,
            created_by,
            from: changes::head(db).await?,
            at: Utc::now(),
        },
    )
    .await?;
    Ok(Registered { webhook, secret })
}

/// Deletes a webhook and its deliveries.
pub async fn delete(db: &DatabaseConnection, id: i32) -> Result<(), WebhookError> {
    if webhooks::delete(db, id).await? {
        Ok(())
    } else {
        Err(WebhookError::NotFound)
    }
}

/// `url` if it is an http(s) URL of an endpoint this server may call: with a host, and unless
/// `allow_private`, on public addresses only (a name is resolved, and every address it
/// resolves to must be public). The error says what is wrong.
pub async fn check_url(url: &str, allow_private: bool) -> Result<url::Url, String> {
    if url.chars().count() > MAX_URL_CHARS {
        return Err(format!("the URL is longer than {MAX_URL_CHARS} characters"));
    }
    let parsed = url::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("a webhook URL must start with https:// or http://".to_owned());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "a webhook URL may not carry credentials; the signature authenticates us".to_owned(),
        );
    }
    let Some(host) = parsed.host() else {
        return Err("a webhook URL needs a host".to_owned());
    };
    if allow_private {
        return Ok(parsed);
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match host {
        url::Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
        url::Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        url::Host::Domain(name) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| format!("the host `{name}` cannot be resolved: {e}"))?
            .map(|address| address.ip())
            .collect(),
    };
    if addresses.is_empty() || !addresses.iter().all(|ip| network::is_public(*ip)) {
        return Err(format!(
            "`{host}` is a private, loopback or reserved address; webhooks go to public endpoints"
        ));
    }
    Ok(parsed)
}

/// Resolves names for deliveries, keeping public addresses only (unless private ones are
/// allowed), so a name that moves to an inside address after registration is not called.
struct PublicResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|address| allow_private || network::is_public(address.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("`{}` resolves to no public address", name.as_str()).into());
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Delivers webhooks from the outbox, on the one replica that holds the turn.
pub struct Dispatcher {
    db: DatabaseConnection,
    client: reqwest::Client,
    signal: CommitSignal,
    retry_base: Duration,
    allow_private: bool,
}

impl Dispatcher {
    /// A dispatcher on `db` (a pool of its own, so deliveries never take a request's
    /// connection) that wakes on `signal`.
    pub fn new(
        db: DatabaseConnection,
        settings: &WebhookSettings,
        signal: CommitSignal,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.webhook_timeout_ms))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "partnership-graph-webhooks/",
                env!("CARGO_PKG_VERSION")
            ))
            .dns_resolver(Arc::new(PublicResolver {
                allow_private: settings.webhook_allow_private,
            }))
            .build()?;
        Ok(Self {
            db,
            client,
            signal,
            retry_base: Duration::from_millis(settings.webhook_retry_base_ms),
            allow_private: settings.webhook_allow_private,
        })
    }

    /// Dispatches for as long as it runs: while it holds the turn, after every commit and at
    /// least every second; otherwise it asks for the turn now and then.
    pub async fn run(self) {
        let mut ticks = self.signal.subscribe();
        let mut leadership: Option<Leadership> = None;
        loop {
            if leadership.is_none() {
                leadership = Leadership::try_take(&self.db, WEBHOOK_DISPATCH_LOCK)
                    .await
                    .unwrap_or_else(|error| {
                        tracing::warn!(%error, "cannot ask for the webhook dispatch turn");
                        None
                    });
            }
            let held = match leadership.as_mut() {
                Some(turn) => turn.is_held().await,
                None => false,
            };
            let wait = if held {
                match self.round().await {
                    Ok(wait) => wait,
                    Err(error) => {
                        tracing::warn!(%error, "webhook dispatch failed; trying again");
                        IDLE_WAIT
                    }
                }
            } else {
                leadership = None;
                LEADERSHIP_RETRY
            };
            tokio::select! {
                ticked = ticks.changed() => {
                    if ticked.is_err() {
                        tokio::time::sleep(wait).await;
                    }
                }
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Makes the deliveries of new changes and sends what is due; returns how long to wait
    /// before the next round.
    async fn round(&self) -> Result<Duration, DbErr> {
        self.enqueue().await?;
        loop {
            let due = webhooks::due(&self.db, Utc::now(), DELIVERY_BATCH).await?;
            if due.is_empty() {
                return Ok(IDLE_WAIT.min(self.retry_base));
            }
            let sent: Vec<Result<(), DbErr>> = futures_util::stream::iter(due)
                .map(|delivery| self.deliver(delivery))
                .buffer_unordered(DELIVERIES_AT_ONCE)
                .collect()
                .await;
            sent.into_iter().collect::<Result<(), DbErr>>()?;
        }
    }

    /// Turns the changes after each enabled webhook's position into its deliveries.
    async fn enqueue(&self) -> Result<(), DbErr> {
        for webhook in webhooks::list(&self.db).await? {
            if !webhook.enabled {
                continue;
            }
            let types = webhooks::record_types_of(&webhook);
            let mut current = webhook;
            loop {
                let from = FeedPosition {
                    tx_id: current.feed_tx_id,
                    id: current.feed_change_id,
                };
                // A webhook fallen behind the kept feed starts again at the oldest change.
                let read = match changes::after(&self.db, Some(from), ENQUEUE_BATCH, &types).await {
                    Ok(read) => read,
                    Err(crate::error::ApiError::CursorExpired) => {
                        changes::after(&self.db, None, ENQUEUE_BATCH, &types)
                            .await
                            .map_err(feed_error)?
                    }
                    Err(error) => return Err(feed_error(error)),
                };
                let (rows, more) = read;
                let Some(last) = rows.last() else { break };
                let to = last.position;
                webhooks::enqueue(&self.db, &current, &rows, to, Utc::now()).await?;
                current.feed_tx_id = to.tx_id;
                current.feed_change_id = to.id;
                if !more {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Sends one delivery and records how it went.
    async fn deliver(&self, due: DueDelivery) -> Result<(), DbErr> {
        let delivery = &due.delivery;
        let now = Utc::now();
        let outcome = self.send(&due).await;
        match outcome {
            Ok(status) if status.is_success() => {
                webhooks::delivered(&self.db, delivery.id, status.as_u16(), now).await
            }
            Ok(status) if status == reqwest::StatusCode::GONE => {
                webhooks::disable(
                    &self.db,
                    delivery.webhook_id,
                    "the endpoint answered 410 Gone",
                )
                .await?;
                webhooks::attempt_failed(
                    &self.db,
                    delivery.id,
                    Some(status.as_u16()),
                    "410 Gone: the webhook is disabled",
                    now,
                    Some(now),
                )
                .await
            }
            Ok(status) => {
                let error = format!("the endpoint answered {status}");
                self.failed(delivery, Some(status.as_u16()), &error).await
            }
            Err(error) => self.failed(delivery, None, &error).await,
        }
    }

    async fn failed(
        &self,
        delivery: &webhooks::Delivery,
        status: Option<u16>,
        error: &str,
    ) -> Result<(), DbErr> {
        let now = Utc::now();
        let retry_at = usize::try_from(delivery.attempts)
            .ok()
            .and_then(|done| RETRY_FACTORS.get(done))
            .and_then(|factor| chrono::Duration::from_std(self.retry_base * *factor).ok())
            .map(|wait| now + wait);
        if retry_at.is_none() {
            tracing::warn!(delivery = %delivery.message_id, error, "webhook delivery given up");
        }
        webhooks::attempt_failed(&self.db, delivery.id, status, error, now, retry_at).await
    }

    /// Signs and posts one delivery; the status the endpoint answered, or why none came.
    async fn send(&self, due: &DueDelivery) -> Result<reqwest::StatusCode, String> {
        let url = url::Url::parse(&due.url).map_err(|e| e.to_string())?;
        // Names go through the resolver; an address in the URL is checked here.
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal
            && !self.allow_private
            && !network::is_public(ip)
        {
            return Err(format!("{ip} is not a public address"));
        }
        let body = payload(&due.delivery);
        let timestamp = Utc::now().timestamp();
        let signature = standardwebhooks::Webhook::new(&due.secret)
            .and_then(|signer| signer.sign(&due.delivery.message_id, timestamp, body.as_bytes()))
            .map_err(|e| format!("cannot sign: {e}"))?;
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                standardwebhooks::HEADER_WEBHOOK_ID,
                &due.delivery.message_id,
            )
            .header(
                standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
                timestamp.to_string(),
            )
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        Ok(response.status())
    }
}

/// A failure reading the change feed, as the store's error.
fn feed_error(error: crate::error::ApiError) -> DbErr {
    match error {
        crate::error::ApiError::Database(cause) => DbErr::Custom(cause.to_string()),
        other => DbErr::Custom(other.message()),
    }
}

/// The body of a delivery: the change, thin (identifiers, no fields, no personal data), as
/// Standard Webhooks' `{type, timestamp, data}`.
pub fn payload(delivery: &webhooks::Delivery) -> String {
    let record_type = RecordType::parse(&delivery.record_type);
    let record_id = record_type
        .map(|kind| global_id::encode(kind, delivery.record_id))
        .unwrap_or_default();
    let event = format!(
        "{}.{}",
        to_snake(&delivery.record_type),
        delivery.operation.to_ascii_lowercase()
    );
    let cursor = FeedPosition {
        tx_id: delivery.change_tx_id,
        id: delivery.change_id,
    }
    .encode();
    json!({
        "type": event,
        "timestamp": delivery.changed_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": {
            "operation": delivery.operation,
            "recordType": record_type.map(graphql_name).unwrap_or_default(),
            "recordId": record_id,
            "version": delivery.version,
            "changedAt": delivery.changed_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "cursor": cursor,
        }
    })
    .to_string()
}

/// `FundingLine` as `funding_line`.
fn to_snake(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake
}

/// The `RecordType` enum value's GraphQL name: `FUNDING_LINE`.
fn graphql_name(kind: RecordType) -> String {
    to_snake(kind.as_str()).to_ascii_uppercase()
}

/// Why a request got no answer, without the URL (which may carry tokens in its query).
fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "the endpoint did not answer in time"
    } else if error.is_connect() {
        "cannot connect to the endpoint"
    } else {
        "the request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if cause.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {cause}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn urls_on_private_addresses_and_other_schemes_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://10.0.0.5/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost/hook",
        ] {
            assert!(check_url(url, false).await.is_err(), "{url}");
            assert!(check_url(url, true).await.is_ok(), "{url} when allowed");
        }
        for url in [
            "ftp://example.org/x",
            "not a url",
            "https://user:pw@93.184.216.34/",
        ] {
            assert!(check_url(url, true).await.is_err(), "{url}");
        }
        assert!(check_url("https://93.184.216.34/hook", false).await.is_ok());
    }

    #[test]
    fn record_type_names_become_event_types() {
        assert_eq!(to_snake("FundingLine"), "funding_line");
        assert_eq!(graphql_name(RecordType::SourceDocument), "SOURCE_DOCUMENT");
    }
}
