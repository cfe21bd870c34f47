//! `POST /import`: the bulk import of the export format (NDJSON, gzip when sent with
//! `Content-Encoding: gzip`), for editors (within their organisations) and admins. The body is
//! read line by line as it arrives, so its size is not limited the way a GraphQL request's is;
//! a line may hold up to 1 MiB. `?dryRun=true` checks every line and keeps nothing;
//! `?partial=true` keeps the good lines when some are bad. The answer is the import's report:
//! 200 when the changes were kept (or a dry run found nothing wrong), 422 with every refused
//! line's number, field and reason otherwise.

use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use tokio_util::codec::{FramedRead, LinesCodec};
use tokio_util::io::StreamReader;

use super::AppState;
use super::graphql::{caller_of, peer_of, unidentified};
use super::response::{MediaType, refused};
use crate::error::ApiError;
use crate::graphql::writes::import::InputReader;
use crate::service::import::{self, MAX_LINE_BYTES, Options};
use crate::service::{WriteRequest, authorize};

/// The query string of `/import`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportParams {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    partial: bool,
}

pub async fn import(
    State(state): State<AppState>,
    Query(params): Query<ImportParams>,
    request: Request,
) -> axum::response::Response {
    let peer = peer_of(&request);
    let caller = match caller_of(&state, request.headers().clone(), peer).await {
        Ok(caller) => caller,
        Err(why) => return unidentified(MediaType::Json, why),
    };
    let write = WriteRequest {
        request_id: request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        idempotency_key: None,
    };
    let writer = match authorize(&caller.principal, &write) {
        Ok(writer) => writer,
        Err(_) => {
            return refused(&ApiError::Forbidden(
                "importing needs an API key or token with the editor or admin role",
            ));
        }
    };
    let body = request
        .into_body()
        .into_data_stream()
        .map_err(std::io::Error::other);
    let lines = FramedRead::new(
        StreamReader::new(body),
        LinesCodec::new_with_max_length(MAX_LINE_BYTES),
    )
    .map(|line| {
        line.map_err(|error| match error {
            tokio_util::codec::LinesCodecError::MaxLineLengthExceeded => {
                format!("a line is longer than {MAX_LINE_BYTES} bytes")
            }
            tokio_util::codec::LinesCodecError::Io(error) => error.to_string(),
        })
    });
    let options = Options {
        dry_run: params.dry_run,
        partial: params.partial,
    };
    match import::import(&state.db, &writer, &InputReader, lines, options).await {
        Ok(report) => {
            let status = if report.rejected == 0 || report.committed {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (status, axum::Json(report)).into_response()
        }
        Err(error) => refused(&error),
    }
}
