//! An items API that keeps what it is sent, for documents whose steps read
//! each other's items: POST /items stores the body with an id (201, with a
//! `Location`), GET /items/{id} returns it. It counts requests and the
//! creations in flight, can hold each creation and fail the first ones.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// How the API behaves, and what it saw.
#[derive(Default)]
pub struct Items {
    /// How long each creation takes.
    pub delay: Duration,
    /// The first this many creations answer 500.
    pub fail_first: usize,
    /// Ids that are not positions (`i7919`, …), so a step given the wrong one is seen.
    pub scrambled_ids: bool,
    pub posts: AtomicUsize,
    pub gets: AtomicUsize,
    pub in_flight: AtomicUsize,
    /// The most creations in flight at once.
    pub peak: AtomicUsize,
    pub store: Mutex<Vec<Value>>,
}

/// Serves `items` on 127.0.0.1 from a thread of its own: its base URL and the shared state.
pub fn serve(items: Items) -> (String, Arc<Items>) {
    let items = Arc::new(items);
    let state = items.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let app = Router::new()
                .route("/items", post(create))
                .route("/items/{id}", get(read))
                .with_state(state);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (format!("http://{}", rx.recv().unwrap()), items)
}

async fn create(
    State(items): State<Arc<Items>>,
    axum::Json(mut body): axum::Json<Value>,
) -> Response {
    let n = items.posts.fetch_add(1, Ordering::SeqCst) + 1;
    if n <= items.fail_first {
        return (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({}))).into_response();
    }
    let now = items.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    items.peak.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(items.delay).await;
    items.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut store = items.store.lock().unwrap();
    let position = store.len() + 1;
    let id = if items.scrambled_ids {
        format!("i{}", position * 7919 % 10007)
    } else {
        position.to_string()
    };
    body["id"] = json!(id);
    store.push(body.clone());
    (
        StatusCode::CREATED,
        [("location", format!("/items/{id}"))],
        axum::Json(body),
    )
        .into_response()
}

async fn read(
    State(items): State<Arc<Items>>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, StatusCode> {
    items.gets.fetch_add(1, Ordering::SeqCst);
    let store = items.store.lock().unwrap();
    store
        .iter()
        .find(|i| i["id"] == json!(id))
        .cloned()
        .map(axum::Json)
        .ok_or(StatusCode::NOT_FOUND)
}

/// An Arazzo document with `text`, written as `name` into a scratch
/// directory beside the items API's description (`items.openapi.json`).
pub fn document_beside_description(name: &str, text: &str) -> std::path::PathBuf {
    let doc = super::write_spec(name, text);
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/arazzo");
    std::fs::copy(
        fixtures.join("items.openapi.json"),
        doc.with_file_name("items.openapi.json"),
    )
    .unwrap();
    doc
}
