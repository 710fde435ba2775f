//! Serving a router over HTTP/1.1 and HTTP/2 the way a public server must: slow clients are
//! cut off (header and body read timeouts, so a slow-loris cannot hold connections forever),
//! and on shutdown the listener closes, connections the kernel had already accepted are still
//! served, and in-flight requests get a bounded grace period.
//!
//! axum's own `serve` sets no timer on hyper, which leaves hyper's header timeout inert; this
//! drives hyper-util directly instead.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::{Request, service::service_fn};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// How long serving waits on clients and on itself.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// After the stop signal, how long in-flight requests get before they are dropped.
    pub grace: Duration,
    /// How long a client gets to send a request's headers.
    pub header_read: Duration,
    /// How long a client gets to send a request's body.
    pub body_read: Duration,
}

impl Timeouts {
    /// The given grace period and the default read timeouts (10 s each: far more than any
    /// real client needs to send a Cruddur request, far less than a slow-loris wants).
    pub fn with_grace(grace: Duration) -> Self {
        Timeouts {
            grace,
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(10),
        }
    }
}

/// Serves `router` until `shutdown` completes, then stops accepting connections, serves the
/// ones already queued, and gives in-flight requests up to `timeouts.grace` to finish before
/// dropping them. Handlers can extract the client's `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timeouts: Timeouts,
) -> anyhow::Result<()> {
    let router = router.layer(RequestBodyTimeoutLayer::new(timeouts.body_read));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();

    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, remote)) => serve_connection(&builder, &graceful, &router, stream, remote),
                Err(error) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    // A zero timeout still polls `accept` once: this takes whatever is queued without waiting,
    // so clients whose connection the kernel completed are answered rather than reset.
    while let Ok(Ok((stream, remote))) =
        tokio::time::timeout(Duration::ZERO, listener.accept()).await
    {
        serve_connection(&builder, &graceful, &router, stream, remote);
    }
    drop(listener);

    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(timeouts.grace) => {
            tracing::warn!(grace = ?timeouts.grace, "grace period over: dropping the requests still running");
        }
    }
    Ok(())
}

fn serve_connection(
    builder: &auto::Builder<TokioExecutor>,
    graceful: &GracefulShutdown,
    router: &Router,
    stream: TcpStream,
    remote: SocketAddr,
) {
    let router = router.clone();
    let service = service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(remote));
        router.clone().oneshot(request.map(Body::new))
    });
    let connection = builder
        .serve_connection_with_upgrades(TokioIo::new(stream), service)
        .into_owned();
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            // Clients that vanish or time out end here; nothing for an operator to act on.
            tracing::debug!(%error, %remote, "connection ended with an error");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::{get, post};
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const SHORT: Duration = Duration::from_millis(300);

    async fn start() -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = crate::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
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
        let timeouts = Timeouts {
            grace: Duration::from_secs(1),
            header_read: SHORT,
            body_read: SHORT,
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
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(request).await.unwrap();
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
}
