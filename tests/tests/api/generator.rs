//! The data generator: deterministic for a seed, batched, and consistent with the analytics.

use api::seed::generate::{GenerateOptions, generate};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tempfile::TempDir;

use crate::helpers::{backends, fresh_database};

fn options(projects: u32, seed: u64) -> GenerateOptions {
    GenerateOptions {
        projects,
        seed,
        min_partners: 3,
        max_partners: 12,
        min_lines: 2,
        max_lines: 6,
        min_items: 5,
        max_items: 20,
        quiet: true,
    }
}

async fn empty_database(backend: &str, dir: &TempDir) -> DatabaseConnection {
    let (db, _) = api::store::database::connect(
        &fresh_database(backend, dir.path()).await,
        2,
        std::time::Duration::from_secs(10),
    )
    .await
    .expect("connect");
    api::store::database::migrate(&db).await.expect("migrate");
    db
}

/// A fingerprint of the generated data: counts and sums that any difference would change.
async fn fingerprint(db: &DatabaseConnection) -> Vec<i64> {
    let sql = "SELECT (SELECT COUNT(*) FROM projects) AS a, (SELECT COUNT(*) FROM participations) AS b,
        (SELECT COUNT(*) FROM funding_lines) AS c, (SELECT CAST(SUM(amount_minor) AS BIGINT) FROM funding_lines) AS d,
        (SELECT CAST(SUM(amount_minor) AS BIGINT) FROM funding_line_years) AS e, (SELECT COUNT(*) FROM outcomes) AS f,
        (SELECT COUNT(*) FROM events) AS g, (SELECT COUNT(*) FROM project_places) AS h,
        (SELECT COUNT(DISTINCT organisation_id) FROM participations) AS i";
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("row");
    ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .map(|c| row.try_get::<i64>("", c).expect("number"))
        .collect()
}

#[tokio::test]
async fn the_same_seed_generates_the_same_data_within_the_requested_shape() {
    for backend in backends() {
        let (dir_a, dir_b) = (TempDir::new().expect("dir"), TempDir::new().expect("dir"));
        let (a, b) = (
            empty_database(backend, &dir_a).await,
            empty_database(backend, &dir_b).await,
        );
        generate(&a, &options(40, 7)).await.expect("generate");
        generate(&b, &options(40, 7)).await.expect("generate");
        let print = fingerprint(&a).await;
        assert_eq!(print, fingerprint(&b).await, "[{backend}]");
        let [
            projects,
            participations,
            lines,
            amount,
            shares,
            outcomes,
            events,
            places,
            _,
        ] = print[..]
        else {
            panic!("fingerprint shape")
        };
        assert_eq!(projects, 40);
        assert!(
            (3 * 40..=12 * 40).contains(&participations),
            "{participations}"
        );
        assert!((2 * 40..=6 * 40).contains(&lines), "{lines}");
        assert!((5 * 40..=20 * 40).contains(&outcomes) && (5 * 40..=20 * 40).contains(&events));
        assert!(places >= 5 * 40);
        assert_eq!(
            amount, shares,
            "[{backend}] yearly shares add up to the lines exactly"
        );

        let other = TempDir::new().expect("dir");
        let c = empty_database(backend, &other).await;
        generate(&c, &options(40, 8)).await.expect("generate");
        assert_ne!(
            fingerprint(&c).await,
            print,
            "[{backend}] another seed gives other data"
        );
    }
}

#[tokio::test]
async fn generating_the_same_seed_twice_into_one_database_is_refused() {
    for backend in backends() {
        let dir = TempDir::new().expect("dir");
        let db = empty_database(backend, &dir).await;
        generate(&db, &options(3, 1)).await.expect("generate");
        let error = generate(&db, &options(3, 1))
            .await
            .expect_err("second run refused");
        assert!(
            error.to_string().contains("already holds"),
            "[{backend}] {error}"
        );
        let bad = GenerateOptions {
            min_lines: 5,
            max_lines: 2,
            ..options(3, 2)
        };
        assert!(generate(&db, &bad).await.is_err());
        assert_eq!(
            fingerprint(&db).await[0],
            3,
            "[{backend}] nothing more was written"
        );
    }
}
