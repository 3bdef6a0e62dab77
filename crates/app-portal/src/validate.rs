//! Client-side checks of path parameters and body fields against the spec's constraints,
//! so that a request the server would refuse (or that would reach another route) is never
//! sent. Every failure is an [`InvalidRequest`] naming the field.

use fintra_core::InvalidRequest;

/// The longest application/endpoint id or uid accepted.
const UID_MAX_LEN: usize = 256;
/// The longest stream/sink id or uid accepted.
const STREAM_ID_MAX_LEN: usize = 60;
/// The longest session id accepted.
const SESSION_ID_MAX_LEN: usize = 64;

/// `.` and `..` would be removed from the URL as dot segments and change the route.
fn not_a_dot_segment(field: &'static str, value: &str) -> Result<(), InvalidRequest> {
    if value == "." || value == ".." {
        return Err(InvalidRequest::new(
            field,
            "may not be `.` or `..` (it would change the request's route)",
        ));
    }
    Ok(())
}

/// The bytes of `[a-zA-Z0-9\-_.]`, as a table (this check runs on every call).
static UID_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.');
        b += 1;
    }
    table
};

/// An id or uid of `^[a-zA-Z0-9\-_.]+$`, 1 to 256 characters (`app_id`, `endpoint_id`).
pub(crate) fn uid(field: &'static str, value: &str) -> Result<(), InvalidRequest> {
    if value.is_empty() || value.len() > UID_MAX_LEN {
        return Err(InvalidRequest::new(
            field,
            format!("must be 1 to {UID_MAX_LEN} characters long"),
        ));
    }
    if !value.bytes().all(|b| UID_BYTES[usize::from(b)]) {
        return Err(InvalidRequest::new(
            field,
            "may only contain ASCII letters, digits, `-`, `_` and `.`",
        ));
    }
    not_a_dot_segment(field, value)
}

/// A stream or sink id or uid: 1 to 60 characters, no pattern (`stream_id`, `sink_id`).
pub(crate) fn stream_id(field: &'static str, value: &str) -> Result<(), InvalidRequest> {
    let len = value.chars().count();
    if len == 0 || len > STREAM_ID_MAX_LEN {
        return Err(InvalidRequest::new(
            field,
            format!("must be 1 to {STREAM_ID_MAX_LEN} characters long"),
        ));
    }
    not_a_dot_segment(field, value)
}

/// A session id: `^[a-zA-Z0-9@_-]+$`, 1 to 64 characters.
pub(crate) fn session_id(field: &'static str, value: &str) -> Result<(), InvalidRequest> {
    if value.is_empty()
        || value.len() > SESSION_ID_MAX_LEN
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'@' | b'_' | b'-'))
    {
        return Err(InvalidRequest::new(
            field,
            format!(
                "each session id must be 1 to {SESSION_ID_MAX_LEN} ASCII letters, digits, `@`, \
                 `_` or `-`"
            ),
        ));
    }
    Ok(())
}

/// The most feature flags a portal token may carry.
const MAX_FEATURE_FLAGS: usize = 25;

/// A `featureFlags` set, if set: at least `min` (0 or 1) and at most 25 flags, each
/// `^[a-zA-Z0-9\-_.]+$` and at most 256 characters.
pub(crate) fn feature_flags(
    flags: Option<&std::collections::BTreeSet<String>>,
    min: usize,
) -> Result<(), InvalidRequest> {
    let Some(flags) = flags else { return Ok(()) };
    if flags.len() < min || flags.len() > MAX_FEATURE_FLAGS {
        return Err(InvalidRequest::new(
            "featureFlags",
            format!("must hold {min} to {MAX_FEATURE_FLAGS} flags (leave it unset for none)"),
        ));
    }
    flags.iter().try_for_each(|flag| uid("featureFlags", flag))
}

/// An integer within `min..=max`, if set.
pub(crate) fn range<T: PartialOrd + std::fmt::Display + Copy>(
    field: &'static str,
    value: Option<T>,
    min: T,
    max: T,
) -> Result<(), InvalidRequest> {
    match value {
        Some(v) if v < min || v > max => Err(InvalidRequest::new(
            field,
            format!("must be between {min} and {max} (got {v})"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_and_lengths_are_refused() {
        for bad in [".", "..", "", "a/b", "é"] {
            assert_eq!(uid("endpoint_id", bad).unwrap_err().field(), "endpoint_id");
        }
        assert!(uid("app_id", "a.b").is_ok());
        for bad in [".", "..", ""] {
            assert!(stream_id("stream_id", bad).is_err());
        }
        assert!(stream_id("sink_id", &"é".repeat(60)).is_ok());
        assert!(stream_id("sink_id", &"a".repeat(61)).is_err());
        assert!(stream_id("stream_id", "strm 1/x").is_ok());
        assert!(session_id("sessionId", "user_1FB8@x-y").is_ok());
        assert!(session_id("sessionId", "a.b").is_err());
        assert!(session_id("sessionId", &"a".repeat(65)).is_err());
        assert!(range("expiry", Some(3599u64), 3600, 604_800).is_err());
        assert!(range("expiry", Some(3600u64), 3600, 604_800).is_ok());
        assert!(range::<u64>("expiry", None, 3600, 604_800).is_ok());
    }
}
