//! A small HTTP server for runner tests, on 127.0.0.1 with a free port.

#![allow(dead_code)]

pub mod binary;
pub mod example_apis;
pub mod faults;
pub mod installed;
pub mod items;
pub mod reflector;
pub mod terminal;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::{Value, json};

pub const SECRET: &str = "s3cr3t-Value+/with=odd&chars";

#[derive(Default)]
pub struct Log {
    counters: HashMap<String, u32>,
    pub deleted: Vec<String>,
    next_id: u64,
}

pub type Shared = Arc<Mutex<Log>>;

pub struct Server {
    pub base: String,
    pub log: Shared,
}

/// Starts the server on a runtime of its own, for tests without one.
/// `delay` holds every POST /items.
pub fn serve(delay: Duration) -> Server {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            tx.send(start(delay).await).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}

/// Starts the server on the current tokio runtime. `delay` holds every POST /items.
pub async fn start(delay: Duration) -> Server {
    let log: Shared = Arc::default();
    let app = Router::new()
        .route("/items", post(create_item))
        .route("/items/{id}", get(read_item).delete(delete_item))
        .route("/echo", any(echo))
        .route("/login", get(login))
        .route("/whoami", get(whoami))
        .route("/redirect", get(redirect))
        .route("/landing", get(|| async { "landed" }))
        .route("/flaky/{key}/{fails}", get(flaky))
        .route("/poll/{key}/{after}", get(poll))
        .route("/status/{code}", get(status))
        .route("/text", get(|| async { "token=abc123; user=bob" }))
        .route(
            "/secret",
            get(|| async { axum::Json(json!({ "secret": SECRET, "id": "app-1" })) }),
        )
        .route("/deleted", get(deleted))
        .with_state((log.clone(), delay));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Server { base, log }
}

type St = State<(Shared, Duration)>;

async fn create_item(State((log, delay)): St, body: Bytes) -> Response {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let id = {
        let mut log = log.lock().unwrap();
        log.next_id += 1;
        format!("item-{}", log.next_id)
    };
    let input: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (
        StatusCode::CREATED,
        axum::Json(json!({ "id": id, "input": input })),
    )
        .into_response()
}

async fn read_item(Path(id): Path<String>) -> Response {
    axum::Json(json!({
        "id": id,
        "count": 3,
        "ratio": 0.5,
        "active": true,
        "tags": ["a", "b"],
        "nested": { "k": 1 },
        "items": [{ "name": "x", "v": 1 }, { "name": "y", "v": 2 }]
    }))
    .into_response()
}

async fn delete_item(State((log, _)): St, Path(id): Path<String>) -> StatusCode {
    log.lock().unwrap().deleted.push(id);
    StatusCode::NO_CONTENT
}

async fn deleted(State((log, _)): St) -> axum::Json<Vec<String>> {
    axum::Json(log.lock().unwrap().deleted.clone())
}

async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> axum::Json<Value> {
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                Value::String(v.to_str().unwrap_or("").to_string()),
            )
        })
        .collect();
    let text = String::from_utf8_lossy(&body).into_owned();
    axum::Json(json!({
        "method": method.as_str(),
        "query": uri.query().unwrap_or(""),
        "headers": headers,
        "body": text,
        "json": serde_json::from_str::<Value>(&text).ok(),
    }))
}

async fn login() -> Response {
    (
        [("set-cookie", "session=sess-0123456789; Path=/; HttpOnly")],
        axum::Json(json!({ "ok": true })),
    )
        .into_response()
}

async fn whoami(headers: HeaderMap) -> axum::Json<Value> {
    let cookie = headers
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    axum::Json(json!({ "cookie": cookie }))
}

async fn redirect() -> Response {
    (
        StatusCode::FOUND,
        [(
            "location",
            "/landing?code=c0de-42&state=xyz#access_token=frag-tok&type=bearer",
        )],
    )
        .into_response()
}

async fn flaky(State((log, _)): St, Path((key, fails)): Path<(String, u32)>) -> Response {
    let n = {
        let mut log = log.lock().unwrap();
        let c = log.counters.entry(key).or_default();
        *c += 1;
        *c
    };
    if n <= fails {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "0")],
            "busy",
        )
            .into_response()
    } else {
        axum::Json(json!({ "ok": true, "calls": n })).into_response()
    }
}

async fn poll(State((log, _)): St, Path((key, after)): Path<(String, u32)>) -> axum::Json<Value> {
    let mut log = log.lock().unwrap();
    let c = log.counters.entry(key).or_default();
    *c += 1;
    let status = if *c >= after { "DONE" } else { "PENDING" };
    axum::Json(json!({ "status": status, "calls": *c }))
}

async fn status(Path(code): Path<u16>, Query(q): Query<HashMap<String, String>>) -> Response {
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT);
    let body = q.get("body").cloned().unwrap_or_default();
    (code, body).into_response()
}

/// Writes a spec to a fresh temporary directory and returns its path.
pub fn write_spec(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "caseflow-test-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}
