//! The public handle: configuration, start, URLs, faults, stats, clock and shutdown.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::credentials::Credentials;
use crate::faults::Fault;
use crate::server;
use crate::state::{Settings, Shared};
use crate::stats::Stats;

/// How to start a [`Sandbox`]. `SandboxConfig::default().start()` is [`Sandbox::start`].
#[derive(Debug, Clone)]
#[must_use]
pub struct SandboxConfig {
    port: u16,
    settings: Settings,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            port: 0,
            settings: Settings {
                token_lifetime: Duration::from_secs(2 * 3600),
                timestamp_tolerance: Duration::from_secs(300),
                max_body_bytes: 64 * 1024,
                lockout_threshold: 5,
            },
        }
    }
}

impl SandboxConfig {
    /// The defaults: a random free port, 2 h Finicity tokens, ±5 min SnapTrade timestamp
    /// tolerance, 64 KiB request bodies, lockout after 5 wrong partner secrets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Listens on `127.0.0.1:port` (0, the default, picks a free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Lifetime of Finicity access tokens (default 2 hours, as documented). Use a short one,
    /// or [`Sandbox::advance_time`], to test expiry.
    pub fn finicity_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.token_lifetime = lifetime;
        self
    }

    /// Consecutive wrong partner secrets that lock the Finicity partner (default 5, as
    /// documented; at least 1).
    pub fn finicity_lockout_threshold(mut self, attempts: u32) -> Self {
        self.settings.lockout_threshold = attempts.max(1);
        self
    }

    /// How far a SnapTrade `timestamp` may be from the sandbox clock (default 5 minutes).
    pub fn snaptrade_timestamp_tolerance(mut self, tolerance: Duration) -> Self {
        self.settings.timestamp_tolerance = tolerance;
        self
    }

    /// Largest accepted request body (default 64 KiB); larger ones get `413`.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_body_bytes = bytes;
        self
    }

    /// Binds the listener and starts serving on the current Tokio runtime.
    ///
    /// # Errors
    /// When the port cannot be bound.
    pub async fn start(self) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(self.settings, format!("http://{addr}")));
        let (shutdown, rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, shared.clone(), rx));
        Ok(Sandbox {
            addr,
            shared,
            shutdown,
            task: Some(task),
        })
    }
}

/// A running sandbox. Dropping it stops the server (as does [`Sandbox::shutdown`]).
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr).finish()
    }
}

impl Sandbox {
    /// Starts a sandbox with the default [`SandboxConfig`] on a random port.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<Sandbox> {
        SandboxConfig::default().start().await
    }

    /// The listening address (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Finicity base URL, `http://127.0.0.1:PORT/finicity` (clients append
    /// `/aggregation/v2/partners/authentication`, `/connect-components/…`).
    pub fn finicity_url(&self) -> String {
        format!("{}/finicity", self.base_url())
    }

    /// App-portal (Svix) base URL, `http://127.0.0.1:PORT/svix` (clients append
    /// `/api/v1/auth/…/`).
    pub fn app_portal_url(&self) -> String {
        format!("{}/svix", self.base_url())
    }

    /// SnapTrade base URL, `http://127.0.0.1:PORT/snaptrade/api/v1` (clients append
    /// `/snapTrade/registerUser` etc.). Signatures cover the full path, `/snaptrade/api/v1/…`.
    pub fn snaptrade_url(&self) -> String {
        format!("{}/snaptrade/api/v1", self.base_url())
    }

    /// The demo credentials the sandbox accepts.
    pub fn credentials(&self) -> Credentials {
        Credentials::DEMO
    }

    /// Queues a fault for the next [`Fault::times`] matching requests.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults().push(fault);
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// A snapshot of the hit counters.
    pub fn stats(&self) -> Stats {
        self.shared.counters().snapshot()
    }

    /// Moves the sandbox clock forward (token expiry, SnapTrade timestamp checks,
    /// idempotency retention).
    pub fn advance_time(&self, by: Duration) {
        self.shared.advance_time(by);
    }

    /// Restores the initial provider state: partner secret, lockout, tokens,
    /// configurations, app-portal tokens and idempotency records, SnapTrade users. Faults,
    /// counters and the clock are kept.
    pub fn reset(&self) {
        self.shared.reset_state();
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
