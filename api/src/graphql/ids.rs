//! Opaque global IDs: `base64url("<TypeName>:<id>")`. Clients treat them as strings; the server
//! checks the type so an organisation's ID can never select a project.

use async_graphql::ID;
use entity::enums::RecordType;

use crate::domain::global_id;
use crate::error::{ApiError, ApiResult};

/// The global ID of record `id` of type `kind`.
pub fn encode(kind: RecordType, id: i32) -> ID {
    ID(global_id::encode(kind, id))
}

/// Type and database id behind a global ID, or `None` when it is not one of ours.
pub fn decode(id: &str) -> Option<(RecordType, i32)> {
    global_id::decode(id)
}

/// The database id a write's relation field names, when `id` is an ID of type `kind`; any other
/// value becomes 0, which no record has, so the write reports the relation as NOT_FOUND.
pub fn reference(kind: RecordType, id: &ID) -> i32 {
    match decode(id) {
        Some((found, number)) if found == kind => number,
        _ => 0,
    }
}

/// Database id behind a global ID that must be of type `kind`.
pub fn expect(kind: RecordType, id: &ID) -> ApiResult<i32> {
    match decode(id) {
        Some((found, number)) if found == kind => Ok(number),
        _ => Err(ApiError::bad_input(format!(
            "`{}` is not a valid {} ID",
            id.as_str(),
            kind.as_str()
        ))),
    }
}

/// Database ids behind a list of global IDs of type `kind`.
pub fn expect_all(kind: RecordType, ids: &[ID]) -> ApiResult<Vec<i32>> {
    ids.iter().map(|id| expect(kind, id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    #[test]
    fn an_id_decodes_to_what_it_encodes() {
        let id = encode(RecordType::Project, 42);
        assert_eq!(decode(&id), Some((RecordType::Project, 42)));
    }

    #[test]
    fn foreign_or_malformed_ids_do_not_decode() {
        assert_eq!(decode("not base64!"), None);
        assert_eq!(decode(&URL_SAFE_NO_PAD.encode("Unknown:1")), None);
        assert_eq!(decode(&URL_SAFE_NO_PAD.encode("Project:-1")), None);
        assert!(expect(RecordType::Organisation, &encode(RecordType::Project, 1)).is_err());
    }
}
