//! Truncated and garbled HAR files and curl command lines: every one is
//! imported or refused with a message naming the file, never a panic, and
//! whatever is imported validates.

use std::path::Path;

use caseflow::formats::{Imported, curl, har};
use caseflow::spec::{self, Loader};

fn fixture(path: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(path),
    )
    .unwrap()
}

/// Cut at many places, with characters swapped for quotes, braces,
/// newlines and multi-byte ones, and options spelled with them (`-é`, `-–data`).
fn variants(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    for cut in (0..chars.len()).step_by(chars.len() / 60 + 1) {
        out.push(chars[..cut].iter().collect());
        for c in ['"', '{', '\n', '\'', '\\', ' ', 'é', '–', '€', '😀'] {
            let mut v = chars.clone();
            v[cut] = c;
            out.push(v.into_iter().collect());
        }
    }
    for dash in ["-é", "-–", "–", "-😀"] {
        out.push(text.replace(" -", &format!(" {dash}")));
        out.push(text.replace(" --", &format!(" {dash}")));
    }
    out
}

fn check(name: &str, result: Result<Imported, String>, validated: &mut usize) {
    match result {
        Err(e) => assert!(e.starts_with(name), "the message names the file: {e}"),
        Ok(imported) => {
            for s in &imported.specs {
                let path = std::env::temp_dir()
                    .join(format!("caseflow-robust-{}.yaml", uuid::Uuid::new_v4()));
                std::fs::write(&path, &s.yaml).unwrap();
                let (_, diagnostics) = spec::check_file(&mut Loader::new(), &path);
                let _ = std::fs::remove_file(&path);
                assert!(
                    !diagnostics.iter().any(|d| d.is_error()),
                    "{diagnostics:?}\n{}",
                    s.yaml
                );
                *validated += 1;
            }
        }
    }
}

#[test]
fn garbled_har_files_import_or_are_refused() {
    let mut validated = 0;
    for text in variants(&fixture("har/browser-session.har")) {
        check(
            "session.har",
            har::import("session.har", "session", &text),
            &mut validated,
        );
    }
    assert!(validated > 10, "only {validated} variants imported");
}

#[test]
fn garbled_curl_commands_import_or_are_refused() {
    let mut validated = 0;
    for text in variants(&fixture("curl/tutorial.sh")) {
        check(
            "tutorial.sh",
            curl::import("tutorial.sh", "tutorial", &text),
            &mut validated,
        );
    }
    assert!(validated > 10, "only {validated} variants imported");
}
