//! `caseflow lsp` driven over stdio with JSON-RPC, on copies of the
//! library's specs: diagnostics as `validate` gives them, completion,
//! definition, references and rename across `extends`, hover, the plan lens.

mod lsp_client;

use std::path::{Path, PathBuf};
use std::process::Command;

use lsp_client::{Lsp, library_copy, uri};
use serde_json::{Value, json};

const SPEC: &str = "authorization-code-grant.yaml";

/// The built `caseflow lsp`, initialized.
fn start() -> Lsp {
    Lsp::start_binary(Path::new(env!("CARGO_BIN_EXE_caseflow")))
}

/// The library spec and its text, in a folder of its own.
fn spec(name: &str) -> (PathBuf, String) {
    let dir = library_copy(name).canonicalize().unwrap();
    let path = dir.join(SPEC);
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

/// 0-based line and UTF-16 column of the first `needle` in `text`.
fn find(text: &str, needle: &str) -> (u32, u32) {
    for (row, line) in text.lines().enumerate() {
        if let Some(i) = line.find(needle) {
            return (row as u32, line[..i].encode_utf16().count() as u32);
        }
    }
    panic!("`{needle}` is not in the text");
}

/// A server with the library spec open, its first diagnostics read.
fn opened(name: &str) -> (Lsp, PathBuf, String) {
    let (path, text) = spec(name);
    let mut lsp = start();
    lsp.open(&path, &text);
    lsp.diagnostics(&path);
    (lsp, path, text)
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn detail<'a>(items: &'a Value, label: &str) -> &'a str {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == label)
        .and_then(|i| i["detail"].as_str())
        .unwrap_or_else(|| panic!("no `{label}` in {items}"))
}

fn validate(path: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_caseflow"))
        .args([
            "validate",
            "--message-format",
            "short",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stderr).unwrap() + &String::from_utf8(out.stdout).unwrap()
}

#[test]
fn diagnostics_are_validates_at_the_reference_they_name() {
    let (path, text) = spec("diagnostics");
    let typo = text.replacen(
        "steps.create_app.outputs.id",
        "steps.create_ap.outputs.id",
        1,
    );
    let mut lsp = start();
    lsp.open(&path, &text);
    assert_eq!(lsp.diagnostics(&path), Vec::<Value>::new());

    lsp.change(&path, 2, &typo);
    let diagnostics = lsp.diagnostics(&path);
    // The same findings as `caseflow validate` on the saved file: same
    // words, same start.
    std::fs::write(&path, &typo).unwrap();
    let validated = validate(&path);
    let expected: Vec<&str> = validated.lines().filter(|l| l.starts_with('/')).collect();
    assert_eq!(diagnostics.len(), expected.len(), "{validated}");
    for (d, line) in diagnostics.iter().zip(&expected) {
        let (file, rest) = line.split_at(path.display().to_string().len());
        assert_eq!(file, path.display().to_string());
        let mut fields = rest[1..].splitn(3, ':');
        let row: u64 = fields.next().unwrap().parse().unwrap();
        let col: u64 = fields.next().unwrap().parse().unwrap();
        let message = fields.next().unwrap().trim_start();
        let start = &d["range"]["start"];
        assert_eq!(d["message"], message);
        assert_eq!(start["line"].as_u64().unwrap() + 1, row);
        assert_eq!(start["character"].as_u64().unwrap() + 1, col, "{d} {line}");
    }
    // The range covers the reference, not the whole template.
    let (line, col) = find(&typo, "steps.create_ap.outputs.id");
    let d = &diagnostics[0];
    assert_eq!(d["severity"], 1);
    assert_eq!(d["code"], "E0101", "{d}");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("unknown step `create_ap`, did you mean `create_app`?"),
        "{d}"
    );
    assert_eq!(
        d["range"],
        json!({
            "start": { "line": line, "character": col },
            "end": { "line": line, "character": col + "steps.create_ap.outputs.id".len() as u32 },
        })
    );

    // Fixed again: the diagnostics are withdrawn.
    lsp.change(&path, 3, &text);
    assert_eq!(lsp.diagnostics(&path), Vec::<Value>::new());
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn completes_steps_outputs_inputs_clients_and_needs_across_extends() {
    let (path, text) = spec("completion");
    let (line, _) = find(&text, "/secret");
    let original = text.lines().nth(line as usize).unwrap().to_string();
    let mut lsp = start();
    let mut version = 1;
    let mut complete_at_end = |lsp: &mut Lsp, typed: &str| {
        let edited = text.replacen(&original, &format!("      url: /x/{typed}"), 1);
        version += 1;
        if version == 2 {
            lsp.open(&path, &edited);
        } else {
            lsp.change(&path, version, &edited);
        }
        lsp.diagnostics(&path);
        let column = format!("      url: /x/{typed}").encode_utf16().count() as u32;
        lsp.at("textDocument/completion", &path, line, column)
    };

    let steps = complete_at_end(&mut lsp, "{{ steps.");
    let names = labels(&steps);
    assert!(names.contains(&"create_app".to_string()), "{names:?}");
    // `admin_token` is inherited from lib/pingone.yaml.
    assert!(names.contains(&"admin_token".to_string()), "{names:?}");
    assert_eq!(
        detail(&steps, "create_app"),
        "Create an OpenID Connect (OIDC) application"
    );

    let outputs = complete_at_end(&mut lsp, "{{ steps.create_app.outputs.");
    assert_eq!(labels(&outputs), ["id"]);
    assert_eq!(detail(&outputs, "id"), "json `$.id`");

    let inputs = complete_at_end(&mut lsp, "{{ inputs.");
    assert!(labels(&inputs).contains(&"env_id".to_string()));
    assert_eq!(
        detail(&inputs, "admin_client_secret"),
        "(secret) Client secret of the admin worker application"
    );

    let functions = complete_at_end(&mut lsp, "{{ ");
    assert_eq!(
        detail(&functions, "basic_auth"),
        "basic_auth(user, password)"
    );
    let filters = complete_at_end(&mut lsp, "{{ inputs.env_id | ");
    assert!(labels(&filters).contains(&"base64url".to_string()));

    // `client:` and `needs:` are plain values, not templates.
    let (client_line, _) = find(&text, "    client: admin");
    let clients = lsp.at("textDocument/completion", &path, client_line, 12);
    assert_eq!(labels(&clients), ["admin", "browser", "auth"]);
    let (needs_line, needs_col) = find(&text, "needs: [create_grant]");
    let needs = lsp.at(
        "textDocument/completion",
        &path,
        needs_line,
        needs_col + "needs: [".len() as u32,
    );
    assert!(labels(&needs).contains(&"create_grant".to_string()));
    assert_eq!(lsp.shutdown(), Some(0));
}

/// The child spec with `get_secret` also waiting for the inherited `admin_token`.
fn with_admin_token_need(text: &str) -> String {
    text.replacen(
        "    title: Get the application secret\n",
        "    title: Get the application secret\n    needs: [admin_token]\n",
        1,
    )
}

#[test]
fn definition_and_rename_reach_into_the_extended_file() {
    let (path, text) = spec("rename");
    let text = with_admin_token_need(&text);
    std::fs::write(&path, &text).unwrap();
    let base = path.parent().unwrap().join("lib/pingone.yaml");
    let base_text = std::fs::read_to_string(&base).unwrap();
    let mut lsp = start();
    lsp.open(&path, &text);
    lsp.open(&base, &base_text);
    lsp.diagnostics(&base);

    // `inputs.env_id` is defined in the base file.
    let (line, col) = find(&text, "inputs.env_id");
    let def = lsp.at("textDocument/definition", &path, line, col + 8);
    let (def_line, def_col) = find(&base_text, "  env_id:");
    assert_eq!(def["uri"], uri(&base));
    assert_eq!(
        def["range"]["start"],
        json!({ "line": def_line, "character": def_col + 2 })
    );
    // So is the step `admin_token` a `needs` names.
    let (line, col) = find(&text, "[admin_token]");
    let def = lsp.at("textDocument/definition", &path, line, col + 3);
    let (step_line, _) = find(&base_text, "  admin_token:");
    assert_eq!(def["uri"], uri(&base));
    assert_eq!(def["range"]["start"]["line"], step_line);
    // `client: admin` too.
    let (line, col) = find(&text, "    client: admin");
    let def = lsp.at("textDocument/definition", &path, line, col + 13);
    assert_eq!(def["uri"], uri(&base));
    assert_eq!(
        def["range"]["start"]["line"],
        line_of(&base_text, "  admin:")
    );
    // `extends:` leads to the file.
    let (line, col) = find(&text, "lib/pingone.yaml");
    let def = lsp.at("textDocument/definition", &path, line, col + 2);
    assert_eq!(def["uri"], uri(&base));

    // References: the definition, the client header in the base, the `needs` here.
    let refs = lsp.at(
        "textDocument/references",
        &path,
        line_of(&text, "[admin_token]"),
        14,
    );
    let mut places: Vec<(String, u64)> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let file = if l["uri"] == uri(&base) {
                "base"
            } else {
                "spec"
            };
            (
                file.to_string(),
                l["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    places.sort();
    let header = find(&base_text, "steps.admin_token.outputs").0 as u64;
    assert_eq!(
        places,
        [
            ("base".to_string(), header),
            ("base".to_string(), step_line as u64),
            ("spec".to_string(), line_of(&text, "[admin_token]") as u64),
        ]
    );

    // Rename from the `needs` entry, apply the edits, and the specs still validate.
    let (line, col) = find(&text, "[admin_token]");
    let rename = |new_name: &str| {
        json!({
            "textDocument": { "uri": uri(&path) },
            "position": { "line": line, "character": col + 3 },
            "newName": new_name,
        })
    };
    let edit = lsp.request("textDocument/rename", rename("admin_login"));
    let renamed_base = apply(&base_text, &edit["changes"][uri(&base)]);
    let renamed = apply(&text, &edit["changes"][uri(&path)]);
    assert!(renamed_base.contains("  admin_login:\n"));
    assert!(renamed_base.contains("{{ steps.admin_login.outputs.access_token }}"));
    assert!(!renamed_base.contains("admin_token"));
    assert!(renamed.contains("needs: [admin_login]"));
    std::fs::write(&base, &renamed_base).unwrap();
    std::fs::write(&path, &renamed).unwrap();
    assert!(
        validate(&path).contains("1 spec(s) valid"),
        "{}",
        validate(&path)
    );

    // A name that is no identifier is refused, with the reason.
    let refused = lsp.call("textDocument/rename", rename("9 lives"));
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is not an identifier"),
        "{refused}"
    );
    assert_eq!(lsp.shutdown(), Some(0));
}

fn line_of(text: &str, needle: &str) -> u32 {
    find(text, needle).0
}

/// Applies text edits (non-overlapping, single-line, ASCII columns) to a text.
fn apply(text: &str, edits: &Value) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let mut edits = edits.as_array().expect("edits for the file").clone();
    edits.sort_by_key(|e| {
        let s = &e["range"]["start"];
        std::cmp::Reverse((s["line"].as_u64(), s["character"].as_u64()))
    });
    for e in edits {
        let (start, end) = (&e["range"]["start"], &e["range"]["end"]);
        assert_eq!(start["line"], end["line"]);
        let line = &mut lines[start["line"].as_u64().unwrap() as usize];
        let (from, to) = (
            start["character"].as_u64().unwrap() as usize,
            end["character"].as_u64().unwrap() as usize,
        );
        line.replace_range(from..to, e["newText"].as_str().unwrap());
    }
    lines.join("\n")
}

#[test]
fn hover_tells_a_steps_request_and_both_sides_of_its_dependencies() {
    let (mut lsp, path, text) = opened("hover");
    // A literal secret default, which no hover may show.
    let text = text.replacen(
        "default: \"{{ random_password() }}\"",
        "default: correct-horse-battery",
        1,
    );
    lsp.change(&path, 2, &text);
    lsp.diagnostics(&path);
    let mut hover = |needle: &str, offset: u32| {
        let (line, col) = find(&text, needle);
        let answer = lsp.at("textDocument/hover", &path, line, col + offset);
        answer["contents"]["value"].as_str().unwrap().to_string()
    };
    let step = hover("steps.create_app.outputs.id", 8);
    let output = hover("steps.create_app.outputs.id", 25);
    let input = hover("inputs.env_id", 8);
    let secret = hover("inputs.password", 8);
    assert!(!secret.contains("correct-horse"), "{secret}");
    insta::assert_snapshot!(
        "hover",
        format!("{step}\n---\n{output}\n---\n{input}\n---\n{secret}")
    );
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn the_plan_lens_and_command_give_caseflow_plans_text() {
    let (mut lsp, path, text) = opened("plan");
    let lenses = lsp.request(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": uri(&path) } }),
    );
    let lens = &lenses[0];
    assert_eq!(lens["range"]["start"]["line"], line_of(&text, "steps:"));
    let plan = Command::new(env!("CARGO_BIN_EXE_caseflow"))
        .args(["plan", path.to_str().unwrap()])
        .output()
        .unwrap();
    let plan = String::from_utf8(plan.stdout).unwrap();
    let shape = plan.lines().next().unwrap().split_once(": ").unwrap().1;
    assert_eq!(lens["command"]["title"], format!("plan: {shape}"));
    let text = lsp.request(
        "workspace/executeCommand",
        json!({ "command": "caseflow.plan", "arguments": [uri(&path)] }),
    );
    assert_eq!(text, plan.as_str());
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn broken_text_gives_diagnostics_and_requests_still_answer() {
    let (mut lsp, path, text) = opened("broken");
    // Half-typed YAML: a diagnostic, and completion from the last spec that loaded.
    let broken = text.replacen("steps:\n", "steps:\n  oops: [\n", 1);
    lsp.change(&path, 2, &broken);
    let diagnostics = lsp.diagnostics(&path);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let (line, _) = find(&broken, "{{ steps.create_app.outputs.id }}");
    let col = find(&broken, "{{ steps.create_app.outputs.id }}").1 + "{{ steps.".len() as u32;
    let items = lsp.at("textDocument/completion", &path, line, col);
    assert!(labels(&items).contains(&"create_app".to_string()));
    // A document that is not open is an error answer, not a hang.
    let other = path.with_file_name("not-open.yaml");
    let answer = lsp.call(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri(&other) }, "position": { "line": 0, "character": 0 } }),
    );
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is not open"),
        "{answer}"
    );
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn an_unsaved_change_to_the_base_file_reaches_the_spec_that_extends_it() {
    let (path, text) = spec("unsaved-base");
    let text = with_admin_token_need(&text);
    let base = path.parent().unwrap().join("lib/pingone.yaml");
    let base_text = std::fs::read_to_string(&base).unwrap();
    let mut lsp = start();
    lsp.open(&path, &text);
    assert_eq!(lsp.diagnostics(&path), Vec::<Value>::new());
    lsp.open(&base, &base_text);
    lsp.diagnostics(&base);
    // Opening the base analyses the spec that reads it again: still clean.
    assert_eq!(lsp.diagnostics(&path), Vec::<Value>::new());
    // The step is renamed in the base buffer only, never saved.
    let edited = base_text.replacen("  admin_token:\n", "  admin_tokn:\n", 1);
    lsp.change(&base, 2, &edited);
    let diagnostics = lsp.diagnostics(&path);
    let messages: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(
            &"steps.get_secret.needs[0]: unknown step `admin_token`, did you mean `admin_tokn`?"
        ),
        "{messages:?}"
    );
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn every_position_of_a_spec_answers_without_failing() {
    let (mut lsp, path, text) = opened("every-position");
    let base = path.parent().unwrap().join("lib/pingone.yaml");
    let base_text = std::fs::read_to_string(&base).unwrap();
    // Also a text that is not YAML at all, and one that is empty.
    for (version, now) in [(2, text.as_str()), (3, "{{ [\n\t: é😀"), (4, "")] {
        lsp.change(&path, version, now);
        lsp.diagnostics(&path);
        let lines: Vec<&str> = now.lines().chain([""]).collect();
        for (row, line) in lines.iter().enumerate() {
            let width = line.encode_utf16().count() as u32;
            for col in [0, width / 3, width / 2, width, width + 4] {
                for method in [
                    "textDocument/completion",
                    "textDocument/hover",
                    "textDocument/definition",
                    "textDocument/references",
                ] {
                    lsp.at(method, &path, row as u32, col);
                }
            }
        }
    }
    // The base file's positions, through the spec that extends it.
    lsp.open(&base, &base_text);
    for row in 0..base_text.lines().count() as u32 {
        lsp.at("textDocument/references", &base, row, 4);
    }
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn a_uses_step_leads_to_the_spec_it_runs_and_offers_its_outputs() {
    let dir = library_copy("uses").canonicalize().unwrap();
    let sub = dir.join("sign-in.yaml");
    std::fs::write(
        &sub,
        "version: 1\nname: sign-in\ninputs:\n  username: { default: alice }\nsteps:\n  token:\n    request: { method: POST, url: \"http://127.0.0.1:1/token\" }\n    outputs: { access_token: $.access_token }\noutputs:\n  token: \"{{ steps.token.outputs.access_token }}\"\n",
    )
    .unwrap();
    let path = dir.join("main.yaml");
    let text = "version: 1\nname: main\nsteps:\n  login:\n    uses: sign-in.yaml\n    with: { username: bob }\n  me:\n    request:\n      method: GET\n      url: \"http://127.0.0.1:1/me?t={{ steps.login.outputs.token }}\"\n";
    std::fs::write(&path, text).unwrap();
    let mut lsp = start();
    lsp.open(&path, text);
    assert_eq!(lsp.diagnostics(&path), Vec::<Value>::new());

    let (line, col) = find(text, "sign-in.yaml");
    let def = lsp.at("textDocument/definition", &path, line, col + 2);
    assert_eq!(def["uri"], uri(&sub));
    let (line, col) = find(text, "outputs.token");
    let def = lsp.at("textDocument/definition", &path, line, col + 9);
    assert_eq!(def["uri"], uri(&sub));
    assert_eq!(
        def["range"]["start"]["line"],
        line_of(&std::fs::read_to_string(&sub).unwrap(), "  token: \"")
    );
    let items = lsp.at(
        "textDocument/completion",
        &path,
        line,
        col + "outputs.".len() as u32,
    );
    assert_eq!(labels(&items), ["token"]);
    assert_eq!(
        detail(&items, "token"),
        "output of `sign-in`: {{ steps.token.outputs.access_token }}"
    );
    assert_eq!(lsp.shutdown(), Some(0));
}

/// A fresh folder with `files` (relative path, text) written into it.
fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = library_copy(name).canonicalize().unwrap();
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    dir
}

const BASE: &str = "version: 1\nname: base\nlibrary: true\nsteps:\n  login:\n    request: { method: GET, url: \"http://127.0.0.1:1/{{ steps.nope.outputs.id }}\" }\n";
const CHILD: &str = "version: 1\nname: child\nextends: lib/base.yaml\nsteps:\n  me:\n    needs: [login]\n    request: { method: GET, url: \"http://127.0.0.1:1/me\" }\n";

#[test]
fn a_base_file_shows_what_every_open_spec_finds_in_it() {
    let dir = folder("shared", &[("lib/base.yaml", BASE), ("child.yaml", CHILD)]);
    let (base, child) = (dir.join("lib/base.yaml"), dir.join("child.yaml"));
    let mut lsp = start();
    lsp.open(&child, CHILD);
    assert_eq!(lsp.published(&child), [Vec::<Value>::new()]);
    let seen = lsp.published(&base);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].len(), 1, "{seen:?}");
    // Both specs find the same error there: one notification, the error once.
    lsp.open(&base, BASE);
    assert_eq!(lsp.published(&base), seen);
    assert_eq!(lsp.published(&child), [Vec::<Value>::new()]);
    // Another analysis of the child leaves the base's own finding in place,
    lsp.change(&child, 2, &CHILD.replace("/me", "/me2"));
    assert_eq!(lsp.published(&base), seen);
    assert_eq!(lsp.published(&child), [Vec::<Value>::new()]);
    // and so does closing the child.
    lsp.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri(&child) } }),
    );
    assert_eq!(lsp.published(&base), seen);
    assert_eq!(lsp.published(&child), [Vec::<Value>::new()]);
    assert_eq!(lsp.shutdown(), Some(0));
}

/// `CHILD`'s base as a buffer that does not load, its error past where the
/// saved file ends.
fn broken_base() -> String {
    format!("{BASE}  later:\n    request: {{ method: GET, url: [unclosed\n")
}

#[test]
fn diagnostics_in_an_open_base_file_are_placed_in_its_buffer() {
    let dir = folder(
        "buffer-ranges",
        &[("lib/base.yaml", BASE), ("child.yaml", CHILD)],
    );
    let (base, child) = (dir.join("lib/base.yaml"), dir.join("child.yaml"));
    let broken = broken_base();
    let mut lsp = start();
    lsp.open(&base, &broken);
    let own = lsp.diagnostics(&base);
    assert!(!own.is_empty());
    lsp.open(&child, CHILD);
    lsp.diagnostics(&child);
    // The child's view of the base is drawn on the same buffer: the same ranges.
    assert_eq!(lsp.diagnostics(&base), own);
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn a_spec_that_did_not_load_is_analysed_again_when_its_base_is_fixed() {
    let broken = broken_base();
    let dir = folder(
        "never-loaded",
        &[("lib/base.yaml", &broken), ("child.yaml", CHILD)],
    );
    let (base, child) = (dir.join("lib/base.yaml"), dir.join("child.yaml"));
    let mut lsp = start();
    lsp.open(&child, CHILD);
    lsp.diagnostics(&child);
    assert!(!lsp.diagnostics(&base).is_empty());
    lsp.open(&base, &broken);
    lsp.diagnostics(&base);
    assert!(!lsp.diagnostics(&child).is_empty());
    // Fixed in the buffer: the child loads, and only the base's own error is left.
    let fixed = BASE.replace("steps.nope.outputs.id", "inputs.x");
    let fixed = fixed.replace(
        "library: true\n",
        "library: true\ninputs:\n  x: { default: a }\n",
    );
    lsp.change(&base, 2, &fixed);
    assert_eq!(lsp.diagnostics(&child), Vec::<Value>::new());
    assert_eq!(lsp.diagnostics(&base), Vec::<Value>::new());
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn rename_references_and_lenses_refuse_a_text_that_does_not_load() {
    let (mut lsp, path, text) = opened("stale");
    let (line, col) = find(&text, "steps.create_app.outputs.id");
    // A line above shifts every position of the last spec that loaded.
    let broken = format!("oops: [\n{text}");
    lsp.change(&path, 2, &broken);
    lsp.diagnostics(&path);
    let rename = lsp.call(
        "textDocument/rename",
        json!({
            "textDocument": { "uri": uri(&path) },
            "position": { "line": line + 1, "character": col + 8 },
            "newName": "make_app",
        }),
    );
    assert!(
        rename["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not load"),
        "{rename}"
    );
    let refs = lsp.at("textDocument/references", &path, line + 1, col + 8);
    assert_eq!(refs, json!([]));
    let lenses = lsp.request(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": uri(&path) } }),
    );
    assert_eq!(lenses, json!([]));
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn a_position_past_every_limit_gets_an_empty_answer() {
    let (mut lsp, path, _) = opened("far");
    for method in [
        "textDocument/completion",
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/references",
    ] {
        let answer = lsp.at(method, &path, u32::MAX, u32::MAX);
        assert!(
            answer.is_null() || answer == json!([]),
            "{method}: {answer}"
        );
    }
    // The server still answers.
    let answer = lsp.at("textDocument/hover", &path, 0, u32::MAX);
    assert!(answer.is_null(), "{answer}");
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn definition_picks_the_extends_entry_under_the_cursor() {
    let extra = "version: 1\nname: extra\nlibrary: true\nsteps:\n  ping:\n    request: { method: GET, url: \"http://127.0.0.1:1/ping\" }\n";
    let main = "version: 1\nname: main\nextends: [lib/pingone.yaml, lib/extra.yaml]\nsteps:\n  me:\n    needs: [ping]\n    request: { method: GET, url: \"http://127.0.0.1:1/me\" }\n";
    let dir = folder(
        "extends-list",
        &[("lib/extra.yaml", extra), ("main.yaml", main)],
    );
    let path = dir.join("main.yaml");
    let mut lsp = start();
    lsp.open(&path, main);
    lsp.diagnostics(&path);
    for file in ["lib/pingone.yaml", "lib/extra.yaml"] {
        let (line, col) = find(main, file);
        for offset in [0, 3, file.len() as u32 - 1] {
            let def = lsp.at("textDocument/definition", &path, line, col + offset);
            assert_eq!(def["uri"], uri(&dir.join(file)), "{file} +{offset}");
        }
    }
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn credential_named_values_are_masked_in_everything_the_server_sends() {
    const PASSWORD: &str = "Sup3r-s3cret-Pw!";
    let spec = format!(
        "version: 1\nname: login\nclients:\n  api:\n    base_url: \"http://127.0.0.1:1/{PASSWORD}\"\nsteps:\n  login:\n    title: Sign in as {PASSWORD}\n    client: api\n    request:\n      method: POST\n      url: /login/{PASSWORD}\n      json:\n        username: alice\n        password: \"{PASSWORD}\"\n  me:\n    client: api\n    needs: [login]\n    request: {{ method: GET, url: \"/me/{{{{ steps.login.outputs.id }}}}\" }}\n"
    );
    let dir = folder("credentials", &[("login.yaml", &spec)]);
    let path = dir.join("login.yaml");
    // An error elsewhere: `me` captures nothing named `id` from `login`.
    let mut lsp = start();
    lsp.open(&path, &spec);
    let diagnostics = lsp.diagnostics(&path);
    assert!(!diagnostics.is_empty());
    let mut sent = vec![json!(diagnostics)];
    let (line, col) = find(&spec, "steps.login");
    sent.push(lsp.at("textDocument/hover", &path, line, col + 8));
    let (line, _) = find(&spec, "    client: api");
    sent.push(lsp.at("textDocument/completion", &path, line, 12));
    // Without the error: the plan lens and command.
    let fixed = spec.replace("{{ steps.login.outputs.id }}", "x");
    lsp.change(&path, 2, &fixed);
    assert_eq!(lsp.diagnostics(&path), Vec::<Value>::new());
    let (line, col) = find(&fixed, "[login]");
    sent.push(lsp.at("textDocument/hover", &path, line, col + 2));
    sent.push(lsp.request(
        "textDocument/codeLens",
        json!({ "textDocument": { "uri": uri(&path) } }),
    ));
    sent.push(lsp.request(
        "workspace/executeCommand",
        json!({ "command": "caseflow.plan", "arguments": [uri(&path)] }),
    ));
    let all = json!(sent).to_string();
    assert!(!all.contains("Sup3r"), "{all}");
    assert!(all.contains("http://127.0.0.1:1/"), "{all}");
    assert_eq!(lsp.shutdown(), Some(0));
}

#[test]
fn paths_that_need_percent_encoding_are_served() {
    let dir = folder("encoded", &[]);
    let path = dir.join("a spec ü.yaml");
    let text = "version: 1\nname: a\nsteps:\n  a:\n    request: { method: GET, url: \"http://127.0.0.1:1/a\" }\n  b:\n    needs: [a]\n    request: { method: GET, url: \"http://127.0.0.1:1/b\" }\n";
    std::fs::write(&path, text).unwrap();
    let mut lsp = start();
    lsp.open(&path, text);
    assert_eq!(lsp.diagnostics(&path), Vec::<Value>::new());
    let (line, col) = find(text, "[a]");
    let def = lsp.at("textDocument/definition", &path, line, col + 1);
    assert_eq!(def["uri"], uri(&path));
    assert!(uri(&path).contains("a%20spec%20%C3%BC.yaml"));
    assert_eq!(lsp.shutdown(), Some(0));
}
