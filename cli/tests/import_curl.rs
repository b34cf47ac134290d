//! `caseflow import curl`: tutorial-style commands (`--request`, `--url`,
//! `-H`, `-d`/`--data-raw` JSON and form, `-u`, `--location`, `$'...'`)
//! into a spec; one run against the sandbox.

mod support;

use std::path::{Path, PathBuf};

use support::binary::{caseflow, command, text};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/curl")
}

#[test]
fn tutorial_commands_become_a_spec() {
    let out = caseflow(&["import", "curl", "tutorial.sh"], &fixtures());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    insta::assert_snapshot!("tutorial_spec", String::from_utf8_lossy(&out.stdout));
    insta::assert_snapshot!("tutorial_messages", String::from_utf8_lossy(&out.stderr));
}

/// Value options are skipped with their values, `-sSL` and `-sX POST` are
/// expanded, credentials become secret inputs, and every warning says
/// where it is.
#[test]
fn options_clusters_and_credentials() {
    let out = caseflow(&["import", "curl", "options.sh"], &fixtures());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let yaml = String::from_utf8_lossy(&out.stdout).to_string();
    for secret in [
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "0123abcd4567ef89aa",
        "AKIAIOSFODNN7EXAMPLE",
        "9944b09199c62bcf9418ad846dd0e4bb",
        "dXNlcjpwcjB4eXBhc3M=",
        "4821",
    ] {
        assert!(!yaml.contains(secret), "{secret} is never written\n{yaml}");
    }
    for noise in [
        "TOKEN",
        "ca.pem",
        "out.json",
        "proxy",
        "http_code",
        "127.0.0.1",
        "value",
    ] {
        assert!(!yaml.contains(noise), "{noise} is no URL\n{yaml}");
    }
    assert!(yaml.contains("Bearer {{ inputs.access_token }}"), "{yaml}");
    assert!(
        yaml.contains("follow_redirects: true"),
        "-L in -sSL\n{yaml}"
    );
    assert!(yaml.contains("method: POST"), "-X in -sX\n{yaml}");
    insta::assert_snapshot!("options_spec", yaml);
    insta::assert_snapshot!("options_messages", String::from_utf8_lossy(&out.stderr));
}

/// The admin token, a population created with it, the populations listed:
/// imported from stdin and run against a sandbox with its values as inputs.
#[test]
fn imported_commands_run_against_the_sandbox() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(caseflow_sandbox::Sandbox::start(0))
        .expect("the sandbox starts");
    let base = sandbox.base_url().to_string();
    let commands = format!(
        "curl --request POST \\\n --url '{base}/{{{{envID}}}}/as/token' \\\n -u '{{{{adminClientId}}}}:{{{{adminClientSecret}}}}' \\\n --data 'grant_type=client_credentials'\n\
curl -X POST \"{base}/v1/environments/{{{{envID}}}}/populations\" \\\n  -H \"Authorization: Bearer {{{{accessToken}}}}\" \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '{{\"name\": \"curl-population\"}}'\n\
curl --location '{base}/v1/environments/{{{{envID}}}}/populations' --header 'Authorization: Bearer {{{{accessToken}}}}'\n"
    );
    let dir = std::env::temp_dir().join(format!("caseflow-curl-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = command(&["import", "curl", "-", "-o", "populations.yaml"], &dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(commands.as_bytes())
        .unwrap();
    let import = child.wait_with_output().unwrap();
    assert_eq!(import.status.code(), Some(0), "{}", text(&import));
    let yaml = std::fs::read_to_string(dir.join("populations.yaml")).unwrap();
    assert!(
        yaml.contains("{{ steps.token.outputs.access_token }}"),
        "{yaml}"
    );

    let inputs = sandbox.inputs();
    let sets = [
        format!("env_id={}", inputs["env_id"]),
        format!("admin_client_id={}", inputs["admin_client_id"]),
        format!("admin_client_secret={}", inputs["admin_client_secret"]),
    ];
    let mut args = vec!["run", "populations.yaml", "--report", "json=report.json"];
    for s in &sets {
        args.extend(["--set", s.as_str()]);
    }
    let run = caseflow(&args, &dir);
    assert_eq!(run.status.code(), Some(0), "{}\n{yaml}", text(&run));
    let report = support::binary::json_report(&dir);
    let created = support::binary::report_step(&report, "create_population");
    assert_eq!(created["http_status"], 201);
    let listed = support::binary::report_step(&report, "list_populations");
    assert_eq!(listed["http_status"], 200);
    rt.block_on(sandbox.shutdown());
}

#[test]
fn bad_command_lines_are_refused() {
    let dir = std::env::temp_dir().join(format!("caseflow-curl-bad-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("open-quote.sh", "curl -X POST \\\n  'https://h/x\n"),
        ("no-url.sh", "curl -X POST -H 'A: b'\n"),
        ("bad-header.sh", "curl https://h/x -H 'no colon'\n"),
        ("no-curl.sh", "echo hello\n"),
        (
            "later-line.sh",
            "curl -X POST \"https://h/\\\nx\" \\\n  -H 'nope'\n",
        ),
        ("unicode.sh", "curl -é https://h/x -–data 1 -X\n"),
    ];
    let mut messages = String::new();
    for (name, body) in cases {
        std::fs::write(dir.join(name), body).unwrap();
        let out = caseflow(&["import", "curl", name], &dir);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out));
        messages.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    insta::assert_snapshot!(messages);
}
