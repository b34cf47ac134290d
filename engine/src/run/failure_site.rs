//! Where a failed step's failure points in the spec: the `expect` entry
//! that did not hold, the `outputs` entry that captured nothing, the
//! template that failed to render, the request that got no response. The
//! console draws it at its source line, the way spec diagnostics are drawn.

use super::Ctx;
use super::locate::rendered_field;
use crate::report::Phase;
use crate::spec::model::Step;
use crate::spec::snippet::Site;
use crate::spec::{codes, field_path};

/// The site of a failure message (before it is located or redacted).
pub(crate) fn site(ctx: &Ctx, phase: Phase, id: &str, step: &Step, message: &str) -> Option<Site> {
    let section = match phase {
        Phase::Main => "steps",
        Phase::Cleanup => "cleanup",
    };
    let base = field_path::key(section, id);
    // `for_each` prefixes the iteration.
    let message = match message
        .strip_prefix("iteration ")
        .and_then(|r| r.split_once(": "))
    {
        Some((n, rest)) if n.parse::<usize>().is_ok() => rest,
        _ => message,
    };
    let first = message.lines().next().unwrap_or_default();
    let (path, code, label, narrow) = match rendered_field(&base, step, message) {
        Some((path, detail)) => {
            let detail = detail.lines().next().unwrap_or_default().to_string();
            // minijinja names what failed in backticks: underline it where written.
            let narrow = detail.split('`').nth(1).map(str::to_string);
            (path, codes::RENDER, detail, narrow)
        }
        None => expectation_or_request(&base, step, message, first)?,
    };
    let file = ctx.loaded.file_of(&path);
    let title = codes::label(code).unwrap_or("failed");
    let mut d = if file.map().contains(&path) {
        file.error(&path, title)
    } else {
        // Not written (e.g. the default `expect.status`): the step's id.
        file.key_error(&base, title)
    }
    .with_code(code);
    if let Some(needle) = narrow {
        d = file.narrow_to(d, &needle);
    }
    // A connection error's parenthesis is its OS detail, not advice.
    d.help = codes::help_in(&label)
        .filter(|_| code != codes::REQUEST)
        .map(str::to_string);
    let label = match &d.help {
        Some(help) => codes::without_help(&label, help),
        None => &label,
    };
    // A converted document's diagnostics point into the document itself.
    let shown = file.origin.as_ref().map_or(file, |o| &o.document);
    Some(Site::new(
        d,
        label,
        &shown.text,
        shown.map(),
        &ctx.state.redactor,
    ))
}

/// The field, code and label of an expectation, capture or request failure.
fn expectation_or_request(
    base: &str,
    step: &Step,
    message: &str,
    first: &str,
) -> Option<(String, &'static str, String, Option<String>)> {
    let at = |rel: &[&str]| {
        rel.iter()
            .fold(base.to_string(), |p, k| field_path::key(&p, k))
    };
    let detail = |rest: &str| rest.to_string();
    if let Some(rest) = first.strip_prefix("status: ") {
        return Some((
            at(&["expect", "status"]),
            codes::EXPECTATION,
            detail(rest),
            None,
        ));
    }
    if let Some(rest) = first.strip_prefix("schema: ") {
        return Some((
            at(&["expect", "schema"]),
            codes::EXPECTATION,
            detail(rest),
            None,
        ));
    }
    for (prefix, field) in [
        ("header `", "headers"),
        ("body `", "body"),
        ("output `", "outputs"),
    ] {
        let Some((name, rest)) = first.strip_prefix(prefix).and_then(|r| r.split_once("`: "))
        else {
            continue;
        };
        // A capture failure shows the response; a failed `expect.outputs` does not.
        if field == "outputs" && message.contains("\nresponse: ") {
            return Some((at(&["outputs", name]), codes::CAPTURE, detail(rest), None));
        }
        return Some((
            at(&["expect", field, name]),
            codes::EXPECTATION,
            detail(rest),
            None,
        ));
    }
    if let Some(rest) = first.strip_prefix("until: ") {
        return Some((
            at(&["until", "condition"]),
            codes::EXPECTATION,
            detail(rest),
            None,
        ));
    }
    if first.starts_with("request to ") || first.starts_with("timed out after ") {
        let why = first
            .split_once(" failed: ")
            .map_or(first, |(_, why)| why)
            .to_string();
        let field = if first.starts_with("timed out") {
            at(&["timeout"])
        } else if step.request.is_some() {
            at(&["request", "url"])
        } else {
            base.to_string()
        };
        return Some((field, codes::REQUEST, why, None));
    }
    None
}
