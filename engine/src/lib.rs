//! caseflow: runs declarative YAML workflow specs of HTTP API calls as a
//! dependency graph inferred from the data that flows between steps.

pub mod import;
pub mod plan;
pub mod redact;
pub mod report;
pub mod run;
pub mod spec;
pub mod template;
