//! HAL `_links` and collection bodies with absolute URLs on the sandbox's base URL.

use serde_json::{Map, Value, json};

/// `{"href": "<absolute url>"}`
pub fn href(url: impl Into<String>) -> Value {
    json!({"href": url.into()})
}

/// A `_links` map from `(rel, absolute url)` pairs.
pub fn links(pairs: Vec<(String, String)>) -> Value {
    let mut map = Map::new();
    for (rel, url) in pairs {
        map.insert(rel, href(url));
    }
    Value::Object(map)
}

/// PingOne's collection shape: `_links.self`, `_embedded.<key>[]`, `count`, `size`.
pub fn collection(
    self_url: String,
    next_url: Option<String>,
    key: &str,
    items: Vec<Value>,
    count: usize,
) -> Value {
    let size = items.len();
    let mut link_pairs = vec![("self".to_string(), self_url)];
    if let Some(next) = next_url {
        link_pairs.push(("next".to_string(), next));
    }
    json!({
        "_links": links(link_pairs),
        "_embedded": { key: items },
        "count": count,
        "size": size,
    })
}
