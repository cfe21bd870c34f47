//! The derived data the write path keeps (start years, yearly splits, the programme closure
//! table, the funding rollup) always says what the facts say: after a few hundred random valid
//! writes, every analytics figure equals the same figure computed after rebuilding all derived
//! data from scratch.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::helpers::{TestApp, apps_with_writers_and};
use crate::writes::{mutate, text, user_errors};

/// Writes made on each database.
const WRITES: usize = 300;

/// The analytics figures compared: funding totals by every grouping that derived data
/// serves, in both year modes, over all projects and under a programme subtree.
async fn figures(app: &TestApp, programme_ids: &[String]) -> Value {
    let groupings = [
        "[FUNDER]",
        "[PROGRAMME]",
        "[PROGRAMME_ROOT]",
        "[PROGRAMME_TREE]",
        "[KIND]",
        "[YEAR]",
        "[FUNDER, YEAR]",
        "[PROJECT]",
        "[LEAD_COUNTRY]",
    ];
    let mut all = Vec::new();
    for group_by in groupings {
        // Without `projectCount`, totals over all projects read the rollup.
        for counts in ["lineCount", "projectCount lineCount"] {
            for mode in ["START_YEAR", "PRO_RATA"] {
                let query = format!(
                    "{{ fundingTotals(groupBy: {group_by}, yearMode: {mode}, limit: 1000) {{
                        groups {{ funder {{ key }} programme {{ key }} project {{ key }} kind country year
                                  amount {{ amount currency }} {counts} }} hasMore }} }}"
                );
                all.push(app.data(&query, json!({})).await);
            }
        }
    }
    for programme in programme_ids.iter().take(4) {
        let query = "query($p: [ID!]) { fundingTotals(groupBy: [YEAR], yearMode: PRO_RATA,
            filter: { projects: { programme: $p } }) { groups { year amount { amount currency } lineCount } }
            projects(filter: { programme: $p }) { totalCount } }";
        all.push(app.data(query, json!({ "p": [programme] })).await);
    }
    Value::Array(all)
}

/// What the test keeps track of to make only valid writes.
struct World {
    projects: Vec<String>,
    lines: Vec<String>,
    /// (programme id, funder id, has sub-programmes)
    programmes: Vec<(String, String, bool)>,
    funders: Vec<String>,
    created: usize,
}

impl World {
    async fn of(app: &TestApp) -> Self {
        let data = app
            .data(
                "{ projects(first: 100) { nodes { id } }
                   fundingLines(first: 100) { nodes { id } }
                   programmes(first: 100) { nodes { id funder { id } parent { id } } }
                   funders(first: 100) { nodes { id } } }",
                json!({}),
            )
            .await;
        let ids = |list: &Value| -> Vec<String> {
            list.as_array()
                .expect("list")
                .iter()
                .map(|n| n["id"].as_str().expect("id").to_owned())
                .collect()
        };
        let projects = ids(&data["projects"]["nodes"]);
        let lines = ids(&data["fundingLines"]["nodes"]);
        let nodes = data["programmes"]["nodes"].as_array().expect("nodes");
        let programmes = nodes
            .iter()
            .map(|p| {
                let id = p["id"].as_str().expect("id").to_owned();
                let has_children = nodes.iter().any(|c| c["parent"]["id"] == p["id"]);
                (
                    id,
                    p["funder"]["id"].as_str().expect("funder").to_owned(),
                    has_children,
                )
            })
            .collect();
        Self {
            projects,
            lines,
            programmes,
            funders: ids(&data["funders"]["nodes"]),
            created: 0,
        }
    }

    fn pick<'a>(rng: &mut StdRng, list: &'a [String]) -> Option<&'a String> {
        (!list.is_empty()).then(|| &list[rng.random_range(0..list.len())])
    }

    /// A valid (funder, programme) pair for a line: both agreeing, one of them, or neither.
    fn source(&self, rng: &mut StdRng) -> (Value, Value) {
        let (programme, funder, _) = &self.programmes[rng.random_range(0..self.programmes.len())];
        match rng.random_range(0..4) {
            0 => (json!(funder), json!(programme)),
            1 => (json!(null), json!(programme)),
            2 => (
                json!(Self::pick(rng, &self.funders).expect("funders")),
                json!(null),
            ),
            _ => (json!(null), json!(null)),
        }
    }

    fn amount(rng: &mut StdRng) -> Value {
        if rng.random_bool(0.2) {
            json!({ "amount": rng.random_range(1..5_000_000).to_string(), "currency": "JPY" })
        } else {
            let cents: i64 = rng.random_range(0..100_000_000);
            let currency = ["EUR", "EUR", "EUR", "SEK", "NOK"][rng.random_range(0..5)];
            json!({ "amount": format!("{}.{:02}", cents / 100, cents % 100), "currency": currency })
        }
    }

    fn dates(rng: &mut StdRng) -> Value {
        if rng.random_bool(0.1) {
            return json!({ "startDate": null, "endDate": null });
        }
        let start = chrono::NaiveDate::from_ymd_opt(
            rng.random_range(2012..2027),
            rng.random_range(1..13),
            rng.random_range(1..29),
        )
        .expect("a date");
        let end = if rng.random_bool(0.15) {
            Value::Null
        } else {
            json!(start + chrono::Duration::days(rng.random_range(0..1500)))
        };
        json!({ "startDate": start, "endDate": end })
    }

    /// Makes one random valid write.
    async fn write(&mut self, app: &TestApp, rng: &mut StdRng) {
        let kinds = [
            "GRANT",
            "OWN_CONTRIBUTION",
            "NATIONAL_CO_FINANCING",
            "OTHER",
        ];
        let kind = kinds[rng.random_range(0..kinds.len())];
        let choice = rng.random_range(0..100);
        let payload = if choice < 30 || self.lines.is_empty() {
            let Some(project) = Self::pick(rng, &self.projects).cloned() else {
                return;
            };
            let (funder, programme) = self.source(rng);
            let created = mutate(
                app,
                "createFundingLine",
                json!({ "project": project, "kind": kind, "funder": funder, "programme": programme, "amount": Self::amount(rng) }),
                "fundingLine { id }",
            )
            .await;
            if let Some(id) = created["fundingLine"]["id"].as_str() {
                self.lines.push(id.to_owned());
            }
            created
        } else if choice < 50 {
            let line = Self::pick(rng, &self.lines).cloned().expect("a line");
            let (funder, programme) = self.source(rng);
            let mut patch = json!({ "funder": funder, "programme": programme });
            if rng.random_bool(0.7) {
                patch["amount"] = Self::amount(rng);
            }
            if rng.random_bool(0.5) {
                patch["kind"] = json!(kind);
            }
            mutate(
                app,
                "updateFundingLine",
                json!({ "id": line, "patch": patch }),
                "fundingLine { id }",
            )
            .await
        } else if choice < 60 {
            let index = rng.random_range(0..self.lines.len());
            let line = self.lines.swap_remove(index);
            mutate(app, "deleteFundingLine", json!({ "id": line }), "deletedId").await
        } else if choice < 80 {
            let project = Self::pick(rng, &self.projects).cloned().expect("a project");
            mutate(
                app,
                "updateProject",
                json!({ "id": project, "patch": Self::dates(rng) }),
                "project { id }",
            )
            .await
        } else if choice < 88 {
            self.created += 1;
            let mut input = Self::dates(rng);
            input["key"] = json!(format!("random-{}", self.created));
            input["title"] = json!([text("en", "Random project", true)]);
            let created = mutate(app, "createProject", input, "project { id }").await;
            if let Some(id) = created["project"]["id"].as_str() {
                self.projects.push(id.to_owned());
            }
            created
        } else if choice < 91 && self.projects.len() > 3 {
            let index = rng.random_range(0..self.projects.len());
            let project = self.projects.swap_remove(index);
            // Its lines go with it; forget them (a later delete of one would find nothing).
            let data = app
                .data(
                    "query($id: ID!) { node(id: $id) { ... on Project { fundingLines { id } } } }",
                    json!({ "id": project }),
                )
                .await;
            for line in data["node"]["fundingLines"]
                .as_array()
                .into_iter()
                .flatten()
            {
                self.lines
                    .retain(|l| l != line["id"].as_str().unwrap_or(""));
            }
            mutate(app, "deleteProject", json!({ "id": project }), "deletedId").await
        } else if choice < 95 {
            // A new programme, under a programme of the same funder or at the top.
            let (parent, funder, _) =
                self.programmes[rng.random_range(0..self.programmes.len())].clone();
            self.created += 1;
            let on_top = rng.random_bool(0.3);
            let created = mutate(
                app,
                "createProgramme",
                json!({
                    "key": format!("random-programme-{}", self.created),
                    "funder": funder,
                    "parent": if on_top { Value::Null } else { json!(parent) },
                    "name": [text("en", "Random programme", true)],
                }),
                "programme { id }",
            )
            .await;
            if let Some(id) = created["programme"]["id"].as_str() {
                if !on_top {
                    for p in &mut self.programmes {
                        if p.0 == parent {
                            p.2 = true;
                        }
                    }
                }
                self.programmes.push((id.to_owned(), funder, false));
            }
            created
        } else {
            // Moves a leaf programme under another programme of its funder: never a cycle.
            let leaves: Vec<(String, String)> = self
                .programmes
                .iter()
                .filter(|p| !p.2)
                .map(|p| (p.0.clone(), p.1.clone()))
                .collect();
            let (leaf, funder) = leaves[rng.random_range(0..leaves.len())].clone();
            let parents: Vec<String> = self
                .programmes
                .iter()
                .filter(|p| p.1 == funder && p.0 != leaf)
                .map(|p| p.0.clone())
                .collect();
            let Some(parent) = Self::pick(rng, &parents).cloned() else {
                return;
            };
            let moved = mutate(
                app,
                "updateProgramme",
                json!({ "id": leaf, "patch": { "parent": parent } }),
                "programme { id }",
            )
            .await;
            for p in &mut self.programmes {
                if p.0 == parent {
                    p.2 = true;
                }
            }
            moved
        };
        assert_eq!(user_errors(&payload), [], "[{}] {payload}", app.backend);
    }
}

#[tokio::test]
async fn after_hundreds_of_random_writes_every_funding_figure_equals_a_recomputation() {
    // The figures are many large queries in a row: the bucket is made big enough for them.
    let apps = apps_with_writers_and(|settings| settings.rate_limit_capacity = 100_000_000).await;
    for app in apps {
        let mut rng = StdRng::seed_from_u64(20261129);
        let mut world = World::of(&app).await;
        for _ in 0..WRITES {
            world.write(&app, &mut rng).await;
        }
        let programmes: Vec<String> = world.programmes.iter().map(|p| p.0.clone()).collect();
        let kept = figures(&app, &programmes).await;
        api::store::derived::rebuild(&app.db)
            .await
            .expect("derived data rebuilds");
        let recomputed = figures(&app, &programmes).await;
        assert!(
            kept == recomputed,
            "[{}] the figures the write path kept differ from a recomputation:\nkept: {kept:#}\nrecomputed: {recomputed:#}",
            app.backend
        );
        // The writes did happen: there are lines in several currencies and years.
        let lines = app
            .data("{ fundingLines(first: 1) { totalCount } }", json!({}))
            .await;
        assert!(
            lines["fundingLines"]["totalCount"].as_u64() > Some(20),
            "{lines}"
        );
    }
}

#[tokio::test]
async fn concurrent_writes_to_the_same_funding_totals_add_up() {
    let apps = apps_with_writers_and(|settings| settings.rate_limit_capacity = 100_000_000).await;
    for app in apps {
        let world = World::of(&app).await;
        let project = world.projects[0].clone();
        // Ten lines of one funder, programme, kind, currency and year, all at once: each moves
        // the same row of the rollup.
        let creates = (0..10).map(|i| {
            mutate(
                &app,
                "createFundingLine",
                json!({ "project": project, "kind": "OTHER", "amount": { "amount": format!("{}.01", 100 + i), "currency": "EUR" } }),
                "fundingLine { id }",
            )
        });
        for payload in futures_util::future::join_all(creates).await {
            assert_eq!(user_errors(&payload), [], "[{}] {payload}", app.backend);
        }
        let programmes: Vec<String> = world.programmes.iter().map(|p| p.0.clone()).collect();
        let kept = figures(&app, &programmes).await;
        api::store::derived::rebuild(&app.db)
            .await
            .expect("derived data rebuilds");
        assert!(
            kept == figures(&app, &programmes).await,
            "[{}] concurrent writes lost an update of the rollup",
            app.backend
        );
    }
}
