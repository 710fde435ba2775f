//! The API's own metrics, beside the request counts every service has (cruddur-serve): store
//! failures by kind, the limiters' refusals, the database's readiness and its connection pool.
//!
//! Failures and refusals are noted where the response is made ([`Noted`], set by
//! [`ApiError`](crate::error::ApiError)) and counted on the way out, so no handler needs the
//! metrics at hand.

use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use cruddur_serve::Metrics;
use cruddur_store::Store;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;

/// The `service` label of the API's series.
pub const SERVICE: &str = "backend";

/// How often the database is pinged for the readiness gauge.
pub const READINESS_EVERY: Duration = Duration::from_secs(5);
/// A ping slower than this counts as not ready.
const PING_WITHIN: Duration = Duration::from_secs(2);

/// What a response tells the metrics, left in its extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noted {
    /// A store failed: unavailable, timed out, internal.
    StoreFailure(&'static str),
    /// A limiter refused: `sign_in` or `sign_up`.
    Refused(&'static str),
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimiterLabel {
    limiter: &'static str,
}

/// The API's metrics, registered in the process's [`Metrics`].
#[derive(Debug, Clone)]
pub struct ApiMetrics {
    store_failures: Family<KindLabel, Counter>,
    refusals: Family<LimiterLabel, Counter>,
    /// 1 while the SQL store answers its ping, 0 while it does not.
    pub database_ready: Gauge,
}

impl ApiMetrics {
    pub fn register(metrics: &Metrics, store: Arc<dyn Store>) -> ApiMetrics {
        let api = ApiMetrics {
            store_failures: Family::default(),
            refusals: Family::default(),
            database_ready: Gauge::default(),
        };
        let mut registry = metrics.registry();
        registry.register(
            "store_errors",
            "Store failures answered, by kind (unavailable, timed_out, internal)",
            api.store_failures.clone(),
        );
        registry.register(
            "limiter_refusals",
            "Requests refused by a rate limiter (sign_in, sign_up)",
            api.refusals.clone(),
        );
        registry.register(
            "database_ready",
            "1 while the SQL store answers a ping (checked every 5 s and by /api/ready)",
            api.database_ready.clone(),
        );
        registry.register_collector(Box::new(PoolCollector(store)));
        api
    }

    /// Counts what `response` notes, if anything.
    pub fn count_noted(&self, response: &Response) {
        match response.extensions().get::<Noted>() {
            Some(Noted::StoreFailure(kind)) => {
                self.store_failures.get_or_create(&KindLabel { kind }).inc();
            }
            Some(Noted::Refused(limiter)) => {
                self.refusals.get_or_create(&LimiterLabel { limiter }).inc();
            }
            None => {}
        }
    }

    pub fn set_ready(&self, ready: bool) {
        self.database_ready.set(i64::from(ready));
    }

    /// Pings `store` every [`READINESS_EVERY`] and keeps the readiness gauge up to date.
    pub fn spawn_readiness(&self, store: Arc<dyn Store>) -> tokio::task::JoinHandle<()> {
        let api = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(READINESS_EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let answered = tokio::time::timeout(PING_WITHIN, store.ping()).await;
                api.set_ready(matches!(answered, Ok(Ok(()))));
            }
        })
    }
}

/// The SQL store's connection pool, read at each scrape.
struct PoolCollector(Arc<dyn Store>);

impl std::fmt::Debug for PoolCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PoolCollector")
    }
}

impl Collector for PoolCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let pool = self.0.pool();
        let gauge = cruddur_serve::encode_gauge;
        gauge(
            &mut encoder,
            "db_pool_connections_in_use",
            "SQL store connections checked out",
            f64::from(pool.open.saturating_sub(pool.idle)),
        )?;
        gauge(
            &mut encoder,
            "db_pool_connections_idle",
            "SQL store connections open and idle",
            f64::from(pool.idle),
        )?;
        gauge(
            &mut encoder,
            "db_pool_connections_max",
            "SQL store connections the pool may open",
            f64::from(pool.max),
        )?;
        gauge(
            &mut encoder,
            "db_pool_waiting",
            "Tasks waiting for an SQL store connection",
            pool.waiting as f64,
        )?;
        if let Some(waiting) = pool.writes_waiting {
            gauge(
                &mut encoder,
                "db_writes_waiting",
                "Writes queued for the SQLite store's one writer",
                waiting as f64,
            )?;
        }
        Ok(())
    }
}
