//! HTTPS against a local server with a self-signed certificate: refused by
//! the system's roots (read on the first handshake), accepted only when
//! both the client (`insecure: true`) and the command line (`--insecure`)
//! say so.

mod support;

use std::sync::Arc;

use support::binary::{caseflow, spec_dir, text};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTPS server on 127.0.0.1 answering `200 ok` to every request, with
/// a certificate for `localhost` that no root signed. Stops with the test
/// process.
fn https_server() -> String {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = key.cert.der().clone();
    let private =
        rustls::pki_types::PrivateKeyDer::try_from(key.signing_key.serialize_der()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], private)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap().port()).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = [0u8; 4096];
                    let _ = tls.read(&mut buf).await;
                    let reply =
                        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                    let _ = tls.write_all(reply.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
    });
    format!("https://localhost:{}", rx.recv().unwrap())
}

const SPEC: &str = r#"clients:
  strict: { base_url: "{{ inputs.base }}" }
  lenient: { base_url: "{{ inputs.base }}", insecure: true }
steps:
  strict:
    client: strict
    request: { method: GET, url: /x }
  lenient:
    client: lenient
    request: { method: GET, url: /x }
    expect: { status: 200 }
    outputs: { text: { body: true } }
"#;

#[test]
fn a_self_signed_certificate_is_refused_unless_both_sides_allow_it() {
    let base = https_server();
    let dir = spec_dir("tls.yaml", &base, SPEC);
    let out = caseflow(&["run", "tls.yaml", "--report", "json=report.json"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = support::binary::json_report(&dir);
    for id in ["strict", "lenient"] {
        let step = support::binary::report_step(&report, id);
        assert_eq!(step["status"], "failed", "{step:#}");
        let message = step["message"].as_str().unwrap();
        assert!(message.contains("certificate"), "{message}");
    }
    let out = caseflow(
        &[
            "run",
            "tls.yaml",
            "--insecure",
            "--report",
            "json=report.json",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = support::binary::json_report(&dir);
    let step = |id| support::binary::report_step(&report, id)["status"].clone();
    assert_eq!(step("strict"), "failed");
    assert_eq!(step("lenient"), "passed", "{}", text(&out));
    let lenient = support::binary::report_step(&report, "lenient");
    assert_eq!(lenient["outputs"]["text"], "ok");
}
