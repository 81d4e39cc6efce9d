//! The threads that compute password hashes, at the lowest CPU priority.
//!
//! A password check costs tens of milliseconds of a core, on purpose. On
//! tokio's shared blocking threads a crowd signing in took a core each
//! from the pages of people already signed in (a chart fell to a fifth of
//! its rate). These threads are their own, and each lowers its own
//! scheduling priority to the least there is (nice 19) when it starts: the
//! kernel then gives them what the server's other threads and the
//! database leave over, and all of a core when nothing else wants it.
//! Their priority cannot be raised again without privileges, which is why
//! they are never shared with other work.

use crate::error::AppError;
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::{OwnedSemaphorePermit, oneshot};

/// The lowest scheduling priority a thread can have (nice 19).
const LOWEST_PRIORITY: i32 = 19;

type Job = Box<dyn FnOnce() + Send>;

/// A handle to the hashing threads; they end when the last handle is gone.
#[derive(Clone)]
pub(super) struct Hashers {
    jobs: mpsc::Sender<Job>,
}

impl Hashers {
    /// Starts `threads` hashing threads.
    pub(super) fn start(threads: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            let started = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    lower_own_priority();
                    loop {
                        // The lock is held only while taking a job.
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(mpsc::RecvError) => return,
                        }
                    }
                });
            if let Err(error) = started {
                tracing::error!(%error, "could not start a password hashing thread");
            }
        }
        Self { jobs }
    }

    /// Runs `work` on a hashing thread, holding `permit` until it is done
    /// (also when the caller stops waiting).
    pub(super) async fn run<T: Send + 'static>(
        &self,
        permit: OwnedSemaphorePermit,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let result = work();
            drop(permit);
            // The caller may have given up; the hash is then wasted, no more.
            let _ = answer.send(result);
        });
        self.jobs.send(job).map_err(|_| {
            tracing::error!("no password hashing thread is running");
            AppError::Internal
        })?;
        answered.await.map_err(|_| {
            tracing::error!("a password hash was lost (its thread ended)");
            AppError::Internal
        })
    }
}

/// Lowers the calling thread's priority (on Linux the nice value belongs
/// to the thread, not the process). Where that is refused, hashing still
/// works, at the usual priority, and the log says so.
fn lower_own_priority() {
    match rustix::process::setpriority_process(None, LOWEST_PRIORITY) {
        Ok(()) => {}
        Err(error) => {
            tracing::warn!(%error, "could not lower a password hashing thread's priority")
        }
    }
}

/// This thread's scheduling priority (nice value), for tests.
#[cfg(test)]
pub(super) fn own_priority() -> i32 {
    rustix::process::getpriority_process(None).unwrap_or(i32::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::Semaphore;

    #[tokio::test]
    async fn hashes_run_on_threads_of_the_lowest_priority() {
        let caller = own_priority();
        let hashers = Hashers::start(2);
        let permits = Arc::new(Semaphore::new(2));
        let permit = permits.clone().acquire_owned().await.expect("permit");
        let (priority, name) = hashers
            .run(permit, || {
                (
                    own_priority(),
                    std::thread::current().name().map(str::to_owned),
                )
            })
            .await
            .expect("ran");
        assert_eq!(priority, LOWEST_PRIORITY);
        assert_eq!(
            name.as_deref().map(|n| n.starts_with("password-hash-")),
            Some(true)
        );
        // The caller's own thread keeps its priority.
        assert_eq!(own_priority(), caller);
        // The permit came back once the work was done.
        assert_eq!(permits.available_permits(), 2);
    }
}
