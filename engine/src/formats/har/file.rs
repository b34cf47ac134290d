//! The parts of a HAR 1.2 file the import reads.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Har {
    pub log: Log,
}

#[derive(Debug, Deserialize)]
pub struct Log {
    pub entries: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    #[serde(default)]
    pub started_date_time: Option<String>,
    pub request: Request,
    pub response: Response,
    #[serde(default)]
    pub comment: Option<String>,
    /// Chrome's kind of request: `document`, `xhr`, `fetch`, `script`, `image`...
    #[serde(default, rename = "_resourceType")]
    pub resource_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: Vec<Pair>,
    #[serde(default)]
    pub post_data: Option<PostData>,
}

#[derive(Debug, Deserialize)]
pub struct Pair {
    pub name: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostData {
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub params: Vec<Pair>,
}

#[derive(Debug, Deserialize)]
pub struct Response {
    pub status: i64,
    #[serde(default)]
    pub headers: Vec<Pair>,
    #[serde(default)]
    pub content: Content,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub encoding: Option<String>,
}

/// Reads a HAR document; errors name `file:line:col` and the field.
pub fn parse(file: &str, text: &str) -> Result<Har, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let message = inner.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_string();
        let message = plain_words(&message);
        let (line, column) = (inner.line(), inner.column());
        if path.is_empty() || path == "." {
            format!("{file}:{line}:{column}: {message}")
        } else {
            format!("{file}:{line}:{column}: {path}: {message}")
        }
    })
}

/// The reader's words for types, in the user's: `i64` is a number, and
/// `invalid type: map, expected a sequence` is "expected a list, found an object".
fn plain_words(message: &str) -> String {
    let types = regex::Regex::new(r"\b(struct|enum) [A-Z]\w*").expect("valid regex");
    let numbers = regex::Regex::new(r"\b[iuf](8|16|32|64|128|size)\b").expect("valid regex");
    let m = types.replace_all(message, "an object");
    let m = numbers.replace_all(&m, "a number");
    let m = m
        .replace("a sequence", "a list")
        .replace("a map", "an object");
    let invalid =
        regex::Regex::new(r"^invalid (?:type|value): (.*), expected (.*)$").expect("valid regex");
    match invalid.captures(&m) {
        Some(c) => format!("expected {}, found {}", &c[2], found(&c[1])),
        None => m,
    }
}

/// What serde says it found (`map`, `string "ok"`, `integer `3``), as a user says it.
fn found(what: &str) -> String {
    let (kind, value) = what.split_once(' ').unwrap_or((what, ""));
    let value = value.trim_matches('`');
    match kind {
        "map" => "an object".into(),
        "sequence" => "a list".into(),
        "string" => format!("the text {value}"),
        "integer" | "floating" => {
            let value = value.trim_start_matches("point ").trim_matches('`');
            format!("the number {value}")
        }
        "boolean" => value.to_string(),
        "null" | "unit" => "null".into(),
        _ => what.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn type_errors_are_said_in_plain_words_with_their_position() {
        let e = parse("x.har", "{\"log\": {\"entries\": {}}}").unwrap_err();
        assert_eq!(
            e,
            "x.har:1:20: log.entries: expected a list, found an object"
        );
        let e = parse("x.har", "{\"log\": 3}").unwrap_err();
        assert_eq!(e, "x.har:1:9: log: expected an object, found the number 3");
        assert!(!e.contains("invalid type"), "{e}");
    }
}
