//! An event of a project; sessions of a cycle point at the cycle.

use crate::enums::{DatePrecision, EventKind};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    /// The event (e.g. a training cycle) this one is a session of.
    pub parent_id: Option<i32>,
    pub kind: EventKind,
    pub start_date: Option<Date>,
    pub date_precision: Option<DatePrecision>,
    /// Last day of a multi-day event or cycle; none for a one-day event.
    pub end_date: Option<Date>,
    pub start_time: Option<Time>,
    pub end_time: Option<Time>,
    /// IANA time zone of the times, e.g. `Europe/Riga`.
    pub time_zone: Option<String>,
    /// Venue or other place where it happens.
    pub place_id: Option<i32>,
    /// Online platform, e.g. `Zoom`, when it happens online.
    pub online_platform: Option<String>,
    pub registration_deadline: Option<Date>,
    pub position: i32,
    /// 1 at creation, +1 per change: the optimistic-concurrency token.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
