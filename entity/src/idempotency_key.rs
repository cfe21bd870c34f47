//! A request sent with an `Idempotency-Key`: the hash of its body and, once it has run, the
//! response to replay. A row without a response is a request still running.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// Who sent it: the API key's name, or the client address without a key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub caller: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 of the request body, hex.
    pub request_hash: String,
    /// The HTTP status of the stored response.
    pub status: Option<i32>,
    /// The stored response body.
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
