//! Funding lines added up per funder, programme, kind, currency and project start year: the
//! grain of the dashboards' funding totals that filter by nothing but these. Derived from the
//! lines (rebuilt with the other derived tables), so a total over all projects reads a few
//! thousand rows instead of every line.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funding_line_rollup")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The lines' funder: their own, else their programme's.
    pub funder_id: Option<i32>,
    pub programme_id: Option<i32>,
    pub kind: String,
    pub currency: String,
    /// Start year of the lines' projects.
    pub start_year: Option<i32>,
    /// Sum of the lines' amounts in hundredths.
    pub amount_minor: i64,
    /// How many lines.
    pub line_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
