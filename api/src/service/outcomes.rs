//! Writing outcomes: work packages, deliverables, activities and indicators of a project, in a
//! tree within the project.

use entity::enums::{OutcomeKind, RecordType};
use entity::{outcome, place, project};
use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use super::{Change, Record, check_parent_in_project, global_id, texts_json};
use crate::domain::audit::Snapshot;
use crate::domain::validation::{
    Code, FieldPath, MAX_LONG_TEXT, MAX_SHORT_TEXT, MAX_TITLE, TextDraft, Violations,
};
use crate::store::outcomes::{self, NewOutcome};
use crate::store::texts;
use crate::store::writes::{UnitOfWork, count_with};

/// An outcome as a write gives it.
#[derive(Debug, Clone)]
pub struct OutcomeDraft {
    pub project: i32,
    pub parent: Option<i32>,
    pub kind: OutcomeKind,
    pub code: Option<String>,
    pub title: Vec<TextDraft>,
    pub description: Vec<TextDraft>,
    pub planned_quantity: Option<i32>,
    pub achieved_quantity: Option<i32>,
    pub unit: Option<String>,
    pub place: Option<i32>,
    /// Place in the project's outcomes; a new one goes last when none is given.
    pub position: Option<i32>,
}

/// The fields an update of an outcome changes (the project stays).
#[derive(Debug, Default)]
pub struct OutcomePatch {
    pub parent: Change<i32>,
    pub kind: Change<OutcomeKind>,
    pub code: Change<String>,
    pub title: Change<Vec<TextDraft>>,
    pub description: Change<Vec<TextDraft>>,
    pub planned_quantity: Change<i32>,
    pub achieved_quantity: Change<i32>,
    pub unit: Change<String>,
    pub place: Change<i32>,
    pub position: Change<i32>,
}

pub struct Outcomes;

fn new_of(d: &OutcomeDraft) -> NewOutcome {
    NewOutcome {
        project_id: d.project,
        parent_id: d.parent,
        kind: d.kind,
        code: d.code.clone(),
        position: d.position.unwrap_or(0),
        planned_quantity: d.planned_quantity,
        achieved_quantity: d.achieved_quantity,
        unit: d.unit.clone(),
        place_id: d.place,
    }
}

impl Record for Outcomes {
    const TYPE: RecordType = RecordType::Outcome;
    type Entity = outcome::Entity;
    type Draft = OutcomeDraft;
    type Patch = OutcomePatch;

    async fn draft_of(
        db: &DatabaseTransaction,
        row: &outcome::Model,
    ) -> Result<OutcomeDraft, DbErr> {
        let texts = texts::of_record(db, Self::TYPE, row.id).await?;
        Ok(OutcomeDraft {
            project: row.project_id,
            parent: row.parent_id,
            kind: row.kind,
            code: row.code.clone(),
            title: texts::drafts(&texts, "title"),
            description: texts::drafts(&texts, "description"),
            planned_quantity: row.planned_quantity,
            achieved_quantity: row.achieved_quantity,
            unit: row.unit.clone(),
            place: row.place_id,
            position: Some(row.position),
        })
    }

    fn version_of(row: &outcome::Model) -> i32 {
        row.version
    }

    fn apply(
        current: OutcomeDraft,
        p: OutcomePatch,
        at: &FieldPath,
        v: &mut Violations,
    ) -> OutcomeDraft {
        OutcomeDraft {
            project: current.project,
            parent: p.parent.apply(current.parent),
            kind: p.kind.apply_required(current.kind, &at.at("kind"), v),
            code: p.code.apply(current.code),
            title: p.title.apply_required(current.title, &at.at("title"), v),
            description: p
                .description
                .apply(Some(current.description))
                .unwrap_or_default(),
            planned_quantity: p.planned_quantity.apply(current.planned_quantity),
            achieved_quantity: p.achieved_quantity.apply(current.achieved_quantity),
            unit: p.unit.apply(current.unit),
            place: p.place.apply(current.place),
            position: Some(p.position.apply_required(
                current.position.unwrap_or(0),
                &at.at("position"),
                v,
            )),
        }
    }

    async fn validate(
        uow: &UnitOfWork<'_>,
        d: &OutcomeDraft,
        id: Option<i32>,
        at: &FieldPath,
        v: &mut Violations,
    ) -> Result<(), DbErr> {
        let db = uow.db();
        v.optional_text(&at.at("code"), d.code.as_deref(), MAX_SHORT_TEXT);
        v.localized(&at.at("title"), &d.title, MAX_TITLE, true);
        v.localized(&at.at("description"), &d.description, MAX_LONG_TEXT, false);
        v.optional_text(&at.at("unit"), d.unit.as_deref(), MAX_SHORT_TEXT);
        for (field, quantity) in [
            ("plannedQuantity", d.planned_quantity),
            ("achievedQuantity", d.achieved_quantity),
        ] {
            if let Some(quantity) = quantity {
                v.quantity(&at.at(field), quantity, false);
            }
        }
        if (d.planned_quantity.is_some() || d.achieved_quantity.is_some()) && d.unit.is_none() {
            v.add(
                &at.at("unit"),
                Code::Required,
                "a quantity needs a unit, e.g. `people`",
            );
        }
        if let Some(position) = d.position {
            v.quantity(&at.at("position"), position, false);
        }
        let project_found = uow.exists::<project::Entity>(d.project).await?;
        if !project_found {
            v.add(&at.at("project"), Code::NotFound, "no Project has this ID");
        }
        if let Some(place_id) = d.place
            && !uow.exists::<place::Entity>(place_id).await?
        {
            v.add(&at.at("place"), Code::NotFound, "no Place has this ID");
        }
        if let Some(parent) = d.parent
            && project_found
        {
            check_parent_in_project(db, Self::TYPE, parent, d.project, id, &at.at("parent"), v)
                .await?;
        }
        Ok(())
    }

    async fn insert(uow: &UnitOfWork<'_>, d: &OutcomeDraft) -> Result<i32, DbErr> {
        uow.lock_tree(Self::TYPE).await?;
        let mut new = new_of(d);
        new.position = super::position_in_project::<outcome::Entity>(
            uow,
            outcome::Column::ProjectId,
            d.project,
            d.position,
        )
        .await?;
        let id = outcomes::insert(uow.db(), new).await?;
        let fields = [
            ("title", d.title.as_slice()),
            ("description", &d.description),
        ];
        texts::insert_new(uow.db(), Self::TYPE, id, &fields, &[]).await?;
        Ok(id)
    }

    async fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        before: &OutcomeDraft,
        after: &OutcomeDraft,
    ) -> Result<bool, DbErr> {
        uow.lock_tree(Self::TYPE).await?;
        if !outcomes::update(uow, id, version, &new_of(after)).await? {
            return Ok(false);
        }
        if before.title != after.title {
            texts::replace(uow.db(), Self::TYPE, id, "title", &after.title).await?;
        }
        if before.description != after.description {
            texts::replace(uow.db(), Self::TYPE, id, "description", &after.description).await?;
        }
        Ok(true)
    }

    async fn dependants(db: &DatabaseTransaction, id: i32) -> Result<Vec<String>, DbErr> {
        let parts = count_with::<outcome::Entity>(db, outcome::Column::ParentId, id, None).await?;
        Ok(if parts > 0 {
            vec![format!("{parts} outcome(s) under it")]
        } else {
            Vec::new()
        })
    }

    fn snapshot(d: &OutcomeDraft) -> Snapshot {
        Snapshot::from([
            ("project", json!(global_id(RecordType::Project, d.project))),
            (
                "parent",
                json!(d.parent.map(|id| global_id(RecordType::Outcome, id))),
            ),
            ("kind", json!(d.kind)),
            ("code", json!(d.code)),
            ("title", texts_json(&d.title)),
            ("description", texts_json(&d.description)),
            ("plannedQuantity", json!(d.planned_quantity)),
            ("achievedQuantity", json!(d.achieved_quantity)),
            ("unit", json!(d.unit)),
            (
                "place",
                json!(d.place.map(|id| global_id(RecordType::Place, id))),
            ),
            ("position", json!(d.position)),
        ])
    }

    fn parent_of(draft: &OutcomeDraft) -> Option<i32> {
        draft.parent
    }

    fn owner(draft: &OutcomeDraft, _id: Option<i32>) -> super::Owner {
        super::Owner::Project(draft.project)
    }
}
