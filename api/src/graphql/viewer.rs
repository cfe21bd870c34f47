//! `viewer`: who the API thinks the caller is.

use async_graphql::{Context, Enum, Object, Result};

use super::context::{loaders, principal};
use super::nodes::Organisation;
use crate::auth::{Credential, Principal, Role};

/// How the caller identified itself.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewerKind {
    /// No credentials: public data only.
    Anonymous,
    /// An API key (`X-API-Key`).
    ApiKey,
    /// A JSON Web Token from the identity provider (`Authorization: Bearer`).
    Token,
}

/// What a caller may do.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ViewerRole")]
pub enum ViewerRole {
    /// Reads public data.
    Reader,
    /// Writes the records of its organisations' projects.
    Editor,
    /// Everything, the audit log included.
    Admin,
}

/// The caller of this request.
pub struct Viewer(Principal);

/// The caller of this request, as the API sees it.
#[Object]
impl Viewer {
    /// How the caller identified itself.
    async fn kind(&self) -> ViewerKind {
        match &self.0 {
            Principal::Anonymous => ViewerKind::Anonymous,
            Principal::Known {
                credential: Credential::Token,
                ..
            } => ViewerKind::Token,
            Principal::Known { .. } => ViewerKind::ApiKey,
        }
    }

    /// The key's name, or the token's subject; null for anonymous callers.
    async fn name(&self) -> Option<&str> {
        match &self.0 {
            Principal::Anonymous => None,
            Principal::Known { name, .. } => Some(name),
        }
    }

    /// The caller's role; null for anonymous callers.
    async fn role(&self) -> Option<ViewerRole> {
        self.0.role().map(|role| match role {
            Role::Reader => ViewerRole::Reader,
            Role::Editor => ViewerRole::Editor,
            Role::Admin => ViewerRole::Admin,
        })
    }

    /// The organisations an editor is scoped to; empty for everyone else.
    async fn organisations(&self, ctx: &Context<'_>) -> Result<Vec<Organisation>> {
        let Principal::Known { organisations, .. } = &self.0 else {
            return Ok(Vec::new());
        };
        let found = loaders(ctx)?
            .organisations
            .load_many(organisations.iter().copied())
            .await?;
        Ok(organisations
            .iter()
            .filter_map(|id| found.get(id).cloned().map(Organisation::from))
            .collect())
    }
}

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who the API thinks is calling: kind, name, role and scope.
    async fn viewer(&self, ctx: &Context<'_>) -> Viewer {
        Viewer(principal(ctx).clone())
    }
}
