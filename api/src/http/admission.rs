//! Admission of GraphQL requests: at most `max_in_flight` run at once (about as many as the
//! pool has connections, so the pool is never oversubscribed); the rest wait in a bounded queue
//! up to their request timeout. When the queue is full the server sheds the request with 503
//! OVERLOADED and `Retry-After`, rather than letting every request slow down.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// The queue is full: the request is shed.
#[derive(Debug, Clone, Copy)]
pub struct Overloaded;

/// Admission control shared by every request of one server.
#[derive(Debug, Clone)]
pub struct Admission {
    permits: Arc<Semaphore>,
    max_in_flight: usize,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    /// Notified on every arrival, so the database health monitor probes when work comes.
    pub arrivals: Arc<Notify>,
}

/// Counts a waiting request until it is admitted or gives up (a dropped future included).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Admission {
    pub fn new(max_in_flight: usize, max_waiting: usize) -> Self {
        let max_in_flight = max_in_flight.max(1);
        Self {
            permits: Arc::new(Semaphore::new(max_in_flight)),
            max_in_flight,
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting,
            arrivals: Arc::new(Notify::new()),
        }
    }

    /// A place to run in: at once when one is free, after waiting in the queue otherwise, or
    /// [`Overloaded`] when the queue is full. Held until the request has been answered.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, Overloaded> {
        self.arrivals.notify_one();
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Overloaded);
        }
        let _waiting = Waiting(&self.waiting);
        self.permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Overloaded)
    }

    /// True while requests run or wait.
    pub fn is_busy(&self) -> bool {
        self.permits.available_permits() < self.max_in_flight
            || self.waiting.load(Ordering::Acquire) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_beyond_the_running_and_the_queued_are_shed() {
        let admission = Admission::new(1, 1);
        let running = admission.enter().await;
        assert!(running.is_ok());
        let queued = tokio::spawn({
            let admission = admission.clone();
            async move { admission.enter().await.is_ok() }
        });
        tokio::task::yield_now().await;
        while admission.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(admission.enter().await.is_err(), "the queue holds one");
        drop(running);
        assert!(
            queued.await.unwrap_or(false),
            "the queued request runs next"
        );
    }
}
