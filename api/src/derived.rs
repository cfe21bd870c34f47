//! Derived data that analytics group by, kept next to the facts it comes from: the programme
//! closure table, each project's start year, and the pro-rata split of funding lines over
//! calendar years. `refresh` fills in whatever is missing; every write path calls it.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use entity::{funding_line, funding_line_year, programme, programme_ancestor, project};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// Rows per INSERT when filling derived tables.
const BATCH: usize = 2_000;

/// The share of `amount_minor` that falls in each calendar year of `[start, end]` (both days
/// included), pro rata to the number of days in each year.
///
/// Rounding rule: each year first gets the floor of its exact share in cents; the cents left
/// over go one each to the years with the largest remainders (earlier years first on ties). So
/// the shares are never off by more than one cent and always add up to the amount exactly.
pub fn year_shares(amount_minor: i64, start: NaiveDate, end: NaiveDate) -> Vec<(i32, i64, i64)> {
    if end < start {
        return Vec::new();
    }
    let total_days = i128::from((end - start).num_days() + 1);
    let mut years: Vec<(i32, i64)> = Vec::new();
    for year in start.year()..=end.year() {
        let first = NaiveDate::from_ymd_opt(year, 1, 1)
            .unwrap_or(start)
            .max(start);
        let last = NaiveDate::from_ymd_opt(year, 12, 31)
            .unwrap_or(end)
            .min(end);
        years.push((year, (last - first).num_days() + 1));
    }
    let amount = i128::from(amount_minor);
    let mut shares: Vec<(i32, i64, i128, i128)> = years
        .iter()
        .map(|&(year, days)| {
            let exact = amount * i128::from(days);
            (year, days, exact / total_days, exact % total_days)
        })
        .collect();
    let assigned: i128 = shares.iter().map(|s| s.2).sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| shares[b].3.cmp(&shares[a].3).then(a.cmp(&b)));
    for &index in order
        .iter()
        .take(usize::try_from(amount - assigned).unwrap_or(0))
    {
        shares[index].2 += 1;
    }
    shares
        .into_iter()
        .map(|(year, days, cents, _)| (year, days, i64::try_from(cents).unwrap_or(0)))
        .collect()
}

/// Brings every derived table up to date with the facts. Cheap when nothing is missing.
pub async fn refresh<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    refresh_programme_ancestors(db).await?;
    refresh_start_years(db).await?;
    refresh_funding_line_years(db).await
}

/// Rebuilds the closure table of the programme tree (programmes are few).
async fn refresh_programme_ancestors<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let programmes = programme::Entity::find().all(db).await?;
    let parent: HashMap<i32, Option<i32>> =
        programmes.iter().map(|p| (p.id, p.parent_id)).collect();
    let mut rows = Vec::new();
    for p in &programmes {
        let (mut current, mut distance) = (Some(p.id), 0);
        // The depth guard stops a corrupted cycle from looping.
        while let Some(ancestor) = current.filter(|_| distance <= 64) {
            rows.push(programme_ancestor::ActiveModel {
                programme_id: Set(p.id),
                ancestor_id: Set(ancestor),
                distance: Set(distance),
            });
            current = parent.get(&ancestor).copied().flatten();
            distance += 1;
        }
    }
    programme_ancestor::Entity::delete_many().exec(db).await?;
    for chunk in rows.chunks(BATCH) {
        programme_ancestor::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

async fn refresh_start_years<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let missing = project::Entity::find()
        .filter(project::Column::StartYear.is_null())
        .filter(project::Column::StartDate.is_not_null())
        .all(db)
        .await?;
    for p in missing {
        if let Some(start) = p.start_date {
            project::Entity::update_many()
                .col_expr(project::Column::StartYear, Expr::value(start.year()))
                .filter(project::Column::Id.eq(p.id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Splits every funding line that has no yearly shares yet, a chunk of lines at a time.
async fn refresh_funding_line_years<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let mut after = 0;
    loop {
        // NOT EXISTS rather than NOT IN: PostgreSQL plans it as an anti-join even when the
        // shares table is far larger than work memory.
        let split = Query::select()
            .expr(Expr::val(1))
            .from(funding_line_year::Entity)
            .and_where(sea_orm::sea_query::ExprTrait::equals(
                Expr::col((
                    funding_line_year::Entity,
                    funding_line_year::Column::FundingLineId,
                )),
                (funding_line::Entity, funding_line::Column::Id),
            ))
            .to_owned();
        let lines = funding_line::Entity::find()
            .filter(funding_line::Column::Id.gt(after))
            .filter(sea_orm::sea_query::ExprTrait::not(Expr::exists(split)))
            .order_by_asc(funding_line::Column::Id)
            .limit(BATCH as u64)
            .all(db)
            .await?;
        let Some(last) = lines.last() else {
            return Ok(());
        };
        after = last.id;
        let project_ids: Vec<i32> = lines.iter().map(|l| l.project_id).collect();
        let projects: HashMap<i32, project::Model> = project::Entity::find()
            .filter(project::Column::Id.is_in(project_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let rows = lines
            .iter()
            .flat_map(|line| shares_of(line, projects.get(&line.project_id)))
            .collect::<Vec<_>>();
        for chunk in rows.chunks(BATCH) {
            funding_line_year::Entity::insert_many(chunk.to_vec())
                .exec(db)
                .await?;
        }
    }
}

/// The yearly rows of one line: pro rata over the project's dates; all in the start year when
/// the project has no end date; none when it has no start date.
pub fn shares_of(
    line: &funding_line::Model,
    project: Option<&project::Model>,
) -> Vec<funding_line_year::ActiveModel> {
    let Some(start) = project.and_then(|p| p.start_date) else {
        return Vec::new();
    };
    let end = project.and_then(|p| p.end_date).unwrap_or(start);
    year_shares(line.amount_minor, start, end)
        .into_iter()
        .map(
            |(year, days, amount_minor)| funding_line_year::ActiveModel {
                funding_line_id: Set(line.id),
                year: Set(year),
                days: Set(i32::try_from(days).unwrap_or(i32::MAX)),
                amount_minor: Set(amount_minor),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn shares_follow_the_days_and_add_up_to_the_cent() {
        // 2015-09-09 .. 2016-09-30: 114 days in 2015, 274 in 2016.
        let shares = year_shares(9_635_240, day(2015, 9, 9), day(2016, 9, 30));
        assert_eq!(
            shares.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>(),
            vec![(2015, 114), (2016, 274)]
        );
        assert_eq!(shares.iter().map(|s| s.2).sum::<i64>(), 9_635_240);
        assert_eq!(shares[0].2, 2_830_973);
    }

    #[test]
    fn leftover_cents_go_to_the_largest_remainders() {
        // 100 cents over three equal years: 33.33 each, one cent left for the first year.
        let shares = year_shares(100, day(2021, 1, 1), day(2023, 12, 31));
        let total_days: i64 = shares.iter().map(|s| s.1).sum();
        assert_eq!(total_days, 1095);
        assert_eq!(
            shares.iter().map(|s| s.2).collect::<Vec<_>>(),
            vec![34, 33, 33]
        );
    }

    #[test]
    fn a_single_day_or_year_gets_everything() {
        assert_eq!(
            year_shares(12_345, day(2020, 5, 5), day(2020, 5, 5)),
            vec![(2020, 1, 12_345)]
        );
        assert!(year_shares(1, day(2020, 5, 5), day(2020, 5, 4)).is_empty());
    }
}
