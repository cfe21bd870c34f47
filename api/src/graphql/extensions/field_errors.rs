//! Field errors as the GraphQL spec handles them ("Handling Field Errors"): a field that fails
//! is `null` in `data` and its error is in `errors`; its siblings are unaffected; a failed
//! non-null field nulls its nearest nullable parent, up to `data` itself.
//!
//! async-graphql 7 instead drops a failed field's key from its object (and answers
//! `data: null` when every root field failed). The response is completed here, after
//! execution and only when a field failed, so answers without errors pay nothing: each error's
//! path is walked through the document and the schema's types to learn which positions on it
//! may be null.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{Name, PathSegment, Response, Value};

/// Fragment spreads followed on one path at most; validation refuses cycles anyway.
const MAX_FRAGMENT_NESTING: usize = 64;

/// Puts `null` where each failed field of `response` belongs, or at its nearest nullable
/// parent. `query` and `operation_name` are the request's.
pub fn complete(
    response: &mut Response,
    registry: &Registry,
    query: &str,
    operation_name: Option<&str>,
) {
    if response.errors.iter().all(|error| error.path.is_empty()) {
        return;
    }
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return;
    };
    let Some((root_type, root)) = operation(&document, registry, operation_name) else {
        return;
    };
    let paths: Vec<Vec<PathSegment>> = response
        .errors
        .iter()
        .filter(|error| !error.path.is_empty())
        .map(|error| error.path.clone())
        .collect();
    let walker = Walker {
        registry,
        document: &document,
    };
    for path in &paths {
        restore_emptied_objects(&mut response.data, path);
    }
    for path in paths {
        let positions = walker.positions(root_type, root, &path);
        null_at_nearest_nullable(&mut response.data, &path, &positions, &walker);
    }
}

/// The operation that ran and the name of its root type.
fn operation<'a>(
    document: &'a ExecutableDocument,
    registry: &'a Registry,
    operation_name: Option<&str>,
) -> Option<(&'a str, &'a SelectionSet)> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => &operation.node,
        (DocumentOperations::Multiple(operations), Some(name)) => &operations.get(name)?.node,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            &operations.values().next()?.node
        }
        _ => return None,
    };
    let root_type = match operation.ty {
        OperationType::Query => registry.query_type.as_str(),
        OperationType::Mutation => registry.mutation_type.as_deref()?,
        OperationType::Subscription => registry.subscription_type.as_deref()?,
    };
    Some((root_type, &operation.selection_set.node))
}

/// async-graphql answers `null` for an object whose every selected field failed; an error
/// inside it shows it was there, so it becomes an object again, and its fields get their nulls.
fn restore_emptied_objects(data: &mut Value, path: &[PathSegment]) {
    let mut value = data;
    for segment in path {
        if *value == Value::Null && matches!(segment, PathSegment::Field(_)) {
            *value = Value::Object(Default::default());
        }
        match child_mut(value, segment) {
            Some(next) => value = next,
            None => return,
        }
    }
}

/// Sets the value at the first missing position of `path` (or at its end) to `null`, or, when
/// that position may not be null, the nearest nullable position above it; `data` itself when
/// there is none.
fn null_at_nearest_nullable(
    data: &mut Value,
    path: &[PathSegment],
    positions: &Positions<'_>,
    walker: &Walker<'_>,
) {
    let nullable = &positions.nullable;
    // Positions below a missing key were never produced: the error stopped there.
    let mut present = 0;
    let mut value = &*data;
    for segment in path {
        match child(value, segment) {
            Some(next) => {
                present += 1;
                value = next;
            }
            None => break,
        }
    }
    let start = present.min(path.len() - 1);
    // A position the schema walk could not place is taken as nullable: never null more
    // than is known to be needed.
    let Some(target) = (0..=start)
        .rev()
        .find(|&i| nullable.get(i).copied().unwrap_or(true))
    else {
        *data = Value::Null;
        return;
    };
    let mut parent = data;
    for segment in &path[..target] {
        match child_mut(parent, segment) {
            Some(next) => parent = next,
            // An earlier error already nulled a parent of this position.
            None => return,
        }
    }
    match (&path[target], parent) {
        (PathSegment::Field(key), Value::Object(fields)) => {
            if let Some(value) = fields.get_mut(key.as_str()) {
                *value = Value::Null;
                return;
            }
            // The key goes where the document puts it among the keys that are there.
            let order = positions
                .selections
                .get(target)
                .map(|selections| walker.response_keys(selections))
                .unwrap_or_default();
            let rank = |k: &str| order.iter().position(|o| *o == k).unwrap_or(usize::MAX);
            let key_rank = rank(key);
            let index = fields
                .keys()
                .filter(|k| rank(k.as_str()) < key_rank)
                .count();
            fields.shift_insert(index, Name::new(key), Value::Null);
        }
        (PathSegment::Index(index), Value::List(items)) => {
            if let Some(item) = items.get_mut(*index) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}

fn child<'v>(value: &'v Value, segment: &PathSegment) -> Option<&'v Value> {
    match (segment, value) {
        (PathSegment::Field(key), Value::Object(fields)) => fields.get(key.as_str()),
        (PathSegment::Index(index), Value::List(items)) => items.get(*index),
        _ => None,
    }
}

fn child_mut<'v>(value: &'v mut Value, segment: &PathSegment) -> Option<&'v mut Value> {
    match (segment, value) {
        (PathSegment::Field(key), Value::Object(fields)) => fields.get_mut(key.as_str()),
        (PathSegment::Index(index), Value::List(items)) => items.get_mut(*index),
        _ => None,
    }
}

/// What the document and the schema say about each position of an error's path.
struct Positions<'a> {
    /// Whether the position may be null.
    nullable: Vec<bool>,
    /// The selections of the object that holds the position, each with the type it is read
    /// on.
    selections: Vec<Vec<(&'a str, &'a SelectionSet)>>,
}

/// Reads the document and the schema's types along an error's path.
struct Walker<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
}

impl<'a> Walker<'a> {
    /// What is known of each position of `path`, as far as the path can be followed.
    fn positions(
        &self,
        root_type: &'a str,
        root: &'a SelectionSet,
        path: &[PathSegment],
    ) -> Positions<'a> {
        let mut nullable = Vec::with_capacity(path.len());
        let mut held_by = Vec::with_capacity(path.len());
        // The selections that apply at the current position, each with the type it is read on.
        let mut selections: Vec<(&'a str, &'a SelectionSet)> = vec![(root_type, root)];
        // The type of the current position, as the schema writes it (`[Project!]!`).
        let mut position_type: &'a str = root_type;
        for segment in path {
            held_by.push(selections.clone());
            match segment {
                PathSegment::Field(key) => {
                    let fields = self.fields_with_key(&selections, key);
                    let Some(field_type) = fields
                        .iter()
                        .find_map(|(on, field)| self.field_type(on, field.name.node.as_str()))
                    else {
                        break;
                    };
                    nullable.push(!MetaTypeName::create(field_type).is_non_null());
                    position_type = field_type;
                    let object_type = MetaTypeName::concrete_typename(field_type);
                    selections = fields
                        .iter()
                        .map(|(_, field)| (object_type, &field.selection_set.node))
                        .collect();
                }
                PathSegment::Index(_) => {
                    let MetaTypeName::List(item_type) =
                        MetaTypeName::create(position_type).unwrap_non_null()
                    else {
                        break;
                    };
                    nullable.push(!MetaTypeName::create(item_type).is_non_null());
                    position_type = item_type;
                }
            }
        }
        Positions {
            nullable,
            selections: held_by,
        }
    }

    /// The response keys of `selections`, in the order of the document.
    fn response_keys(&self, selections: &[(&'a str, &'a SelectionSet)]) -> Vec<&'a str> {
        let mut keys = Vec::new();
        for (_, selection_set) in selections {
            self.collect_keys(selection_set, &mut keys, 0);
        }
        keys
    }

    fn collect_keys(&self, selection_set: &'a SelectionSet, keys: &mut Vec<&'a str>, depth: usize) {
        if depth > MAX_FRAGMENT_NESTING {
            return;
        }
        for selection in &selection_set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.as_str();
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.collect_keys(&fragment.node.selection_set.node, keys, depth + 1);
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        self.collect_keys(&fragment.node.selection_set.node, keys, depth + 1);
                    }
                }
            }
        }
    }

    /// The type of field `name` on type `on`.
    fn field_type(&self, on: &str, name: &str) -> Option<&'a str> {
        let field = self.registry.types.get(on)?.field_by_name(name)?;
        Some(field.ty.as_str())
    }

    /// The fields answering to response key `key`, with the type each is read on.
    fn fields_with_key(
        &self,
        selections: &[(&'a str, &'a SelectionSet)],
        key: &str,
    ) -> Vec<(&'a str, &'a Field)> {
        let mut found = Vec::new();
        for (on, selection_set) in selections {
            self.collect(on, selection_set, key, &mut found, 0);
        }
        found
    }

    fn collect(
        &self,
        on: &'a str,
        selection_set: &'a SelectionSet,
        key: &str,
        found: &mut Vec<(&'a str, &'a Field)>,
        depth: usize,
    ) {
        if depth > MAX_FRAGMENT_NESTING {
            return;
        }
        for selection in &selection_set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if field.node.response_key().node.as_str() == key {
                        found.push((on, &field.node));
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(on, |condition| condition.node.on.node.as_str());
                    self.collect(on, &fragment.node.selection_set.node, key, found, depth + 1);
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.collect(on, &fragment.node.selection_set.node, key, found, depth + 1);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, OutputType, Result, Schema};
    use serde_json::{Value as Json, json};

    use super::*;

    struct Root;

    #[Object]
    impl Root {
        async fn item(&self) -> Item {
            Item
        }
        async fn maybe(&self) -> Option<Item> {
            Some(Item)
        }
        async fn items(&self) -> Vec<Item> {
            vec![Item, Item]
        }
        async fn loose(&self) -> Vec<Option<Item>> {
            vec![Some(Item), Some(Item)]
        }
        async fn fails(&self) -> Result<Option<i32>> {
            Err("root failed".into())
        }
    }

    struct Item;

    #[Object]
    impl Item {
        async fn ok(&self) -> i32 {
            1
        }
        async fn fails_nullable(&self) -> Result<Option<i32>> {
            Err("nullable failed".into())
        }
        async fn fails_required(&self) -> Result<i32> {
            Err("required failed".into())
        }
    }

    /// The answer to `query`, completed.
    async fn execute(query: &str) -> Response {
        let schema = Schema::new(Root, EmptyMutation, EmptySubscription);
        let mut registry = Registry {
            query_type: "Root".to_owned(),
            ..Registry::default()
        };
        <Root as OutputType>::create_type_info(&mut registry);
        let mut response = schema.execute(query).await;
        complete(&mut response, &registry, query, None);
        response
    }

    /// The answer's `data` and the number of errors, after completion.
    async fn run(query: &str) -> (Json, usize) {
        let response = execute(query).await;
        let data = serde_json::to_value(&response.data).expect("data serializes");
        (data, response.errors.len())
    }

    #[tokio::test]
    async fn a_failed_nullable_field_is_null_and_keeps_its_place() {
        let (data, errors) = run("{ fails item { failsNullable ok } }").await;
        assert_eq!(
            data,
            json!({ "fails": null, "item": { "failsNullable": null, "ok": 1 } })
        );
        assert_eq!(errors, 2);
        // Keys keep the document's order (serde_json's map would sort them: compare text).
        let response = execute("{ fails item { failsNullable ok } }").await;
        assert_eq!(
            response.data.to_string(),
            "{fails: null, item: {failsNullable: null, ok: 1}}"
        );
    }

    #[tokio::test]
    async fn a_failed_non_null_field_nulls_its_nullable_parent() {
        let (data, errors) = run("{ maybe { ok failsRequired } other: maybe { ok } }").await;
        assert_eq!(data, json!({ "maybe": null, "other": { "ok": 1 } }));
        assert_eq!(errors, 1);
    }

    #[tokio::test]
    async fn a_failed_non_null_field_in_a_list_of_nullable_items_nulls_the_item() {
        let (data, _) = run("{ loose { ok failsRequired } }").await;
        assert_eq!(data, json!({ "loose": [null, null] }));
    }

    #[tokio::test]
    async fn a_chain_of_non_null_positions_nulls_data() {
        let (data, errors) = run("{ items { failsRequired } maybe { ok } }").await;
        assert_eq!(data, Json::Null);
        assert_eq!(errors, 2);
        let (data, _) = run("{ item { failsRequired } }").await;
        assert_eq!(data, Json::Null);
    }

    #[tokio::test]
    async fn fragments_and_aliases_are_followed() {
        let (data, _) = run(
            "{ renamed: maybe { ...parts } item { ... on Item { alias: failsNullable } } }
             fragment parts on Item { ok broken: failsRequired }",
        )
        .await;
        assert_eq!(data, json!({ "renamed": null, "item": { "alias": null } }));
    }
}
