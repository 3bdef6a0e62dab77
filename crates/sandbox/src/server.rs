//! The HTTP/1.1 servers: one accept loop per listener (the control listener and one per
//! provider), request reading with limits, routing, hit counting and fault application.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::faults::{FaultKind, Provider};
use crate::state::Shared;
use crate::stats::Route;
use crate::wire::{Match, Reply, Request, segments};
use crate::{app_portal, control, finicity, snaptrade};

/// Time allowed to receive a request's headers, and separately its body.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause after a failed `accept` (typically "too many open files"): pending connections
/// stay queued in the kernel backlog and are accepted once descriptors free up.
const ACCEPT_RETRY: Duration = Duration::from_millis(5);

/// What a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listener {
    /// `GET /` and the `/_sandbox/` control API.
    Control,
    /// One provider's API at the root of the listener.
    Provider(Provider),
}

/// The error a service returns to make hyper close the connection without a response.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the sandbox")
    }
}

impl std::error::Error for DropConnection {}

/// Accepts connections until `shutdown` flips, then stops the open ones. There is no cap
/// on concurrent connections: each is a small task, and when the process runs out of
/// descriptors the accept loop waits and the kernel queues new connections.
pub(crate) async fn serve(
    listener: TcpListener,
    kind: Listener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, kind, shared.clone(), shutdown.clone()));
                }
                Err(_) => tokio::time::sleep(ACCEPT_RETRY).await,
            },
        }
    }
    connections.shutdown().await;
}

async fn connection(
    stream: TcpStream,
    kind: Listener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |req| respond(shared.clone(), kind, req));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = shutdown.changed() => {}
    }
}

/// `Deprecation: @1781222400` (2026-06-12, RFC 9745) on SnapTrade's legacy `/api/v1` prefix
/// (`snaptrade-current.md` §2), on every response including errors.
fn deprecation(provider: Provider, path: &str, reply: Reply) -> Reply {
    if provider == Provider::SnapTrade && snaptrade::is_legacy_path(path) {
        reply.with_header(
            HeaderName::from_static("deprecation"),
            HeaderValue::from_static("@1781222400"),
        )
    } else {
        reply
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
    kind: Listener,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let provider = match kind {
        Listener::Provider(p) => Some(p),
        Listener::Control => None,
    };

    if path == "/" && parts.method == Method::GET {
        return Ok(into_response(control::index(&shared, provider)));
    }
    let Some(provider) = provider else {
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
        if req.path == "/_sandbox/webhooks" && req.method == Method::POST {
            return Ok(into_response(crate::webhooks::deliver(&shared, &req).await));
        }
        return Ok(into_response(control::handle(&shared, &req)));
    };

    let segs = segments(&path).unwrap_or_default();
    let matched = match provider {
        Provider::Finicity => finicity::classify(&parts.method, &segs),
        Provider::AppPortal => app_portal::classify(&parts.method, &segs),
        Provider::SnapTrade => snaptrade::classify(&parts.method, &segs),
    };
    let route = match matched {
        Match::Route(r) => r,
        _ => Route::Unmatched,
    };
    shared.counters().hit(route);

    let body = match read_body(body, &parts.headers, shared.settings.max_body_bytes).await {
        Ok(b) => b,
        Err(Some(status)) => {
            return Ok(into_response(deprecation(
                provider,
                &path,
                error_reply(Some(provider), &path, status),
            )));
        }
        Err(None) => return Err(DropConnection),
    };

    let fault = shared.faults().take(provider, &path);
    if let Some(kind) = fault {
        shared.counters().faults_injected += 1;
        match kind {
            FaultKind::Status(code) => {
                let status =
                    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Ok(into_response(deprecation(
                    provider,
                    &path,
                    error_reply(Some(provider), &path, status),
                )));
            }
            FaultKind::TooManyRequests { retry_after_secs } => {
                let reply = error_reply(Some(provider), &path, StatusCode::TOO_MANY_REQUESTS)
                    .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                return Ok(into_response(deprecation(provider, &path, reply)));
            }
            FaultKind::Delay(d) => tokio::time::sleep(d).await,
            FaultKind::DropConnection => return Err(DropConnection),
        }
    }

    let route = match matched {
        Match::Route(r) => r,
        Match::NotFound => {
            let reply = error_reply(Some(provider), &path, StatusCode::NOT_FOUND);
            return Ok(into_response(deprecation(provider, &path, reply)));
        }
        Match::MethodNotAllowed(allow) => {
            let reply = error_reply(Some(provider), &path, StatusCode::METHOD_NOT_ALLOWED)
                .with_header(header::ALLOW, HeaderValue::from_static(allow));
            return Ok(into_response(deprecation(provider, &path, reply)));
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
        match provider {
            Provider::Finicity => (
                finicity::handle(&shared, &mut state.finicity, route, &segs, &req),
                false,
            ),
            Provider::AppPortal => {
                app_portal::handle(&shared, &mut state.app_portal, route, &segs, &req)
            }
            Provider::SnapTrade => (
                snaptrade::handle(&shared, &mut state.snaptrade, route, &req),
                false,
            ),
        }
    };
    if replayed {
        shared.counters().idempotent_replays += 1;
    }
    Ok(into_response(deprecation(provider, &req.path, reply)))
}
