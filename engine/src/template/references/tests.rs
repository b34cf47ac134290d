use super::*;

fn refs(source: &str) -> Vec<String> {
    references(source)
        .unwrap_or_else(|e| panic!("{source}: {e}"))
        .iter()
        .map(Reference::to_string)
        .collect()
}

#[test]
fn plain_strings_have_no_references() {
    assert!(refs("https://www.example.com").is_empty());
    assert!(refs("{ not: a template }").is_empty());
}

#[test]
fn dotted_paths() {
    assert_eq!(
        refs("/environments/{{ inputs.env_id }}/applications/{{ steps.create_app.outputs.id }}"),
        ["inputs.env_id", "steps.create_app.outputs.id"]
    );
    assert_eq!(refs("app-{{ run.id }}"), ["run.id"]);
    assert_eq!(refs("{{ item }}"), ["item"]);
    let r = references("{{ steps.a.outputs.b }}").unwrap();
    assert_eq!(r[0].path, ["steps", "a", "outputs", "b"]);
}

#[test]
fn subscripts_become_paths() {
    assert_eq!(
        refs("{{ steps['a'].outputs[\"b\"] }}"),
        ["steps.a.outputs.b"]
    );
    assert_eq!(refs("{{ steps[ 'a' ]['outputs'] }}"), ["steps.a.outputs"]);
    // Not an identifier, or not static: the path stops before it.
    assert_eq!(refs("{{ steps.a.outputs['x-y'] }}"), ["steps.a.outputs"]);
    assert_eq!(refs("{{ steps.a.outputs[k] }}"), ["k", "steps.a.outputs"]);
    // A list literal is not a subscript.
    assert_eq!(refs("{{ ['a'] | join(x) }}"), ["x"]);
}

#[test]
fn filters_functions_and_concatenation() {
    assert_eq!(
        refs(
            "{{ client_secret_jwt(client_id=steps.create_app.outputs.id, secret=steps.get_secret.outputs.secret, audience=inputs.auth_path ~ '/' ~ inputs.env_id ~ '/as/token') }}"
        ),
        [
            "inputs.auth_path",
            "inputs.env_id",
            "steps.create_app.outputs.id",
            "steps.get_secret.outputs.secret",
        ]
    );
    assert_eq!(
        refs("{{ inputs.user | base64 }}:{{ uuid() }}"),
        ["inputs.user"]
    );
    assert_eq!(refs("{{ pkce().challenge }}"), Vec::<String>::new());
}

#[test]
fn blocks_and_loop_variables() {
    assert_eq!(
        refs("{% if inputs.flag %}{{ steps.a.outputs.x }}{% else %}{{ run.id }}{% endif %}"),
        ["inputs.flag", "run.id", "steps.a.outputs.x"]
    );
    assert_eq!(
        refs(
            "{% for u in steps.users.outputs.ids %}{{ u.id }}{{ loop.index }}{{ inputs.sep }}{% endfor %}"
        ),
        ["inputs.sep", "steps.users.outputs.ids"]
    );
    assert_eq!(
        refs("{% set x = steps.a.outputs.id %}{{ x }}"),
        ["steps.a.outputs.id"]
    );
}

#[test]
fn whole_variable_and_attribute_are_both_reported() {
    assert_eq!(refs("{{ inputs }}{{ inputs.a }}"), ["inputs", "inputs.a"]);
}

#[test]
fn syntax_errors_have_line_and_column() {
    let err = references("line one\nid: {{ steps.a.outputs. }}").unwrap_err();
    assert_eq!(
        (err.line, err.col),
        (2, 25),
        "points at the unexpected `}}`"
    );
    insta::assert_snapshot!(err.to_string());

    let err = references("{% if x %}never closed").unwrap_err();
    insta::assert_snapshot!(err.to_string());

    let err = references("ünï {{ a b }}").unwrap_err();
    assert_eq!((err.line, err.col), (1, 10), "columns count characters");
}

#[test]
fn the_fast_path_agrees_with_minijinja() {
    let env = crate::template::environment();
    for source in [
        "{{ inputs.env_id }}",
        "/e/{{ inputs.env_id }}/a/{{ steps.a.outputs.id }}?x={{ run.id }}",
        "{{- item -}} and {{+ item.name +}}",
        "{{ steps['a'].outputs[\"b\"] }}",
        "{{ inputs }}{{ inputs.a }}",
        "{{ range }}{{ x }}",
        "a }} b {{ c }}",
        "{{ client_secret_jwt(client_id=steps.a.outputs.id, secret=s.x, audience=i.p ~ '/' ~ i.e ~ '/as') }}",
        "{{ x | default(y.z) | base64 }}{{ uuid() }}{{ q(1, 'two', k=w) }}",
        "{{ a.b.c(d) }}",
    ] {
        let fast = simple::paths(source).unwrap_or_else(|| panic!("{source}: not simple"));
        let mut fast: Vec<String> = fast.iter().map(|p| p.join(".")).collect();
        fast.sort();
        fast.dedup();
        let mut slow: Vec<String> = undeclared(&env, source).unwrap().into_iter().collect();
        slow.sort();
        assert_eq!(fast, slow, "{source}");
    }
}

#[test]
fn finder_and_free_functions_agree() {
    let env = crate::template::environment();
    let finder = ReferenceFinder::new(&env);
    let source = "{{ uuid() }}-{{ steps.a.outputs.id | upper }}";
    assert_eq!(finder.references(source), references(source));
    assert_eq!(references_in(&env, source), references(source));
    assert_eq!(refs(source), ["steps.a.outputs.id"]);
}

#[test]
fn slices_read_what_they_slice() {
    // minijinja's analysis skips slice subscripts; a slice of a secret or
    // of another step's output must still count as reading it.
    let r =
        super::super::references("{{ inputs.api_key[0:10] }}-{{ steps.a.outputs.ids[1:] | join }}")
            .unwrap();
    let paths: Vec<String> = r.iter().map(|r| r.path.join(".")).collect();
    assert_eq!(paths, ["inputs.api_key", "steps.a.outputs.ids"]);
}
