//! The connection loop that serves the router. axum's `serve` builds its hyper connections
//! without a timer, so hyper's header-read timeout never ran: a client that opened a
//! connection and sent nothing, or half a request head, held it (a task and a socket)
//! forever, and enough such clients exhaust the server's sockets (slowloris). Here every
//! HTTP/1 connection gets hyper's header-read timeout, which runs from the moment the
//! connection waits for a request head: on a new connection, between keep-alive requests
//! (the idle timeout) and while a head trickles in.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// Default longest wait for a whole request head, from the moment a connection is idle.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(15);

/// Longest wait, at shutdown, for connections still answering a request.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serve `router` on `listener` until `shutdown` completes, then let requests in flight
/// finish (up to a grace period). A connection whose next request head is not complete
/// `header_timeout` after it became idle is closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!(error = %error, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout);
        let connection = builder.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(router.clone()),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(error = %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            seconds = SHUTDOWN_GRACE.as_secs(),
            "connections still open after the shutdown grace period"
        );
    }
}
