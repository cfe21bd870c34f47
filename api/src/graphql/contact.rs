//! Contact people. Their email and phone are personal data, shown to admin keys, and to
//! editors for the contacts of their organisations and of their organisations' projects.

use async_graphql::{Context, ID, Object, Result};
use entity::enums::RecordType;

use super::context::{loaders, principal};
use super::ids;
use super::nodes::{Contact, Organisation, Project, SourceDocument};
use super::text;
use crate::error::{ApiError, ApiResult};

const PERSONAL_DATA: &str = "personal data is shown to admin keys, and to editors for their own organisations' contacts and projects";

/// Personal data of `contact`, or FORBIDDEN for callers who may not see it. They get the
/// error even when the value is empty, so they cannot tell which contacts have one.
async fn personal(
    ctx: &Context<'_>,
    contact: &crate::store::organisations::ContactRow,
    value: &Option<String>,
) -> ApiResult<Option<String>> {
    let caller = principal(ctx);
    let organisations = caller.editor_organisations();
    let project_is_theirs = match contact.project_id {
        Some(project) if !organisations.is_empty() => loaders(ctx)?
            .participations_of_project
            .load_one(project)
            .await?
            .unwrap_or_default()
            .iter()
            .any(|p| organisations.contains(&p.organisation_id)),
        _ => false,
    };
    if caller.may_see_contact(contact.organisation_id, project_is_theirs) {
        return Ok(value.clone());
    }
    Err(ApiError::Forbidden(PERSONAL_DATA))
}

/// A contact person of a project or organisation.
#[Object]
impl Contact {
    /// Global ID of the contact.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::Contact, self.0.id)
    }

    /// 1 when the record was created, one more after each change. Send it back as
    /// `expectedVersion` to change the record only if nobody changed it since you read it.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When the record last changed.
    async fn updated_at(&self) -> super::scalars::DateTime {
        super::scalars::DateTime(self.0.updated_at.fixed_offset())
    }

    /// The person's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The person's role as the source states it, in the source's language.
    async fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }

    /// Email address. Personal data: shown to admin keys, and to editors for their own
    /// organisations' contacts and projects; null with a FORBIDDEN error for everyone else.
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(personal(ctx, &self.0, &self.0.email).await?)
    }

    /// Phone number. Personal data: shown like `email`.
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(personal(ctx, &self.0, &self.0.phone).await?)
    }

    /// The project the person is a contact for.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        let Some(id) = self.0.project_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .projects
            .load_one(id)
            .await?
            .map(Project::from))
    }

    /// The organisation the person works for.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .organisations
            .load_one(id)
            .await?
            .map(Organisation::from))
    }

    /// Source documents that name the person.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(text::sources(ctx, RecordType::Contact, self.0.id).await?)
    }
}
