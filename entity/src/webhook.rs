//! An endpoint that receives changes as Standard Webhooks requests.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub url: String,
    /// GraphQL names of the record types it receives, comma-separated; empty for all.
    pub record_types: String,
    /// The signing secret, `whsec_` and base64.
    pub secret: String,
    /// False once the endpoint answered 410 Gone.
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// The change-feed position up to which its deliveries have been made.
    pub feed_tx_id: i64,
    pub feed_change_id: i64,
    /// Who registered it.
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
