//! The HTTP/1.1 server: accept loop, request reading with limits, routing, hit counting
//! and fault application.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::faults::{FaultKind, Provider, under_prefix};
use crate::state::Shared;
use crate::stats::Route;
use crate::wire::{Match, Reply, Request, segments};
use crate::{app_portal, control, finicity, snaptrade};

/// Connections served at once; more are closed on accept.
const MAX_CONNECTIONS: usize = 256;
/// Time allowed to receive a request's headers, and separately its body.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The error a service returns to make hyper close the connection without a response.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the sandbox")
    }
}

impl std::error::Error for DropConnection {}

/// Accepts connections until `shutdown` flips, then aborts the open ones.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                if connections.len() >= MAX_CONNECTIONS {
                    drop(stream);
                    continue;
                }
                connections.spawn(connection(stream, shared.clone(), shutdown.clone()));
            }
        }
    }
    connections.shutdown().await;
}

async fn connection(stream: TcpStream, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |req| respond(shared.clone(), req));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = shutdown.changed() => {}
    }
}

fn into_response(reply: Reply) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(reply.body));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        headers.insert(name, value);
    }
    response
}

/// The provider-shaped error for a status the sandbox chose (fault, limit, no route).
fn error_reply(provider: Option<Provider>, path: &str, status: StatusCode) -> Reply {
    match provider {
        Some(Provider::Finicity) => finicity::status_reply(path, status),
        Some(Provider::AppPortal) => app_portal::status_reply(status),
        Some(Provider::SnapTrade) => snaptrade::status_reply(status),
        None => Reply::json(
            status,
            &serde_json::json!({ "error": status.canonical_reason().unwrap_or("Error") }),
        ),
    }
}

/// Reads the body within the size and time limits; `Err(Some(status))` answers with that
/// status, `Err(None)` means the client went away.
async fn read_body(
    body: Incoming,
    headers: &http::HeaderMap,
    max: usize,
) -> Result<Bytes, Option<StatusCode>> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(Some(StatusCode::PAYLOAD_TOO_LARGE));
    }
    match tokio::time::timeout(READ_TIMEOUT, Limited::new(body, max).collect()).await {
        Err(_) => Err(Some(StatusCode::REQUEST_TIMEOUT)),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(Some(StatusCode::PAYLOAD_TOO_LARGE))
        }
        Ok(Err(_)) => Err(None),
    }
}

async fn respond(
    shared: Arc<Shared>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();

    if under_prefix(&path, "/_sandbox") {
        let body = match read_body(body, &parts.headers, shared.settings.max_body_bytes).await {
            Ok(b) => b,
            Err(Some(status)) => return Ok(into_response(error_reply(None, &path, status))),
            Err(None) => return Err(DropConnection),
        };
        let req = Request {
            method: parts.method,
            path,
            query,
            headers: parts.headers,
            body,
        };
        return Ok(into_response(control::handle(&shared, &req)));
    }

    let provider = Provider::for_path(&path);
    let segs = provider
        .and_then(|p| segments(&path[p.prefix().len()..]))
        .unwrap_or_default();
    let matched = match provider {
        Some(Provider::Finicity) => finicity::classify(&parts.method, &segs),
        Some(Provider::AppPortal) => app_portal::classify(&parts.method, &segs),
        Some(Provider::SnapTrade) => snaptrade::classify(&parts.method, &segs),
        None => Match::NotFound,
    };
    let route = match matched {
        Match::Route(r) => r,
        _ => Route::Unmatched,
    };
    shared.counters().hit(route);

    let body = match read_body(body, &parts.headers, shared.settings.max_body_bytes).await {
        Ok(b) => b,
        Err(Some(status)) => return Ok(into_response(error_reply(provider, &path, status))),
        Err(None) => return Err(DropConnection),
    };

    let fault = shared.faults().take(&path);
    if let Some(kind) = fault {
        shared.counters().faults_injected += 1;
        match kind {
            FaultKind::Status(code) => {
                let status =
                    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Ok(into_response(error_reply(provider, &path, status)));
            }
            FaultKind::TooManyRequests { retry_after_secs } => {
                let reply = error_reply(provider, &path, StatusCode::TOO_MANY_REQUESTS)
                    .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                return Ok(into_response(reply));
            }
            FaultKind::Delay(d) => tokio::time::sleep(d).await,
            FaultKind::DropConnection => return Err(DropConnection),
        }
    }

    let route = match matched {
        Match::Route(r) => r,
        Match::NotFound => {
            return Ok(into_response(error_reply(
                provider,
                &path,
                StatusCode::NOT_FOUND,
            )));
        }
        Match::MethodNotAllowed(allow) => {
            let reply = error_reply(provider, &path, StatusCode::METHOD_NOT_ALLOWED)
                .with_header(header::ALLOW, HeaderValue::from_static(allow));
            return Ok(into_response(reply));
        }
    };
    let req = Request {
        method: parts.method,
        path,
        query,
        headers: parts.headers,
        body,
    };
    let (reply, replayed) = {
        let mut state = shared.state();
        match route.provider() {
            Some(Provider::Finicity) => (
                finicity::handle(&shared, &mut state.finicity, route, &segs, &req),
                false,
            ),
            Some(Provider::AppPortal) => {
                app_portal::handle(&shared, &mut state.app_portal, route, &segs, &req)
            }
            Some(Provider::SnapTrade) => (
                snaptrade::handle(&shared, &mut state.snaptrade, route, &req),
                false,
            ),
            None => (error_reply(None, &req.path, StatusCode::NOT_FOUND), false),
        }
    };
    if replayed {
        shared.counters().idempotent_replays += 1;
    }
    Ok(into_response(reply))
}
