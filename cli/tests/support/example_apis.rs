//! The APIs the Arazzo specification's example documents describe, small
//! enough to check each request: a pet store (pets by tag and status,
//! coupons, orders, a login whose token the pet search requires, and its
//! own OpenAPI description with a relative server) and an OAuth service
//! (codes, client credentials, refresh tokens), and Redocly's museum
//! (hours, special events, tickets; every call with the document's
//! `Authorization: Basic Og==`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// What the APIs were sent.
#[derive(Default)]
pub struct Seen {
    pub orders: Vec<Value>,
    pub queries: Vec<String>,
    pub codes: HashMap<String, String>,
    pub refresh_tokens: Vec<String>,
    pub grants: Vec<String>,
    /// Museum events by id; calls as `METHOD /path` in the order they came.
    pub events: HashMap<String, Value>,
    pub museum_calls: Vec<String>,
    pub tickets: Vec<Value>,
}

pub type Shared = Arc<Mutex<Seen>>;

pub const CLIENT_ID: &str = "pets-app";
pub const CLIENT_SECRET: &str = "pets-app-secret-9f2c";
const SESSION: &str = "session-for-alice";

/// Serves both APIs on 127.0.0.1 from a thread of its own: the base URL and what they saw.
pub fn serve() -> (String, Shared) {
    let seen = Shared::default();
    let state = seen.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let app = Router::new()
                .route("/pet/findByTags", get(pets_by_tags))
                .route("/pet/findByStatus", get(pets_by_status))
                .route("/pet/{id}/coupons", get(coupons))
                .route("/store/order", post(order))
                .route("/api/v3/user/login", get(login))
                .route("/api/v3/pet/findByStatus", get(pets_for_session))
                .route("/specs/petstore.yaml", get(description))
                .route("/authorize", get(authorize))
                .route("/oauth/token", post(token))
                .route("/museum-hours", get(museum_hours))
                .route("/special-events", get(list_events).post(create_event))
                .route(
                    "/special-events/{id}",
                    get(read_event).patch(update_event).delete(delete_event),
                )
                .route("/tickets", post(buy_tickets))
                .with_state(state);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (format!("http://{}", rx.recv().unwrap()), seen)
}

type St = State<Shared>;
type Q = Query<HashMap<String, String>>;

fn pet(id: u64, status: &str) -> Value {
    json!({"id": id, "name": format!("pet-{id}"), "status": status})
}

async fn pets_by_tags(State(seen): St, Query(q): Q) -> Response {
    seen.lock().unwrap().queries.push(format!(
        "tags={}",
        q.get("tags").cloned().unwrap_or_default()
    ));
    match q.get("tags") {
        Some(t) if t.contains("puppy") => axum::Json(json!([pet(41, "available")])).into_response(),
        _ => axum::Json(json!([])).into_response(),
    }
}

async fn pets_by_status(State(seen): St, Query(q): Q) -> Response {
    let mut keys: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
    keys.sort();
    seen.lock().unwrap().queries.push(keys.join("&"));
    axum::Json(json!([pet(52, "available"), pet(53, "available")])).into_response()
}

async fn coupons(Path(id): Path<u64>) -> Response {
    axum::Json(json!({"couponCode": format!("SAVE10-{id}")})).into_response()
}

async fn order(State(seen): St, axum::Json(body): axum::Json<Value>) -> Response {
    let mut seen = seen.lock().unwrap();
    seen.orders.push(body.clone());
    let id = 9000 + seen.orders.len() as u64;
    let mut placed = body;
    placed["id"] = json!(id);
    axum::Json(placed).into_response()
}

async fn login(Query(q): Q) -> Response {
    let ok = q.get("username").map(String::as_str) == Some("alice")
        && q.get("password").map(String::as_str) == Some("wonderland");
    if !ok {
        return (
            StatusCode::BAD_REQUEST,
            "Invalid username/password supplied",
        )
            .into_response();
    }
    (
        [
            ("X-Expires-After", "2030-01-01T00:00:00Z"),
            ("X-Rate-Limit", "5000"),
        ],
        SESSION,
    )
        .into_response()
}

async fn pets_for_session(headers: HeaderMap, Query(q): Q) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(SESSION) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let status = q.get("status").cloned().unwrap_or_default();
    axum::Json(json!([pet(7, &status)])).into_response()
}

/// The pet store's description as a server publishes it: servers relative to where it is.
async fn description() -> &'static str {
    r#"openapi: 3.0.2
info: {title: Swagger Petstore - OpenAPI 3.0, version: 1.0.19}
servers:
  - url: /api/v3
paths:
  /user/login:
    get:
      operationId: loginUser
      parameters:
        - {name: username, in: query, schema: {type: string}}
        - {name: password, in: query, schema: {type: string}}
      responses:
        "200":
          description: successful operation
          content: {text/plain: {schema: {type: string}}}
  /pet/findByStatus:
    get:
      operationId: findPetsByStatus
      parameters:
        - {name: status, in: query, schema: {type: string}}
      responses: {"200": {description: successful operation}}
"#
}

async fn authorize(State(seen): St, Query(q): Q) -> Response {
    let expected = [
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("scope", "read"),
    ];
    if expected
        .iter()
        .any(|(k, v)| q.get(*k).map(String::as_str) != Some(*v))
    {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_request"})),
        )
            .into_response();
    }
    let mut seen = seen.lock().unwrap();
    let code = format!("code-{}", seen.codes.len() + 1);
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    seen.codes.insert(code.clone(), redirect);
    // The document reads the code from the body and expects a token field there too.
    axum::Json(json!({"code": code, "state": q.get("state"), "access_token": "not-yet"}))
        .into_response()
}

fn issue(seen: &mut Seen, grant: &str) -> Response {
    seen.grants.push(grant.to_string());
    let n = seen.grants.len();
    let refresh = format!("refresh-{n}");
    seen.refresh_tokens.push(refresh.clone());
    axum::Json(json!({
        "access_token": format!("access-{n}"),
        "refresh_token": refresh,
        "expires_in": 3600,
        "token_type": "Bearer",
    }))
    .into_response()
}

async fn token(State(seen): St, Form(f): Form<HashMap<String, String>>) -> Response {
    let denied =
        |e: &str| (StatusCode::BAD_REQUEST, axum::Json(json!({"error": e}))).into_response();
    let mut seen = seen.lock().unwrap();
    let client_ok = f.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && f.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    match f.get("grant_type").map(String::as_str) {
        Some("client_credentials") if client_ok => issue(&mut seen, "client_credentials"),
        Some("authorization_code") if client_ok => {
            let code = f.get("code").cloned().unwrap_or_default();
            match seen.codes.remove(&code) {
                Some(redirect) if Some(&redirect) == f.get("redirect_uri") => {
                    issue(&mut seen, "authorization_code")
                }
                _ => denied("invalid_grant"),
            }
        }
        Some("refresh_token") => {
            let given = f.get("refresh_token").cloned().unwrap_or_default();
            match seen.refresh_tokens.iter().position(|t| *t == given) {
                Some(i) => {
                    seen.refresh_tokens.remove(i);
                    issue(&mut seen, "refresh_token")
                }
                None => denied("invalid_grant"),
            }
        }
        _ => denied("invalid_client"),
    }
}

/// Records a museum call; `false` when it lacks the document's credentials.
fn museum_call(seen: &Shared, headers: &HeaderMap, call: String) -> bool {
    seen.lock().unwrap().museum_calls.push(call);
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some("Basic Og==")
}

async fn museum_hours(State(seen): St, headers: HeaderMap) -> Response {
    if !museum_call(&seen, &headers, "GET /museum-hours".into()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    axum::Json(json!([{"date": "2023-09-11", "timeOpen": "09:00", "timeClose": "18:00"}]))
        .into_response()
}

async fn list_events(State(seen): St, headers: HeaderMap) -> Response {
    if !museum_call(&seen, &headers, "GET /special-events".into()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let events: Vec<Value> = seen.lock().unwrap().events.values().cloned().collect();
    axum::Json(events).into_response()
}

async fn create_event(
    State(seen): St,
    headers: HeaderMap,
    axum::Json(mut e): axum::Json<Value>,
) -> Response {
    if !museum_call(&seen, &headers, "POST /special-events".into()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut seen = seen.lock().unwrap();
    let id = format!("evt-{}", seen.events.len() + 100);
    e["eventId"] = json!(id);
    seen.events.insert(id, e.clone());
    (StatusCode::CREATED, axum::Json(e)).into_response()
}

async fn read_event(State(seen): St, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !museum_call(&seen, &headers, format!("GET /special-events/{id}")) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match seen.lock().unwrap().events.get(&id) {
        Some(e) => axum::Json(e.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn update_event(
    State(seen): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Json(change): axum::Json<Value>,
) -> Response {
    if !museum_call(&seen, &headers, format!("PATCH /special-events/{id}")) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut seen = seen.lock().unwrap();
    let Some(e) = seen.events.get_mut(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    for (k, v) in change.as_object().into_iter().flatten() {
        e[k] = v.clone();
    }
    axum::Json(e.clone()).into_response()
}

async fn delete_event(State(seen): St, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !museum_call(&seen, &headers, format!("DELETE /special-events/{id}")) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match seen.lock().unwrap().events.remove(&id) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn buy_tickets(
    State(seen): St,
    headers: HeaderMap,
    axum::Json(mut t): axum::Json<Value>,
) -> Response {
    if !museum_call(&seen, &headers, "POST /tickets".into()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut seen = seen.lock().unwrap();
    let n = seen.tickets.len() + 1;
    t["ticketId"] = json!(format!("ticket-{n}"));
    t["message"] = json!("Museum general entry ticket purchased");
    t["confirmationCode"] = json!(format!("ticket-general-{n:04}"));
    seen.tickets.push(t.clone());
    (StatusCode::CREATED, axum::Json(t)).into_response()
}
