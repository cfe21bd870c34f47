//! Webhooks over GraphQL, for admin keys: `webhooks`, `webhookDeliveries`, `createWebhook`
//! (its payload holds the signing secret, shown this once) and `deleteWebhook`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::RecordType as StoredRecordType;

use super::UserError;
use crate::auth::Role;
use crate::config::WebhookSettings;
use crate::domain::global_id;
use crate::domain::validation::{Code, FieldPath, Violation};
use crate::error::ApiError;
use crate::graphql::changes::{ChangeOperation, RecordType};
use crate::graphql::connection::{PageInfo, first_of};
use crate::graphql::context::{db, principal};
use crate::graphql::ids;
use crate::graphql::scalars::DateTime;
use crate::service::webhooks::{self, WebhookError};
use crate::store::changes::ChangeOperation as StoredOperation;
use crate::store::webhooks::{self as store, DeliveryStatus};

const WEBHOOK: &str = "Webhook";
const DELIVERY: &str = "WebhookDelivery";

fn admin_only(ctx: &Context<'_>) -> Result<(), ApiError> {
    if principal(ctx).role() == Some(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "managing webhooks needs an admin key or token",
        ))
    }
}

/// The webhook an ID names, as BAD_USER_INPUT when it names none.
fn webhook_id(id: &ID) -> Result<i32, ApiError> {
    global_id::decode_named(WEBHOOK, id)
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| ApiError::bad_input(format!("`{}` is not the ID of a webhook", id.as_str())))
}

/// An endpoint that receives changes as signed Standard Webhooks requests. Never shows its
/// secret.
pub struct Webhook(store::Webhook);

/// An endpoint that receives changes as signed Standard Webhooks requests. Never shows its
/// secret.
#[Object]
impl Webhook {
    /// Opaque ID.
    async fn id(&self) -> ID {
        ID(global_id::encode_named(WEBHOOK, i64::from(self.0.id)))
    }

    /// Where deliveries are posted.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// The record types whose changes it receives; empty for all.
    async fn record_types(&self) -> Vec<RecordType> {
        store::record_types_of(&self.0)
            .into_iter()
            .map(RecordType::from)
            .collect()
    }

    /// False once the endpoint answered 410 Gone; deliveries stop, pending ones are kept.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }

    /// Why it was disabled.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }

    /// Who registered it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }

    /// When it was registered; changes from then on are delivered.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at.fixed_offset())
    }
}

/// Where a delivery stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Not yet accepted by the endpoint; sent again when `nextAttemptAt` comes.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up after the last retry.
    Failed,
}

impl From<WebhookDeliveryStatus> for DeliveryStatus {
    fn from(status: WebhookDeliveryStatus) -> Self {
        match status {
            WebhookDeliveryStatus::Pending => Self::Pending,
            WebhookDeliveryStatus::Delivered => Self::Delivered,
            WebhookDeliveryStatus::Failed => Self::Failed,
        }
    }
}

/// One change sent (or to be sent) to one webhook, with how its attempts went.
pub struct WebhookDelivery(store::Delivery);

/// One change sent (or to be sent) to one webhook, with how its attempts went.
#[Object]
impl WebhookDelivery {
    /// Opaque ID.
    async fn id(&self) -> ID {
        ID(global_id::encode_named(DELIVERY, self.0.id))
    }

    /// The `webhook-id` header: the same on every attempt, so a receiver can drop repeats.
    async fn message_id(&self) -> &str {
        &self.0.message_id
    }

    /// Where it stands.
    async fn status(&self) -> WebhookDeliveryStatus {
        match DeliveryStatus::parse(&self.0.status) {
            Some(DeliveryStatus::Delivered) => WebhookDeliveryStatus::Delivered,
            Some(DeliveryStatus::Failed) => WebhookDeliveryStatus::Failed,
            _ => WebhookDeliveryStatus::Pending,
        }
    }

    /// What the change did.
    async fn operation(&self) -> ChangeOperation {
        match self.0.operation.as_str() {
            "CREATED" => StoredOperation::Created,
            "DELETED" => StoredOperation::Deleted,
            _ => StoredOperation::Updated,
        }
        .into()
    }

    /// The type of the changed record.
    async fn record_type(&self) -> Option<RecordType> {
        StoredRecordType::parse(&self.0.record_type).map(RecordType::from)
    }

    /// The global ID of the changed record.
    async fn record_id(&self) -> Option<ID> {
        StoredRecordType::parse(&self.0.record_type).map(|kind| ids::encode(kind, self.0.record_id))
    }

    /// The record's version after the change.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// How many times it was sent.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// When it was last sent.
    async fn last_attempt_at(&self) -> Option<DateTime> {
        self.0.last_attempt_at.map(|t| DateTime(t.fixed_offset()))
    }

    /// When it is sent next, while pending.
    async fn next_attempt_at(&self) -> Option<DateTime> {
        (self.0.status == DeliveryStatus::Pending.as_str())
            .then(|| DateTime(self.0.next_attempt_at.fixed_offset()))
    }

    /// The HTTP status the endpoint last answered, if it answered.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }

    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When the endpoint accepted it.
    async fn delivered_at(&self) -> Option<DateTime> {
        self.0.delivered_at.map(|t| DateTime(t.fixed_offset()))
    }
}

/// A delivery with its cursor.
#[derive(SimpleObject)]
pub struct WebhookDeliveryEdge {
    /// Opaque position of this delivery; pass it as `after` for older ones.
    pub cursor: String,
    /// The delivery.
    pub node: WebhookDelivery,
}

/// A page of a webhook's deliveries, newest first.
#[derive(SimpleObject)]
pub struct WebhookDeliveryConnection {
    /// The deliveries on this page, each with its cursor.
    pub edges: Vec<WebhookDeliveryEdge>,
    /// The deliveries on this page, without cursors.
    pub nodes: Vec<WebhookDelivery>,
    /// Where this page lies.
    pub page_info: PageInfo,
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Every registered webhook. Needs an admin key or token.
    async fn webhooks(&self, ctx: &Context<'_>) -> Result<Vec<Webhook>> {
        admin_only(ctx)?;
        Ok(store::list(db(ctx)?)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(Webhook)
            .collect())
    }

    /// A webhook's deliveries, newest first. Needs an admin key or token.
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook.")] webhook: ID,
        #[graphql(desc = "Return at most this many deliveries.")] first: Option<i32>,
        #[graphql(desc = "Continue after the delivery with this cursor (older ones).")]
        after: Option<String>,
        #[graphql(desc = "Only deliveries in this state.")] status: Option<WebhookDeliveryStatus>,
    ) -> Result<WebhookDeliveryConnection> {
        admin_only(ctx)?;
        let first = first_of(ctx, first)?;
        let id = webhook_id(&webhook)?;
        let before = after
            .as_deref()
            .map(|cursor| {
                global_id::decode_named(DELIVERY, cursor).ok_or_else(|| {
                    ApiError::bad_input(format!("`{cursor}` is not a cursor of webhookDeliveries"))
                })
            })
            .transpose()?;
        let mut rows = store::deliveries(
            db(ctx)?,
            id,
            before,
            status.map(DeliveryStatus::from),
            first + 1,
        )
        .await
        .map_err(ApiError::from)?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        let edges: Vec<WebhookDeliveryEdge> = rows
            .into_iter()
            .map(|row| WebhookDeliveryEdge {
                cursor: global_id::encode_named(DELIVERY, row.id),
                node: WebhookDelivery(row),
            })
            .collect();
        Ok(WebhookDeliveryConnection {
            page_info: PageInfo {
                has_next_page,
                has_previous_page: before.is_some(),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            nodes: edges
                .iter()
                .map(|e| WebhookDelivery(e.node.0.clone()))
                .collect(),
            edges,
        })
    }
}

/// An endpoint to register.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// Where to post deliveries: an https:// (or http://) URL on a public address.
    pub url: String,
    /// Only changes to records of these types; all when empty or left out.
    #[graphql(default)]
    pub record_types: Vec<RecordType>,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// The result of registering a webhook.
#[derive(SimpleObject)]
pub struct CreateWebhookPayload {
    /// The new webhook; null when `userErrors` stopped it.
    pub webhook: Option<Webhook>,
    /// The signing secret (`whsec_…`), shown this once: store it now, and verify each
    /// delivery's `webhook-signature` with it.
    pub secret: Option<String>,
    /// What stopped it; empty when the webhook was registered.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input, unchanged.
    pub client_mutation_id: Option<String>,
}

/// A webhook to delete.
#[derive(InputObject)]
pub struct DeleteWebhookInput {
    /// The webhook.
    pub id: ID,
    /// Echoed in the payload, for clients that match answers to requests.
    pub client_mutation_id: Option<String>,
}

/// The result of deleting a webhook.
#[derive(SimpleObject)]
pub struct DeleteWebhookPayload {
    /// The ID of the deleted webhook; null when `userErrors` stopped it.
    pub deleted_id: Option<ID>,
    /// What stopped it; empty when the webhook was deleted.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input, unchanged.
    pub client_mutation_id: Option<String>,
}

/// A refused request as its user error; a database failure as the field's error.
fn refusal(field: &str, problem: WebhookError) -> Result<Vec<UserError>, ApiError> {
    let code = match problem {
        WebhookError::Invalid(_) => Code::Invalid,
        WebhookError::NotFound => Code::NotFound,
        WebhookError::Database(error) => return Err(ApiError::from(error)),
    };
    Ok(vec![UserError::from(Violation::new(
        &FieldPath::input().at(field),
        code,
        problem.to_string(),
    ))])
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint for changes made from now on, delivered as signed Standard
    /// Webhooks requests; the payload holds the signing secret, shown this once. Needs an admin
    /// key or token.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> Result<CreateWebhookPayload> {
        admin_only(ctx)?;
        let settings = ctx.data::<WebhookSettings>()?;
        let types: Vec<StoredRecordType> = input
            .record_types
            .iter()
            .copied()
            .map(StoredRecordType::from)
            .collect();
        let created_by = principal(ctx).actor().unwrap_or_default();
        Ok(
            match webhooks::create(db(ctx)?, &created_by, &input.url, &types, settings).await {
                Ok(registered) => CreateWebhookPayload {
                    webhook: Some(Webhook(registered.webhook)),
                    secret: Some(registered.secret),
                    user_errors: Vec::new(),
                    client_mutation_id: input.client_mutation_id,
                },
                Err(problem) => CreateWebhookPayload {
                    webhook: None,
                    secret: None,
                    user_errors: refusal("url", problem)?,
                    client_mutation_id: input.client_mutation_id,
                },
            },
        )
    }

    /// Deletes a webhook and its deliveries; nothing more is sent to it. Needs an admin key
    /// or token.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        input: DeleteWebhookInput,
    ) -> Result<DeleteWebhookPayload> {
        admin_only(ctx)?;
        let outcome = match webhook_id(&input.id) {
            Ok(id) => webhooks::delete(db(ctx)?, id).await,
            Err(_) => Err(WebhookError::NotFound),
        };
        Ok(match outcome {
            Ok(()) => DeleteWebhookPayload {
                deleted_id: Some(input.id),
                user_errors: Vec::new(),
                client_mutation_id: input.client_mutation_id,
            },
            Err(problem) => DeleteWebhookPayload {
                deleted_id: None,
                user_errors: refusal("id", problem)?,
                client_mutation_id: input.client_mutation_id,
            },
        })
    }
}
