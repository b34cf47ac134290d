//! The OpenAPI descriptions an Arazzo document names in `sourceDescriptions`:
//! each operation's method, path template and server, found by
//! `operationId` or by a JSON pointer into `paths`.

use std::path::Path;

use serde_json::Value;

use crate::run::step::root_cause;
use crate::spec::model::Method;

/// One OpenAPI operation, as much of it as a request needs.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// The path template, e.g. `/items/{id}`.
    pub path: String,
    /// The media types its request body takes, first the preferred one.
    pub body_types: Vec<String>,
    /// Its successful responses declare content, none of it JSON.
    pub text_response: bool,
    /// The query parameters it declares (its own and its path's).
    pub query: Vec<String>,
}

/// An OpenAPI 3.0/3.1 description, read from a local file or downloaded.
#[derive(Debug)]
pub struct Description {
    pub name: String,
    /// The first `servers[].url`, when there is one.
    pub server: Option<String>,
    document: Value,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Description {
    /// Reads `url`: an `http(s)` address, or a path relative to the Arazzo
    /// document's directory.
    pub fn read(name: &str, url: &str, base: &Path) -> Result<Self, String> {
        let (shown, document) = if url.starts_with("http://") || url.starts_with("https://") {
            (url.to_string(), parse(url, &download(url)?)?)
        } else if url.contains("://") {
            return Err(format!(
                "`{url}` is neither an http(s) address nor a file next to the Arazzo document"
            ));
        } else {
            let path = base.join(url);
            (path.display().to_string(), read_file(&path)?)
        };
        let version = document
            .get("openapi")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !version.starts_with("3.") {
            return Err(format!(
                "`{shown}` is not an OpenAPI 3.0 or 3.1 description (its `openapi` field is `{version}`)"
            ));
        }
        let mut server = first_server(&document);
        // A relative server is relative to where the description was served.
        if let Some(relative) = server.as_deref().filter(|s| !s.contains("://"))
            && let Ok(joined) = url::Url::parse(&shown).and_then(|u| u.join(relative))
        {
            server = Some(joined.as_str().trim_end_matches('/').to_string());
        }
        Ok(Self {
            name: name.to_string(),
            server,
            document,
        })
    }

    /// The operation whose `operationId` is `id`.
    pub fn by_id(&self, id: &str) -> Option<Operation> {
        let paths = self.document.get("paths")?.as_object()?;
        paths.iter().find_map(|(path, item)| {
            METHODS.iter().find_map(|m| {
                let op = item.get(*m)?;
                (op.get("operationId")?.as_str()? == id)
                    .then(|| operation(&self.document, path, m, item))?
            })
        })
    }

    /// The operation a JSON pointer such as `/paths/~1items/post` names; a
    /// pointer to a path item (`/paths/~1items`) names its one operation.
    pub fn by_pointer(&self, pointer: &str) -> Result<Operation, String> {
        let tokens: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect();
        let none = || format!("`#{pointer}` names no operation of `{}`", self.name);
        let (path, method) = match tokens.as_slice() {
            [paths, path, method] if paths == "paths" => (path, method.clone()),
            [paths, path] if paths == "paths" => {
                let item = self.document.pointer(pointer).ok_or_else(none)?;
                let methods: Vec<&str> = METHODS
                    .iter()
                    .copied()
                    .filter(|m| item.get(*m).is_some())
                    .collect();
                match methods.as_slice() {
                    [one] => (path, one.to_string()),
                    [] => return Err(none()),
                    several => {
                        return Err(format!(
                            "`#{pointer}` has {} operations ({}): add the method, e.g. `#{pointer}/{}`",
                            several.len(),
                            several.join(", "),
                            several[0]
                        ));
                    }
                }
            }
            _ => {
                return Err(format!(
                    "`#{pointer}` does not name an operation (`#/paths/~1items/post`)"
                ));
            }
        };
        let item = self
            .document
            .pointer(&format!(
                "/paths/{}",
                path.replace('~', "~0").replace('/', "~1")
            ))
            .filter(|i| METHODS.contains(&method.as_str()) && i.get(&method).is_some())
            .ok_or_else(none)?;
        operation(&self.document, path, &method, item)
            .ok_or_else(|| format!("`{method}` is not a method caseflow sends"))
    }

    /// Every operationId, for suggestions.
    pub fn ids(&self) -> Vec<String> {
        let Some(paths) = self.document.get("paths").and_then(Value::as_object) else {
            return Vec::new();
        };
        paths
            .values()
            .flat_map(|item| METHODS.iter().filter_map(move |m| item.get(*m)))
            .filter_map(|op| op.get("operationId")?.as_str().map(str::to_string))
            .collect()
    }
}

/// A YAML or JSON document in a file.
pub fn read_file(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read `{}`: {}",
            path.display(),
            crate::spec::load::io_reason(&e).to_lowercase()
        )
    })?;
    parse(&path.display().to_string(), &text)
}

fn parse(shown: &str, text: &str) -> Result<Value, String> {
    serde_saphyr::from_str_with_options(text, crate::spec::load::yaml_options()).map_err(|e| {
        format!(
            "`{shown}` is not YAML or JSON: {}",
            crate::spec::wording::yaml(&e)
        )
    })
}

/// Largest description downloaded: a bigger answer is no API description.
const MAX_DOWNLOAD: usize = 32 << 20;

/// A description served over HTTP, read on a thread of its own so that the
/// loader works the same inside a run and outside one. Each URL is fetched
/// once a process: a language server reloads the document on every change.
fn download(url: &str) -> Result<String, String> {
    static FETCHED: std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<str>>>,
    > = std::sync::LazyLock::new(Default::default);
    let cached = FETCHED.lock().ok().and_then(|m| m.get(url).cloned());
    if let Some(text) = cached {
        return Ok(text.to_string());
    }
    let text = fetch(url)?;
    if let Ok(mut m) = FETCHED.lock() {
        m.insert(url.to_string(), text.as_str().into());
    }
    Ok(text)
}

fn fetch(url: &str) -> Result<String, String> {
    let fetch = async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| root_cause(&e))?;
        let mut response = client
            .get(url)
            .send()
            .await
            .map_err(|e| match e.is_timeout() {
                true => "no answer within 30 s".to_string(),
                false => root_cause(&e),
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the server answered {status}"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| root_cause(&e))? {
            if body.len() + chunk.len() > MAX_DOWNLOAD {
                return Err(format!("larger than {} MiB", MAX_DOWNLOAD >> 20));
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|_| "not UTF-8 text".to_string())
    };
    let got = std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?
                .block_on(fetch)
        })
        .join()
    });
    match got {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(reason)) => Err(format!("cannot download `{url}`: {reason}")),
        Err(_) => Err(format!("cannot download `{url}`")),
    }
}

fn operation(document: &Value, path: &str, method: &str, item: &Value) -> Option<Operation> {
    let op = item.get(method)?;
    let method = match method {
        "get" => Method::GET,
        "put" => Method::PUT,
        "post" => Method::POST,
        "delete" => Method::DELETE,
        "options" => Method::OPTIONS,
        "head" => Method::HEAD,
        "patch" => Method::PATCH,
        _ => return None,
    };
    let body_types = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    let answers: Vec<&String> = op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(code, _)| code.starts_with('2') || *code == "default")
        .filter_map(|(_, r)| r.get("content")?.as_object())
        .flat_map(|c| c.keys())
        .collect();
    let text_response = !answers.is_empty() && !answers.iter().any(|t| t.contains("json"));
    let declared = [item, op]
        .into_iter()
        .filter_map(|v| v.get("parameters")?.as_array());
    let query = declared
        .flatten()
        .filter_map(|p| match p.get("$ref").and_then(Value::as_str) {
            Some(r) => document.pointer(r.strip_prefix('#')?),
            None => Some(p),
        })
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|p| Some(p.get("name")?.as_str()?.to_string()))
        .collect();
    Some(Operation {
        method,
        path: path.to_string(),
        body_types,
        text_response,
        query,
    })
}

/// The first server's URL with its variables' defaults filled in.
fn first_server(document: &Value) -> Option<String> {
    let server = document.get("servers")?.as_array()?.first()?;
    let mut url = server.get("url")?.as_str()?.to_string();
    if let Some(vars) = server.get("variables").and_then(Value::as_object) {
        for (name, var) in vars {
            if let Some(default) = var.get("default").and_then(Value::as_str) {
                url = url.replace(&format!("{{{name}}}"), default);
            }
        }
    }
    Some(url.trim_end_matches('/').to_string())
}
