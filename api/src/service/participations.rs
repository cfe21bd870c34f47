//! Writing participations: an organisation in a project in one role. A project has at most one
//! lead partner, and an organisation takes each role in a project once.

use entity::enums::{ParticipationRole, RecordType};
use entity::{organisation, participation, project};
use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use super::{Change, Record, global_id};
use crate::domain::audit::Snapshot;
use crate::domain::validation::{Code, FieldPath, Violations};
use crate::store::organisations::{self, NewParticipation};
use crate::store::writes::UnitOfWork;

/// A participation as a write gives it.
#[derive(Debug, Clone)]
pub struct ParticipationDraft {
    pub project: i32,
    pub organisation: i32,
    pub role: ParticipationRole,
    /// Place in the project's list of partners; a new one goes last when none is given.
    pub position: Option<i32>,
}

/// The fields an update of a participation changes (the project stays).
#[derive(Debug, Default)]
pub struct ParticipationPatch {
    pub organisation: Change<i32>,
    pub role: Change<ParticipationRole>,
    pub position: Change<i32>,
}

pub struct Participations;

fn new_of(d: &ParticipationDraft) -> NewParticipation {
    NewParticipation {
        project_id: d.project,
        organisation_id: d.organisation,
        role: d.role,
        position: d.position.unwrap_or(0),
    }
}

impl Record for Participations {
    const TYPE: RecordType = RecordType::Participation;
    type Entity = participation::Entity;
    type Draft = ParticipationDraft;
    type Patch = ParticipationPatch;

    async fn draft_of(
        _db: &DatabaseTransaction,
        row: &participation::Model,
    ) -> Result<ParticipationDraft, DbErr> {
        Ok(ParticipationDraft {
            project: row.project_id,
            organisation: row.organisation_id,
            role: row.role,
            position: Some(row.position),
        })
    }

    fn version_of(row: &participation::Model) -> i32 {
        row.version
    }

    fn apply(
        current: ParticipationDraft,
        p: ParticipationPatch,
        at: &FieldPath,
        v: &mut Violations,
    ) -> ParticipationDraft {
        ParticipationDraft {
            project: current.project,
            organisation: p.organisation.apply_required(
                current.organisation,
                &at.at("organisation"),
                v,
            ),
            role: p.role.apply_required(current.role, &at.at("role"), v),
            position: Some(p.position.apply_required(
                current.position.unwrap_or(0),
                &at.at("position"),
                v,
            )),
        }
    }

    async fn validate(
        uow: &UnitOfWork<'_>,
        d: &ParticipationDraft,
        id: Option<i32>,
        at: &FieldPath,
        v: &mut Violations,
    ) -> Result<(), DbErr> {
        let db = uow.db();
        if let Some(position) = d.position {
            v.quantity(&at.at("position"), position, false);
        }
        let project_found = uow.exists::<project::Entity>(d.project).await?;
        if !project_found {
            v.add(&at.at("project"), Code::NotFound, "no Project has this ID");
        }
        if !uow.exists::<organisation::Entity>(d.organisation).await? {
            v.add(
                &at.at("organisation"),
                Code::NotFound,
                "no Organisation has this ID",
            );
        }
        if !project_found {
            return Ok(());
        }
        let others: Vec<participation::Model> =
            organisations::participations_of_project(db, d.project)
                .await?
                .into_iter()
                .filter(|p| Some(p.id) != id)
                .collect();
        if d.role == ParticipationRole::LeadPartner
            && others
                .iter()
                .any(|p| p.role == ParticipationRole::LeadPartner)
        {
            v.add(
                &at.at("role"),
                Code::Duplicate,
                "the project has a lead partner already; a project has at most one",
            );
        }
        if others
            .iter()
            .any(|p| p.organisation_id == d.organisation && p.role == d.role)
        {
            v.add(
                &at.at("organisation"),
                Code::Duplicate,
                "the organisation takes part in this project in this role already",
            );
        }
        Ok(())
    }

    async fn insert(uow: &UnitOfWork<'_>, d: &ParticipationDraft) -> Result<i32, DbErr> {
        let mut new = new_of(d);
        new.position = super::position_in_project::<participation::Entity>(
            uow,
            participation::Column::ProjectId,
            d.project,
            d.position,
        )
        .await?;
        organisations::insert_participation(uow.db(), new).await
    }

    async fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        _before: &ParticipationDraft,
        after: &ParticipationDraft,
    ) -> Result<bool, DbErr> {
        organisations::update_participation(uow, id, version, &new_of(after)).await
    }

    async fn dependants(_db: &DatabaseTransaction, _id: i32) -> Result<Vec<String>, DbErr> {
        Ok(Vec::new())
    }

    fn snapshot(d: &ParticipationDraft) -> Snapshot {
        Snapshot::from([
            ("project", json!(global_id(RecordType::Project, d.project))),
            (
                "organisation",
                json!(global_id(RecordType::Organisation, d.organisation)),
            ),
            ("role", json!(d.role)),
            ("position", json!(d.position)),
        ])
    }

    fn owner(draft: &ParticipationDraft, _id: Option<i32>) -> super::Owner {
        super::Owner::Joining {
            project: draft.project,
            organisation: draft.organisation,
        }
    }
}
