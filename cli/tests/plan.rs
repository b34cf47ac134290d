//! `caseflow plan` and `caseflow graph`: the order a spec's steps run in,
//! as text, Mermaid and DOT, read off the built binary.

mod support;

use support::binary::caseflow;

/// A token fans out to two reads (one of them a chain of two) that a last
/// step joins, plus a cleanup step: levels, a critical path of four.
const SPEC: &str = r#"version: 1
name: fan
steps:
  token:
    request: { method: POST, url: "http://127.0.0.1:9/token" }
    outputs:
      access: { json: $.access_token, secret: true }
  users:
    request:
      method: GET
      url: http://127.0.0.1:9/users
      headers: { Authorization: "Bearer {{ steps.token.outputs.access }}" }
    outputs:
      id: { json: "$.users[0].id" }
  groups:
    request:
      method: GET
      url: http://127.0.0.1:9/groups
      headers: { Authorization: "Bearer {{ steps.token.outputs.access }}" }
  user:
    request:
      method: GET
      url: "http://127.0.0.1:9/users/{{ steps.users.outputs.id }}"
  report:
    needs: [user, groups]
    request: { method: GET, url: http://127.0.0.1:9/report }
cleanup:
  revoke:
    request: { method: POST, url: http://127.0.0.1:9/revoke }
"#;

fn output(args: &[&str]) -> String {
    let spec = support::write_spec("fan.yaml", SPEC);
    let out = caseflow(args, spec.parent().unwrap());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn plan_shows_levels_the_critical_path_and_cleanup() {
    insta::assert_snapshot!(output(&["plan", "fan.yaml"]), @r"
    fan: 5 steps in 4 levels, critical path 4 steps, up to 2 in parallel
      level 1: token
      level 2 (parallel): users, groups
      level 3: user
      level 4: report
      critical path: token -> users -> user -> report
      cleanup: revoke
    ");
}

#[test]
fn graph_draws_every_step_and_dependency_in_mermaid_and_dot() {
    insta::assert_snapshot!(output(&["graph", "fan.yaml"]), @r#"
    flowchart TD
      token["token"]
      users["users"]
      groups["groups"]
      user["user"]
      report["report"]
      token --> users
      token --> groups
      users --> user
      user --> report
      groups --> report
    "#);
    insta::assert_snapshot!(output(&["graph", "fan.yaml", "--format", "dot"]), @r#"
    digraph "fan" {
      rankdir=LR;
      node [shape=box];
      "token";
      "users";
      "groups";
      "user";
      "report";
      "token" -> "users";
      "token" -> "groups";
      "users" -> "user";
      "user" -> "report";
      "groups" -> "report";
    }
    "#);
}

/// Twelve steps that each wait for all the others hold billions of cycles;
/// the plan still names one through every step, at once.
#[test]
fn a_dense_cycle_is_refused_naming_its_steps() {
    let ids: Vec<String> = (1..=12).map(|i| format!("s{i:02}")).collect();
    let mut spec = String::from("version: 1\nname: dense\nsteps:\n");
    for id in &ids {
        let others: Vec<&str> = ids
            .iter()
            .filter(|o| *o != id)
            .map(String::as_str)
            .collect();
        spec.push_str(&format!(
            "  {id}:\n    needs: [{}]\n    request: {{ method: GET, url: http://127.0.0.1:9/{id} }}\n",
            others.join(", ")
        ));
    }
    let path = support::write_spec("dense.yaml", &spec);
    let out = caseflow(&["plan", "dense.yaml"], path.parent().unwrap());
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr), @r"
    dense.yaml: 1 error
    error[E0106]: dependency cycle: s01 -> s02 -> s03 -> s04 -> s05 -> s06 -> s07 -> s08 -> s09 -> s10 -> s11 -> s12 -> s01
     --> dense.yaml:4:3
      |
    4 |   s01:
      |   ^^^ part of a cycle
      |
      = note: in `steps.s01`
    ");
}

/// `plan --format html`: each step a bar one level wide at its level (the
/// axis is the four main levels and the cleanup level, so a level is 20%),
/// cleanup after the main levels, the critical path marked, and the table
/// below giving each step's level and what it waits for.
#[test]
fn the_html_plan_draws_each_step_at_its_level() {
    let html = output(&["plan", "fan.yaml", "--format", "html"]);
    let bar = regex::Regex::new(
        r#"<a class="bar ([^"]*)" href="[^"]*" data-id="([^"]*)" data-needs="([^"]*)"[^>]* style="left:([^;]*);width:([^;]*);"#,
    )
    .unwrap();
    let bars: Vec<String> = bar
        .captures_iter(&html)
        .map(|c| {
            format!(
                "{} at {} width {} [{}] needs [{}]",
                &c[2], &c[4], &c[5], &c[1], &c[3]
            )
        })
        .collect();
    let row = regex::Regex::new(
        r#"<tr id="p-\d+"><td>([^<]*)</td><td><b>([^<]*)</b></td><td>([^<]*)</td></tr>"#,
    )
    .unwrap();
    let rows: Vec<String> = row
        .captures_iter(&html)
        .map(|c| format!("{}: {} waits for [{}]", &c[1], &c[2], &c[3]))
        .collect();
    insta::assert_snapshot!(format!("{}\n\n{}", bars.join("\n"), rows.join("\n")), @"
    token at 0.000% width 20.000% [m-planned crit] needs []
    users at 20.000% width 20.000% [m-planned crit] needs [token]
    groups at 20.000% width 20.000% [m-planned] needs [token]
    user at 40.000% width 20.000% [m-planned crit] needs [users]
    report at 60.000% width 20.000% [m-planned crit] needs [user groups]
    revoke at 80.000% width 20.000% [m-planned cleanup] needs []

    1: token waits for []
    2: users waits for [token]
    2: groups waits for [token]
    3: user waits for [users]
    4: report waits for [user, groups]
    cleanup 1: revoke waits for []
    ");
}
