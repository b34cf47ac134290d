//! Rendering a step's request (URL, query, headers, body) from its templates,
//! and turning it into a reqwest request.

use serde_json::Value as Json;

use super::client::HttpClient;
use super::context::Scope;
use crate::redact::Redactor;
use crate::spec::model::Request;

/// A rendered request: what is sent, and what `-v` and `--dry-run` show.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: &'static str,
    pub url: reqwest::Url,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

#[derive(Debug, Clone)]
pub enum Body {
    None,
    Json(Json),
    Form(Vec<(String, String)>),
    Raw(String),
}

pub fn prepare(
    request: &Request,
    client: &HttpClient,
    scope: &Scope<'_>,
) -> Result<Prepared, String> {
    let url = scope
        .render_str(&request.url)
        .map_err(|e| format!("request.url: {e}"))?;
    let url = match &client.spec.base_url {
        Some(base) if !is_absolute(&url) => {
            let base = scope
                .render_str(base)
                .map_err(|e| format!("client base_url: {e}"))?;
            join(&base, &url)
        }
        _ => url,
    };
    let mut url = reqwest::Url::parse(&url)
        .map_err(|e| format!("request.url: `{url}` is not a valid URL: {e}"))?;
    if !request.query.is_empty() {
        let mut pairs = Vec::new();
        for (name, value) in &request.query {
            let value = scope
                .render_value(value)
                .map_err(|e| format!("request.query.{name}: {e}"))?;
            push_pairs(&mut pairs, name, &value);
        }
        let mut q = url.query_pairs_mut();
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in &client.spec.headers {
        let value = scope
            .render_str(value)
            .map_err(|e| format!("client header `{name}`: {e}"))?;
        set_header(&mut headers, name, value);
    }
    for (name, value) in &request.headers {
        let value = scope
            .render_str(value)
            .map_err(|e| format!("request.headers.{name}: {e}"))?;
        set_header(&mut headers, name, value);
    }
    let body = if let Some(json) = &request.json {
        default_header(&mut headers, "Content-Type", "application/json");
        Body::Json(
            scope
                .render_value(&json.value())
                .map_err(|e| format!("request.json.{e}"))?,
        )
    } else if let Some(form) = &request.form {
        default_header(
            &mut headers,
            "Content-Type",
            "application/x-www-form-urlencoded",
        );
        let mut pairs = Vec::new();
        for (name, value) in form.iter() {
            let value = scope
                .render_value(value)
                .map_err(|e| format!("request.form.{name}: {e}"))?;
            push_pairs(&mut pairs, name, &value);
        }
        Body::Form(pairs)
    } else if let Some(body) = &request.body {
        Body::Raw(
            scope
                .render_str(body)
                .map_err(|e| format!("request.body: {e}"))?,
        )
    } else {
        Body::None
    };
    let prepared = Prepared {
        method: request.method.as_str(),
        url,
        headers,
        body,
    };
    prepared.learn_secrets(&scope.state.redactor);
    Ok(prepared)
}

impl Prepared {
    /// Registers what the request carries as credentials (headers,
    /// credential-named query and form fields, JSON fields at any depth),
    /// before anything about it is shown.
    fn learn_secrets(&self, redactor: &Redactor) {
        redactor.learn_text(self.url.as_str());
        for (name, value) in &self.headers {
            redactor.learn_header(name, value);
        }
        match &self.body {
            Body::None => {}
            Body::Json(v) => redactor.learn_json(v),
            Body::Form(pairs) => pairs.iter().for_each(|(k, v)| redactor.learn_pair(k, v)),
            Body::Raw(text) => redactor.learn_text(text),
        }
    }

    pub fn build(&self, http: &reqwest::Client) -> Result<reqwest::RequestBuilder, String> {
        let method =
            reqwest::Method::from_bytes(self.method.as_bytes()).map_err(|e| e.to_string())?;
        // The parsed URL, not its text: reqwest would parse it again.
        let mut req = http.request(method, self.url.clone());
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        Ok(match &self.body {
            Body::None => req,
            Body::Json(v) => req.body(serde_json::to_vec(v).map_err(|e| e.to_string())?),
            Body::Form(pairs) => {
                let text: String = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs.iter())
                    .finish();
                req.body(text)
            }
            Body::Raw(text) => req.body(text.clone()),
        })
    }

    /// The request as text: request line and headers, and the body when `body` is set.
    pub fn dump(&self, body: bool) -> String {
        let mut out = format!("> {} {}\n", self.method, self.url);
        for (k, v) in &self.headers {
            out.push_str(&format!("> {k}: {v}\n"));
        }
        if body {
            let text = match &self.body {
                Body::None => String::new(),
                Body::Json(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
                Body::Form(pairs) => pairs
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&"),
                Body::Raw(t) => t.clone(),
            };
            if !text.is_empty() {
                out.push_str(&text);
                out.push('\n');
            }
        }
        out
    }
}

fn is_absolute(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// String concatenation, not RFC 3986 resolution: a base of `.../v1` and a
/// URL of `/environments` must give `.../v1/environments`.
fn join(base: &str, url: &str) -> String {
    match (base.ends_with('/'), url.starts_with('/')) {
        (true, true) => format!("{base}{}", &url[1..]),
        (false, false) if !url.is_empty() && !url.starts_with('?') => format!("{base}/{url}"),
        _ => format!("{base}{url}"),
    }
}

/// A scalar as a parameter value; a list repeats the parameter; null is left out.
fn push_pairs(pairs: &mut Vec<(String, String)>, name: &str, value: &Json) {
    match value {
        Json::Null => {}
        Json::Array(items) => items.iter().for_each(|v| push_pairs(pairs, name, v)),
        Json::String(s) => pairs.push((name.to_string(), s.clone())),
        other => pairs.push((name.to_string(), other.to_string())),
    }
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value));
}

/// Sets a header unless the step set it: an explicit `Content-Type` wins.
fn default_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
        headers.push((name.to_string(), value.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_by_concatenation() {
        assert_eq!(join("http://h/v1", "/envs"), "http://h/v1/envs");
        assert_eq!(join("http://h/v1/", "/envs"), "http://h/v1/envs");
        assert_eq!(join("http://h/v1", "envs"), "http://h/v1/envs");
        assert!(is_absolute("https://x/y"));
        assert!(!is_absolute("/x?u=https://y"));
    }
}
