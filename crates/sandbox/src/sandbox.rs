//! The public handle: configuration, start, URLs, faults, stats, clock and shutdown.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::credentials::SandboxCredentials;
use crate::faults::{Fault, Provider};
use crate::server::{self, Listener};
use crate::state::{Origins, Settings, Shared};
use crate::stats::Stats;

/// Connections the kernel may queue on each listener before the sandbox accepts them
/// (capped by the system's `net.core.somaxconn`).
const ACCEPT_BACKLOG: u32 = 16_384;

/// How to start a [`Sandbox`]. `SandboxConfig::default().start()` is [`Sandbox::start`].
#[derive(Debug, Clone)]
#[must_use]
pub struct SandboxConfig {
    port: u16,
    finicity_port: u16,
    app_portal_port: u16,
    snaptrade_port: u16,
    settings: Settings,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            port: 0,
            finicity_port: 0,
            app_portal_port: 0,
            snaptrade_port: 0,
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
    /// The defaults: free ports for every listener, 2 h Finicity tokens, ±5 min SnapTrade
    /// timestamp tolerance, 64 KiB request bodies, lockout after 5 wrong partner secrets.
    pub fn new() -> Self {
        Self::default()
    }

    /// The control listener (`GET /`, `/_sandbox/...`) listens on `127.0.0.1:port` (0, the
    /// default, picks a free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serves `provider` on `127.0.0.1:port` (0, the default, picks a free port).
    pub fn provider_port(mut self, provider: Provider, port: u16) -> Self {
        match provider {
            Provider::Finicity => self.finicity_port = port,
            Provider::AppPortal => self.app_portal_port = port,
            Provider::SnapTrade => self.snaptrade_port = port,
        }
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

    /// Binds the four listeners and starts serving on the current Tokio runtime.
    ///
    /// # Errors
    /// When a port cannot be bound; the message names the listener and the port.
    pub async fn start(self) -> std::io::Result<Sandbox> {
        let control = bind("control", self.port)?;
        let finicity = bind("finicity", self.finicity_port)?;
        let app_portal = bind("app-portal", self.app_portal_port)?;
        let snaptrade = bind("snaptrade", self.snaptrade_port)?;
        let addrs = Addrs {
            control: control.local_addr()?,
            finicity: finicity.local_addr()?,
            app_portal: app_portal.local_addr()?,
            snaptrade: snaptrade.local_addr()?,
        };
        let origins = Origins {
            control: format!("http://{}", addrs.control),
            finicity: format!("http://{}", addrs.finicity),
            app_portal: format!("http://{}", addrs.app_portal),
            snaptrade: format!("http://{}", addrs.snaptrade),
        };
        let shared = Arc::new(Shared::new(self.settings, origins));
        let (shutdown, rx) = watch::channel(false);
        let tasks = [
            (control, Listener::Control),
            (finicity, Listener::Provider(Provider::Finicity)),
            (app_portal, Listener::Provider(Provider::AppPortal)),
            (snaptrade, Listener::Provider(Provider::SnapTrade)),
        ]
        .into_iter()
        .map(|(l, kind)| tokio::spawn(server::serve(l, kind, shared.clone(), rx.clone())))
        .collect();
        Ok(Sandbox {
            addrs,
            shared,
            shutdown,
            tasks,
        })
    }
}

/// Binds `127.0.0.1:port` with a large accept backlog.
fn bind(name: &str, port: u16) -> std::io::Result<TcpListener> {
    let bind = || {
        let socket = TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
        socket.listen(ACCEPT_BACKLOG)
    };
    bind().map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot listen for {name} on 127.0.0.1:{port}: {e} (choose another port, or 0 for a free one)"),
        )
    })
}

#[derive(Debug, Clone, Copy)]
struct Addrs {
    control: SocketAddr,
    finicity: SocketAddr,
    app_portal: SocketAddr,
    snaptrade: SocketAddr,
}

/// A running sandbox. Dropping it stops the server (as does [`Sandbox::shutdown`]).
///
/// Each provider is served at the root of its own loopback listener, as its real server
/// is; a fourth, control listener answers `GET /` and the `/_sandbox/` control API.
pub struct Sandbox {
    addrs: Addrs,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("control", &self.addrs.control)
            .field("finicity", &self.addrs.finicity)
            .field("app_portal", &self.addrs.app_portal)
            .field("snaptrade", &self.addrs.snaptrade)
            .finish()
    }
}

impl Sandbox {
    /// Starts a sandbox with the default [`SandboxConfig`] on free ports.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<Sandbox> {
        SandboxConfig::default().start().await
    }

    /// The control listener's address (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addrs.control
    }

    /// The address of `provider`'s listener.
    pub fn provider_addr(&self, provider: Provider) -> SocketAddr {
        match provider {
            Provider::Finicity => self.addrs.finicity,
            Provider::AppPortal => self.addrs.app_portal,
            Provider::SnapTrade => self.addrs.snaptrade,
        }
    }

    /// The control listener's base URL, `http://127.0.0.1:PORT`: `GET /` lists the
    /// providers, `/_sandbox/...` is the control API.
    pub fn base_url(&self) -> String {
        self.shared.origins.control.clone()
    }

    /// The root of `provider`'s listener, `http://127.0.0.1:PORT` (for SnapTrade that is
    /// the current API root; [`Sandbox::snaptrade_url`] adds the legacy `/api/v1`).
    pub fn provider_url(&self, provider: Provider) -> String {
        let o = &self.shared.origins;
        match provider {
            Provider::Finicity => o.finicity.clone(),
            Provider::AppPortal => o.app_portal.clone(),
            Provider::SnapTrade => o.snaptrade.clone(),
        }
    }

    /// Finicity base URL, `http://127.0.0.1:PORT` (clients append
    /// `/aggregation/v2/partners/authentication`, `/connect-components/…`).
    pub fn finicity_url(&self) -> String {
        self.provider_url(Provider::Finicity)
    }

    /// App-portal (Svix) base URL, `http://127.0.0.1:PORT` (clients append `/api/v1/auth/…`,
    /// with or without the 2023 trailing `/`).
    pub fn app_portal_url(&self) -> String {
        self.provider_url(Provider::AppPortal)
    }

    /// SnapTrade base URL with the legacy prefix, `http://127.0.0.1:PORT/api/v1` (clients
    /// append `/snapTrade/registerUser` etc.). Requests under it get a `Deprecation`
    /// header; their signature may cover the path with or without `/api/v1`. The current
    /// API root, without `/api/v1`, is [`Sandbox::snaptrade_root_url`].
    pub fn snaptrade_url(&self) -> String {
        format!("{}/api/v1", self.shared.origins.snaptrade)
    }

    /// SnapTrade's current API root, `http://127.0.0.1:PORT` (the spec's server
    /// `https://api.snaptrade.com`; clients append `/snapTrade/...` and sign that path).
    pub fn snaptrade_root_url(&self) -> String {
        self.provider_url(Provider::SnapTrade)
    }

    /// The demo credentials the sandbox accepts.
    pub fn credentials(&self) -> SandboxCredentials {
        SandboxCredentials::DEMO
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

    /// Stops accepting, closes open connections and waits for the listener tasks.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}
