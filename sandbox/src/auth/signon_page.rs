//! The hosted sign-on page the authorize redirect points at. It only names the flow; the
//! flow API does the work.

use axum::response::{Html, IntoResponse, Response};

use crate::auth::resume::html_escape;
use crate::request::EnvRequest;

pub async fn page(req: EnvRequest) -> Response {
    let flow_id = req.query.get("flowId").cloned().unwrap_or_default();
    let flow_url = format!("{}/{}/flows/{}", req.store().base_url, req.env_id, flow_id);
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Sign On</title></head><body>\
         <h1>Sign On</h1><p>Flow <code id=\"flowId\">{}</code></p>\
         <p>Drive this flow through the flow API: <code>{}</code></p></body></html>",
        html_escape(&flow_id),
        html_escape(&flow_url)
    ))
    .into_response()
}
