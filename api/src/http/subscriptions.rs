//! GraphQL over WebSocket at `/graphql`, with the `graphql-transport-ws` protocol, for
//! subscriptions. The caller sends the same credentials as over HTTP, as `X-API-Key` or
//! `Authorization` in the `connection_init` payload (browsers cannot set headers on a
//! WebSocket); credentials that are refused close the socket with 4403. Each operation passes
//! the same document, shape and cost policies as an HTTP request, and mutations are refused:
//! they go over POST.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use async_graphql::futures_util::stream::BoxStream;
use async_graphql::http::{WebSocketProtocols, WsMessage};
use async_graphql::{Data, Executor, Request as GraphQLRequest, Response};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use futures_util::{SinkExt, StreamExt};

use super::AppState;
use super::client::{API_KEY_HEADER, Caller, Unidentified};
use super::graphql::{caller_of, peer_of};
use super::response::{MediaType, request_error};
use crate::error::{code, request_error as graphql_error};
use crate::store::loaders::{Batches, Loaders};

/// The one WebSocket subprotocol served.
pub const PROTOCOL: &str = "graphql-transport-ws";

/// Largest message a client may send (documents are held to `MAX_DOCUMENT_BYTES` besides).
const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// Most operations one connection may run at once.
const MAX_OPERATIONS_PER_CONNECTION: usize = 100;

/// graphql-transport-ws: the credentials in `connection_init` were refused.
const CLOSE_FORBIDDEN: u16 = 4403;
/// RFC 6455: the server cannot serve the connection now (the credentials could not be checked).
const CLOSE_TRY_AGAIN: u16 = 1013;
/// What async-graphql closes with when `connection_init` fails, whatever the reason.
const CLOSE_INIT_FAILED: u16 = 1002;
/// The close code of a connection that sent no `connection_init` in time.
const CLOSE_INIT_TIMEOUT: u16 = 4408;
/// How long a new connection has to send `connection_init` (the graphql-ws client's default
/// wait), so a socket that never introduces itself does not hold a connection open.
const CONNECTION_INIT_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// True when `headers` ask to upgrade the connection to a WebSocket.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Upgrades `request` to a WebSocket speaking [`PROTOCOL`]; a client that does not offer it
/// gets 400 and a message naming it.
pub async fn upgrade(state: AppState, request: Request) -> axum::response::Response {
    let offered = request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == PROTOCOL);
    if !offered {
        return request_error(
            StatusCode::BAD_REQUEST,
            MediaType::Json,
            code::BAD_REQUEST,
            &format!("WebSocket clients must offer the `{PROTOCOL}` subprotocol"),
        );
    }
    let peer = peer_of(&request);
    let (mut parts, _) = request.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    // Only the proxy's view of the client's address is taken from the upgrade request.
    let mut forwarded = HeaderMap::new();
    if let Some(value) = parts.headers.get("x-forwarded-for") {
        forwarded.insert("x-forwarded-for", value.clone());
    }
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| serve(state, socket, forwarded, peer))
}

/// Serves one connection until either side closes it.
async fn serve(state: AppState, socket: WebSocket, forwarded: HeaderMap, peer: Option<SocketAddr>) {
    let caller = Arc::new(OnceLock::new());
    let close_code = Arc::new(AtomicU16::new(CLOSE_INIT_FAILED));
    let executor = SocketExecutor {
        state: state.clone(),
        caller: caller.clone(),
        running: Arc::default(),
    };
    let on_init = {
        let close_code = close_code.clone();
        let caller = caller.clone();
        move |payload: serde_json::Value| async move {
            let refusal = |code: u16, reason: String| {
                close_code.store(code, Ordering::Relaxed);
                async_graphql::Error::new(reason)
            };
            let headers = credentials(&payload, forwarded)
                .map_err(|reason| refusal(CLOSE_FORBIDDEN, reason))?;
            match caller_of(&state, headers, peer).await {
                Ok(known) => {
                    let _ = caller.set(known);
                    Ok(Data::default())
                }
                Err(Unidentified::Refused { reason, .. }) => Err(refusal(CLOSE_FORBIDDEN, reason)),
                Err(Unidentified::Unavailable) => Err(refusal(
                    CLOSE_TRY_AGAIN,
                    "the credentials cannot be checked now; try again".to_owned(),
                )),
            }
        }
    };
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|message| std::future::ready(message.is_ok()))
        .filter_map(|message| {
            std::future::ready(match message {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            })
        });
    let mut output =
        async_graphql::http::WebSocket::new(executor, input, WebSocketProtocols::GraphQLWS)
            .on_connection_init(on_init)
            .map(|message| match message {
                WsMessage::Text(text) => Message::Text(text.into()),
                WsMessage::Close(code, reason) => {
                    let code = if code == CLOSE_INIT_FAILED {
                        close_code.load(Ordering::Relaxed)
                    } else {
                        code
                    };
                    Message::Close(Some(CloseFrame {
                        code,
                        reason: reason.into(),
                    }))
                }
            });
    let init_deadline = tokio::time::sleep(CONNECTION_INIT_WAIT);
    tokio::pin!(init_deadline);
    loop {
        tokio::select! {
            message = output.next() => {
                let Some(message) = message else { break };
                if sink.send(message).await.is_err() {
                    break;
                }
            }
            () = &mut init_deadline, if caller.get().is_none() => {
                let timeout = Message::Close(Some(CloseFrame {
                    code: CLOSE_INIT_TIMEOUT,
                    reason: "Connection initialisation timeout".into(),
                }));
                let _ = sink.send(timeout).await;
                break;
            }
        }
    }
}

/// The credential headers a `connection_init` payload carries (`X-API-Key` or
/// `Authorization`, in any case), beside the forwarded address.
fn credentials(payload: &serde_json::Value, mut headers: HeaderMap) -> Result<HeaderMap, String> {
    let fields = match payload {
        serde_json::Value::Null => return Ok(headers),
        serde_json::Value::Object(fields) => fields,
        _ => return Err("the connection_init payload must be an object".to_owned()),
    };
    for (name, value) in fields {
        let header = if name.eq_ignore_ascii_case(API_KEY_HEADER) {
            HeaderName::from_static(API_KEY_HEADER)
        } else if name.eq_ignore_ascii_case(header::AUTHORIZATION.as_str()) {
            header::AUTHORIZATION
        } else {
            continue;
        };
        let value = value
            .as_str()
            .and_then(|v| HeaderValue::from_str(v).ok())
            .ok_or_else(|| format!("`{name}` in the connection_init payload must be a string"))?;
        headers.insert(header, value);
    }
    Ok(headers)
}

/// Runs the operations of one connection for the caller `connection_init` identified.
#[derive(Clone)]
struct SocketExecutor {
    state: AppState,
    caller: Arc<OnceLock<Caller>>,
    /// Operations running on this connection.
    running: Arc<AtomicUsize>,
}

/// Counts an operation as running until its stream is dropped.
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Executor for SocketExecutor {
    async fn execute(&self, request: GraphQLRequest) -> Response {
        self.execute_stream(request, None)
            .next()
            .await
            .unwrap_or_default()
    }

    fn execute_stream(
        &self,
        request: GraphQLRequest,
        session: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let refuse = |code: &str, message: &str| {
            let error = graphql_error(code, message);
            futures_util::stream::once(std::future::ready(Response::from_errors(vec![error])))
                .boxed()
        };
        let Some(caller) = self.caller.get().cloned() else {
            return refuse(code::UNAUTHENTICATED, "send connection_init first");
        };
        if self.running.fetch_add(1, Ordering::Relaxed) >= MAX_OPERATIONS_PER_CONNECTION {
            self.running.fetch_sub(1, Ordering::Relaxed);
            return refuse(
                code::BAD_REQUEST,
                &format!(
                    "a connection runs at most {MAX_OPERATIONS_PER_CONNECTION} operations at once"
                ),
            );
        }
        let running = Running(self.running.clone());
        let state = self.state.clone();
        let batches = Batches::default();
        let request = request
            .data(Loaders::new(&state.db, &batches, state.loader_delay))
            .data(caller.principal.clone());
        let session = session.unwrap_or_default();
        futures_util::stream::once(async move {
            let answers = state
                .api
                .execute_stream(request, &caller.client, session, batches)
                .await;
            answers.map(move |answer| {
                let _running = &running;
                answer
            })
        })
        .flatten()
        .boxed()
    }
}
