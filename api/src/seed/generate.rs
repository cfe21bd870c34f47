//! A generator of realistic synthetic data at scale, deterministic for a given seed, for
//! benchmarks and load tests: `api generate --projects 100000`. Rows are inserted in large
//! multi-row batches with ids assigned here, so no insert waits for an id to come back.

use std::ops::RangeInclusive;

use anyhow::{Context as _, bail};
use chrono::{Datelike, Duration, NaiveDate};
use entity::enums::{
    DatePrecision, EventKind, FundingKind, OrganisationKind, OutcomeKind, ParticipationRole,
    PlaceKind, RecordType,
};
use entity::{
    event, funder, funding_line, funding_line_year, localized_text, organisation, outcome,
    participation, place, programme, project, project_place,
};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter,
};

use crate::domain::text::fold;
use crate::store::derived;
use crate::store::search;

/// What to generate.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateOptions {
    /// Number of projects.
    #[arg(long, default_value_t = 100_000)]
    pub projects: u32,
    /// Seed of the random generator: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Fewest participations per project.
    #[arg(long, default_value_t = 3)]
    pub min_partners: u32,
    /// Most participations per project.
    #[arg(long, default_value_t = 12)]
    pub max_partners: u32,
    /// Fewest funding lines per project.
    #[arg(long, default_value_t = 2)]
    pub min_lines: u32,
    /// Most funding lines per project.
    #[arg(long, default_value_t = 6)]
    pub max_lines: u32,
    /// Fewest outcomes, events and places per project (each).
    #[arg(long, default_value_t = 5)]
    pub min_items: u32,
    /// Most outcomes, events and places per project (each).
    #[arg(long, default_value_t = 20)]
    pub max_items: u32,
    /// Hide the progress bar.
    #[arg(long, default_value_t = false)]
    pub quiet: bool,
}

const COUNTRIES: [&str; 30] = [
    "LV", "LT", "EE", "FI", "SE", "NO", "DK", "IS", "DE", "PL", "NL", "BE", "FR", "ES", "PT", "IT",
    "AT", "CZ", "SK", "HU", "SI", "HR", "RO", "BG", "GR", "IE", "UA", "GE", "MD", "FO",
];
/// Topics of generated projects: (Latvian, English, Lithuanian).
const TOPICS: [(&str, &str, &str); 12] = [
    (
        "kultūras mantojums",
        "cultural heritage",
        "kultūros paveldas",
    ),
    (
        "pieaugušo izglītība",
        "adult education",
        "suaugusiųjų švietimas",
    ),
    ("jaunatnes darbs", "youth work", "darbas su jaunimu"),
    (
        "kopienu attīstība",
        "community development",
        "bendruomenių plėtra",
    ),
    (
        "digitālās prasmes",
        "digital skills",
        "skaitmeniniai įgūdžiai",
    ),
    (
        "sociālā uzņēmējdarbība",
        "social entrepreneurship",
        "socialinis verslumas",
    ),
    ("muzeju pedagoģija", "museum education", "muziejų edukacija"),
    (
        "bibliotēku pakalpojumi",
        "library services",
        "bibliotekų paslaugos",
    ),
    ("brīvprātīgais darbs", "volunteering", "savanorystė"),
    ("koprade", "co-creation", "bendrakūra"),
    (
        "vides izglītība",
        "environmental education",
        "aplinkosauginis švietimas",
    ),
    ("lauku attīstība", "rural development", "kaimo plėtra"),
];
/// Whom generated projects serve: (Latvian, English, Lithuanian).
const AUDIENCES: [(&str, &str, &str); 8] = [
    ("senioriem", "for seniors", "senjorams"),
    ("jauniešiem", "for young people", "jaunimui"),
    ("skolotājiem", "for teachers", "mokytojams"),
    ("bibliotekāriem", "for librarians", "bibliotekininkams"),
    ("imigrantiem", "for migrants", "migrantams"),
    (
        "lauku kopienām",
        "for rural communities",
        "kaimo bendruomenėms",
    ),
    (
        "cilvēkiem ar invaliditāti",
        "for people with disabilities",
        "žmonėms su negalia",
    ),
    (
        "muzeju darbiniekiem",
        "for museum staff",
        "muziejų darbuotojams",
    ),
];
/// Towns and regions generated projects take place in, as written locally.
const TOWNS: [&str; 14] = [
    "Rēzekne",
    "Ķekava",
    "Daugavpils",
    "Jelgava",
    "Liepāja",
    "Latgale",
    "Šiauliai",
    "Kaunas",
    "Panevėžys",
    "Klaipėda",
    "Žemaitija",
    "Tartu",
    "Bodø",
    "Jyväskylä",
];
/// Titles of generated outcomes, by kind (deliverable, activity, indicator).
const OUTCOME_TITLES: [&str; 3] = ["Mācību materiāls", "Darbnīca", "Apmācīto dalībnieku skaits"];
/// Titles of generated events, by kind (partner meeting, seminar, conference, training).
const EVENT_TITLES: [&str; 4] = ["Partneru tikšanās", "Seminārs", "Konference", "Apmācības"];
/// Words for kinds of organisation in generated names.
const BODIES: [&str; 8] = [
    "biedrība",
    "muzejs",
    "bibliotēka",
    "tautskola",
    "jauniešu centrs",
    "novada pašvaldība",
    "mācību centrs",
    "kultūras nams",
];

const UNITS: [&str; 6] = [
    "people",
    "events",
    "seminar days",
    "centres",
    "meetings",
    "publications",
];
const CURRENCIES: [&str; 4] = ["EUR", "NOK", "DKK", "SEK"];
/// Bind parameters per INSERT statement: under SQLite's 32,766 (and PostgreSQL's 65,535), so
/// a table's rows per statement follow from its number of columns.
const PARAMETERS_PER_INSERT: usize = 30_000;
/// Projects generated and inserted together.
const PROJECTS_PER_CHUNK: u32 = 1_000;

/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn between(rng: &mut ChaCha8Rng, range: RangeInclusive<u32>) -> u32 {
    rng.random_range(range)
}

/// Ids handed out here, one counter per table, starting after what the database holds.
struct Ids {
    next: std::collections::HashMap<&'static str, i32>,
}

impl Ids {
    fn take(&mut self, table: &'static str) -> i32 {
        let id = self.next.entry(table).or_insert(1);
        let current = *id;
        *id += 1;
        current
    }
}

async fn max_id(db: &DatabaseConnection, table: &str) -> anyhow::Result<i32> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) AS m FROM {table}");
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await?
        .context("MAX(id) returned no row")?;
    Ok(row.try_get::<i32>("", "m")?)
}

async fn insert_all<A>(db: &DatabaseConnection, rows: Vec<A>) -> anyhow::Result<()>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let columns = <<A::Entity as EntityTrait>::Column as sea_orm::Iterable>::iter().count();
        let per_insert = (PARAMETERS_PER_INSERT / columns.max(1)).max(1);
        let chunk: Vec<A> = rows.by_ref().take(per_insert).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

fn text(
    record: RecordType,
    id: i32,
    field: &str,
    lang: &str,
    value: String,
) -> localized_text::ActiveModel {
    localized_text::ActiveModel {
        record_type: Set(record.as_str().to_owned()),
        record_id: Set(id),
        field: Set(field.to_owned()),
        position: Set(0),
        lang: Set(lang.to_owned()),
        folded: Set(Some(fold(&value))),
        text: Set(value),
        // Each generated field has one text, so it is the original (in English for the
        // names of countries, funders and programmes).
        is_original: Set(true),
        ..Default::default()
    }
}

/// Adds the words of `texts` to search's vocabulary.
async fn add_words(
    db: &DatabaseConnection,
    texts: &[localized_text::ActiveModel],
) -> anyhow::Result<()> {
    let values: Vec<&str> = texts
        .iter()
        .filter_map(|t| t.text.try_as_ref().map(String::as_str))
        .collect();
    search::add_words(db, values).await?;
    Ok(())
}

/// Fills `db` with synthetic data and brings the derived analytics data up to date.
pub async fn generate(db: &DatabaseConnection, options: &GenerateOptions) -> anyhow::Result<()> {
    if options.min_partners < 1 || options.min_partners > options.max_partners {
        bail!("--min-partners must be at least 1 and at most --max-partners");
    }
    if options.min_lines > options.max_lines || options.min_items > options.max_items {
        bail!("each --min-* must be at most its --max-*");
    }
    let first_key = format!("gen-{}-0", options.seed);
    if project::Entity::find()
        .filter(project::Column::Key.eq(first_key))
        .count(db)
        .await?
        > 0
    {
        bail!(
            "this database already holds the data of seed {}; use another seed or database",
            options.seed
        );
    }
    let mut ids = Ids {
        next: Default::default(),
    };
    for table in [
        "places",
        "organisations",
        "funders",
        "programmes",
        "projects",
        "participations",
        "funding_lines",
        "outcomes",
        "events",
        "project_places",
        "localized_texts",
    ] {
        ids.next.insert(table, max_id(db, table).await? + 1);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let tag = options.seed;

    // Places: every country, and ten municipalities in each.
    let mut places = Vec::new();
    let mut texts = Vec::new();
    let mut municipalities: Vec<Vec<i32>> = Vec::new();
    for country in COUNTRIES {
        let country_id = ids.take("places");
        places.push(place::ActiveModel {
            version: Set(1),
            updated_at: Set(chrono::Utc::now()),
            id: Set(country_id),
            key: Set(format!("gen-{tag}-{}", country.to_lowercase())),
            kind: Set(PlaceKind::Country),
            code: Set(Some(country.to_owned())),
            country_code: Set(country.to_owned()),
            sort_name: Set(fold(country)),
            ..Default::default()
        });
        texts.push(text(
            RecordType::Place,
            country_id,
            "name",
            "en",
            country.to_owned(),
        ));
        let mut local = Vec::new();
        for m in 0..10 {
            let id = ids.take("places");
            let name = format!("Pašvaldība {country}-{m}");
            places.push(place::ActiveModel {
                version: Set(1),
                updated_at: Set(chrono::Utc::now()),
                id: Set(id),
                key: Set(format!("gen-{tag}-{}-{m}", country.to_lowercase())),
                kind: Set(PlaceKind::Municipality),
                parent_id: Set(Some(country_id)),
                country_code: Set(country.to_owned()),
                sort_name: Set(fold(&name)),
                ..Default::default()
            });
            texts.push(text(RecordType::Place, id, "name", "lv", name));
            local.push(id);
        }
        municipalities.push(local);
    }
    insert_all(db, places).await?;

    // Funders, each with a programme tree two or three levels deep.
    let mut funders = Vec::new();
    let mut programmes = Vec::new();
    let mut leaf_programmes: Vec<(i32, i32)> = Vec::new();
    for f in 0..8 {
        let funder_id = ids.take("funders");
        funders.push(funder::ActiveModel {
            version: Set(1),
            updated_at: Set(chrono::Utc::now()),
            id: Set(funder_id),
            key: Set(format!("gen-{tag}-funder-{f}")),
            country_code: Set(Some(COUNTRIES[f * 3].to_owned())),
            sort_name: Set(format!("funder {f}")),
            ..Default::default()
        });
        texts.push(text(
            RecordType::Funder,
            funder_id,
            "name",
            "en",
            format!("Funder {f}"),
        ));
        for top in 0..between(&mut rng, 2..=3) {
            let top_id = ids.take("programmes");
            programmes.push(programme::ActiveModel {
                version: Set(1),
                updated_at: Set(chrono::Utc::now()),
                id: Set(top_id),
                key: Set(format!("gen-{tag}-p{f}-{top}")),
                funder_id: Set(funder_id),
                sort_name: Set(format!("programme {f}.{top}")),
                ..Default::default()
            });
            texts.push(text(
                RecordType::Programme,
                top_id,
                "name",
                "en",
                format!("Programme {f}.{top}"),
            ));
            for child in 0..between(&mut rng, 2..=4) {
                let child_id = ids.take("programmes");
                programmes.push(programme::ActiveModel {
                    version: Set(1),
                    updated_at: Set(chrono::Utc::now()),
                    id: Set(child_id),
                    key: Set(format!("gen-{tag}-p{f}-{top}-{child}")),
                    funder_id: Set(funder_id),
                    parent_id: Set(Some(top_id)),
                    code: Set(Some(format!("G{f}{top}{child}"))),
                    sort_name: Set(format!("programme {f}.{top}.{child}")),
                });
                texts.push(text(
                    RecordType::Programme,
                    child_id,
                    "name",
                    "en",
                    format!("Programme {f}.{top}.{child}"),
                ));
                leaf_programmes.push((child_id, funder_id));
            }
        }
    }
    insert_all(db, funders).await?;
    insert_all(db, programmes).await?;

    // Organisations, shared between projects: one for every five projects.
    let organisation_count = (options.projects / 5).max(50);
    let kinds = [
        OrganisationKind::Ngo,
        OrganisationKind::Municipality,
        OrganisationKind::Museum,
        OrganisationKind::Library,
        OrganisationKind::EducationProvider,
        OrganisationKind::AdultEducationAssociation,
        OrganisationKind::YouthCentre,
        OrganisationKind::Company,
    ];
    let mut organisations = Vec::new();
    let mut organisation_ids = Vec::new();
    for o in 0..organisation_count {
        let id = ids.take("organisations");
        let country = rng.random_range(0..COUNTRIES.len());
        let name = format!(
            "{} {} {o}",
            TOWNS[rng.random_range(0..TOWNS.len())],
            BODIES[rng.random_range(0..BODIES.len())]
        );
        organisations.push(organisation::ActiveModel {
            version: Set(1),
            updated_at: Set(chrono::Utc::now()),
            id: Set(id),
            key: Set(format!("gen-{tag}-org-{o}")),
            kind: Set(kinds[rng.random_range(0..kinds.len())]),
            country_code: Set(COUNTRIES[country].to_owned()),
            place_id: Set(Some(municipalities[country][rng.random_range(0..10)])),
            sort_name: Set(fold(&name)),
            ..Default::default()
        });
        texts.push(text(RecordType::Organisation, id, "name", "lv", name));
        organisation_ids.push(id);
    }
    insert_all(db, organisations).await?;
    add_words(db, &texts).await?;
    insert_all(db, std::mem::take(&mut texts)).await?;

    let progress = if options.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(u64::from(options.projects))
    };
    progress.set_style(
        ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} projects ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).context("epoch")?;
    let mut start = 0;
    while start < options.projects {
        let end = (start + PROJECTS_PER_CHUNK).min(options.projects);
        let mut rows = ChunkRows::default();
        for n in start..end {
            generate_project(
                &mut rng,
                &mut ids,
                &mut rows,
                n,
                tag,
                epoch,
                options,
                &organisation_ids,
                &municipalities,
                &leaf_programmes,
            );
        }
        rows.insert(db).await?;
        progress.inc(u64::from(end - start));
        start = end;
    }
    progress.finish();
    if db.get_database_backend() == DbBackend::Postgres {
        for table in [
            "places",
            "organisations",
            "funders",
            "programmes",
            "projects",
            "participations",
            "funding_lines",
            "outcomes",
            "events",
            "project_places",
            "localized_texts",
        ] {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
            );
            db.execute_unprepared(&sql).await?;
        }
    }
    // Written here in one pass rather than per chunk: a whole table's GROUP BY is far cheaper.
    search::index_all(db).await?;
    derived::refresh(db).await?;
    Ok(())
}

/// Rows of one chunk of projects, inserted table by table.
#[derive(Default)]
struct ChunkRows {
    projects: Vec<project::ActiveModel>,
    participations: Vec<participation::ActiveModel>,
    lines: Vec<funding_line::ActiveModel>,
    line_years: Vec<funding_line_year::ActiveModel>,
    outcomes: Vec<outcome::ActiveModel>,
    events: Vec<event::ActiveModel>,
    places: Vec<project_place::ActiveModel>,
    texts: Vec<localized_text::ActiveModel>,
}

impl ChunkRows {
    async fn insert(self, db: &DatabaseConnection) -> anyhow::Result<()> {
        insert_all(db, self.projects).await?;
        insert_all(db, self.participations).await?;
        insert_all(db, self.lines).await?;
        insert_all(db, self.line_years).await?;
        insert_all(db, self.outcomes).await?;
        insert_all(db, self.events).await?;
        insert_all(db, self.places).await?;
        add_words(db, &self.texts).await?;
        insert_all(db, self.texts).await
    }
}

#[allow(clippy::too_many_arguments)]
fn generate_project(
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
    rows: &mut ChunkRows,
    n: u32,
    tag: u64,
    epoch: NaiveDate,
    options: &GenerateOptions,
    organisation_ids: &[i32],
    municipalities: &[Vec<i32>],
    leaf_programmes: &[(i32, i32)],
) {
    let id = ids.take("projects");
    let start = epoch + Duration::days(rng.random_range(0..9_000));
    let end = start + Duration::days(rng.random_range(180..1_460));
    let (programme_id, funder_id) = leaf_programmes[rng.random_range(0..leaf_programmes.len())];
    let (topic_lv, topic_en, topic_lt) = TOPICS[rng.random_range(0..TOPICS.len())];
    let (audience_lv, audience_en, audience_lt) = AUDIENCES[rng.random_range(0..AUDIENCES.len())];
    let town = TOWNS[rng.random_range(0..TOWNS.len())];
    let partners = between(rng, options.min_partners..=options.max_partners) as usize;
    let countries = partners.clamp(2, 8);
    // Title and summary in the project's own language (the original) and one translation.
    let versions = [
        (
            "lv",
            format!("{}: {audience_lv} ({town})", capitalized(topic_lv)),
            format!(
                "Projekts {town} apvieno partnerus no {countries} valstīm, lai stiprinātu \
                 {topic_lv} un sniegtu jaunas iespējas {audience_lv}. Paredzēti semināri, \
                 pieredzes apmaiņas braucieni un kopīgi mācību materiāli."
            ),
        ),
        (
            "en",
            format!("{} {audience_en} in {town}", capitalized(topic_en)),
            format!(
                "The project in {town} brings together partners from {countries} countries to \
                 strengthen {topic_en} {audience_en}. It plans seminars, study visits and \
                 shared learning materials."
            ),
        ),
        (
            "lt",
            format!("{} {audience_lt} ({town})", capitalized(topic_lt)),
            format!(
                "Projektas {town} jungia partnerius iš {countries} šalių, kad sustiprintų \
                 {topic_lt} ir suteiktų naujų galimybių {audience_lt}. Numatyti seminarai, \
                 patirties mainų vizitai ir bendra mokomoji medžiaga."
            ),
        ),
    ];
    let original = rng.random_range(0..versions.len());
    let translation = if original == 1 { 0 } else { 1 };
    rows.projects.push(project::ActiveModel {
        version: Set(1),
        updated_at: Set(chrono::Utc::now()),
        id: Set(id),
        key: Set(format!("gen-{tag}-{n}")),
        acronym: Set(Some(format!("P{n}"))),
        start_date: Set(Some(start)),
        start_precision: Set(Some(DatePrecision::Day)),
        end_date: Set(Some(end)),
        end_precision: Set(Some(DatePrecision::Day)),
        working_languages: Set(versions[original].0.to_owned()),
        programme_id: Set(Some(programme_id)),
        start_year: Set(Some(start.year())),
        ..Default::default()
    });
    for (index, is_original) in [(original, true), (translation, false)] {
        let (lang, title, summary) = &versions[index];
        for (field, value) in [("title", title), ("summary", summary)] {
            let mut text = text(RecordType::Project, id, field, lang, value.clone());
            text.is_original = Set(is_original);
            rows.texts.push(text);
        }
    }

    let mut chosen: Vec<i32> = Vec::with_capacity(partners);
    while chosen.len() < partners.min(organisation_ids.len()) {
        let candidate = organisation_ids[rng.random_range(0..organisation_ids.len())];
        if !chosen.contains(&candidate) {
            chosen.push(candidate);
        }
    }
    for (position, organisation_id) in (0..).zip(chosen) {
        let role = match position {
            0 => ParticipationRole::LeadPartner,
            _ if rng.random_bool(0.15) => ParticipationRole::AssociatedPartner,
            _ => ParticipationRole::Partner,
        };
        rows.participations.push(participation::ActiveModel {
            version: Set(1),
            updated_at: Set(chrono::Utc::now()),
            id: Set(ids.take("participations")),
            project_id: Set(id),
            organisation_id: Set(organisation_id),
            role: Set(role),
            position: Set(position),
        });
    }

    let currency = if rng.random_bool(0.9) {
        "EUR"
    } else {
        CURRENCIES[rng.random_range(1..CURRENCIES.len())]
    };
    for position in 0..between(rng, options.min_lines..=options.max_lines) {
        let line_id = ids.take("funding_lines");
        let grant = position == 0 || rng.random_bool(0.5);
        let kind = if grant {
            FundingKind::Grant
        } else if rng.random_bool(0.6) {
            FundingKind::OwnContribution
        } else {
            FundingKind::NationalCoFinancing
        };
        let amount_minor: i64 = rng.random_range(100_000..25_000_000);
        let line = funding_line::Model {
            id: line_id,
            project_id: id,
            kind,
            funder_id: grant.then_some(funder_id),
            programme_id: grant.then_some(programme_id),
            amount_minor,
            currency: currency.to_owned(),
            position: i32::try_from(position).unwrap_or(0),
            version: 1,
            updated_at: chrono::Utc::now(),
        };
        for (year, days, share) in crate::domain::funding::year_shares(amount_minor, start, end) {
            rows.line_years.push(funding_line_year::ActiveModel {
                funding_line_id: Set(line_id),
                year: Set(year),
                days: Set(i32::try_from(days).unwrap_or(i32::MAX)),
                amount_minor: Set(share),
            });
        }
        rows.lines.push(funding_line::ActiveModel::from(line));
    }

    let outcome_kinds = [
        OutcomeKind::Deliverable,
        OutcomeKind::Activity,
        OutcomeKind::Indicator,
    ];
    for position in 0..between(rng, options.min_items..=options.max_items) {
        let kind_index = rng.random_range(0..outcome_kinds.len());
        let kind = outcome_kinds[kind_index];
        let counted = kind != OutcomeKind::Deliverable;
        let planned = counted.then(|| rng.random_range(1..200));
        let outcome_id = ids.take("outcomes");
        // Every outcome and event has a title, as the mutations require.
        rows.texts.push(text(
            RecordType::Outcome,
            outcome_id,
            "title",
            "lv",
            format!("{} {}", OUTCOME_TITLES[kind_index], position + 1),
        ));
        rows.outcomes.push(outcome::ActiveModel {
            version: Set(1),
            updated_at: Set(chrono::Utc::now()),
            id: Set(outcome_id),
            project_id: Set(id),
            kind: Set(kind),
            position: Set(i32::try_from(position).unwrap_or(0)),
            planned_quantity: Set(planned),
            achieved_quantity: Set(planned
                .filter(|_| end < epoch + Duration::days(9_300))
                .map(|p| rng.random_range(0..=p))),
            unit: Set(counted.then(|| UNITS[rng.random_range(0..UNITS.len())].to_owned())),
            ..Default::default()
        });
    }
    let event_kinds = [
        EventKind::PartnerMeeting,
        EventKind::Seminar,
        EventKind::Conference,
        EventKind::TrainingSession,
    ];
    let span = (end - start).num_days().max(1);
    for position in 0..between(rng, options.min_items..=options.max_items) {
        let online = rng.random_bool(0.3);
        let event_id = ids.take("events");
        let event_kind_index = rng.random_range(0..event_kinds.len());
        rows.texts.push(text(
            RecordType::Event,
            event_id,
            "title",
            "lv",
            format!("{} {}", EVENT_TITLES[event_kind_index], position + 1),
        ));
        rows.events.push(event::ActiveModel {
            version: Set(1),
            updated_at: Set(chrono::Utc::now()),
            id: Set(event_id),
            project_id: Set(id),
            kind: Set(event_kinds[event_kind_index]),
            start_date: Set(Some(start + Duration::days(rng.random_range(0..span)))),
            date_precision: Set(Some(DatePrecision::Day)),
            online_platform: Set(online.then(|| "Zoom".to_owned())),
            position: Set(i32::try_from(position).unwrap_or(0)),
            ..Default::default()
        });
    }
    let country = rng.random_range(0..municipalities.len());
    let covered = (between(rng, options.min_items..=options.max_items) as usize).min(10);
    for (position, place_id) in (0..).zip(municipalities[country].iter().take(covered)) {
        rows.places.push(project_place::ActiveModel {
            id: Set(ids.take("project_places")),
            project_id: Set(id),
            place_id: Set(*place_id),
            position: Set(position),
        });
    }
}
