//! A funding line's share of one calendar year, pro rata to the project's days in that year.
//! Derived from the line and its project's dates; the shares of a line add up to its amount.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funding_line_years")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub funding_line_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    /// Days of the project in this year.
    pub days: i32,
    /// Share of the line's amount in hundredths.
    pub amount_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
