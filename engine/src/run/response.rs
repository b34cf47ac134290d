//! A received response, read once into memory (up to a size limit) for
//! captures, expectations and dumps.

use serde_json::Value as Json;

use crate::spec::size::ByteSize;

/// Largest body read when neither the client nor `--max-body` says otherwise.
pub const DEFAULT_MAX_BODY: u64 = 16 * ByteSize::MIB;

/// A response whose body could not be read whole.
#[derive(Debug)]
pub struct BodyError {
    /// Status, headers and URL; the body is empty.
    pub head: Response,
    pub kind: BodyErrorKind,
}

#[derive(Debug)]
pub enum BodyErrorKind {
    /// Longer than the limit: the rest was not read.
    TooLarge { limit: u64, declared: Option<u64> },
    /// The connection failed while the body was being received (reset, truncated).
    Broken(reqwest::Error),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            BodyErrorKind::TooLarge { limit, declared } => {
                write!(f, "response body larger than {}", ByteSize(*limit))?;
                if let Some(n) = declared {
                    write!(f, " (Content-Length: {n})")?;
                }
                write!(
                    f,
                    "; set `max_body` on the client or `--max-body` to read more"
                )
            }
            BodyErrorKind::Broken(e) => write!(f, "reading the response body failed: {e}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Names lower-case, in received order; repeated headers stay separate.
    pub headers: Vec<(String, String)>,
    pub text: String,
    /// The body parsed as JSON, when it is JSON.
    pub json: Option<Json>,
    /// The final URL (after redirects, when the client follows them).
    pub url: String,
}

impl Response {
    /// Reads the whole body, failing past `limit` bytes without reading the rest.
    pub async fn read(mut resp: reqwest::Response, limit: u64) -> Result<Self, Box<BodyError>> {
        let status = resp.status().as_u16();
        let url = resp.url().to_string();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut head = Self {
            status,
            headers,
            text: String::new(),
            json: None,
            url,
        };
        let declared = resp.content_length();
        let fail = |head, kind| Err(Box::new(BodyError { head, kind }));
        if let Some(n) = declared.filter(|n| *n > limit) {
            let kind = BodyErrorKind::TooLarge {
                limit,
                declared: Some(n),
            };
            return fail(head, kind);
        }
        // Sized up front: growing by doubling would briefly hold twice the body.
        let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if (bytes.len() + chunk.len()) as u64 > limit {
                        let kind = BodyErrorKind::TooLarge {
                            limit,
                            declared: None,
                        };
                        return fail(head, kind);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return fail(head, BodyErrorKind::Broken(e)),
            }
        }
        head.json = serde_json::from_slice(&bytes).ok();
        head.text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(head)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_all(name).into_iter().next()
    }

    pub fn header_all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// `(name, value)` of every `Set-Cookie`.
    pub fn cookies(&self) -> Vec<(&str, &str)> {
        self.header_all("set-cookie")
            .into_iter()
            .filter_map(|c| {
                let pair = c.split(';').next()?;
                let (name, value) = pair.split_once('=')?;
                Some((name.trim(), value.trim().trim_matches('"')))
            })
            .collect()
    }

    /// The body as JSON, or the text when it is not JSON (for `response.body`).
    pub fn body_value(&self) -> Json {
        self.json
            .clone()
            .unwrap_or_else(|| Json::String(self.text.clone()))
    }

    /// `response` in `until` conditions.
    pub fn template_value(&self) -> Json {
        let mut headers = serde_json::Map::new();
        for (k, v) in &self.headers {
            headers
                .entry(k.clone())
                .or_insert_with(|| Json::String(v.clone()));
        }
        serde_json::json!({
            "status": self.status,
            "headers": headers,
            "body": self.body_value(),
            "url": self.url,
        })
    }

    /// Status line and the start of the body, for failure messages.
    pub fn excerpt(&self, limit: usize) -> String {
        let mut body = self.text.clone();
        if body.len() > limit {
            let mut cut = limit;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
            body.push('…');
        }
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        if body.is_empty() {
            format!("HTTP {} {reason}", self.status)
        } else {
            format!("HTTP {} {reason}\n{body}", self.status)
        }
    }
}
