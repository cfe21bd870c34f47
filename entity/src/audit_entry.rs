//! One change to one record, written in the transaction of the change: who, when, what, and
//! the fields that changed with their old and new values (JSON).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTimeUtc,
    /// The API key's name.
    pub actor: String,
    /// The key's role when it wrote.
    pub role: String,
    /// CREATE, UPDATE or DELETE.
    pub operation: String,
    /// The GraphQL type name of the record.
    pub record_type: String,
    pub record_id: i32,
    /// The record's version after the change (its last version for a delete).
    pub version: i32,
    /// A JSON list of `{ field, old, new }`.
    pub changes: String,
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
