//! Opaque global IDs: `base64url("<TypeName>:<id>")`. The API hands them out and takes them
//! back; the audit log records relations with them too.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::enums::RecordType;

/// The global ID of record `id` of type `kind`.
pub fn encode(kind: RecordType, id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.as_str()))
}

/// Type and database id behind a global ID, or `None` when it is not one of ours.
pub fn decode(id: &str) -> Option<(RecordType, i32)> {
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (kind, number) = text.split_once(':')?;
    let number: i32 = number.parse().ok().filter(|n| *n > 0)?;
    Some((RecordType::parse(kind)?, number))
}

/// The opaque ID of an object that is not a record (a webhook, a delivery): same shape, its
/// own type name.
pub fn encode_named(type_name: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

/// The number behind an ID made by [`encode_named`] for `type_name`.
pub fn decode_named(type_name: &str, id: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (kind, number) = text.split_once(':')?;
    (kind == type_name)
        .then(|| number.parse().ok().filter(|n| *n > 0))
        .flatten()
}
