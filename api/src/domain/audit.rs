//! What a change did, field by field, for the audit log: a record is described by a
//! [`Snapshot`] of its fields under their GraphQL names, and a change is the list of fields
//! whose value differs between two snapshots, with personal data redacted.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// A record's fields by GraphQL name.
pub type Snapshot = BTreeMap<&'static str, Value>;

/// What the audit log shows instead of a redacted value.
pub const REDACTED: &str = "[redacted]";

/// One field that changed.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

/// The fields that differ between `before` (none for a creation) and `after` (none for a
/// deletion). The values of `redacted` fields are replaced by [`REDACTED`].
pub fn changes(
    before: Option<&Snapshot>,
    after: Option<&Snapshot>,
    redacted: &[&str],
) -> Vec<FieldChange> {
    let empty = Snapshot::new();
    let (before, after) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let mut fields: Vec<&&str> = before.keys().chain(after.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|field| {
            let old = before.get(field).cloned().unwrap_or(Value::Null);
            let new = after.get(field).cloned().unwrap_or(Value::Null);
            if old == new {
                return None;
            }
            let hide = |value: Value| {
                if redacted.contains(field) && !value.is_null() {
                    Value::String(REDACTED.to_owned())
                } else {
                    value
                }
            };
            Some(FieldChange {
                field: (*field).to_owned(),
                old: hide(old),
                new: hide(new),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_listed_and_personal_data_is_hidden() {
        let before = Snapshot::from([
            ("name", Value::from("Anna")),
            ("email", Value::from("anna@example.org")),
        ]);
        let after = Snapshot::from([
            ("name", Value::from("Anna")),
            ("email", Value::from("anna@example.lv")),
        ]);
        let listed = changes(Some(&before), Some(&after), &["email"]);
        assert_eq!(
            listed,
            [FieldChange {
                field: "email".into(),
                old: Value::from(REDACTED),
                new: Value::from(REDACTED),
            }]
        );
        assert_eq!(changes(None, Some(&after), &[]).len(), 2);
    }
}
