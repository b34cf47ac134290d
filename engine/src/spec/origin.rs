//! Where the fields of a converted spec came from in the document it was
//! converted from (an Arazzo workflow), so that a check of the spec reports
//! at the document's `line:col` and field path, not the generated text's.

use super::diagnostic::Loc;
use super::load::SourceFile;

#[derive(Debug)]
pub struct Origin {
    /// The document as read.
    pub document: SourceFile,
    /// (spec field path, document field path), longest spec path first.
    paths: Vec<(String, String)>,
}

impl Origin {
    pub fn new(document: SourceFile, mut paths: Vec<(String, String)>) -> Self {
        paths.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Self { document, paths }
    }

    /// The document field path and position a spec field path came from:
    /// that of its nearest recorded ancestor; the document's start when none.
    pub fn locate(&self, path: &str) -> (String, Loc) {
        let within = |prefix: &str| {
            path.strip_prefix(prefix).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with(['.', '[']) || prefix.is_empty()
            })
        };
        match self.paths.iter().find(|(from, _)| within(from)) {
            Some((_, to)) => (to.clone(), self.document.map().value(to)),
            None => (String::new(), Loc { line: 1, col: 1 }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_placed_at_its_nearest_recorded_ancestor() {
        let text = "workflows:\n  - workflowId: w\n    steps:\n      - stepId: a\n        outputs:\n          id: $response.body#/id\n";
        let document = SourceFile::new(
            "doc.arazzo.yaml".into(),
            "doc.arazzo.yaml".into(),
            text.into(),
        );
        let origin = Origin::new(
            document,
            vec![
                ("steps.a".into(), "workflows[0].steps[0]".into()),
                (
                    "steps.a.outputs.id".into(),
                    "workflows[0].steps[0].outputs.id".into(),
                ),
                ("".into(), "workflows[0]".into()),
            ],
        );
        let (path, loc) = origin.locate("steps.a.outputs.id");
        assert_eq!(
            (path.as_str(), loc.line, loc.col),
            ("workflows[0].steps[0].outputs.id", 6, 15)
        );
        let (path, loc) = origin.locate("steps.a.request.url");
        assert_eq!(
            (path.as_str(), loc.line, loc.col),
            ("workflows[0].steps[0]", 4, 9)
        );
        // `steps.ab` is not inside `steps.a`.
        assert_eq!(origin.locate("steps.ab").0, "workflows[0]");
    }
}
