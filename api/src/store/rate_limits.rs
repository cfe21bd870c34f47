//! Rate limiting by query cost: each client (an API key, or else the client address) has a bucket
//! of points that refills at a steady rate; a request is charged its cost before it runs and is
//! refused when the bucket holds less than that.
//!
//! The buckets live in the database (`rate_limit_buckets`), so every replica serving the same
//! database draws on the same bucket. One charge is one atomic upsert: the refill since the last
//! charge, the check and the deduction happen in a single statement, so concurrent requests on
//! several replicas cannot both spend the same points. The replicas' clocks are assumed to be in
//! step (NTP); a clock behind by a second refills a bucket a second late, nothing worse.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::auth::Role;
use crate::error::{ApiError, ApiResult};

/// Who a request is charged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    /// A caller that sent a known API key, by the key's name.
    ApiKey { name: String, role: Role },
    /// A caller that sent a valid bearer token, by the token's subject.
    Token { subject: String, role: Role },
    /// A caller without credentials, by its network address.
    Address(String),
}

impl Client {
    /// The bucket's key in `rate_limit_buckets`; also who holds an idempotency key.
    pub fn bucket_key(&self) -> String {
        match self {
            Self::ApiKey { name, .. } => format!("key:{name}"),
            Self::Token { subject, .. } => format!("sub:{subject}"),
            Self::Address(address) => format!("ip:{address}"),
        }
    }

    /// The caller's role; anonymous callers have none.
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::ApiKey { role, .. } | Self::Token { role, .. } => Some(*role),
            Self::Address(_) => None,
        }
    }
}

/// Size and refill rate of an anonymous client's bucket.
#[derive(Debug, Clone, Copy)]
pub struct BucketPolicy {
    /// Points a full bucket holds.
    pub capacity: u64,
    /// Points added back per second.
    pub restore_rate: u64,
}

/// Points in the buckets of callers with a role. Each refills in the time an anonymous bucket
/// takes (a bigger bucket refills faster), and never at a lower rate than an anonymous one.
#[derive(Debug, Clone, Copy)]
pub struct RoleCapacities {
    pub reader: u64,
    pub editor: u64,
    pub admin: u64,
}

/// Charges clients against their buckets in the database.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    db: DatabaseConnection,
    policy: BucketPolicy,
    roles: Option<RoleCapacities>,
}

/// The state of a client's bucket after a charge, as reported to the client.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleStatus {
    /// True when the request was charged and may run.
    pub granted: bool,
    /// Points a full bucket holds.
    pub maximum_available: u64,
    /// Points left after this request.
    pub currently_available: u64,
    /// Points added back per second.
    pub restore_rate: u64,
}

impl ThrottleStatus {
    /// How long until the bucket holds `cost` points again (zero when it already does).
    pub fn wait_for(&self, cost: u64) -> Duration {
        let missing = cost.saturating_sub(self.currently_available);
        if missing == 0 || self.restore_rate == 0 {
            return Duration::ZERO;
        }
        Duration::from_secs(missing.div_ceil(self.restore_rate))
    }

    /// Seconds until the bucket is full again.
    pub fn seconds_until_full(&self) -> u64 {
        self.wait_for(self.maximum_available).as_secs()
    }
}

/// The stored points plus the refill since the last charge, capped at the capacity. `$2` is now
/// (ms), `$3` the capacity and `$4` the points restored per millisecond. Columns are qualified:
/// inside `ON CONFLICT` PostgreSQL could also read them as the row being inserted.
const AVAILABLE: &str = "(CASE \
     WHEN rate_limit_buckets.tokens + ($2 - rate_limit_buckets.refreshed_at_ms) * $4 > $3 THEN $3 \
     ELSE rate_limit_buckets.tokens + ($2 - rate_limit_buckets.refreshed_at_ms) * $4 END)";

impl RateLimiter {
    /// A limiter giving every client `policy`'s bucket.
    pub fn new(db: DatabaseConnection, policy: BucketPolicy) -> Self {
        Self {
            db,
            policy,
            roles: None,
        }
    }

    /// The same limiter, with buckets of these sizes for callers with a role.
    pub fn with_role_capacities(self, roles: RoleCapacities) -> Self {
        Self {
            roles: Some(roles),
            ..self
        }
    }

    /// The bucket `client` draws on.
    pub fn policy_for(&self, client: &Client) -> BucketPolicy {
        let capacity = match (self.roles, client.role()) {
            (Some(roles), Some(Role::Reader)) => roles.reader,
            (Some(roles), Some(Role::Editor)) => roles.editor,
            (Some(roles), Some(Role::Admin)) => roles.admin,
            _ => return self.policy,
        };
        // Refilled in the anonymous bucket's time, and never more slowly than it.
        let restore_rate = u128::from(capacity) * u128::from(self.policy.restore_rate)
            / u128::from(self.policy.capacity.max(1));
        BucketPolicy {
            capacity,
            restore_rate: u64::try_from(restore_rate)
                .unwrap_or(u64::MAX)
                .max(self.policy.restore_rate),
        }
    }

    /// Charges `cost` points to `client` when its bucket holds that many; otherwise charges
    /// nothing. Either way returns the bucket's state.
    pub async fn charge(&self, client: &Client, cost: u64) -> ApiResult<ThrottleStatus> {
        let now_ms = now_ms();
        let policy = self.policy_for(client);
        let capacity = policy.capacity as f64;
        let per_ms = policy.restore_rate as f64 / 1000.0;
        let cost_points = cost as f64;
        let sql = format!(
            "INSERT INTO rate_limit_buckets (client_key, tokens, refreshed_at_ms, granted) \
             VALUES ($1, CASE WHEN $3 >= $5 THEN $3 - $5 ELSE $3 END, $2, $3 >= $5) \
             ON CONFLICT (client_key) DO UPDATE SET \
               tokens = CASE WHEN {AVAILABLE} >= $5 THEN {AVAILABLE} - $5 ELSE {AVAILABLE} END, \
               granted = {AVAILABLE} >= $5, \
               refreshed_at_ms = $2 \
             RETURNING tokens, granted"
        );
        let statement = Statement::from_sql_and_values(
            self.db.get_database_backend(),
            sql,
            [
                client.bucket_key().into(),
                now_ms.into(),
                capacity.into(),
                per_ms.into(),
                cost_points.into(),
            ],
        );
        let row = self
            .db
            .query_one_raw(statement)
            .await?
            .ok_or(ApiError::Internal)?;
        let tokens: f64 = row.try_get("", "tokens")?;
        let granted: bool = row.try_get("", "granted")?;
        Ok(ThrottleStatus {
            granted,
            maximum_available: policy.capacity,
            // Whole points: what is left rounds down, so a client never plans on a point it
            // does not have.
            currently_available: tokens.max(0.0).floor() as u64,
            restore_rate: policy.restore_rate,
        })
    }

    /// Deletes the buckets that have refilled completely by `now_ms`: a missing bucket is a
    /// full one, so this changes no client's limit and keeps the table to recent callers.
    /// Returns how many were deleted. A bucket is forgotten once the slowest to refill would
    /// be full (role buckets refill in about the anonymous time, give or take rounding).
    pub async fn forget_full_buckets(&self, now_ms: i64) -> ApiResult<u64> {
        let mut policies = vec![self.policy];
        if self.roles.is_some() {
            for role in [Role::Reader, Role::Editor, Role::Admin] {
                let client = Client::ApiKey {
                    name: String::new(),
                    role,
                };
                policies.push(self.policy_for(&client));
            }
        }
        // Without a restore rate a bucket never refills, so none may be forgotten.
        let Some(refill_ms) = policies
            .iter()
            .map(|p| p.capacity.saturating_mul(1000).checked_div(p.restore_rate))
            .collect::<Option<Vec<u64>>>()
            .and_then(|times| times.into_iter().max())
        else {
            return Ok(0);
        };
        let refill_ms = i64::try_from(refill_ms).unwrap_or(i64::MAX);
        let statement = Statement::from_sql_and_values(
            self.db.get_database_backend(),
            "DELETE FROM rate_limit_buckets WHERE refreshed_at_ms < $1",
            [now_ms.saturating_sub(refill_ms).into()],
        );
        Ok(self.db.execute_raw(statement).await?.rows_affected())
    }

    /// Every `period`, forgets the buckets that are full again; runs until it is aborted.
    pub async fn forget_full_buckets_every(self, period: Duration) {
        // The first run waits a whole period: nothing is stale at start-up.
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            ticks.tick().await;
            match self.forget_full_buckets(now_ms()).await {
                Ok(0) => {}
                Ok(deleted) => tracing::debug!(deleted, "forgot full rate-limit buckets"),
                Err(error) => tracing::warn!(code = error.code(), "cannot forget full buckets"),
            }
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_buckets_refill_in_the_anonymous_time_and_never_more_slowly() {
        let limiter = |capacity, restore_rate| {
            RateLimiter::new(
                DatabaseConnection::default(),
                BucketPolicy {
                    capacity,
                    restore_rate,
                },
            )
            .with_role_capacities(RoleCapacities {
                reader: 100_000,
                editor: 100_000,
                admin: 200_000,
            })
        };
        let editor = Client::Token {
            subject: "s".into(),
            role: Role::Editor,
        };
        let admin = Client::ApiKey {
            name: "k".into(),
            role: Role::Admin,
        };
        let anonymous = Client::Address("192.0.2.1".into());
        let defaults = limiter(40_000, 2_000);
        assert_eq!(defaults.policy_for(&editor).restore_rate, 5_000);
        assert_eq!(defaults.policy_for(&admin).capacity, 200_000);
        assert_eq!(defaults.policy_for(&admin).restore_rate, 10_000);
        assert_eq!(defaults.policy_for(&anonymous).capacity, 40_000);
        // A huge anonymous bucket does not starve the smaller role buckets.
        let generous = limiter(1_000_000_000, 2_000);
        assert_eq!(generous.policy_for(&editor).restore_rate, 2_000);
    }
}
