//! Writing funders, their programme trees and the funding lines of projects, with the derived
//! data analytics read: the programme closure table, each line's split over years and the
//! rollup of lines.

use entity::enums::{FundingKind, RecordType};
use entity::{funder, funding_line, organisation, programme, project};
use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use super::projects::MoneyDraft;
use super::{Change, Record, global_id, texts_json};
use crate::domain::audit::Snapshot;
use crate::domain::money;
use crate::domain::validation::{
    Code, FieldPath, MAX_LONG_TEXT, MAX_SHORT_TEXT, TextDraft, Violations,
};
use crate::store::funding::{self, NewFunder, NewFundingLine, NewProgramme};
use crate::store::writes::{UnitOfWork, count_with};
use crate::store::{derived, texts};

/// "3 funding line(s)" when there are any.
fn counted(found: &mut Vec<String>, count: u64, what: &str) {
    if count > 0 {
        found.push(format!("{count} {what}(s)"));
    }
}

// ---------------------------------------------------------------------------------------------
// Funders

/// A funder as a write gives it.
#[derive(Debug, Clone)]
pub struct FunderDraft {
    pub key: String,
    pub organisation: Option<i32>,
    pub country: Option<String>,
    pub website: Option<String>,
    pub name: Vec<TextDraft>,
}

/// The fields an update of a funder changes.
#[derive(Debug, Default)]
pub struct FunderPatch {
    pub key: Change<String>,
    pub organisation: Change<i32>,
    pub country: Change<String>,
    pub website: Change<String>,
    pub name: Change<Vec<TextDraft>>,
}

pub struct Funders;

fn new_funder(d: &FunderDraft) -> NewFunder {
    NewFunder {
        key: d.key.clone(),
        organisation_id: d.organisation,
        country_code: d.country.clone(),
        website: d.website.clone(),
        names: d.name.iter().map(|t| t.text.clone()).collect(),
    }
}

impl Record for Funders {
    const TYPE: RecordType = RecordType::Funder;
    type Entity = funder::Entity;
    type Draft = FunderDraft;
    type Patch = FunderPatch;

    async fn draft_of(db: &DatabaseTransaction, row: &funder::Model) -> Result<FunderDraft, DbErr> {
        let texts = texts::of_record(db, Self::TYPE, row.id).await?;
        Ok(FunderDraft {
            key: row.key.clone(),
            organisation: row.organisation_id,
            country: row.country_code.clone(),
            website: row.website.clone(),
            name: texts::drafts(&texts, "name"),
        })
    }

    fn version_of(row: &funder::Model) -> i32 {
        row.version
    }

    fn apply(
        current: FunderDraft,
        p: FunderPatch,
        at: &FieldPath,
        v: &mut Violations,
    ) -> FunderDraft {
        FunderDraft {
            key: p.key.apply_required(current.key, &at.at("key"), v),
            organisation: p.organisation.apply(current.organisation),
            country: p.country.apply(current.country),
            website: p.website.apply(current.website),
            name: p.name.apply_required(current.name, &at.at("name"), v),
        }
    }

    async fn validate(
        uow: &UnitOfWork<'_>,
        d: &FunderDraft,
        id: Option<i32>,
        at: &FieldPath,
        v: &mut Violations,
    ) -> Result<(), DbErr> {
        let db = uow.db();
        v.key(&at.at("key"), &d.key);
        if let Some(country) = &d.country {
            v.country(&at.at("country"), country);
        }
        if let Some(website) = &d.website {
            v.website(&at.at("website"), website);
        }
        v.localized(&at.at("name"), &d.name, MAX_SHORT_TEXT, true);
        if let Some(organisation_id) = d.organisation
            && !uow.exists::<organisation::Entity>(organisation_id).await?
        {
            v.add(
                &at.at("organisation"),
                Code::NotFound,
                "no Organisation has this ID",
            );
        }
        if count_with::<funder::Entity>(db, funder::Column::Key, d.key.clone(), id).await? > 0 {
            v.add(
                &at.at("key"),
                Code::Duplicate,
                format!("another funder has the key `{}`", d.key),
            );
        }
        Ok(())
    }

    async fn insert(uow: &UnitOfWork<'_>, d: &FunderDraft) -> Result<i32, DbErr> {
        let id = funding::insert_funder(uow.db(), new_funder(d)).await?;
        texts::insert_new(uow.db(), Self::TYPE, id, &[("name", &d.name)], &[]).await?;
        Ok(id)
    }

    async fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        before: &FunderDraft,
        after: &FunderDraft,
    ) -> Result<bool, DbErr> {
        if !funding::update_funder(uow, id, version, &new_funder(after)).await? {
            return Ok(false);
        }
        if before.name != after.name {
            texts::replace(uow.db(), Self::TYPE, id, "name", &after.name).await?;
        }
        Ok(true)
    }

    async fn dependants(db: &DatabaseTransaction, id: i32) -> Result<Vec<String>, DbErr> {
        let mut found = Vec::new();
        counted(
            &mut found,
            count_with::<programme::Entity>(db, programme::Column::FunderId, id, None).await?,
            "programme",
        );
        counted(
            &mut found,
            count_with::<funding_line::Entity>(db, funding_line::Column::FunderId, id, None)
                .await?,
            "funding line",
        );
        Ok(found)
    }

    fn snapshot(d: &FunderDraft) -> Snapshot {
        Snapshot::from([
            ("key", json!(d.key)),
            (
                "organisation",
                json!(
                    d.organisation
                        .map(|id| global_id(RecordType::Organisation, id))
                ),
            ),
            ("country", json!(d.country)),
            ("website", json!(d.website)),
            ("name", texts_json(&d.name)),
        ])
    }

    fn owner(_draft: &FunderDraft, _id: Option<i32>) -> super::Owner {
        super::Owner::Admins
    }
}

// ---------------------------------------------------------------------------------------------
// Programmes

/// A programme as a write gives it.
#[derive(Debug, Clone)]
pub struct ProgrammeDraft {
    pub key: String,
    pub funder: i32,
    pub parent: Option<i32>,
    pub code: Option<String>,
    pub name: Vec<TextDraft>,
}

/// The fields an update of a programme changes.
#[derive(Debug, Default)]
pub struct ProgrammePatch {
    pub key: Change<String>,
    pub funder: Change<i32>,
    pub parent: Change<i32>,
    pub code: Change<String>,
    pub name: Change<Vec<TextDraft>>,
}

pub struct Programmes;

fn new_programme(d: &ProgrammeDraft) -> NewProgramme {
    NewProgramme {
        key: d.key.clone(),
        funder_id: d.funder,
        parent_id: d.parent,
        code: d.code.clone(),
        names: d.name.iter().map(|t| t.text.clone()).collect(),
    }
}

/// Most levels a programme tree may have.
const MAX_TREE_DEPTH: usize = 32;

impl Record for Programmes {
    const TYPE: RecordType = RecordType::Programme;
    type Entity = programme::Entity;
    type Draft = ProgrammeDraft;
    type Patch = ProgrammePatch;

    async fn draft_of(
        db: &DatabaseTransaction,
        row: &programme::Model,
    ) -> Result<ProgrammeDraft, DbErr> {
        let texts = texts::of_record(db, Self::TYPE, row.id).await?;
        Ok(ProgrammeDraft {
            key: row.key.clone(),
            funder: row.funder_id,
            parent: row.parent_id,
            code: row.code.clone(),
            name: texts::drafts(&texts, "name"),
        })
    }

    fn version_of(row: &programme::Model) -> i32 {
        row.version
    }

    fn apply(
        current: ProgrammeDraft,
        p: ProgrammePatch,
        at: &FieldPath,
        v: &mut Violations,
    ) -> ProgrammeDraft {
        ProgrammeDraft {
            key: p.key.apply_required(current.key, &at.at("key"), v),
            funder: p.funder.apply_required(current.funder, &at.at("funder"), v),
            parent: p.parent.apply(current.parent),
            code: p.code.apply(current.code),
            name: p.name.apply_required(current.name, &at.at("name"), v),
        }
    }

    async fn validate(
        uow: &UnitOfWork<'_>,
        d: &ProgrammeDraft,
        id: Option<i32>,
        at: &FieldPath,
        v: &mut Violations,
    ) -> Result<(), DbErr> {
        let db = uow.db();
        v.key(&at.at("key"), &d.key);
        v.optional_text(&at.at("code"), d.code.as_deref(), MAX_SHORT_TEXT);
        v.localized(&at.at("name"), &d.name, MAX_SHORT_TEXT, true);
        if !uow.exists::<funder::Entity>(d.funder).await? {
            v.add(&at.at("funder"), Code::NotFound, "no Funder has this ID");
        }
        if let Some(parent) = d.parent {
            match funding::programme_owner(db, parent).await? {
                None => v.add(&at.at("parent"), Code::NotFound, "no Programme has this ID"),
                Some((parent_funder, _)) if parent_funder != d.funder => v.add(
                    &at.at("parent"),
                    Code::Invalid,
                    "the parent programme belongs to another funder",
                ),
                Some(_) => {
                    // Walk up from the new parent: meeting this programme would close a cycle.
                    let mut current = Some(parent);
                    let mut depth = 0;
                    while let Some(step) = current {
                        if Some(step) == id || depth > MAX_TREE_DEPTH {
                            v.add(
                                &at.at("parent"),
                                Code::Invalid,
                                "the programme cannot be placed under itself or one of its own sub-programmes",
                            );
                            break;
                        }
                        current = funding::programme_owner(db, step)
                            .await?
                            .and_then(|(_, p)| p);
                        depth += 1;
                    }
                }
            }
        }
        if let Some(id) = id {
            let stored = funding::programme_owner(db, id).await?;
            let moves_funder = stored.is_some_and(|(funder, _)| funder != d.funder);
            let has_lines_or_children =
                count_with::<funding_line::Entity>(db, funding_line::Column::ProgrammeId, id, None)
                    .await?
                    + count_with::<programme::Entity>(db, programme::Column::ParentId, id, None)
                        .await?
                    > 0;
            if moves_funder && has_lines_or_children {
                v.add(
                    &at.at("funder"),
                    Code::Invalid,
                    "a programme with funding lines or sub-programmes stays with its funder",
                );
            }
        }
        if count_with::<programme::Entity>(db, programme::Column::Key, d.key.clone(), id).await? > 0
        {
            v.add(
                &at.at("key"),
                Code::Duplicate,
                format!("another programme has the key `{}`", d.key),
            );
        }
        Ok(())
    }

    async fn insert(uow: &UnitOfWork<'_>, d: &ProgrammeDraft) -> Result<i32, DbErr> {
        uow.lock_tree(Self::TYPE).await?;
        let id = funding::insert_programme(uow.db(), new_programme(d)).await?;
        texts::insert_new(uow.db(), Self::TYPE, id, &[("name", &d.name)], &[]).await?;
        Ok(id)
    }

    async fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        before: &ProgrammeDraft,
        after: &ProgrammeDraft,
    ) -> Result<bool, DbErr> {
        uow.lock_tree(Self::TYPE).await?;
        if !funding::update_programme(uow, id, version, &new_programme(after)).await? {
            return Ok(false);
        }
        if before.name != after.name {
            texts::replace(uow.db(), Self::TYPE, id, "name", &after.name).await?;
        }
        if before.parent != after.parent {
            derived::rebuild_programme_tree(uow.db()).await?;
        }
        Ok(true)
    }

    async fn dependants(db: &DatabaseTransaction, id: i32) -> Result<Vec<String>, DbErr> {
        let mut found = Vec::new();
        counted(
            &mut found,
            count_with::<programme::Entity>(db, programme::Column::ParentId, id, None).await?,
            "sub-programme",
        );
        counted(
            &mut found,
            count_with::<project::Entity>(db, project::Column::ProgrammeId, id, None).await?,
            "project",
        );
        counted(
            &mut found,
            count_with::<funding_line::Entity>(db, funding_line::Column::ProgrammeId, id, None)
                .await?,
            "funding line",
        );
        Ok(found)
    }

    async fn remove_owned(
        uow: &UnitOfWork<'_>,
        _id: i32,
        _d: &ProgrammeDraft,
    ) -> Result<(), DbErr> {
        uow.lock_tree(Self::TYPE).await?;
        // Its rows of the closure table go with it (foreign keys cascade).
        Ok(())
    }

    fn snapshot(d: &ProgrammeDraft) -> Snapshot {
        Snapshot::from([
            ("key", json!(d.key)),
            ("funder", json!(global_id(RecordType::Funder, d.funder))),
            (
                "parent",
                json!(d.parent.map(|id| global_id(RecordType::Programme, id))),
            ),
            ("code", json!(d.code)),
            ("name", texts_json(&d.name)),
        ])
    }

    fn parent_of(draft: &ProgrammeDraft) -> Option<i32> {
        draft.parent
    }

    fn owner(_draft: &ProgrammeDraft, _id: Option<i32>) -> super::Owner {
        super::Owner::Admins
    }
}

// ---------------------------------------------------------------------------------------------
// Funding lines

/// A funding line as a write gives it.
#[derive(Debug, Clone)]
pub struct FundingLineDraft {
    pub project: i32,
    pub kind: FundingKind,
    pub funder: Option<i32>,
    pub programme: Option<i32>,
    pub amount: MoneyDraft,
    pub description: Vec<TextDraft>,
    /// Place in the project's list of lines; a new one goes last when none is given.
    pub position: Option<i32>,
}

/// The fields an update of a funding line changes (the project stays).
#[derive(Debug, Default)]
pub struct FundingLinePatch {
    pub kind: Change<FundingKind>,
    pub funder: Change<i32>,
    pub programme: Change<i32>,
    pub amount: Change<MoneyDraft>,
    pub description: Change<Vec<TextDraft>>,
    pub position: Change<i32>,
}

pub struct FundingLines;

fn new_line(d: &FundingLineDraft) -> NewFundingLine {
    NewFundingLine {
        project_id: d.project,
        kind: d.kind,
        funder_id: d.funder,
        programme_id: d.programme,
        amount_minor: money::to_minor_units(d.amount.amount).unwrap_or(0),
        currency: d.amount.currency.clone(),
        position: d.position.unwrap_or(0),
    }
}

impl Record for FundingLines {
    const TYPE: RecordType = RecordType::FundingLine;
    type Entity = funding_line::Entity;
    type Draft = FundingLineDraft;
    type Patch = FundingLinePatch;

    async fn draft_of(
        db: &DatabaseTransaction,
        row: &funding_line::Model,
    ) -> Result<FundingLineDraft, DbErr> {
        let texts = texts::of_record(db, Self::TYPE, row.id).await?;
        Ok(FundingLineDraft {
            project: row.project_id,
            kind: row.kind,
            funder: row.funder_id,
            programme: row.programme_id,
            amount: MoneyDraft {
                amount: money::from_minor_units(row.amount_minor),
                currency: row.currency.clone(),
            },
            description: texts::drafts(&texts, "description"),
            position: Some(row.position),
        })
    }

    fn version_of(row: &funding_line::Model) -> i32 {
        row.version
    }

    fn apply(
        current: FundingLineDraft,
        p: FundingLinePatch,
        at: &FieldPath,
        v: &mut Violations,
    ) -> FundingLineDraft {
        FundingLineDraft {
            project: current.project,
            kind: p.kind.apply_required(current.kind, &at.at("kind"), v),
            funder: p.funder.apply(current.funder),
            programme: p.programme.apply(current.programme),
            amount: p.amount.apply_required(current.amount, &at.at("amount"), v),
            description: p
                .description
                .apply(Some(current.description))
                .unwrap_or_default(),
            position: Some(p.position.apply_required(
                current.position.unwrap_or(0),
                &at.at("position"),
                v,
            )),
        }
    }

    async fn validate(
        uow: &UnitOfWork<'_>,
        d: &FundingLineDraft,
        _id: Option<i32>,
        at: &FieldPath,
        v: &mut Violations,
    ) -> Result<(), DbErr> {
        let db = uow.db();
        v.money(&at.at("amount"), d.amount.amount, &d.amount.currency);
        v.localized(&at.at("description"), &d.description, MAX_LONG_TEXT, false);
        if let Some(position) = d.position {
            v.quantity(&at.at("position"), position, false);
        }
        if !uow.exists::<project::Entity>(d.project).await? {
            v.add(&at.at("project"), Code::NotFound, "no Project has this ID");
        }
        if let Some(funder_id) = d.funder
            && !uow.exists::<funder::Entity>(funder_id).await?
        {
            v.add(&at.at("funder"), Code::NotFound, "no Funder has this ID");
        }
        if let Some(programme_id) = d.programme {
            match funding::programme_owner(db, programme_id).await? {
                None => v.add(
                    &at.at("programme"),
                    Code::NotFound,
                    "no Programme has this ID",
                ),
                Some((owner, _)) if d.funder.is_some_and(|funder| funder != owner) => v.add(
                    &at.at("programme"),
                    Code::Invalid,
                    "the programme belongs to another funder than the line's",
                ),
                Some(_) => {}
            }
        }
        Ok(())
    }

    async fn insert(uow: &UnitOfWork<'_>, d: &FundingLineDraft) -> Result<i32, DbErr> {
        let mut new = new_line(d);
        new.position = super::position_in_project::<funding_line::Entity>(
            uow,
            funding_line::Column::ProjectId,
            d.project,
            d.position,
        )
        .await?;
        // Splits the line over its project's years too.
        let id = funding::insert_line(uow.db(), new).await?;
        let description = [("description", d.description.as_slice())];
        texts::insert_new(uow.db(), Self::TYPE, id, &description, &[]).await?;
        let added = derived::contributions_of_line(uow.db(), id).await?;
        derived::adjust_rollup(uow, &[], &added).await?;
        Ok(id)
    }

    async fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        before: &FundingLineDraft,
        after: &FundingLineDraft,
    ) -> Result<bool, DbErr> {
        let was = derived::contributions_of_line(uow.db(), id).await?;
        if !funding::update_line(uow, id, version, &new_line(after)).await? {
            return Ok(false);
        }
        if before.description != after.description {
            texts::replace(uow.db(), Self::TYPE, id, "description", &after.description).await?;
        }
        derived::resplit_project(uow.db(), after.project).await?;
        let now = derived::contributions_of_line(uow.db(), id).await?;
        derived::adjust_rollup(uow, &was, &now).await?;
        Ok(true)
    }

    async fn dependants(_db: &DatabaseTransaction, _id: i32) -> Result<Vec<String>, DbErr> {
        Ok(Vec::new())
    }

    async fn remove_owned(
        uow: &UnitOfWork<'_>,
        id: i32,
        _d: &FundingLineDraft,
    ) -> Result<(), DbErr> {
        // Its yearly shares go with it (foreign keys cascade); the rollup is moved here.
        let was = derived::contributions_of_line(uow.db(), id).await?;
        derived::adjust_rollup(uow, &was, &[]).await?;
        Ok(())
    }

    fn snapshot(d: &FundingLineDraft) -> Snapshot {
        Snapshot::from([
            ("project", json!(global_id(RecordType::Project, d.project))),
            ("kind", json!(d.kind)),
            (
                "funder",
                json!(d.funder.map(|id| global_id(RecordType::Funder, id))),
            ),
            (
                "programme",
                json!(d.programme.map(|id| global_id(RecordType::Programme, id))),
            ),
            ("amount", super::money_json(&d.amount)),
            ("description", texts_json(&d.description)),
            ("position", json!(d.position)),
        ])
    }

    fn owner(draft: &FundingLineDraft, _id: Option<i32>) -> super::Owner {
        super::Owner::Project(draft.project)
    }
}
