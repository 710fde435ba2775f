//! One client connection, watched: closed when it has had no request in flight for the idle
//! timeout, when the server needs its slot for a waiting client, or when the server stops —
//! each time gracefully (a request in flight finishes), then for good after a bound.

use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::{Request, service::service_fn};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpStream;
use tokio::sync::{Notify, OwnedSemaphorePermit, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::body::with_deadline;
use crate::limits::Limits;

/// Under pressure, connections quiet for this long give up their slot. Real clients send
/// their request as soon as they connect; what stays quiet is idle or an attack.
const SHED_WHEN_QUIET_FOR: Duration = Duration::from_millis(50);

/// How long an idle connection told to close gets to do so: HTTP/2 says goodbye with a ping
/// the client may never answer.
const CLOSE_WITHIN: Duration = Duration::from_secs(1);

/// What the server shares with each connection.
#[derive(Clone)]
pub(crate) struct Shared {
    pub builder: auto::Builder<TokioExecutor>,
    pub router: Router,
    pub limits: Limits,
    /// Becomes true on the stop signal.
    pub stop: watch::Receiver<bool>,
    /// Notified while a client waits for a slot: quiet connections then close.
    pub pressure: Arc<Notify>,
    /// When the server started; activity is kept as milliseconds since.
    pub epoch: Instant,
}

/// Requests in flight on a connection, and when it last had one.
struct Activity {
    epoch: Instant,
    in_flight: AtomicUsize,
    last_millis: AtomicU64,
}

impl Activity {
    fn new(epoch: Instant) -> Self {
        let activity = Activity {
            epoch,
            in_flight: AtomicUsize::new(0),
            last_millis: AtomicU64::new(0),
        };
        activity.touch();
        activity
    }

    fn touch(&self) {
        let millis = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_millis.store(millis, Ordering::Relaxed);
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }

    /// When the connection will have been idle for `idle`, if nothing starts before.
    fn idle_at(&self, idle: Duration) -> Instant {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return Instant::now() + idle;
        }
        let last = Duration::from_millis(self.last_millis.load(Ordering::Relaxed));
        self.epoch + last + idle
    }

    fn quiet_for(&self, duration: Duration) -> bool {
        self.idle_at(duration) <= Instant::now()
    }
}

/// A request in flight; dropping it marks the connection active as of now.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves one accepted connection on its own task, holding `slot` until it closes.
pub(crate) fn spawn(
    shared: &Shared,
    stream: TcpStream,
    remote: SocketAddr,
    slot: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new(shared.epoch));
    let router = shared.router.clone();
    let body_read = shared.limits.body_read;
    let tracked = activity.clone();
    let service = service_fn(move |mut request: Request<Incoming>| {
        let in_flight = tracked.begin();
        request.extensions_mut().insert(ConnectInfo(remote));
        let request = request.map(|body| with_deadline(body, body_read));
        let response = router.clone().oneshot(request);
        async move {
            let response = response.await;
            drop(in_flight);
            response
        }
    });
    let connection = shared
        .builder
        .serve_connection_with_upgrades(TokioIo::new(stream), service)
        .into_owned();
    let mut stop = shared.stop.clone();
    let pressure = shared.pressure.clone();
    let limits = shared.limits;
    tokio::spawn(async move {
        let mut connection = pin!(connection);
        // Once set, the moment the connection is dropped if it has not closed by itself.
        let mut close_by: Option<Instant> = None;
        loop {
            let idle_at = activity.idle_at(limits.idle);
            let closing = close_by.is_some();
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        // Clients that vanish or time out end here; nothing to act on.
                        tracing::debug!(%error, %remote, "connection ended with an error");
                    }
                    break;
                }
                _ = stop.wait_for(|stopping| *stopping), if !closing => {
                    connection.as_mut().graceful_shutdown();
                    close_by = Some(Instant::now() + limits.grace);
                }
                () = tokio::time::sleep_until(idle_at), if !closing => {
                    if activity.quiet_for(limits.idle) {
                        connection.as_mut().graceful_shutdown();
                        close_by = Some(Instant::now() + CLOSE_WITHIN);
                    }
                }
                () = pressure.notified() => {
                    if activity.quiet_for(SHED_WHEN_QUIET_FOR) {
                        // No request in flight, so nothing is lost; the slot is needed now.
                        tracing::debug!(%remote, "connection closed to make room");
                        break;
                    }
                }
                () = tokio::time::sleep_until(close_by.unwrap_or_else(Instant::now)), if closing => {
                    tracing::debug!(%remote, "connection dropped: it did not close in time");
                    break;
                }
            }
        }
        drop(slot);
    });
}
