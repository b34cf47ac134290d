//! `onSuccess`/`onFailure` (and the workflow's `successActions`/
//! `failureActions` defaults) as far as a dependency graph can express them.
//!
//! Arazzo runs the first action whose criteria hold. Only actions without
//! criteria are read, in order: a failure `end` is what a failed step does
//! anyway (its dependents do not run), a `retry` of the step itself is a
//! `retry` with a fixed wait, a success `end` on the last step changes
//! nothing. Anything else needs control flow a graph does not have and is
//! reported, with the actions after it.

use std::time::Duration;

use serde_json::Value;

use super::{components, condition};
use crate::spec::duration::Duration as SpecDuration;
use crate::spec::model::{RETRY_STATUSES, Retry, RetryOn, RetryPolicy, Until};

/// What the actions of one step become.
#[derive(Default)]
pub struct Mapped {
    pub retry: Option<Retry>,
    /// A `goto` back to the step itself while criteria hold: a poll.
    pub until: Option<Until>,
    /// (field path, message) of what is not carried over.
    pub unsupported: Vec<(String, String)>,
}

/// One action list: the step's own first, then the workflow's defaults whose
/// names the step does not override; `reference`s to `components` resolved.
pub struct Actions<'a> {
    pub own: Vec<(String, &'a Value)>,
    pub defaults: Vec<(String, &'a Value)>,
    /// (field path, message) of references that name nothing.
    pub errors: Vec<(String, String)>,
}

impl<'a> Actions<'a> {
    pub fn new(
        doc: &'a Value,
        step: &'a Value,
        step_path: &str,
        field: &str,
        workflow: &'a Value,
        wpath: &str,
        wfield: &str,
    ) -> Self {
        let kind = if field == "onSuccess" {
            "successActions"
        } else {
            "failureActions"
        };
        let mut errors = Vec::new();
        let mut read = |v: &'a Value, path: &str, f: &str| -> Vec<(String, &'a Value)> {
            let mut out = Vec::new();
            let listed = v.get(f).and_then(Value::as_array);
            for (i, a) in listed.map_or(&[][..], Vec::as_slice).iter().enumerate() {
                let at = format!("{path}.{f}[{i}]");
                match components::action(doc, a, kind) {
                    Ok(a) => out.push((at, a)),
                    Err(e) => errors.push((format!("{at}.reference"), e)),
                }
            }
            out
        };
        let own = read(step, step_path, field);
        let name = |a: &Value| a.get("name").and_then(Value::as_str).map(str::to_string);
        let defaults = read(workflow, wpath, wfield)
            .into_iter()
            .filter(|(_, d)| {
                !own.iter()
                    .any(|(_, a)| name(a).is_some() && name(a) == name(d))
            })
            .collect();
        Self {
            own,
            defaults,
            errors,
        }
    }

    fn all(&self) -> impl Iterator<Item = &(String, &'a Value)> {
        self.own.iter().chain(self.defaults.iter())
    }
}

fn not_yet(path: &str, what: &str) -> (String, String) {
    (path.to_string(), format!("not supported yet: {what}"))
}

/// Failure actions of a step.
pub fn on_failure(actions: &Actions) -> Mapped {
    let mut out = Mapped::default();
    for (path, a) in actions.all() {
        // A retry on some status codes is a retry `on` those codes.
        let on_codes = a.get("criteria").map(retry_codes);
        if let Some(None) = on_codes {
            out.unsupported.push(not_yet(
                &format!("{path}.criteria"),
                "actions with `criteria` other than `$statusCode == 4xx/5xx` on a retry (the step fails as it would without the action)",
            ));
            return out;
        }
        let kind = a.get("type").and_then(Value::as_str);
        if on_codes.is_some() && kind != Some("retry") {
            out.unsupported.push(not_yet(
                &format!("{path}.criteria"),
                "actions with `criteria` other than a retry's",
            ));
            return out;
        }
        match kind {
            // A failed step stops its dependents: what `end` asks.
            Some("end") => return out,
            Some("retry") if a.get("stepId").is_some() || a.get("workflowId").is_some() => {
                let field = if a.get("stepId").is_some() {
                    "stepId"
                } else {
                    "workflowId"
                };
                out.unsupported.push(not_yet(
                    &format!("{path}.{field}"),
                    "a `retry` that runs another step or workflow first",
                ));
                return out;
            }
            Some("retry") if out.retry.is_none() => match retry(a, path) {
                Ok(mut r) => {
                    if let (Some(Some(codes)), Retry::Policy(p)) = (&on_codes, &mut r) {
                        p.on = codes.iter().map(|c| RetryOn::Status(*c)).collect();
                    }
                    out.retry = Some(r);
                    if on_codes.is_none() {
                        return out;
                    }
                }
                Err(e) => {
                    out.unsupported.push(e);
                    return out;
                }
            },
            // After a retry on some codes, a retry for the other failures.
            Some("retry") => {
                out.unsupported.push(not_yet(
                    &format!("{path}.type"),
                    "a second `retry` (one retry policy a step)",
                ));
                return out;
            }
            Some("goto") => {
                out.unsupported.push(not_yet(
                    &format!("{path}.type"),
                    "`goto` actions (a graph has no jumps)",
                ));
                return out;
            }
            other => {
                let shown = other.map_or("nothing".to_string(), |t| format!("`{t}`"));
                out.unsupported.push((
                    format!("{path}.type"),
                    format!("a failure action's `type` is end, retry or goto, not {shown}"),
                ));
                return out;
            }
        }
    }
    out
}

/// Success actions of a step `step_id`; `last` when no step follows it in
/// the document.
pub fn on_success(actions: &Actions, step_id: &str, last: bool) -> Mapped {
    let mut out = Mapped::default();
    if let Some((path, a)) = actions.all().next() {
        let again = a.get("type").and_then(Value::as_str) == Some("goto")
            && a.get("stepId").and_then(Value::as_str) == Some(step_id);
        let criteria = a.get("criteria").and_then(Value::as_array);
        if let (true, Some(criteria)) = (again, criteria) {
            match condition::all(criteria) {
                // Sent again while the criteria hold: until they do not.
                Ok(holds) => {
                    out.until = Some(Until {
                        condition: format!("not ({holds})"),
                        interval: None,
                        timeout: None,
                        max_attempts: None,
                    });
                }
                Err(why) => out.unsupported.push(not_yet(
                    &format!("{path}.criteria"),
                    &format!("a `goto` to the step itself on {why}"),
                )),
            }
            return out;
        }
        let message = if a.get("criteria").is_some() {
            Some((format!("{path}.criteria"), "actions with `criteria`"))
        } else {
            match a.get("type").and_then(Value::as_str) {
                Some("end") if last => None,
                Some("end") => Some((
                    format!("{path}.type"),
                    "`end` before the last step (the other steps still run)",
                )),
                _ => Some((
                    format!("{path}.type"),
                    "`goto` actions (a graph has no jumps; a `goto` to the step itself becomes a poll only with criteria)",
                )),
            }
        };
        if let Some((path, what)) = message {
            out.unsupported.push(not_yet(&path, what));
        }
    }
    out
}

/// The 4xx/5xx codes of criteria that are one `$statusCode == N` condition
/// (`|| $statusCode == M` ...).
fn retry_codes(criteria: &Value) -> Option<Vec<u16>> {
    let [c] = criteria.as_array()?.as_slice() else {
        return None;
    };
    let simple = c.get("type").is_none() && c.get("context").is_none();
    let codes = super::criteria::status_codes(c.get("condition")?.as_str()?)?;
    (simple && codes.iter().all(|c| RETRY_STATUSES.contains(c))).then_some(codes)
}

/// `retryLimit` retries (default one) `retryAfter` seconds apart, on any failure.
fn retry(a: &Value, path: &str) -> Result<Retry, (String, String)> {
    let after = match a.get("retryAfter") {
        None => 0.0,
        Some(v) => v
            .as_f64()
            .filter(|s| *s >= 0.0 && *s < 86_400.0)
            .ok_or_else(|| {
                (
                    format!("{path}.retryAfter"),
                    "`retryAfter` is a number of seconds, 0 or more".to_string(),
                )
            })?,
    };
    let limit = match a.get("retryLimit") {
        None => 1,
        Some(v) => v.as_u64().filter(|n| *n < 10_000).ok_or_else(|| {
            (
                format!("{path}.retryLimit"),
                "`retryLimit` is a whole number of retries, 0 or more".to_string(),
            )
        })?,
    };
    let wait = Duration::from_millis((after * 1000.0).round() as u64);
    Ok(Retry::Policy(RetryPolicy {
        attempts: limit as u32 + 1,
        backoff: Some(SpecDuration(wait)),
        // A server's Retry-After overrules `retryAfter`, as Arazzo says; up to ten minutes.
        max_backoff: Some(SpecDuration(wait.max(Duration::from_secs(600)))),
        on: vec![RetryOn::Expectation, RetryOn::ServerError, RetryOn::Connect],
        fixed: true,
    }))
}
