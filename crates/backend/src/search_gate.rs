//! A bulkhead for search. A popular search costs milliseconds of a core where a feed page
//! costs a fraction of one, so a few clients searching at once could take every core and
//! every store connection from everyone else. Searches run a few at a time (by default half
//! the cores); the others wait their turn, for at most as long as a statement may run, and
//! are then told the service is busy.

use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::{ApiError, ApiResult};

#[derive(Debug)]
pub struct SearchGate {
    turns: Semaphore,
    longest_wait: Duration,
}

impl SearchGate {
    /// `at_once` searches may run together (at least one); a search waits for its turn for
    /// up to `longest_wait`.
    pub fn new(at_once: usize, longest_wait: Duration) -> Self {
        SearchGate {
            turns: Semaphore::new(at_once.clamp(1, Semaphore::MAX_PERMITS)),
            longest_wait,
        }
    }

    /// How many searches run together when the settings do not say: half the cores.
    pub fn default_at_once() -> usize {
        std::thread::available_parallelism().map_or(1, |cores| (cores.get() / 2).max(1))
    }

    /// Waits for a turn to search, held until the permit is dropped.
    pub async fn enter(&self) -> ApiResult<SemaphorePermit<'_>> {
        match tokio::time::timeout(self.longest_wait, self.turns.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; a timeout is the only way here.
            _ => Err(ApiError::Rejected {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "search_busy",
                message: "Too many searches at once; try again in a moment.".to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_search_waits_for_a_turn_then_is_told_the_service_is_busy() {
        let gate = SearchGate::new(1, Duration::from_millis(50));
        let first = gate.enter().await.expect("the first search runs at once");
        let refused = gate.enter().await.expect_err("no turn is free");
        assert!(
            matches!(refused, ApiError::Rejected { status, code: "search_busy", .. }
                if status == StatusCode::SERVICE_UNAVAILABLE)
        );
        drop(first);
        assert!(gate.enter().await.is_ok(), "a turn is free again");
    }

    #[tokio::test]
    async fn searches_run_as_many_at_once_as_allowed() {
        let gate = SearchGate::new(2, Duration::from_millis(50));
        let _first = gate.enter().await.unwrap();
        let _second = gate.enter().await.expect("two may run together");
        assert!(gate.enter().await.is_err(), "a third waits");
    }

    #[tokio::test]
    async fn a_waiting_search_runs_when_a_turn_frees_up() {
        let gate = std::sync::Arc::new(SearchGate::new(1, Duration::from_secs(5)));
        let first = gate.enter().await.unwrap();
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter().await.map(drop).is_ok() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(first);
        assert!(waiting.await.unwrap(), "the waiting search got its turn");
    }
}
