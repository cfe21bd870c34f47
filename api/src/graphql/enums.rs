//! GraphQL enums. Each mirrors a stored vocabulary of the entity crate, so renaming a stored
//! value is an explicit change here too.

use async_graphql::Enum;
use entity::enums as stored;

/// Declares a GraphQL enum with the same variants as a stored enum, and conversions both ways.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident = $stored:ident { $($(#[$vmeta:meta])* $variant:ident,)+ }) => {
        $(#[$meta])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl From<stored::$stored> for $name {
            fn from(value: stored::$stored) -> Self {
                match value {
                    $(stored::$stored::$variant => Self::$variant,)+
                }
            }
        }

        impl From<$name> for stored::$stored {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => Self::$variant,)+
                }
            }
        }
    };
}

mirror_enum!(
    /// How exact a date is. A month is stored as its first (start) or last (end) day, a year
    /// likewise; read the date together with its precision.
    DatePrecision = DatePrecision {
        /// The exact day is known.
        Day,
        /// Only the month is known.
        Month,
        /// Only the year is known.
        Year,
    }
);

mirror_enum!(
    /// Level of a place in the place tree.
    PlaceKind = PlaceKind {
        /// A sovereign country.
        Country,
        /// A region or county inside a country.
        Region,
        /// A municipality or city.
        Municipality,
        /// A village or other settlement inside a municipality.
        Settlement,
        /// A building or premises where something happens.
        Venue,
    }
);

mirror_enum!(
    /// What sort of body an organisation is.
    OrganisationKind = OrganisationKind {
        /// A municipality as a whole.
        Municipality,
        /// A department of a municipality.
        MunicipalDepartment,
        /// A non-governmental, non-profit organisation.
        Ngo,
        /// A museum.
        Museum,
        /// A library.
        Library,
        /// An association working in adult education.
        AdultEducationAssociation,
        /// A school, college or training provider.
        EducationProvider,
        /// A youth centre.
        YouthCentre,
        /// A coworking space.
        CoworkingSpace,
        /// A cultural organisation.
        CulturalOrganisation,
        /// An association of professionals or institutions.
        ProfessionalAssociation,
        /// A public body or agency.
        PublicBody,
        /// A private company.
        Company,
        /// A funding body.
        Funder,
        /// Anything else.
        Other,
    }
);

mirror_enum!(
    /// The part an organisation plays in a project.
    ParticipationRole = ParticipationRole {
        /// Leads and coordinates the project.
        LeadPartner,
        /// A full partner.
        Partner,
        /// Takes part without being a full partner.
        AssociatedPartner,
        /// Funds the project.
        Funder,
    }
);

mirror_enum!(
    /// Where the money of a funding line comes from.
    FundingKind = FundingKind {
        /// A grant from a funder or programme.
        Grant,
        /// Own funds of the applicant and partners.
        OwnContribution,
        /// Co-financing from a national budget.
        NationalCoFinancing,
        /// Any other source.
        Other,
    }
);

mirror_enum!(
    /// What an outcome describes.
    OutcomeKind = OutcomeKind {
        /// A group of activities and deliverables.
        WorkPackage,
        /// Something produced: a report, a guide, a centre.
        Deliverable,
        /// Something done: courses, meetings, conferences.
        Activity,
        /// A measured target, such as people trained.
        Indicator,
    }
);

mirror_enum!(
    /// What sort of gathering an event is.
    EventKind = EventKind {
        /// A meeting of the project partners.
        PartnerMeeting,
        /// A cycle of training sessions.
        TrainingCycle,
        /// One session of a training cycle.
        TrainingSession,
        /// A seminar.
        Seminar,
        /// A conference.
        Conference,
        /// A pilot run of something the project develops.
        Pilot,
        /// An event that presents the project's results.
        DisseminationEvent,
    }
);

/// Where a project stands, derived from its dates and today's date.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::project::ProjectStatus")]
pub enum ProjectStatus {
    /// Starts after today.
    Planned,
    /// Started on or before today and ends on or after today (or has no end date).
    Ongoing,
    /// Ended before today.
    Completed,
    /// The source gives no start date.
    Unknown,
}

/// Sort direction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

impl OrderDirection {
    /// True for largest first.
    pub fn is_descending(self) -> bool {
        self == Self::Desc
    }
}
