//! Test scripts -> declarative captures and expectations. Recognised:
//! variable setters (`pm.environment.set`, `pm.collectionVariables.set`,
//! `pm.globals.set`, `pm.variables.set`, `postman.setEnvironmentVariable`,
//! `postman.setGlobalVariable`) of a value read from the response (JSON
//! body paths, headers, cookies, status, body text, narrowed by
//! `.match(/re/)[n]` or `.split(s)[1]`), aliases of those values
//! (`var jsonData = pm.response.json()`), and `pm.test` wrappers around
//! status and `pm.expect(...)` assertions. Everything else is reported.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::js::{self, Kind};
use crate::spec::model::{
    CaptureSpec, Expect, Group, JsonType, Matcher, MatcherOps, StatusExpect, StatusPattern,
};

/// Where a response value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Json(String),
    Header(String),
    Cookie(String),
    Status,
    Body,
}

/// What a test script says about its request.
#[derive(Debug, Default)]
pub struct Translation {
    /// Postman variable -> capture, in script order.
    pub captures: Vec<(String, CaptureSpec)>,
    pub expect: Expect,
    /// Script line and statement text of what has no declarative form.
    pub untranslated: Vec<(usize, String)>,
}

/// Translates a test script; `resolve` maps a Postman variable read with
/// `pm.environment.get` to an expression.
pub fn translate(src: &str, resolve: &mut dyn FnMut(&str) -> String) -> Translation {
    let mut t = Translation::default();
    let mut aliases: HashMap<String, Source> = HashMap::new();
    // Per open block: does it hide its statements (a condition, a loop)?
    let mut blocks: Vec<bool> = Vec::new();
    for stmt in js::statements(src) {
        let opaque = blocks.iter().any(|o| *o);
        match stmt.kind {
            Kind::Open => {
                let test = is_test_opener(&stmt.text);
                if opaque || !test {
                    t.untranslated.push((stmt.line, stmt.text.clone()));
                }
                blocks.push(opaque || !test);
            }
            Kind::Close => {
                if blocks.pop() == Some(true) {
                    t.untranslated.push((stmt.line, "}".into()));
                }
            }
            Kind::Plain if opaque => t.untranslated.push((stmt.line, stmt.text.clone())),
            Kind::Plain => {
                if !statement(&stmt.text, &mut aliases, &mut t, resolve) {
                    t.untranslated.push((stmt.line, stmt.text.clone()));
                }
            }
        }
    }
    t
}

fn is_test_opener(text: &str) -> bool {
    static OPENER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^pm\.test\(\s*(?:"[^"]*"|'[^']*'|`[^`]*`)\s*,\s*(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{$"#)
            .expect("valid regex")
    });
    OPENER.is_match(text)
}

/// One plain statement; false when it has no translation.
fn statement(
    text: &str,
    aliases: &mut HashMap<String, Source>,
    t: &mut Translation,
    resolve: &mut dyn FnMut(&str) -> String,
) -> bool {
    static DECL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(.+)$").expect("valid regex")
    });
    static SETTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^(?:pm\.(?:environment|collectionVariables|globals|variables)\.set|postman\.set(?:Environment|Global)Variable)\(\s*(?:"([^"]+)"|'([^']+)')\s*,\s*(.+)\)$"#)
            .expect("valid regex")
    });
    static LEGACY_TEST: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^tests\[.+\]\s*=\s*(?:responseCode\.code|pm\.response\.code)\s*===?\s*(\d{3})$",
        )
        .expect("valid regex")
    });
    if text.starts_with("console.") {
        return true;
    }
    if let Some(c) = DECL.captures(text) {
        return match source(&c[2], aliases) {
            Some(s) => {
                aliases.insert(c[1].to_string(), s.0.clone());
                // Aliases of narrowed values are rare; only plain sources become aliases.
                s.1.is_none()
            }
            None => false,
        };
    }
    if let Some(c) = SETTER.captures(text) {
        let var = c.get(1).or(c.get(2)).map_or("", |m| m.as_str()).to_string();
        let Some((src, narrow)) = source(&c[3], aliases) else {
            return false;
        };
        t.captures.push((var, capture(src, narrow)));
        return true;
    }
    if let Some(c) = LEGACY_TEST.captures(text) {
        return set_status(t, Value::from(c[1].parse::<u16>().unwrap_or(200)));
    }
    if let Some(inner) = test_one_liner(text) {
        let before = t.untranslated.len();
        let sub = translate(inner, resolve);
        t.captures.extend(sub.captures);
        merge_expect(&mut t.expect, sub.expect);
        t.untranslated.extend(sub.untranslated);
        return t.untranslated.len() == before;
    }
    response_assertion(text, t) || expect_assertion(text, aliases, t, resolve)
}

/// `pm.test("x", function () { ... })` on one line: its body.
fn test_one_liner(text: &str) -> Option<&str> {
    let (args, rest) = js::call(text, "pm.test")?;
    if !rest.trim().is_empty() {
        return None;
    }
    let parts = js::split_top(args, ',');
    let f = parts.get(1)?.trim();
    let body = f
        .strip_prefix("function")
        .map(str::trim_start)
        .and_then(|f| f.strip_prefix("()"))
        .or_else(|| {
            f.strip_prefix("()")
                .map(str::trim_start)
                .and_then(|f| f.strip_prefix("=>"))
        })?
        .trim();
    body.strip_prefix('{')?.strip_suffix('}')
}

/// `pm.response.to.have.status(201)`, `pm.response.to.be.ok`, `...to.have.header("X")`.
fn response_assertion(text: &str, t: &mut Translation) -> bool {
    let Some(rest) = text.strip_prefix("pm.response.to.") else {
        return false;
    };
    let rest = rest
        .strip_prefix("be.")
        .or(rest.strip_prefix("have."))
        .unwrap_or(rest);
    if let Some((arg, after)) = js::call(rest, "status")
        && after.is_empty()
        && let Ok(code) = arg.trim().parse::<u16>()
    {
        return set_status(t, Value::from(code));
    }
    if let Some((arg, after)) = js::call(rest, "header")
        && after.is_empty()
        && let Some(name) = js::string_literal(arg)
    {
        t.expect.headers.insert(
            name,
            Matcher::Ops(Box::new(MatcherOps {
                exists: Some(true),
                ..MatcherOps::default()
            })),
        );
        return true;
    }
    let class = match rest {
        "ok" => Value::from(200),
        "created" => Value::from(201),
        "accepted" => Value::from(202),
        "noContent" => Value::from(204),
        "success" => Value::from("2xx"),
        "redirection" => Value::from("3xx"),
        "clientError" => Value::from("4xx"),
        "serverError" => Value::from("5xx"),
        _ => return false,
    };
    set_status(t, class)
}

/// `pm.expect(<response value>).to.<chain>(<value>)`.
fn expect_assertion(
    text: &str,
    aliases: &HashMap<String, Source>,
    t: &mut Translation,
    resolve: &mut dyn FnMut(&str) -> String,
) -> bool {
    static CHAIN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\.((?:(?:to|be|been|is|that|which|and|has|have|with|at|of|same|does|deep|not)\.)*)(\w+)(?:\((.*)\))?$")
            .expect("valid regex")
    });
    let Some((subject, chain)) = js::call(text, "pm.expect") else {
        return false;
    };
    let Some((src, None)) = source(subject, aliases) else {
        return false;
    };
    let Some(c) = CHAIN.captures(chain.trim()) else {
        return false;
    };
    let negated = c[1].split('.').any(|w| w == "not");
    let arg = c.get(3).map(|m| m.as_str());
    let value = arg.map(|a| js_value(a, resolve));
    let mut ops = MatcherOps::default();
    match (&c[2], negated, value) {
        ("eql" | "equal" | "eq" | "equals", false, Some(Some(v))) => {
            if src == Source::Status {
                return set_status(t, v);
            }
            return add_matcher(t, src, Matcher::Equals(v));
        }
        ("eql" | "equal" | "eq" | "equals", true, Some(Some(v))) => ops.not_equals = Some(v),
        ("oneOf", false, Some(Some(Value::Array(list)))) => {
            if src == Source::Status {
                return set_status(t, Value::Array(list));
            }
            ops.one_of = Some(list);
        }
        ("exist" | "exists", neg, None) => ops.exists = Some(!neg),
        ("undefined", neg, None) => ops.exists = Some(neg),
        ("true", false, None) => return add_matcher(t, src, Matcher::Equals(Value::Bool(true))),
        ("false", false, None) => return add_matcher(t, src, Matcher::Equals(Value::Bool(false))),
        ("null", false, None) => return add_matcher(t, src, Matcher::Equals(Value::Null)),
        ("a" | "an", false, Some(Some(Value::String(ty)))) => {
            ops.type_ = Some(match ty.to_ascii_lowercase().as_str() {
                "string" => JsonType::String,
                "number" => JsonType::Number,
                "boolean" => JsonType::Boolean,
                "array" => JsonType::Array,
                "object" => JsonType::Object,
                "null" => JsonType::Null,
                _ => return false,
            });
        }
        ("include" | "includes" | "contain" | "contains", false, Some(Some(v))) => {
            ops.contains = Some(v)
        }
        ("above" | "greaterThan" | "gt", false, Some(Some(v))) => ops.gt = v.as_f64(),
        ("least" | "gte", false, Some(Some(v))) => ops.gte = v.as_f64(),
        ("below" | "lessThan" | "lt", false, Some(Some(v))) => ops.lt = v.as_f64(),
        ("most" | "lte", false, Some(Some(v))) => ops.lte = v.as_f64(),
        ("lengthOf" | "length", false, Some(Some(v))) => {
            ops.length = Some(v.as_u64().map(|n| n as usize).unwrap_or(usize::MAX));
            if ops.length == Some(usize::MAX) {
                return false;
            }
        }
        ("match", false, Some(_)) => match arg.and_then(regex_literal) {
            Some(re) => ops.matches = Some(re),
            None => return false,
        },
        _ => return false,
    }
    if ops.gt.is_none()
        && ops.gte.is_none()
        && ops.lt.is_none()
        && ops.lte.is_none()
        && matches!(
            &c[2],
            "above"
                | "greaterThan"
                | "gt"
                | "least"
                | "gte"
                | "below"
                | "lessThan"
                | "lt"
                | "most"
                | "lte"
        )
    {
        return false;
    }
    add_matcher(t, src, Matcher::Ops(Box::new(ops)))
}

fn add_matcher(t: &mut Translation, src: Source, m: Matcher) -> bool {
    let (map, key) = match src {
        Source::Json(path) => (&mut t.expect.body, path),
        Source::Header(name) => (&mut t.expect.headers, name),
        _ => return false,
    };
    if map.contains_key(&key) {
        return false;
    }
    map.insert(key, m);
    true
}

/// Records a status expectation; a second, different one stays untranslated.
fn set_status(t: &mut Translation, v: Value) -> bool {
    let pattern = |v: &Value| match v {
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .map(StatusPattern::Code),
        Value::String(s) => Some(StatusPattern::Class(s.clone())),
        _ => None,
    };
    let status = match &v {
        Value::Array(list) => match list.iter().map(pattern).collect::<Option<Vec<_>>>() {
            Some(l) => StatusExpect::Any(l),
            None => return false,
        },
        other => match pattern(other) {
            Some(p) => StatusExpect::One(p),
            None => return false,
        },
    };
    match &t.expect.status {
        None => {
            t.expect.status = Some(status);
            true
        }
        Some(existing) => serde_json::to_value(existing).ok() == serde_json::to_value(&status).ok(),
    }
}

fn merge_expect(into: &mut Expect, from: Expect) {
    if into.status.is_none() {
        into.status = from.status;
    }
    for (k, v) in from.headers {
        into.headers.entry(k).or_insert(v);
    }
    for (k, v) in from.body {
        into.body.entry(k).or_insert(v);
    }
}

/// A JS literal as JSON; `pm.environment.get("x")` becomes a template.
/// `Some(None)`: an argument that is not a literal.
fn js_value(arg: &str, resolve: &mut dyn FnMut(&str) -> String) -> Option<Value> {
    let a = arg.trim();
    if let Some(var) = getter(a) {
        return Some(Value::String(format!("{{{{ {} }}}}", resolve(&var))));
    }
    if let Ok(v) = serde_json::from_str::<Value>(a) {
        return Some(v);
    }
    if let Some(s) = js::string_literal(a) {
        return Some(Value::String(s));
    }
    if a.starts_with('[') && a.ends_with(']') {
        let items: Option<Vec<Value>> = js::split_top(&a[1..a.len() - 1], ',')
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| js_value(s, resolve))
            .collect();
        return items.map(Value::Array);
    }
    None
}

/// `pm.environment.get("x")` and its siblings: the variable name.
pub fn getter(text: &str) -> Option<String> {
    static GETTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^(?:pm\.(?:environment|collectionVariables|globals|variables)\.get|postman\.get(?:Environment|Global)Variable)\(\s*(?:"([^"]+)"|'([^']+)')\s*\)$"#)
            .expect("valid regex")
    });
    let c = GETTER.captures(text.trim())?;
    Some(c.get(1).or(c.get(2))?.as_str().to_string())
}

fn regex_literal(text: &str) -> Option<String> {
    let t = text.trim();
    let body = t.strip_prefix('/')?;
    let end = body.rfind('/')?;
    let flags = &body[end + 1..];
    if !flags.chars().all(|c| "gimsuy".contains(c)) {
        return None;
    }
    Some(body[..end].replace("\\/", "/"))
}

/// Narrowing of a source: regex and group.
type Narrow = Option<(String, usize)>;

/// A response value expression: source plus optional regex narrowing.
pub fn source(expr: &str, aliases: &HashMap<String, Source>) -> Option<(Source, Narrow)> {
    static MATCH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(.+)\.match\(\s*(/.+/[gimsuy]*)\s*\)\s*\[\s*(\d+)\s*\]$")
            .expect("valid regex")
    });
    static SPLIT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^(.+)\.split\(\s*(?:"([^"]+)"|'([^']+)')\s*\)\s*\[\s*1\s*\]$"#)
            .expect("valid regex")
    });
    let e = expr.trim().trim_end_matches(".toString()").trim();
    if let Some(c) = MATCH.captures(e) {
        let re = regex_literal(&c[2])?;
        let group = c[3].parse().ok()?;
        let (src, None) = source(&c[1], aliases)? else {
            return None;
        };
        return Some((src, Some((re, group))));
    }
    if let Some(c) = SPLIT.captures(e) {
        let sep = c.get(2).or(c.get(3))?.as_str();
        let (src, None) = source(&c[1], aliases)? else {
            return None;
        };
        return Some((src, Some((format!("{}(.*)", regex::escape(sep)), 1))));
    }
    plain_source(e, aliases).map(|s| (s, None))
}

fn plain_source(e: &str, aliases: &HashMap<String, Source>) -> Option<Source> {
    for root in [
        "pm.response.json()",
        "JSON.parse(responseBody)",
        "JSON.parse(pm.response.text())",
    ] {
        if let Some(rest) = e.strip_prefix(root) {
            return json_path("$", rest).map(Source::Json);
        }
    }
    match e {
        "pm.response.code" | "responseCode.code" => return Some(Source::Status),
        "pm.response.text()" | "responseBody" => return Some(Source::Body),
        _ => {}
    }
    for f in [
        "pm.response.headers.get",
        "postman.getResponseHeader",
        "pm.response.headers.one",
    ] {
        if let Some((arg, rest)) = js::call(e, f) {
            let rest = rest.strip_prefix(".value").unwrap_or(rest);
            return (rest.is_empty()).then(|| js::string_literal(arg).map(Source::Header))?;
        }
    }
    for f in ["pm.cookies.get", "postman.getResponseCookie"] {
        if let Some((arg, rest)) = js::call(e, f) {
            let rest = rest.strip_prefix(".value").unwrap_or(rest);
            return (rest.is_empty()).then(|| js::string_literal(arg).map(Source::Cookie))?;
        }
    }
    let ident_end = e
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(e.len());
    let (ident, rest) = e.split_at(ident_end);
    match aliases.get(ident)? {
        Source::Json(base) => json_path(base, rest).map(Source::Json),
        other if rest.is_empty() => Some(other.clone()),
        _ => None,
    }
}

/// `.a.b[0]["c-d"]` appended to a JSONPath.
fn json_path(base: &str, rest: &str) -> Option<String> {
    static SEGMENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^(?:\.([A-Za-z_$][\w$]*)|\[\s*(\d+)\s*\]|\[\s*(?:"([^"]+)"|'([^']+)')\s*\])"#)
            .expect("valid regex")
    });
    let mut path = base.to_string();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let c = SEGMENT.captures(rest)?;
        if let Some(name) = c.get(1) {
            path.push('.');
            path.push_str(name.as_str());
        } else if let Some(n) = c.get(2) {
            path.push_str(&format!("[{}]", n.as_str()));
        } else {
            let key = c.get(3).or(c.get(4))?.as_str();
            path.push_str(&format!("['{}']", key.replace('\'', "\\'")));
        }
        rest = rest[c.get(0)?.end()..].trim_start();
    }
    Some(path)
}

/// A source and narrowing as a capture; a regex that picks one query (or
/// fragment) parameter of a header becomes `query:`/`fragment:`.
fn capture(src: Source, narrow: Narrow) -> CaptureSpec {
    static PARAM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(#|\[\?&\]|\[&\?\]|\\\?|&|\?)?([A-Za-z_][A-Za-z0-9_.-]*)=\(([^()]*)\)(?:&|\$)?$",
        )
        .expect("valid regex")
    });
    let mut c = CaptureSpec::default();
    if let (Source::Header(_), Some((re, 1))) = (&src, &narrow)
        && let Some(m) = PARAM.captures(re)
    {
        let name = m[2].to_string();
        if m.get(1).is_some_and(|p| p.as_str() == "#") {
            c.fragment = Some(name);
        } else {
            c.query = Some(name);
        }
        if let Source::Header(h) = src {
            c.header = Some(h);
        }
        return c;
    }
    match src {
        Source::Json(p) => c.json = Some(p),
        Source::Header(h) => c.header = Some(h),
        Source::Cookie(k) => c.cookie = Some(k),
        Source::Status => c.status = true,
        Source::Body => c.body = true,
    }
    if let Some((re, group)) = narrow {
        c.regex = Some(re);
        c.group = Some(Group::Index(group));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Translation {
        translate(src, &mut |v: &str| format!("inputs.{v}"))
    }

    #[test]
    fn captures() {
        let t = run(r#"var jsonData = JSON.parse(responseBody);
pm.environment.set("appID", jsonData.id);
pm.collectionVariables.set("first", pm.response.json()._embedded.users[0]["user-id"]);
postman.setEnvironmentVariable("loc", pm.response.headers.get("Location"));
pm.globals.set("flowID", pm.response.headers.get("Location").match(/flowId=(.*)/)[1]);
pm.environment.set("tok", postman.getResponseHeader("Location").match(/#access_token=([^&]+)/)[1]);
pm.environment.set("v", pm.response.text().match(/value="(\w+)"/)[1]);"#);
        assert!(t.untranslated.is_empty(), "{:?}", t.untranslated);
        let c: Vec<String> = t
            .captures
            .iter()
            .map(|(v, c)| format!("{v}={}", serde_json::to_string(c).unwrap()))
            .collect();
        assert_eq!(
            c,
            [
                r#"appID={"json":"$.id"}"#,
                r#"first={"json":"$._embedded.users[0]['user-id']"}"#,
                r#"loc={"header":"Location"}"#,
                r#"flowID={"header":"Location","query":"flowId"}"#,
                r#"tok={"header":"Location","fragment":"access_token"}"#,
                r#"v={"body":true,"regex":"value=\"(\\w+)\"","group":1}"#,
            ]
        );
    }

    #[test]
    fn expectations_and_leftovers() {
        let t = run(
            r#"pm.test("Status", function () { pm.response.to.have.status(201); });
pm.test("Body", () => {
    var d = pm.response.json();
    pm.expect(d.name).to.eql("x");
    pm.expect(d.id).to.eql(pm.environment.get("appID"));
    pm.expect(pm.response.code).to.be.oneOf([200, 201]);
});
if (pm.response.code === 201) {
    pm.environment.set("x", 1);
}"#,
        );
        assert_eq!(
            serde_json::to_string(&t.expect).unwrap(),
            r#"{"status":201,"body":{"$.name":"x","$.id":"{{ inputs.appID }}"}}"#
        );
        assert_eq!(
            t.untranslated,
            vec![
                (
                    6,
                    "pm.expect(pm.response.code).to.be.oneOf([200, 201])".into()
                ),
                (8, "if (pm.response.code === 201) {".into()),
                (9, "pm.environment.set(\"x\", 1)".into()),
                (10, "}".into()),
            ]
        );
    }
}
