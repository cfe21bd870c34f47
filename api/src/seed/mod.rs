//! The seed dataset: its file format (documented in `data/README.md`), validation, and loading
//! into an empty database in one transaction.
//!
//! A dataset is five JSON files: `sources.json`, `places.json`, `organisations.json`,
//! `funding.json` and `projects.json`. Records refer to each other by `key`; every top-level
//! record names the source documents it came from, and nested records inherit their project's.
//!
//! [`generate`] writes synthetic data at scale for benchmarks.

pub mod generate;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{NaiveDate, NaiveTime};
use entity::enums::{
    DatePrecision, EventKind, FundingKind, OrganisationKind, OutcomeKind, ParticipationRole,
    PlaceKind, RecordType,
};
use entity::{project, source_document};
use rust_decimal::Decimal;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, TransactionTrait,
};
use serde::Deserialize;

use crate::domain::{money, values};
use crate::store::events::{self, NewEvent};
use crate::store::funding::{self, NewFunder, NewFundingLine, NewProgramme};
use crate::store::organisations::{self, NewContact, NewOrganisation, NewParticipation};
use crate::store::outcomes::{self, NewOutcome};
use crate::store::places::{self, NewPlace};
use crate::store::projects::{self, NewProject};
use crate::store::sources::{self, Citation, NewSourceDocument};
use crate::store::texts::{self, NewText};

/// Texts of one field by ISO 639-1 language. `en` is a curators' translation; every other
/// language is the text as a source wrote it.
pub type Localized = BTreeMap<String, String>;

/// Why a dataset could not be read or loaded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    #[error("seed file {file} is not valid: {cause}")]
    Parse {
        file: String,
        cause: serde_json::Error,
    },
    #[error("invalid seed data: {0}")]
    Invalid(String),
    #[error("database error while loading seed data: {0}")]
    Database(#[from] DbErr),
}

fn invalid(message: impl Into<String>) -> SeedError {
    SeedError::Invalid(message.into())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    pub file: String,
    pub language: String,
    pub title: String,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceRecord {
    pub key: String,
    pub kind: PlaceKind,
    pub parent: Option<String>,
    pub code: Option<String>,
    pub country: String,
    pub name: Localized,
    pub sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentifierRecord {
    pub scheme: String,
    pub value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRecord {
    pub key: String,
    pub kind: OrganisationKind,
    pub country: String,
    pub city: Option<String>,
    pub place: Option<String>,
    pub website: Option<String>,
    pub name: Localized,
    pub short_name: Option<String>,
    #[serde(default)]
    pub identifiers: Vec<IdentifierRecord>,
    pub sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunderRecord {
    pub key: String,
    pub organisation: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
    pub name: Localized,
    pub sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeRecord {
    pub key: String,
    pub funder: String,
    pub parent: Option<String>,
    pub code: Option<String>,
    pub name: Localized,
    pub sources: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingFile {
    pub funders: Vec<FunderRecord>,
    pub programmes: Vec<ProgrammeRecord>,
}

/// A date with how exact the source is about it (a month is stored as its first or last day).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateValue {
    pub date: NaiveDate,
    pub precision: DatePrecision,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoneyValue {
    pub amount: Decimal,
    pub currency: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipationRecord {
    pub organisation: String,
    pub role: ParticipationRole,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingLineRecord {
    pub kind: FundingKind,
    pub funder: Option<String>,
    pub programme: Option<String>,
    pub amount: Decimal,
    pub currency: String,
    pub description: Option<Localized>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRecord {
    pub kind: OutcomeKind,
    pub code: Option<String>,
    pub title: Localized,
    pub description: Option<Localized>,
    pub planned: Option<i32>,
    pub achieved: Option<i32>,
    pub unit: Option<String>,
    pub place: Option<String>,
    #[serde(default)]
    pub children: Vec<OutcomeRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    pub kind: EventKind,
    pub title: Localized,
    pub description: Option<Localized>,
    pub date: Option<DateValue>,
    /// Last day of a multi-day event or cycle, `YYYY-MM-DD`.
    pub end_date: Option<NaiveDate>,
    /// `HH:MM`, local time in `time_zone`.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub time_zone: Option<String>,
    pub place: Option<String>,
    pub online_platform: Option<String>,
    pub registration_deadline: Option<NaiveDate>,
    #[serde(default)]
    pub sessions: Vec<EventRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRecord {
    pub name: String,
    pub role: Option<String>,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectRecord {
    pub key: String,
    pub acronym: Option<String>,
    pub sources: Vec<String>,
    pub title: Localized,
    pub summary: Option<Localized>,
    pub description: Option<Localized>,
    #[serde(default)]
    pub aims: Vec<Localized>,
    #[serde(default)]
    pub target_groups: Vec<Localized>,
    pub start: Option<DateValue>,
    pub end: Option<DateValue>,
    pub latest_end: Option<NaiveDate>,
    pub website: Option<String>,
    #[serde(default)]
    pub working_languages: Vec<String>,
    pub programme: Option<String>,
    pub stated_total: Option<MoneyValue>,
    pub stated_partner_count: Option<i32>,
    pub stated_country_count: Option<i32>,
    #[serde(default)]
    pub participations: Vec<ParticipationRecord>,
    #[serde(default)]
    pub funding_lines: Vec<FundingLineRecord>,
    #[serde(default)]
    pub places: Vec<String>,
    #[serde(default)]
    pub outcomes: Vec<OutcomeRecord>,
    #[serde(default)]
    pub events: Vec<EventRecord>,
    #[serde(default)]
    pub contacts: Vec<ContactRecord>,
}

/// A whole dataset, as read from its five files.
#[derive(Debug, Default)]
pub struct Dataset {
    pub sources: Vec<SourceRecord>,
    pub places: Vec<PlaceRecord>,
    pub organisations: Vec<OrganisationRecord>,
    pub funding: FundingFile,
    pub projects: Vec<ProjectRecord>,
}

fn parse<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<T, SeedError> {
    serde_json::from_str(text).map_err(|cause| SeedError::Parse {
        file: file.to_owned(),
        cause,
    })
}

impl Dataset {
    /// The curated dataset in `data/`, built into the binary so a bare `cargo run` has it.
    pub fn embedded() -> Result<Self, SeedError> {
        Ok(Self {
            sources: parse("sources.json", include_str!("../../../data/sources.json"))?,
            places: parse("places.json", include_str!("../../../data/places.json"))?,
            organisations: parse(
                "organisations.json",
                include_str!("../../../data/organisations.json"),
            )?,
            funding: parse("funding.json", include_str!("../../../data/funding.json"))?,
            projects: parse("projects.json", include_str!("../../../data/projects.json"))?,
        })
    }

    /// A dataset in the same format from another folder.
    pub fn from_dir(dir: &Path) -> Result<Self, SeedError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|cause| SeedError::Read {
                path: path.display().to_string(),
                cause,
            })
        };
        Ok(Self {
            sources: parse("sources.json", &read("sources.json")?)?,
            places: parse("places.json", &read("places.json")?)?,
            organisations: parse("organisations.json", &read("organisations.json")?)?,
            funding: parse("funding.json", &read("funding.json")?)?,
            projects: parse("projects.json", &read("projects.json")?)?,
        })
    }
}

/// Loads `dataset` when the database holds no source documents and no projects; returns whether
/// it loaded. Everything goes in one transaction: a failure leaves the database empty.
pub async fn load_if_empty(db: &DatabaseConnection, dataset: &Dataset) -> Result<bool, SeedError> {
    let has_data = source_document::Entity::find().count(db).await? > 0
        || project::Entity::find().count(db).await? > 0;
    if has_data {
        return Ok(false);
    }
    let txn = db.begin().await?;
    Loader::new(&txn).load(dataset).await?;
    txn.commit().await?;
    Ok(true)
}

/// `value` passes the domain's shape `check`; otherwise an error naming the record `key`.
fn check_value(
    check: fn(&str) -> Result<(), String>,
    value: &str,
    key: &str,
) -> Result<(), SeedError> {
    check(value).map_err(|message| invalid(format!("{key}: {message}")))
}

fn parse_time(value: &Option<String>, key: &str) -> Result<Option<NaiveTime>, SeedError> {
    value
        .as_deref()
        .map(|text| {
            NaiveTime::parse_from_str(text, "%H:%M")
                .map_err(|_| invalid(format!("{key}: time `{text}` must be HH:MM")))
        })
        .transpose()
}

fn minor_units(amount: Decimal, key: &str) -> Result<i64, SeedError> {
    money::to_minor_units(amount).map_err(|e| invalid(format!("{key}: {}", e.describe(amount))))
}

/// Inserts one dataset through the store's writes, resolving keys to the ids the database
/// assigns. Texts and citations are collected and written together at the end.
struct Loader<'c, C> {
    db: &'c C,
    sources: HashMap<String, i32>,
    places: HashMap<String, i32>,
    organisations: HashMap<String, i32>,
    funders: HashMap<String, i32>,
    programmes: HashMap<String, i32>,
    texts: Vec<NewText>,
    links: Vec<Citation>,
}

fn resolve(
    map: &HashMap<String, i32>,
    what: &str,
    key: &str,
    owner: &str,
) -> Result<i32, SeedError> {
    map.get(key)
        .copied()
        .ok_or_else(|| invalid(format!("{owner}: unknown {what} `{key}`")))
}

fn resolve_opt(
    map: &HashMap<String, i32>,
    what: &str,
    key: &Option<String>,
    owner: &str,
) -> Result<Option<i32>, SeedError> {
    key.as_deref()
        .map(|key| resolve(map, what, key, owner))
        .transpose()
}

impl<'c, C: ConnectionTrait> Loader<'c, C> {
    fn new(db: &'c C) -> Self {
        Self {
            db,
            sources: HashMap::new(),
            places: HashMap::new(),
            organisations: HashMap::new(),
            funders: HashMap::new(),
            programmes: HashMap::new(),
            texts: Vec::new(),
            links: Vec::new(),
        }
    }

    fn text(
        &mut self,
        record: RecordType,
        id: i32,
        field: &str,
        position: i32,
        texts: &Localized,
        owner: &str,
    ) -> Result<(), SeedError> {
        if texts.is_empty() {
            return Err(invalid(format!("{owner}: `{field}` has no text")));
        }
        for (lang, text) in texts {
            check_value(values::check_language, lang, owner)?;
            if text.trim().is_empty() {
                return Err(invalid(format!("{owner}: `{field}` in `{lang}` is empty")));
            }
            self.texts.push(NewText {
                record,
                record_id: id,
                field: field.to_owned(),
                position,
                lang: lang.clone(),
                text: text.clone(),
                is_original: lang != "en",
            });
        }
        Ok(())
    }

    fn cite(
        &mut self,
        record: RecordType,
        id: i32,
        sources: &[String],
        owner: &str,
    ) -> Result<(), SeedError> {
        if sources.is_empty() {
            return Err(invalid(format!(
                "{owner}: every record must cite at least one source document"
            )));
        }
        for file in sources {
            let source_id = resolve(&self.sources, "source document", file, owner)?;
            self.links.push(Citation {
                record,
                record_id: id,
                source_document_id: source_id,
            });
        }
        Ok(())
    }

    fn remember(
        map: &mut HashMap<String, i32>,
        what: &str,
        key: &str,
        id: i32,
    ) -> Result<(), SeedError> {
        if map.insert(key.to_owned(), id).is_some() {
            return Err(invalid(format!("{what} key `{key}` is used twice")));
        }
        Ok(())
    }

    async fn load(mut self, data: &Dataset) -> Result<(), SeedError> {
        for source in &data.sources {
            check_value(values::check_language, &source.language, &source.file)?;
            let id = sources::insert(
                self.db,
                NewSourceDocument {
                    file_name: source.file.clone(),
                    title: source.title.clone(),
                    language: source.language.clone(),
                    description: source.description.clone(),
                },
            )
            .await?;
            Self::remember(&mut self.sources, "source", &source.file, id)?;
            self.cite(
                RecordType::SourceDocument,
                id,
                std::slice::from_ref(&source.file),
                &source.file,
            )?;
        }
        for record in &data.places {
            self.place(record).await?;
        }
        for record in &data.organisations {
            self.organisation(record).await?;
        }
        for record in &data.funding.funders {
            self.funder(record).await?;
        }
        for record in &data.funding.programmes {
            self.programme(record).await?;
        }
        for record in &data.projects {
            self.project(record).await?;
        }
        texts::insert(self.db, std::mem::take(&mut self.texts)).await?;
        sources::cite(self.db, &self.links).await?;
        Ok(())
    }

    async fn place(&mut self, r: &PlaceRecord) -> Result<(), SeedError> {
        check_value(values::check_country, &r.country, &r.key)?;
        let new = NewPlace {
            key: r.key.clone(),
            kind: r.kind,
            parent_id: resolve_opt(
                &self.places,
                "parent place (list parents first)",
                &r.parent,
                &r.key,
            )?,
            code: r.code.clone(),
            country_code: r.country.clone(),
            names: r.name.values().cloned().collect(),
        };
        let id = places::insert(self.db, new).await?;
        Self::remember(&mut self.places, "place", &r.key, id)?;
        self.text(RecordType::Place, id, "name", 0, &r.name, &r.key)?;
        self.cite(RecordType::Place, id, &r.sources, &r.key)
    }

    async fn organisation(&mut self, r: &OrganisationRecord) -> Result<(), SeedError> {
        check_value(values::check_country, &r.country, &r.key)?;
        let new = NewOrganisation {
            key: r.key.clone(),
            kind: r.kind,
            short_name: r.short_name.clone(),
            country_code: r.country.clone(),
            city: r.city.clone(),
            website: r.website.clone(),
            place_id: resolve_opt(&self.places, "place", &r.place, &r.key)?,
            names: r.name.values().cloned().collect(),
            identifiers: r
                .identifiers
                .iter()
                .map(|i| (i.scheme.clone(), i.value.clone()))
                .collect(),
        };
        let id = organisations::insert(self.db, new).await?;
        Self::remember(&mut self.organisations, "organisation", &r.key, id)?;
        self.text(RecordType::Organisation, id, "name", 0, &r.name, &r.key)?;
        self.cite(RecordType::Organisation, id, &r.sources, &r.key)
    }

    async fn funder(&mut self, r: &FunderRecord) -> Result<(), SeedError> {
        if let Some(country) = &r.country {
            check_value(values::check_country, country, &r.key)?;
        }
        let new = NewFunder {
            key: r.key.clone(),
            organisation_id: resolve_opt(
                &self.organisations,
                "organisation",
                &r.organisation,
                &r.key,
            )?,
            country_code: r.country.clone(),
            website: r.website.clone(),
            names: r.name.values().cloned().collect(),
        };
        let id = funding::insert_funder(self.db, new).await?;
        Self::remember(&mut self.funders, "funder", &r.key, id)?;
        self.text(RecordType::Funder, id, "name", 0, &r.name, &r.key)?;
        self.cite(RecordType::Funder, id, &r.sources, &r.key)
    }

    async fn programme(&mut self, r: &ProgrammeRecord) -> Result<(), SeedError> {
        let new = NewProgramme {
            key: r.key.clone(),
            funder_id: resolve(&self.funders, "funder", &r.funder, &r.key)?,
            parent_id: resolve_opt(
                &self.programmes,
                "parent programme (list parents first)",
                &r.parent,
                &r.key,
            )?,
            code: r.code.clone(),
            names: r.name.values().cloned().collect(),
        };
        let id = funding::insert_programme(self.db, new).await?;
        Self::remember(&mut self.programmes, "programme", &r.key, id)?;
        self.text(RecordType::Programme, id, "name", 0, &r.name, &r.key)?;
        self.cite(RecordType::Programme, id, &r.sources, &r.key)
    }

    async fn project(&mut self, r: &ProjectRecord) -> Result<(), SeedError> {
        let key = r.key.as_str();
        for lang in &r.working_languages {
            check_value(values::check_language, lang, key)?;
        }
        if let (Some(start), Some(end)) = (r.start, r.end)
            && end.date < start.date
        {
            return Err(invalid(format!(
                "{key}: end {} is before start {}",
                end.date, start.date
            )));
        }
        let stated_total = match &r.stated_total {
            Some(total) => {
                check_value(values::check_currency, &total.currency, key)?;
                Some((minor_units(total.amount, key)?, total.currency.clone()))
            }
            None => None,
        };
        let place_ids = r
            .places
            .iter()
            .map(|place| resolve(&self.places, "place", place, key))
            .collect::<Result<Vec<_>, _>>()?;
        let new = NewProject {
            key: r.key.clone(),
            acronym: r.acronym.clone(),
            start: r.start.map(|d| (d.date, d.precision)),
            end: r.end.map(|d| (d.date, d.precision)),
            latest_end_date: r.latest_end,
            website: r.website.clone(),
            working_languages: r.working_languages.clone(),
            programme_id: resolve_opt(&self.programmes, "programme", &r.programme, key)?,
            stated_total,
            stated_partner_count: r.stated_partner_count,
            stated_country_count: r.stated_country_count,
            place_ids,
        };
        let id = projects::insert(self.db, new).await?;
        let sources = &r.sources;
        self.cite(RecordType::Project, id, sources, key)?;
        self.text(RecordType::Project, id, "title", 0, &r.title, key)?;
        if let Some(summary) = &r.summary {
            self.text(RecordType::Project, id, "summary", 0, summary, key)?;
        }
        if let Some(description) = &r.description {
            self.text(RecordType::Project, id, "description", 0, description, key)?;
        }
        for (position, aim) in (0..).zip(&r.aims) {
            self.text(RecordType::Project, id, "aim", position, aim, key)?;
        }
        for (position, group) in (0..).zip(&r.target_groups) {
            self.text(RecordType::Project, id, "targetGroup", position, group, key)?;
        }
        for (position, p) in (0..).zip(&r.participations) {
            let new = NewParticipation {
                project_id: id,
                organisation_id: resolve(
                    &self.organisations,
                    "organisation",
                    &p.organisation,
                    key,
                )?,
                role: p.role,
                position,
            };
            let participation = organisations::insert_participation(self.db, new).await?;
            self.cite(RecordType::Participation, participation, sources, key)?;
        }
        for (position, line) in (0..).zip(&r.funding_lines) {
            check_value(values::check_currency, &line.currency, key)?;
            let new = NewFundingLine {
                project_id: id,
                kind: line.kind,
                funder_id: resolve_opt(&self.funders, "funder", &line.funder, key)?,
                programme_id: resolve_opt(&self.programmes, "programme", &line.programme, key)?,
                amount_minor: minor_units(line.amount, key)?,
                currency: line.currency.clone(),
                position,
            };
            let line_id = funding::insert_line(self.db, new).await?;
            if let Some(description) = &line.description {
                self.text(
                    RecordType::FundingLine,
                    line_id,
                    "description",
                    0,
                    description,
                    key,
                )?;
            }
            self.cite(RecordType::FundingLine, line_id, sources, key)?;
        }
        let mut position = 0;
        for outcome in &r.outcomes {
            self.outcome(id, None, outcome, &mut position, sources, key)
                .await?;
        }
        let mut position = 0;
        for record in &r.events {
            self.event(id, None, record, &mut position, sources, key)
                .await?;
        }
        for (position, c) in (0..).zip(&r.contacts) {
            let new = NewContact {
                project_id: Some(id),
                organisation_id: resolve_opt(
                    &self.organisations,
                    "organisation",
                    &c.organisation,
                    key,
                )?,
                name: c.name.clone(),
                role: c.role.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
                position,
            };
            let contact = organisations::insert_contact(self.db, new).await?;
            self.cite(RecordType::Contact, contact, sources, key)?;
        }
        Ok(())
    }

    async fn outcome(
        &mut self,
        project_id: i32,
        parent_id: Option<i32>,
        r: &OutcomeRecord,
        position: &mut i32,
        sources: &[String],
        key: &str,
    ) -> Result<(), SeedError> {
        if (r.planned.is_some() || r.achieved.is_some()) && r.unit.is_none() {
            return Err(invalid(format!(
                "{key}: an outcome with a quantity needs a unit"
            )));
        }
        let new = NewOutcome {
            project_id,
            parent_id,
            kind: r.kind,
            code: r.code.clone(),
            position: *position,
            planned_quantity: r.planned,
            achieved_quantity: r.achieved,
            unit: r.unit.clone(),
            place_id: resolve_opt(&self.places, "place", &r.place, key)?,
        };
        let outcome = outcomes::insert(self.db, new).await?;
        *position += 1;
        self.text(RecordType::Outcome, outcome, "title", 0, &r.title, key)?;
        if let Some(description) = &r.description {
            self.text(
                RecordType::Outcome,
                outcome,
                "description",
                0,
                description,
                key,
            )?;
        }
        self.cite(RecordType::Outcome, outcome, sources, key)?;
        for child in &r.children {
            Box::pin(self.outcome(project_id, Some(outcome), child, position, sources, key))
                .await?;
        }
        Ok(())
    }

    async fn event(
        &mut self,
        project_id: i32,
        parent_id: Option<i32>,
        r: &EventRecord,
        position: &mut i32,
        sources: &[String],
        key: &str,
    ) -> Result<(), SeedError> {
        let start_time = parse_time(&r.start_time, key)?;
        let end_time = parse_time(&r.end_time, key)?;
        if start_time.is_some() && r.time_zone.is_none() {
            return Err(invalid(format!(
                "{key}: an event with a time needs a time zone"
            )));
        }
        if let Some(zone) = &r.time_zone
            && crate::domain::time::zone(zone).is_none()
        {
            return Err(invalid(format!(
                "{key}: `{zone}` is not an IANA time zone (e.g. Europe/Riga)"
            )));
        }
        match (r.date, r.end_date) {
            (Some(start), Some(end)) if end < start.date => {
                return Err(invalid(format!(
                    "{key}: an event ends ({end}) before it starts ({})",
                    start.date
                )));
            }
            (None, Some(_)) => {
                return Err(invalid(format!(
                    "{key}: an event with an end date needs a start date"
                )));
            }
            _ => {}
        }
        let new = NewEvent {
            project_id,
            parent_id,
            kind: r.kind,
            date: r.date.map(|d| (d.date, d.precision)),
            end_date: r.end_date,
            start_time,
            end_time,
            time_zone: r.time_zone.clone(),
            place_id: resolve_opt(&self.places, "place", &r.place, key)?,
            online_platform: r.online_platform.clone(),
            registration_deadline: r.registration_deadline,
            position: *position,
        };
        let event = events::insert(self.db, new).await?;
        *position += 1;
        self.text(RecordType::Event, event, "title", 0, &r.title, key)?;
        if let Some(description) = &r.description {
            self.text(RecordType::Event, event, "description", 0, description, key)?;
        }
        self.cite(RecordType::Event, event, sources, key)?;
        for session in &r.sessions {
            Box::pin(self.event(project_id, Some(event), session, position, sources, key)).await?;
        }
        Ok(())
    }
}
