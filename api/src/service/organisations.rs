//! Writing organisations.

use entity::enums::{OrganisationKind, RecordType};
use entity::{contact, funder, organisation, participation, place};
use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use super::{Change, Record};
use crate::domain::audit::Snapshot;
use crate::domain::validation::{
    Code, FieldPath, MAX_LIST_ITEMS, MAX_SHORT_TEXT, TextDraft, Violations,
};
use crate::store::organisations::{self, NewOrganisation};
use crate::store::writes::{Operation, UnitOfWork, count_with, ids_with};
use crate::store::{sources, texts};

/// An organisation as a write gives it.
#[derive(Debug, Clone)]
pub struct OrganisationDraft {
    pub key: String,
    pub kind: OrganisationKind,
    pub short_name: Option<String>,
    pub country: String,
    pub city: Option<String>,
    pub website: Option<String>,
    pub place: Option<i32>,
    pub name: Vec<TextDraft>,
    /// Identifiers in other systems: (scheme, value).
    pub identifiers: Vec<(String, String)>,
}

/// The fields an update of an organisation changes.
#[derive(Debug, Default)]
pub struct OrganisationPatch {
    pub key: Change<String>,
    pub kind: Change<OrganisationKind>,
    pub short_name: Change<String>,
    pub country: Change<String>,
    pub city: Change<String>,
    pub website: Change<String>,
    pub place: Change<i32>,
    pub name: Change<Vec<TextDraft>>,
    pub identifiers: Change<Vec<(String, String)>>,
}

pub struct Organisations;

fn new_of(draft: &OrganisationDraft) -> NewOrganisation {
    NewOrganisation {
        key: draft.key.clone(),
        kind: draft.kind,
        short_name: draft.short_name.clone(),
        country_code: draft.country.clone(),
        city: draft.city.clone(),
        website: draft.website.clone(),
        place_id: draft.place,
        names: draft.name.iter().map(|t| t.text.clone()).collect(),
        identifiers: draft.identifiers.clone(),
    }
}

impl Record for Organisations {
    const TYPE: RecordType = RecordType::Organisation;
    type Entity = organisation::Entity;
    type Draft = OrganisationDraft;
    type Patch = OrganisationPatch;

    async fn draft_of(
        db: &DatabaseTransaction,
        row: &organisation::Model,
    ) -> Result<OrganisationDraft, DbErr> {
        let texts = texts::of_record(db, Self::TYPE, row.id).await?;
        Ok(OrganisationDraft {
            key: row.key.clone(),
            kind: row.kind,
            short_name: row.short_name.clone(),
            country: row.country_code.clone(),
            city: row.city.clone(),
            website: row.website.clone(),
            place: row.place_id,
            name: texts::drafts(&texts, "name"),
            identifiers: organisations::identifiers_of(db, row.id).await?,
        })
    }

    fn version_of(row: &organisation::Model) -> i32 {
        row.version
    }

    fn apply(
        current: OrganisationDraft,
        patch: OrganisationPatch,
        at: &FieldPath,
        violations: &mut Violations,
    ) -> OrganisationDraft {
        OrganisationDraft {
            key: patch
                .key
                .apply_required(current.key, &at.at("key"), violations),
            kind: patch
                .kind
                .apply_required(current.kind, &at.at("kind"), violations),
            short_name: patch.short_name.apply(current.short_name),
            country: patch
                .country
                .apply_required(current.country, &at.at("country"), violations),
            city: patch.city.apply(current.city),
            website: patch.website.apply(current.website),
            place: patch.place.apply(current.place),
            name: patch
                .name
                .apply_required(current.name, &at.at("name"), violations),
            identifiers: patch
                .identifiers
                .apply(Some(current.identifiers))
                .unwrap_or_default(),
        }
    }

    async fn validate(
        uow: &UnitOfWork<'_>,
        draft: &OrganisationDraft,
        id: Option<i32>,
        at: &FieldPath,
        violations: &mut Violations,
    ) -> Result<(), DbErr> {
        let db = uow.db();
        violations.key(&at.at("key"), &draft.key);
        violations.country(&at.at("country"), &draft.country);
        violations.optional_text(
            &at.at("shortName"),
            draft.short_name.as_deref(),
            MAX_SHORT_TEXT,
        );
        violations.optional_text(&at.at("city"), draft.city.as_deref(), MAX_SHORT_TEXT);
        if let Some(website) = &draft.website {
            violations.website(&at.at("website"), website);
        }
        violations.localized(&at.at("name"), &draft.name, MAX_SHORT_TEXT, true);
        if count_with::<organisation::Entity>(db, organisation::Column::Key, draft.key.clone(), id)
            .await?
            > 0
        {
            violations.add(
                &at.at("key"),
                Code::Duplicate,
                format!("another organisation has the key `{}`", draft.key),
            );
        }
        if let Some(place_id) = draft.place
            && !uow.exists::<place::Entity>(place_id).await?
        {
            violations.add(&at.at("place"), Code::NotFound, "no Place has this ID");
        }
        if draft.identifiers.len() > MAX_LIST_ITEMS {
            violations.add(
                &at.at("identifiers"),
                Code::TooLong,
                format!("lists more than {MAX_LIST_ITEMS} identifiers"),
            );
        }
        for (index, (scheme, value)) in draft.identifiers.iter().enumerate() {
            let item = at.at("identifiers").item(index);
            violations.text(&item.at("scheme"), scheme, MAX_SHORT_TEXT);
            violations.text(&item.at("value"), value, MAX_SHORT_TEXT);
            let twice = draft.identifiers[..index].contains(&(scheme.clone(), value.clone()));
            let held = organisations::identifier_holder(db, scheme, value, id).await?;
            if twice || held.is_some() {
                violations.add(
                    &item.at("value"),
                    Code::Duplicate,
                    format!("`{scheme}` identifier `{value}` belongs to another organisation or is listed twice"),
                );
            }
        }
        Ok(())
    }

    async fn insert(uow: &UnitOfWork<'_>, draft: &OrganisationDraft) -> Result<i32, DbErr> {
        let id = organisations::insert(uow.db(), new_of(draft)).await?;
        texts::insert_new(uow.db(), Self::TYPE, id, &[("name", &draft.name)], &[]).await?;
        Ok(id)
    }

    async fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        before: &OrganisationDraft,
        after: &OrganisationDraft,
    ) -> Result<bool, DbErr> {
        if !organisations::update(uow, id, version, &new_of(after)).await? {
            return Ok(false);
        }
        if before.name != after.name {
            texts::replace(uow.db(), Self::TYPE, id, "name", &after.name).await?;
        }
        if before.identifiers != after.identifiers {
            organisations::replace_identifiers(uow.db(), id, &after.identifiers).await?;
        }
        Ok(true)
    }

    async fn dependants(db: &DatabaseTransaction, id: i32) -> Result<Vec<String>, DbErr> {
        let mut found = Vec::new();
        let participations = count_with::<participation::Entity>(
            db,
            participation::Column::OrganisationId,
            id,
            None,
        )
        .await?;
        if participations > 0 {
            found.push(format!("{participations} participation(s)"));
        }
        let funders =
            count_with::<funder::Entity>(db, funder::Column::OrganisationId, id, None).await?;
        if funders > 0 {
            found.push(format!("{funders} funder(s)"));
        }
        let contacts =
            count_with::<contact::Entity>(db, contact::Column::OrganisationId, id, None).await?;
        if contacts > 0 {
            found.push(format!("{contacts} contact(s)"));
        }
        Ok(found)
    }

    async fn remove_owned(
        uow: &UnitOfWork<'_>,
        id: i32,
        _draft: &OrganisationDraft,
    ) -> Result<(), DbErr> {
        // Its contacts go with it (foreign keys cascade); their texts and links go here.
        let contacts =
            ids_with::<contact::Entity>(uow.db(), contact::Column::OrganisationId, id).await?;
        let contact_ids: Vec<i32> = contacts.iter().map(|(id, _)| *id).collect();
        texts::delete_of(uow.db(), RecordType::Contact, &contact_ids).await?;
        sources::uncite_all(uow.db(), RecordType::Contact, &contact_ids).await?;
        for (contact_id, version) in contacts {
            uow.audit(
                Operation::Delete,
                RecordType::Contact,
                contact_id,
                version,
                &[],
            );
        }
        Ok(())
    }

    fn snapshot(draft: &OrganisationDraft) -> Snapshot {
        Snapshot::from([
            ("key", json!(draft.key)),
            ("kind", json!(draft.kind)),
            ("shortName", json!(draft.short_name)),
            ("country", json!(draft.country)),
            ("city", json!(draft.city)),
            ("website", json!(draft.website)),
            (
                "place",
                json!(
                    draft
                        .place
                        .map(|id| super::global_id(RecordType::Place, id))
                ),
            ),
            ("name", super::texts_json(&draft.name)),
            (
                "identifiers",
                json!(
                    draft
                        .identifiers
                        .iter()
                        .map(|(scheme, value)| json!({ "scheme": scheme, "value": value }))
                        .collect::<Vec<_>>()
                ),
            ),
        ])
    }

    fn owner(_draft: &OrganisationDraft, id: Option<i32>) -> super::Owner {
        id.map_or(super::Owner::Admins, super::Owner::Organisation)
    }
}
