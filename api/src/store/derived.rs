//! Derived data that analytics group by, kept next to the facts it comes from: the programme
//! closure table, each project's start year, the pro-rata split of funding lines over calendar
//! years, and the rollup of funding lines that totals over all projects read. `refresh` brings
//! them up to date at start-up (after the seed or the generator wrote); a mutation keeps them
//! right in its own transaction: it splits its project's lines again, rebuilds the programme
//! tree, and moves the rollup by the difference between its project's contributions before
//! and after. `rebuild` recomputes everything from the facts, for checks.

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

use super::writes::UnitOfWork;
use crate::domain::funding::year_shares;

/// The PostgreSQL advisory lock that queues adjustments of the rollup.
const ROLLUP_LOCK: i64 = 7_100;

/// Rows per INSERT when filling derived tables.
const BATCH: usize = 2_000;

/// Brings every derived table (and the search index's folded texts) up to date with the facts.
/// Cheap when nothing is missing.
pub async fn refresh(db: &DatabaseConnection) -> Result<(), DbErr> {
    // One transaction: a replica starting while others serve never shows them an empty
    // programme tree or rollup; they read the old tables until the new ones commit.
    // On SQLite the write lock is taken at once: a transaction that read first could not
    // write after another connection has.
    let txn = db
        .begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..sea_orm::TransactionOptions::default()
        })
        .await?;
    // Programme writers wait, and so do replicas starting together.
    super::writes::lock_tree(&txn, entity::enums::RecordType::Programme).await?;
    refresh_programme_ancestors(&txn).await?;
    refresh_start_years(&txn).await?;
    refresh_funding_line_years(&txn).await?;
    rebuild_funding_line_rollup(&txn).await?;
    super::search::refresh(&txn).await?;
    txn.commit().await
}

/// Rebuilds the rollup of funding lines (sums per funder, programme, kind, currency and start
/// year) inside `txn`, so readers see the old sums or the new ones. On PostgreSQL the table is
/// locked against other rebuilds and writers first (readers go on), so replicas starting
/// together rebuild it one after the other instead of adding their rows twice.
async fn rebuild_funding_line_rollup(txn: &sea_orm::DatabaseTransaction) -> Result<(), DbErr> {
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
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("LOCK TABLE funding_line_rollup IN EXCLUSIVE MODE")
            .await?;
    }
    funding_line_rollup::Entity::delete_many().exec(txn).await?;
    txn.execute(&insert).await?;
    Ok(())
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

/// What one project's funding lines add to each row of the rollup: sums per funder,
/// programme, kind, currency and start year. Read before and after a write; the difference is
/// what the write changes in the rollup.
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct Contribution {
    pub funder_id: Option<i32>,
    pub programme_id: Option<i32>,
    pub kind: String,
    pub currency: String,
    pub start_year: Option<i32>,
    pub amount_minor: i64,
    pub line_count: i64,
}

impl Contribution {
    fn key(&self) -> (Option<i32>, Option<i32>, &str, &str, Option<i32>) {
        (
            self.funder_id,
            self.programme_id,
            &self.kind,
            &self.currency,
            self.start_year,
        )
    }
}

/// The rollup contributions of project `project_id`'s funding lines, as they stand in `db`.
pub async fn contributions_of_project<C: ConnectionTrait>(
    db: &C,
    project_id: i32,
) -> Result<Vec<Contribution>, DbErr> {
    contributions(db, "l.project_id", project_id).await
}

/// The rollup contribution of funding line `line_id` alone.
pub async fn contributions_of_line<C: ConnectionTrait>(
    db: &C,
    line_id: i32,
) -> Result<Vec<Contribution>, DbErr> {
    contributions(db, "l.id", line_id).await
}

/// `selector` is one of two fixed column names, never input.
async fn contributions<C: ConnectionTrait>(
    db: &C,
    selector: &'static str,
    id: i32,
) -> Result<Vec<Contribution>, DbErr> {
    use sea_orm::FromQueryResult;
    let backend = db.get_database_backend();
    let sql = "SELECT COALESCE(l.funder_id, p.funder_id) AS funder_id, l.programme_id, l.kind, \
               l.currency, j.start_year, CAST(SUM(l.amount_minor) AS BIGINT) AS amount_minor, \
               CAST(COUNT(l.id) AS BIGINT) AS line_count \
               FROM funding_lines l \
               LEFT JOIN programmes p ON p.id = l.programme_id \
               JOIN projects j ON j.id = l.project_id \
               WHERE SELECTOR = $1 \
               GROUP BY COALESCE(l.funder_id, p.funder_id), l.programme_id, l.kind, l.currency, j.start_year";
    let sql = sql.replace("SELECTOR", selector);
    let sql = if backend == DbBackend::Sqlite {
        sql.replace("$1", "?")
    } else {
        sql
    };
    Contribution::find_by_statement(sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [id.into()],
    ))
    .all(db)
    .await
}

/// Moves the rollup from `before` to `after` (the contributions of the projects a write
/// changed): each key's sum and count change by the difference, and a key left with no lines
/// goes. Readers sum the rollup's rows, so a key held by two rows still adds up.
pub async fn adjust_rollup(
    uow: &UnitOfWork<'_>,
    before: &[Contribution],
    after: &[Contribution],
) -> Result<(), DbErr> {
    use funding_line_rollup::Column as R;
    if before == after {
        return Ok(());
    }
    // Each adjustment reads a key's rows and replaces them: two at once on PostgreSQL would
    // both read the old sum. Adjustments queue on one lock until their transaction ends
    // (SQLite writers queue already).
    uow.lock(ROLLUP_LOCK).await?;
    let db = uow.db();
    let mut deltas: Vec<Contribution> = Vec::new();
    for (sign, list) in [(-1_i64, before), (1, after)] {
        for c in list {
            match deltas.iter_mut().find(|d| d.key() == c.key()) {
                Some(d) => {
                    d.amount_minor += sign * c.amount_minor;
                    d.line_count += sign * c.line_count;
                }
                None => deltas.push(Contribution {
                    amount_minor: sign * c.amount_minor,
                    line_count: sign * c.line_count,
                    ..c.clone()
                }),
            }
        }
    }
    for d in deltas
        .into_iter()
        .filter(|d| d.amount_minor != 0 || d.line_count != 0)
    {
        let same_key = |select: sea_orm::Select<funding_line_rollup::Entity>| {
            let nullable = |select: sea_orm::Select<funding_line_rollup::Entity>,
                            column: R,
                            value: Option<i32>| match value {
                Some(v) => select.filter(column.eq(v)),
                None => select.filter(column.is_null()),
            };
            let select = nullable(select, R::FunderId, d.funder_id);
            let select = nullable(select, R::ProgrammeId, d.programme_id);
            let select = nullable(select, R::StartYear, d.start_year);
            select
                .filter(R::Kind.eq(d.kind.clone()))
                .filter(R::Currency.eq(d.currency.clone()))
        };
        let rows = same_key(funding_line_rollup::Entity::find())
            .all(db)
            .await?;
        let (amount, count): (i64, i64) = rows
            .iter()
            .fold((0, 0), |(a, c), r| (a + r.amount_minor, c + r.line_count));
        let (amount, count) = (amount + d.amount_minor, count + d.line_count);
        // One row per key from here on.
        funding_line_rollup::Entity::delete_many()
            .filter(R::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(db)
            .await?;
        if count > 0 {
            funding_line_rollup::Entity::insert(funding_line_rollup::ActiveModel {
                funder_id: Set(d.funder_id),
                programme_id: Set(d.programme_id),
                kind: Set(d.kind.clone()),
                currency: Set(d.currency.clone()),
                start_year: Set(d.start_year),
                amount_minor: Set(amount),
                line_count: Set(count),
                ..Default::default()
            })
            .exec(db)
            .await?;
        }
    }
    Ok(())
}

/// Splits project `project_id`'s funding lines over its years again (after its dates or its
/// lines changed).
pub async fn resplit_project<C: ConnectionTrait>(db: &C, project_id: i32) -> Result<(), DbErr> {
    let lines = funding_line::Entity::find()
        .filter(funding_line::Column::ProjectId.eq(project_id))
        .all(db)
        .await?;
    let line_ids: Vec<i32> = lines.iter().map(|l| l.id).collect();
    if !line_ids.is_empty() {
        funding_line_year::Entity::delete_many()
            .filter(funding_line_year::Column::FundingLineId.is_in(line_ids))
            .exec(db)
            .await?;
    }
    let project = project::Entity::find_by_id(project_id).one(db).await?;
    let rows: Vec<_> = lines
        .iter()
        .flat_map(|line| shares_of(line, project.as_ref()))
        .collect();
    for chunk in rows.chunks(BATCH) {
        funding_line_year::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Rebuilds the programme closure table inside a write (programmes are few).
pub async fn rebuild_programme_tree<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    refresh_programme_ancestors(db).await
}

/// Recomputes every derived table from the facts alone, as if none had been kept. Checks use
/// it to compare what the write path keeps with what the facts say.
pub async fn rebuild(db: &DatabaseConnection) -> Result<(), DbErr> {
    funding_line_year::Entity::delete_many().exec(db).await?;
    project::Entity::update_many()
        .col_expr(project::Column::StartYear, Expr::value(Option::<i32>::None))
        .exec(db)
        .await?;
    refresh(db).await
}
