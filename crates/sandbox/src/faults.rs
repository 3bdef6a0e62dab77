//! Fault injection: what a test can ask the sandbox to do to the next matching requests.

use std::collections::VecDeque;
use std::time::Duration;

use serde::Deserialize;

/// One of the faked providers, also naming its path prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Provider {
    /// Finicity (authentication and Connect Components), under `/finicity`.
    Finicity,
    /// The Svix app portal, under `/svix`.
    AppPortal,
    /// SnapTrade, under `/snaptrade`.
    SnapTrade,
}

impl Provider {
    /// The path prefix the provider is served under (no trailing slash).
    pub fn prefix(self) -> &'static str {
        match self {
            Provider::Finicity => "/finicity",
            Provider::AppPortal => "/svix",
            Provider::SnapTrade => "/snaptrade",
        }
    }

    /// The provider serving `path`, if any.
    pub(crate) fn for_path(path: &str) -> Option<Self> {
        [Provider::Finicity, Provider::AppPortal, Provider::SnapTrade]
            .into_iter()
            .find(|p| under_prefix(path, p.prefix()))
    }
}

/// Whether `path` is `prefix` or below it (`/svix` matches `/svix/…`, not `/svixx`).
pub(crate) fn under_prefix(path: &str, prefix: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/') || prefix.ends_with('/'),
        None => false,
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
    /// Requests whose path (as received, e.g. `/finicity/aggregation/v2/partners/authentication`)
    /// starts with this prefix. Any method.
    PathPrefix(String),
}

impl FaultTarget {
    fn matches(&self, path: &str) -> bool {
        match self {
            FaultTarget::Any => true,
            FaultTarget::Provider(p) => under_prefix(path, p.prefix()),
            FaultTarget::PathPrefix(prefix) => path.starts_with(prefix.as_str()),
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
            other => return Err(format!("unknown target `{other}`")),
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
            other => return Err(format!("unknown kind `{other}`")),
        };
        Ok(Fault {
            target,
            kind,
            times: spec.times.unwrap_or(1),
        })
    }
}

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

    /// Takes one use of the first fault matching `path`.
    pub fn take(&mut self, path: &str) -> Option<FaultKind> {
        let i = self.faults.iter().position(|f| f.target.matches(path))?;
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
            q.take("/svix/api/v1/auth/logout/"),
            Some(FaultKind::DropConnection)
        );
        assert_eq!(q.take("/snaptrade/api/v1/x"), Some(FaultKind::Status(503)));
        assert_eq!(q.take("/snaptradex"), None);
        assert_eq!(q.take("/snaptrade"), Some(FaultKind::Status(503)));
        assert_eq!(q.take("/snaptrade/api/v1/x"), None);
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
        assert!(Fault::from_json(br#"{"kind":"nope"}"#).is_err());
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
