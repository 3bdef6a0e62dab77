//! Header-map writes on the call path, kept out of line.
//!
//! `HeaderMap::insert` and `append` are generic and inline about 2 KiB of code at each call
//! site; a call runs several of them (default headers, the idempotency key, each signer...).
//! Sharing one copy keeps the code a call runs small: instruction-cache misses per call were
//! most of fintra's remaining cost in the app-portal overhead bench.

use http::{HeaderMap, HeaderName, HeaderValue};

/// `map.insert(name, value)`, out of line.
#[inline(never)]
pub(crate) fn insert(map: &mut HeaderMap, name: HeaderName, value: HeaderValue) {
    map.insert(name, value);
}

/// `map.append(name, value)`, out of line.
#[inline(never)]
pub(crate) fn append(map: &mut HeaderMap, name: HeaderName, value: HeaderValue) {
    map.append(name, value);
}
