//! Path parameters: percent-encoding one segment, and the check every operation path passes
//! before anything is sent.
//!
//! A path parameter that is empty, `.` or `..` would change the route once a URL parser
//! removes dot segments (`/apps/../expire-all` becomes `/expire-all`) or collapses the
//! parameter (`/configurations/` lists instead of fetching). Such a value cannot be encoded
//! safely, so [`encode_path_segment`] writes a reserved marker for it, and the client rejects
//! any path holding that marker, a dot segment (also percent-encoded: `%2e`), an empty inner
//! segment, a `?`, `#` or `\` with [`InvalidRequest`] before sending.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::error::InvalidRequest;

/// Characters left as they are in a path segment: RFC 3986 unreserved.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What [`PathSegment`] writes for a value that must never reach a path. Percent-encoding
/// never produces `{`, so no real value can look like it.
const REJECTED: &str = "{rejected-path-parameter}";

/// One percent-encoded path parameter; see [`encode_path_segment`].
#[derive(Debug, Clone, Copy)]
pub struct PathSegment<'a>(&'a str);

impl PathSegment<'_> {
    /// Whether the value can be used as a path segment (it is not empty, `.` or `..`).
    ///
    /// ```
    /// use fintra_core::encode_path_segment;
    /// assert!(encode_path_segment("app_1").is_valid());
    /// assert!(!encode_path_segment("..").is_valid());
    /// ```
    pub fn is_valid(&self) -> bool {
        !matches!(self.0, "" | "." | "..")
    }
}

impl fmt::Display for PathSegment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.is_valid() {
            f.write_str(REJECTED)
        } else if self.0.bytes().all(|b| UNRESERVED[usize::from(b)]) {
            // Ids are usually unreserved already: written as they are, in one piece.
            f.write_str(self.0)
        } else {
            fmt::Display::fmt(&utf8_percent_encode(self.0, SEGMENT), f)
        }
    }
}

/// The bytes [`SEGMENT`] leaves as they are (RFC 3986 unreserved), as a table.
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

/// Percent-encodes one path parameter so it cannot add segments or a query.
///
/// An empty, `.` or `..` value cannot be made safe: it is written as a reserved marker and
/// the client fails the call with [`crate::Error::InvalidRequest`] without sending anything.
///
/// ```
/// assert_eq!(fintra_core::encode_path_segment("a/b c?d").to_string(), "a%2Fb%20c%3Fd");
/// assert_eq!(fintra_core::encode_path_segment("app_1srOrx2ZWZBpBUvZwXKQmoEYga2").to_string(),
///            "app_1srOrx2ZWZBpBUvZwXKQmoEYga2");
/// ```
pub fn encode_path_segment(segment: &str) -> PathSegment<'_> {
    PathSegment(segment)
}

/// Checks an operation's encoded path: it starts with `/`, holds no rejected parameter, no
/// dot segment (plain or percent-encoded), no empty segment except a trailing slash, and no
/// `?`, `#` or `\`.
pub(crate) fn check_path(operation: &str, path: &str) -> Result<(), InvalidRequest> {
    let fail = |reason: String| Err(InvalidRequest::new("path", reason));
    let Some(rest) = path.strip_prefix('/') else {
        return fail(format!(
            "operation {operation}: the path does not start with `/`"
        ));
    };
    // One pass over the bytes (this runs on every call): `?`, `#` and `\` anywhere (ASCII,
    // so a byte match is a char match), and at each segment's end whether it is a rejected
    // parameter, a dot segment or empty.
    let mut forbidden = None;
    let mut bad_segment = None;
    let mut start = 0;
    let mut brace = false;
    for (end, &b) in rest.as_bytes().iter().enumerate() {
        // Most bytes are plain: one table lookup each.
        if !SPECIAL[usize::from(b)] {
            continue;
        }
        match b {
            b'/' => {
                if bad_segment.is_none() {
                    bad_segment = segment_fault(&rest[start..end], brace, false);
                }
                start = end + 1;
                brace = false;
            }
            b'{' => brace = true,
            _ => {
                forbidden.get_or_insert(b);
            }
        }
    }
    if bad_segment.is_none() {
        bad_segment = segment_fault(&rest[start..], brace, true);
    }
    if let Some(c) = forbidden {
        return fail(format!(
            "operation {operation}: the path holds `{}`; encode path parameters with \
             fintra_core::encode_path_segment and pass query parameters with Operation::query",
            char::from(c)
        ));
    }
    match bad_segment {
        Some(Fault::Rejected) => fail(format!(
            "operation {operation}: a path parameter is empty, `.` or `..`, which would \
             change the route; nothing was sent (pass the real id)"
        )),
        Some(Fault::Empty) => fail(format!(
            "operation {operation}: the path has an empty segment (`//`), which would \
             change the route; nothing was sent (a path parameter is probably empty)"
        )),
        None => Ok(()),
    }
}

/// The bytes [`check_path`] looks at: `/`, `{`, and the forbidden `?`, `#` and `\`.
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'/' as usize] = true;
    table[b'{' as usize] = true;
    table[b'?' as usize] = true;
    table[b'#' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// What is wrong with a path segment.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// A rejected parameter or a dot segment.
    Rejected,
    /// Empty, and not the last segment.
    Empty,
}

/// What is wrong with one segment of a path, if anything (`brace`: it holds a `{`).
fn segment_fault(segment: &str, brace: bool, last: bool) -> Option<Fault> {
    if (brace && segment.contains(REJECTED))
        || (matches!(segment.as_bytes().first(), Some(b'.' | b'%')) && is_dot_segment(segment))
    {
        Some(Fault::Rejected)
    } else if segment.is_empty() && !last {
        Some(Fault::Empty)
    } else {
        None
    }
}

/// `.` or `..`, also percent-encoded (`%2e`, `.%2E`...), as URL parsers recognise them.
fn is_dot_segment(segment: &str) -> bool {
    if segment.len() > 6 {
        return false;
    }
    matches!(
        &*percent_decode_str(segment).collect::<Vec<u8>>(),
        b"." | b".."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_and_empty_values_are_rejected() {
        for bad in ["", ".", ".."] {
            let path = format!("/apps/{}/expire-all/", encode_path_segment(bad));
            assert!(check_path("Op", &path).is_err(), "{bad:?}");
        }
        for good in ["...", ".a", "a.", "%2e", "a b"] {
            let path = format!("/apps/{}/expire-all/", encode_path_segment(good));
            assert!(check_path("Op", &path).is_ok(), "{good:?} -> {path}");
        }
    }

    #[test]
    fn raw_paths_are_checked_too() {
        for bad in [
            "/a/../b",
            "/a/./b",
            "/a/%2e%2E/b",
            "/a/.%2e",
            "/a//b",
            "/a?b=c",
            "/a#b",
            "/a\\b",
            "a/b",
        ] {
            assert!(check_path("Op", bad).is_err(), "{bad}");
        }
        for good in ["/", "/a/b/", "/a/b", "/a/%252e%252e/b"] {
            assert!(check_path("Op", good).is_ok(), "{good}");
        }
    }

    #[test]
    fn each_fault_gets_its_own_message() {
        let message = |path: &str| check_path("Op", path).unwrap_err().to_string();
        assert!(
            message("/a?b/../c").contains("holds `?`"),
            "forbidden bytes come first"
        );
        assert!(message("/a/x-{rejected-path-parameter}/b").contains("empty, `.` or `..`"));
        assert!(message("//a").contains("empty segment"));
        assert!(message("/a/..").contains("empty, `.` or `..`"));
        assert!(
            message("/a//../b").contains("empty segment"),
            "the first fault wins"
        );
    }

    /// The check as first written (split on `/`, then test each segment), as a reference.
    fn reference(path: &str) -> Result<(), String> {
        let Some(rest) = path.strip_prefix('/') else {
            return Err("start".into());
        };
        if let Some(c) = path.chars().find(|c| matches!(c, '?' | '#' | '\\')) {
            return Err(format!("holds `{c}`"));
        }
        let count = rest.split('/').count();
        for (i, segment) in rest.split('/').enumerate() {
            if segment.contains(REJECTED) || is_dot_segment(segment) {
                return Err("empty, `.` or `..`".into());
            }
            if segment.is_empty() && i + 1 != count {
                return Err("empty segment".into());
            }
        }
        Ok(())
    }

    proptest::proptest! {
        /// The one-pass check agrees with the reference on every path, in verdict and reason.
        #[test]
        fn the_one_pass_check_matches_the_reference(
            path in "/?([a./%2eE{}?#\\\\]|\\{rejected-path-parameter\\}){0,12}",
        ) {
            let ours = check_path("Op", &path).map_err(|e| e.to_string());
            match (reference(&path), ours) {
                (Ok(()), Ok(())) => {}
                (Err(reason), Err(message)) => {
                    proptest::prop_assert!(message.contains(&reason), "{path}: {message}");
                }
                (want, got) => proptest::prop_assert!(false, "{path}: {want:?} vs {got:?}"),
            }
        }
    }

    #[test]
    fn the_unreserved_table_is_what_the_encoding_leaves_alone() {
        for b in 0..=255u8 {
            let text = [b];
            let Ok(one) = std::str::from_utf8(&text) else {
                continue;
            };
            let encoded = utf8_percent_encode(one, SEGMENT).to_string();
            assert_eq!(UNRESERVED[usize::from(b)], encoded == one, "{b:#04x}");
        }
    }
}
