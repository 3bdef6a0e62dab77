//! Deadlines raced on the injected [`Sleep`], as smithy-rs does in
//! `aws-smithy-runtime/src/client/timeout.rs`, so tests on a virtual clock control them.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use crate::BoxFuture;
use crate::time::Sleep;

/// The deadline passed before the future finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Elapsed;

/// Runs `fut`, or gives up with [`Elapsed`] once `limit` has passed on `sleep`.
///
/// The timer is only created when `fut` does not finish on its first poll, so an answer that
/// is already there pays nothing for its deadline. `fut` is taken pinned (build it inside
/// `std::pin::pin!`): taken by value, a large future would be stored twice in this one's
/// state (as the argument and as the pinned local).
pub(crate) async fn within<F: Future>(
    sleep: &dyn Sleep,
    limit: Option<Duration>,
    mut fut: Pin<&mut F>,
) -> Result<F::Output, Elapsed> {
    let Some(limit) = limit else {
        return Ok(fut.await);
    };
    let mut timer: Option<BoxFuture<'static, ()>> = None;
    poll_fn(|cx| {
        if let Poll::Ready(output) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let timer = timer.get_or_insert_with(|| sleep.deadline(limit));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
