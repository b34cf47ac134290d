//! caseflow: runs declarative YAML workflow specs of HTTP API calls as a
//! dependency graph inferred from the data that flows between steps.
//!
//! The pipeline, one module each:
//!
//! * [`spec`]: load a file (`extends` and `uses` resolved) and check it
//!   (schema, references, cycles), every diagnostic at its `file:line:col`
//!   ([`spec::check_file`]);
//! * [`plan`]: the dependency graph, its levels and critical path;
//! * [`run`]: resolve inputs ([`run::prepare`]), run the graph
//!   concurrently ([`run::execute`], [`run::execute_all`]) and report
//!   through an [`run::EventSink`];
//! * [`report`]: the result model and the reports written from the events
//!   (JSON, JUnit, HTML);
//! * [`redact`]: the one redaction layer every output goes through;
//! * [`template`] and [`formats`] (Postman in, YAML out) around them.
//!
//! ```
//! use std::sync::Arc;
//!
//! use caseflow::run::{self, InputSources, RunOptions, Silent};
//! use caseflow::spec::{self, Loader};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // A server on 127.0.0.1 that answers every request with 201 and an id.
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let base = format!("http://{}", listener.local_addr().unwrap());
//! tokio::spawn(async move {
//!     while let Ok((mut socket, _)) = listener.accept().await {
//!         let mut request = [0u8; 4096];
//!         let _ = socket.read(&mut request).await;
//!         let body = r#"{"id":"42"}"#;
//!         let head = format!(
//!             "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
//!             body.len()
//!         );
//!         let _ = socket.write_all(format!("{head}{body}").as_bytes()).await;
//!     }
//! });
//!
//! // A spec whose second step reads the first one's output, so runs after it.
//! let dir = std::env::temp_dir().join(format!("caseflow-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let file = dir.join("items.yaml");
//! std::fs::write(&file, r#"
//! version: 1
//! name: items
//! inputs:
//!   base: {}
//! steps:
//!   create:
//!     request: { method: POST, url: "{{ inputs.base }}/items", json: { name: a } }
//!     expect: { status: 201 }
//!     outputs: { id: $.id }
//!   read:
//!     request: { method: GET, url: "{{ inputs.base }}/items/{{ steps.create.outputs.id }}" }
//! "#).unwrap();
//!
//! let (checked, diagnostics) = spec::check_file(&mut Loader::new(), &file);
//! let checked = checked.expect("the spec is valid");
//! assert!(diagnostics.is_empty());
//!
//! let mut sources = InputSources::default();
//! sources.set.insert("base".into(), base.into());
//! let report = run::run(&checked, &sources, &RunOptions::new(8), Arc::new(Silent))
//!     .await
//!     .unwrap();
//! assert!(report.passed());
//! assert_eq!(report.steps.len(), 2);
//! # }
//! ```

pub mod formats;
pub mod plan;
pub mod redact;
pub mod report;
pub mod run;
pub mod spec;
pub mod template;

#[cfg(test)]
mod committed;
