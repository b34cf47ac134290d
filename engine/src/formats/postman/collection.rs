//! Serde types of Postman collections (v2.1, also v2.0) and environment
//! exports. Lenient on purpose: fields Postman writes in several shapes are
//! untagged enums, everything else is optional.

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct Collection {
    pub info: Info,
    #[serde(default)]
    pub item: Vec<Item>,
    #[serde(default)]
    pub event: Vec<Event>,
    #[serde(default)]
    pub variable: Vec<Variable>,
    #[serde(default)]
    pub auth: Option<Auth>,
}

#[derive(Debug, Deserialize)]
pub struct Info {
    pub name: String,
    #[serde(default)]
    pub description: Option<Description>,
    #[serde(default)]
    pub schema: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Description {
    Text(String),
    Object {
        #[serde(default)]
        content: Option<String>,
    },
}

impl Description {
    pub fn text(&self) -> Option<String> {
        let t = match self {
            Self::Text(t) => t.as_str(),
            Self::Object { content } => content.as_deref()?,
        };
        let t = t.trim();
        (!t.is_empty()).then(|| t.to_string())
    }
}

/// A folder (with `item`) or a request.
#[derive(Debug, Deserialize)]
pub struct Item {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub item: Option<Vec<Item>>,
    #[serde(default)]
    pub request: Option<RequestDef>,
    #[serde(default)]
    pub event: Vec<Event>,
    #[serde(default)]
    pub description: Option<Description>,
    #[serde(default)]
    pub auth: Option<Auth>,
    #[serde(default, rename = "protocolProfileBehavior")]
    pub protocol_profile_behavior: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RequestDef {
    Url(String),
    Full(Box<Request>),
}

#[derive(Debug, Deserialize)]
pub struct Request {
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub url: Option<Url>,
    #[serde(default)]
    pub header: Option<Headers>,
    #[serde(default)]
    pub body: Option<Body>,
    #[serde(default)]
    pub auth: Option<Auth>,
    #[serde(default)]
    pub description: Option<Description>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Url {
    Text(String),
    Parts(Box<UrlParts>),
}

#[derive(Debug, Deserialize)]
pub struct UrlParts {
    #[serde(default)]
    pub raw: Option<String>,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub host: Option<Value>,
    #[serde(default)]
    pub port: Option<String>,
    #[serde(default)]
    pub path: Option<Value>,
    #[serde(default)]
    pub query: Vec<KeyValue>,
}

/// `{ key, value, disabled }`: query parameters, urlencoded fields, auth parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyValue {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub src: Option<Value>,
}

impl KeyValue {
    pub fn value_text(&self) -> String {
        value_text(self.value.as_ref())
    }
}

/// A variable value as text (Postman stores numbers and booleans too).
pub fn value_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Headers {
    List(Vec<KeyValue>),
    Text(String),
}

#[derive(Debug, Deserialize)]
pub struct Body {
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub raw: Option<String>,
    #[serde(default)]
    pub urlencoded: Vec<KeyValue>,
    #[serde(default)]
    pub formdata: Vec<KeyValue>,
    #[serde(default)]
    pub graphql: Option<Value>,
    #[serde(default)]
    pub options: Option<Value>,
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Debug, Deserialize)]
pub struct Event {
    pub listen: String,
    #[serde(default)]
    pub script: Option<Script>,
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Debug, Deserialize)]
pub struct Script {
    #[serde(default)]
    pub exec: Option<Exec>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Exec {
    Lines(Vec<String>),
    Text(String),
}

impl Event {
    /// The script text of an enabled event of this kind (`test`, `prerequest`).
    pub fn source(&self, listen: &str) -> Option<String> {
        if self.listen != listen || self.disabled {
            return None;
        }
        let text = match self.script.as_ref()?.exec.as_ref()? {
            Exec::Lines(lines) => lines.join("\n"),
            Exec::Text(t) => t.clone(),
        };
        (!text.trim().is_empty()).then_some(text)
    }
}

/// `{ type: bearer, bearer: [{key: token, value: ...}] }`; v2.0 used objects
/// instead of key/value lists, both are read.
#[derive(Debug, Clone, Deserialize)]
pub struct Auth {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(flatten)]
    pub params: serde_json::Map<String, Value>,
}

impl Auth {
    pub fn param(&self, name: &str) -> Option<String> {
        match self.params.get(&self.kind)? {
            Value::Array(list) => list.iter().find_map(|kv| {
                (kv.get("key")?.as_str()? == name).then(|| value_text(kv.get("value")))
            }),
            Value::Object(map) => Some(value_text(map.get(name))),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Variable {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub disabled: bool,
}

/// An environment (or globals) export.
#[derive(Debug, Deserialize)]
pub struct Environment {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub values: Vec<EnvValue>,
}

#[derive(Debug, Deserialize)]
pub struct EnvValue {
    pub key: String,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Parses JSON text as `T`; errors read `file:line:col: message`.
pub fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, String> {
    let syntax: Value = serde_json::from_str(text).map_err(|e| json_error(file, &e))?;
    if let Some(hint) = shape_hint(&syntax) {
        return Err(format!("{file}:1:1: {hint}"));
    }
    serde_json::from_str(text).map_err(|e| json_error(file, &e))
}

fn shape_hint(v: &Value) -> Option<&'static str> {
    let obj = v.as_object()?;
    if obj.contains_key("requests") && !obj.contains_key("item") {
        return Some("this is a Postman v1 collection; export it from Postman as Collection v2.1");
    }
    None
}

fn json_error(file: &str, e: &serde_json::Error) -> String {
    let message = e.to_string();
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m);
    format!("{file}:{}:{}: {message}", e.line(), e.column())
}
