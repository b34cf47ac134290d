//! The open documents and what the engine makes of each: the same load and
//! checks as `caseflow validate`, reading open buffers instead of the disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use caseflow::spec::snippet::SourceRedactor;
use caseflow::spec::{self, CheckedSpec, Diagnostic, Loader, SourceFile};

pub struct Document {
    pub path: PathBuf,
    pub text: String,
    /// Every error and warning of the last analysis, as `validate` gives them.
    pub diagnostics: Vec<Diagnostic>,
    /// The spec as last loaded, also when its checks failed; kept while
    /// the text does not load (a half-typed line), so completion still works.
    pub spec: Option<Arc<CheckedSpec>>,
    /// Whether the last analysis loaded the spec (`spec` is not an older one).
    pub loaded: bool,
    /// This document's diagnostics in protocol form, by the file they are in.
    pub published: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>>,
    /// What every answer about this document is masked with, learnt once
    /// an analysis ([`Workspace::redactor`]), not once a request.
    pub redactor: SourceRedactor,
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
            loaded: false,
            published: BTreeMap::new(),
            redactor: SourceRedactor::new(),
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

    /// Analyses again the document at `changed`, the open specs that read
    /// it (a change to a base file changes the specs that extend it), those
    /// with findings in it (a base that did not load is in no spec's files)
    /// and those whose last load failed: which files they read is unknown.
    pub fn analyze_affected(&mut self, changed: &Path) -> Vec<PathBuf> {
        let mut analyzed = Vec::new();
        let texts: Vec<(PathBuf, String)> = self
            .documents
            .values()
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect();
        for doc in self.documents.values_mut() {
            let reads = doc.path == changed
                || !doc.loaded
                || doc
                    .diagnostics
                    .iter()
                    .any(|d| Path::new(&d.file) == changed)
                || doc.files().iter().any(|f| f.path == changed);
            if !reads {
                continue;
            }
            let mut loader = Loader::new();
            for (path, text) in &texts {
                loader.set_text(path, text.clone());
            }
            let (checked, diagnostics) = spec::inspect_file(&mut loader, &doc.path);
            doc.diagnostics = diagnostics;
            doc.loaded = checked.is_some();
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

    /// The text of a file by its diagnostic name: its open buffer, else
    /// what `doc`'s spec read, else the disk.
    pub fn text_of(&self, doc: &Document, name: &str) -> Option<String> {
        if let Some(open) = self.documents.get(Path::new(name)) {
            return Some(open.text.clone());
        }
        doc.files()
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.text.clone())
            .or_else(|| std::fs::read_to_string(name).ok())
    }

    /// The document's spec when it was loaded from the texts open now: an
    /// older spec's positions would point at text that is no longer there.
    pub fn current_spec<'a>(&self, doc: &'a Document) -> Option<&'a CheckedSpec> {
        let spec = doc.spec.as_deref()?;
        let current = doc.files().iter().all(|file| {
            self.documents
                .get(&file.path)
                .is_none_or(|open| open.text == file.text)
        });
        (doc.loaded && current).then_some(spec)
    }

    /// Masks what `validate` masks in this document's diagnostics (the
    /// credential-named values and JWTs its sources write), and what the
    /// spec marks secret (literal defaults of secret inputs, its
    /// `secrets.fields`), in text the server sends.
    pub fn redactor(&self, doc: &Document) -> SourceRedactor {
        let mut redactor = SourceRedactor::new();
        if let Some(spec) = &doc.spec {
            let model = &spec.loaded.spec;
            // Before the texts are learnt: the fields name what they hold.
            redactor.redactor().add_fields(&model.secrets.fields);
            for (name, input) in &model.inputs {
                if input.is_secret(name)
                    && let Some(default) = &input.default
                    && !default
                        .as_str()
                        .is_some_and(caseflow::template::is_template)
                {
                    redactor.redactor().add_value(default);
                }
            }
        }
        // The texts loaded, as they are now, and those of files a failed
        // load points into: each learnt once (learning reads every line).
        let files = doc.files();
        let mut names: Vec<String> = doc.diagnostics.iter().map(|d| d.file.clone()).collect();
        names.extend(files.iter().map(|f| f.name.clone()));
        names.sort();
        names.dedup();
        let mut texts: Vec<std::borrow::Cow<'_, str>> =
            files.iter().map(|f| f.text.as_str().into()).collect();
        texts.push(doc.text.as_str().into());
        texts.extend(
            names
                .iter()
                .filter_map(|n| self.text_of(doc, n))
                .map(Into::into),
        );
        let mut learnt = std::collections::HashSet::new();
        for text in &texts {
            if learnt.insert(text.as_ref()) {
                redactor.learn(text);
            }
        }
        redactor
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
