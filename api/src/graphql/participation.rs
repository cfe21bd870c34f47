//! Participations: an organisation's part in a project, in one role, and how lists of them
//! are built.

use std::collections::HashMap;

use async_graphql::{Context, ID, Object, Result};
use entity::enums::RecordType;

use super::context::loaders;
use super::enums::ParticipationRole;
use super::ids;
use super::nodes::{Organisation, Participation, Project, SourceDocument};
use super::text;
use crate::error::ApiResult;
use crate::store::organisations::ParticipationRow;

/// True when the participation is in one of `roles`, or no roles are asked for.
pub fn has_role(row: &ParticipationRow, roles: Option<&[ParticipationRole]>) -> bool {
    roles.is_none_or(|roles| roles.contains(&row.role.into()))
}

/// Participations in `roles` as GraphQL objects. When the selection asks for their projects or
/// organisations, those are loaded for the whole list at once, so each item resolves them at
/// once instead of waiting on a load of its own (which held thousands of pending resolvers in
/// memory on long lists).
pub async fn with_relations(
    ctx: &Context<'_>,
    rows: Vec<ParticipationRow>,
    roles: Option<&[ParticipationRole]>,
) -> ApiResult<Vec<Participation>> {
    let rows: Vec<ParticipationRow> = rows.into_iter().filter(|p| has_role(p, roles)).collect();
    let selection = ctx.look_ahead();
    let loaders = loaders(ctx)?;
    let mut projects = HashMap::new();
    if selection.field("project").exists() {
        projects = loaders
            .projects
            .load_many(rows.iter().map(|p| p.project_id))
            .await?
            .into_iter()
            .map(|(id, row)| (id, Project::from(row)))
            .collect();
    }
    let mut organisations = HashMap::new();
    if selection.field("organisation").exists() {
        organisations = loaders
            .organisations
            .load_many(rows.iter().map(|p| p.organisation_id))
            .await?
            .into_iter()
            .map(|(id, row)| (id, Organisation::from(row)))
            .collect();
    }
    Ok(rows
        .into_iter()
        .map(|row| Participation {
            project: projects.get(&row.project_id).cloned(),
            organisation: organisations.get(&row.organisation_id).cloned(),
            row,
        })
        .collect())
}

impl From<ParticipationRow> for Participation {
    fn from(row: ParticipationRow) -> Self {
        Self {
            row,
            project: None,
            organisation: None,
        }
    }
}

/// An organisation taking part in a project in one role.
#[Object]
impl Participation {
    /// Global ID of the participation.
    pub async fn id(&self) -> ID {
        ids::encode(RecordType::Participation, self.row.id)
    }

    /// 1 when the record was created, one more after each change. Send it back as
    /// `expectedVersion` to change the record only if nobody changed it since you read it.
    async fn version(&self) -> i32 {
        self.row.version
    }

    /// When the record last changed.
    async fn updated_at(&self) -> super::scalars::DateTime {
        super::scalars::DateTime(self.row.updated_at.fixed_offset())
    }

    /// The organisation's role in the project.
    async fn role(&self) -> ParticipationRole {
        self.row.role.into()
    }

    /// Position in the source's list of partners, from 0.
    async fn position(&self) -> i32 {
        self.row.position
    }

    /// The project.
    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        if let Some(project) = &self.project {
            return Ok(project.clone());
        }
        let row = loaders(ctx)?.projects.load_one(self.row.project_id).await?;
        Ok(Project::from(row.ok_or(crate::error::ApiError::Internal)?))
    }

    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Organisation> {
        if let Some(organisation) = &self.organisation {
            return Ok(organisation.clone());
        }
        let row = loaders(ctx)?
            .organisations
            .load_one(self.row.organisation_id)
            .await?;
        Ok(Organisation::from(
            row.ok_or(crate::error::ApiError::Internal)?,
        ))
    }

    /// Source documents that state this participation.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<SourceDocument>> {
        Ok(text::sources(ctx, RecordType::Participation, self.row.id).await?)
    }
}
