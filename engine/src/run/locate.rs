//! Positions for run-time failures: a step that fails while rendering a
//! field says where that field is, like a spec diagnostic
//! (`x.yaml:7:12: steps.x.request.url: ...`).

use super::Ctx;
use crate::report::Phase;
use crate::spec::Diagnostic;
use crate::spec::field_path;
use crate::spec::model::Step;

/// A failure that came from rendering one field of the step (or of its
/// client) names that field's `file:line:col` and path, like a spec
/// diagnostic: `x.yaml:7:12: steps.x.request.url: ...`. Other failures are
/// returned as they are.
pub(crate) fn locate(ctx: &Ctx, phase: Phase, id: &str, step: &Step, message: String) -> String {
    // `for_each` prefixes the iteration: keep it after the position.
    let (iteration, rest) = match message.strip_prefix("iteration ").and_then(|r| {
        let (n, rest) = r.split_once(": ")?;
        n.parse::<usize>()
            .ok()
            .map(|_| (format!("iteration {n}: "), rest))
    }) {
        Some((i, rest)) => (i, rest.to_string()),
        None => (String::new(), message.clone()),
    };
    let section = match phase {
        Phase::Main => "steps",
        Phase::Cleanup => "cleanup",
    };
    let base = field_path::key(section, id);
    let Some((path, detail)) = rendered_field(&base, step, &rest) else {
        return message;
    };
    let file = ctx.loaded.file_of(&path);
    // The field itself when the file has it, else its nearest written ancestor.
    let loc = file.map().value(&path);
    Diagnostic::error(&file.name, loc, path, format!("{iteration}{detail}")).to_string()
}

/// The field path a rendering failure names, and the rest of its message.
pub(super) fn rendered_field(base: &str, step: &Step, message: &str) -> Option<(String, String)> {
    let keyed = |section: &str, names: &mut dyn Iterator<Item = &String>, prefix: &str| {
        // The longest name that matches: keys may contain `.` or `: `.
        names
            .filter_map(|name| {
                let rest = message.strip_prefix(&format!("{prefix}{name}: "))?;
                Some((name.len(), field_path::key(section, name), rest.to_string()))
            })
            .max_by_key(|(len, _, _)| *len)
            .map(|(_, path, rest)| (path, rest))
    };
    let at = |field: &str| field_path::key(base, field);
    let client = step
        .client
        .as_deref()
        .map(|c| field_path::key("clients", c));
    let request = step.request.as_ref();
    for field in [
        "request.url",
        "request.body",
        "if",
        "for_each",
        "until.condition",
    ] {
        if let Some(rest) = message.strip_prefix(&format!("{field}: ")) {
            let path = field
                .split('.')
                .fold(base.to_string(), |p, k| field_path::key(&p, k));
            return Some((path, rest.to_string()));
        }
    }
    if let (Some(client), Some(rest)) = (&client, message.strip_prefix("client base_url: ")) {
        return Some((field_path::key(client, "base_url"), rest.to_string()));
    }
    if let Some(client) = &client
        && let Some((name, rest)) = message
            .strip_prefix("client header `")
            .and_then(|r| r.split_once("`: "))
    {
        let headers = field_path::key(client, "headers");
        return Some((field_path::key(&headers, name), rest.to_string()));
    }
    let request_path = at("request");
    if let Some(request) = request {
        let sections: [(&str, Vec<&String>); 3] = [
            ("query", request.query.keys().collect()),
            ("headers", request.headers.keys().collect()),
            ("form", request.form.iter().flat_map(|f| f.keys()).collect()),
        ];
        for (name, keys) in sections {
            let section = field_path::key(&request_path, name);
            if let Some(found) = keyed(&section, &mut keys.into_iter(), &format!("request.{name}."))
            {
                return Some(found);
            }
        }
        if let Some(rest) = message.strip_prefix("request.json.") {
            let json = field_path::key(&request_path, "json");
            // `request.json.<path>: message`, or `request.json.message` for a scalar body.
            if let Some((sub, detail)) = rest.split_once(": ") {
                let sub = sub.strip_prefix('.').unwrap_or(sub);
                let full = if sub.starts_with('[') {
                    format!("{json}{sub}")
                } else {
                    format!("{json}.{sub}")
                };
                if !sub.is_empty() && !sub.contains(' ') {
                    return Some((full, detail.to_string()));
                }
            }
            return Some((json, rest.to_string()));
        }
    }
    if let Some(rest) = message.strip_prefix("with.") {
        return step
            .with
            .keys()
            .filter_map(|name| {
                let detail = rest.strip_prefix(&format!("{name}: "))?;
                Some((
                    name.len(),
                    field_path::key(&at("with"), name),
                    detail.to_string(),
                ))
            })
            .max_by_key(|(len, _, _)| *len)
            .map(|(_, path, detail)| (path, detail));
    }
    None
}
