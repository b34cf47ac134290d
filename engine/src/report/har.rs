//! `--report har=PATH`: every request of the run and its response as HAR
//! 1.2, the format browsers' DevTools export, so a run can be shared,
//! opened in a HAR viewer, or imported again (`caseflow import har`).
//!
//! Entries are kept as they were sent and masked once the run is over,
//! with everything each spec learned by then, like every other report.
//! [`keeping_values`] writes them unmasked, for re-import on the same
//! machine only.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde_json::{Value as Json, json};

use super::{Reporter, SpecReport};
use crate::run::request::Body;
use crate::run::{Event, EventKind};

/// Masked like every report.
pub fn reporter(path: PathBuf) -> Box<dyn Reporter> {
    Box::new(HarReport::new(path, true))
}

/// Values kept as sent: tokens, secrets and passwords in clear text.
pub fn keeping_values(path: PathBuf) -> Box<dyn Reporter> {
    Box::new(HarReport::new(path, false))
}

struct HarReport {
    path: PathBuf,
    redact: bool,
    /// When the invocation started, on the wall clock.
    origin: Option<SystemTime>,
    /// Each entry with the top-level spec it belongs to.
    entries: Vec<(String, Json)>,
    reports: Vec<SpecReport>,
}

impl HarReport {
    fn new(path: PathBuf, redact: bool) -> Self {
        Self {
            path,
            redact,
            origin: None,
            entries: Vec::new(),
            reports: Vec::new(),
        }
    }
}

impl Reporter for HarReport {
    fn event(&mut self, event: &Event<'_>) {
        let origin = *self
            .origin
            .get_or_insert_with(|| SystemTime::now() - event.elapsed);
        match event.kind {
            EventKind::Exchange(x) => {
                let started = origin + event.elapsed.saturating_sub(x.time);
                let spec = event.spec.split(" › ").next().unwrap_or(event.spec);
                self.entries
                    .push((spec.to_string(), entry(event.spec, &x, started)));
            }
            EventKind::RunFinished { reports } => self.reports = reports.to_vec(),
            _ => {}
        }
    }

    fn finish(self: Box<Self>) -> Result<(), String> {
        let text = render(self.entries, &self.reports, self.redact);
        std::fs::write(&self.path, text)
            .map_err(|e| format!("cannot write the report {}: {e}", self.path.display()))
    }
}

/// The HAR document; with `redact`, each entry through its spec's
/// redactor, then the whole text through every redactor of the run.
fn render(entries: Vec<(String, Json)>, reports: &[SpecReport], redact: bool) -> String {
    let entries: Vec<Json> = entries
        .into_iter()
        .map(|(spec, mut e)| {
            if redact && let Some(r) = reports.iter().find(|r| r.name == spec) {
                r.redactor.redact_value(&mut e);
            }
            e
        })
        .collect();
    let doc = json!({
        "log": {
            "version": "1.2",
            "creator": { "name": "caseflow", "version": env!("CARGO_PKG_VERSION") },
            "entries": entries,
        }
    });
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    if redact {
        super::redact_all(reports, text)
    } else {
        text
    }
}

fn entry(spec: &str, x: &crate::run::event::Exchange<'_>, started: SystemTime) -> Json {
    let req = x.request;
    let resp = x.response;
    let pairs = |list: &mut dyn Iterator<Item = (String, String)>| -> Vec<Json> {
        list.map(|(name, value)| json!({ "name": name, "value": value }))
            .collect()
    };
    let mut request = json!({
        "method": req.method,
        "url": req.url.as_str(),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": pairs(&mut req.headers.iter().cloned()),
        "queryString": pairs(&mut req.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned()))),
        "headersSize": -1,
        "bodySize": -1,
    });
    if let Some(post) = post_data(req) {
        request["bodySize"] = json!(post["text"].as_str().map_or(0, str::len));
        request["postData"] = post;
    }
    let mime = resp.header("content-type").unwrap_or("").to_string();
    let time = millis(x.time);
    let mut entry = json!({
        "startedDateTime": rfc3339(started),
        "time": time,
        "request": request,
        "response": {
            "status": resp.status,
            "statusText": reason(resp.status),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": pairs(&mut resp.headers.iter().cloned()),
            "content": { "size": resp.text.len(), "mimeType": mime, "text": resp.text },
            "redirectURL": resp.header("location").unwrap_or(""),
            "headersSize": -1,
            "bodySize": resp.text.len(),
        },
        "cache": {},
        "timings": { "send": 0, "wait": time, "receive": 0 },
        "_caseflow": { "spec": spec, "step": x.step },
    });
    if let Some(title) = x.title {
        entry["comment"] = json!(title);
    }
    entry
}

fn post_data(req: &crate::run::request::Prepared) -> Option<Json> {
    let mime = req
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone());
    Some(match &req.body {
        Body::None => return None,
        Body::Json(v) => json!({
            "mimeType": mime.unwrap_or_else(|| "application/json".into()),
            "text": v.to_string(),
        }),
        Body::Form(pairs) => json!({
            "mimeType": mime.unwrap_or_else(|| "application/x-www-form-urlencoded".into()),
            "text": url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter())
                .finish(),
            "params": pairs.iter().map(|(k, v)| json!({ "name": k, "value": v })).collect::<Vec<_>>(),
        }),
        Body::Raw(text) => json!({ "mimeType": mime.unwrap_or_default(), "text": text }),
    })
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}

fn rfc3339(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}
