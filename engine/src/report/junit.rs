//! `--report junit=PATH`: one test suite per spec, one test case per step
//! (attempts and timings as properties), every string redacted.

use std::path::PathBuf;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{FileReport, Reporter, SpecReport, Status};

pub fn reporter(path: PathBuf) -> Box<dyn Reporter> {
    Box::new(FileReport::new(path, render))
}

pub fn render(reports: &[SpecReport], elapsed: Duration) -> Result<String, String> {
    let mut report = Report::new("caseflow");
    report.set_time(elapsed);
    for spec in reports {
        let r = &spec.redactor;
        let mut suite = TestSuite::new(spec.name.as_str());
        suite.set_time(spec.duration);
        suite.add_property(Property::new("file", spec.file.as_str()));
        suite.add_property(Property::new("run_id", spec.run_id.as_str()));
        if let Some(e) = &spec.error {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(r.redact(e));
            suite.add_test_case(TestCase::new("setup", status));
        }
        for (name, step) in spec.flat_steps() {
            let mut status = match step.status {
                Status::Passed => TestCaseStatus::success(),
                Status::Failed if step.allowed_failure => TestCaseStatus::success(),
                Status::Failed => TestCaseStatus::non_success(NonSuccessKind::Failure),
                Status::Skipped => TestCaseStatus::skipped(),
            };
            // Strings are redacted before XML escaping (`&amp;`), which
            // the last pass over the text could not see through.
            if let Some(m) = &step.message {
                let m = r.redact(m);
                let first = m.lines().next().unwrap_or_default().to_string();
                status.set_message(first);
                if step.status == Status::Failed {
                    status.set_description(m);
                }
            }
            let name = if step.phase == super::Phase::Cleanup {
                format!("cleanup: {name}")
            } else {
                name
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(spec.name.as_str());
            case.set_time(step.duration);
            case.add_property(Property::new("attempts", step.attempts.to_string()));
            case.add_property(Property::new("started_ms", step.started_ms.to_string()));
            if let Some(s) = step.http_status {
                case.add_property(Property::new("http_status", s.to_string()));
            }
            if !step.outputs.is_empty() {
                let text = serde_json::to_string(&step.outputs).unwrap_or_default();
                case.set_system_out(r.redact(&text));
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    let text = report.to_string().map_err(|e| e.to_string())?;
    Ok(super::redact_all(reports, text))
}
