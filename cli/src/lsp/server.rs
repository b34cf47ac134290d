//! The message loop: documents in, diagnostics out, requests answered from
//! the last analysis.

use std::path::PathBuf;

use caseflow::spec::CheckedSpec;
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
    MarkupKind, OneOf, PublishDiagnosticsParams, ServerCapabilities, TextDocumentPositionParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
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
                    // A bug in one answer fails that request, not the editor's session.
                    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.request(request)
                    }))
                    .unwrap_or_else(|_| {
                        Err((
                            ErrorCode::InternalError,
                            "caseflow lsp failed on this request (an internal error)".into(),
                        ))
                    });
                    self.respond(id, answer);
                }
                Message::Notification(notification) => self.notification(notification),
                Message::Response(_) => {}
            }
        }
        Ok(())
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
                if let Some(doc) = self.workspace.close(&path) {
                    for file in doc.published.iter().chain([&doc.path]) {
                        self.notify(
                            PublishDiagnostics::METHOD,
                            PublishDiagnosticsParams {
                                uri: to_proto::uri(file),
                                diagnostics: Vec::new(),
                                version: None,
                            },
                        );
                    }
                }
                path
            }),
            _ => None,
        };
        let Some(changed) = changed else { return };
        let mut all = Vec::new();
        for path in self.workspace.analyze_affected(&changed) {
            if let Some(doc) = self.workspace.documents.get_mut(&path) {
                all.extend(diagnostics::publish(doc));
            }
        }
        for params in all {
            self.notify(PublishDiagnostics::METHOD, params);
        }
    }

    fn request(&mut self, request: Request) -> Answer {
        let params = &request.params;
        match request.method.as_str() {
            Completion::METHOD => {
                let (doc, pos) = self.position(params)?;
                let Some(spec) = &doc.spec else {
                    return Ok(Value::Null);
                };
                let (line, col) = to_proto::line_and_col(&doc.text, pos);
                let items = completion::complete(spec, &doc.text, pos.line as usize, line, col);
                to_json(CompletionResponse::Array(items))
            }
            GotoDefinition::METHOD => {
                let Some((_, spec, symbol)) = self.symbol(params)? else {
                    return Ok(Value::Null);
                };
                match symbols::definition(spec, &symbol) {
                    Some(location) => to_json(GotoDefinitionResponse::Scalar(location)),
                    None => Ok(Value::Null),
                }
            }
            References::METHOD => {
                let Some((_, spec, symbol)) = self.symbol(params)? else {
                    return Ok(Value::Null);
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
                let Some((_, spec, symbol)) = self.symbol(params)? else {
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
                let Some((doc, spec, symbol)) = self.symbol(params)? else {
                    return Ok(Value::Null);
                };
                let Some(text) = hover::markdown(spec, &symbol) else {
                    return Ok(Value::Null);
                };
                to_json(Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: doc.redactor().redact(&text),
                    }),
                    range: None,
                })
            }
            CodeLensRequest::METHOD => {
                let (doc, uri) = self.document(params)?;
                match &doc.spec {
                    Some(spec) => to_json(plan_lens::lenses(spec, &uri, &doc.text)),
                    None => Ok(Value::Null),
                }
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
                Ok(Value::String(doc.redactor().redact(&text)))
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

    fn position(
        &self,
        params: &Value,
    ) -> Result<(&Document, lsp_types::Position), (ErrorCode, String)> {
        let at: TextDocumentPositionParams = serde_json::from_value(params.clone())
            .map_err(|_| (ErrorCode::InvalidParams, "no document position".to_string()))?;
        let (doc, _) = self.document(params)?;
        Ok((doc, at.position))
    }

    /// The symbol at the request's position, with the document and spec it is in.
    fn symbol(&self, params: &Value) -> Result<Option<Found<'_>>, (ErrorCode, String)> {
        let (doc, pos) = self.position(params)?;
        let Some(spec) = &doc.spec else {
            return Ok(None);
        };
        Ok(symbols::at(spec, &doc.text, pos).map(|symbol| (doc, spec.as_ref(), symbol)))
    }
}

fn to_json(value: impl serde::Serialize) -> Answer {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}
