//! Captures (`outputs`): a source (JSONPath, header, cookie, status, body,
//! final URL) narrowed by `query`/`fragment` parameters or a regex.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonpath_rust::parser::errors::JsonPathError;
use jsonpath_rust::parser::model::JpQuery;
use serde_json::Value as Json;

use super::response::Response;
use crate::spec::model::{CaptureSpec, Decode, Group};

/// The captured value, or why there is none; `earlier` holds the outputs this step
/// captured before (the `output` source).
pub fn capture(
    spec: &CaptureSpec,
    resp: &Response,
    earlier: &serde_json::Map<String, Json>,
) -> Result<Json, String> {
    let sourced = match &spec.output {
        Some(name) => vec![
            earlier
                .get(name)
                .cloned()
                .ok_or_else(|| format!("output `{name}` is not captured above this one"))?,
        ],
        None => source(spec, resp)?,
    };
    // Shown when narrowing finds nothing: the Location that lacked `code`.
    let first = sourced
        .first()
        .filter(|_| spec.header.is_some() || spec.cookie.is_some())
        .cloned();
    let mut found = narrow(spec, sourced)?;
    if let Some(Decode::Base64) = spec.decode {
        found = found.iter().map(base64_text).collect::<Result<_, _>>()?;
    }
    if found.is_empty() {
        if spec.optional {
            return Ok(Json::Null);
        }
        return Err(match first {
            Some(Json::String(v)) => format!("{} matched nothing in `{v}`", describe(spec)),
            _ => format!("{} matched nothing", describe(spec)),
        });
    }
    Ok(if spec.all {
        Json::Array(found)
    } else {
        found.into_iter().next().unwrap_or(Json::Null)
    })
}

/// Every value the source yields (one unless `all` widens it).
fn source(spec: &CaptureSpec, resp: &Response) -> Result<Vec<Json>, String> {
    if let Some(path) = &spec.json {
        return json_path(path, resp);
    }
    if let Some(name) = &spec.header {
        return Ok(resp
            .header_all(name)
            .into_iter()
            .map(|v| Json::String(v.to_string()))
            .collect());
    }
    if let Some(name) = &spec.cookie {
        return Ok(resp
            .cookies()
            .into_iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| Json::String(v.to_string()))
            .collect());
    }
    if spec.status {
        return Ok(vec![Json::from(resp.status)]);
    }
    if spec.url {
        return Ok(vec![Json::String(resp.url.clone())]);
    }
    Ok(vec![Json::String(resp.text.clone())])
}

pub fn json_path(path: &str, resp: &Response) -> Result<Vec<Json>, String> {
    let Some(body) = &resp.json else {
        return Err(format!("`{path}`: the response body is not JSON"));
    };
    query(path, body)
}

pub fn query(path: &str, body: &Json) -> Result<Vec<Json>, String> {
    let compiled = compiled(path).map_err(|e| format!("`{path}`: {e}"))?;
    jsonpath_rust::query::js_path_process(&compiled, body)
        .map(|found| found.into_iter().map(|r| r.val.clone()).collect())
        .map_err(|e| format!("`{path}`: {e}"))
}

/// Compiled JSONPaths, shared by every step: a path is parsed once, not
/// on every response it reads.
fn compiled(path: &str) -> Result<Arc<JpQuery>, JsonPathError> {
    /// More than any set of specs holds; past it the cache starts over.
    const MAX: usize = 10_000;
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<JpQuery>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(q) = cache.lock().ok().and_then(|c| c.get(path).cloned()) {
        return Ok(q);
    }
    let q = Arc::new(jsonpath_rust::parser::parse_json_path(path)?);
    if let Ok(mut c) = cache.lock() {
        if c.len() >= MAX {
            c.clear();
        }
        c.insert(path.to_string(), q.clone());
    }
    Ok(q)
}

fn narrow(spec: &CaptureSpec, values: Vec<Json>) -> Result<Vec<Json>, String> {
    if spec.query.is_none() && spec.fragment.is_none() && spec.regex.is_none() {
        return Ok(values);
    }
    let mut out = Vec::new();
    for value in values {
        // A number or an object is narrowed as its JSON text.
        let text = match value {
            Json::String(s) => s,
            other => other.to_string(),
        };
        let mut texts = vec![text];
        if let Some(name) = &spec.query {
            texts = texts
                .iter()
                .filter_map(|t| url_param(t, name, false))
                .collect();
        } else if let Some(name) = &spec.fragment {
            texts = texts
                .iter()
                .filter_map(|t| url_param(t, name, true))
                .collect();
        }
        if let Some(re) = &spec.regex {
            let re = regex::Regex::new(re).map_err(|e| format!("invalid regex: {e}"))?;
            let mut matched = Vec::new();
            for t in &texts {
                for caps in re.captures_iter(t) {
                    let m = match &spec.group {
                        Some(Group::Index(i)) => caps.get(*i),
                        Some(Group::Name(n)) => caps.name(n),
                        None if re.captures_len() > 1 => caps.get(1),
                        None => caps.get(0),
                    };
                    if let Some(m) = m {
                        matched.push(m.as_str().to_string());
                    }
                    if !spec.all {
                        break;
                    }
                }
            }
            texts = matched;
        }
        out.extend(texts.into_iter().map(Json::String));
    }
    Ok(out)
}

/// A captured string decoded from base64 (standard or URL-safe alphabet, padding and
/// line breaks optional) to UTF-8 text; the error never shows the value.
fn base64_text(value: &Json) -> Result<Json, String> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let Json::String(text) = value else {
        return Err("`decode: base64` needs a text value".into());
    };
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let clean = clean.trim_end_matches('=');
    let bytes = STANDARD_NO_PAD
        .decode(clean)
        .or_else(|_| URL_SAFE_NO_PAD.decode(clean))
        .map_err(|_| "`decode: base64`: the value is not valid base64".to_string())?;
    String::from_utf8(bytes)
        .map(Json::String)
        .map_err(|_| "`decode: base64`: the decoded bytes are not UTF-8 text".to_string())
}

/// A query or fragment parameter of an absolute or relative URL
/// (`Location: /as/resume?flowId=...` has no host).
pub fn url_param(text: &str, name: &str, fragment: bool) -> Option<String> {
    let base = url::Url::parse("http://relative.invalid/").ok()?;
    let url = url::Url::options()
        .base_url(Some(&base))
        .parse(text.trim())
        .ok()?;
    if fragment {
        let f = url.fragment()?;
        url::form_urlencoded::parse(f.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    } else {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

fn describe(spec: &CaptureSpec) -> String {
    let mut s = if let Some(p) = &spec.json {
        format!("JSONPath `{p}`")
    } else if let Some(h) = &spec.header {
        format!("header `{h}`")
    } else if let Some(c) = &spec.cookie {
        format!("cookie `{c}`")
    } else if spec.url {
        "the final URL".into()
    } else if let Some(o) = &spec.output {
        format!("output `{o}`")
    } else {
        "the body".into()
    };
    if let Some(q) = &spec.query {
        s.push_str(&format!(" (query parameter `{q}`)"));
    }
    if let Some(f) = &spec.fragment {
        s.push_str(&format!(" (fragment parameter `{f}`)"));
    }
    if let Some(r) = &spec.regex {
        s.push_str(&format!(" (regex `{r}`)"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status: 302,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            text: body.into(),
            json: serde_json::from_str(body).ok(),
            url: "http://h/x".into(),
        }
    }

    #[test]
    fn relative_location_query_parameter() {
        let spec = CaptureSpec {
            header: Some("Location".into()),
            query: Some("flowId".into()),
            ..Default::default()
        };
        let r = resp(&[("location", "/signon/?flowId=abc123")], "");
        assert_eq!(
            capture(&spec, &r, &Default::default()).unwrap(),
            Json::String("abc123".into())
        );
    }

    #[test]
    fn fragment_parameter() {
        let spec = CaptureSpec {
            header: Some("location".into()),
            fragment: Some("access_token".into()),
            ..Default::default()
        };
        let r = resp(
            &[("location", "https://app/cb#access_token=t0k&state=s")],
            "",
        );
        assert_eq!(
            capture(&spec, &r, &Default::default()).unwrap(),
            Json::String("t0k".into())
        );
    }

    #[test]
    fn missing_json_path_fails_unless_optional() {
        let mut spec = CaptureSpec {
            json: Some("$.nope".into()),
            ..Default::default()
        };
        let r = resp(&[], r#"{"id": 1}"#);
        assert!(
            capture(&spec, &r, &Default::default())
                .unwrap_err()
                .contains("matched nothing")
        );
        spec.optional = true;
        assert_eq!(capture(&spec, &r, &Default::default()).unwrap(), Json::Null);
    }

    #[test]
    fn decoded_form_field_read_again_by_a_later_capture() {
        let page = r#"<form><input type="hidden" name="SAMLResponse" value="PHNhbWw6TmFtZUlEPmpvPC9zYW1sOk5hbWVJRD4="/></form>"#;
        let r = resp(&[], page);
        let xml = CaptureSpec {
            body: true,
            regex: Some(r#"name="SAMLResponse" value="([^"]+)""#.into()),
            decode: Some(Decode::Base64),
            ..Default::default()
        };
        let mut earlier = serde_json::Map::new();
        let decoded = capture(&xml, &r, &earlier).unwrap();
        assert_eq!(
            decoded,
            Json::String("<saml:NameID>jo</saml:NameID>".into())
        );
        earlier.insert("xml".into(), decoded);
        let name_id = CaptureSpec {
            output: Some("xml".into()),
            regex: Some("<saml:NameID>([^<]+)<".into()),
            ..Default::default()
        };
        assert_eq!(
            capture(&name_id, &r, &earlier).unwrap(),
            Json::String("jo".into())
        );
        let missing = CaptureSpec {
            output: Some("nope".into()),
            ..Default::default()
        };
        assert!(
            capture(&missing, &r, &earlier)
                .unwrap_err()
                .contains("`nope`")
        );
        let not_base64 = CaptureSpec {
            body: true,
            regex: Some("<form>".into()),
            decode: Some(Decode::Base64),
            ..Default::default()
        };
        let err = capture(&not_base64, &r, &earlier).unwrap_err();
        assert!(
            err.contains("not valid base64") && !err.contains("<form>"),
            "{err}"
        );
    }
}
