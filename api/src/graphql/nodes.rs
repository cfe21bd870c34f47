//! The records of the graph as GraphQL objects, each wrapping the store's row. They are
//! declared here, apart from their fields (each area's module holds the `#[Object]` impl), so
//! the area modules refer to one another's types through this module and never import each
//! other in a circle.
//!
//! Projects and organisations are shared (`Arc`): a page holds each in its nodes and its edges,
//! and a list of participations may name the same one many times.

use std::sync::Arc;

use crate::store::organisations::{OrganisationRow, ParticipationRow};
use crate::store::projects::ProjectRow;

/// A cross-border partnership project.
#[derive(Debug, Clone)]
pub struct Project(pub Arc<ProjectRow>);

/// A partner organisation: an NGO, museum, municipality, company or other body.
#[derive(Debug, Clone)]
pub struct Organisation(pub Arc<OrganisationRow>);

/// An organisation taking part in a project in one role.
#[derive(Debug, Clone)]
pub struct Participation {
    pub row: ParticipationRow,
    /// The project, when the list this participation came in loaded it for the whole list.
    pub project: Option<Project>,
    /// The organisation, loaded the same way.
    pub organisation: Option<Organisation>,
}

/// A body that funds projects, directly or through programmes.
#[derive(Debug, Clone)]
pub struct Funder(pub crate::store::funding::FunderRow);

/// A funding programme. Programmes form a tree under their funder, e.g. Nordplus > Nordplus Adult.
#[derive(Debug, Clone)]
pub struct Programme(pub crate::store::funding::ProgrammeRow);

/// An amount of money for a project from one kind of source.
#[derive(Debug, Clone)]
pub struct FundingLine(pub crate::store::funding::FundingLineRow);

/// A work package, deliverable, activity or indicator of a project, with planned and achieved
/// quantities where the source gives them.
#[derive(Debug, Clone)]
pub struct Outcome(pub crate::store::outcomes::OutcomeRow);

/// A meeting, training session, pilot or other event of a project.
#[derive(Debug, Clone)]
pub struct Event(pub crate::store::events::EventRow);

/// A country, region, municipality, settlement or venue.
#[derive(Debug, Clone)]
pub struct Place(pub crate::store::places::PlaceRow);

/// A contact person of a project or organisation.
#[derive(Debug, Clone)]
pub struct Contact(pub crate::store::organisations::ContactRow);

/// A document the dataset was curated from. Every record links to the documents it came from.
#[derive(Debug, Clone)]
pub struct SourceDocument(pub crate::store::sources::SourceDocumentRow);

impl From<ProjectRow> for Project {
    fn from(row: ProjectRow) -> Self {
        Self(Arc::new(row))
    }
}

impl From<OrganisationRow> for Organisation {
    fn from(row: OrganisationRow) -> Self {
        Self(Arc::new(row))
    }
}
