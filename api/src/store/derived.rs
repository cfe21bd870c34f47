//! Derived data that analytics group by, kept next to the facts it comes from: the programme
//! closure table, each project's start year, the pro-rata split of funding lines over calendar
//! years, and the rollup of funding lines that totals over all projects read. `refresh` brings
//! them up to date; every write path calls it.

use std::collections::HashMap;

use chrono::Datelike;

use entity::{
    funding_line, funding_line_rollup, funding_line_year, programme, programme_ancestor, project,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::domain::funding::year_shares;

/// Rows per INSERT when filling derived tables.
const BATCH: usize = 2_000;

/// Brings every derived table up to date with the facts. Cheap when nothing is missing.
pub async fn refresh(db: &DatabaseConnection) -> Result<(), DbErr> {
    refresh_programme_ancestors(db).await?;
    refresh_start_years(db).await?;
    refresh_funding_line_years(db).await?;
    rebuild_funding_line_rollup(db).await
}

/// Rebuilds the rollup of funding lines (sums per funder, programme, kind, currency and start
/// year) in one transaction, so readers see the old sums or the new ones. On PostgreSQL the
/// table is locked against other rebuilds first (readers go on), so replicas starting together
/// rebuild it one after the other instead of adding their rows twice.
async fn rebuild_funding_line_rollup(db: &DatabaseConnection) -> Result<(), DbErr> {
    use funding_line::Column as Line;
    let line = |column: Line| Expr::col((funding_line::Entity, column));
    let funder = Func::coalesce([
        line(Line::FunderId),
        Expr::col((programme::Entity, programme::Column::FunderId)),
    ]);
    let start_year = Expr::col((project::Entity, project::Column::StartYear));
    let sums = Query::select()
        .expr(funder.clone())
        .expr(line(Line::ProgrammeId))
        .expr(line(Line::Kind))
        .expr(line(Line::Currency))
        .expr(start_year.clone())
        .expr(Func::sum(line(Line::AmountMinor)))
        .expr(Func::count(line(Line::Id)))
        .from(funding_line::Entity)
        .left_join(
            programme::Entity,
            Expr::col((programme::Entity, programme::Column::Id))
                .equals((funding_line::Entity, Line::ProgrammeId)),
        )
        .inner_join(
            project::Entity,
            Expr::col((project::Entity, project::Column::Id))
                .equals((funding_line::Entity, Line::ProjectId)),
        )
        .add_group_by([
            funder.into(),
            line(Line::ProgrammeId),
            line(Line::Kind),
            line(Line::Currency),
            start_year,
        ])
        .to_owned();
    use funding_line_rollup::Column as Rollup;
    let insert = Query::insert()
        .into_table(funding_line_rollup::Entity)
        .columns([
            Rollup::FunderId,
            Rollup::ProgrammeId,
            Rollup::Kind,
            Rollup::Currency,
            Rollup::StartYear,
            Rollup::AmountMinor,
            Rollup::LineCount,
        ])
        .select_from(sums)
        .map_err(|error| DbErr::Custom(error.to_string()))?
        .to_owned();
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("LOCK TABLE funding_line_rollup IN EXCLUSIVE MODE")
            .await?;
    }
    funding_line_rollup::Entity::delete_many()
        .exec(&txn)
        .await?;
    txn.execute(&insert).await?;
    txn.commit().await
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
