//! Managing API keys over GraphQL, for admin keys: `apiKeys`, `createApiKey` (its payload
//! holds the secret, shown this once) and `revokeApiKey`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::RecordType;

use super::UserError;
use crate::auth::Role;
use crate::domain::validation::{Code, FieldPath, Violation};
use crate::error::ApiError;
use crate::graphql::context::{db, loaders, principal};
use crate::graphql::ids;
use crate::graphql::nodes::Organisation;
use crate::graphql::scalars::{Date, DateTime};
use crate::service::api_keys::{self, KeyError};
use crate::store::api_keys::KeyListing;

fn admin_only(ctx: &Context<'_>) -> Result<(), ApiError> {
    if principal(ctx).role() == Some(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("managing API keys needs an admin key"))
    }
}

/// An API key, never with its secret.
pub struct ApiKey(KeyListing);

/// An API key, never with its secret.
#[Object]
impl ApiKey {
    /// Its unique name; the audit log and rate limits name the caller by it.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// `reader`, `editor` or `admin`.
    async fn role(&self) -> &str {
        &self.0.role
    }

    /// The first characters of the key after `pga_`, to recognise it by.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }

    /// The organisations an editor key is scoped to.
    async fn organisations(&self, ctx: &Context<'_>) -> Result<Vec<Organisation>> {
        let found = loaders(ctx)?
            .organisations
            .load_many(self.0.organisation_ids.iter().copied())
            .await?;
        Ok(self
            .0
            .organisation_ids
            .iter()
            .filter_map(|id| found.get(id).cloned().map(Organisation::from))
            .collect())
    }

    /// When it was issued.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at.fixed_offset())
    }

    /// When it stops working, if ever.
    async fn expires_at(&self) -> Option<DateTime> {
        self.0.expires_at.map(|t| DateTime(t.fixed_offset()))
    }

    /// When it was revoked, if it was.
    async fn revoked_at(&self) -> Option<DateTime> {
        self.0.revoked_at.map(|t| DateTime(t.fixed_offset()))
    }

    /// When it was last used (to the minute), if ever.
    async fn last_used_at(&self) -> Option<DateTime> {
        self.0.last_used_at.map(|t| DateTime(t.fixed_offset()))
    }
}

/// A key to issue.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// A unique name, e.g. the partner it is for.
    pub name: String,
    /// `reader`, `editor` or `admin`.
    pub role: String,
    /// For an editor: the organisations it may write for.
    #[graphql(default)]
    pub organisations: Vec<ID>,
    /// The day it stops working (from the start of that day, UTC).
    pub expires: Option<Date>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// The result of issuing a key.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    /// The new key; null when `userErrors` stopped it.
    pub api_key: Option<ApiKey>,
    /// The secret, shown this once: store it now. Send it as `X-API-Key`.
    pub secret: Option<String>,
    /// What stopped it; empty when the key was issued.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input, unchanged.
    pub client_mutation_id: Option<String>,
}

/// A key to revoke.
#[derive(InputObject)]
pub struct RevokeApiKeyInput {
    /// The key's name.
    pub name: String,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// The result of revoking a key.
#[derive(SimpleObject)]
pub struct RevokeApiKeyPayload {
    /// The key, now revoked; null when `userErrors` stopped it.
    pub api_key: Option<ApiKey>,
    /// What stopped it; empty when the key was revoked.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input, unchanged.
    pub client_mutation_id: Option<String>,
}

async fn listing(ctx: &Context<'_>, name: &str) -> Result<Option<ApiKey>> {
    Ok(api_keys::list(db(ctx)?)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .find(|k| k.name == name)
        .map(ApiKey))
}

/// A refused request as its user error; a database failure as the field's error.
fn refusal(field: &str, problem: KeyError) -> Result<Vec<UserError>, ApiError> {
    let code = match problem {
        KeyError::Invalid(_) => Code::Invalid,
        KeyError::NotFound(_) => Code::NotFound,
        KeyError::Database(error) => return Err(ApiError::from(error)),
    };
    Ok(vec![UserError::from(Violation::new(
        &FieldPath::input().at(field),
        code,
        problem.to_string(),
    ))])
}

#[derive(Default)]
pub struct ApiKeyQuery;

#[Object]
impl ApiKeyQuery {
    /// Every API key kept in the database, by name, never with its secret. Needs an admin key.
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<Vec<ApiKey>> {
        admin_only(ctx)?;
        Ok(api_keys::list(db(ctx)?)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(ApiKey)
            .collect())
    }
}

#[derive(Default)]
pub struct ApiKeyMutation;

#[Object]
impl ApiKeyMutation {
    /// Issues an API key; the payload holds its secret, shown this once. Needs an admin key.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> Result<CreateApiKeyPayload> {
        admin_only(ctx)?;
        let organisations: Vec<i32> = input
            .organisations
            .iter()
            .map(|id| ids::reference(RecordType::Organisation, id))
            .collect();
        let created = api_keys::create_scoped(
            db(ctx)?,
            &input.name,
            &input.role,
            &organisations,
            input.expires.map(|d| d.0),
        )
        .await;
        Ok(match created {
            Ok(secret) => CreateApiKeyPayload {
                api_key: listing(ctx, &input.name).await?,
                secret: Some(secret),
                user_errors: Vec::new(),
                client_mutation_id: input.client_mutation_id,
            },
            Err(problem) => CreateApiKeyPayload {
                api_key: None,
                secret: None,
                user_errors: refusal("name", problem)?,
                client_mutation_id: input.client_mutation_id,
            },
        })
    }

    /// Revokes an API key: every replica refuses it from the next request on. Needs an admin
    /// key.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiKeyInput,
    ) -> Result<RevokeApiKeyPayload> {
        admin_only(ctx)?;
        Ok(match api_keys::revoke(db(ctx)?, &input.name).await {
            Ok(()) => RevokeApiKeyPayload {
                api_key: listing(ctx, &input.name).await?,
                user_errors: Vec::new(),
                client_mutation_id: input.client_mutation_id,
            },
            Err(problem) => RevokeApiKeyPayload {
                api_key: None,
                user_errors: refusal("name", problem)?,
                client_mutation_id: input.client_mutation_id,
            },
        })
    }
}
