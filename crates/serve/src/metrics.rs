//! Prometheus metrics, served on a listener of their own (`METRICS_ADDR`) so they never share
//! a port with the public routes.
//!
//! One [`Metrics`] per process: the all-in-one's API and pages register into the same one, each
//! series labelled with its `service`. Requests are counted per route template, method and
//! status class ([`requests`]); the process's CPU seconds and resident memory are read from
//! `/proc` at each scrape.

mod requests;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::prometheus_text::{self, CONTENT_TYPE};
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

use crate::Limits;
use requests::{Answered, RequestFamilies, TrackLayer};

/// The metrics listener as a flag and environment variable, flattened into each service's.
#[derive(Debug, Clone, clap::Args)]
pub struct MetricsArgs {
    /// Address of the Prometheus metrics listener (`GET /metrics` and nothing else), e.g.
    /// `0.0.0.0:9100`. Unset: no metrics listener.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    service: &'static str,
    cache: &'static str,
    result: &'static str,
}

/// A process's metrics: its registry, and the families every service shares.
#[derive(Clone, Debug)]
pub struct Metrics(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    registry: Mutex<Registry>,
    requests: RequestFamilies,
    cache_lookups: Family<CacheLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = RequestFamilies::register(&mut registry);
        let cache_lookups = Family::<CacheLabels, Counter>::default();
        registry.register(
            "cache_lookups",
            "Lookups in a cache of pages, by cache and result (hit or miss)",
            cache_lookups.clone(),
        );
        registry.register_collector(Box::new(ProcessCollector));
        Metrics(Arc::new(Shared {
            registry: Mutex::new(registry),
            requests,
            cache_lookups,
        }))
    }

    /// The registry, for a service to register its own metrics (names not shared with the
    /// other service: the all-in-one puts both in one registry).
    pub fn registry(&self) -> MutexGuard<'_, Registry> {
        self.0
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The hit and miss counters of `service`'s cache named `cache`.
    pub fn lookups(&self, service: &'static str, cache: &'static str) -> Lookups {
        let counter = |result| {
            self.0.cache_lookups.get_or_create_owned(&CacheLabels {
                service,
                cache,
                result,
            })
        };
        Lookups {
            hits: counter("hit"),
            misses: counter("miss"),
        }
    }

    /// `router` with each request counted and timed as `service`'s. The layer goes on the
    /// router (not around it) so that it sees the matched route template.
    pub fn track(&self, service: &'static str, router: Router) -> Router {
        router.layer(TrackLayer::new(self.0.requests.clone(), service, None))
    }

    /// [`Metrics::track`], with `answered` also shown each response, for what the service
    /// counts of its answers itself.
    pub fn track_answers(
        &self,
        service: &'static str,
        router: Router,
        answered: impl Fn(&Response) + Send + Sync + 'static,
    ) -> Router {
        let answered = Some(Answered(Arc::new(answered)));
        router.layer(TrackLayer::new(self.0.requests.clone(), service, answered))
    }

    /// Everything registered, in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail; a collector that does fails only its own series.
        if let Err(error) = prometheus_text::encode(&mut text, &self.registry()) {
            tracing::warn!(%error, "encoding the metrics failed");
        }
        text
    }

    /// The metrics listener's routes: `GET /metrics`, and a 404 for anything else.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/metrics", axum::routing::get(scrape))
            .fallback(|| async { StatusCode::NOT_FOUND })
            .with_state(self.clone())
    }

    /// Serves [`Metrics::router`] on `listener` until [`MetricsServer::stop`].
    pub fn spawn(&self, listener: TcpListener, limits: Limits) -> MetricsServer {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let address = listener.local_addr().ok();
        tracing::info!(address = ?address, "metrics listening");
        let task = tokio::spawn(crate::serve(
            listener,
            self.router(),
            async move {
                let _ = stopped.await;
            },
            limits,
        ));
        MetricsServer { stop, task }
    }
}

/// A running metrics listener.
pub struct MetricsServer {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl MetricsServer {
    /// Stops accepting scrapes and waits for the ones in flight.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(error = %error, "metrics listener failed"),
            Err(error) => tracing::warn!(%error, "metrics listener panicked"),
        }
    }
}

async fn scrape(State(metrics): State<Metrics>) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], metrics.render()).into_response()
}

/// A cache's hit and miss counters (uncounted until taken from [`Metrics::lookups`]).
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    hits: Counter,
    misses: Counter,
}

impl Lookups {
    pub fn hit(&self) {
        self.hits.inc();
    }

    pub fn miss(&self) {
        self.misses.inc();
    }
}

/// A value read at each scrape: `name` with `help`, a gauge or a counter.
pub fn encode_gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: f64,
) -> Result<(), std::fmt::Error> {
    let gauge = ConstGauge::new(value);
    gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)
}

/// The process's CPU time and resident memory, the names of Prometheus's own client libraries.
#[derive(Debug)]
struct ProcessCollector;

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(usage) = ProcessUsage::read() else {
            return Ok(());
        };
        let cpu = ConstCounter::new(usage.cpu_seconds);
        cpu.encode(encoder.encode_descriptor(
            "process_cpu_seconds",
            "User and system CPU time spent, in seconds",
            None,
            cpu.metric_type(),
        )?)?;
        encode_gauge(
            &mut encoder,
            "process_resident_memory_bytes",
            "Resident memory size, in bytes",
            usage.resident_bytes,
        )
    }
}

struct ProcessUsage {
    cpu_seconds: f64,
    resident_bytes: f64,
}

impl ProcessUsage {
    /// From `/proc/self/stat` (Linux); `None` elsewhere.
    fn read() -> Option<ProcessUsage> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        ProcessUsage::parse(
            &stat,
            rustix::param::clock_ticks_per_second(),
            rustix::param::page_size(),
        )
    }

    /// The fields after the command name (which may hold spaces and parentheses): utime and
    /// stime are the 14th and 15th of the line, in clock ticks; rss the 24th, in pages.
    fn parse(stat: &str, ticks_per_second: u64, page_size: usize) -> Option<ProcessUsage> {
        let (_, after_name) = stat.rsplit_once(')')?;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let field = |number: usize| fields.get(number - 3)?.parse::<u64>().ok();
        let ticks = field(14)? + field(15)?;
        Some(ProcessUsage {
            cpu_seconds: ticks as f64 / ticks_per_second.max(1) as f64,
            resident_bytes: (field(24)? * page_size as u64) as f64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_stat_is_read_past_an_awkward_command_name() {
        let stat = "42 (a (b) c) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 8 0 \
                    1000 123456789 300 18446744073709551615";
        let usage = ProcessUsage::parse(stat, 100, 4096).unwrap();
        assert_eq!(usage.cpu_seconds, 3.0);
        assert_eq!(usage.resident_bytes, 300.0 * 4096.0);
        assert!(ProcessUsage::parse("garbage", 100, 4096).is_none());
    }

    #[test]
    fn this_process_reports_its_memory_and_cpu() {
        let text = Metrics::new().render();
        assert!(
            text.contains("# TYPE process_cpu_seconds_total counter"),
            "{text}"
        );
        let rss = text
            .lines()
            .find_map(|line| line.strip_prefix("process_resident_memory_bytes "))
            .and_then(|value| value.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no resident memory in {text}"));
        assert!(rss > 1e6, "{rss}");
    }
}
