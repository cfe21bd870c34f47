//! Writing contacts: people of a project or an organisation. Their e-mail and phone are
//! personal data: checked in shape, and hidden in the audit log.

use entity::enums::RecordType;
use entity::{contact, organisation, project};
use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use super::{Change, Record, global_id};
use crate::domain::audit::Snapshot;
use crate::domain::validation::{Code, FieldPath, MAX_SHORT_TEXT, Violations};
use crate::store::organisations::{self, NewContact};
use crate::store::writes::UnitOfWork;

/// A contact as a write gives it.
#[derive(Debug, Clone)]
pub struct ContactDraft {
    pub project: Option<i32>,
    pub organisation: Option<i32>,
    pub name: String,
    pub role: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub position: Option<i32>,
}

/// The fields an update of a contact changes.
#[derive(Debug, Default)]
pub struct ContactPatch {
    pub project: Change<i32>,
    pub organisation: Change<i32>,
    pub name: Change<String>,
    pub role: Change<String>,
    pub email: Change<String>,
    pub phone: Change<String>,
    pub position: Change<i32>,
}

pub struct Contacts;

fn new_of(d: &ContactDraft) -> NewContact {
    NewContact {
        project_id: d.project,
        organisation_id: d.organisation,
        name: d.name.clone(),
        role: d.role.clone(),
        email: d.email.clone(),
        phone: d.phone.clone(),
        position: d.position.unwrap_or(0),
    }
}

impl Record for Contacts {
    const TYPE: RecordType = RecordType::Contact;
    type Entity = contact::Entity;
    type Draft = ContactDraft;
    type Patch = ContactPatch;
    const REDACTED: &'static [&'static str] = &["email", "phone"];

    async fn draft_of(
        _db: &DatabaseTransaction,
        row: &contact::Model,
    ) -> Result<ContactDraft, DbErr> {
        Ok(ContactDraft {
            project: row.project_id,
            organisation: row.organisation_id,
            name: row.name.clone(),
            role: row.role.clone(),
            email: row.email.clone(),
            phone: row.phone.clone(),
            position: Some(row.position),
        })
    }

    fn version_of(row: &contact::Model) -> i32 {
        row.version
    }

    fn apply(
        current: ContactDraft,
        p: ContactPatch,
        at: &FieldPath,
        v: &mut Violations,
    ) -> ContactDraft {
        ContactDraft {
            project: p.project.apply(current.project),
            organisation: p.organisation.apply(current.organisation),
            name: p.name.apply_required(current.name, &at.at("name"), v),
            role: p.role.apply(current.role),
            email: p.email.apply(current.email),
            phone: p.phone.apply(current.phone),
            position: Some(p.position.apply_required(
                current.position.unwrap_or(0),
                &at.at("position"),
                v,
            )),
        }
    }

    async fn validate(
        uow: &UnitOfWork<'_>,
        d: &ContactDraft,
        _id: Option<i32>,
        at: &FieldPath,
        v: &mut Violations,
    ) -> Result<(), DbErr> {
        v.text(&at.at("name"), &d.name, MAX_SHORT_TEXT);
        v.optional_text(&at.at("role"), d.role.as_deref(), MAX_SHORT_TEXT);
        if let Some(email) = &d.email {
            v.email(&at.at("email"), email);
        }
        if let Some(phone) = &d.phone {
            v.phone(&at.at("phone"), phone);
        }
        if let Some(position) = d.position {
            v.quantity(&at.at("position"), position, false);
        }
        if d.project.is_none() && d.organisation.is_none() {
            v.add(
                &at.at("project"),
                Code::Required,
                "a contact belongs to a project, an organisation or both",
            );
        }
        if let Some(project_id) = d.project
            && !uow.exists::<project::Entity>(project_id).await?
        {
            v.add(&at.at("project"), Code::NotFound, "no Project has this ID");
        }
        if let Some(organisation_id) = d.organisation
            && !uow.exists::<organisation::Entity>(organisation_id).await?
        {
            v.add(
                &at.at("organisation"),
                Code::NotFound,
                "no Organisation has this ID",
            );
        }
        Ok(())
    }

    async fn insert(uow: &UnitOfWork<'_>, d: &ContactDraft) -> Result<i32, DbErr> {
        organisations::insert_contact(uow.db(), new_of(d)).await
    }

    async fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        _before: &ContactDraft,
        after: &ContactDraft,
    ) -> Result<bool, DbErr> {
        organisations::update_contact(uow, id, version, &new_of(after)).await
    }

    async fn dependants(_db: &DatabaseTransaction, _id: i32) -> Result<Vec<String>, DbErr> {
        Ok(Vec::new())
    }

    fn snapshot(d: &ContactDraft) -> Snapshot {
        Snapshot::from([
            (
                "project",
                json!(d.project.map(|id| global_id(RecordType::Project, id))),
            ),
            (
                "organisation",
                json!(
                    d.organisation
                        .map(|id| global_id(RecordType::Organisation, id))
                ),
            ),
            ("name", json!(d.name)),
            ("role", json!(d.role)),
            ("email", json!(d.email)),
            ("phone", json!(d.phone)),
            ("position", json!(d.position)),
        ])
    }

    fn owner(draft: &ContactDraft, _id: Option<i32>) -> super::Owner {
        match (draft.project, draft.organisation) {
            (Some(project), _) => super::Owner::Project(project),
            (None, Some(organisation)) => super::Owner::Organisation(organisation),
            (None, None) => super::Owner::Admins,
        }
    }
}
