//! Each request counted and timed under its route template (axum's `MatchedPath`, never the
//! raw path, so a crawler cannot mint a series per URL), method and status class.
//!
//! This runs on every request, so it is kept cheap:
//! - the series of a route template and method are found once and kept ([`RouteSeries`]): a
//!   request then costs a map lookup under a read lock, with no label set built, hashed or
//!   allocated;
//! - the layer's clones share the route they wrap ([`Tracked`]). Axum clones a route's whole
//!   stack of services (their states included) each time it calls it, and the router clones
//!   each route it calls: a layer that owned its route, as `axum::middleware::from_fn` does,
//!   would clone that stack once or twice more per request, which on the API's cheapest routes
//!   cost more than all the counting.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::Route;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tower::{Layer, Service};

/// Request durations' bucket bounds, in seconds: from the 2 ms of a cached API page to the
/// 3 s a page may wait on the API.
const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The `route` of requests no route matched (the fallback's).
const UNMATCHED: &str = "unmatched";

/// Method labels: HTTP's own, and one for any other so that methods cannot mint series either.
const METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other",
];

const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    service: &'static str,
    route: String,
    method: &'static str,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    service: &'static str,
    route: String,
    method: &'static str,
}

/// The request families every service shares, registered once per process.
#[derive(Clone, Debug)]
pub(super) struct RequestFamilies {
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

impl RequestFamilies {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status class",
            requests.clone(),
        );
        let durations: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(DURATION_BUCKETS));
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (until its head is ready), by route template and method",
            durations.clone(),
        );
        RequestFamilies {
            requests,
            durations,
        }
    }
}

/// Counts and times each request of the routes it wraps as `service`'s.
#[derive(Clone, Debug)]
pub(super) struct TrackLayer(Arc<ServiceSeries>);

impl TrackLayer {
    pub(super) fn new(
        families: RequestFamilies,
        service: &'static str,
        answered: Option<Answered>,
    ) -> Self {
        TrackLayer(Arc::new(ServiceSeries {
            families,
            service,
            routes: Default::default(),
            answered,
        }))
    }
}

/// What a service counts itself of each answer (its own families), in the same layer: a layer
/// of its own would clone the routes' services on every request again.
#[derive(Clone)]
pub(super) struct Answered(pub(super) Arc<dyn Fn(&Response) + Send + Sync>);

impl std::fmt::Debug for Answered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Answered")
    }
}

impl Layer<Route> for TrackLayer {
    type Service = Tracked;

    fn layer(&self, inner: Route) -> Tracked {
        Tracked {
            series: self.0.clone(),
            inner: Arc::new(Mutex::new(inner)),
        }
    }
}

/// A route (or the fallback) with its requests counted and timed.
#[derive(Clone, Debug)]
pub(super) struct Tracked {
    series: Arc<ServiceSeries>,
    /// Shared, so that the router's clone of this service on each request leaves the stack
    /// below alone: calling the route clones that stack once, and the lock is held only so
    /// long.
    inner: Arc<Mutex<Route>>,
}

impl Service<Request> for Tracked {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    /// A route is always ready: it readies the services it wraps in each call.
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let series = self.series.of(&request);
        let also = self.series.answered.clone();
        let answer = self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .call(request);
        Box::pin(async move {
            let Ok(response) = answer.await;
            series.record(response.status(), started.elapsed().as_secs_f64());
            if let Some(Answered(count)) = also {
                count(&response);
            }
            Ok(response)
        })
    }
}

/// One service's series, by method label (an index into [`METHODS`]) and route template.
#[derive(Debug)]
struct ServiceSeries {
    families: RequestFamilies,
    service: &'static str,
    routes: [RwLock<HashMap<Box<str>, Arc<RouteSeries>>>; METHODS.len()],
    answered: Option<Answered>,
}

impl ServiceSeries {
    /// The series `request` is counted in: found under a read lock once its route template
    /// and method have been seen, which is all but the first time.
    fn of(&self, request: &Request) -> Arc<RouteSeries> {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or(UNMATCHED, MatchedPath::as_str);
        let method = method_index(request.method());
        let routes = &self.routes[method];
        // A panic cannot leave the map half-written, so a poisoned lock's map is sound.
        if let Some(series) = routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(route)
        {
            return series.clone();
        }
        routes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(route.into())
            .or_insert_with(|| {
                Arc::new(RouteSeries {
                    families: self.families.clone(),
                    labels: RouteLabels {
                        service: self.service,
                        route: route.to_owned(),
                        method: METHODS[method],
                    },
                    durations: OnceLock::new(),
                    requests: Default::default(),
                })
            })
            .clone()
    }
}

/// The series of one route template and method. Each is taken from its family when it first
/// counts a request, so `/metrics` shows no series for a status class never answered, nor for
/// a request dropped before its answer.
#[derive(Debug)]
struct RouteSeries {
    families: RequestFamilies,
    labels: RouteLabels,
    durations: OnceLock<Histogram>,
    /// By status class, an index into [`STATUS_CLASSES`].
    requests: [OnceLock<Counter>; STATUS_CLASSES.len()],
}

impl RouteSeries {
    fn record(&self, status: StatusCode, seconds: f64) {
        let class = status_class(status);
        let labels = &self.labels;
        self.requests[class]
            .get_or_init(|| {
                self.families.requests.get_or_create_owned(&RequestLabels {
                    service: labels.service,
                    route: labels.route.clone(),
                    method: labels.method,
                    status: STATUS_CLASSES[class],
                })
            })
            .inc();
        self.durations
            .get_or_init(|| self.families.durations.get_or_create_owned(labels))
            .observe(seconds);
    }
}

/// `method`'s index in [`METHODS`].
fn method_index(method: &Method) -> usize {
    match *method {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::PATCH => 4,
        Method::DELETE => 5,
        Method::OPTIONS => 6,
        _ => 7,
    }
}

/// `status`'s index in [`STATUS_CLASSES`]; codes from 600 (which `http` accepts) count as 5xx.
fn status_class(status: StatusCode) -> usize {
    usize::from(status.as_u16() / 100).clamp(1, 5) - 1
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;
    use crate::Metrics;

    /// A router whose `/users/{name}` answers GET with 200, POST with 500 and other methods
    /// with axum's 405, and anything else with the fallback's 404.
    fn tracked(metrics: &Metrics) -> Router {
        let users = get(|| async { "a user" }).post(|| async { StatusCode::INTERNAL_SERVER_ERROR });
        metrics.track("test", Router::new().route("/users/{name}", users))
    }

    async fn send(router: &Router, method: &str, uri: &str) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        router.clone().oneshot(request).await.unwrap();
    }

    /// `name`'s samples in `metrics`, each line as label set and value.
    fn samples(metrics: &Metrics, name: &str) -> Vec<String> {
        let mut samples: Vec<String> = metrics
            .render()
            .lines()
            .filter_map(|line| line.strip_prefix(name)?.strip_prefix('{'))
            .map(|line| line.replace("service=\"test\",", ""))
            .collect();
        samples.sort();
        samples
    }

    #[tokio::test]
    async fn requests_are_counted_per_route_template_method_and_status_class() {
        let metrics = Metrics::new();
        let router = tracked(&metrics);
        for (method, uri) in [
            ("GET", "/users/ann"),
            ("GET", "/users/bob"),
            ("POST", "/users/ann"),
            ("BREW", "/users/ann"),
            ("GET", "/nowhere"),
        ] {
            send(&router, method, uri).await;
        }
        assert_eq!(
            samples(&metrics, "http_requests_total"),
            [
                r#"route="/users/{name}",method="GET",status="2xx"} 2"#,
                r#"route="/users/{name}",method="POST",status="5xx"} 1"#,
                r#"route="/users/{name}",method="other",status="4xx"} 1"#,
                r#"route="unmatched",method="GET",status="4xx"} 1"#,
            ]
        );
        assert_eq!(
            samples(&metrics, "http_request_duration_seconds_count"),
            [
                r#"route="/users/{name}",method="GET"} 2"#,
                r#"route="/users/{name}",method="POST"} 1"#,
                r#"route="/users/{name}",method="other"} 1"#,
                r#"route="unmatched",method="GET"} 1"#,
            ]
        );
        let text = metrics.render();
        let buckets = text
            .lines()
            .filter(|line| line.starts_with(r#"http_request_duration_seconds_bucket{service="test",route="unmatched",method="GET""#))
            .count();
        assert_eq!(buckets, DURATION_BUCKETS.len() + 1, "{text}");
    }

    #[tokio::test]
    async fn a_crawler_cannot_mint_a_series_per_url() {
        let metrics = Metrics::new();
        let router = tracked(&metrics);
        for number in 0..50 {
            send(&router, "GET", &format!("/users/{number}")).await;
            send(&router, "GET", &format!("/page/{number}?q={number}")).await;
            send(&router, &format!("X-{number}"), "/users/ann").await;
        }
        assert_eq!(
            samples(&metrics, "http_requests_total"),
            [
                r#"route="/users/{name}",method="GET",status="2xx"} 50"#,
                r#"route="/users/{name}",method="other",status="4xx"} 50"#,
                r#"route="unmatched",method="GET",status="4xx"} 50"#,
            ]
        );
    }

    #[test]
    fn status_classes_and_unknown_methods_are_bounded_labels() {
        let class = |code| STATUS_CLASSES[status_class(StatusCode::from_u16(code).unwrap())];
        assert_eq!(class(101), "1xx");
        assert_eq!(class(200), "2xx");
        assert_eq!(class(399), "3xx");
        assert_eq!(class(404), "4xx");
        assert_eq!(class(502), "5xx");
        assert_eq!(class(999), "5xx");
        assert_eq!(METHODS[method_index(&Method::OPTIONS)], "OPTIONS");
        assert_eq!(
            METHODS[method_index(&Method::from_bytes(b"BREW").unwrap())],
            "other"
        );
    }
}
