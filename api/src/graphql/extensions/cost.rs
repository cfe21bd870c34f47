//! The cost model: what a document may cost before it runs, computed from its shape alone (like
//! GitHub's node limit), so a refused document never reaches the database.
//!
//! - Every selected field costs 1 each time it will be resolved.
//! - A connection's selection is resolved once per requested item: its page size is `first` or
//!   `last` (the larger when both are given), or the default page size when neither is.
//! - A plain list (a relation without paging) is assumed to hold [`LIST_ESTIMATE`] items; its
//!   items' selection is charged that many times. `nodes(ids:)` is charged per ID.
//! - A field with a `limit` argument (the analytics lists) is charged as the list of `limit`
//!   items it can return, whether the list is the field itself or its `groups`.
//! - Multipliers nest: `projects(first: 50) { nodes { participations { organisation { name } } } }`
//!   charges `organisation` 50 × 10 times.
//!
//! - Each mutation field costs [`MUTATION_COST`]: it writes, with its audit entry, in a
//!   transaction. Its payload's selection is charged on top.
//!
//! Introspection fields (`__schema`, `__type`, `__typename`) cost nothing: they read the schema,
//! not the database. Fields the schema does not know cost nothing here either; validation
//! refuses them afterwards.

use std::collections::HashMap;

use async_graphql::Variables;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, FragmentDefinition, OperationDefinition,
    OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{Name, Positioned, Value};

use crate::store::page::PageLimits;

/// What one mutation field costs before its payload's selection.
pub const MUTATION_COST: u64 = 10;

/// Items a list without paging is assumed to hold.
pub const LIST_ESTIMATE: u64 = 10;

/// Fragment spreads followed on one path at most; validation refuses cycles anyway.
const MAX_FRAGMENT_NESTING: usize = 64;

/// The cost of each operation of `document`, by operation name (`None` for an anonymous one).
pub fn of_document(
    registry: &Registry,
    document: &ExecutableDocument,
    variables: &Variables,
    pages: PageLimits,
) -> HashMap<Option<String>, u64> {
    let walker = Walker {
        registry,
        fragments: &document.fragments,
        variables,
        pages,
    };
    let root = |operation: &OperationDefinition| match operation.ty {
        OperationType::Mutation => registry.mutation_type.as_deref().unwrap_or("Mutation"),
        OperationType::Subscription => registry
            .subscription_type
            .as_deref()
            .unwrap_or("Subscription"),
        OperationType::Query => registry.query_type.as_str(),
    };
    match &document.operations {
        DocumentOperations::Single(operation) => HashMap::from([(
            None,
            walker.selection_set(
                root(&operation.node),
                &operation.node.selection_set.node,
                1,
                None,
                &mut Vec::new(),
            ),
        )]),
        DocumentOperations::Multiple(operations) => operations
            .iter()
            .map(|(name, operation)| {
                let cost = walker.selection_set(
                    root(&operation.node),
                    &operation.node.selection_set.node,
                    1,
                    None,
                    &mut Vec::new(),
                );
                (Some(name.to_string()), cost)
            })
            .collect(),
    }
}

struct Walker<'a> {
    registry: &'a Registry,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    variables: &'a Variables,
    pages: PageLimits,
}

impl<'a> Walker<'a> {
    /// Cost of `selections` on a value of type `parent`, resolved `times` times.
    fn selection_set(
        &self,
        parent: &str,
        selections: &'a SelectionSet,
        times: u64,
        list_size: Option<u64>,
        fragment_path: &mut Vec<&'a str>,
    ) -> u64 {
        selections
            .items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    self.field(parent, &field.node, times, list_size, fragment_path)
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |c| c.node.on.node.as_str());
                    self.selection_set(
                        on,
                        &fragment.node.selection_set.node,
                        times,
                        list_size,
                        fragment_path,
                    )
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.fragments.get(&spread.node.fragment_name.node) else {
                        return 0;
                    };
                    if fragment_path.contains(&name) || fragment_path.len() >= MAX_FRAGMENT_NESTING
                    {
                        return 0;
                    }
                    fragment_path.push(name);
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    let cost = self.selection_set(
                        on,
                        &fragment.node.selection_set.node,
                        times,
                        list_size,
                        fragment_path,
                    );
                    fragment_path.pop();
                    cost
                }
            })
            .fold(0, u64::saturating_add)
    }

    /// Cost of `field` on `parent`, resolved `times` times; a list field is charged as
    /// `list_size` items when its parent carried a `limit`.
    fn field(
        &self,
        parent: &str,
        field: &'a Field,
        times: u64,
        list_size: Option<u64>,
        fragment_path: &mut Vec<&'a str>,
    ) -> u64 {
        // Introspection reads the schema, not the database, and explorers need all of it.
        if field.name.node.starts_with("__") {
            return 0;
        }
        let Some(meta) = self
            .registry
            .types
            .get(parent)
            .and_then(|t| t.fields())
            .and_then(|fields| fields.get(field.name.node.as_str()))
        else {
            return 0;
        };
        let child_type = MetaTypeName::concrete_typename(&meta.ty);
        let is_list = MetaTypeName::create(&meta.ty).is_list();
        // The `limit` given, else the argument's default.
        let limit = match self.argument(field, "limit") {
            Some(Value::Number(n)) => n.as_u64(),
            _ => meta
                .args
                .get("limit")
                .and_then(|arg| arg.default_value.as_deref())
                .and_then(|default| default.parse().ok()),
        };
        let items = if let (true, Some(limit)) = (is_list, limit.or(list_size)) {
            limit
        } else if is_connection(child_type) {
            self.page_size(field)
        } else if field.name.node == "nodes" && parent == self.registry.query_type {
            self.argument(field, "ids")
                .map_or(LIST_ESTIMATE, |ids| match ids {
                    Value::List(ids) => ids.len() as u64,
                    _ => 1,
                })
        } else if is_list && !is_connection(parent) {
            LIST_ESTIMATE
        } else {
            1
        };
        // An object with a `limit` (like `fundingTotals`) passes it to its list of groups.
        let inherited = if is_list { None } else { limit };
        let children = self.selection_set(
            child_type,
            &field.selection_set.node,
            times.saturating_mul(items),
            inherited,
            fragment_path,
        );
        let own = if self.registry.mutation_type.as_deref() == Some(parent) {
            MUTATION_COST
        } else {
            1
        };
        times.saturating_mul(own).saturating_add(children)
    }

    /// The page a connection field asks for.
    fn page_size(&self, field: &Field) -> u64 {
        let requested = ["first", "last"]
            .iter()
            .filter_map(|name| match self.argument(field, name)? {
                Value::Number(n) => n.as_i64(),
                _ => None,
            })
            .max();
        match requested {
            Some(n) => u64::try_from(n).unwrap_or(0),
            None => u64::from(self.pages.default_size),
        }
    }

    /// An argument's value with variables filled in.
    fn argument(&self, field: &Field, name: &str) -> Option<Value> {
        let value = field.get_argument(name)?.node.clone();
        value
            .into_const_with(|variable| {
                Ok::<_, std::convert::Infallible>(
                    self.variables
                        .get(&variable)
                        .cloned()
                        .unwrap_or(Value::Null),
                )
            })
            .ok()
    }
}

fn is_connection(type_name: &str) -> bool {
    type_name.ends_with("Connection")
}
