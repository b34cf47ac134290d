//! Runner benchmark against an in-process test server:
//! * fan-out: 20 independent POSTs (100 ms server delay each) then one GET
//!   using the 20th id; wall time vs the 200 ms critical path;
//! * chain: 200 steps, each POSTing the id captured by the one before (no
//!   delay): per-step overhead;
//! * a 10,000-step fan-out at `--max-parallel 256`: wall time and peak RSS.
//!
//! `cargo run --release -p caseflow-cli --example bench`

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Query};
use axum::routing::{get, post};
use caseflow::run::{self, InputSources, RunOptions, Silent};
use caseflow::spec::{self, Loader};
use serde_json::json;

#[derive(serde::Deserialize)]
struct Delay {
    delay_ms: Option<u64>,
}

async fn server() -> String {
    let next = Arc::new(AtomicU64::new(0));
    let app = Router::new()
        .route(
            "/items",
            post(move |Query(d): Query<Delay>| {
                let next = next.clone();
                async move {
                    if let Some(ms) = d.delay_ms {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                    }
                    let id = next.fetch_add(1, Ordering::Relaxed);
                    (
                        axum::http::StatusCode::CREATED,
                        axum::Json(json!({ "id": format!("item-{id}") })),
                    )
                }
            }),
        )
        .route(
            "/items/{id}",
            get(|Path(id): Path<String>| async move { axum::Json(json!({ "id": id })) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn header(base: &str) -> String {
    format!("version: 1\nname: bench\nclients:\n  api: {{ base_url: \"{base}\" }}\nsteps:\n")
}

fn fan_out(base: &str, n: usize, delay_ms: u64) -> String {
    let mut s = header(base);
    for i in 1..=n {
        let _ = write!(
            s,
            "  p{i}:\n    client: api\n    request: {{ method: POST, url: \"/items?delay_ms={delay_ms}\", json: {{ n: {i} }} }}\n    expect: {{ status: 201 }}\n    outputs: {{ id: $.id }}\n"
        );
    }
    // The last step uses the n-th id: the critical path is two delays long.
    let _ = write!(
        s,
        "  last:\n    client: api\n    request: {{ method: POST, url: \"/items?delay_ms={delay_ms}\", json: {{ after: \"{{{{ steps.p{n}.outputs.id }}}}\" }} }}\n"
    );
    s
}

fn chain(base: &str, n: usize) -> String {
    let mut s = header(base);
    let _ = write!(
        s,
        "  s0:\n    client: api\n    request: {{ method: POST, url: /items, json: {{}} }}\n    outputs: {{ id: $.id }}\n"
    );
    for i in 1..n {
        let _ = write!(
            s,
            "  s{i}:\n    client: api\n    request: {{ method: POST, url: /items, json: {{ prev: \"{{{{ steps.s{}.outputs.id }}}}\" }} }}\n    outputs: {{ id: $.id }}\n",
            i - 1
        );
    }
    s
}

async fn run_text(text: &str, max_parallel: usize) -> Duration {
    let path = std::env::temp_dir().join(format!("caseflow-bench-{}.yaml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let mut loader = Loader::new();
    let (checked, diagnostics) = spec::check_file(&mut loader, &path);
    let checked = checked.unwrap_or_else(|| panic!("{diagnostics:#?}"));
    let options = RunOptions::new(max_parallel);
    let started = Instant::now();
    let report = run::run(
        &checked,
        &InputSources::default(),
        &options,
        Arc::new(Silent),
    )
    .await
    .unwrap();
    let elapsed = started.elapsed();
    assert!(
        report.passed(),
        "{:?}",
        report.steps.iter().find(|s| s.message.is_some())
    );
    elapsed
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let base = server().await;

    let fan = fan_out(&base, 20, 100);
    run_text(&fan, 32).await; // warm-up: connections, allocator
    let mut all = Vec::new();
    for _ in 0..5 {
        all.push(run_text(&fan, 32).await);
    }
    let m = median(all);
    println!(
        "fan-out 20x100ms + 1: median {:.1} ms vs 200 ms critical path = {:.3}x",
        m.as_secs_f64() * 1e3,
        m.as_secs_f64() / 0.2
    );

    let ch = chain(&base, 200);
    run_text(&ch, 32).await;
    let mut all = Vec::new();
    for _ in 0..5 {
        all.push(run_text(&ch, 32).await);
    }
    let m = median(all);
    println!(
        "chain of 200: median {:.1} ms = {:.3} ms per step",
        m.as_secs_f64() * 1e3,
        m.as_secs_f64() * 1e3 / 200.0
    );

    let before = vm_hwm_kb();
    let big = fan_out(&base, 10_000, 0);
    let t = run_text(&big, 256).await;
    let after = vm_hwm_kb();
    println!(
        "fan-out of 10,000 at max-parallel 256: {:.2} s; peak RSS {:.1} MiB (before: {:.1} MiB; includes the test server)",
        t.as_secs_f64(),
        after as f64 / 1024.0,
        before as f64 / 1024.0
    );
}
