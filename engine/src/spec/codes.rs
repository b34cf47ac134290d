//! The stable codes of diagnostics and run-time failures, with the label
//! drawn under the source and the longer text `caseflow explain CODE` prints.
//! Codes never change meaning; a retired one stays listed.

/// One code of the table.
#[derive(Debug)]
pub struct Code {
    /// `E0101`: `E` errors, `W` warnings, `F` run-time failures.
    pub id: &'static str,
    /// What the underline says.
    pub label: &'static str,
    /// A spec fragment that has the mistake.
    pub example: &'static str,
    /// What it means and how to fix it.
    pub explain: &'static str,
}

macro_rules! codes {
    ($($name:ident = $id:literal, $label:literal, $example:literal, $explain:literal;)*) => {
        $(pub const $name: &str = $id;)*
        /// Every code, in order.
        pub const ALL: &[Code] = &[$(Code { id: $id, label: $label, example: $example, explain: $explain }),*];
    };
}

codes! {
    UNREADABLE = "E0001", "cannot be read",
        "caseflow validate specs/missing.yaml",
        "The file could not be read: it does not exist, is a directory or is not readable.";
    NOT_UTF8 = "E0002", "not UTF-8",
        "title: Caf\\xE9  # saved as Latin-1",
        "Spec files are UTF-8 text. Re-save the file as UTF-8; the position is that of the first byte that is not.";
    YAML_SYNTAX = "E0003", "not valid YAML here",
        "request: { method: GET url: /x }",
        "The file is not well-formed YAML: the reader stopped at this position. Look for a missing `,`, `:` or closing bracket, or a wrong indentation.";
    DUPLICATE_KEY = "E0004", "written twice",
        "request:\n  url: /a\n  url: /b",
        "A mapping has the same key twice. YAML keeps one of them silently in other tools; caseflow refuses the file. Remove or rename one (step ids are keys too: an id used in both `steps` and `cleanup` is written twice as well).";
    YAML_TAG = "E0005", "tags are not read",
        "id: !secret $.id",
        "caseflow files use no YAML tags. To share parts of specs use `extends` or `uses`; to mark a value secret use `secret: true`.";
    SEVERAL_DOCUMENTS = "E0006", "second document",
        "version: 1\n---\nversion: 1",
        "A spec file holds one YAML document. Put each spec in its own file.";
    UNKNOWN_STEP = "E0101", "unknown step",
        "needs: [creat_app]",
        "A reference (`steps.X...` in a template, or an entry of `needs`) names a step the spec does not define. Cleanup steps run last, so nothing can use their outputs. The help line suggests the closest step id.";
    UNKNOWN_OUTPUT = "E0102", "no such output",
        "url: /apps/{{ steps.create_app.outputs.idd }}",
        "The step exists but captures no output of that name. Add it to the step's `outputs`, or use one of the names it captures.";
    UNKNOWN_INPUT = "E0103", "unknown input",
        "url: /environments/{{ inputs.envid }}",
        "The template reads an input the spec (and the specs it extends) does not declare under `inputs`.";
    UNKNOWN_VARIABLE = "E0104", "unknown variable",
        "url: /apps/{{ app_id }}",
        "Templates read `steps`, `inputs` and `run`; `item` and `index` exist only in steps with `for_each`, `response` only in `until` conditions.";
    UNKNOWN_CLIENT = "E0105", "unknown client",
        "client: admni",
        "The step names a client that `clients` does not define (its own or through `extends`).";
    CYCLE = "E0106", "part of a cycle",
        "a: { needs: [b] }\nb: { needs: [a] }",
        "Steps wait for each other in a circle, so none can start. The message names the whole cycle; break it by removing a `needs` entry or a reference.";
    NEEDS_ITSELF = "E0107", "needs itself",
        "login: { needs: [login] }",
        "A step cannot wait for itself.";
    BAD_REFERENCE = "E0108", "not something a template can read",
        "url: /x/{{ steps.create_app.status }}",
        "The reference reads a field that does not exist: a step exposes only `outputs`, `run` has `id`, `name` and `started_at`.";
    UNKNOWN_FIELD = "E0201", "unknown field",
        "requst: { method: GET, url: /x }",
        "The field is not part of the spec language at this place. The help line suggests the closest field or lists the allowed ones.";
    MISSING_FIELD = "E0202", "missing field",
        "request: { method: GET }",
        "A required field is missing from this mapping.";
    WRONG_TYPE = "E0203", "wrong type",
        "retry: { attempts: three }",
        "The value has the wrong type here (a string where a number, a list or a boolean is expected). YAML 1.2 booleans only: `yes` is a string.";
    NOT_ALLOWED = "E0204", "not an allowed value",
        "method: PSOT",
        "The value is not one of those the field allows; the message lists them.";
    CONFLICT = "E0205", "conflicting fields",
        "request: { json: {}, form: {} }",
        "Fields that exclude each other are used together, or a field is used without the one it goes with (`json`/`form`/`body`, `request`/`uses`, `with` without `uses`, one capture source).";
    BAD_ID = "E0206", "not an identifier",
        "steps:\n  create-app: ...",
        "Step ids are identifiers (letters, digits, `_`, not starting with a digit) so templates can reference them as `steps.create_app`.";
    VERSION = "E0207", "unsupported version",
        "version: 2",
        "This caseflow reads specs of version 1.";
    BAD_NUMBER = "E0208", "out of range",
        "concurrency: 99999999999",
        "The number is too small, too large, or not whole where a whole number is expected.";
    BAD_PATTERN = "E0209", "does not match the expected form",
        "timeout: 5 parsecs",
        "The text does not have the form the field expects: a duration like `500ms`, `5s`, `2m` or `1h`, a status like `201` or `2xx`, a spec name, a retry condition.";
    BAD_JSONPATH = "E0301", "invalid JSONPath",
        "id: $.items[?(@.name ==",
        "The JSONPath expression does not parse; the message names the character where it stops.";
    BAD_REGEX = "E0302", "invalid regex",
        "regex: id=(\\w+",
        "The regular expression does not compile (no look-around or back-references; `(?i)` and the other inline flags work).";
    BAD_SCHEMA = "E0303", "invalid JSON Schema",
        "schema: { type: objekt }",
        "The `expect.schema` is not a valid JSON Schema.";
    POLL_TOO_FAST = "E0304", "too short",
        "until: { condition: ..., interval: 0s }",
        "Polls are at least the minimum interval apart so a loop cannot flood the server.";
    TEMPLATE_SYNTAX = "E0401", "template syntax error",
        "url: /apps/{{ steps.a.outputs.id }",
        "A `{{ }}` or `{% %}` template does not parse; the underline is at the place where the template engine stopped.";
    FILE_NOT_FOUND = "E0501", "file not found",
        "extends: lib/nowhere.yaml",
        "`extends` and `uses` name files relative to the spec that names them.";
    FILE_CYCLE = "E0502", "cycle of files",
        "# a.yaml: extends: b.yaml\n# b.yaml: extends: a.yaml",
        "Specs extend or use each other in a circle; the message names the files.";
    FILE_HAS_ERRORS = "E0503", "file has errors",
        "uses: flows/broken.yaml",
        "The file named by `extends` or `uses` has errors of its own, reported at their own positions.";
    DEFAULT_CYCLE = "E0504", "defaults form a cycle",
        "a: { default: \"{{ inputs.b }}\" }\nb: { default: \"{{ inputs.a }}\" }",
        "Input defaults read each other in a circle, so none has a value.";
    ARAZZO = "E0601", "cannot be converted",
        "workflows: []",
        "An Arazzo document could not be converted into a spec; the message says what is missing or not supported.";
    ARAZZO_DROPPED = "W0602", "not carried over",
        "successActions: [...]",
        "A part of an Arazzo document has no counterpart in specs and is left out; the run does not do it.";
    ARAZZO_UNDECLARED = "W0603", "not in the operation",
        "parameters: [{ name: pet_tags, in: query, value: puppy }]",
        "An Arazzo step sends a parameter its OpenAPI operation does not declare: often a misspelt name. It is sent as written.";
    UNUSED_INPUT = "W0701", "never used",
        "inputs:\n  env_id: {}",
        "The spec declares an input no template reads. Remove it or use it; inherited inputs are not reported.";
    SHORT_SECRET = "W0702", "short secret",
        "pin: { secret: true, default: \"12\" }",
        "Secrets shorter than four characters are masked only where they stand as a whole value, not inside other text.";
    EXPECTATION = "F0901", "expectation failed",
        "expect: { status: 201 }",
        "The response did not meet an `expect` entry; the message shows what was expected and what came, then the response excerpt (secrets masked).";
    CAPTURE = "F0902", "capture failed",
        "outputs: { id: $.id }",
        "An output could not be captured from the response: the JSONPath matched nothing, the header or cookie was missing, or the body was not JSON.";
    RENDER = "F0903", "template failed",
        "url: /apps/{{ steps.a.outputs.id | int }}",
        "A template failed while the run rendered it, for example a filter given a value it cannot take.";
    REQUEST = "F0904", "request failed",
        "request: { method: GET, url: http://127.0.0.1:9/x }",
        "The request got no response: connection refused or reset, TLS failure, timeout, or a body larger than the limit. `retry.on: [connect]` retries connection failures.";
}

/// The entry of a code, case-insensitive (`e0101` works too).
pub fn lookup(id: &str) -> Option<&'static Code> {
    ALL.iter().find(|c| c.id.eq_ignore_ascii_case(id.trim()))
}

/// The label drawn under a diagnostic of this code.
pub fn label(id: &str) -> Option<&'static str> {
    lookup(id).map(|c| c.label)
}

/// The suggestion a message ends with: `, did you mean ..?`, `, expected one of ..`,
/// or a closing parenthesis.
pub fn help_in(message: &str) -> Option<&str> {
    for lead in [", did you mean ", ", expected one of "] {
        if let Some(i) = message.rfind(lead) {
            return Some(&message[i + 2..]);
        }
    }
    let inner = message.strip_suffix(')')?;
    let open = inner.rfind(" (")?;
    let help = &inner[open + 2..];
    (!help.contains(['(', ')']) && open > 0).then_some(help)
}

/// The message without its suggestion (see [`help_in`]).
pub fn without_help<'a>(message: &'a str, help: &str) -> &'a str {
    message
        .strip_suffix(help)
        .and_then(|m| m.strip_suffix(", "))
        .or_else(|| {
            message
                .strip_suffix(')')
                .and_then(|m| m.strip_suffix(help))
                .and_then(|m| m.strip_suffix(" ("))
        })
        .unwrap_or(message)
}

/// What `caseflow explain CODE` prints.
pub fn explain(code: &Code) -> String {
    let example: String = code.example.lines().map(|l| format!("    {l}\n")).collect();
    format!(
        "{}: {}\n\n{}\n\nFor example:\n\n{example}",
        code.id, code.label, code.explain
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_ordered() {
        let ids: Vec<&str> = ALL.iter().map(|c| c.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_by_key(|id| &id[1..]);
        sorted.dedup();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn suggestions_come_apart() {
        let m = "unknown step `creat_app`, did you mean `create_app`?";
        let help = help_in(m).unwrap();
        assert_eq!(help, "did you mean `create_app`?");
        assert_eq!(without_help(m, help), "unknown step `creat_app`");
        let m = "unknown variable `x` (templates read `steps`, `inputs` and `run`)";
        let help = help_in(m).unwrap();
        assert_eq!(without_help(m, help), "unknown variable `x`");
        assert_eq!(help_in("dependency cycle: a -> b -> a"), None);
    }
}
