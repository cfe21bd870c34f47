//! Writing places: countries, regions, municipalities, settlements and venues in one tree.

use entity::enums::{PlaceKind, RecordType};
use entity::{event, organisation, outcome, place};
use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use super::{Change, Record, global_id, texts_json};
use crate::domain::audit::Snapshot;
use crate::domain::validation::{Code, FieldPath, MAX_SHORT_TEXT, TextDraft, Violations};
use crate::store::places::{self, NewPlace};
use crate::store::texts;
use crate::store::writes::{UnitOfWork, count_with};

/// Most levels the place tree may have.
const MAX_TREE_DEPTH: usize = 32;

/// A place as a write gives it.
#[derive(Debug, Clone)]
pub struct PlaceDraft {
    pub key: String,
    pub kind: PlaceKind,
    pub parent: Option<i32>,
    pub code: Option<String>,
    pub country: String,
    pub name: Vec<TextDraft>,
}

/// The fields an update of a place changes.
#[derive(Debug, Default)]
pub struct PlacePatch {
    pub key: Change<String>,
    pub kind: Change<PlaceKind>,
    pub parent: Change<i32>,
    pub code: Change<String>,
    pub country: Change<String>,
    pub name: Change<Vec<TextDraft>>,
}

pub struct Places;

fn new_of(d: &PlaceDraft) -> NewPlace {
    NewPlace {
        key: d.key.clone(),
        kind: d.kind,
        parent_id: d.parent,
        code: d.code.clone(),
        country_code: d.country.clone(),
        names: d.name.iter().map(|t| t.text.clone()).collect(),
    }
}

impl Record for Places {
    const TYPE: RecordType = RecordType::Place;
    type Entity = place::Entity;
    type Draft = PlaceDraft;
    type Patch = PlacePatch;

    async fn draft_of(db: &DatabaseTransaction, row: &place::Model) -> Result<PlaceDraft, DbErr> {
        let texts = texts::of_record(db, Self::TYPE, row.id).await?;
        Ok(PlaceDraft {
            key: row.key.clone(),
            kind: row.kind,
            parent: row.parent_id,
            code: row.code.clone(),
            country: row.country_code.clone(),
            name: texts::drafts(&texts, "name"),
        })
    }

    fn version_of(row: &place::Model) -> i32 {
        row.version
    }

    fn apply(current: PlaceDraft, p: PlacePatch, at: &FieldPath, v: &mut Violations) -> PlaceDraft {
        PlaceDraft {
            key: p.key.apply_required(current.key, &at.at("key"), v),
            kind: p.kind.apply_required(current.kind, &at.at("kind"), v),
            parent: p.parent.apply(current.parent),
            code: p.code.apply(current.code),
            country: p
                .country
                .apply_required(current.country, &at.at("country"), v),
            name: p.name.apply_required(current.name, &at.at("name"), v),
        }
    }

    async fn validate(
        uow: &UnitOfWork<'_>,
        d: &PlaceDraft,
        id: Option<i32>,
        at: &FieldPath,
        v: &mut Violations,
    ) -> Result<(), DbErr> {
        let db = uow.db();
        v.key(&at.at("key"), &d.key);
        v.country(&at.at("country"), &d.country);
        v.optional_text(&at.at("code"), d.code.as_deref(), MAX_SHORT_TEXT);
        v.localized(&at.at("name"), &d.name, MAX_SHORT_TEXT, true);
        if let Some(parent) = d.parent {
            // Walk up from the new parent: meeting this place would close a cycle.
            let mut current = Some(parent);
            let mut depth = 0;
            while let Some(step) = current {
                if Some(step) == id || depth > MAX_TREE_DEPTH {
                    v.add(
                        &at.at("parent"),
                        Code::Invalid,
                        "the place cannot be placed inside itself or one of the places inside it",
                    );
                    break;
                }
                match places::parent_of(db, step).await? {
                    Some(next) => current = next,
                    None => {
                        if step == parent {
                            v.add(&at.at("parent"), Code::NotFound, "no Place has this ID");
                        }
                        break;
                    }
                }
                depth += 1;
            }
        }
        if count_with::<place::Entity>(db, place::Column::Key, d.key.clone(), id).await? > 0 {
            v.add(
                &at.at("key"),
                Code::Duplicate,
                format!("another place has the key `{}`", d.key),
            );
        }
        Ok(())
    }

    async fn insert(uow: &UnitOfWork<'_>, d: &PlaceDraft) -> Result<i32, DbErr> {
        uow.lock_tree(Self::TYPE).await?;
        let id = places::insert(uow.db(), new_of(d)).await?;
        texts::insert_new(uow.db(), Self::TYPE, id, &[("name", &d.name)], &[]).await?;
        Ok(id)
    }

    async fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        before: &PlaceDraft,
        after: &PlaceDraft,
    ) -> Result<bool, DbErr> {
        uow.lock_tree(Self::TYPE).await?;
        if !places::update(uow, id, version, &new_of(after)).await? {
            return Ok(false);
        }
        if before.name != after.name {
            texts::replace(uow.db(), Self::TYPE, id, "name", &after.name).await?;
        }
        Ok(true)
    }

    async fn dependants(db: &DatabaseTransaction, id: i32) -> Result<Vec<String>, DbErr> {
        let mut found = Vec::new();
        for (count, what) in [
            (
                count_with::<place::Entity>(db, place::Column::ParentId, id, None).await?,
                "place inside it",
            ),
            (
                count_with::<organisation::Entity>(db, organisation::Column::PlaceId, id, None)
                    .await?,
                "organisation",
            ),
            (
                count_with::<outcome::Entity>(db, outcome::Column::PlaceId, id, None).await?,
                "outcome",
            ),
            (
                count_with::<event::Entity>(db, event::Column::PlaceId, id, None).await?,
                "event",
            ),
            (
                places::projects_covering(db, id).await?,
                "project covering it",
            ),
        ] {
            if count > 0 {
                found.push(format!("{count} {what}(s)"));
            }
        }
        Ok(found)
    }

    async fn remove_owned(uow: &UnitOfWork<'_>, _id: i32, _d: &PlaceDraft) -> Result<(), DbErr> {
        uow.lock_tree(Self::TYPE).await?;
        Ok(())
    }

    fn snapshot(d: &PlaceDraft) -> Snapshot {
        Snapshot::from([
            ("key", json!(d.key)),
            ("kind", json!(d.kind)),
            (
                "parent",
                json!(d.parent.map(|id| global_id(RecordType::Place, id))),
            ),
            ("code", json!(d.code)),
            ("country", json!(d.country)),
            ("name", texts_json(&d.name)),
        ])
    }

    fn parent_of(draft: &PlaceDraft) -> Option<i32> {
        draft.parent
    }

    fn owner(_draft: &PlaceDraft, _id: Option<i32>) -> super::Owner {
        super::Owner::Admins
    }
}
