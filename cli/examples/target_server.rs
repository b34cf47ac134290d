//! A target server for benchmarks that is never the bottleneck: `POST
//! /items` answers `201 {"id": "item-N"}` and `GET /items/{id}` answers
//! `200 {"id": …}`, each after `--delay-ms`. On 127.0.0.1 only; it stops
//! by itself after `--max-seconds`.
//!
//! `cargo run --release -p caseflow-cli --example target_server -- --port 18600 --delay-ms 100`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use serde_json::json;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let port = arg("--port", 18600) as u16;
    let delay = Duration::from_millis(arg("--delay-ms", 0));
    let max = Duration::from_secs(arg("--max-seconds", 600));
    let next = Arc::new(AtomicU64::new(0));
    let app = Router::new()
        .route(
            "/items",
            post(move || {
                let next = next.clone();
                async move {
                    // Even a zero sleep waits for the timer's next 1 ms tick.
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    let id = next.fetch_add(1, Ordering::Relaxed);
                    let body = json!({ "id": format!("item-{id}") });
                    (axum::http::StatusCode::CREATED, axum::Json(body))
                }
            }),
        )
        .route(
            "/items/{id}",
            get(move |Path(id): Path<String>| async move {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                axum::Json(json!({ "id": id }))
            }),
        );
    // Without TCP_NODELAY each response waits on the client's delayed ACK
    // (about 1.3 ms a request here), and the server becomes the bottleneck.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the port is free")
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    println!("listening on http://127.0.0.1:{port}");
    let serve = axum::serve(listener, app);
    let _ = tokio::time::timeout(max, serve).await;
}
