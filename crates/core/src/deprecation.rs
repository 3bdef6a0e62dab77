//! Deprecation notices a provider attaches to its answers: the `Deprecation` header
//! (RFC 9745) and the `Sunset` header (RFC 8594).
//!
//! Any answer carrying either is readable through [`crate::Response::deprecation`] and
//! [`crate::Error::deprecation`], and logs one `tracing` warning per operation per client.

use http::{HeaderMap, HeaderName};

const DEPRECATION: HeaderName = HeaderName::from_static("deprecation");
const SUNSET: HeaderName = HeaderName::from_static("sunset");

/// The longest header value kept (a longer one is cut).
const MAX_VALUE: usize = 256;

/// A provider's notice that an operation is deprecated or will stop working.
///
/// ```
/// use http::{HeaderMap, HeaderValue};
/// use fintra_core::Deprecation;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("deprecation", HeaderValue::from_static("@1688169599"));
/// headers.insert("sunset", HeaderValue::from_static("Wed, 11 Nov 2026 23:59:59 GMT"));
/// let notice = Deprecation::from_headers(&headers).unwrap();
/// assert_eq!(notice.deprecation(), Some("@1688169599"));
/// assert_eq!(notice.sunset(), Some("Wed, 11 Nov 2026 23:59:59 GMT"));
/// assert!(Deprecation::from_headers(&HeaderMap::new()).is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    deprecation: Option<String>,
    sunset: Option<String>,
}

impl Deprecation {
    /// Reads the `Deprecation` and `Sunset` headers; `None` when neither is present.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let read = |name: &HeaderName| {
            let value = headers.get(name)?;
            let text = String::from_utf8_lossy(value.as_bytes());
            Some(text.chars().take(MAX_VALUE).collect::<String>())
        };
        let deprecation = read(&DEPRECATION);
        let sunset = read(&SUNSET);
        (deprecation.is_some() || sunset.is_some()).then_some(Deprecation {
            deprecation,
            sunset,
        })
    }

    /// Whether `name` is one of the two headers this reads.
    pub(crate) fn is_notice_header(name: &HeaderName) -> bool {
        name == DEPRECATION || name == SUNSET
    }

    /// The `Deprecation` header as sent: `@<unix seconds>` since RFC 9745, `true` in older
    /// drafts.
    pub fn deprecation(&self) -> Option<&str> {
        self.deprecation.as_deref()
    }

    /// The `Sunset` header as sent: the HTTP-date after which the operation may stop working.
    pub fn sunset(&self) -> Option<&str> {
        self.sunset.as_deref()
    }
}
