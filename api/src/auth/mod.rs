//! Who is calling and what they may do: principals, their roles, and the rules that depend on
//! them. API keys (`keys`) name a principal; resolvers and the write path ask the principal,
//! never the transport.

pub mod issued;
pub mod keys;

use std::fmt;
use std::str::FromStr;

/// What a key may do. A key given without a role is a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Role {
    /// Reads public data, with a rate-limit bucket of its own.
    #[default]
    Reader,
    /// Writes every record type; reads like a reader.
    Editor,
    /// Everything, personal data included.
    Admin,
}

impl FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "reader" => Ok(Self::Reader),
            "editor" => Ok(Self::Editor),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "`{other}` is not a role: use reader, editor or admin"
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Reader => "reader",
            Self::Editor => "editor",
            Self::Admin => "admin",
        })
    }
}

/// The caller of a request, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Principal {
    /// No key: public data only.
    #[default]
    Anonymous,
    /// A known API key: its name, role, and (for an editor) the organisations it is scoped
    /// to, by database id.
    Key {
        name: String,
        role: Role,
        organisations: Vec<i32>,
    },
}

impl Principal {
    /// The principal's role; anonymous callers have none.
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::Anonymous => None,
            Self::Key { role, .. } => Some(*role),
        }
    }

    /// Whether contacts' e-mail addresses and phone numbers may be shown: to admins only,
    /// until editors are scoped to their own organisations' projects.
    pub fn may_see_personal_data(&self) -> bool {
        self.role() == Some(Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_see_personal_data() {
        assert!(!Principal::Anonymous.may_see_personal_data());
        for (role, sees) in [
            (Role::Reader, false),
            (Role::Editor, false),
            (Role::Admin, true),
        ] {
            let key = Principal::Key {
                name: "k".into(),
                role,
                organisations: Vec::new(),
            };
            assert_eq!(key.may_see_personal_data(), sees, "{role}");
        }
    }

    #[test]
    fn roles_parse_by_name_and_refuse_anything_else() {
        assert_eq!("editor".parse::<Role>(), Ok(Role::Editor));
        assert!("Admin".parse::<Role>().is_err());
    }
}
