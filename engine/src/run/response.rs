//! A received response, read once into memory for captures, expectations and dumps.

use serde_json::Value as Json;

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
    pub async fn read(resp: reqwest::Response) -> Result<Self, reqwest::Error> {
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
        let bytes = resp.bytes().await?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).ok();
        Ok(Self {
            status,
            headers,
            text,
            json,
            url,
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
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
