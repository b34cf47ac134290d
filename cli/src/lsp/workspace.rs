//! The open documents and what the engine makes of each: the same load and
//! checks as `caseflow validate`, reading open buffers instead of the disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use caseflow::redact::Redactor;
use caseflow::spec::{self, CheckedSpec, Diagnostic, Loader, SourceFile};

pub struct Document {
    pub path: PathBuf,
    pub text: String,
    /// Every error and warning of the last analysis, as `validate` gives them.
    pub diagnostics: Vec<Diagnostic>,
    /// The spec as last loaded, also when its checks failed; kept while
    /// the text does not load (a half-typed line), so completion still works.
    pub spec: Option<Arc<CheckedSpec>>,
    /// The files whose diagnostics were last published for this document.
    pub published: Vec<PathBuf>,
}

#[derive(Default)]
pub struct Workspace {
    pub documents: BTreeMap<PathBuf, Document>,
}

impl Workspace {
    pub fn open(&mut self, path: PathBuf, text: String) {
        let doc = Document {
            path: path.clone(),
            text,
            diagnostics: Vec::new(),
            spec: None,
            published: Vec::new(),
        };
        self.documents.insert(path, doc);
    }

    pub fn change(&mut self, path: &Path, text: String) {
        match self.documents.get_mut(path) {
            Some(doc) => doc.text = text,
            None => self.open(path.to_path_buf(), text),
        }
    }

    pub fn close(&mut self, path: &Path) -> Option<Document> {
        self.documents.remove(path)
    }

    /// Analyses again the document at `changed` and the open specs that
    /// read it (a change to a base file changes the specs that extend it).
    pub fn analyze_affected(&mut self, changed: &Path) -> Vec<PathBuf> {
        let mut analyzed = Vec::new();
        let texts: Vec<(PathBuf, String)> = self
            .documents
            .values()
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect();
        for doc in self.documents.values_mut() {
            let reads = doc.path == changed || doc.files().iter().any(|f| f.path == changed);
            if !reads {
                continue;
            }
            let mut loader = Loader::new();
            for (path, text) in &texts {
                loader.set_text(path, text.clone());
            }
            let (checked, diagnostics) = spec::inspect_file(&mut loader, &doc.path);
            doc.diagnostics = diagnostics;
            if let Some(checked) = checked {
                doc.spec = Some(Arc::new(checked));
            }
            analyzed.push(doc.path.clone());
        }
        analyzed
    }

    pub fn get(&self, path: &Path) -> Option<&Document> {
        self.documents.get(path)
    }
}

impl Document {
    /// The spec's source files ([`own_files`]) and those of the specs its
    /// `uses` steps run.
    pub fn files(&self) -> Vec<Arc<SourceFile>> {
        let Some(spec) = &self.spec else {
            return Vec::new();
        };
        let mut files = own_files(spec);
        for sub in spec.loaded.subspecs.values() {
            if !files.iter().any(|f| f.path == sub.file.path) {
                files.push(sub.file.clone());
            }
        }
        files
    }

    /// The text of a file this document's spec reads, by its diagnostic name.
    pub fn text_of(&self, name: &str) -> Option<String> {
        if name == self.path.display().to_string() {
            return Some(self.text.clone());
        }
        self.files()
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.text.clone())
            .or_else(|| std::fs::read_to_string(name).ok())
    }

    /// Masks what the spec marks secret (literal defaults of secret inputs,
    /// its `secrets.fields`) in text the server sends.
    pub fn redactor(&self) -> Redactor {
        let redactor = Redactor::new();
        if let Some(spec) = &self.spec {
            let spec = &spec.loaded.spec;
            redactor.add_fields(&spec.secrets.fields);
            for (name, input) in &spec.inputs {
                if input.is_secret(name)
                    && let Some(default) = &input.default
                    && !default
                        .as_str()
                        .is_some_and(caseflow::template::is_template)
                {
                    redactor.add_value(default);
                }
            }
        }
        redactor
    }
}

/// A spec's file and the files it inherits entries from through `extends`.
pub fn own_files(spec: &CheckedSpec) -> Vec<Arc<SourceFile>> {
    let mut files = vec![spec.loaded.file.clone()];
    for file in spec.loaded.origins.values() {
        if !files.iter().any(|f| f.path == file.path) {
            files.push(file.clone());
        }
    }
    files
}
