//! Webhooks and their outbox. Each webhook keeps its position in the change feed; the
//! dispatcher turns the changes after it into delivery rows and moves the position on, in one
//! transaction, so every change becomes exactly one delivery per endpoint. A delivery row stays
//! until the endpoint accepts it or it is given up.

use chrono::{DateTime, Utc};
use entity::enums::RecordType;
use entity::{webhook, webhook_delivery};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::changes::{Change, FeedPosition};

pub use entity::webhook::Model as Webhook;
pub use entity::webhook_delivery::Model as Delivery;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not yet accepted; tried again when due.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up after the last retry.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Delivered => "DELIVERED",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// What registering a webhook needs.
pub struct NewWebhook<'a> {
    pub url: &'a str,
    pub record_types: &'a [RecordType],
    pub secret: &'a str,
    pub created_by: &'a str,
    /// Changes after this position are delivered.
    pub from: FeedPosition,
    pub at: DateTime<Utc>,
}

/// The record types a webhook receives; empty for all.
pub fn record_types_of(webhook: &Webhook) -> Vec<RecordType> {
    webhook
        .record_types
        .split(',')
        .filter_map(RecordType::parse)
        .collect()
}

pub async fn insert(db: &DatabaseConnection, new: NewWebhook<'_>) -> Result<Webhook, DbErr> {
    let types: Vec<&str> = new.record_types.iter().map(|t| t.as_str()).collect();
    webhook::ActiveModel {
        url: Set(new.url.to_owned()),
        record_types: Set(types.join(",")),
        secret: Set(new.secret.to_owned()),
        enabled: Set(true),
        disabled_reason: Set(None),
        feed_tx_id: Set(new.from.tx_id),
        feed_change_id: Set(new.from.id),
        created_by: Set(new.created_by.to_owned()),
        created_at: Set(new.at),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<Webhook>, DbErr> {
    webhook::Entity::find_by_id(id).one(db).await
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Webhook>, DbErr> {
    webhook::Entity::find()
        .order_by_asc(webhook::Column::Id)
        .all(db)
        .await
}

/// Deletes a webhook and its deliveries; false when there was none.
pub async fn delete(db: &DatabaseConnection, id: i32) -> Result<bool, DbErr> {
    let txn = super::writes::begin_write(db).await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::WebhookId.eq(id))
        .exec(&txn)
        .await?;
    let deleted = webhook::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(deleted.rows_affected > 0)
}

/// Stops deliveries to a webhook (its endpoint answered 410 Gone).
pub async fn disable(db: &impl ConnectionTrait, id: i32, reason: &str) -> Result<(), DbErr> {
    webhook::Entity::update_many()
        .col_expr(webhook::Column::Enabled, Expr::val(false))
        .col_expr(webhook::Column::DisabledReason, Expr::val(reason))
        .filter(webhook::Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

/// A webhook's deliveries, newest first, after `before` (a delivery id) when given.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    webhook_id: i32,
    before: Option<i64>,
    status: Option<DeliveryStatus>,
    limit: u64,
) -> Result<Vec<Delivery>, DbErr> {
    let mut select = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(limit);
    if let Some(before) = before {
        select = select.filter(webhook_delivery::Column::Id.lt(before));
    }
    if let Some(status) = status {
        select = select.filter(webhook_delivery::Column::Status.eq(status.as_str()));
    }
    select.all(db).await
}

/// Turns `changes` (read after the webhook's position) into its deliveries, due now, and
/// moves its position to `to`, in one transaction. Nothing is written when the position moved
/// meanwhile (another dispatcher did it).
pub async fn enqueue(
    db: &DatabaseConnection,
    webhook: &Webhook,
    changes: &[Change],
    to: FeedPosition,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = super::writes::begin_write(db).await?;
    let moved = webhook::Entity::update_many()
        .col_expr(webhook::Column::FeedTxId, Expr::val(to.tx_id))
        .col_expr(webhook::Column::FeedChangeId, Expr::val(to.id))
        .filter(webhook::Column::Id.eq(webhook.id))
        .filter(webhook::Column::FeedTxId.eq(webhook.feed_tx_id))
        .filter(webhook::Column::FeedChangeId.eq(webhook.feed_change_id))
        .exec(&txn)
        .await?;
    if moved.rows_affected == 0 {
        return Ok(());
    }
    let rows = changes.iter().map(|change| webhook_delivery::ActiveModel {
        webhook_id: Set(webhook.id),
        message_id: Set(format!("msg_{}_{}", webhook.id, change.position.id)),
        change_tx_id: Set(change.position.tx_id),
        change_id: Set(change.position.id),
        record_type: Set(change.record_type.as_str().to_owned()),
        record_id: Set(change.record_id),
        operation: Set(change.operation.as_str().to_owned()),
        version: Set(change.version),
        changed_at: Set(change.changed_at),
        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_attempt_at: Set(None),
        last_status_code: Set(None),
        last_error: Set(None),
        delivered_at: Set(None),
        ..Default::default()
    });
    if !changes.is_empty() {
        webhook_delivery::Entity::insert_many(rows)
            .exec(&txn)
            .await?;
    }
    txn.commit().await
}

/// A due delivery with where and how to send it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub delivery: Delivery,
    pub url: String,
    pub secret: String,
}

/// Pending deliveries due by `now` to enabled webhooks, oldest first, each the earliest
/// pending one of its record for its webhook (so a record's changes arrive in order).
pub async fn due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<DueDelivery>, DbErr> {
    use webhook_delivery::Column as D;
    let earlier = Query::select()
        .expr(Expr::val(1))
        .from_as(webhook_delivery::Entity, "earlier")
        .and_where(
            Expr::col(("earlier", D::WebhookId)).equals((webhook_delivery::Entity, D::WebhookId)),
        )
        .and_where(
            Expr::col(("earlier", D::RecordType)).equals((webhook_delivery::Entity, D::RecordType)),
        )
        .and_where(
            Expr::col(("earlier", D::RecordId)).equals((webhook_delivery::Entity, D::RecordId)),
        )
        .and_where(Expr::col(("earlier", D::Status)).eq(DeliveryStatus::Pending.as_str()))
        .and_where(Expr::col(("earlier", D::Id)).lt(Expr::col((webhook_delivery::Entity, D::Id))))
        .to_owned();
    let rows = webhook_delivery::Entity::find()
        .find_also_related(webhook::Entity)
        .filter(
            Condition::all()
                .add(D::Status.eq(DeliveryStatus::Pending.as_str()))
                .add(D::NextAttemptAt.lte(now))
                .add(webhook::Column::Enabled.eq(true))
                .add(Expr::exists(earlier).not()),
        )
        .order_by_asc(D::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(delivery, webhook)| {
            webhook.map(|w| DueDelivery {
                delivery,
                url: w.url,
                secret: w.secret,
            })
        })
        .collect())
}

/// The endpoint accepted the delivery.
pub async fn delivered(
    db: &impl ConnectionTrait,
    id: i64,
    status_code: u16,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::val(DeliveryStatus::Delivered.as_str()),
        )
        .col_expr(
            webhook_delivery::Column::Attempts,
            Expr::col(webhook_delivery::Column::Attempts).add(1),
        )
        .col_expr(webhook_delivery::Column::LastAttemptAt, Expr::val(at))
        .col_expr(webhook_delivery::Column::DeliveredAt, Expr::val(at))
        .col_expr(
            webhook_delivery::Column::LastStatusCode,
            Expr::val(i32::from(status_code)),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::val(Option::<String>::None),
        )
        .filter(webhook_delivery::Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

/// An attempt that failed: tried again at `retry_at`, or given up when there is none.
pub async fn attempt_failed(
    db: &impl ConnectionTrait,
    id: i64,
    status_code: Option<u16>,
    error: &str,
    at: DateTime<Utc>,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    let status = match retry_at {
        Some(_) => DeliveryStatus::Pending,
        None => DeliveryStatus::Failed,
    };
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::val(status.as_str()))
        .col_expr(
            webhook_delivery::Column::Attempts,
            Expr::col(webhook_delivery::Column::Attempts).add(1),
        )
        .col_expr(webhook_delivery::Column::LastAttemptAt, Expr::val(at))
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::val(retry_at.unwrap_or(at)),
        )
        .col_expr(
            webhook_delivery::Column::LastStatusCode,
            Expr::val(status_code.map(i32::from)),
        )
        .col_expr(webhook_delivery::Column::LastError, Expr::val(error))
        .filter(webhook_delivery::Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}
