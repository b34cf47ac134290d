//! The message loop: documents in, diagnostics out, requests answered from
//! the last analysis.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;

use caseflow::spec::CheckedSpec;
use caseflow::spec::snippet::SourceRedactor;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeLensRequest, Completion, ExecuteCommand, GotoDefinition, HoverRequest, References, Rename,
    Request as _,
};
use lsp_types::{
    CodeLensOptions, CompletionOptions, CompletionResponse, ExecuteCommandOptions,
    GotoDefinitionResponse, Hover, HoverContents, HoverProviderCapability, MarkupContent,
    MarkupKind, OneOf, ServerCapabilities, TextDocumentPositionParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};
use serde_json::Value;

use super::symbols::{self, Symbol};
use super::workspace::{Document, Workspace};
use super::{completion, diagnostics, hover, plan_lens, references, to_proto};

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), " ".into(), "|".into()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![plan_lens::COMMAND.into()],
            ..ExecuteCommandOptions::default()
        }),
        ..ServerCapabilities::default()
    }
}

pub struct Server<'c> {
    connection: &'c Connection,
    workspace: Workspace,
}

/// A request's answer, or an error code and message for the client.
type Answer = Result<Value, (ErrorCode, String)>;

type Found<'a> = (&'a Document, &'a CheckedSpec, Symbol);

impl<'c> Server<'c> {
    pub fn new(connection: &'c Connection) -> Self {
        Self {
            connection,
            workspace: Workspace::default(),
        }
    }

    /// Serves until the client shuts the server down or goes away.
    pub fn run(&mut self) -> Result<(), String> {
        for message in &self.connection.receiver {
            match message {
                Message::Request(request) => {
                    if self
                        .connection
                        .handle_shutdown(&request)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(());
                    }
                    let id = request.id.clone();
                    let method = request.method.clone();
                    // A bug in one answer fails that request, not the editor's session.
                    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.request(request)
                    }))
                    .unwrap_or_else(|_| {
                        self.log_panic(&method);
                        Err((
                            ErrorCode::InternalError,
                            "caseflow lsp failed on this request (an internal error)".into(),
                        ))
                    });
                    self.respond(id, answer);
                }
                Message::Notification(notification) => {
                    let method = notification.method.clone();
                    // A document the server cannot analyse must not end the session.
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.notification(notification)
                    }))
                    .is_err()
                    {
                        self.log_panic(&method);
                    }
                }
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    /// The panic's message on stderr, masked as the open documents' texts are.
    fn log_panic(&self, method: &str) {
        let message = LAST_PANIC
            .lock()
            .ok()
            .and_then(|mut last| last.take())
            .unwrap_or_else(|| "unknown cause".into());
        let message = self
            .workspace
            .documents
            .values()
            .fold(message, |m, doc| doc.redactor.redact(&m));
        eprintln!("error: caseflow lsp: an internal error on `{method}`: {message}");
    }

    fn respond(&self, id: RequestId, answer: Answer) {
        let response = match answer {
            Ok(result) => Response::new_ok(id, result),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        let _ = self.connection.sender.send(Message::Response(response));
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        let n = Notification::new(method.to_string(), params);
        let _ = self.connection.sender.send(Message::Notification(n));
    }

    fn notification(&mut self, n: Notification) {
        // The document's path, and the text at a JSON pointer of the params.
        let text_of = |pointer: &str| -> Option<(PathBuf, Option<String>)> {
            let uri: Uri = serde_json::from_value(n.params["textDocument"]["uri"].clone()).ok()?;
            let text = n.params.pointer(pointer).and_then(Value::as_str);
            Some((to_proto::path(&uri)?, text.map(str::to_string)))
        };
        // The files whose diagnostics are published again.
        let mut touched = BTreeSet::new();
        let changed = match n.method.as_str() {
            DidOpenTextDocument::METHOD => text_of("/textDocument/text").map(|(path, text)| {
                self.workspace.open(path.clone(), text.unwrap_or_default());
                path
            }),
            DidChangeTextDocument::METHOD => {
                // Full sync: the last change holds the whole text.
                let last = n.params["contentChanges"]
                    .as_array()
                    .map_or(0, |changes| changes.len().saturating_sub(1));
                text_of(&format!("/contentChanges/{last}/text")).and_then(|(path, text)| {
                    self.workspace.change(&path, text?);
                    Some(path)
                })
            }
            DidSaveTextDocument::METHOD => text_of("/text").map(|(path, text)| {
                if let Some(text) = text {
                    self.workspace.change(&path, text);
                }
                path
            }),
            DidCloseTextDocument::METHOD => text_of("").map(|(path, _)| {
                // What the other open specs find in its files stays shown.
                if let Some(doc) = self.workspace.close(&path) {
                    touched.extend(doc.published.into_keys());
                    touched.insert(doc.path);
                }
                path
            }),
            _ => None,
        };
        let Some(changed) = changed else { return };
        for path in self.workspace.analyze_affected(&changed) {
            let Some(doc) = self.workspace.get(&path) else {
                continue;
            };
            let redactor = self.workspace.redactor(doc);
            let found = diagnostics::by_file(&self.workspace, doc, &redactor);
            if let Some(doc) = self.workspace.documents.get_mut(&path) {
                touched.extend(doc.published.keys().cloned());
                touched.extend(found.keys().cloned());
                doc.published = found;
                doc.redactor = redactor;
            }
        }
        for params in diagnostics::publish(&self.workspace, &touched) {
            self.notify(PublishDiagnostics::METHOD, params);
        }
    }

    fn request(&mut self, request: Request) -> Answer {
        let params = &request.params;
        match request.method.as_str() {
            Completion::METHOD => {
                let Some((doc, pos)) = self.position(params)? else {
                    return Ok(Value::Null);
                };
                // The last spec that loaded, even if older: completing a
                // half-typed line is when the text does not load.
                let Some(spec) = &doc.spec else {
                    return Ok(Value::Null);
                };
                let (line, col) = to_proto::line_and_col(&doc.text, pos);
                let items = completion::complete(spec, &doc.text, pos.line as usize, line, col);
                let mut items = to_json(CompletionResponse::Array(items))?;
                redact_strings(&mut items, &doc.redactor);
                Ok(items)
            }
            GotoDefinition::METHOD => {
                let Some((_, spec, symbol)) = self.symbol(params, false)? else {
                    return Ok(Value::Null);
                };
                match symbols::definition(spec, &symbol) {
                    Some(location) => to_json(GotoDefinitionResponse::Scalar(location)),
                    None => Ok(Value::Null),
                }
            }
            References::METHOD => {
                let Some((_, spec, symbol)) = self.symbol(params, true)? else {
                    return to_json(Vec::<lsp_types::Location>::new());
                };
                let mut found = references::find(&self.workspace, spec, &symbol);
                let declaration = params["context"]["includeDeclaration"]
                    .as_bool()
                    .unwrap_or(true);
                if !declaration && let Some(def) = symbols::definition(spec, &symbol) {
                    found.retain(|l| *l != def);
                }
                to_json(found)
            }
            Rename::METHOD => {
                if let Some((doc, _)) = self.position(params)?
                    && self.workspace.current_spec(doc).is_none()
                {
                    return Err((
                        ErrorCode::InvalidRequest,
                        format!(
                            "`{}` does not load as it is now: fix its errors before renaming",
                            doc.path.display()
                        ),
                    ));
                }
                let Some((_, spec, symbol)) = self.symbol(params, true)? else {
                    return Err((
                        ErrorCode::InvalidRequest,
                        "nothing to rename here: put the cursor on a step, output, input or client"
                            .into(),
                    ));
                };
                let new_name = params["newName"].as_str().unwrap_or_default();
                references::rename(&self.workspace, spec, &symbol, new_name)
                    .map_err(|e| (ErrorCode::InvalidParams, e))
                    .and_then(to_json)
            }
            HoverRequest::METHOD => {
                let Some((doc, spec, symbol)) = self.symbol(params, false)? else {
                    return Ok(Value::Null);
                };
                let Some(text) = hover::markdown(spec, &symbol) else {
                    return Ok(Value::Null);
                };
                to_json(Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: doc.redactor.redact(&text),
                    }),
                    range: None,
                })
            }
            CodeLensRequest::METHOD => {
                let (doc, uri) = self.document(params)?;
                let Some(spec) = self.workspace.current_spec(doc) else {
                    return to_json(Vec::<lsp_types::CodeLens>::new());
                };
                let mut lenses = to_json(plan_lens::lenses(spec, &uri))?;
                redact_strings(&mut lenses, &doc.redactor);
                Ok(lenses)
            }
            ExecuteCommand::METHOD if params["command"] == plan_lens::COMMAND => {
                let uri = params["arguments"][0].clone();
                let (doc, _) =
                    self.document(&serde_json::json!({ "textDocument": { "uri": uri } }))?;
                let text = doc
                    .spec
                    .as_ref()
                    .and_then(|spec| plan_lens::text(spec))
                    .unwrap_or_else(|| "the spec has errors: fix them to see its plan".into());
                Ok(Value::String(doc.redactor.redact(&text)))
            }
            method => Err((
                ErrorCode::MethodNotFound,
                format!("caseflow lsp does not answer `{method}`"),
            )),
        }
    }

    /// The open document a request is about, and its URI.
    fn document(&self, params: &Value) -> Result<(&Document, Uri), (ErrorCode, String)> {
        let uri: Uri = serde_json::from_value(params["textDocument"]["uri"].clone())
            .map_err(|_| (ErrorCode::InvalidParams, "no document URI".to_string()))?;
        let path = to_proto::path(&uri).ok_or((
            ErrorCode::InvalidParams,
            format!("`{}` is not a file", uri.as_str()),
        ))?;
        let doc = self.workspace.get(&path).ok_or((
            ErrorCode::InvalidParams,
            format!("`{}` is not open", path.display()),
        ))?;
        Ok((doc, uri))
    }

    /// The document and position of a request; `None` for a line past the text's end.
    fn position(
        &self,
        params: &Value,
    ) -> Result<Option<(&Document, lsp_types::Position)>, (ErrorCode, String)> {
        let at: TextDocumentPositionParams = serde_json::from_value(params.clone())
            .map_err(|_| (ErrorCode::InvalidParams, "no document position".to_string()))?;
        let (doc, _) = self.document(params)?;
        let lines = doc.text.split('\n').count();
        Ok(((at.position.line as usize) < lines).then_some((doc, at.position)))
    }

    /// The symbol at the request's position, with the document and spec it
    /// is in; with `current`, only from a spec loaded from the texts open
    /// now (what edits and other files' locations are computed on).
    fn symbol(
        &self,
        params: &Value,
        current: bool,
    ) -> Result<Option<Found<'_>>, (ErrorCode, String)> {
        let Some((doc, pos)) = self.position(params)? else {
            return Ok(None);
        };
        let spec = if current {
            self.workspace.current_spec(doc)
        } else {
            doc.spec.as_deref()
        };
        let Some(spec) = spec else {
            return Ok(None);
        };
        Ok(symbols::at(spec, &doc.text, pos).map(|symbol| (doc, spec, symbol)))
    }
}

/// Masks every string of an answer (labels, details, titles).
fn redact_strings(value: &mut Value, redactor: &SourceRedactor) {
    match value {
        Value::String(s) => *s = redactor.redact(s),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_strings(v, redactor)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_strings(v, redactor)),
        _ => {}
    }
}

/// The last panic's message and place, for [`Server::log_panic`]: the
/// default hook would print it to stderr unmasked.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Keeps panic messages for the server to log, masked.
pub fn keep_panics() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a panic without a message");
        let place = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(format!("{message}{place}"));
        }
    }));
}

fn to_json(value: impl serde::Serialize) -> Answer {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}
