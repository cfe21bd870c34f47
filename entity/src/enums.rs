//! Closed vocabularies stored as text columns. The stored strings are the SCREAMING_SNAKE_CASE
//! names, the same spelling the seed files and the GraphQL enums use; migrations add a CHECK
//! constraint with the same list.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a text-backed enum whose stored value, serde name and Rust variant agree.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant,)+
        }

        impl $name {
            /// Every stored value, for CHECK constraints and validation messages.
            pub const VALUES: &'static [&'static str] = &[$($value),+];
        }
    };
}

text_enum!(
    /// How exact a date is: a source may give only a month or a year.
    DatePrecision {
        Day = "DAY",
        Month = "MONTH",
        Year = "YEAR",
    }
);

text_enum!(
    /// Level of a place in the place hierarchy.
    PlaceKind {
        Country = "COUNTRY",
        Region = "REGION",
        Municipality = "MUNICIPALITY",
        Settlement = "SETTLEMENT",
        Venue = "VENUE",
    }
);

text_enum!(
    /// What sort of body an organisation is.
    OrganisationKind {
        Municipality = "MUNICIPALITY",
        MunicipalDepartment = "MUNICIPAL_DEPARTMENT",
        Ngo = "NGO",
        Museum = "MUSEUM",
        Library = "LIBRARY",
        AdultEducationAssociation = "ADULT_EDUCATION_ASSOCIATION",
        EducationProvider = "EDUCATION_PROVIDER",
        YouthCentre = "YOUTH_CENTRE",
        CoworkingSpace = "COWORKING_SPACE",
        CulturalOrganisation = "CULTURAL_ORGANISATION",
        ProfessionalAssociation = "PROFESSIONAL_ASSOCIATION",
        PublicBody = "PUBLIC_BODY",
        Company = "COMPANY",
        Funder = "FUNDER",
        Other = "OTHER",
    }
);

text_enum!(
    /// The part an organisation plays in a project.
    ParticipationRole {
        LeadPartner = "LEAD_PARTNER",
        Partner = "PARTNER",
        AssociatedPartner = "ASSOCIATED_PARTNER",
        Funder = "FUNDER",
    }
);

text_enum!(
    /// Where the money of a funding line comes from.
    FundingKind {
        Grant = "GRANT",
        OwnContribution = "OWN_CONTRIBUTION",
        NationalCoFinancing = "NATIONAL_CO_FINANCING",
        Other = "OTHER",
    }
);

text_enum!(
    /// What an outcome record describes.
    OutcomeKind {
        WorkPackage = "WORK_PACKAGE",
        Deliverable = "DELIVERABLE",
        Activity = "ACTIVITY",
        Indicator = "INDICATOR",
    }
);

text_enum!(
    /// What sort of gathering an event is.
    EventKind {
        PartnerMeeting = "PARTNER_MEETING",
        TrainingCycle = "TRAINING_CYCLE",
        TrainingSession = "TRAINING_SESSION",
        Seminar = "SEMINAR",
        Conference = "CONFERENCE",
        Pilot = "PILOT",
        DisseminationEvent = "DISSEMINATION_EVENT",
    }
);

/// The kinds of record that localized texts and source links attach to. The stored name is the
/// GraphQL type name, which is also the prefix of a record's global ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    SourceDocument,
    Place,
    Organisation,
    Funder,
    Programme,
    Project,
    Participation,
    FundingLine,
    Outcome,
    Event,
    Contact,
}

impl RecordType {
    /// Every record type, for parsing.
    pub const ALL: [RecordType; 11] = [
        Self::SourceDocument,
        Self::Place,
        Self::Organisation,
        Self::Funder,
        Self::Programme,
        Self::Project,
        Self::Participation,
        Self::FundingLine,
        Self::Outcome,
        Self::Event,
        Self::Contact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SourceDocument => "SourceDocument",
            Self::Place => "Place",
            Self::Organisation => "Organisation",
            Self::Funder => "Funder",
            Self::Programme => "Programme",
            Self::Project => "Project",
            Self::Participation => "Participation",
            Self::FundingLine => "FundingLine",
            Self::Outcome => "Outcome",
            Self::Event => "Event",
            Self::Contact => "Contact",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}
