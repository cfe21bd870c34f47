//! The committed `schema.graphql` is the published contract: it must equal the generated SDL.

#[test]
fn the_committed_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).expect("schema.graphql is committed");
    let generated = api::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is out of date: run `cargo run -- print-schema > schema.graphql` and review the diff"
    );
}

#[test]
fn every_type_and_field_in_the_schema_has_a_description() {
    let sdl = api::graphql::sdl();
    let mut undocumented = Vec::new();
    let mut previous = "";
    let mut in_description = false;
    for line in sdl.lines().map(str::trim) {
        // Lines of a multi-line description are text, not declarations.
        if line == "\"\"\"" {
            in_description = !in_description;
            previous = line;
            continue;
        }
        if in_description {
            previous = line;
            continue;
        }
        let declares_type = ["type ", "input ", "enum ", "interface ", "scalar "]
            .iter()
            .any(|k| line.starts_with(k));
        let declares_field = line.contains(':')
            && !line.starts_with('"')
            && !line.starts_with(')')
            && !line.starts_with("query")
            && !line.starts_with("mutation")
            && !line.starts_with("subscription");
        let documented = previous.ends_with("\"\"\"");
        if (declares_type || declares_field) && !documented && !line.starts_with("schema") {
            undocumented.push(line.to_owned());
        }
        previous = line;
    }
    // Directive definitions come from async-graphql itself.
    undocumented.retain(|l| !l.starts_with("directive"));
    assert!(
        undocumented.is_empty(),
        "undocumented schema items: {undocumented:#?}"
    );
}

#[test]
fn every_custom_scalar_names_the_standard_it_follows() {
    let sdl = api::graphql::sdl();
    let scalars: Vec<&str> = sdl.lines().filter(|l| l.starts_with("scalar ")).collect();
    let names: Vec<&str> = scalars
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(
        names,
        [
            "CountryCode",
            "CurrencyCode",
            "Date",
            "DateTime",
            "Decimal",
            "LanguageCode",
            "LocalTime"
        ]
    );
    for scalar in scalars {
        assert!(scalar.contains("@specifiedBy(url: \"https://"), "{scalar}");
    }
}
