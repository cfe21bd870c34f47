//! One change to deliver to one webhook: the outbox row, kept until the endpoint accepts it or
//! the delivery is given up.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub webhook_id: i32,
    /// The `webhook-id` header, the same on every attempt.
    pub message_id: String,
    pub change_tx_id: i64,
    pub change_id: i64,
    /// The GraphQL type name of the record.
    pub record_type: String,
    pub record_id: i32,
    /// CREATED, UPDATED or DELETED.
    pub operation: String,
    pub version: i32,
    pub changed_at: DateTimeUtc,
    /// PENDING, DELIVERED or FAILED (given up).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::webhook::Entity",
        from = "Column::WebhookId",
        to = "super::webhook::Column::Id"
    )]
    Webhook,
}

impl Related<super::webhook::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Webhook.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
