//! Who is calling and what they may do: principals, their roles, and the rules that depend on
//! them. API keys (`keys`, `issued`) and tokens (`tokens`) name a principal; resolvers and the
//! write path ask the principal, never the transport.

pub mod issued;
pub mod keys;
pub mod tokens;

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

/// How a known caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A key from `API_KEYS`, the bootstrap: its editors have no scope and write everything.
    BootstrapKey,
    /// A key issued into the database (`pga_…`).
    IssuedKey,
    /// A JSON Web Token from the identity provider.
    Token,
}

/// The caller of a request, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Principal {
    /// No credentials: public data only.
    #[default]
    Anonymous,
    /// A caller with a key or token in force: its name (the key's name, or the token's
    /// subject), role, and (for an editor) the organisations it is scoped to, by database id.
    Known {
        name: String,
        role: Role,
        organisations: Vec<i32>,
        credential: Credential,
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
            Self::Known {
                role: Role::Admin, ..
            } => Some(Scope::Everything),
            Self::Known {
                role: Role::Editor,
                organisations,
                credential,
                ..
            } => Some(if *credential == Credential::BootstrapKey {
                Scope::Everything
            } else {
                // An editor whose organisations are all gone writes nothing of theirs.
                Scope::Organisations(organisations.clone())
            }),
            _ => None,
        }
    }

    /// How the audit log names the principal: the key's name, or `token:` and the token's
    /// subject (so a token cannot pass for a key of the same name); anonymous callers have
    /// none.
    pub fn actor(&self) -> Option<String> {
        match self {
            Self::Anonymous => None,
            Self::Known {
                name,
                credential: Credential::Token,
                ..
            } => Some(format!("token:{name}")),
            Self::Known { name, .. } => Some(name.clone()),
        }
    }

    /// The principal's role; anonymous callers have none.
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::Anonymous => None,
            Self::Known { role, .. } => Some(*role),
        }
    }

    /// Whether every contact's e-mail address and phone number may be shown: to admins.
    /// Scoped editors see those of their own projects' and organisations' contacts (the
    /// contact resolver asks [`Principal::editor_organisations`]).
    pub fn may_see_personal_data(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// Whether the caller may see the e-mail and phone of a contact of `organisation`, or of a
    /// project in which (`project_is_theirs`) one of an editor's organisations takes part.
    pub fn may_see_contact(&self, organisation: Option<i32>, project_is_theirs: bool) -> bool {
        self.may_see_personal_data()
            || (!self.editor_organisations().is_empty()
                && (project_is_theirs
                    || organisation.is_some_and(|id| self.editor_organisations().contains(&id))))
    }

    /// The organisations of a scoped editor; empty for everyone else.
    pub fn editor_organisations(&self) -> &[i32] {
        match self {
            Self::Known {
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
            let key = Principal::Known {
                name: "k".into(),
                role,
                organisations: Vec::new(),
                credential: Credential::IssuedKey,
            };
            assert_eq!(key.may_see_personal_data(), sees, "{role}");
        }
    }

    #[test]
    fn bootstrap_editors_write_everything_and_other_editors_their_organisations() {
        let editor = |credential| Principal::Known {
            name: "e".into(),
            role: Role::Editor,
            organisations: vec![7],
            credential,
        };
        assert_eq!(
            editor(Credential::BootstrapKey).write_scope(),
            Some(Scope::Everything)
        );
        for credential in [Credential::IssuedKey, Credential::Token] {
            assert_eq!(
                editor(credential).write_scope(),
                Some(Scope::Organisations(vec![7]))
            );
        }
        assert_eq!(Principal::Anonymous.write_scope(), None);
    }

    #[test]
    fn roles_parse_by_name_and_refuse_anything_else() {
        assert_eq!("editor".parse::<Role>(), Ok(Role::Editor));
        assert!("Admin".parse::<Role>().is_err());
    }
}
