//! Test doubles (feature `test-util`): a recording [`MockTransport`], [`VirtualTime`] and a
//! [`Script`] of canned answers for an `httpmock` server.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use std::sync::Arc;
//! use fintra_core::{Client, Operation, RequestOptions};
//! use fintra_core::test_util::{MockTransport, VirtualTime};
//!
//! let mock = Arc::new(MockTransport::new());
//! mock.push_json(200, r#"{"ok":true}"#);
//! let time = Arc::new(VirtualTime::default());
//! let client = Client::builder()
//!     .base_url("https://api.test")
//!     .transport(mock.clone())
//!     .clock(time.clone())
//!     .sleep(time.clone())
//!     .build()
//!     .unwrap();
//! let v: serde_json::Value = client
//!     .send_json(Operation::get("Ping", "/ping"), &RequestOptions::new())
//!     .await
//!     .unwrap();
//! assert_eq!(v["ok"], true);
//! assert_eq!(mock.requests()[0].uri(), "https://api.test/ping");
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use std::sync::Arc;

use crate::BoxFuture;
use crate::client::{Client, ClientBuilder};
use crate::error::{TransportError, TransportErrorKind};
use crate::retry::{Jitter, RetryPolicy};
use crate::time::{Clock, Sleep};
use crate::transport::Transport;

enum Reply {
    Response(http::Response<Bytes>),
    Error(TransportErrorKind),
    Pending,
}

/// A transport that replays canned answers in order and records every request it gets.
/// When it runs out of answers it fails with a transport error.
#[derive(Default)]
pub struct MockTransport {
    replies: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<http::Request<Bytes>>>,
}

impl std::fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockTransport")
            .field("pending", &lock(&self.replies).len())
            .field("received", &lock(&self.requests).len())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MockTransport {
    /// An empty mock.
    pub fn new() -> Self {
        Self::default()
    }
    /// Queues a response.
    pub fn push_response(&self, response: http::Response<Bytes>) -> &Self {
        lock(&self.replies).push_back(Reply::Response(response));
        self
    }
    /// Queues a JSON response with `status`.
    pub fn push_json(&self, status: u16, body: &str) -> &Self {
        let response = http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Bytes::copy_from_slice(body.as_bytes()))
            .expect("valid canned response");
        self.push_response(response)
    }
    /// Queues a transport failure.
    pub fn push_error(&self, kind: TransportErrorKind) -> &Self {
        lock(&self.replies).push_back(Reply::Error(kind));
        self
    }
    /// Queues an answer that never comes (the request hangs until a deadline ends it).
    pub fn push_pending(&self) -> &Self {
        lock(&self.replies).push_back(Reply::Pending);
        self
    }
    /// Every request received so far, as sent (signed, with final headers).
    pub fn requests(&self) -> Vec<http::Request<Bytes>> {
        lock(&self.requests)
            .iter()
            .map(|r| {
                let mut c = http::Request::new(r.body().clone());
                *c.method_mut() = r.method().clone();
                *c.uri_mut() = r.uri().clone();
                *c.headers_mut() = r.headers().clone();
                c
            })
            .collect()
    }
    /// How many requests were received.
    pub fn hits(&self) -> usize {
        lock(&self.requests).len()
    }
}

impl Transport for MockTransport {
    fn send(
        &self,
        request: http::Request<Bytes>,
        max_response_bytes: usize,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        lock(&self.requests).push(request);
        let reply = lock(&self.replies).pop_front();
        let result = match reply {
            Some(Reply::Response(r)) if r.body().len() > max_response_bytes => Err(
                TransportError::new(TransportErrorKind::BodyTooLarge, "canned body too large"),
            ),
            Some(Reply::Response(r)) => Ok(r),
            Some(Reply::Error(kind)) => Err(TransportError::new(kind, "canned transport failure")),
            Some(Reply::Pending) => return Box::pin(std::future::pending()),
            None => Err(TransportError::new(
                TransportErrorKind::Other,
                "MockTransport has no canned answer left",
            )),
        };
        Box::pin(std::future::ready(result))
    }
}

/// A virtual clock that only moves when something sleeps on it (or [`VirtualTime::advance`]).
///
/// Use it as both the client's clock and sleeper: backoff and `Retry-After` waits complete
/// at once, advance the clock, and are recorded in [`VirtualTime::sleeps`]. Deadlines
/// ([`Sleep::deadline`]) do not move the clock: they pass when the clock reaches them, moved
/// by a sleep or by [`VirtualTime::advance`] from the test (or, as a backstop, once as much
/// real time has passed).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::time::Duration;
/// use fintra_core::time::Sleep;
/// use fintra_core::test_util::VirtualTime;
///
/// let time = VirtualTime::default();
/// let deadline = time.deadline(Duration::from_secs(30));
/// time.advance(Duration::from_secs(30));
/// deadline.await; // passed, without waiting 30 s
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct VirtualTime {
    state: Arc<Mutex<TimeState>>,
}

#[derive(Debug)]
struct TimeState {
    now: SystemTime,
    sleeps: Vec<Duration>,
    /// Tasks waiting on a deadline, woken whenever the clock moves.
    waiting: Vec<std::task::Waker>,
}

impl Default for VirtualTime {
    /// Starts at 2024-05-08T00:00:00Z.
    fn default() -> Self {
        Self::starting_at(UNIX_EPOCH + Duration::from_secs(1_715_126_400))
    }
}

impl VirtualTime {
    /// A virtual clock starting at `start`.
    pub fn starting_at(start: SystemTime) -> Self {
        VirtualTime {
            state: Arc::new(Mutex::new(TimeState {
                now: start,
                sleeps: Vec::new(),
                waiting: Vec::new(),
            })),
        }
    }
    /// Moves the clock forward and wakes the deadlines it reaches; past the last
    /// representable time it stays put (never panics).
    pub fn advance(&self, by: Duration) {
        let waiting = {
            let mut state = lock(&self.state);
            if let Some(later) = state.now.checked_add(by) {
                state.now = later;
            }
            std::mem::take(&mut state.waiting)
        };
        waiting.into_iter().for_each(std::task::Waker::wake);
    }
    /// Every sleep requested so far (deadlines are not sleeps).
    pub fn sleeps(&self) -> Vec<Duration> {
        lock(&self.state).sleeps.clone()
    }
}

impl Clock for VirtualTime {
    fn now(&self) -> SystemTime {
        lock(&self.state).now
    }
}

impl Sleep for VirtualTime {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        lock(&self.state).sleeps.push(duration);
        self.advance(duration);
        Box::pin(tokio::task::yield_now())
    }

    /// Passes when the virtual clock reaches it, or at the latest when as much real time
    /// has passed (so a test against a real slow server still ends on its deadline, and a
    /// test that forgets to advance the clock does not hang).
    fn deadline(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let state = self.state.clone();
        let at = crate::time::saturating_add(lock(&state).now, duration);
        let mut real = Box::pin(tokio::time::sleep(duration));
        Box::pin(std::future::poll_fn(move |cx| {
            let mut state = lock(&state);
            if state.now >= at || real.as_mut().poll(cx).is_ready() {
                std::task::Poll::Ready(())
            } else {
                state.waiting.push(cx.waker().clone());
                std::task::Poll::Pending
            }
        }))
    }
}

/// A deterministic retry policy for tests: 3 attempts, waiting 100 ms then 200 ms (no jitter).
pub fn deterministic_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(100))
        .with_jitter(Jitter::None)
}

/// A client builder for tests: `base_url`, [`deterministic_retry`], and `time` as both clock
/// and sleeper, so retries complete at once and their waits are recorded.
pub fn virtual_builder(base_url: impl Into<String>, time: &Arc<VirtualTime>) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .retry(deterministic_retry())
        .clock(time.clone())
        .sleep(time.clone())
}

/// A `tracing` subscriber that writes every span name, span field and event field to a
/// string, so a test can prove that no secret reaches logs.
///
/// Install it with `tracing::subscriber::set_default(logs.clone())` for the test's thread.
/// When other tests of the same binary run on other threads, also keep a second
/// [`tracing::Dispatch`] alive (e.g. of `tracing::subscriber::NoSubscriber`): with a single
/// registered dispatcher, tracing caches a callsite first hit on another thread as
/// uninteresting, and this subscriber would miss it.
#[derive(Debug, Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<String>>);

impl CapturedLogs {
    /// Everything recorded so far.
    pub fn text(&self) -> String {
        lock(&self.0).clone()
    }
}

struct Visitor<'a>(&'a mut String);

impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        let _ = write!(self.0, "{}={} ", field.name(), value);
    }

    fn record_error(
        &mut self,
        field: &tracing::field::Field,
        value: &(dyn std::error::Error + 'static),
    ) {
        let _ = write!(self.0, "{}={} / {:?} ", field.name(), value, value);
    }
}

impl tracing::Subscriber for CapturedLogs {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut out = lock(&self.0);
        let _ = write!(out, "span {} ", span.metadata().name());
        span.record(&mut Visitor(&mut out));
        out.push('\n');
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut out = lock(&self.0);
        out.push_str("record ");
        values.record(&mut Visitor(&mut out));
        out.push('\n');
    }

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut out = lock(&self.0);
        let _ = write!(
            out,
            "event {} {} ",
            event.metadata().level(),
            event.metadata().target()
        );
        event.record(&mut Visitor(&mut out));
        out.push('\n');
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

/// Extra response headers of a [`Script`] reply.
pub type ScriptHeaders = Vec<(&'static str, &'static str)>;

/// One canned answer of a [`Script`]: status, extra headers and body (always sent with
/// `content-type: application/json`).
#[derive(Debug, Clone)]
pub struct ScriptReply {
    status: u16,
    headers: ScriptHeaders,
    body: String,
}

impl From<(u16, &str)> for ScriptReply {
    fn from((status, body): (u16, &str)) -> Self {
        ScriptReply {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }
}

impl From<&(u16, &str)> for ScriptReply {
    fn from(&(status, body): &(u16, &str)) -> Self {
        (status, body).into()
    }
}

impl From<(u16, ScriptHeaders, &str)> for ScriptReply {
    fn from((status, headers, body): (u16, ScriptHeaders, &str)) -> Self {
        ScriptReply {
            status,
            headers,
            body: body.to_owned(),
        }
    }
}

/// Replies to an `httpmock` server's requests with canned answers in order, and records every
/// request (599 `script exhausted` once the answers run out).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use fintra_core::test_util::Script;
/// use httpmock::MockServer;
///
/// let server = MockServer::start_async().await;
/// let script = Script::new([(503, "{}"), (200, r#"{"ok":true}"#)]);
/// let s = script.clone();
/// server
///     .mock_async(move |when, then| {
///         when.path("/ping");
///         then.respond_with(move |req| s.respond(req));
///     })
///     .await;
/// // fintra's builder installs the rustls provider (plain `reqwest::get` would not).
/// let http = fintra_core::reqwest_client_builder().build().unwrap();
/// let first = http.get(server.url("/ping")).send().await.unwrap();
/// assert_eq!(first.status(), 503);
/// assert_eq!(script.seen().len(), 1);
/// # }
/// ```
#[derive(Debug, Default)]
pub struct Script {
    replies: Mutex<VecDeque<ScriptReply>>,
    seen: Mutex<Vec<httpmock::HttpMockRequest>>,
}

impl Script {
    /// A script answering with `replies` in order: `(status, body)` or
    /// `(status, headers, body)` tuples.
    pub fn new<R: Into<ScriptReply>>(replies: impl IntoIterator<Item = R>) -> Arc<Self> {
        Arc::new(Script {
            replies: Mutex::new(replies.into_iter().map(Into::into).collect()),
            seen: Mutex::default(),
        })
    }

    /// Records `req` and answers with the next reply.
    pub fn respond(&self, req: &httpmock::HttpMockRequest) -> httpmock::HttpMockResponse {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(req.clone());
        let reply = self
            .replies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
            .unwrap_or_else(|| (599, "script exhausted").into());
        let mut response = httpmock::HttpMockResponse::builder()
            .status(reply.status)
            .header("content-type", "application/json");
        for (name, value) in reply.headers {
            response = response.header(name, value);
        }
        response.body(reply.body).build()
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<httpmock::HttpMockRequest> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
