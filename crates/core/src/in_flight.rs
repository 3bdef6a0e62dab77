//! The per-client in-flight limit: at most `max` attempts on the wire at once; further
//! attempts queue (first come, first served) instead of failing.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Semaphore, SemaphorePermit};

/// A client's in-flight limit.
pub(crate) struct InFlight {
    slots: Semaphore,
    /// Attempts waiting for a slot right now.
    queued: AtomicUsize,
}

/// One attempt's place on the wire; dropping it frees the slot for the next queued attempt.
pub(crate) struct Slot<'a> {
    _permit: Option<SemaphorePermit<'a>>,
}

/// Counts an attempt as queued while it waits (also when its future is dropped mid-wait).
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl InFlight {
    pub(crate) fn new(max: usize) -> Self {
        InFlight {
            slots: Semaphore::new(max.max(1)),
            queued: AtomicUsize::new(0),
        }
    }

    /// Waits for a slot (immediately when one is free).
    pub(crate) async fn acquire(&self) -> Slot<'_> {
        if let Ok(permit) = self.slots.try_acquire() {
            return Slot {
                _permit: Some(permit),
            };
        }
        self.queued.fetch_add(1, Ordering::Relaxed);
        let _queued = Queued(&self.queued);
        // The semaphore is never closed, so this cannot fail.
        Slot {
            _permit: self.slots.acquire().await.ok(),
        }
    }

    /// Whether any attempt is waiting for a slot.
    pub(crate) fn has_queue(&self) -> bool {
        self.queued.load(Ordering::Relaxed) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_queue_forms_only_when_every_slot_is_taken() {
        let limit = InFlight::new(2);
        let a = limit.acquire().await;
        let _b = limit.acquire().await;
        assert!(!limit.has_queue(), "two slots, two attempts: nobody waits");
        let mut third = Box::pin(limit.acquire());
        assert!(futures_poll_once(third.as_mut()).is_none());
        assert!(limit.has_queue(), "the third attempt waits");
        drop(a);
        assert!(futures_poll_once(third.as_mut()).is_some());
        assert!(!limit.has_queue(), "it got the freed slot");
        drop(third);
    }

    #[tokio::test]
    async fn a_dropped_waiter_leaves_the_queue() {
        let limit = InFlight::new(1);
        let _a = limit.acquire().await;
        let mut waiter = Box::pin(limit.acquire());
        assert!(futures_poll_once(waiter.as_mut()).is_none());
        assert!(limit.has_queue());
        drop(waiter);
        assert!(!limit.has_queue());
    }

    fn futures_poll_once<F: std::future::Future>(fut: std::pin::Pin<&mut F>) -> Option<F::Output> {
        let waker = std::task::Waker::noop();
        match fut.poll(&mut std::task::Context::from_waker(waker)) {
            std::task::Poll::Ready(v) => Some(v),
            std::task::Poll::Pending => None,
        }
    }
}
