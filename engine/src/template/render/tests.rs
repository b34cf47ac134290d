use serde_json::json;

use super::*;
use crate::template::Templates;

fn ctx() -> Value {
    Value::from(minijinja::value::Serde(json!({
        "inputs": { "env_id": "env-1", "count": 3, "flag": true, "numeric_text": "0042" },
        "steps": {
            "create_app": { "outputs": {
                "id": "app-1",
                "grants": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"],
                "meta": { "a": 1, "b": [true, null] },
                "sneaky": "{{ inputs.env_id }}",
                "nothing": null,
            }}
        },
        "run": { "id": "r1" },
    })))
}

fn render(value: Json) -> Result<Json, RenderError> {
    render_value(&Templates::default(), &value, &ctx())
}

#[test]
fn single_expressions_keep_their_type() {
    let out = render(json!({
        "count": "{{ inputs.count }}",
        "enabled": "{{ inputs.flag }}",
        "grants": "{{ steps.create_app.outputs.grants }}",
        "meta": "  {{- steps.create_app.outputs.meta -}} ",
        "computed": "{{ inputs.count * 2 + 1 }}",
        "nothing": "{{ steps.create_app.outputs.nothing }}",
        "text_number": "{{ inputs.numeric_text }}",
        "literal": 7,
    }))
    .unwrap();
    assert_eq!(
        out,
        json!({
            "count": 3,
            "enabled": true,
            "grants": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"],
            "meta": { "a": 1, "b": [true, null] },
            "computed": 7,
            "nothing": null,
            "text_number": "0042",
            "literal": 7,
        })
    );
}

#[test]
fn mixed_text_stays_a_string() {
    let out = render(json!({
        "name": "jwt-app-{{ run.id }}",
        "pair": "{{ inputs.count }} {{ inputs.flag }}",
        "spaced": "a {{ inputs.count }} b",
        "plain": "no template {here}",
        "list": ["{{ inputs.env_id }}", "x", 1, false],
        "{{ inputs.env_id }}-key": "{{ run.id }}",
    }))
    .unwrap();
    assert_eq!(
        out,
        json!({
            "name": "jwt-app-r1",
            "pair": "3 true",
            "spaced": "a 3 b",
            "plain": "no template {here}",
            "list": ["env-1", "x", 1, false],
            "env-1-key": "r1",
        })
    );
}

#[test]
fn captured_values_are_data_not_templates() {
    let out = render(json!({
        "typed": "{{ steps.create_app.outputs.sneaky }}",
        "text": "x {{ steps.create_app.outputs.sneaky }}",
    }))
    .unwrap();
    assert_eq!(out["typed"], "{{ inputs.env_id }}");
    assert_eq!(out["text"], "x {{ inputs.env_id }}");
}

#[test]
fn render_str_renders_text() {
    let env = Templates::default();
    assert_eq!(
        render_str(
            &env,
            "/environments/{{ inputs.env_id }}/applications",
            &ctx()
        )
        .unwrap(),
        "/environments/env-1/applications"
    );
    assert_eq!(render_str(&env, "{{ inputs.count }}", &ctx()).unwrap(), "3");
    assert_eq!(render_str(&env, "plain {x}", &ctx()).unwrap(), "plain {x}");
}

#[test]
fn undefined_values_name_the_variable_and_the_path() {
    let err =
        render(json!({ "json": { "grantTypes": ["{{ steps.create_app.outputs.missing }}"] } }))
            .unwrap_err();
    assert_eq!(err.path, "json.grantTypes[0]");
    insta::assert_snapshot!(err.to_string());

    let err =
        render(json!({ "url": "/envs/{{ inputs.env_id }}/apps/{{ steps.nope.outputs.id }}" }))
            .unwrap_err();
    assert_eq!(err.path, "url");
    insta::assert_snapshot!(err.to_string());

    let err = render(json!({ "a b": "{{ unknown_var }}" })).unwrap_err();
    assert_eq!(err.path, "[\"a b\"]");
    insta::assert_snapshot!(err.to_string());

    let err = render_str(
        &Templates::default(),
        "{{ inputs.env_id }}\n{{ inputs.nope | upper }}",
        &ctx(),
    )
    .unwrap_err();
    assert_eq!(err.path, "");
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn syntax_and_function_errors() {
    let err = render(json!({ "x": "{{ inputs.env_id" })).unwrap_err();
    insta::assert_snapshot!(err.to_string());
    let err =
        render(json!({ "x": "{{ client_secret_jwt(client_id='a', audience='b') }}" })).unwrap_err();
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn expression_edge_cases() {
    let out = render(json!({
        "neg": "{{ -inputs.count }}",
        "braces": "{{ '}}' }}",
        "as_text": "{{ inputs.count | string }}",
        "defined": "{{ steps.create_app.outputs.missing is defined }}",
        "fallback": "{{ inputs.missing | default('d') }}",
        "pkce": "{{ pkce() }}",
        "two": "{{ inputs.count }}{{ inputs.count }}",
    }))
    .unwrap();
    assert_eq!(out["neg"], -3);
    assert_eq!(out["braces"], "}}");
    assert_eq!(out["as_text"], "3");
    assert_eq!(out["defined"], false);
    assert_eq!(out["fallback"], "d");
    assert_eq!(out["pkce"]["method"], "S256");
    assert_eq!(out["two"], "33");
}

#[test]
fn runaway_templates_stop_quickly() {
    let started = std::time::Instant::now();
    let loops = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}";
    let err = render_str(&Templates::default(), loops, &ctx()).unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"template stopped: it did more work than one template may (a loop too large or without end?)");
    let err = render(json!({ "body": "{{ 'x' * 100000000 }}" })).unwrap_err();
    assert!(err.to_string().starts_with("body: template"), "{err}");
    let err = render(json!({ "body": "a{{ 'x' * 20000000 }}" })).unwrap_err();
    assert!(err.to_string().starts_with("body: template"), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Ordinary templates are far below the budget.
    let out = render(json!({ "n": "{% for i in range(1000) %}{{ i }},{% endfor %}" })).unwrap();
    assert!(out["n"].as_str().unwrap().ends_with("999,"));
}
