//! The database itself refuses data that breaks the domain's rules, on SQLite and PostgreSQL.

use chrono::NaiveDate;
use entity::enums::{DatePrecision, FundingKind};
use entity::{funding_line, participation, project};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
};

use crate::helpers::TestApp;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn project(key: &str) -> project::ActiveModel {
    project::ActiveModel {
        key: Set(key.to_owned()),
        working_languages: Set(String::new()),
        ..Default::default()
    }
}

fn line(project_id: i32, amount_minor: i64, currency: &str) -> funding_line::ActiveModel {
    funding_line::ActiveModel {
        project_id: Set(project_id),
        kind: Set(FundingKind::Grant),
        amount_minor: Set(amount_minor),
        currency: Set(currency.to_owned()),
        position: Set(0),
        ..Default::default()
    }
}

async fn refused<A>(db: &DatabaseConnection, row: A, what: &str, backend: &str)
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    let result: Result<_, DbErr> = row.insert(db).await;
    assert!(result.is_err(), "[{backend}] the database accepted {what}");
}

#[tokio::test]
async fn the_database_refuses_rows_that_break_the_domain_rules() {
    for app in TestApp::all().await {
        let db = &app.db;
        let b = app.backend;
        let mut reversed = project("reversed-dates");
        reversed.start_date = Set(Some(date(2020, 1, 1)));
        reversed.start_precision = Set(Some(DatePrecision::Day));
        reversed.end_date = Set(Some(date(2019, 1, 1)));
        reversed.end_precision = Set(Some(DatePrecision::Day));
        refused(db, reversed, "an end before the start", b).await;

        let mut imprecise = project("date-without-precision");
        imprecise.start_date = Set(Some(date(2020, 1, 1)));
        refused(db, imprecise, "a date without its precision", b).await;

        refused(db, project("co-op"), "a duplicate project key", b).await;

        let target = project("constraint-target")
            .insert(db)
            .await
            .expect("a valid project is accepted");
        refused(db, line(target.id, -1, "EUR"), "a negative amount", b).await;
        refused(db, line(target.id, 100, "eur"), "a lower-case currency", b).await;
        refused(
            db,
            line(target.id, 100, "EURO"),
            "a four-letter currency",
            b,
        )
        .await;
        refused(
            db,
            line(999_999, 100, "EUR"),
            "a funding line of a missing project",
            b,
        )
        .await;
        line(target.id, 100, "EUR")
            .insert(db)
            .await
            .expect("a valid funding line is accepted");

        let participation = participation::ActiveModel {
            project_id: Set(target.id),
            organisation_id: Set(999_999),
            role: Set(entity::enums::ParticipationRole::Partner),
            position: Set(0),
            ..Default::default()
        };
        refused(
            db,
            participation,
            "a participation of a missing organisation",
            b,
        )
        .await;

        assert_eq!(
            funding_line::Entity::find().count(db).await.expect("count"),
            3,
            "[{b}]"
        );
    }
}
