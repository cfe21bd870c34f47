//! `search` over the seed data: matching across languages, diacritics and typos, the query
//! language, ranking, highlights, paging, refusals, the index kept in step with writes, and
//! the same top results on both databases.

use serde_json::{Value, json};

use crate::helpers::{EDITOR_KEY, TestApp, apps_with_writers};

const SEARCH: &str = r#"query($query: String!, $types: [SearchType!], $lang: LanguageCode, $first: Int, $after: String) {
  search(query: $query, types: $types, lang: $lang, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      score
      highlights { field lang fragment }
      node {
        __typename
        ... on Project { key }
        ... on Organisation { key }
        ... on Funder { key }
        ... on Programme { key }
        ... on Place { key }
        ... on Outcome { id }
        ... on Event { id }
      }
    } }
  }
}"#;

/// The hits of a search as `Type:key` (or `Type:id`), best first.
fn hits(data: &Value) -> Vec<String> {
    data["search"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|edge| {
                    let node = &edge["node"]["node"];
                    let name = node["key"].as_str().or(node["id"].as_str()).unwrap_or("?");
                    format!("{}:{name}", node["__typename"].as_str().unwrap_or("?"))
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn search(app: &TestApp, query: &str, variables: Value) -> Value {
    let mut variables = variables;
    variables["query"] = json!(query);
    app.data(SEARCH, variables).await
}

#[tokio::test]
async fn search_ignores_case_and_diacritics_and_matches_word_starts() {
    for app in TestApp::all().await {
        let found = hits(&search(&app, "REZEKNE", json!({})).await);
        assert!(
            found.contains(&"Place:rezeknes-novads".to_owned()),
            "[{}] {found:?}",
            app.backend
        );
        // A project is found by the places it covers, and says so in its highlights.
        let data = search(&app, "rezekne", json!({ "types": ["PROJECT"] })).await;
        assert_eq!(
            hits(&data),
            vec!["Project:darbigas-kopienas"],
            "[{}]",
            app.backend
        );
        let highlight = &data["search"]["edges"][0]["node"]["highlights"][0];
        assert_eq!(
            highlight["field"], "places",
            "[{}] {highlight}",
            app.backend
        );
        assert!(
            highlight["fragment"]
                .as_str()
                .is_some_and(|f| f.contains("<mark>Rēzekne")),
            "[{}] {highlight}",
            app.backend
        );
        let found = hits(&search(&app, "kekavas", json!({ "types": ["ORGANISATION"] })).await);
        assert_eq!(
            found.first().map(String::as_str),
            Some("Organisation:kekavas-jic"),
            "[{}]",
            app.backend
        );
        // Several types: each is found, and nothing else.
        let found = hits(&search(&app, "kekavas", json!({ "types": ["PLACE", "EVENT"] })).await);
        assert!(
            found.iter().any(|hit| hit.starts_with("Place:"))
                && found.iter().any(|hit| hit.starts_with("Event:"))
                && found
                    .iter()
                    .all(|hit| hit.starts_with("Place:") || hit.starts_with("Event:")),
            "[{}] {found:?}",
            app.backend
        );
        // "kopstr" is the start of "kopstrādes".
        let found = hits(&search(&app, "kopstr", json!({ "types": ["PROJECT"] })).await);
        assert_eq!(
            found,
            vec!["Project:kopstrade-jaunatnes-centros"],
            "[{}]",
            app.backend
        );
    }
}

#[tokio::test]
async fn a_word_with_a_typo_still_finds_its_record() {
    for app in TestApp::all().await {
        // One edit in a word of 7 letters, and two in one of 10.
        let found = hits(&search(&app, "rezekme", json!({ "types": ["PLACE"] })).await);
        assert_eq!(found, vec!["Place:rezeknes-novads"], "[{}]", app.backend);
        let found = hits(&search(&app, "kopstradez", json!({ "types": ["PROJECT"] })).await);
        assert_eq!(
            found,
            vec!["Project:kopstrade-jaunatnes-centros"],
            "[{}]",
            app.backend
        );
        // Short words and codes are never corrected.
        let found = hits(&search(&app, "lt11", json!({})).await);
        assert!(found.is_empty(), "[{}] {found:?}", app.backend);
    }
}

#[tokio::test]
async fn phrases_exclusions_and_or_are_understood() {
    for app in TestApp::all().await {
        let phrase = hits(
            &search(
                &app,
                "\"kulturas menedzeriem\"",
                json!({ "types": ["PROJECT"] }),
            )
            .await,
        );
        assert_eq!(phrase, vec!["Project:co-op"], "[{}]", app.backend);
        // The same words out of order are not the phrase.
        let reversed = hits(
            &search(
                &app,
                "\"menedzeriem kulturas\"",
                json!({ "types": ["PROJECT"] }),
            )
            .await,
        );
        assert!(reversed.is_empty(), "[{}] {reversed:?}", app.backend);
        let either = hits(
            &search(
                &app,
                "kopstrades or koprade",
                json!({ "types": ["PROJECT"] }),
            )
            .await,
        );
        assert!(
            either.contains(&"Project:co-op".to_owned())
                && either.contains(&"Project:kopstrade-jaunatnes-centros".to_owned()),
            "[{}] {either:?}",
            app.backend
        );
        let without = hits(
            &search(
                &app,
                "kopstrades or koprade -jaunatnes",
                json!({ "types": ["PROJECT"] }),
            )
            .await,
        );
        assert!(
            without.contains(&"Project:co-op".to_owned())
                && !without.contains(&"Project:kopstrade-jaunatnes-centros".to_owned()),
            "[{}] {without:?}",
            app.backend
        );
    }
}

#[tokio::test]
async fn codes_are_found_as_whole_words_and_rank_first() {
    for app in TestApp::all().await {
        let data = search(&app, "LT10", json!({})).await;
        let found = hits(&data);
        assert_eq!(
            found.first().map(String::as_str),
            Some("Programme:lt10"),
            "[{}] {found:?}",
            app.backend
        );
        let highlights = &data["search"]["edges"][0]["node"]["highlights"];
        assert!(
            highlights
                .as_array()
                .is_some_and(|h| h.iter().any(|h| h["field"] == "code"
                    && h["fragment"] == "<mark>LT10</mark>"
                    && h["lang"].is_null())),
            "[{}] {highlights:#}",
            app.backend
        );
    }
}

#[tokio::test]
async fn titles_rank_above_summaries_and_highlights_mark_matches_and_escape_the_rest() {
    for app in TestApp::all().await {
        let data = search(
            &app,
            "kopienas",
            json!({ "types": ["PROJECT"], "lang": "lv" }),
        )
        .await;
        let edges = data["search"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!edges.is_empty(), "[{}] {data:#}", app.backend);
        let scores: Vec<f64> = edges
            .iter()
            .filter_map(|e| e["node"]["score"].as_f64())
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "[{}] best first: {scores:?}",
            app.backend
        );
        for edge in &edges {
            for highlight in edge["node"]["highlights"].as_array().into_iter().flatten() {
                let fragment = highlight["fragment"].as_str().unwrap_or_default();
                assert!(fragment.contains("<mark>"), "[{}] {highlight}", app.backend);
                let unmarked = fragment.replace("<mark>", "").replace("</mark>", "");
                assert!(
                    !unmarked.contains('<') && !unmarked.contains('>'),
                    "[{}] escaped: {fragment}",
                    app.backend
                );
            }
        }
        // A title match outweighs a summary match: the first highlight of the first hit is
        // its title, in the preferred language.
        let first = &edges[0]["node"]["highlights"][0];
        assert_eq!(first["field"], "title", "[{}] {first}", app.backend);
        assert_eq!(first["lang"], "lv", "[{}] {first}", app.backend);
    }
}

#[tokio::test]
async fn a_record_scores_for_each_part_holding_one_of_the_words() {
    for app in TestApp::all().await {
        // "Darbīgās" is in the title, "Iniciatīvas" in the summary: both parts count (a title
        // match is worth 1, a summary match 0.4).
        let found = scored_hits(
            &search(
                &app,
                "darbigas iniciativas",
                json!({ "types": ["PROJECT"] }),
            )
            .await,
        );
        assert_eq!(
            found.first().map(|(name, _)| name.as_str()),
            Some("Project:darbigas-kopienas"),
            "[{}] {found:?}",
            app.backend
        );
        assert!(
            found.first().is_some_and(|(_, score)| *score >= 1.4),
            "[{}] {found:?}",
            app.backend
        );
    }
}

#[tokio::test]
async fn pages_of_hits_follow_each_other_without_repeats() {
    for app in TestApp::all().await {
        let all = search(
            &app,
            "projekts or projekta or projektas",
            json!({ "first": 50 }),
        )
        .await;
        let every = hits(&all);
        let total = all["search"]["totalCount"].as_u64().unwrap_or_default();
        assert!(total >= 3, "[{}] {total}", app.backend);
        assert_eq!(every.len() as u64, total.min(50), "[{}]", app.backend);
        let mut paged = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = search(
                &app,
                "projekts or projekta or projektas",
                json!({ "first": 2, "after": after }),
            )
            .await;
            paged.extend(hits(&page));
            if page["search"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["search"]["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(paged, every, "[{}]", app.backend);
    }
}

#[tokio::test]
async fn bad_searches_are_refused_with_bad_user_input() {
    for app in TestApp::all().await {
        let long = "a".repeat(201);
        for query in [
            "",
            "   ",
            "-kopienas",
            "?!",
            long.as_str(),
            "a b c d e f g h i",
        ] {
            let codes = app.error_codes(SEARCH, json!({ "query": query })).await;
            assert_eq!(codes, vec!["BAD_USER_INPUT"], "[{}] {query:?}", app.backend);
        }
        let page = search(&app, "kopienas", json!({ "first": 1 })).await;
        let cursor = page["search"]["pageInfo"]["endCursor"].clone();
        let codes = app
            .error_codes(SEARCH, json!({ "query": "kekavas", "after": cursor }))
            .await;
        assert_eq!(
            codes,
            vec!["BAD_USER_INPUT"],
            "[{}] a cursor of another search",
            app.backend
        );
        let codes = app
            .error_codes(
                SEARCH,
                json!({ "query": "kekavas", "after": "not-a-cursor" }),
            )
            .await;
        assert_eq!(codes, vec!["BAD_USER_INPUT"], "[{}]", app.backend);
        let codes = app
            .error_codes(SEARCH, json!({ "query": "kekavas", "first": 101 }))
            .await;
        assert_eq!(codes, vec!["BAD_USER_INPUT"], "[{}]", app.backend);
        // Query syntax characters are words' edges, never SQL or index syntax.
        for query in [
            "\"",
            "kopienas\" OR \"x",
            "kopienas*",
            "a:* | b",
            "'; DROP TABLE projects; --",
            "NEAR(a b)",
        ] {
            let body = app.post(SEARCH, json!({ "query": query })).await;
            let codes: Vec<&str> = body["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["extensions"]["code"].as_str())
                .collect();
            assert!(
                codes.iter().all(|c| *c == "BAD_USER_INPUT"),
                "[{}] {query:?}: {body:#}",
                app.backend
            );
        }
    }
}

#[tokio::test]
async fn text_filters_match_as_search_does() {
    for app in TestApp::all().await {
        for (text, expected) in [
            ("rezekme", vec!["darbigas-kopienas"]),
            ("\"kulturas menedzeriem\"", vec!["co-op"]),
            ("kekavas -kopstrades", vec![]),
        ] {
            let data = app
                .data(
                    "query($text: String) { projects(filter: { text: $text }, orderBy: [{ field: KEY }]) { nodes { key } } }",
                    json!({ "text": text }),
                )
                .await;
            let keys: Vec<&str> = data["projects"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n["key"].as_str())
                .collect();
            assert_eq!(keys, expected, "[{}] {text:?}", app.backend);
        }
        let codes = app
            .error_codes(
                "{ projects(filter: { text: \"-x\" }) { nodes { key } } }",
                json!({}),
            )
            .await;
        assert_eq!(codes, vec!["BAD_USER_INPUT"], "[{}]", app.backend);
    }
}

#[tokio::test]
async fn the_index_follows_every_write_in_the_same_transaction() {
    for app in apps_with_writers().await {
        let created = app
            .post_as(
                EDITOR_KEY,
                r#"mutation { createProject(input: { key: "zilonis", title: [{ lang: "lt", text: "Žalias dramblys Šiauliuose", isOriginal: true }] }) { project { id } userErrors { code message } } }"#,
                json!({}),
            )
            .await;
        let id = created["data"]["createProject"]["project"]["id"].clone();
        assert!(id.is_string(), "[{}] {created:#}", app.backend);
        assert_eq!(
            hits(&search(&app, "dramblys", json!({})).await),
            vec!["Project:zilonis"],
            "[{}]",
            app.backend
        );
        // A typo finds the new word too: the vocabulary grew with the write.
        assert_eq!(
            hits(&search(&app, "dramblis", json!({})).await),
            vec!["Project:zilonis"],
            "[{}]",
            app.backend
        );
        let updated = app
            .post_as(
                EDITOR_KEY,
                r#"mutation($id: ID!) { updateProject(input: { id: $id, expectedVersion: 1, patch: { title: [{ lang: "lt", text: "Raudona lapė", isOriginal: true }] } }) { project { version } userErrors { code message } } }"#,
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            updated["data"]["updateProject"]["project"]["version"], 2,
            "[{}] {updated:#}",
            app.backend
        );
        assert!(
            hits(&search(&app, "dramblys", json!({})).await).is_empty(),
            "[{}]",
            app.backend
        );
        assert_eq!(
            hits(&search(&app, "lape", json!({})).await),
            vec!["Project:zilonis"],
            "[{}]",
            app.backend
        );
        let deleted = app
            .post_as(
                EDITOR_KEY,
                r#"mutation($id: ID!) { deleteProject(input: { id: $id, expectedVersion: 2 }) { userErrors { code message } } }"#,
                json!({ "id": id }),
            )
            .await;
        assert!(deleted["errors"].is_null(), "[{}] {deleted:#}", app.backend);
        assert!(
            hits(&search(&app, "lape", json!({})).await).is_empty(),
            "[{}]",
            app.backend
        );
    }
}

/// Queries over the seed data whose top hits both databases must agree on.
const SAME_EVERYWHERE: [&str; 10] = [
    "rezekne",
    "kekavas",
    "LT10",
    "nordplus",
    "kopstrades",
    "\"kulturas menedzeriem\"",
    "brivdabas or kopstrades",
    "rezekme",
    "kulturos istaigu",
    "partnership -nordplus",
];

/// Hits of one search, best first, each with its score.
type ScoredHits = Vec<(String, f64)>;

/// The hits of a search with their scores.
fn scored_hits(data: &Value) -> ScoredHits {
    let scores = data["search"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|edge| edge["node"]["score"].as_f64().unwrap_or_default());
    hits(data).into_iter().zip(scores).collect()
}

#[tokio::test]
async fn the_same_queries_give_the_same_top_results_on_both_databases() {
    let apps = TestApp::all().await;
    let mut tops: Vec<(&str, Vec<ScoredHits>)> = Vec::new();
    for app in &apps {
        let mut per_query = Vec::new();
        for query in SAME_EVERYWHERE {
            let found = scored_hits(&search(app, query, json!({ "first": 6 })).await);
            assert!(
                !found.is_empty(),
                "[{}] {query:?} finds something",
                app.backend
            );
            per_query.push(found);
        }
        tops.push((app.backend, per_query));
    }
    // Each database measures relevance its own way (ts_rank, bm25), so records whose matches
    // are in the same parts may swap places, and a tie is broken by id. The best hit is the
    // same record, and every hit that one database ranks strictly above its third is among
    // the other's six best.
    for (backend, per_query) in &tops[1..] {
        for ((query, theirs), ours) in SAME_EVERYWHERE.iter().zip(per_query).zip(&tops[0].1) {
            let names = |found: &[(String, f64)]| -> Vec<String> {
                found.iter().map(|(name, _)| name.clone()).collect()
            };
            assert_eq!(
                theirs.first().map(|(name, _)| name),
                ours.first().map(|(name, _)| name),
                "{query:?}: the best hit, {backend} {theirs:?} against {} {ours:?}",
                tops[0].0
            );
            for (found, others) in [(theirs, ours), (ours, theirs)] {
                let third = found.get(2).map_or(f64::MIN, |(_, score)| *score);
                for (hit, _) in found.iter().take(3).filter(|(_, score)| *score > third) {
                    assert!(
                        names(others).contains(hit),
                        "{query:?}: {hit} is among one database's best but not in the \
                         other's six: {backend} {theirs:?}, {} {ours:?}",
                        tops[0].0
                    );
                }
            }
        }
    }
}
