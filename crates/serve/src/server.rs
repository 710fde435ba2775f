//! Serving a router over HTTP/1.1 and HTTP/2 the way a public server must:
//! - slow clients are cut off: the headers and the body each have one total deadline;
//! - idle connections are closed, whatever the protocol, before the first request included;
//! - at most `max_connections` are served at once. Beyond that, new clients wait in the
//!   listen queue while quiet connections give up their slots, so a crowd of idle sockets
//!   cannot lock real clients out, and running out of descriptors never stops accepting;
//! - on shutdown the listener closes, connections the kernel had already accepted are still
//!   served, and in-flight requests get a bounded grace period.
//!
//! axum's own `serve` sets none of these, so this drives hyper-util directly.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;

use crate::connection::{self, Shared};
use crate::limits::Limits;

/// How often a server out of slots asks quiet connections again to make room.
const PRESSURE_EVERY: Duration = Duration::from_millis(20);

/// Serves `router` until `shutdown` completes, then stops accepting connections, serves the
/// ones already queued, and gives in-flight requests up to `limits.grace` to finish before
/// dropping them. Handlers can extract the client's `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> anyhow::Result<()> {
    // Raised whatever the cap: connections to the database and to other services need
    // descriptors too.
    crate::limits::open_file_limit();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    builder.http2().timer(TokioTimer::new());
    let (stop, stopped) = watch::channel(false);
    let shared = Shared {
        builder,
        router,
        limits,
        stop: stopped,
        pressure: Arc::new(Notify::new()),
        epoch: Instant::now(),
    };
    let capacity = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(capacity));

    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            slot = free_slot(&slots, &shared.pressure) => {
                tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, remote)) => connection::spawn(&shared, stream, remote, slot),
                        Err(error) => {
                            // Out of file descriptors and the like: make room, and pause
                            // rather than spin.
                            tracing::warn!(%error, "accepting a connection failed");
                            shared.pressure.notify_waiters();
                            tokio::time::sleep(PRESSURE_EVERY).await;
                        }
                    },
                    () = &mut shutdown => break,
                }
            }
            () = &mut shutdown => break,
        }
    }
    // A zero timeout still polls `accept` once: this takes whatever is queued without waiting,
    // so clients whose connection the kernel completed are answered rather than reset.
    while let Ok(slot) = slots.clone().try_acquire_owned()
        && let Ok(Ok((stream, remote))) =
            tokio::time::timeout(Duration::ZERO, listener.accept()).await
    {
        connection::spawn(&shared, stream, remote, slot);
    }
    drop(listener);
    let _ = stop.send(true);

    // Every connection holds a slot until it closes, and each closes within the grace period.
    let all = u32::try_from(capacity).unwrap_or(u32::MAX);
    let drained = slots.acquire_many(all);
    if tokio::time::timeout(limits.grace + Duration::from_secs(1), drained)
        .await
        .is_err()
    {
        tracing::warn!(grace = ?limits.grace, "grace period over: dropping the requests still running");
    }
    Ok(())
}

/// A connection slot, once one is free. While none is, quiet connections are asked, again and
/// again, to give theirs up.
async fn free_slot(slots: &Arc<Semaphore>, pressure: &Notify) -> OwnedSemaphorePermit {
    if let Ok(slot) = slots.clone().try_acquire_owned() {
        return slot;
    }
    loop {
        pressure.notify_waiters();
        let wait = slots.clone().acquire_owned();
        if let Ok(Ok(slot)) = tokio::time::timeout(PRESSURE_EVERY, wait).await {
            return slot;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ConnectInfo;
    use axum::routing::{get, post};
    use std::net::SocketAddr;
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    const SHORT: Duration = Duration::from_millis(300);

    async fn start() -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router =
            Router::new()
                .route(
                    "/who",
                    get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                        peer.ip().to_string()
                    }),
                )
                .route("/echo", post(|body: String| async move { body }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let timeouts = Limits {
            grace: Duration::from_secs(1),
            idle: SHORT,
            header_read: SHORT,
            body_read: SHORT,
            max_connections: 4,
        };
        tokio::spawn(serve(
            listener,
            router,
            async move {
                let _ = stopped.await;
            },
            timeouts,
        ));
        (address, stop)
    }

    /// Writes `request`, then reads until the server closes, giving up after 5 s.
    async fn exchange(address: SocketAddr, request: &[u8], pause: Duration) -> (String, Duration) {
        let mut stream = sent(address, request).await;
        tokio::time::sleep(pause).await;
        let started = Instant::now();
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer));
        let _ = read
            .await
            .expect("the server kept a slow client's connection open");
        (
            String::from_utf8_lossy(&answer).into_owned(),
            started.elapsed(),
        )
    }

    #[tokio::test]
    async fn handlers_see_the_client_address() {
        let (address, _stop) = start().await;
        let (answer, _) = exchange(
            address,
            b"GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration::ZERO,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("127.0.0.1"), "{answer}");
    }

    #[tokio::test]
    async fn a_client_that_never_finishes_its_headers_is_cut_off() {
        let (address, _stop) = start().await;
        // Half a request line and one header, then nothing: a slow-loris.
        let (answer, _) = exchange(address, b"GET /who HTTP/1.1\r\nHost: x\r\n", SHORT * 2).await;
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "{answer}"
        );
    }

    #[tokio::test]
    async fn a_client_that_never_finishes_its_body_gets_an_error() {
        let (address, _stop) = start().await;
        let (answer, _) = exchange(
            address,
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nConnection: close\r\n\r\nonly part",
            SHORT * 2,
        )
        .await;
        let status: u16 = answer
            .get(9..12)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {answer}"));
        assert!((400..500).contains(&status), "{answer}");
    }

    #[tokio::test]
    async fn after_the_stop_signal_new_connections_are_refused() {
        let (address, stop) = start().await;
        stop.send(()).unwrap();
        let started = Instant::now();
        while TcpStream::connect(address).await.is_ok() {
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "still listening"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A connection to `address` that has sent `bytes`.
    async fn sent(address: SocketAddr, bytes: &[u8]) -> TcpStream {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(bytes).await.unwrap();
        stream
    }

    /// Whether the server closes `stream` (EOF or reset) within `within`, reading and
    /// discarding whatever it sends first.
    async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
        let mut buffer = [0u8; 1024];
        let reads = async {
            loop {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(within, reads).await.is_ok()
    }

    #[tokio::test]
    async fn a_connection_that_never_sends_a_byte_is_closed_when_idle() {
        let (address, _stop) = start().await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        assert!(closed_within(&mut stream, SHORT + Duration::from_secs(2)).await);
    }

    #[tokio::test]
    async fn a_keep_alive_connection_is_closed_once_idle() {
        let (address, _stop) = start().await;
        let mut stream = sent(address, b"GET /who HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
        assert!(closed_within(&mut stream, SHORT + Duration::from_secs(2)).await);
    }

    #[tokio::test]
    async fn an_idle_http2_connection_is_closed() {
        let (address, _stop) = start().await;
        // The client preface and an empty SETTINGS frame, then nothing.
        let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";
        let mut stream = sent(address, preface).await;
        assert!(closed_within(&mut stream, SHORT + Duration::from_secs(2)).await);
    }

    #[tokio::test]
    async fn a_body_sent_a_byte_at_a_time_meets_one_deadline_for_all_of_it() {
        let (address, _stop) = start().await;
        let head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
        let mut stream = sent(address, head).await;
        let started = Instant::now();
        // A byte every third of the deadline: a per-chunk timeout would never fire.
        let mut answer = Vec::new();
        while started.elapsed() < SHORT * 6 {
            if stream.write_all(b"x").await.is_err() {
                break;
            }
            let mut buffer = [0u8; 256];
            match tokio::time::timeout(SHORT / 3, stream.read(&mut buffer)).await {
                Ok(Ok(0) | Err(_)) => break,
                Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
                Err(_) => {}
            }
        }
        let answer = String::from_utf8_lossy(&answer);
        assert!(started.elapsed() < SHORT * 6, "still reading: {answer}");
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
            "{answer}"
        );
    }

    #[tokio::test]
    async fn idle_connections_beyond_the_cap_make_room_for_a_real_request() {
        let (address, _stop) = start().await;
        // Five times the cap of idle sockets, all completed by the kernel.
        let mut idle = Vec::new();
        for _ in 0..20 {
            idle.push(TcpStream::connect(address).await.unwrap());
        }
        let (answer, _) = exchange(
            address,
            b"GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration::ZERO,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
}
