//! The partnership domain: sources, places, organisations, funders and programmes, projects with
//! their participations, funding lines, outcomes, events, places and contacts, and the two
//! polymorphic side tables (localized texts and record sources) keyed by GraphQL type name.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A CHECK that `column` holds one of `values` (or is NULL, which NOT NULL rules out separately).
fn one_of(column: &str, values: &[&str]) -> Expr {
    let list = values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ");
    Expr::cust(format!("{column} IN ({list})"))
}

/// A CHECK that `column` is an upper-case code of `len` letters (ISO 3166-1 alpha-2, ISO 4217).
/// `upper() = x` and `lower() <> x` together rule out lower case and all-digit values portably.
fn code_shape(column: &str, len: usize) -> Expr {
    Expr::cust(format!(
        "{column} IS NULL OR (length({column}) = {len} AND upper({column}) = {column} AND lower({column}) <> {column})"
    ))
}

fn fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(on_delete)
        .to_owned()
}

fn id() -> ColumnDef {
    pk_auto("id")
}

const DATE_PRECISIONS: &[&str] = &["DAY", "MONTH", "YEAR"];

async fn create(manager: &SchemaManager<'_>, table: TableCreateStatement) -> Result<(), DbErr> {
    manager.create_table(table).await
}

async fn unique(
    manager: &SchemaManager<'_>,
    table: &'static str,
    columns: &[&'static str],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index
        .name(format!("ux_{table}_{}", columns.join("_")))
        .table(table)
        .unique();
    for column in columns {
        index.col(*column);
    }
    manager.create_index(index.to_owned()).await
}

async fn index(
    manager: &SchemaManager<'_>,
    table: &'static str,
    columns: &[&'static str],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(table);
    for column in columns {
        index.col(*column);
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};

        create(
            manager,
            Table::create()
                .table("source_documents")
                .col(id())
                .col(string_uniq("file_name"))
                .col(text("title"))
                .col(string_len("language", 2))
                .col(text_null("description"))
                .to_owned(),
        )
        .await?;

        create(
            manager,
            Table::create()
                .table("places")
                .col(id())
                .col(string_uniq("key"))
                .col(string("kind"))
                .col(integer_null("parent_id"))
                .col(string_null("code"))
                .col(string_len("country_code", 2))
                .col(text("search_text"))
                .foreign_key(&mut fk("places", "parent_id", "places", Restrict))
                .check(one_of(
                    "kind",
                    &["COUNTRY", "REGION", "MUNICIPALITY", "SETTLEMENT", "VENUE"],
                ))
                .check(code_shape("country_code", 2))
                .check(Expr::cust("parent_id IS NULL OR parent_id <> id"))
                .to_owned(),
        )
        .await?;
        index(manager, "places", &["parent_id"]).await?;

        create(
            manager,
            Table::create()
                .table("organisations")
                .col(id())
                .col(string_uniq("key"))
                .col(string("kind"))
                .col(string_null("short_name"))
                .col(string_len("country_code", 2))
                .col(string_null("city"))
                .col(string_null("website"))
                .col(integer_null("place_id"))
                .col(text("search_text"))
                .foreign_key(&mut fk("organisations", "place_id", "places", SetNull))
                .check(one_of(
                    "kind",
                    &[
                        "MUNICIPALITY",
                        "MUNICIPAL_DEPARTMENT",
                        "NGO",
                        "MUSEUM",
                        "LIBRARY",
                        "ADULT_EDUCATION_ASSOCIATION",
                        "EDUCATION_PROVIDER",
                        "YOUTH_CENTRE",
                        "COWORKING_SPACE",
                        "CULTURAL_ORGANISATION",
                        "PROFESSIONAL_ASSOCIATION",
                        "PUBLIC_BODY",
                        "COMPANY",
                        "FUNDER",
                        "OTHER",
                    ],
                ))
                .check(code_shape("country_code", 2))
                .to_owned(),
        )
        .await?;
        index(manager, "organisations", &["country_code"]).await?;

        create(
            manager,
            Table::create()
                .table("organisation_identifiers")
                .col(id())
                .col(integer("organisation_id"))
                .col(string("scheme"))
                .col(string("value"))
                .foreign_key(&mut fk(
                    "organisation_identifiers",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        unique(manager, "organisation_identifiers", &["scheme", "value"]).await?;
        index(manager, "organisation_identifiers", &["organisation_id"]).await?;

        create(
            manager,
            Table::create()
                .table("funders")
                .col(id())
                .col(string_uniq("key"))
                .col(integer_null("organisation_id"))
                .col(string_len_null("country_code", 2))
                .col(string_null("website"))
                .col(text("search_text"))
                .foreign_key(&mut fk(
                    "funders",
                    "organisation_id",
                    "organisations",
                    SetNull,
                ))
                .check(code_shape("country_code", 2))
                .to_owned(),
        )
        .await?;

        create(
            manager,
            Table::create()
                .table("programmes")
                .col(id())
                .col(string_uniq("key"))
                .col(integer("funder_id"))
                .col(integer_null("parent_id"))
                .col(string_null("code"))
                .col(text("search_text"))
                .foreign_key(&mut fk("programmes", "funder_id", "funders", Restrict))
                .foreign_key(&mut fk("programmes", "parent_id", "programmes", Restrict))
                .check(Expr::cust("parent_id IS NULL OR parent_id <> id"))
                .to_owned(),
        )
        .await?;
        index(manager, "programmes", &["funder_id"]).await?;
        index(manager, "programmes", &["parent_id"]).await?;

        create(
            manager,
            Table::create()
                .table("projects")
                .col(id())
                .col(string_uniq("key"))
                .col(string_null("acronym"))
                .col(date_null("start_date"))
                .col(string_null("start_precision"))
                .col(date_null("end_date"))
                .col(string_null("end_precision"))
                .col(date_null("latest_end_date"))
                .col(string_null("website"))
                .col(string("working_languages"))
                .col(integer_null("programme_id"))
                .col(big_integer_null("stated_total_minor"))
                .col(string_len_null("stated_total_currency", 3))
                .col(integer_null("stated_partner_count"))
                .col(integer_null("stated_country_count"))
                .col(text("search_text"))
                .foreign_key(&mut fk("projects", "programme_id", "programmes", SetNull))
                .check(one_of("start_precision", DATE_PRECISIONS))
                .check(one_of("end_precision", DATE_PRECISIONS))
                .check(Expr::cust(
                    "start_date IS NULL OR end_date IS NULL OR end_date >= start_date",
                ))
                .check(Expr::cust(
                    "latest_end_date IS NULL OR end_date IS NULL OR latest_end_date >= end_date",
                ))
                .check(Expr::cust(
                    "(start_date IS NULL) = (start_precision IS NULL)",
                ))
                .check(Expr::cust("(end_date IS NULL) = (end_precision IS NULL)"))
                .check(Expr::cust(
                    "stated_total_minor IS NULL OR stated_total_minor >= 0",
                ))
                .check(Expr::cust(
                    "(stated_total_minor IS NULL) = (stated_total_currency IS NULL)",
                ))
                .check(code_shape("stated_total_currency", 3))
                .check(Expr::cust(
                    "stated_partner_count IS NULL OR stated_partner_count > 0",
                ))
                .check(Expr::cust(
                    "stated_country_count IS NULL OR stated_country_count > 0",
                ))
                .to_owned(),
        )
        .await?;
        index(manager, "projects", &["start_date"]).await?;
        index(manager, "projects", &["end_date"]).await?;
        index(manager, "projects", &["programme_id"]).await?;

        create(
            manager,
            Table::create()
                .table("participations")
                .col(id())
                .col(integer("project_id"))
                .col(integer("organisation_id"))
                .col(string("role"))
                .col(integer("position"))
                .foreign_key(&mut fk("participations", "project_id", "projects", Cascade))
                .foreign_key(&mut fk(
                    "participations",
                    "organisation_id",
                    "organisations",
                    Restrict,
                ))
                .check(one_of(
                    "role",
                    &["LEAD_PARTNER", "PARTNER", "ASSOCIATED_PARTNER", "FUNDER"],
                ))
                .to_owned(),
        )
        .await?;
        unique(
            manager,
            "participations",
            &["project_id", "organisation_id", "role"],
        )
        .await?;
        index(manager, "participations", &["organisation_id"]).await?;

        create(
            manager,
            Table::create()
                .table("funding_lines")
                .col(id())
                .col(integer("project_id"))
                .col(string("kind"))
                .col(integer_null("funder_id"))
                .col(integer_null("programme_id"))
                .col(big_integer("amount_minor"))
                .col(string_len("currency", 3))
                .col(integer("position"))
                .foreign_key(&mut fk("funding_lines", "project_id", "projects", Cascade))
                .foreign_key(&mut fk("funding_lines", "funder_id", "funders", Restrict))
                .foreign_key(&mut fk(
                    "funding_lines",
                    "programme_id",
                    "programmes",
                    Restrict,
                ))
                .check(one_of(
                    "kind",
                    &[
                        "GRANT",
                        "OWN_CONTRIBUTION",
                        "NATIONAL_CO_FINANCING",
                        "OTHER",
                    ],
                ))
                .check(Expr::cust("amount_minor >= 0"))
                .check(code_shape("currency", 3))
                .to_owned(),
        )
        .await?;
        index(manager, "funding_lines", &["project_id"]).await?;
        index(manager, "funding_lines", &["programme_id"]).await?;
        index(manager, "funding_lines", &["funder_id"]).await?;

        create(
            manager,
            Table::create()
                .table("outcomes")
                .col(id())
                .col(integer("project_id"))
                .col(integer_null("parent_id"))
                .col(string("kind"))
                .col(string_null("code"))
                .col(integer("position"))
                .col(integer_null("planned_quantity"))
                .col(integer_null("achieved_quantity"))
                .col(string_null("unit"))
                .col(integer_null("place_id"))
                .foreign_key(&mut fk("outcomes", "project_id", "projects", Cascade))
                .foreign_key(&mut fk("outcomes", "place_id", "places", SetNull))
                .foreign_key(&mut fk("outcomes", "parent_id", "outcomes", Cascade))
                .check(one_of(
                    "kind",
                    &["WORK_PACKAGE", "DELIVERABLE", "ACTIVITY", "INDICATOR"],
                ))
                .check(Expr::cust(
                    "planned_quantity IS NULL OR planned_quantity >= 0",
                ))
                .check(Expr::cust(
                    "achieved_quantity IS NULL OR achieved_quantity >= 0",
                ))
                .check(Expr::cust(
                    "(planned_quantity IS NULL AND achieved_quantity IS NULL) OR unit IS NOT NULL",
                ))
                .to_owned(),
        )
        .await?;
        index(manager, "outcomes", &["project_id"]).await?;
        index(manager, "outcomes", &["parent_id"]).await?;

        create(
            manager,
            Table::create()
                .table("events")
                .col(id())
                .col(integer("project_id"))
                .col(integer_null("parent_id"))
                .col(string("kind"))
                .col(date_null("start_date"))
                .col(string_null("date_precision"))
                .col(time_null("start_time"))
                .col(time_null("end_time"))
                .col(string_null("time_zone"))
                .col(integer_null("place_id"))
                .col(string_null("online_platform"))
                .col(date_null("registration_deadline"))
                .col(integer("position"))
                .foreign_key(&mut fk("events", "project_id", "projects", Cascade))
                .foreign_key(&mut fk("events", "parent_id", "events", Cascade))
                .foreign_key(&mut fk("events", "place_id", "places", SetNull))
                .check(one_of(
                    "kind",
                    &[
                        "PARTNER_MEETING",
                        "TRAINING_CYCLE",
                        "TRAINING_SESSION",
                        "SEMINAR",
                        "CONFERENCE",
                        "PILOT",
                        "DISSEMINATION_EVENT",
                    ],
                ))
                .check(one_of("date_precision", DATE_PRECISIONS))
                .check(Expr::cust(
                    "(start_date IS NULL) = (date_precision IS NULL)",
                ))
                .check(Expr::cust(
                    "start_time IS NULL OR end_time IS NULL OR end_time >= start_time",
                ))
                .check(Expr::cust("start_time IS NULL OR time_zone IS NOT NULL"))
                .to_owned(),
        )
        .await?;
        index(manager, "events", &["project_id"]).await?;
        index(manager, "events", &["start_date"]).await?;

        create(
            manager,
            Table::create()
                .table("project_places")
                .col(id())
                .col(integer("project_id"))
                .col(integer("place_id"))
                .col(integer("position"))
                .foreign_key(&mut fk("project_places", "project_id", "projects", Cascade))
                .foreign_key(&mut fk("project_places", "place_id", "places", Restrict))
                .to_owned(),
        )
        .await?;
        unique(manager, "project_places", &["project_id", "place_id"]).await?;
        index(manager, "project_places", &["place_id"]).await?;

        create(
            manager,
            Table::create()
                .table("contacts")
                .col(id())
                .col(integer_null("project_id"))
                .col(integer_null("organisation_id"))
                .col(string("name"))
                .col(string_null("role"))
                .col(string_null("email"))
                .col(string_null("phone"))
                .col(integer("position"))
                .foreign_key(&mut fk("contacts", "project_id", "projects", Cascade))
                .foreign_key(&mut fk(
                    "contacts",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .check(Expr::cust(
                    "project_id IS NOT NULL OR organisation_id IS NOT NULL",
                ))
                .check(Expr::cust("email IS NULL OR email LIKE '%_@_%'"))
                .to_owned(),
        )
        .await?;
        index(manager, "contacts", &["project_id"]).await?;
        index(manager, "contacts", &["organisation_id"]).await?;

        create(
            manager,
            Table::create()
                .table("localized_texts")
                .col(id())
                .col(string("record_type"))
                .col(integer("record_id"))
                .col(string("field"))
                .col(integer("position"))
                .col(string_len("lang", 2))
                .col(text("text"))
                .col(boolean("is_original"))
                .check(Expr::cust(
                    "length(lang) = 2 AND lower(lang) = lang AND upper(lang) <> lang",
                ))
                .check(Expr::cust("length(text) > 0"))
                .to_owned(),
        )
        .await?;
        unique(
            manager,
            "localized_texts",
            &["record_type", "record_id", "field", "position", "lang"],
        )
        .await?;

        create(
            manager,
            Table::create()
                .table("record_sources")
                .col(id())
                .col(string("record_type"))
                .col(integer("record_id"))
                .col(integer("source_document_id"))
                .foreign_key(&mut fk(
                    "record_sources",
                    "source_document_id",
                    "source_documents",
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        unique(
            manager,
            "record_sources",
            &["record_type", "record_id", "source_document_id"],
        )
        .await?;
        index(manager, "record_sources", &["source_document_id"]).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "record_sources",
            "localized_texts",
            "contacts",
            "project_places",
            "events",
            "outcomes",
            "funding_lines",
            "participations",
            "projects",
            "programmes",
            "funders",
            "organisation_identifiers",
            "organisations",
            "places",
            "source_documents",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
