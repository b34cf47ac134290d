//! Completion from the spec's model (inherited entries included): step ids
//! after `steps.`, a step's outputs, inputs, template functions and
//! filters, clients after `client:`, steps in `needs:`, files after
//! `extends:`/`uses:`.

use std::path::Path;

use caseflow::spec::CheckedSpec;
use caseflow::spec::model::CaptureSpec;
use lsp_types::{CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind};

use super::symbols::dotted_at;

/// Template functions: name, signature, what it gives.
pub const FUNCTIONS: &[(&str, &str, &str)] = &[
    ("uuid", "uuid()", "a random UUID v4"),
    ("now", "now()", "the current time, RFC 3339"),
    (
        "random_password",
        "random_password(length=16)",
        "8 to 255 characters that PingOne's Standard password policy accepts",
    ),
    (
        "random_string",
        "random_string(length=12)",
        "random letters and digits",
    ),
    ("base64", "base64(text)", "standard base64"),
    (
        "base64url",
        "base64url(text)",
        "URL-safe base64, no padding",
    ),
    (
        "b64decode",
        "b64decode(text)",
        "decodes standard or URL-safe base64",
    ),
    ("sha256", "sha256(text)", "hex SHA-256"),
    (
        "sha256_base64url",
        "sha256_base64url(text)",
        "SHA-256 as URL-safe base64",
    ),
    ("json", "json(value)", "the value as JSON text"),
    ("urlencode", "urlencode(text)", "percent-encodes for a URL"),
    (
        "pkce",
        "pkce()",
        "a PKCE pair: `.verifier`, `.challenge`, `.method`",
    ),
    (
        "pkce_challenge",
        "pkce_challenge(verifier)",
        "the S256 challenge of a verifier",
    ),
    (
        "basic_auth",
        "basic_auth(user, password)",
        "an `Authorization: Basic` value",
    ),
    (
        "client_secret_jwt",
        "client_secret_jwt(client_id=, secret=, audience=)",
        "an HS256 client assertion, fresh `jti` each call",
    ),
    (
        "private_key_jwt",
        "private_key_jwt(client_id=, key=, audience=, kid=)",
        "an RS256 client assertion",
    ),
    (
        "signed_jwt",
        "signed_jwt(claims, secret=, algorithm=\"HS256\", lifetime=3600)",
        "a JWT of any claims signed with a shared secret",
    ),
    ("jwt_decode", "jwt_decode(token)", "a JWT's claims"),
    (
        "totp",
        "totp(secret, digits=6, period=30, algorithm=\"SHA1\")",
        "an RFC 6238 code from a base32 secret",
    ),
    ("env", "env(NAME)", "an environment variable"),
    (
        "query_param",
        "query_param(url, name)",
        "a query parameter of a URL",
    ),
    (
        "fragment_param",
        "fragment_param(url, name)",
        "a fragment parameter of a URL",
    ),
];

/// Filters: caseflow's own, then the minijinja ones specs use most.
const FILTERS: &[(&str, &str)] = &[
    ("base64", "x | base64"),
    ("base64url", "x | base64url"),
    ("b64decode", "x | b64decode"),
    ("sha256", "x | sha256"),
    ("sha256_base64url", "x | sha256_base64url"),
    ("json", "x | json"),
    ("urlencode", "x | urlencode"),
    ("default", "x | default(value)"),
    ("length", "x | length"),
    ("lower", "x | lower"),
    ("upper", "x | upper"),
    ("trim", "x | trim"),
    ("replace", "x | replace(from, to)"),
    ("join", "x | join(separator)"),
    ("first", "x | first"),
    ("last", "x | last"),
    ("int", "x | int"),
    ("string", "x | string"),
    ("tojson", "x | tojson"),
];

/// The variables every template may start with.
const ROOTS: &[(&str, &str)] = &[
    ("steps", "steps.<id>.outputs.<name>"),
    ("inputs", "inputs.<name>"),
    ("run", "run.id, run.name, run.started_at"),
    ("item", "the current item of a `for_each` step"),
    ("index", "the current index of a `for_each` step"),
    ("response", "the polled response in `until`"),
];

fn item(label: &str, kind: CompletionItemKind, detail: impl Into<String>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.into()),
        ..CompletionItem::default()
    }
}

fn with_doc(mut item: CompletionItem, doc: Option<&str>) -> CompletionItem {
    item.documentation = doc.map(|d| {
        Documentation::MarkupContent(MarkupContent {
            kind: MarkupKind::Markdown,
            value: d.to_string(),
        })
    });
    item
}

/// Where a capture takes its value from, in the spec's own words.
pub fn capture_source(c: &CaptureSpec) -> String {
    let mut parts = Vec::new();
    let named = [
        ("json", &c.json),
        ("header", &c.header),
        ("cookie", &c.cookie),
        ("output", &c.output),
    ];
    for (what, value) in named {
        if let Some(v) = value {
            parts.push(format!("{what} `{v}`"));
        }
    }
    for (what, on) in [("status", c.status), ("body", c.body), ("url", c.url)] {
        if on {
            parts.push(what.to_string());
        }
    }
    if let Some(re) = &c.regex {
        parts.push(format!("regex `{re}`"));
    }
    for (what, value) in [("query", &c.query), ("fragment", &c.fragment)] {
        if let Some(v) = value {
            parts.push(format!("{what} `{v}`"));
        }
    }
    if c.all {
        parts.push("all matches".into());
    }
    if c.optional {
        parts.push("optional".into());
    }
    if c.secret {
        parts.push("secret".into());
    }
    parts.join(", ")
}

/// Is the position inside `{{ }}` or `{% %}` (opened before it on its line)?
fn in_template(prefix: &str) -> bool {
    let open = prefix.rfind("{{").max(prefix.rfind("{%"));
    let close = prefix.rfind("}}").max(prefix.rfind("%}"));
    match (open, close) {
        (Some(o), Some(c)) => o > c,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Completions at a character column of a line of the document.
pub fn complete(
    spec: &CheckedSpec,
    text: &str,
    row: usize,
    line: &str,
    col: usize,
) -> Vec<CompletionItem> {
    let model = &spec.loaded.spec;
    let prefix: String = line.chars().take(col).collect();
    let trimmed = prefix.trim_start().trim_start_matches("- ");
    let dotted = dotted_at(&prefix, col).map(|(parts, _, _)| parts);
    match dotted.as_deref() {
        Some([root, _]) if root == "steps" => return steps(spec),
        Some([root, step, _]) if root == "steps" && model.steps.contains_key(step) => {
            return vec![item(
                "outputs",
                CompletionItemKind::FIELD,
                "the values this step captures",
            )];
        }
        Some([root, step, outputs, _]) if root == "steps" && outputs == "outputs" => {
            return outputs_of(spec, step);
        }
        Some([root, _]) if root == "inputs" => return inputs(spec),
        _ => {}
    }
    if in_template(&prefix) || is_expression_field(trimmed) {
        let before = prefix.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
        if before.trim_end().ends_with('|') {
            return FILTERS
                .iter()
                .map(|(name, sig)| item(name, CompletionItemKind::FUNCTION, *sig))
                .collect();
        }
        let functions = FUNCTIONS.iter().map(|(name, sig, doc)| {
            with_doc(item(name, CompletionItemKind::FUNCTION, *sig), Some(doc))
        });
        let roots = ROOTS
            .iter()
            .map(|(name, doc)| item(name, CompletionItemKind::VARIABLE, *doc));
        return roots.chain(functions).collect();
    }
    if let Some(rest) = trimmed.strip_prefix("client:")
        && !rest.contains(['{', '"'])
    {
        return model
            .clients
            .iter()
            .map(|(name, client)| {
                let url = client.base_url.clone().unwrap_or_default();
                item(name, CompletionItemKind::MODULE, url)
            })
            .collect();
    }
    if trimmed.starts_with("needs:") || is_list_item_of(text, row, line, "needs") {
        return steps(spec);
    }
    if trimmed.starts_with("extends:")
        || trimmed.starts_with("uses:")
        || is_list_item_of(text, row, line, "extends")
    {
        return files(&spec.loaded.file.path);
    }
    Vec::new()
}

/// `if:` and `until`'s `condition:` take bare expressions.
fn is_expression_field(trimmed: &str) -> bool {
    ["if:", "condition:"].iter().any(|f| trimmed.starts_with(f))
}

/// Is this line a `- item` of a block list under `key:`?
fn is_list_item_of(text: &str, row: usize, line: &str, key: &str) -> bool {
    if !line.trim_start().starts_with('-') {
        return false;
    }
    let indent = line.len() - line.trim_start().len();
    for above in text.split('\n').take(row).collect::<Vec<_>>().iter().rev() {
        let trimmed = above.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('-') {
            continue;
        }
        let above_indent = above.len() - trimmed.len();
        if above_indent <= indent {
            return trimmed.trim_end() == format!("{key}:");
        }
    }
    false
}

fn steps(spec: &CheckedSpec) -> Vec<CompletionItem> {
    spec.loaded
        .spec
        .steps
        .iter()
        .map(|(id, step)| {
            let title = step.title.clone().unwrap_or_default();
            with_doc(
                item(id, CompletionItemKind::MODULE, title),
                step.description.as_deref(),
            )
        })
        .collect()
}

fn outputs_of(spec: &CheckedSpec, step_id: &str) -> Vec<CompletionItem> {
    let loaded = &spec.loaded;
    if let Some(sub) = loaded.subspecs.get(step_id) {
        return sub
            .spec
            .outputs
            .iter()
            .map(|(name, output)| {
                let detail = format!("output of `{}`: {}", sub.spec.name, output.template());
                item(name, CompletionItemKind::FIELD, detail)
            })
            .collect();
    }
    let Some(step) = loaded.spec.steps.get(step_id) else {
        return Vec::new();
    };
    step.outputs
        .iter()
        .map(|(name, capture)| {
            let source = capture_source(&capture.spec());
            item(name, CompletionItemKind::FIELD, source)
        })
        .collect()
}

fn inputs(spec: &CheckedSpec) -> Vec<CompletionItem> {
    spec.loaded
        .spec
        .inputs
        .iter()
        .map(|(name, input)| {
            let mut detail = input.description.clone().unwrap_or_default();
            if input.is_secret(name) {
                detail = format!("(secret) {detail}");
            }
            item(name, CompletionItemKind::VARIABLE, detail.trim_end())
        })
        .collect()
}

/// Spec files beside the document and one folder down, as relative paths.
fn files(spec_path: &Path) -> Vec<CompletionItem> {
    let Some(dir) = spec_path.parent() else {
        return Vec::new();
    };
    let mut out: Vec<std::path::PathBuf> = Vec::new();
    let yaml = |p: &Path| p.extension().is_some_and(|e| e == "yaml" || e == "yml");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            let Ok(inner) = std::fs::read_dir(&path) else {
                continue;
            };
            let mut inner: Vec<_> = inner.flatten().map(|e| e.path()).collect();
            inner.sort();
            out.extend(inner.into_iter().filter(|p| yaml(p)));
        } else if yaml(&path) && path != spec_path {
            out.push(path);
        }
    }
    out.iter()
        .filter_map(|p| p.strip_prefix(dir).ok())
        .map(|rel| {
            let rel = rel.display().to_string();
            item(&rel, CompletionItemKind::FILE, "spec file")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template environment's own globals (minijinja's), not caseflow's.
    const BUILTIN: &[&str] = &["range", "dict", "debug", "namespace"];

    #[test]
    fn every_template_function_is_offered() {
        let env = caseflow::template::environment();
        let offered: Vec<&str> = FUNCTIONS.iter().map(|f| f.0).collect();
        for (name, _) in env.globals() {
            if !BUILTIN.contains(&name) {
                assert!(offered.contains(&name), "`{name}` is not offered");
            }
        }
        for name in offered {
            assert!(
                env.globals().any(|(n, _)| n == name),
                "`{name}` is not a function"
            );
        }
    }
}
