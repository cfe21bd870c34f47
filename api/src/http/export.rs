//! `GET /export`: the bulk export as a stream of NDJSON lines (gzip when the client accepts
//! it), for the same callers and with the same personal-data rules as the GraphQL API.
//! `?since=<change cursor>` exports only what changed after that cursor.

use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, header};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;

use super::AppState;
use super::graphql::{caller_of, peer_of, unidentified};
use super::response::{MediaType, refused};
use crate::error::ApiError;
use crate::service::export::{self, LineSink};
use crate::store::changes::{self, FeedPosition};

/// Bytes gathered before they are sent as one chunk.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks in flight between the reader of the database and the client: the export never holds
/// more than this much however slow the client is.
const CHUNKS_IN_FLIGHT: usize = 4;

/// The query string of `/export`.
#[derive(Debug, Deserialize)]
pub struct ExportParams {
    /// A change-feed cursor: only records changed after it.
    since: Option<String>,
}

/// Lines gathered into chunks and handed to the response body.
struct ChunkSink {
    chunk: Vec<u8>,
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    /// The client went away (the response body was dropped).
    gone: bool,
}

impl ChunkSink {
    async fn flush(&mut self) -> Result<(), ()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.chunk));
        let sent = self.sender.send(Ok(chunk)).await;
        self.gone = sent.is_err();
        sent.map_err(drop)
    }
}

impl LineSink for ChunkSink {
    async fn line(&mut self, line: Value) -> Result<(), ()> {
        serde_json::to_writer(&mut self.chunk, &line).map_err(|_| ())?;
        self.chunk.push(b'\n');
        if self.chunk.len() >= CHUNK_BYTES {
            self.flush().await?;
        }
        Ok(())
    }
}

pub async fn export(
    State(state): State<AppState>,
    Query(params): Query<ExportParams>,
    request: Request,
) -> axum::response::Response {
    let peer = peer_of(&request);
    let caller = match caller_of(&state, request.headers().clone(), peer).await {
        Ok(caller) => caller,
        Err(why) => return unidentified(MediaType::Json, why),
    };
    if caller.principal.role().is_none() {
        return refused(&ApiError::Forbidden("exporting needs an API key or token"));
    }
    let since = match params
        .since
        .as_deref()
        .map(FeedPosition::decode)
        .transpose()
    {
        Ok(since) => since,
        Err(error) => return refused(&error),
    };
    // An expired cursor is told before the stream starts, while a status can still say so.
    if let Some(since) = since
        && let Err(error) = changes::ensure_kept(&state.db, since).await
    {
        return refused(&error);
    }
    let (sender, mut receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let db = state.db.clone();
    tokio::spawn(async move {
        let mut sink = ChunkSink {
            chunk: Vec::with_capacity(CHUNK_BYTES + 4096),
            sender,
            gone: false,
        };
        match export::export(&db, &caller.principal, since, &mut sink).await {
            Ok(records) => {
                let _ = sink.flush().await;
                tracing::info!(records, "exported");
            }
            Err(_) if sink.gone => tracing::info!("the client left before the export ended"),
            Err(error) => {
                // The status is sent already: the stream ends with an error, so the client
                // sees a broken transfer, never a short file that looks whole.
                tracing::warn!(code = error.code(), "the export stopped");
                let _ = sink
                    .sender
                    .send(Err(std::io::Error::other("the export stopped")))
                    .await;
            }
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    let mut response = axum::response::Response::new(Body::from_stream(stream));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    response
}
