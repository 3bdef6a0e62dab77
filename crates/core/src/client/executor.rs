//! [`Client`]: executes [`Operation`]s with signing, retries, deadlines, an in-flight limit,
//! error mapping and tracing.

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;

use super::builder::{BaseUrl, ClientBuilder, Settings, TransportChoice};
use super::response::Response;
use crate::auth::{Rejection, SignContext};
use crate::deadline::{Elapsed, within};
use crate::deprecation::Deprecation;
use crate::echo::SentValues;
use crate::error::{ApiError, Error, TransportError, TransportErrorKind};
use crate::headers::insert;
use crate::in_flight::InFlight;
use crate::operation::{Idempotency, Operation, RequestOptions};
use crate::retry::{AttemptOutcome, ClassifyContext, RetryDecision, default_decision, never_sent};
use crate::secret::sanitize_headers;
use crate::time::{Clock, elapsed};
use crate::transport::PreparedUrl;

/// Polls `fut` inside `span`, like `tracing::Instrument`, but borrowing the pinned future
/// instead of moving it into a wrapper: the futures of a call are KiBs, and each move copies
/// them (measured by the overhead bench).
fn in_span<'a, F: Future>(
    span: &'a tracing::Span,
    mut fut: std::pin::Pin<&'a mut F>,
) -> impl Future<Output = F::Output> + 'a {
    std::future::poll_fn(move |cx| {
        let _entered = span.enter();
        fut.as_mut().poll(cx)
    })
}

struct Inner {
    base: BaseUrl,
    transport: TransportChoice,
    settings: Settings,
    in_flight: InFlight,
    /// Operations whose deprecation notice was already logged.
    deprecations_logged: std::sync::Mutex<Vec<&'static str>>,
}

/// Executes [`Operation`]s. Cheap to clone (an `Arc` inside), `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("provider", &self.inner.settings.provider)
            .field("base_url", &self.inner.base.prefix)
            .field("retry", &self.inner.settings.retry)
            .field("transport", &self.inner.transport)
            .field("signers", &self.inner.settings.signers)
            .finish_non_exhaustive()
    }
}

/// What one attempt produced.
enum Attempt {
    Success(Response),
    Failed(Error, RetryDecision),
    Replay,
}

/// An answer with a status the operation does not expect, and what the attempt kept for it.
struct Answer {
    attempt: u32,
    replayed: bool,
    parts: http::response::Parts,
    body: Bytes,
    extensions: http::Extensions,
    sent_values: Option<Box<SentValues>>,
    request_id: Option<String>,
    deprecation: Option<Deprecation>,
}

/// Logs a call's success (only called when debug events are enabled).
#[inline(never)]
fn log_success(
    op: &Operation,
    response: &Response,
    attempts: u32,
    timer: Option<std::time::Instant>,
) {
    tracing::debug!(
        operation = op.id,
        status = response.status.as_u16(),
        attempts,
        latency_ms = timer.map(|t| t.elapsed().as_secs_f64() * 1e3),
        "succeeded"
    );
}

/// Logs a replay after a credential expired.
#[cold]
#[inline(never)]
fn log_replay(op: &Operation) {
    tracing::debug!(
        operation = op.id,
        "credential expired; replaying once with a fresh one"
    );
}

impl Client {
    pub(super) fn from_parts(
        base: BaseUrl,
        transport: TransportChoice,
        settings: Settings,
        max_in_flight: usize,
    ) -> Self {
        Client {
            inner: Arc::new(Inner {
                base,
                transport,
                settings,
                in_flight: InFlight::new(max_in_flight),
                deprecations_logged: std::sync::Mutex::new(Vec::new()),
            }),
        }
    }

    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The base URL (without trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base.prefix
    }

    /// The client's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.settings.clock
    }

    /// Executes `op` and decodes a JSON answer into `T`.
    #[allow(clippy::manual_async_fn)] // see `execute`
    pub fn send_json<'a, T: DeserializeOwned>(
        &'a self,
        op: Operation,
        options: &'a RequestOptions,
    ) -> impl Future<Output = Result<T, Error>> + Send + 'a {
        // The call is built inside the block: built outside and captured, its future would be
        // stored twice (as the capture and as the awaited value), and copied at each move.
        async move { self.run(&op, options).await?.json() }
    }

    /// Executes `op` whose success answer has no body of interest (e.g. 204).
    #[allow(clippy::manual_async_fn)] // see `execute`
    pub fn send_empty<'a>(
        &'a self,
        op: Operation,
        options: &'a RequestOptions,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a {
        async move { self.run(&op, options).await.map(drop) }
    }

    /// Executes `op`: signs each attempt, retries as the policy and classification allow,
    /// and returns the success response or the error of the last attempt.
    ///
    /// (The client's methods return `impl Future` rather than being `async fn`s: an `async
    /// fn` stores its arguments twice in its future, and a call's future is copied each time
    /// it moves; see the overhead bench.)
    #[allow(clippy::manual_async_fn)]
    pub fn execute<'a>(
        &'a self,
        op: Operation,
        options: &'a RequestOptions,
    ) -> impl Future<Output = Result<Response, Error>> + Send + 'a {
        async move { self.run(&op, options).await }
    }

    /// [`Client::execute`] on a borrowed operation, so that each public entry point stores
    /// the operation once (the futures of a call are moved, and copied, as they are built).
    #[allow(clippy::manual_async_fn)]
    fn run<'a>(
        &'a self,
        op: &'a Operation,
        options: &'a RequestOptions,
    ) -> impl Future<Output = Result<Response, Error>> + Send + 'a {
        async move {
            let span = tracing::info_span!(
                "fintra.request",
                provider = self.inner.settings.provider,
                operation = op.id,
                rust_method = op.rust_method,
                method = %op.method,
                path = %op.path,
            );
            let limit = options.timeout.or(self.inner.settings.timeout);
            let rust_method = op.rust_method;
            let operation = op.id;
            let fut = pin!(self.execute_inner(op, options));
            within(
                &*self.inner.settings.sleep,
                limit,
                pin!(in_span(&span, fut)),
            )
            .await
            .unwrap_or_else(|Elapsed| {
                let err = Error::from(
                    TransportError::new(
                        TransportErrorKind::Timeout,
                        format!(
                            "the call did not finish within its {:?} deadline (set by \
                             ClientBuilder::timeout or RequestOptions::timeout)",
                            limit.unwrap_or_default()
                        ),
                    )
                    .for_operation(operation),
                )
                .with_call(rust_method, 1);
                tracing::warn!(operation, error = %err, "giving up: the call's deadline passed");
                Err(err)
            })
        }
    }

    // Not an `async fn`: its arguments would be stored twice in the future's state (once as
    // arguments, once as locals); captured by an `async move` block they are stored once.
    #[allow(clippy::manual_async_fn)]
    fn execute_inner<'a>(
        &'a self,
        op: &'a Operation,
        options: &'a RequestOptions,
    ) -> impl Future<Output = Result<Response, Error>> + Send + 'a {
        async move {
            let inner = &*self.inner;
            let policy = options.retry.as_ref().unwrap_or(&inner.settings.retry);
            // Borrowed unless the options override it: cloning a freshly made key's header
            // value would allocate (its bytes become shared on their first clone).
            let overridden = options
                .idempotency_key
                .as_ref()
                .map(|key| Idempotency::Key(key.clone()));
            let idempotency = overridden.as_ref().unwrap_or(&op.idempotency);
            let started = inner.settings.clock.now();
            // Latency is only measured when someone will read it.
            let timer = tracing::enabled!(tracing::Level::DEBUG).then(std::time::Instant::now);
            let mut attempt = 0u32;
            let mut retries = 0u32;
            let mut replayed = false;
            loop {
                attempt += 1;
                let span = tracing::debug_span!(
                    "fintra.attempt",
                    attempt,
                    status = tracing::field::Empty,
                    request_id = tracing::field::Empty,
                );
                // Scoped, so that the attempt's future does not stay in this one's state while
                // it sleeps before a retry.
                let outcome = {
                    let attempt_fut =
                        pin!(self.attempt(op, idempotency, options, attempt, replayed, &span));
                    in_span(&span, attempt_fut)
                        .await
                        .map_err(|e| e.with_call(op.rust_method, attempt))?
                };
                match outcome {
                    Attempt::Success(response) => {
                        if timer.is_some() {
                            log_success(op, &response, attempt, timer);
                        }
                        return Ok(response);
                    }
                    Attempt::Replay => {
                        replayed = true;
                        log_replay(op);
                    }
                    Attempt::Failed(err, decision) => {
                        retries += 1;
                        let delay =
                            self.retry_delay(op, policy, started, err, decision, attempt, retries)?;
                        inner.settings.sleep.sleep(delay).await;
                    }
                }
            }
        }
    }

    /// After a failed attempt: how long to wait before the next one, or the error to end the
    /// call with. Out of line and cold, like every failure path: the code a successful call
    /// runs stays small (instruction-cache misses per call, app-portal overhead bench).
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn retry_delay(
        &self,
        op: &Operation,
        policy: &crate::retry::RetryPolicy,
        started: std::time::SystemTime,
        err: Error,
        decision: RetryDecision,
        attempt: u32,
        retries: u32,
    ) -> Result<std::time::Duration, Error> {
        let give_up = |err: Error, why: &str| {
            let err = err.with_call(op.rust_method, attempt);
            tracing::warn!(operation = op.id, attempts = attempt, error = %err, "giving up: {why}");
            Err(err)
        };
        let RetryDecision::Retry { kind, after } = decision else {
            let err = err.with_call(op.rust_method, attempt);
            tracing::debug!(operation = op.id, attempts = attempt, error = %err, "failed");
            return Err(err);
        };
        if retries >= policy.max_attempts() {
            return give_up(err, "no attempts left");
        }
        let Some(delay) = policy.delay(retries, after) else {
            return give_up(
                err,
                "the server asks to wait longer than the policy's max_retry_after",
            );
        };
        if let Some(budget) = policy.max_elapsed()
            && elapsed(started, self.inner.settings.clock.now()).saturating_add(delay) > budget
        {
            return give_up(err, "the retry time budget (max_elapsed) is spent");
        }
        tracing::debug!(operation = op.id, attempt, ?kind, ?delay, error = %err, "retrying");
        Ok(delay)
    }

    /// Runs one attempt: build, sign, send, classify. (Not an `async fn`, like
    /// `execute_inner`.)
    #[allow(clippy::too_many_arguments, clippy::manual_async_fn)]
    fn attempt<'a>(
        &'a self,
        op: &'a Operation,
        idempotency: &'a Idempotency,
        options: &'a RequestOptions,
        attempt: u32,
        replayed: bool,
        span: &'a tracing::Span,
    ) -> impl Future<Output = Result<Attempt, Error>> + Send + 'a {
        async move {
            let inner = &*self.inner;
            let limit = options.attempt_timeout.or(inner.settings.attempt_timeout);
            // Built for each attempt (an invalid path fails the first one, before anything is
            // sent): cheaper than keeping a template to clone.
            let (mut request, prepared) = self.build_request(op, idempotency, options)?;
            // The request's scheme and authority are the base URL's (see `build_request`): the
            // signers only ever sign for the configured origin.
            if !inner.settings.signers.is_empty() {
                let cx = SignContext {
                    operation: op.id,
                    attempt,
                    now: inner.settings.clock.now(),
                };
                for signer in &inner.settings.signers {
                    signer.sign(&mut request, cx).await?;
                }
            }
            // What the signers attached, for their replay decision (nothing to keep without any).
            let extensions = if inner.settings.signers.is_empty() {
                http::Extensions::new()
            } else {
                request.extensions().clone()
            };
            // A sensitive attempt keeps handles on what it sends, to scrub an echo of them
            // from its error (refcounted clones; parsed only if the answer is an error).
            // (Boxed: the attempt's future stays one pointer larger, not one `SentValues`.)
            let sent_values = op
                .sensitive
                .then(|| Box::new(SentValues::capture(&request)));
            let slot = inner.in_flight.acquire().await;
            let max = inner.settings.max_response_bytes;
            // Not boxed: the reqwest send is a large future, and a heap block over 1 KiB is not
            // served by the allocator's per-thread cache; allocating and freeing one per
            // attempt contends across runtime workers (app-portal overhead bench, concurrency
            // 64). The two kinds of transport are polled through one `poll_fn` instead.
            let (via_reqwest, mut via_custom) = match &inner.transport {
                TransportChoice::Reqwest(t) => {
                    (Some(t.send_prepared(request, Some(prepared), max)), None)
                }
                TransportChoice::Custom(t) => (None, Some(t.send(request, max))),
            };
            let mut via_reqwest = pin!(via_reqwest);
            let sent = std::future::poll_fn(|cx| {
                if let Some(call) = via_reqwest.as_mut().as_pin_mut() {
                    return call.poll(cx);
                }
                match &mut via_custom {
                    Some(call) => call.as_mut().poll(cx),
                    // Not reached: exactly one of the two is set above.
                    None => std::task::Poll::Ready(Err(TransportError::new(
                        TransportErrorKind::Other,
                        "no transport call was started",
                    ))),
                }
            });
            let result = within(&*inner.settings.sleep, limit, pin!(sent))
                .await
                .unwrap_or_else(|Elapsed| {
                    Err(TransportError::new(
                        TransportErrorKind::Timeout,
                        format!(
                            "the attempt did not finish within {:?} (set by \
                             ClientBuilder::attempt_timeout or RequestOptions::attempt_timeout)",
                            limit.unwrap_or_default()
                        ),
                    ))
                });
            if inner.in_flight.has_queue() {
                // Calls are queued: let the connection this attempt used go back to the pool
                // (the HTTP library does that on another task) before the next call takes the
                // slot, so that call reuses it instead of opening a new socket.
                tokio::task::yield_now().await;
            }
            drop(slot);
            let response = match result {
                Ok(response) => response,
                Err(err) => return Ok(self.transport_failed(op, idempotency, attempt, err)),
            };
            let (parts, body) = response.into_parts();
            // Recorded once on this attempt's own span, so fields never pile up.
            span.record("status", parts.status.as_u16());
            let (request_id, deprecation) = self.request_id_and_notice(&parts.headers);
            if let Some(id) = &request_id {
                span.record("request_id", id.as_str());
            }
            if let Some(notice) = &deprecation {
                self.log_deprecation(op, notice);
            }
            if op.is_success(parts.status) {
                return Ok(Attempt::Success(Response {
                    operation: op.id,
                    rust_method: op.rust_method,
                    sensitive: op.sensitive,
                    status: parts.status,
                    headers: parts.headers,
                    body,
                    deprecation,
                }));
            }
            Ok(self.rejected(
                op,
                idempotency,
                Answer {
                    attempt,
                    replayed,
                    parts,
                    body,
                    extensions,
                    sent_values,
                    request_id,
                    deprecation,
                },
            ))
        }
    }

    /// Only a failure is classified (and reads the clock for it).
    fn classify_context<'a>(
        &self,
        op: &'a Operation,
        idempotency: &Idempotency,
        attempt: u32,
    ) -> ClassifyContext<'a> {
        ClassifyContext {
            operation: op.id,
            method: &op.method,
            replay_safe: idempotency.is_replay_safe(),
            attempt,
            now: self.inner.settings.clock.now(),
        }
    }

    /// An attempt that got no answer. (Cold and out of line: see `retry_delay`.)
    #[cold]
    #[inline(never)]
    fn transport_failed(
        &self,
        op: &Operation,
        idempotency: &Idempotency,
        attempt: u32,
        err: TransportError,
    ) -> Attempt {
        let outcome = AttemptOutcome::Transport(&err);
        let decision = self.decide(&self.classify_context(op, idempotency, attempt), outcome);
        Attempt::Failed(err.for_operation(op.id).into(), decision)
    }

    /// An attempt answered with a status the operation does not expect: a replay with a
    /// fresh credential, or an [`ApiError`] and the retry decision. (Cold and out of line:
    /// see `retry_delay`.)
    #[cold]
    #[inline(never)]
    fn rejected(&self, op: &Operation, idempotency: &Idempotency, answer: Answer) -> Attempt {
        let inner = &*self.inner;
        let Answer { parts, body, .. } = &answer;
        if !answer.replayed {
            let rejection = Rejection {
                status: parts.status,
                headers: &parts.headers,
                body,
                extensions: &answer.extensions,
            };
            if inner
                .settings
                .signers
                .iter()
                .any(|s| s.should_replay(&rejection))
            {
                return Attempt::Replay;
            }
        }
        let outcome = AttemptOutcome::Response {
            status: parts.status,
            headers: &parts.headers,
            body,
        };
        let classify = self.classify_context(op, idempotency, answer.attempt);
        let decision = self.decide(&classify, outcome);
        let details = inner
            .settings
            .error_parser
            .parse(parts.status, &parts.headers, body);
        let retry_after = crate::retry::parse_retry_after(&parts.headers, classify.now);
        let headers = sanitize_headers(&parts.headers, &inner.settings.loggable_headers);
        let mut error = ApiError {
            operation: op.id,
            status: answer.parts.status,
            code: details.code,
            message: details.message,
            request_id: answer.request_id,
            retry_after,
            headers,
            body: answer.body,
            sensitive: op.sensitive,
            rust_method: op.rust_method,
            attempts: answer.attempt,
            deprecation: answer.deprecation,
            view: details.view,
        };
        if let Some(sent) = &answer.sent_values {
            error.scrub_echoes(sent);
        }
        Attempt::Failed(error.into(), decision)
    }

    /// Logs the first deprecation notice of each operation of this client.
    fn log_deprecation(&self, op: &Operation, notice: &Deprecation) {
        let mut logged = self
            .inner
            .deprecations_logged
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if logged.contains(&op.id) {
            return;
        }
        logged.push(op.id);
        drop(logged);
        tracing::warn!(
            provider = self.inner.settings.provider,
            operation = op.id,
            rust_method = op.rust_method,
            deprecation = notice.deprecation(),
            sunset = notice.sunset(),
            "the provider marks this operation as deprecated: plan to move off it before its sunset date"
        );
    }

    fn decide(&self, cx: &ClassifyContext<'_>, outcome: AttemptOutcome<'_>) -> RetryDecision {
        let decision = self
            .inner
            .settings
            .classifiers
            .iter()
            .fold(default_decision(cx, outcome), |decision, c| {
                c.classify(cx, outcome, decision)
            });
        // Whatever a classifier says, a write that may have reached the server is not repeated.
        if !cx.replay_safe && !never_sent(outcome) {
            return RetryDecision::DoNotRetry;
        }
        decision
    }

    /// The answer's request id and deprecation notice, if it has them. Most answers have
    /// neither: one pass over their few header names settles that without a hashed lookup
    /// per header looked for.
    fn request_id_and_notice(&self, headers: &HeaderMap) -> (Option<String>, Option<Deprecation>) {
        let ids = &self.inner.settings.request_id_headers;
        let mut id_seen = false;
        let mut notice_seen = false;
        for name in headers.keys() {
            id_seen |= ids.contains(name);
            notice_seen |= Deprecation::is_notice_header(name);
        }
        let request_id = if id_seen {
            ids.iter()
                .find_map(|h| headers.get(h)?.to_str().ok().map(str::to_owned))
        } else {
            None
        };
        let notice = if notice_seen {
            Deprecation::from_headers(headers)
        } else {
            None
        };
        (request_id, notice)
    }

    fn build_request(
        &self,
        op: &Operation,
        idempotency: &Idempotency,
        options: &RequestOptions,
    ) -> Result<(http::Request<Bytes>, PreparedUrl), Error> {
        let inner = &*self.inner;
        if !op.path.starts_with('/') {
            return Err(Error::config(format!(
                "operation {} has a path that does not start with `/`",
                op.id
            )));
        }
        crate::path::check_path(op.id, &op.path)?;
        let base = &inner.base;
        let mut target = String::with_capacity(base.path.len() + op.path.len() + 16);
        target.push_str(&base.path);
        target.push_str(&op.path);
        let path_len = target.len();
        if !op.query.is_empty() {
            target.push('?');
            let mut query = url::form_urlencoded::Serializer::for_suffix(target, path_len + 1);
            for (name, value) in &op.query {
                query.append_pair(name, value.expose());
            }
            target = query.finish();
        }
        let invalid = || {
            crate::error::InvalidRequest::new("path", "does not form a valid URL with the base URL")
        };
        // The URL for the transport (see PreparedUrl) derives from the parsed base: its
        // scheme and host are not parsed again, per call or per attempt.
        let mut parsed = base.url.clone();
        parsed.set_path(&target[..path_len]);
        if target.len() > path_len {
            parsed.set_query(Some(&target[path_len + 1..]));
        }
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(base.uri_scheme.clone());
        parts.authority = Some(base.uri_authority.clone());
        parts.path_and_query = Some(
            http::uri::PathAndQuery::from_maybe_shared(Bytes::from(target))
                .map_err(|_| invalid())?,
        );
        let uri = http::Uri::from_parts(parts).map_err(|_| invalid())?;
        let mut request = http::Request::new(op.body.clone().unwrap_or_default());
        *request.method_mut() = op.method.clone();
        *request.uri_mut() = uri.clone();
        let headers = request.headers_mut();
        headers.clone_from(&inner.settings.default_headers);
        for map in [&op.headers, &options.headers] {
            for (name, value) in map {
                insert(headers, name.clone(), value.clone());
            }
        }
        if op.body.is_some() && !headers.contains_key(CONTENT_TYPE) {
            insert(
                headers,
                CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        if let Idempotency::Key(key) = idempotency {
            insert(
                headers,
                inner.settings.idempotency_header.clone(),
                key.header_value(),
            );
        }
        Ok((request, PreparedUrl { uri, url: parsed }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The URL handed to reqwest (derived from the parsed base) is exactly what parsing
        /// the request's URI would give.
        #[test]
        fn the_prepared_url_equals_a_fresh_parse(
            base in proptest::sample::select(vec![
                "https://api.example.com",
                "https://api.example.com:8443/api/v1/",
                "http://127.0.0.1:9000/x",
                "http://[::1]:8080",
            ]),
            segment in ".*",
            value in ".*",
        ) {
            let client = Client::builder().base_url(base).build().unwrap();
            let op = Operation::get("Op", format!("/a/{}/b", crate::encode_path_segment(&segment)))
                .query("q", value);
            if let Ok((request, prepared)) =
                client.build_request(&op, &Idempotency::Safe, &RequestOptions::new())
            {
                let fresh = url::Url::parse(&request.uri().to_string()).unwrap();
                proptest::prop_assert_eq!(prepared.url.as_str(), fresh.as_str());
                proptest::prop_assert_eq!(&prepared.uri, request.uri());
            }
        }
    }

    #[test]
    fn client_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Client>();
    }
}
