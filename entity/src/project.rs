//! A partnership project.

use crate::enums::DatePrecision;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub key: String,
    pub acronym: Option<String>,
    pub start_date: Option<Date>,
    pub start_precision: Option<DatePrecision>,
    pub end_date: Option<Date>,
    pub end_precision: Option<DatePrecision>,
    /// Latest end the source allows for, when it mentions a possible extension.
    pub latest_end_date: Option<Date>,
    pub website: Option<String>,
    /// ISO 639-1 codes, comma separated, in the order the source gives them.
    pub working_languages: String,
    /// The programme the project is funded under.
    pub programme_id: Option<i32>,
    /// Total budget as the source states it (kept to reconcile with the funding lines).
    /// In hundredths of the currency unit, like funding line amounts.
    pub stated_total_minor: Option<i64>,
    pub stated_total_currency: Option<String>,
    /// Number of partner organisations the source states, which may exceed those it names.
    pub stated_partner_count: Option<i32>,
    /// Number of countries the source states the partnership spans.
    pub stated_country_count: Option<i32>,
    /// Calendar year of `start_date`, kept for grouping by year on every database.
    pub start_year: Option<i32>,
    /// 1 at creation, +1 per change: the optimistic-concurrency token.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
