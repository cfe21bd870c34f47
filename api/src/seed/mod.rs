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
use entity::{
    contact, event, funder, funding_line, localized_text, organisation, organisation_identifier,
    outcome, participation, place, programme, project, project_place, record_source,
    source_document,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, TransactionTrait,
};
use serde::Deserialize;

use crate::domain::text::search_text;
use crate::domain::{money, values};

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

/// Inserts one dataset, resolving keys to the ids the database assigns.
struct Loader<'c, C> {
    db: &'c C,
    sources: HashMap<String, i32>,
    places: HashMap<String, i32>,
    /// Folded names of each place, by key.
    place_search: HashMap<String, String>,
    organisations: HashMap<String, i32>,
    funders: HashMap<String, i32>,
    programmes: HashMap<String, i32>,
    texts: Vec<localized_text::ActiveModel>,
    links: Vec<record_source::ActiveModel>,
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
            place_search: HashMap::new(),
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
            self.texts.push(localized_text::ActiveModel {
                record_type: Set(record.as_str().to_owned()),
                record_id: Set(id),
                field: Set(field.to_owned()),
                position: Set(position),
                lang: Set(lang.clone()),
                text: Set(text.clone()),
                is_original: Set(lang != "en"),
                ..Default::default()
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
            self.links.push(record_source::ActiveModel {
                record_type: Set(record.as_str().to_owned()),
                record_id: Set(id),
                source_document_id: Set(source_id),
                ..Default::default()
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
            let row = source_document::ActiveModel {
                file_name: Set(source.file.clone()),
                title: Set(source.title.clone()),
                language: Set(source.language.clone()),
                description: Set(source.description.clone()),
                ..Default::default()
            }
            .insert(self.db)
            .await?;
            Self::remember(&mut self.sources, "source", &source.file, row.id)?;
            self.cite(
                RecordType::SourceDocument,
                row.id,
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
        for chunk in std::mem::take(&mut self.texts).chunks(500) {
            localized_text::Entity::insert_many(chunk.to_vec())
                .exec(self.db)
                .await?;
        }
        for chunk in std::mem::take(&mut self.links).chunks(500) {
            record_source::Entity::insert_many(chunk.to_vec())
                .exec(self.db)
                .await?;
        }
        Ok(())
    }

    async fn place(&mut self, r: &PlaceRecord) -> Result<(), SeedError> {
        check_value(values::check_country, &r.country, &r.key)?;
        let row = place::ActiveModel {
            key: Set(r.key.clone()),
            kind: Set(r.kind),
            parent_id: Set(resolve_opt(
                &self.places,
                "parent place (list parents first)",
                &r.parent,
                &r.key,
            )?),
            code: Set(r.code.clone()),
            country_code: Set(r.country.clone()),
            search_text: Set(search_text(r.name.values().map(String::as_str))),
            ..Default::default()
        }
        .insert(self.db)
        .await?;
        Self::remember(&mut self.places, "place", &r.key, row.id)?;
        self.place_search
            .insert(r.key.clone(), row.search_text.clone());
        self.text(RecordType::Place, row.id, "name", 0, &r.name, &r.key)?;
        self.cite(RecordType::Place, row.id, &r.sources, &r.key)
    }

    async fn organisation(&mut self, r: &OrganisationRecord) -> Result<(), SeedError> {
        check_value(values::check_country, &r.country, &r.key)?;
        let names = r
            .name
            .values()
            .map(String::as_str)
            .chain(r.short_name.as_deref());
        let row = organisation::ActiveModel {
            key: Set(r.key.clone()),
            kind: Set(r.kind),
            short_name: Set(r.short_name.clone()),
            country_code: Set(r.country.clone()),
            city: Set(r.city.clone()),
            website: Set(r.website.clone()),
            place_id: Set(resolve_opt(&self.places, "place", &r.place, &r.key)?),
            search_text: Set(search_text(names)),
            ..Default::default()
        }
        .insert(self.db)
        .await?;
        Self::remember(&mut self.organisations, "organisation", &r.key, row.id)?;
        for identifier in &r.identifiers {
            organisation_identifier::ActiveModel {
                organisation_id: Set(row.id),
                scheme: Set(identifier.scheme.clone()),
                value: Set(identifier.value.clone()),
                ..Default::default()
            }
            .insert(self.db)
            .await?;
        }
        self.text(RecordType::Organisation, row.id, "name", 0, &r.name, &r.key)?;
        self.cite(RecordType::Organisation, row.id, &r.sources, &r.key)
    }

    async fn funder(&mut self, r: &FunderRecord) -> Result<(), SeedError> {
        if let Some(country) = &r.country {
            check_value(values::check_country, country, &r.key)?;
        }
        let row = funder::ActiveModel {
            key: Set(r.key.clone()),
            organisation_id: Set(resolve_opt(
                &self.organisations,
                "organisation",
                &r.organisation,
                &r.key,
            )?),
            country_code: Set(r.country.clone()),
            website: Set(r.website.clone()),
            search_text: Set(search_text(r.name.values().map(String::as_str))),
            ..Default::default()
        }
        .insert(self.db)
        .await?;
        Self::remember(&mut self.funders, "funder", &r.key, row.id)?;
        self.text(RecordType::Funder, row.id, "name", 0, &r.name, &r.key)?;
        self.cite(RecordType::Funder, row.id, &r.sources, &r.key)
    }

    async fn programme(&mut self, r: &ProgrammeRecord) -> Result<(), SeedError> {
        let names = r.name.values().map(String::as_str).chain(r.code.as_deref());
        let row = programme::ActiveModel {
            key: Set(r.key.clone()),
            funder_id: Set(resolve(&self.funders, "funder", &r.funder, &r.key)?),
            parent_id: Set(resolve_opt(
                &self.programmes,
                "parent programme (list parents first)",
                &r.parent,
                &r.key,
            )?),
            code: Set(r.code.clone()),
            search_text: Set(search_text(names)),
            ..Default::default()
        }
        .insert(self.db)
        .await?;
        Self::remember(&mut self.programmes, "programme", &r.key, row.id)?;
        self.text(RecordType::Programme, row.id, "name", 0, &r.name, &r.key)?;
        self.cite(RecordType::Programme, row.id, &r.sources, &r.key)
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
        let (stated_total_minor, stated_total_currency) = match &r.stated_total {
            Some(total) => {
                check_value(values::check_currency, &total.currency, key)?;
                (
                    Some(minor_units(total.amount, key)?),
                    Some(total.currency.clone()),
                )
            }
            None => (None, None),
        };
        let mut searchable: Vec<&str> = r.title.values().map(String::as_str).collect();
        searchable.extend(r.acronym.as_deref());
        searchable.extend(
            r.summary
                .iter()
                .flat_map(|t| t.values().map(String::as_str)),
        );
        // The places a project covers are searchable too: "Rezekne" finds the projects there.
        searchable.extend(
            r.places
                .iter()
                .filter_map(|p| self.place_search.get(p))
                .map(String::as_str),
        );
        let row = project::ActiveModel {
            key: Set(r.key.clone()),
            acronym: Set(r.acronym.clone()),
            start_date: Set(r.start.map(|d| d.date)),
            start_precision: Set(r.start.map(|d| d.precision)),
            end_date: Set(r.end.map(|d| d.date)),
            end_precision: Set(r.end.map(|d| d.precision)),
            latest_end_date: Set(r.latest_end),
            website: Set(r.website.clone()),
            working_languages: Set(r.working_languages.join(",")),
            programme_id: Set(resolve_opt(
                &self.programmes,
                "programme",
                &r.programme,
                key,
            )?),
            stated_total_minor: Set(stated_total_minor),
            stated_total_currency: Set(stated_total_currency),
            stated_partner_count: Set(r.stated_partner_count),
            stated_country_count: Set(r.stated_country_count),
            search_text: Set(search_text(searchable)),
            start_year: Set(r.start.map(|d| chrono::Datelike::year(&d.date))),
            ..Default::default()
        }
        .insert(self.db)
        .await?;
        let id = row.id;
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
            let row = participation::ActiveModel {
                project_id: Set(id),
                organisation_id: Set(resolve(
                    &self.organisations,
                    "organisation",
                    &p.organisation,
                    key,
                )?),
                role: Set(p.role),
                position: Set(position),
                ..Default::default()
            }
            .insert(self.db)
            .await?;
            self.cite(RecordType::Participation, row.id, sources, key)?;
        }
        for (position, line) in (0..).zip(&r.funding_lines) {
            check_value(values::check_currency, &line.currency, key)?;
            let row = funding_line::ActiveModel {
                project_id: Set(id),
                kind: Set(line.kind),
                funder_id: Set(resolve_opt(&self.funders, "funder", &line.funder, key)?),
                programme_id: Set(resolve_opt(
                    &self.programmes,
                    "programme",
                    &line.programme,
                    key,
                )?),
                amount_minor: Set(minor_units(line.amount, key)?),
                currency: Set(line.currency.clone()),
                position: Set(position),
                ..Default::default()
            }
            .insert(self.db)
            .await?;
            if let Some(description) = &line.description {
                self.text(
                    RecordType::FundingLine,
                    row.id,
                    "description",
                    0,
                    description,
                    key,
                )?;
            }
            self.cite(RecordType::FundingLine, row.id, sources, key)?;
        }
        for (position, place_key) in (0..).zip(&r.places) {
            project_place::ActiveModel {
                project_id: Set(id),
                place_id: Set(resolve(&self.places, "place", place_key, key)?),
                position: Set(position),
                ..Default::default()
            }
            .insert(self.db)
            .await?;
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
            let row = contact::ActiveModel {
                project_id: Set(Some(id)),
                organisation_id: Set(resolve_opt(
                    &self.organisations,
                    "organisation",
                    &c.organisation,
                    key,
                )?),
                name: Set(c.name.clone()),
                role: Set(c.role.clone()),
                email: Set(c.email.clone()),
                phone: Set(c.phone.clone()),
                position: Set(position),
                ..Default::default()
            }
            .insert(self.db)
            .await?;
            self.cite(RecordType::Contact, row.id, sources, key)?;
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
        let row = outcome::ActiveModel {
            project_id: Set(project_id),
            parent_id: Set(parent_id),
            kind: Set(r.kind),
            code: Set(r.code.clone()),
            position: Set(*position),
            planned_quantity: Set(r.planned),
            achieved_quantity: Set(r.achieved),
            unit: Set(r.unit.clone()),
            place_id: Set(resolve_opt(&self.places, "place", &r.place, key)?),
            ..Default::default()
        }
        .insert(self.db)
        .await?;
        *position += 1;
        self.text(RecordType::Outcome, row.id, "title", 0, &r.title, key)?;
        if let Some(description) = &r.description {
            self.text(
                RecordType::Outcome,
                row.id,
                "description",
                0,
                description,
                key,
            )?;
        }
        self.cite(RecordType::Outcome, row.id, sources, key)?;
        for child in &r.children {
            Box::pin(self.outcome(project_id, Some(row.id), child, position, sources, key)).await?;
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
        let row = event::ActiveModel {
            project_id: Set(project_id),
            parent_id: Set(parent_id),
            kind: Set(r.kind),
            start_date: Set(r.date.map(|d| d.date)),
            date_precision: Set(r.date.map(|d| d.precision)),
            start_time: Set(start_time),
            end_time: Set(end_time),
            time_zone: Set(r.time_zone.clone()),
            place_id: Set(resolve_opt(&self.places, "place", &r.place, key)?),
            online_platform: Set(r.online_platform.clone()),
            registration_deadline: Set(r.registration_deadline),
            position: Set(*position),
            ..Default::default()
        }
        .insert(self.db)
        .await?;
        *position += 1;
        self.text(RecordType::Event, row.id, "title", 0, &r.title, key)?;
        if let Some(description) = &r.description {
            self.text(
                RecordType::Event,
                row.id,
                "description",
                0,
                description,
                key,
            )?;
        }
        self.cite(RecordType::Event, row.id, sources, key)?;
        for session in &r.sessions {
            Box::pin(self.event(project_id, Some(row.id), session, position, sources, key)).await?;
        }
        Ok(())
    }
}
