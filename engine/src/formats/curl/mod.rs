//! `caseflow import curl`: curl command lines (as tutorials and browsers'
//! "copy as cURL" write them) -> a spec. Without responses nothing links
//! the requests, so values become inputs (`{{envID}}` placeholders too)
//! by the rules of [`crate::formats::infer`].

pub mod words;

use base64::Engine;

use super::Imported;
use super::infer::{self, Body, Exchange, Options};
use super::names::kebab;

/// Options curl takes that change nothing in the spec, with whether each
/// takes a value.
const IGNORED: &[(&str, bool)] = &[
    ("-s", false),
    ("--silent", false),
    ("-S", false),
    ("--show-error", false),
    ("-v", false),
    ("--verbose", false),
    ("-i", false),
    ("--include", false),
    ("-f", false),
    ("--fail", false),
    ("-k", false),
    ("--insecure", false),
    ("--compressed", false),
    ("--http1.1", false),
    ("--http2", false),
    ("-o", true),
    ("--output", true),
    ("-w", true),
    ("--write-out", true),
    ("-m", true),
    ("--max-time", true),
    ("--connect-timeout", true),
    ("-c", true),
    ("--cookie-jar", true),
];

/// Converts curl commands read from `source` (a file name, or `-`).
pub fn import(source: &str, stem: &str, text: &str) -> Result<Imported, String> {
    let commands = words::commands(text).map_err(|e| format!("{source}:{e}"))?;
    let mut warnings = Vec::new();
    let mut exchanges = Vec::new();
    // Origins of commands with `-L`: curl followed their redirects.
    let mut follow: Vec<String> = Vec::new();
    for (line, words) in &commands {
        if words.first().map(String::as_str) != Some("curl") {
            continue;
        }
        let parsed =
            command(&words[1..], &mut warnings).map_err(|e| format!("{source}:{line}:1: {e}"))?;
        if parsed.1 {
            follow.push(parsed.0.url.origin().ascii_serialization());
        }
        exchanges.push(parsed.0);
    }
    if exchanges.is_empty() {
        return Err(format!("{source}: no curl command found"));
    }
    let name = kebab(stem);
    let options = Options {
        title: format!("Converted {name}"),
        name,
        tags: vec!["curl".into()],
        header: vec![format!("Imported from {source} by `caseflow import curl`.")],
    };
    let mut inferred = infer::infer(exchanges, &options).map_err(|e| format!("{source}: {e}"))?;
    if !follow.is_empty() {
        let spec = &mut inferred.spec.spec;
        let following: Vec<String> = spec
            .inputs
            .iter()
            .filter(|(_, i)| {
                i.default
                    .as_ref()
                    .and_then(|d| d.as_str())
                    .is_some_and(|d| follow.iter().any(|f| f == d))
            })
            .map(|(name, _)| format!("{{{{ inputs.{name} }}}}"))
            .collect();
        for c in spec.clients.values_mut() {
            c.follow_redirects = c.base_url.as_ref().is_some_and(|b| following.contains(b));
        }
        inferred.spec.yaml = super::yaml::render(spec, &options.header, &Default::default())?;
    }
    warnings.extend(inferred.notes);
    Ok(Imported {
        specs: vec![inferred.spec],
        warnings,
    })
}

/// One command's request, and whether it follows redirects.
fn command(args: &[String], warnings: &mut Vec<String>) -> Result<(Exchange, bool), String> {
    let mut method: Option<String> = None;
    let mut url: Option<String> = None;
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut data: Vec<String> = Vec::new();
    let mut json = false;
    let mut get = false;
    let mut follow = false;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        // `-XPOST`, `-HAccept: x`: a short option with its value attached.
        let (opt, attached) = match arg {
            a if a.len() > 2 && a.starts_with('-') && !a.starts_with("--") => {
                (&a[..2], Some(a[2..].to_string()))
            }
            a => match a.split_once('=') {
                Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
                _ => (a, None),
            },
        };
        let value = |i: &mut usize| -> Result<String, String> {
            if let Some(v) = &attached {
                return Ok(v.clone());
            }
            *i += 1;
            args.get(*i)
                .cloned()
                .ok_or_else(|| format!("`{opt}` needs a value"))
        };
        match opt {
            "-X" | "--request" => method = Some(value(&mut i)?.to_ascii_uppercase()),
            "-H" | "--header" => {
                let h = value(&mut i)?;
                match h.split_once(':') {
                    Some((k, v)) => headers.push((k.trim().to_string(), v.trim().to_string())),
                    None => return Err(format!("`-H {h}`: a header is `Name: value`")),
                }
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-ascii" => {
                data.push(value(&mut i)?)
            }
            "--data-urlencode" => data.push(urlencode_data(&value(&mut i)?)),
            "--json" => {
                data.push(value(&mut i)?);
                json = true;
            }
            "-u" | "--user" => {
                let credentials = base64::engine::general_purpose::STANDARD.encode(value(&mut i)?);
                headers.push(("Authorization".into(), format!("Basic {credentials}")));
            }
            "-L" | "--location" => follow = true,
            "-G" | "--get" => get = true,
            "--url" => url = Some(value(&mut i)?),
            "-b" | "--cookie" => {
                value(&mut i)?;
                warnings.push(
                    "`-b`/`--cookie` left out: a client's cookie jar keeps the cookies its responses set".into(),
                );
            }
            "-A" | "--user-agent" => headers.push(("User-Agent".into(), value(&mut i)?)),
            "-e" | "--referer" => headers.push(("Referer".into(), value(&mut i)?)),
            o if o.starts_with('-') && o.len() > 1 => {
                match IGNORED.iter().find(|(name, _)| *name == o) {
                    Some((_, true)) => {
                        value(&mut i)?;
                    }
                    Some((_, false)) => {}
                    None if arg.len() > 2 && !arg.starts_with("--") => {
                        // Flags run together: `-sSL`.
                        follow |= arg.contains('L');
                    }
                    None => warnings.push(format!("curl option `{o}` is not imported")),
                }
            }
            _ => url = Some(arg.to_string()),
        }
        i += 1;
    }
    let url = url.ok_or("no URL")?;
    let with_scheme = if url.contains("://") {
        url.clone()
    } else {
        format!("http://{url}")
    };
    let mut parsed =
        url::Url::parse(&with_scheme).map_err(|e| format!("`{url}` is not a valid URL: {e}"))?;
    let body_text = data.join("&");
    let has =
        |name: &str, h: &[(String, String)]| h.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    if json && !has("content-type", &headers) {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    let body = if data.is_empty() {
        Body::None
    } else if get {
        let query = match parsed.query() {
            Some(q) if !q.is_empty() => format!("{q}&{body_text}"),
            _ => body_text.clone(),
        };
        parsed.set_query(Some(&query));
        Body::None
    } else {
        if !has("content-type", &headers) {
            headers.push((
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ));
        }
        let mime = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        Exchange::body_from(&mime, &body_text)
    };
    let default = if body == Body::None || get {
        "GET"
    } else {
        "POST"
    };
    let method = super::har::method(method.as_deref().unwrap_or(default))?;
    Ok((
        Exchange {
            title: None,
            method,
            url: parsed,
            headers,
            body,
            response: None,
            started_ms: None,
        },
        follow,
    ))
}

/// `--data-urlencode name=value`: the value encoded, the name kept.
fn urlencode_data(text: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => format!("{name}={}", encode(value)),
        Some((_, value)) => encode(value),
        None => encode(text),
    }
}
