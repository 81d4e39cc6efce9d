//! How many requests are served at once.
//!
//! On a small machine the pages, PostgreSQL and the password hasher share
//! the same cores. Letting every request in at once shares the CPU among
//! all of them, so each takes as long as the slowest mix allows and the
//! tail stretches (p99 three to four times the median under load). A fair
//! line in front of the work, with a few requests served at a time, gives
//! the same throughput with waits that are short and alike: first come,
//! first served.
//!
//! A request in the line holds nothing but its socket; one that is served
//! holds a slot until it answers, except while it waits for a password
//! hash: the hasher steps aside ([`step_aside`]) so that a burst of
//! sign-ins, each waiting its turn at the hasher, never fills the slots
//! signed-in people's pages need.

use std::{cell::RefCell, future::Future, sync::Arc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

tokio::task_local! {
    static SLOT: RefCell<Option<OwnedSemaphorePermit>>;
}

/// The places requests are served in, and the line in front of them.
#[derive(Debug, Clone)]
pub struct Slots {
    /// `None`: everyone at once.
    slots: Option<Arc<Semaphore>>,
}

impl Slots {
    /// `at_once` requests served at a time; 0 lets everyone in at once.
    pub fn new(at_once: usize) -> Self {
        Self {
            slots: (at_once > 0).then(|| Arc::new(Semaphore::new(at_once))),
        }
    }

    /// Runs `request` once a slot is free (tokio's semaphore is fair: in
    /// the order they came), holding the slot until it is done or steps
    /// aside.
    pub async fn serve<F: Future>(&self, request: F) -> F::Output {
        let Some(slots) = &self.slots else {
            return request.await;
        };
        // Closed never happens (the semaphore is never closed); should it,
        // the request is served rather than refused.
        let slot = slots.clone().acquire_owned().await.ok();
        SLOT.scope(RefCell::new(slot), request).await
    }

    /// Slots free now (for tests).
    pub fn free(&self) -> Option<usize> {
        self.slots.as_ref().map(|slots| slots.available_permits())
    }
}

/// Gives the current request's slot to the next in line, for the rest of
/// the request: called before waiting on something that is not this
/// request's own work (a password hash). Does nothing outside a served
/// request.
pub fn step_aside() {
    let _ = SLOT.try_with(|slot| slot.borrow_mut().take());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn requests_are_served_a_few_at_a_time_and_a_hash_gives_its_slot_away() {
        let slots = Slots::new(1);
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let (finish_tx, finish_rx) = tokio::sync::oneshot::channel::<()>();
        let first = tokio::spawn({
            let slots = slots.clone();
            async move {
                slots
                    .serve(async move {
                        let _ = started_tx.send(());
                        let _ = finish_rx.await;
                    })
                    .await;
            }
        });
        started_rx.await.expect("the first is served");
        assert_eq!(slots.free(), Some(0));
        // The second waits while the first holds the only slot.
        let second = tokio::spawn({
            let slots = slots.clone();
            async move { slots.serve(async { "served" }).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!second.is_finished(), "the second waits its turn");
        let _ = finish_tx.send(());
        first.await.expect("first");
        assert_eq!(second.await.expect("second"), "served");
        assert_eq!(slots.free(), Some(1));

        // One that steps aside (to wait for a hash) lets the next in.
        let (resume_tx, resume_rx) = tokio::sync::oneshot::channel::<()>();
        let waiting = tokio::spawn({
            let slots = slots.clone();
            async move {
                slots
                    .serve(async move {
                        step_aside();
                        let _ = resume_rx.await;
                    })
                    .await;
            }
        });
        let next = slots.serve(async { "served" });
        assert_eq!(
            tokio::time::timeout(Duration::from_secs(5), next).await,
            Ok("served")
        );
        let _ = resume_tx.send(());
        waiting.await.expect("waiting");
        assert_eq!(slots.free(), Some(1));
    }

    #[tokio::test]
    async fn without_a_limit_everyone_is_served_and_stepping_aside_is_harmless() {
        let slots = Slots::new(0);
        assert_eq!(slots.free(), None);
        assert_eq!(slots.serve(async { 7 }).await, 7);
        step_aside();
    }
}
