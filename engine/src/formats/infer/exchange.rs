//! What the importers hand to the inference: requests as they were sent
//! and, from a HAR file, the responses they got.

use serde_json::Value as Json;

use crate::spec::model::Method;

/// One request, and its response when it was recorded.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// A title for its step (a HAR entry's `comment`).
    pub title: Option<String>,
    pub method: Method,
    pub url: url::Url,
    /// Request headers in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub response: Option<Seen>,
    /// When it was sent, in milliseconds since the Unix epoch.
    pub started_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    Json(Json),
    Form(Vec<(String, String)>),
    Raw(String),
}

/// A recorded response.
#[derive(Debug, Clone)]
pub struct Seen {
    pub status: u16,
    /// Names lower-case.
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub json: Option<Json>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A request body from its text and content type: JSON when it reads
    /// as JSON and says so, or is an object or a list whatever it says (so
    /// its credential-named fields are found), a form when it is
    /// URL-encoded, else raw text.
    pub fn body_from(mime: &str, text: &str) -> Body {
        if text.is_empty() {
            return Body::None;
        }
        let mime = mime.to_ascii_lowercase();
        if let Ok(v) = serde_json::from_str::<Json>(text)
            && (mime.contains("json") || v.is_object() || v.is_array())
        {
            return Body::Json(v);
        }
        if mime.starts_with("application/x-www-form-urlencoded") {
            return Body::Form(
                url::form_urlencoded::parse(text.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
            );
        }
        Body::Raw(text.to_string())
    }
}
