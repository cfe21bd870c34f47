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
    /// to, by database id. `issued` keys come from the database; the others from `API_KEYS`,
    /// the bootstrap, whose editors have no scope and write everything.
    Key {
        name: String,
        role: Role,
        organisations: Vec<i32>,
        issued: bool,
    },
}

/// Which records a writer may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every record: admins, and editors from `API_KEYS` (the bootstrap, which has no scope).
    Everything,
    /// Projects in which one of these organisations (database ids) takes part, their records,
    /// and these organisations themselves: editors with issued keys.
    Organisations(Vec<i32>),
}

impl Principal {
    /// What the principal may write; `None` when it may not write at all.
    pub fn write_scope(&self) -> Option<Scope> {
        match self {
            Self::Key {
                role: Role::Admin, ..
            } => Some(Scope::Everything),
            Self::Key {
                role: Role::Editor,
                organisations,
                issued,
                ..
            } => Some(if *issued {
                // An issued editor whose organisations are all gone writes nothing of theirs.
                Scope::Organisations(organisations.clone())
            } else {
                Scope::Everything
            }),
            _ => None,
        }
    }

    /// The principal's role; anonymous callers have none.
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::Anonymous => None,
            Self::Key { role, .. } => Some(*role),
        }
    }

    /// Whether every contact's e-mail address and phone number may be shown: to admins.
    /// Scoped editors see those of their own projects' and organisations' contacts (the
    /// contact resolver asks [`Principal::editor_organisations`]).
    pub fn may_see_personal_data(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// The organisations of a scoped editor; empty for everyone else.
    pub fn editor_organisations(&self) -> &[i32] {
        match self {
            Self::Key {
                role: Role::Editor,
                organisations,
                ..
            } => organisations,
            _ => &[],
        }
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
                issued: true,
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
