//! The secret scan: run specs as a user does (`-vv`, `--dry-run`, every
//! report format, failing steps included), record every credential that
//! crossed the wire, and search every byte caseflow wrote for each of them
//! in every encoding. One hit fails the test.

mod support;

use support::binary::caseflow;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use support::{reflector, wire};

/// stdout, stderr and every report file of one invocation, by name.
struct Written {
    outputs: Vec<(String, String)>,
}

impl Written {
    fn collect(label: &str, out: &Output, dir: &Path, reports: &[&str]) -> Self {
        let mut outputs = vec![
            (
                format!("{label} stdout"),
                String::from_utf8_lossy(&out.stdout).into_owned(),
            ),
            (
                format!("{label} stderr"),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ),
        ];
        for file in reports {
            let text = std::fs::read_to_string(dir.join(file))
                .unwrap_or_else(|e| panic!("{label}: report {file} was not written: {e}"));
            outputs.push((format!("{label} {file}"), text));
        }
        Self { outputs }
    }

    fn all(&self) -> Vec<(&str, &str)> {
        self.outputs
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect()
    }

    fn text(&self) -> String {
        self.outputs
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn assert_no_leaks(secrets: &BTreeSet<String>, written: &[&Written]) {
    let outputs: Vec<(&str, &str)> = written.iter().flat_map(|w| w.all()).collect();
    let leaks = wire::leaks(secrets, &outputs);
    assert!(
        leaks.is_empty(),
        "{} secret(s) leaked:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

const REFLECT_SPEC: &str = r#"version: 1
name: reflect
inputs:
  base: {}
  client_secret: { default: "cs-Def4ult/Secret+Value" }
  user_password: {}
  api_key: { secret: true }
  pin: { secret: true, default: "7q2" }
clients:
  api: { base_url: "{{ inputs.base }}" }
steps:
  token:
    client: api
    request:
      method: POST
      url: /token
      form: { grant_type: client_credentials, client_id: app-1, client_secret: "{{ inputs.client_secret }}" }
    expect: { status: 200, body: { $.token_type: Bearer } }
    outputs: { kind: $.token_type }
  app: { client: api, request: { method: GET, url: /app }, outputs: { id: $.id } }
  reflect_query:
    client: api
    request:
      method: GET
      url: "/reflect?p={{ inputs.user_password }}&x=1"
      headers: { X-Key: "{{ inputs.api_key[0:10] }}", X-Pin: "{{ inputs.pin }}" }
    expect: { status: 201 }
  reflect_form:
    client: api
    request:
      method: POST
      url: /reflect
      form: { password: "{{ inputs.user_password }}", secret: "{{ inputs.client_secret }}" }
    expect: { body: { $.never: { exists: true } } }
  reflect_json:
    client: api
    needs: [app]
    request:
      method: POST
      url: /reflect
      json:
        password: literal-Passw0rd-in-body
        enc: "{{ inputs.user_password | urlencode }}"
        key: "{{ inputs.api_key | upper }}"
        note: "the key starts {{ inputs.api_key[0:6] }}"
    expect: { body: { $.never: { exists: true } } }
  redirect:
    client: api
    request: { method: GET, url: /redirect }
    expect: { status: 302 }
    outputs: { state: { header: Location, query: state } }
  saml: { client: api, request: { method: GET, url: /saml }, expect: { body: { $.x: 1 } } }
  fail: { client: api, request: { method: GET, url: /fail }, outputs: { x: $.error } }
  after_fail: { client: api, request: { method: GET, url: "/reflect?f={{ steps.fail.outputs.x }}" } }
cleanup:
  delete_app:
    client: api
    request: { method: DELETE, url: "/reflect?client_secret={{ inputs.client_secret }}&id={{ steps.app.outputs.id }}" }
"#;

#[test]
fn reflected_and_uncaptured_secrets_never_come_out() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (base, recorded) = rt.block_on(reflector::start());
    let dir = support::write_spec("reflect.yaml", REFLECT_SPEC);
    let dir = dir.parent().unwrap();
    let password = "my pass/word ü!";
    let api_key = "ak-0123456789abcdefXYZ";
    let sets = [
        format!("base={base}"),
        format!("user_password={password}"),
        format!("api_key={api_key}"),
    ];
    let mut args = vec!["run", "reflect.yaml"];
    for s in &sets {
        args.extend(["--set", s.as_str()]);
    }
    let reports = [
        "--report",
        "json=report.json",
        "--report",
        "junit=report.xml",
        "--report",
        "html=report.html",
    ];
    let verbose = caseflow(&[&args[..], &["-vv"], &reports].concat(), dir);
    assert_eq!(verbose.status.code(), Some(1), "steps fail on purpose");
    let verbose = Written::collect(
        "-vv",
        &verbose,
        dir,
        &["report.json", "report.xml", "report.html"],
    );
    let quiet = caseflow(&[&args[..], &reports].concat(), dir);
    let quiet = Written::collect(
        "plain",
        &quiet,
        dir,
        &["report.json", "report.xml", "report.html"],
    );
    let dry = caseflow(&[&args[..], &["--dry-run"]].concat(), dir);
    assert_eq!(dry.status.code(), Some(0));
    let dry = Written::collect("--dry-run", &dry, dir, &[]);

    let mut secrets = wire::credentials(&recorded.lock().unwrap());
    secrets.extend(
        [
            password,
            api_key,
            &api_key[0..10],
            &api_key.to_uppercase(),
            "cs-Def4ult/Secret+Value",
            "literal-Passw0rd-in-body",
        ]
        .map(String::from),
    );
    assert!(secrets.len() > 20, "recorded only {secrets:?}");
    eprintln!("scanned 3 runs for {} secrets", secrets.len());
    assert_no_leaks(&secrets, &[&verbose, &quiet, &dry]);

    let text = verbose.text();
    // What was masked is still there to read, only masked.
    for shown in [
        "\"token_type\": \"Bearer\"",
        "\"access_token\": \"•••\"",
        "/reflect?p=•••&x=1",
        "> X-Key: •••",
        "> X-Pin: •••",
        "< HTTP 200",
        "< HTTP 302",
        "state=s1",
        "token_type=Bearer",
        "< set-cookie: ST=•••; Path=/; HttpOnly",
        "name=\"SAMLResponse\" value=\"•••\"",
        "\"code\": \"INVALID_DATA\"",
        // A body string that mixes text and a secret is masked whole.
        "\"note\": \"•••\"",
        "fail",
        "after_fail",
    ] {
        assert!(text.contains(shown), "`{shown}` is not shown:\n{text}");
    }
    let dry = dry.text();
    assert!(dry.contains("client_secret=•••"), "{dry}");
}

#[test]
fn the_library_leaks_nothing_it_sent_or_received() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (upstream_tx, upstream_rx) = tokio::sync::oneshot::channel();
    let (proxy, recorded) = rt.block_on(wire::recording_proxy(upstream_rx));
    let sandbox = rt
        .block_on(caseflow_sandbox::Sandbox::start_behind(0, Some(&proxy)))
        .expect("sandbox starts");
    upstream_tx.send(sandbox.local_url().to_string()).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out_dir = std::env::temp_dir().join(format!("caseflow-scan-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let sets: Vec<String> = sandbox
        .inputs()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut args = vec!["run".to_string(), root.join("specs").display().to_string()];
    for s in &sets {
        args.extend(["--set".to_string(), s.clone()]);
    }
    let json = out_dir.join("library.json").display().to_string();
    let junit = out_dir.join("library.xml").display().to_string();
    let html = out_dir.join("library.html").display().to_string();
    let har = out_dir.join("library.har").display().to_string();
    let mut verbose_args = args.clone();
    verbose_args.extend([
        "-vv".into(),
        "--report".into(),
        format!("json={json}"),
        "--report".into(),
        format!("junit={junit}"),
        "--report".into(),
        format!("html={html}"),
        "--report".into(),
        format!("har={har}"),
    ]);
    let verbose_args: Vec<&str> = verbose_args.iter().map(String::as_str).collect();
    let run = caseflow(&verbose_args, root);
    let verbose = Written::collect(
        "library -vv",
        &run,
        &out_dir,
        &["library.json", "library.xml", "library.html", "library.har"],
    );
    assert_eq!(run.status.code(), Some(0), "{}", verbose.text());
    let mut dry_args: Vec<&str> = args.iter().map(String::as_str).collect();
    dry_args.push("--dry-run");
    let dry = caseflow(&dry_args, root);
    let dry = Written::collect("library --dry-run", &dry, &out_dir, &[]);

    let mut secrets = wire::credentials(&recorded.lock().unwrap());
    secrets.insert(sandbox.admin_client_secret().to_string());
    assert!(
        secrets.len() > 100,
        "recorded only {} secrets",
        secrets.len()
    );
    eprintln!("scanned the library runs for {} secrets", secrets.len());
    assert_no_leaks(&secrets, &[&verbose, &dry]);
    let text = verbose.text();
    for shown in [
        "\"token_type\": \"Bearer\"",
        "< HTTP 201",
        "/as/token",
        "> Authorization: Bearer •••",
    ] {
        assert!(text.contains(shown), "`{shown}` is not shown");
    }
    rt.block_on(sandbox.shutdown());
}

/// Dumps and failures as a person reads them: masked values, readable neighbours.
#[test]
fn masked_dumps_and_failures_read_well() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (base, _) = rt.block_on(reflector::start());
    let dir = support::write_spec(
        "read.yaml",
        r#"version: 1
name: read
inputs:
  base: {}
  user_password: { default: "pa55 word/1" }
steps:
  token:
    request:
      method: POST
      url: "{{ inputs.base }}/token"
      form: { grant_type: password, username: alice, password: "{{ inputs.user_password }}" }
    outputs: { kind: $.token_type }
  login:
    needs: [token]
    request: { method: GET, url: "{{ inputs.base }}/redirect" }
    expect: { status: 200 }
"#,
    );
    let dir = dir.parent().unwrap();
    let set = format!("base={base}");
    let out = caseflow(&["run", "read.yaml", "--set", &set, "-vv"], dir);
    assert_eq!(out.status.code(), Some(1));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT");
    settings.add_filter(r"\b\d+(\.\d+)?m?s\b", "<duration>");
    settings.add_filter(r"(?m)^< (date|content-length): .*\n", "");
    settings.add_filter(r"(?m)^│.*│\n|(?m)^[┌├└╞].*\n", "");
    settings.bind(|| insta::assert_snapshot!(text));
}

#[test]
fn validate_warns_of_short_secrets() {
    let dir = support::write_spec(
        "short.yaml",
        "version: 1\nname: short\ninputs:\n  pin: { secret: true, default: \"7q2\" }\nsteps:\n  a:\n    request: { method: GET, url: \"http://127.0.0.1:9/x?pin={{ inputs.pin }}\" }\n",
    );
    let out = caseflow(&["validate", "short.yaml"], dir.parent().unwrap());
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ));
}
