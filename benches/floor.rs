//! The HTTP floor of the load benches: a trivial axum server answering every request with one
//! fixed JSON body read from a file at start (in practice a real `/api/search` answer, so the
//! size matches). What it sustains is the cost of HTTP alone on this machine, which every
//! search figure in BENCHMARKS.md is divided by. Same runtime (tokio multi-thread) and the
//! same axum version as the real server, but no layers, no engine, no logs.
//!
//! `cargo run --release --example http-floor -- 127.0.0.1:3102 body.json`

use std::net::SocketAddr;

use axum::http::header;
use axum::routing::get;
use axum::Router;

/// The same allocator as the server (src/main.rs), so the comparison holds.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: http-floor ADDR BODY.json";
    let addr: SocketAddr = args.next().ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;
    let body_path = args.next().ok_or_else(|| anyhow::anyhow!(usage))?;
    let body = bytes_of(&body_path)?;
    let body_len = body.len();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = Router::new().fallback(get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        eprintln!("http-floor serving {body_len} bytes on http://{addr}/");
        axum::serve(listener, app).await?;
        anyhow::Ok(())
    })
}

fn bytes_of(path: &str) -> anyhow::Result<axum::body::Bytes> {
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    Ok(axum::body::Bytes::from(bytes))
}
