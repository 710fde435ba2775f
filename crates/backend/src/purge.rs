//! Deletes expired cruds in the background. Reads already hide them the moment they expire;
//! purging is about not keeping what users were promised would be forgotten.

use std::sync::Arc;
use std::time::Duration;

use cruddur_store::Store;

use crate::clock::Clock;
use crate::read_cache::Reads;

/// Purges every `every`, and forgets the cached pages after a purge that deleted anything:
/// they never show an expired crud while the clock runs forward, but may after it steps back.
pub fn spawn(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    reads: Arc<Reads>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match store.purge_expired(clock.now()).await {
                Ok(0) => {}
                Ok(purged) => {
                    reads.invalidate();
                    tracing::info!(purged, "purged expired cruds");
                }
                Err(error) => tracing::warn!(?error, "purging expired cruds failed; will retry"),
            }
        }
    })
}
