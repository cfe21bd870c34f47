//! An organisation taking part in a project, in a role.

use crate::enums::ParticipationRole;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "participations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub organisation_id: i32,
    pub role: ParticipationRole,
    /// Order in which the source lists the partners.
    pub position: i32,
    /// 1 at creation, +1 per change: the optimistic-concurrency token.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
