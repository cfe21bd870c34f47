//! An API key: its name, role and public prefix, the SHA-256 of its secret (never the secret),
//! and when it was created, expires, was revoked and was last used.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
    /// `reader`, `editor` or `admin`.
    pub role: String,
    /// The first characters of the key after `pga_`, to find it by.
    #[sea_orm(unique)]
    pub prefix: String,
    /// SHA-256 of the whole key, hex.
    pub secret_sha256: String,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
