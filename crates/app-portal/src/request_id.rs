//! `svix-req-id` and `svix-retry-count`, as the official clients send them.
//!
//! Each call carries a random `u32` in `svix-req-id` (set once when the call is built, so
//! every retry repeats it); [`RetryCountSigner`] adds `svix-retry-count: N` to the N-th retry
//! (absent on the first attempt).

use bytes::Bytes;
use fintra_core::BoxFuture;
use fintra_core::Error;
use fintra_core::auth::{RequestSigner, SignContext};
use http::{HeaderName, HeaderValue};

/// The request id header.
pub(crate) const REQ_ID: HeaderName = HeaderName::from_static("svix-req-id");
/// The retry counter header.
pub(crate) const RETRY_COUNT: HeaderName = HeaderName::from_static("svix-retry-count");

/// A fresh request id for one call: a random `u32` in decimal.
pub(crate) fn request_id() -> HeaderValue {
    HeaderValue::from(fastrand::u32(..))
}

/// Adds `svix-retry-count` on every attempt after the first.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RetryCountSigner;

impl RequestSigner for RetryCountSigner {
    fn sign<'a>(
        &'a self,
        request: &'a mut http::Request<Bytes>,
        cx: SignContext,
    ) -> BoxFuture<'a, Result<(), Error>> {
        if cx.attempt > 1 {
            request
                .headers_mut()
                .insert(RETRY_COUNT, HeaderValue::from(cx.attempt - 1));
        }
        fintra_core::auth::signed(Ok(()))
    }
}
