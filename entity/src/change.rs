//! One row of the change feed: which record changed, how, to which version, in which
//! transaction. Written in the transaction of the change.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The writing transaction's id on PostgreSQL; 0 on SQLite, whose writers take turns.
    pub tx_id: i64,
    /// The GraphQL type name of the record.
    pub record_type: String,
    pub record_id: i32,
    /// CREATED, UPDATED or DELETED.
    pub operation: String,
    /// The record's version after the change (its last version for a delete).
    pub version: i32,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
