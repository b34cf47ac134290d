//! Captures on arbitrary responses.
//!
//! Input, like a small HTTP message:
//!
//! ```text
//! {"header": "Location", "query": "code"}     capture spec (JSON), first line
//! 302 http://h/cb                              status and final URL
//! Location: /cb?code=abc                       headers, one a line
//!                                              blank line
//! body bytes (JSON or not)
//! ```
//!
//! A first line that is not a capture in JSON is read as bytes that choose
//! a spec (source, regex and group, query or fragment, flags), so specs the
//! schema would refuse run too. Missing parts take defaults.

#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use caseflow::run::capture::{capture, url_param};
use caseflow::run::response::Response;
use caseflow::spec::model::{Capture, CaptureSpec, Group};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Source {
    Json(String),
    Header(String),
    Cookie(String),
    Status,
    Body,
    Url,
}

#[derive(Arbitrary, Debug)]
enum ArbGroup {
    Index(u8),
    Name(String),
}

#[derive(Arbitrary, Debug)]
struct ArbSpec {
    source: Source,
    /// A second source: at run time the first one set wins.
    also: Option<Source>,
    regex: Option<String>,
    group: Option<ArbGroup>,
    query: Option<String>,
    fragment: Option<String>,
    all: bool,
    optional: bool,
}

fn apply(spec: &mut CaptureSpec, source: Source) {
    match source {
        Source::Json(p) => spec.json = Some(p),
        Source::Header(h) => spec.header = Some(h),
        Source::Cookie(c) => spec.cookie = Some(c),
        Source::Status => spec.status = true,
        Source::Body => spec.body = true,
        Source::Url => spec.url = true,
    }
}

fn arbitrary_spec(bytes: &[u8]) -> Result<CaptureSpec> {
    let a = ArbSpec::arbitrary_take_rest(Unstructured::new(bytes))?;
    let mut spec = CaptureSpec {
        regex: a.regex,
        group: a.group.map(|g| match g {
            ArbGroup::Index(i) => Group::Index(i.into()),
            ArbGroup::Name(n) => Group::Name(n),
        }),
        query: a.query,
        fragment: a.fragment,
        all: a.all,
        optional: a.optional,
        ..CaptureSpec::default()
    };
    apply(&mut spec, a.source);
    if let Some(also) = a.also {
        apply(&mut spec, also);
    }
    Ok(spec)
}

fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

fn response(data: &[u8]) -> Response {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (&[][..], data),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let (status, url) = match lines.next().map(|l| l.split_once(' ').unwrap_or((l, ""))) {
        Some((s, u)) => (s.trim().parse().unwrap_or(200), u.trim().to_string()),
        None => (200, String::new()),
    };
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        text: String::from_utf8_lossy(body).into_owned(),
        json: serde_json::from_slice(body).ok(),
        url,
    }
}

fuzz_target!(|data: &[u8]| {
    let (line, rest) = split_line(data);
    let spec = match serde_json::from_slice::<Capture>(line) {
        Ok(capture) => capture.spec(),
        Err(_) => match arbitrary_spec(line) {
            Ok(spec) => spec,
            Err(_) => return,
        },
    };
    let resp = response(rest);
    let _ = capture(&spec, &resp);
    // The same spec asking for every match, and tolerating none.
    let widened = CaptureSpec {
        all: !spec.all,
        optional: true,
        ..spec.clone()
    };
    let _ = capture(&widened, &resp);
    for (_, value) in &resp.headers {
        for name in [spec.query.as_deref(), spec.fragment.as_deref()]
            .into_iter()
            .flatten()
        {
            let _ = url_param(value, name, false);
            let _ = url_param(value, name, true);
        }
    }
    let _ = resp.cookies();
    let _ = resp.template_value();
    let _ = resp.excerpt(data.len() % 300);
});
