//! Under GitHub Actions (`GITHUB_ACTIONS=true`), failed steps as workflow
//! commands, so they show as annotations on the spec line that failed:
//! `::error file=x.yaml,line=12,col=3,title=…::message`.

use caseflow::report::{SpecReport, Status};

/// One `::error` line per failed step; empty when none failed.
pub fn annotations(reports: &[SpecReport]) -> String {
    let mut out = String::new();
    for report in reports {
        if let Some(e) = &report.error {
            out.push_str(&format!(
                "::error file={},title={}::{}\n",
                property(&report.file),
                property(&format!("caseflow: {}", report.name)),
                data(e)
            ));
        }
        for (name, step) in report.flat_steps() {
            if step.status != Status::Failed || step.allowed_failure || !step.steps.is_empty() {
                continue;
            }
            let at = step
                .location
                .as_ref()
                .map(|l| {
                    format!(
                        "file={},line={},col={},",
                        property(&l.file),
                        l.line,
                        l.column
                    )
                })
                .unwrap_or_else(|| format!("file={},", property(&report.file)));
            let title = format!("caseflow: {} › {name}", report.name);
            // What was expected and the response's status line; the body
            // excerpt stays in the log.
            let full = step.message.as_deref().unwrap_or("failed");
            let mut lines = Vec::new();
            for line in full.lines() {
                lines.push(line);
                if line.starts_with("response: ") {
                    break;
                }
            }
            let message = lines.join("\n");
            out.push_str(&format!(
                "::error {at}title={}::{}\n",
                property(&title),
                data(&message)
            ));
        }
    }
    out
}

/// The message part: `%`, CR and LF escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: also `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn commands_escape_what_would_end_them() {
        assert_eq!(super::data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(super::property("a: b, c"), "a%3A b%2C c");
    }
}
