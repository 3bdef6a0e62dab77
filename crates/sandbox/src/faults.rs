//! Fault injection: what a test can ask the sandbox to do to the next matching requests.

use std::collections::VecDeque;
use std::time::Duration;

use serde::Deserialize;

/// One of the faked providers; each has its own loopback listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Provider {
    /// Finicity (authentication and Connect Components); tag `/finicity`.
    Finicity,
    /// The Svix app portal; tag `/svix`.
    AppPortal,
    /// SnapTrade; tag `/snaptrade`.
    SnapTrade,
}

impl Provider {
    /// Every provider, in listing order.
    pub const ALL: [Provider; 3] = [Provider::Finicity, Provider::AppPortal, Provider::SnapTrade];

    /// The provider's tag, usable as the start of a [`FaultTarget::PathPrefix`]
    /// (`/finicity/aggregation/...`). Each provider is served at the root of its own
    /// listener; the tag only names it.
    pub fn prefix(self) -> &'static str {
        match self {
            Provider::Finicity => "/finicity",
            Provider::AppPortal => "/svix",
            Provider::SnapTrade => "/snaptrade",
        }
    }

    /// The provider's name in the control API and `--json` output.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Finicity => "finicity",
            Provider::AppPortal => "app-portal",
            Provider::SnapTrade => "snaptrade",
        }
    }
}

/// Which requests a [`Fault`] applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultTarget {
    /// Every provider request.
    Any,
    /// Every request to one provider.
    Provider(Provider),
    /// Requests whose path starts with this prefix, either as received
    /// (`/aggregation/v2/partners/authentication`) or behind the provider's
    /// [`Provider::prefix`] tag (`/finicity/aggregation/v2/partners/authentication`). Any
    /// method.
    PathPrefix(String),
}

impl FaultTarget {
    fn matches(&self, provider: Provider, path: &str) -> bool {
        match self {
            FaultTarget::Any => true,
            FaultTarget::Provider(p) => *p == provider,
            FaultTarget::PathPrefix(prefix) => {
                path.starts_with(prefix.as_str())
                    || prefix
                        .strip_prefix(provider.prefix())
                        .is_some_and(|rest| rest.is_empty() || path.starts_with(rest))
            }
        }
    }
}

impl From<Provider> for FaultTarget {
    fn from(p: Provider) -> Self {
        FaultTarget::Provider(p)
    }
}

impl From<&str> for FaultTarget {
    /// A path prefix.
    fn from(prefix: &str) -> Self {
        FaultTarget::PathPrefix(prefix.to_owned())
    }
}

impl From<String> for FaultTarget {
    /// A path prefix.
    fn from(prefix: String) -> Self {
        FaultTarget::PathPrefix(prefix)
    }
}

/// What happens to a request hit by a [`Fault`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer with this status (invalid codes become 500) and the provider's error body
    /// shape, without running the operation.
    Status(u16),
    /// Answer `429 Too Many Requests` with `Retry-After: <secs>` and the provider's error
    /// body shape, without running the operation.
    TooManyRequests {
        /// Value of the `Retry-After` header, in seconds.
        retry_after_secs: u64,
    },
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Read the request, then close the TCP connection without sending any response. The
    /// operation is not run.
    DropConnection,
}

/// A fault applied to the next `times` requests matching `target`.
///
/// Faults are kept in injection order; each request takes the first matching fault with
/// uses left. A fault is applied after the request body is read and before the operation
/// runs; the request still counts as a hit of its route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Which requests are affected.
    pub target: FaultTarget,
    /// What happens to them.
    pub kind: FaultKind,
    /// How many matching requests are affected (default 1; 0 means the fault is ignored).
    pub times: u32,
}

impl Fault {
    /// A fault for the next single request matching `target`.
    pub fn new(target: impl Into<FaultTarget>, kind: FaultKind) -> Self {
        Self {
            target: target.into(),
            kind,
            times: 1,
        }
    }

    /// Applies the fault to the next `n` matching requests instead of one.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }

    /// Parses the JSON accepted by `POST /_sandbox/faults`:
    /// `{"target": "finicity" | "app-portal" | "svix" | "snaptrade" | "any" | "/path/prefix",
    ///   "kind": "status" | "too_many_requests" | "delay" | "drop_connection",
    ///   "status": 503, "retry_after_secs": 2, "delay_ms": 1500, "times": 1}`.
    pub(crate) fn from_json(body: &[u8]) -> Result<Fault, String> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Spec {
            #[serde(default)]
            target: Option<String>,
            kind: String,
            #[serde(default)]
            status: Option<u16>,
            #[serde(default)]
            retry_after_secs: Option<u64>,
            #[serde(default)]
            delay_ms: Option<u64>,
            #[serde(default)]
            times: Option<u32>,
        }
        let spec: Spec = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        let target = match spec.target.as_deref().unwrap_or("any") {
            "any" => FaultTarget::Any,
            "finicity" => FaultTarget::Provider(Provider::Finicity),
            "app-portal" | "app_portal" | "svix" => FaultTarget::Provider(Provider::AppPortal),
            "snaptrade" => FaultTarget::Provider(Provider::SnapTrade),
            p if p.starts_with('/') => FaultTarget::PathPrefix(p.to_owned()),
            other => {
                return Err(format!(
                    "unknown target `{other}`: use one of {TARGETS}, or a path starting with `/`"
                ));
            }
        };
        let kind = match spec.kind.as_str() {
            "status" => {
                let status = spec
                    .status
                    .ok_or("`status` is required for kind `status`")?;
                if !(100..=599).contains(&status) {
                    return Err(format!("`status` {status} is not in 100..=599"));
                }
                FaultKind::Status(status)
            }
            "too_many_requests" => FaultKind::TooManyRequests {
                retry_after_secs: spec.retry_after_secs.unwrap_or(1),
            },
            "delay" => FaultKind::Delay(Duration::from_millis(
                spec.delay_ms
                    .ok_or("`delay_ms` is required for kind `delay`")?,
            )),
            "drop_connection" => FaultKind::DropConnection,
            other => return Err(format!("unknown kind `{other}`: use one of {KINDS}")),
        };
        Ok(Fault {
            target,
            kind,
            times: spec.times.unwrap_or(1),
        })
    }
}

/// The `target` values of `POST /_sandbox/faults` besides path prefixes.
pub(crate) const TARGETS: &str = "any, finicity, app-portal (or svix), snaptrade";
/// The `kind` values of `POST /_sandbox/faults`.
pub(crate) const KINDS: &str = "status, too_many_requests, delay, drop_connection";

/// Maximum number of pending faults (older ones are dropped beyond it).
const MAX_FAULTS: usize = 1024;

/// Pending faults, in injection order.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    faults: VecDeque<Fault>,
}

impl FaultQueue {
    pub fn push(&mut self, fault: Fault) {
        if fault.times == 0 {
            return;
        }
        if self.faults.len() >= MAX_FAULTS {
            self.faults.pop_front();
        }
        self.faults.push_back(fault);
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// Takes one use of the first fault matching a request of `provider` for `path`.
    pub fn take(&mut self, provider: Provider, path: &str) -> Option<FaultKind> {
        let i = self
            .faults
            .iter()
            .position(|f| f.target.matches(provider, path))?;
        let fault = self.faults.get_mut(i)?;
        let kind = fault.kind.clone();
        fault.times -= 1;
        if fault.times == 0 {
            self.faults.remove(i);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_takes_first_match_n_times() {
        let mut q = FaultQueue::default();
        q.push(Fault::new(Provider::SnapTrade, FaultKind::Status(503)).times(2));
        q.push(Fault::new(FaultTarget::Any, FaultKind::DropConnection));
        assert_eq!(
            q.take(Provider::AppPortal, "/api/v1/auth/logout"),
            Some(FaultKind::DropConnection)
        );
        assert_eq!(
            q.take(Provider::SnapTrade, "/snapTrade/x"),
            Some(FaultKind::Status(503))
        );
        assert_eq!(q.take(Provider::Finicity, "/snapTrade/x"), None);
        assert_eq!(
            q.take(Provider::SnapTrade, "/"),
            Some(FaultKind::Status(503))
        );
        assert_eq!(q.take(Provider::SnapTrade, "/snapTrade/x"), None);
    }

    #[test]
    fn path_prefixes_match_with_or_without_the_provider_tag() {
        let mut q = FaultQueue::default();
        q.push(Fault::new("/finicity/aggregation", FaultKind::Status(503)).times(2));
        assert_eq!(q.take(Provider::AppPortal, "/aggregation/v2"), None);
        assert_eq!(q.take(Provider::Finicity, "/connect-components/x"), None);
        assert_eq!(
            q.take(
                Provider::Finicity,
                "/aggregation/v2/partners/authentication"
            ),
            Some(FaultKind::Status(503))
        );
        q.push(Fault::new("/api/v1/auth", FaultKind::Status(500)));
        assert_eq!(
            q.take(Provider::AppPortal, "/api/v1/auth/logout"),
            Some(FaultKind::Status(500))
        );
        assert_eq!(
            q.take(Provider::Finicity, "/aggregation"),
            Some(FaultKind::Status(503))
        );
    }

    #[test]
    fn parses_control_json() {
        let f = Fault::from_json(br#"{"target":"/finicity/aggregation","kind":"too_many_requests","retry_after_secs":3,"times":2}"#).unwrap();
        assert_eq!(
            f,
            Fault::new(
                "/finicity/aggregation",
                FaultKind::TooManyRequests {
                    retry_after_secs: 3
                }
            )
            .times(2)
        );
        assert!(Fault::from_json(br#"{"kind":"status"}"#).is_err());
        assert!(Fault::from_json(br#"{"kind":"status","status":42}"#).is_err());
        let err = Fault::from_json(br#"{"kind":"nope"}"#).unwrap_err();
        assert!(err.contains(KINDS), "{err}");
        let err = Fault::from_json(br#"{"kind":"delay","target":"svx"}"#).unwrap_err();
        assert!(err.contains(TARGETS), "{err}");
        assert!(Fault::from_json(b"[").is_err());
        assert_eq!(
            Fault::from_json(br#"{"kind":"delay","delay_ms":5,"target":"svix"}"#).unwrap(),
            Fault::new(
                Provider::AppPortal,
                FaultKind::Delay(Duration::from_millis(5))
            )
        );
    }
}
