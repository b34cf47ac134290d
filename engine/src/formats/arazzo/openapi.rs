//! The OpenAPI descriptions an Arazzo document names in `sourceDescriptions`:
//! each operation's method, path template and server, found by
//! `operationId` or by a JSON pointer into `paths`.

use std::path::Path;

use serde_json::Value;

use crate::spec::model::Method;

/// One OpenAPI operation, as much of it as a request needs.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// The path template, e.g. `/items/{id}`.
    pub path: String,
    /// The media types its request body takes, first the preferred one.
    pub body_types: Vec<String>,
}

/// An OpenAPI 3.0/3.1 description read from a local file.
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
    /// Reads `url` relative to the Arazzo document's directory.
    pub fn read(name: &str, url: &str, base: &Path) -> Result<Self, String> {
        if url.contains("://") {
            return Err(format!(
                "`{url}` is not a local file: caseflow reads source descriptions from files next to the Arazzo document (download it and name the file)"
            ));
        }
        let path = base.join(url);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "cannot read `{}`: {}",
                path.display(),
                crate::spec::load::io_reason(&e).to_lowercase()
            )
        })?;
        let document: Value =
            serde_saphyr::from_str_with_options(&text, crate::spec::load::yaml_options()).map_err(
                |e| {
                    format!(
                        "`{}` is not YAML or JSON: {}",
                        path.display(),
                        crate::spec::wording::yaml(&e)
                    )
                },
            )?;
        let version = document
            .get("openapi")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !version.starts_with("3.") {
            return Err(format!(
                "`{}` is not an OpenAPI 3.0 or 3.1 description (its `openapi` field is `{version}`)",
                path.display()
            ));
        }
        let server = first_server(&document);
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
                (op.get("operationId")?.as_str()? == id).then(|| operation(path, m, op))?
            })
        })
    }

    /// The operation a JSON pointer such as `/paths/~1items/post` names.
    pub fn by_pointer(&self, pointer: &str) -> Result<Operation, String> {
        let tokens: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect();
        let [paths, path, method] = tokens.as_slice() else {
            return Err(format!(
                "`#{pointer}` does not name an operation (`#/paths/~1items/post`)"
            ));
        };
        let op = self
            .document
            .pointer(pointer)
            .filter(|_| paths == "paths" && METHODS.contains(&method.as_str()))
            .ok_or_else(|| format!("`#{pointer}` names no operation of `{}`", self.name))?;
        operation(path, method, op)
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

fn operation(path: &str, method: &str, op: &Value) -> Option<Operation> {
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
    Some(Operation {
        method,
        path: path.to_string(),
        body_types,
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
