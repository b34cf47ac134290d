//! The hosted sign-on page the authorize redirect points at. It only names the flow; the
//! flow API does the work.

use axum::extract::{Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Response};

use crate::auth::resume::html_escape;
use crate::server::{AppState, form};

pub async fn page(
    State(state): State<AppState>,
    Path(env_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(err) = state.env(&env_id) {
        return err.into_response();
    }
    let flow_id = form(query.unwrap_or_default().as_bytes())
        .get("flowId")
        .cloned()
        .unwrap_or_default();
    let flow_url = format!("{}/{}/flows/{}", state.store.base_url, env_id, flow_id);
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Sign On</title></head><body>\
         <h1>Sign On</h1><p>Flow <code id=\"flowId\">{}</code></p>\
         <p>Drive this flow through the flow API: <code>{}</code></p></body></html>",
        html_escape(&flow_id),
        html_escape(&flow_url)
    ))
    .into_response()
}
