//! Fresh-user finding 8: idle and slow connections never timed out (a connection that sent
//! half a request head, or nothing, was still open after 200 s). The real connection loop
//! (`api::server::serve`) on a free local port, driven with raw TCP. The timeout is set to
//! 1 s; each test waits at most 30 s for the server to close the connection, so a server
//! without the timeout fails instead of hanging.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use tokio::net::TcpListener;

use abstract_search::api::{app, server, ApiOptions, SharedEngine};
use abstract_search::Engine;

use crate::support::seed_records;

const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
/// Far longer than the timeout: only a server that never closes reaches it.
const GIVE_UP: Duration = Duration::from_secs(30);

/// A server on 127.0.0.1 with a free port; it stops when the returned sender is dropped.
async fn start_server() -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let engine = Engine::from_records(seed_records()).expect("seed indexes");
    let router = app(SharedEngine::new(engine), &ApiOptions::default());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(
        listener,
        router,
        HEADER_TIMEOUT,
        async move {
            let _ = stopped.await;
        },
    ));
    (addr, stop)
}

/// Connect, send `request`, and return everything the server sends until it closes the
/// connection; panics when it keeps the connection open for [`GIVE_UP`]. Blocking socket
/// calls, on the blocking pool while the server runs on the runtime.
async fn exchange(
    addr: std::net::SocketAddr,
    request: &'static [u8],
    what: &'static str,
) -> String {
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(GIVE_UP)).unwrap();
        stream.write_all(request).unwrap();
        let mut received = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
                Err(error)
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    panic!("{what}: connection still open after {GIVE_UP:?}")
                }
                Err(_) => break, // reset by the server: closed too
            }
        }
        String::from_utf8_lossy(&received).into_owned()
    })
    .await
    .expect("client thread")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_request_head_is_closed_after_the_header_timeout() {
    let (addr, _stop) = start_server().await;
    let received = exchange(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
        "partial head",
    )
    .await;
    assert!(!received.contains("200 OK"), "{received}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_nothing_is_closed() {
    let (addr, _stop) = start_server().await;
    let received = exchange(addr, b"", "silent connection").await;
    assert!(!received.contains("200 OK"), "{received}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_after_its_answer() {
    let (addr, _stop) = start_server().await;
    // The complete request is answered; then the idle connection is closed.
    let received = exchange(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "idle keep-alive connection",
    )
    .await;
    assert!(received.starts_with("HTTP/1.1 200 OK"), "{received}");
    assert!(received.contains("\"documents\":30"), "{received}");
}
