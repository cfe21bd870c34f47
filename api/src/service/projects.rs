//! Writing projects. A project owns its participations, funding lines, outcomes, events and
//! contacts: deleting it takes them along, with every text, source link and derived row.

use chrono::NaiveDate;
use entity::enums::{DatePrecision, RecordType};
use entity::{contact, event, funding_line, outcome, participation, place, programme, project};
use rust_decimal::Decimal;
use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use super::{Change, Record, global_id, texts_json};
use crate::domain::audit::Snapshot;
use crate::domain::money;
use crate::domain::validation::{
    Code, FieldPath, MAX_LIST_ITEMS, MAX_LONG_TEXT, MAX_SHORT_TEXT, MAX_TITLE, TextDraft,
    Violations,
};
use crate::store::projects::{self, NewProject};
use crate::store::writes::{Operation, UnitOfWork, count_with, ids_with};
use crate::store::{derived, sources, texts};

/// An amount with its currency, as a write gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyDraft {
    pub amount: Decimal,
    pub currency: String,
}

/// A project as a write gives it.
#[derive(Debug, Clone)]
pub struct ProjectDraft {
    pub key: String,
    pub acronym: Option<String>,
    pub title: Vec<TextDraft>,
    pub summary: Vec<TextDraft>,
    pub description: Vec<TextDraft>,
    /// Its aims, each in its languages.
    pub aims: Vec<Vec<TextDraft>>,
    /// Its target groups, each in its languages.
    pub target_groups: Vec<Vec<TextDraft>>,
    pub start_date: Option<NaiveDate>,
    pub start_precision: Option<DatePrecision>,
    pub end_date: Option<NaiveDate>,
    pub end_precision: Option<DatePrecision>,
    pub latest_end_date: Option<NaiveDate>,
    pub website: Option<String>,
    pub working_languages: Vec<String>,
    pub programme: Option<i32>,
    pub stated_total: Option<MoneyDraft>,
    pub stated_partner_count: Option<i32>,
    pub stated_country_count: Option<i32>,
    pub places: Vec<i32>,
}

/// The fields an update of a project changes.
#[derive(Debug, Default)]
pub struct ProjectPatch {
    pub key: Change<String>,
    pub acronym: Change<String>,
    pub title: Change<Vec<TextDraft>>,
    pub summary: Change<Vec<TextDraft>>,
    pub description: Change<Vec<TextDraft>>,
    pub aims: Change<Vec<Vec<TextDraft>>>,
    pub target_groups: Change<Vec<Vec<TextDraft>>>,
    pub start_date: Change<NaiveDate>,
    pub start_precision: Change<DatePrecision>,
    pub end_date: Change<NaiveDate>,
    pub end_precision: Change<DatePrecision>,
    pub latest_end_date: Change<NaiveDate>,
    pub website: Change<String>,
    pub working_languages: Change<Vec<String>>,
    pub programme: Change<i32>,
    pub stated_total: Change<MoneyDraft>,
    pub stated_partner_count: Change<i32>,
    pub stated_country_count: Change<i32>,
    pub places: Change<Vec<i32>>,
}

/// A date's precision: the one given, DAY when a date comes without one, none without a date.
pub fn precision_of(
    date: Option<NaiveDate>,
    precision: Option<DatePrecision>,
) -> Option<DatePrecision> {
    date.map(|_| precision.unwrap_or(DatePrecision::Day))
}

pub struct Projects;

const LOCALIZED: [&str; 3] = ["title", "summary", "description"];

fn localized<'a>(draft: &'a ProjectDraft, field: &str) -> &'a [TextDraft] {
    match field {
        "title" => &draft.title,
        "summary" => &draft.summary,
        _ => &draft.description,
    }
}

fn new_of(draft: &ProjectDraft) -> NewProject {
    NewProject {
        key: draft.key.clone(),
        acronym: draft.acronym.clone(),
        start: draft.start_date.zip(draft.start_precision),
        end: draft.end_date.zip(draft.end_precision),
        latest_end_date: draft.latest_end_date,
        website: draft.website.clone(),
        working_languages: draft.working_languages.clone(),
        programme_id: draft.programme,
        stated_total: draft.stated_total.as_ref().and_then(|total| {
            money::to_minor_units(total.amount)
                .ok()
                .map(|minor| (minor, total.currency.clone()))
        }),
        stated_partner_count: draft.stated_partner_count,
        stated_country_count: draft.stated_country_count,
        place_ids: draft.places.clone(),
    }
}

/// Every record a project owns, by type, for deleting them with it.
async fn owned(
    db: &DatabaseTransaction,
    id: i32,
) -> Result<Vec<(RecordType, Vec<(i32, i32)>)>, DbErr> {
    Ok(vec![
        (
            RecordType::Participation,
            ids_with::<participation::Entity>(db, participation::Column::ProjectId, id).await?,
        ),
        (
            RecordType::FundingLine,
            ids_with::<funding_line::Entity>(db, funding_line::Column::ProjectId, id).await?,
        ),
        (
            RecordType::Outcome,
            ids_with::<outcome::Entity>(db, outcome::Column::ProjectId, id).await?,
        ),
        (
            RecordType::Event,
            ids_with::<event::Entity>(db, event::Column::ProjectId, id).await?,
        ),
        (
            RecordType::Contact,
            ids_with::<contact::Entity>(db, contact::Column::ProjectId, id).await?,
        ),
    ])
}

impl Record for Projects {
    const TYPE: RecordType = RecordType::Project;
    type Entity = project::Entity;
    type Draft = ProjectDraft;
    type Patch = ProjectPatch;

    async fn draft_of(
        db: &DatabaseTransaction,
        row: &project::Model,
    ) -> Result<ProjectDraft, DbErr> {
        let texts = texts::of_record(db, Self::TYPE, row.id).await?;
        Ok(ProjectDraft {
            key: row.key.clone(),
            acronym: row.acronym.clone(),
            title: texts::drafts(&texts, "title"),
            summary: texts::drafts(&texts, "summary"),
            description: texts::drafts(&texts, "description"),
            aims: texts::list_drafts(&texts, "aim"),
            target_groups: texts::list_drafts(&texts, "targetGroup"),
            start_date: row.start_date,
            start_precision: row.start_precision,
            end_date: row.end_date,
            end_precision: row.end_precision,
            latest_end_date: row.latest_end_date,
            website: row.website.clone(),
            working_languages: row
                .working_languages
                .split(',')
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            programme: row.programme_id,
            stated_total: row
                .stated_total_minor
                .zip(row.stated_total_currency.clone())
                .map(|(minor, currency)| MoneyDraft {
                    amount: money::from_minor_units(minor),
                    currency,
                }),
            stated_partner_count: row.stated_partner_count,
            stated_country_count: row.stated_country_count,
            places: projects::place_ids(db, row.id).await?,
        })
    }

    fn version_of(row: &project::Model) -> i32 {
        row.version
    }

    fn apply(
        current: ProjectDraft,
        p: ProjectPatch,
        at: &FieldPath,
        v: &mut Violations,
    ) -> ProjectDraft {
        let start_date = p.start_date.apply(current.start_date);
        let end_date = p.end_date.apply(current.end_date);
        ProjectDraft {
            key: p.key.apply_required(current.key, &at.at("key"), v),
            acronym: p.acronym.apply(current.acronym),
            title: p.title.apply_required(current.title, &at.at("title"), v),
            summary: p.summary.apply(Some(current.summary)).unwrap_or_default(),
            description: p
                .description
                .apply(Some(current.description))
                .unwrap_or_default(),
            aims: p.aims.apply(Some(current.aims)).unwrap_or_default(),
            target_groups: p
                .target_groups
                .apply(Some(current.target_groups))
                .unwrap_or_default(),
            start_precision: precision_of(
                start_date,
                p.start_precision.apply(current.start_precision),
            ),
            start_date,
            end_precision: precision_of(end_date, p.end_precision.apply(current.end_precision)),
            end_date,
            latest_end_date: p.latest_end_date.apply(current.latest_end_date),
            website: p.website.apply(current.website),
            working_languages: p
                .working_languages
                .apply(Some(current.working_languages))
                .unwrap_or_default(),
            programme: p.programme.apply(current.programme),
            stated_total: p.stated_total.apply(current.stated_total),
            stated_partner_count: p.stated_partner_count.apply(current.stated_partner_count),
            stated_country_count: p.stated_country_count.apply(current.stated_country_count),
            places: p.places.apply(Some(current.places)).unwrap_or_default(),
        }
    }

    async fn validate(
        uow: &UnitOfWork<'_>,
        d: &ProjectDraft,
        id: Option<i32>,
        at: &FieldPath,
        v: &mut Violations,
    ) -> Result<(), DbErr> {
        let db = uow.db();
        v.key(&at.at("key"), &d.key);
        v.optional_text(&at.at("acronym"), d.acronym.as_deref(), MAX_SHORT_TEXT);
        v.localized(&at.at("title"), &d.title, MAX_TITLE, true);
        v.localized(&at.at("summary"), &d.summary, MAX_LONG_TEXT, false);
        v.localized(&at.at("description"), &d.description, MAX_LONG_TEXT, false);
        for (field, items) in [("aims", &d.aims), ("targetGroups", &d.target_groups)] {
            if items.len() > MAX_LIST_ITEMS {
                v.add(
                    &at.at(field),
                    Code::TooLong,
                    format!("lists more than {MAX_LIST_ITEMS} items"),
                );
            }
            for (index, item) in items.iter().enumerate() {
                v.localized(&at.at(field).item(index), item, MAX_LONG_TEXT, true);
            }
        }
        v.ordered_dates(
            &at.at("endDate"),
            d.start_date,
            d.end_date,
            "the start date",
        );
        v.ordered_dates(
            &at.at("latestEndDate"),
            d.end_date,
            d.latest_end_date,
            "the end date",
        );
        if d.latest_end_date.is_some() && d.end_date.is_none() {
            v.add(
                &at.at("latestEndDate"),
                Code::Required,
                "a latest end date needs an end date",
            );
        }
        if let Some(website) = &d.website {
            v.website(&at.at("website"), website);
        }
        for (index, lang) in d.working_languages.iter().enumerate() {
            let field = at.at("workingLanguages").item(index);
            v.language(&field, lang);
            if d.working_languages[..index].contains(lang) {
                v.add(&field, Code::Duplicate, format!("`{lang}` is listed twice"));
            }
        }
        if let Some(total) = &d.stated_total {
            v.money(&at.at("statedTotal"), total.amount, &total.currency);
        }
        for (field, count) in [
            ("statedPartnerCount", d.stated_partner_count),
            ("statedCountryCount", d.stated_country_count),
        ] {
            if let Some(count) = count {
                v.quantity(&at.at(field), count, true);
            }
        }
        if d.places.len() > 200 {
            v.add(
                &at.at("places"),
                Code::TooLong,
                "lists more than 200 places",
            );
        }
        for (index, place_id) in d.places.iter().enumerate() {
            let field = at.at("places").item(index);
            if d.places[..index].contains(place_id) {
                v.add(&field, Code::Duplicate, "the place is listed twice");
            } else if !uow.exists::<place::Entity>(*place_id).await? {
                v.add(&field, Code::NotFound, "no Place has this ID");
            }
        }
        if let Some(programme_id) = d.programme
            && !uow.exists::<programme::Entity>(programme_id).await?
        {
            v.add(
                &at.at("programme"),
                Code::NotFound,
                "no Programme has this ID",
            );
        }
        if count_with::<project::Entity>(db, project::Column::Key, d.key.clone(), id).await? > 0 {
            v.add(
                &at.at("key"),
                Code::Duplicate,
                format!("another project has the key `{}`", d.key),
            );
        }
        Ok(())
    }

    async fn insert(uow: &UnitOfWork<'_>, d: &ProjectDraft) -> Result<i32, DbErr> {
        let id = projects::insert(uow.db(), new_of(d)).await?;
        let fields: Vec<(&str, &[TextDraft])> = LOCALIZED
            .iter()
            .map(|field| (*field, localized(d, field)))
            .collect();
        let lists = [
            ("aim", d.aims.as_slice()),
            ("targetGroup", &d.target_groups),
        ];
        texts::insert_new(uow.db(), Self::TYPE, id, &fields, &lists).await?;
        Ok(id)
    }

    async fn write(
        uow: &UnitOfWork<'_>,
        id: i32,
        version: i32,
        before: &ProjectDraft,
        after: &ProjectDraft,
    ) -> Result<bool, DbErr> {
        let contributions = derived::contributions_of_project(uow.db(), id).await?;
        if !projects::update(uow, id, version, &new_of(after)).await? {
            return Ok(false);
        }
        for field in LOCALIZED {
            if localized(before, field) != localized(after, field) {
                texts::replace(uow.db(), Self::TYPE, id, field, localized(after, field)).await?;
            }
        }
        if before.aims != after.aims {
            texts::replace_list(uow.db(), Self::TYPE, id, "aim", &after.aims).await?;
        }
        if before.target_groups != after.target_groups {
            texts::replace_list(
                uow.db(),
                Self::TYPE,
                id,
                "targetGroup",
                &after.target_groups,
            )
            .await?;
        }
        if (before.start_date, before.end_date) != (after.start_date, after.end_date) {
            // The start year keys the rollup; both dates split the lines over years.
            derived::resplit_project(uow.db(), id).await?;
            let now = derived::contributions_of_project(uow.db(), id).await?;
            derived::adjust_rollup(uow, &contributions, &now).await?;
        }
        Ok(true)
    }

    async fn dependants(_db: &DatabaseTransaction, _id: i32) -> Result<Vec<String>, DbErr> {
        // Everything that refers to a project belongs to it and goes with it.
        Ok(Vec::new())
    }

    async fn remove_owned(uow: &UnitOfWork<'_>, id: i32, _d: &ProjectDraft) -> Result<(), DbErr> {
        let contributions = derived::contributions_of_project(uow.db(), id).await?;
        derived::adjust_rollup(uow, &contributions, &[]).await?;
        for (record, rows) in owned(uow.db(), id).await? {
            let ids: Vec<i32> = rows.iter().map(|(id, _)| *id).collect();
            texts::delete_of(uow.db(), record, &ids).await?;
            sources::uncite_all(uow.db(), record, &ids).await?;
            for (owned_id, version) in rows {
                uow.audit(Operation::Delete, record, owned_id, version, &[]);
            }
        }
        Ok(())
        // The rows themselves go with the project (foreign keys cascade).
    }

    fn snapshot(d: &ProjectDraft) -> Snapshot {
        Snapshot::from([
            ("key", json!(d.key)),
            ("acronym", json!(d.acronym)),
            ("title", texts_json(&d.title)),
            ("summary", texts_json(&d.summary)),
            ("description", texts_json(&d.description)),
            (
                "aims",
                json!(
                    d.aims
                        .iter()
                        .map(|item| texts_json(item))
                        .collect::<Vec<_>>()
                ),
            ),
            (
                "targetGroups",
                json!(
                    d.target_groups
                        .iter()
                        .map(|item| texts_json(item))
                        .collect::<Vec<_>>()
                ),
            ),
            ("startDate", json!(d.start_date)),
            ("startPrecision", json!(d.start_precision)),
            ("endDate", json!(d.end_date)),
            ("endPrecision", json!(d.end_precision)),
            ("latestEndDate", json!(d.latest_end_date)),
            ("website", json!(d.website)),
            ("workingLanguages", json!(d.working_languages)),
            (
                "programme",
                json!(d.programme.map(|id| global_id(RecordType::Programme, id))),
            ),
            (
                "statedTotal",
                json!(d.stated_total.as_ref().map(super::money_json)),
            ),
            ("statedPartnerCount", json!(d.stated_partner_count)),
            ("statedCountryCount", json!(d.stated_country_count)),
            (
                "places",
                json!(
                    d.places
                        .iter()
                        .map(|id| global_id(RecordType::Place, *id))
                        .collect::<Vec<_>>()
                ),
            ),
        ])
    }

    fn owner(_draft: &ProjectDraft, id: Option<i32>) -> super::Owner {
        id.map_or(super::Owner::Anyone, super::Owner::Project)
    }
}
