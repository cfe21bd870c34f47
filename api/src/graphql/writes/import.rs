//! Reading import lines with the create mutations' own input types, so a line's fields are
//! held to exactly the rules of the mutation that would create the record.

use async_graphql::{InputType, Pos, Value};
use entity::enums::RecordType;

use super::activity::{CreateContactInput, CreateEventInput, CreateOutcomeInput};
use super::funding::{CreateFunderInput, CreateFundingLineInput, CreateProgrammeInput};
use super::organisation::CreateOrganisationInput;
use super::participation::CreateParticipationInput;
use super::place::{CreatePlaceInput, CreateSourceDocumentInput};
use super::project::CreateProjectInput;
use crate::service::import::{AnyDraft, DraftReader};

/// Reads a line's `fields` as the input of the create mutation of its type.
pub struct InputReader;

fn parse<I: InputType>(value: Value) -> Result<I, String> {
    I::parse(Some(value)).map_err(|error| error.into_server_error(Pos::default()).message)
}

impl DraftReader for InputReader {
    fn read(&self, record: RecordType, fields: serde_json::Value) -> Result<AnyDraft, String> {
        let value = Value::from_json(fields).map_err(|e| e.to_string())?;
        Ok(match record {
            RecordType::SourceDocument => {
                AnyDraft::SourceDocument(parse::<CreateSourceDocumentInput>(value)?.into_draft())
            }
            RecordType::Place => AnyDraft::Place(parse::<CreatePlaceInput>(value)?.into_draft()),
            RecordType::Organisation => {
                AnyDraft::Organisation(parse::<CreateOrganisationInput>(value)?.into_draft())
            }
            RecordType::Funder => AnyDraft::Funder(parse::<CreateFunderInput>(value)?.into_draft()),
            RecordType::Programme => {
                AnyDraft::Programme(parse::<CreateProgrammeInput>(value)?.into_draft())
            }
            RecordType::Project => {
                AnyDraft::Project(parse::<CreateProjectInput>(value)?.into_draft())
            }
            RecordType::Participation => {
                AnyDraft::Participation(parse::<CreateParticipationInput>(value)?.into_draft())
            }
            RecordType::FundingLine => {
                AnyDraft::FundingLine(parse::<CreateFundingLineInput>(value)?.into_draft())
            }
            RecordType::Outcome => {
                AnyDraft::Outcome(parse::<CreateOutcomeInput>(value)?.into_draft())
            }
            RecordType::Event => AnyDraft::Event(parse::<CreateEventInput>(value)?.into_draft()),
            RecordType::Contact => {
                AnyDraft::Contact(parse::<CreateContactInput>(value)?.into_draft())
            }
        })
    }
}
