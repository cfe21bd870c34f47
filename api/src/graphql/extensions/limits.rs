//! Document limits checked before validation, so a refused document never reaches the
//! database: length (before parsing), depth, aliases and root fields. Depth leaves introspection out (`__schema`
//! and `__type` nest deeper than any data query, and explorers need them); complexity and
//! directives are checked by async-graphql's own limits.

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, ServerError, ServerResult};

use crate::error::{code, request_error};

/// Limits on the shape of a document.
#[derive(Debug, Clone, Copy)]
pub struct ShapeLimits {
    /// Most directives on one field.
    pub max_directives: usize,
    /// Longest document, in bytes.
    pub max_document_bytes: usize,
    /// Deepest nesting of data fields.
    pub max_depth: usize,
    /// Most aliased fields in one document (fragments included).
    pub max_aliases: usize,
    /// Most fields selected at the root of one operation.
    pub max_root_fields: usize,
}

/// A document refused for its size or shape.
pub fn too_complex(message: String) -> ServerError {
    request_error(code::QUERY_TOO_COMPLEX, message)
}

fn aliases_in(selections: &SelectionSet) -> usize {
    selections
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + aliases_in(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => aliases_in(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Deepest field nesting under `selections`, introspection fields left out. Fragment spreads
/// are followed; a fragment already on the path counts as nothing (validation rejects cycles).
fn depth_of<'a>(
    selections: &'a SelectionSet,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    path: &mut Vec<&'a str>,
) -> usize {
    selections
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) if field.node.name.node.starts_with("__") => 0,
            Selection::Field(field) => {
                1 + depth_of(&field.node.selection_set.node, fragments, path)
            }
            Selection::InlineFragment(fragment) => {
                depth_of(&fragment.node.selection_set.node, fragments, path)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) if !path.contains(&name) && path.len() < 64 => {
                        path.push(name);
                        let depth = depth_of(&fragment.node.selection_set.node, fragments, path);
                        path.pop();
                        depth
                    }
                    _ => 0,
                }
            }
        })
        .max()
        .unwrap_or(0)
}

/// The most directives on any one field or fragment under `selections`.
fn most_directives(selections: &SelectionSet) -> usize {
    selections
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => field
                .node
                .directives
                .len()
                .max(most_directives(&field.node.selection_set.node)),
            Selection::InlineFragment(fragment) => fragment
                .node
                .directives
                .len()
                .max(most_directives(&fragment.node.selection_set.node)),
            Selection::FragmentSpread(spread) => spread.node.directives.len(),
        })
        .max()
        .unwrap_or(0)
}

fn root_fields(selections: &SelectionSet) -> usize {
    selections
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::InlineFragment(fragment) => root_fields(&fragment.node.selection_set.node),
            _ => 1,
        })
        .sum()
}

impl ShapeLimits {
    /// Refuses a document text over the length limit, before it is parsed.
    pub fn check_length(&self, query: &str) -> ServerResult<()> {
        if query.len() > self.max_document_bytes {
            return Err(too_complex(format!(
                "the document is {} bytes long; at most {} are allowed",
                query.len(),
                self.max_document_bytes
            )));
        }
        Ok(())
    }

    /// Refuses a parsed document over the depth, alias or root-field limits.
    pub fn check(&self, document: &ExecutableDocument) -> ServerResult<()> {
        let operations: Vec<&SelectionSet> = match &document.operations {
            DocumentOperations::Single(operation) => vec![&operation.node.selection_set.node],
            DocumentOperations::Multiple(operations) => operations
                .values()
                .map(|operation| &operation.node.selection_set.node)
                .collect(),
        };
        let aliases: usize = operations.iter().map(|s| aliases_in(s)).sum::<usize>()
            + document
                .fragments
                .values()
                .map(|f| aliases_in(&f.node.selection_set.node))
                .sum::<usize>();
        let depth = operations
            .iter()
            .map(|s| depth_of(s, &document.fragments, &mut Vec::new()))
            .max()
            .unwrap_or(0);
        if depth > self.max_depth {
            return Err(too_complex(format!(
                "the document nests {depth} levels deep; at most {} are allowed",
                self.max_depth
            )));
        }
        if aliases > self.max_aliases {
            return Err(too_complex(format!(
                "the document has {aliases} aliases; at most {} are allowed",
                self.max_aliases
            )));
        }
        let directives = operations
            .iter()
            .copied()
            .chain(
                document
                    .fragments
                    .values()
                    .map(|f| &f.node.selection_set.node),
            )
            .map(most_directives)
            .max()
            .unwrap_or(0);
        if directives > self.max_directives {
            return Err(too_complex(format!(
                "a field carries {directives} directives; at most {} are allowed",
                self.max_directives
            )));
        }
        if let Some(widest) = operations.iter().map(|s| root_fields(s)).max()
            && widest > self.max_root_fields
        {
            return Err(too_complex(format!(
                "an operation selects {widest} root fields; at most {} are allowed",
                self.max_root_fields
            )));
        }
        Ok(())
    }
}
