//! `caseflow import har`: a HAR file (a browser's DevTools export, or
//! `caseflow run --report har=PATH`) -> a spec, with the data flow
//! between its requests inferred (see [`crate::formats::infer`]). A
//! browser session's noise is left out first ([`noise`]).

pub mod file;
pub mod noise;

use std::path::Path;

use base64::Engine;
use indexmap::IndexMap;

use super::infer::{self, Exchange, Options, Seen};
use super::names::kebab;
use super::{Imported, Reader};
use crate::spec::model::Method;

/// HAR files as a [`Reader`].
pub struct Har;

impl Reader for Har {
    fn read(&self, path: &Path, _: Option<&Path>) -> Result<Imported, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the file: {e}", path.display()))?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("imported");
        import(&path.display().to_string(), stem, &text)
    }
}

/// Converts the text of a HAR file named `file`.
pub fn import(file: &str, stem: &str, text: &str) -> Result<Imported, String> {
    let har = file::parse(file, text)?;
    let mut left_out: IndexMap<&'static str, usize> = IndexMap::new();
    let mut warnings = Vec::new();
    let mut exchanges = Vec::new();
    for (i, entry) in har.log.entries.iter().enumerate() {
        if let Some(why) = noise::reason(entry) {
            *left_out.entry(why).or_default() += 1;
            continue;
        }
        match exchange(entry) {
            Ok(x) => exchanges.push(x),
            Err(e) => warnings.push(format!("{file}: log.entries[{i}]: {e}; left out")),
        }
    }
    if !left_out.is_empty() {
        let parts: Vec<String> = left_out
            .iter()
            .map(|(why, n)| format!("{n} {why}"))
            .collect();
        warnings.push(format!(
            "{file}: left out {} request(s) that are not the use case: {}",
            left_out.values().sum::<usize>(),
            parts.join(", ")
        ));
    }
    if exchanges.is_empty() {
        return Err(format!("{file}: log.entries: no requests to import"));
    }
    let name = kebab(stem.trim_end_matches(".har"));
    let options = Options {
        title: format!("Recorded {name}"),
        name,
        tags: vec!["har".into()],
        header: vec![
            format!("Imported from {file} by `caseflow import har`: values that earlier"),
            "responses returned are captured and referenced; review inputs before running.".into(),
        ],
    };
    let inferred = infer::infer(exchanges, &options).map_err(|e| format!("{file}: {e}"))?;
    warnings.extend(inferred.notes);
    Ok(Imported {
        specs: vec![inferred.spec],
        warnings,
    })
}

fn exchange(entry: &file::Entry) -> Result<Exchange, String> {
    let req = &entry.request;
    let method = method(&req.method)?;
    let url = url::Url::parse(&req.url).map_err(|e| format!("request.url: `{}`: {e}", req.url))?;
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|p| (p.name.clone(), p.value.clone()))
        .collect();
    let body = match &req.post_data {
        None => infer::Body::None,
        Some(post) => {
            let mime = post.mime_type.clone().unwrap_or_default();
            match &post.text {
                Some(text) => Exchange::body_from(&mime, text),
                None if !post.params.is_empty() => infer::Body::Form(
                    post.params
                        .iter()
                        .map(|p| (p.name.clone(), p.value.clone()))
                        .collect(),
                ),
                None => infer::Body::None,
            }
        }
    };
    let resp = &entry.response;
    let text = match (&resp.content.text, resp.content.encoding.as_deref()) {
        (Some(t), Some("base64")) => base64::engine::general_purpose::STANDARD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default(),
        (Some(t), _) => t.clone(),
        (None, _) => String::new(),
    };
    // Browsers record 0 for requests that got no response.
    let response = (resp.status > 0).then(|| Seen {
        status: resp.status.clamp(100, 599) as u16,
        headers: resp
            .headers
            .iter()
            .map(|p| (p.name.to_ascii_lowercase(), p.value.clone()))
            .collect(),
        json: serde_json::from_str(&text).ok(),
        text,
    });
    let started_ms = entry.started_date_time.as_deref().and_then(|t| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(|d| d.unix_timestamp_nanos() as f64 / 1e6)
    });
    Ok(Exchange {
        title: entry.comment.clone().filter(|c| !c.is_empty()),
        method,
        url,
        headers,
        body,
        response,
        started_ms,
    })
}

pub(crate) fn method(text: &str) -> Result<Method, String> {
    super::postman::convert::parse_method(&text.to_ascii_uppercase()).ok_or_else(|| {
        format!(
            "request.method: `{text}` is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
        )
    })
}
