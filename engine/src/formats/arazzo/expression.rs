//! Arazzo runtime expressions (`$inputs.x`, `$steps.s.outputs.o`,
//! `$response.body#/a/0`) and strings that embed them in braces
//! (`"Bearer {$steps.login.outputs.token}"`), parsed by the grammar of
//! Arazzo 1.0.1 section "Runtime Expressions".

/// One runtime expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Url,
    Method,
    StatusCode,
    Request(Source),
    Response(Source),
    Inputs(String),
    Outputs(String),
    /// `$steps.<step>.<rest>`; `rest` is `outputs.<name>` for a step output.
    Steps {
        step: String,
        rest: String,
    },
    Workflows(String),
    SourceDescriptions(String),
    Components(String),
}

/// Where in a request or response an expression reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Header(String),
    Query(String),
    Path(String),
    /// The body, or the node a JSON pointer names in it.
    Body(Option<String>),
}

/// A string leaf: one whole expression, or text with `{$...}` parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    Whole(Expr),
    Parts(Vec<Part>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Literal(String),
    Expr(Expr),
}

/// Whether a value is meant as an expression: `$` then a letter. `$5` or a
/// lone `$` stay literal text.
pub fn looks_like(text: &str) -> bool {
    text.strip_prefix('$')
        .and_then(|r| r.chars().next())
        .is_some_and(|c| c.is_ascii_alphabetic())
}

pub fn parse(text: &str) -> Result<Expr, String> {
    let bad = |why: &str| format!("`{text}` is not a runtime expression: {why}");
    let Some(body) = text.strip_prefix('$') else {
        return Err(bad("it does not start with `$`"));
    };
    let (head, rest) = match body.find(['.', '#']) {
        Some(i) if body.as_bytes()[i] == b'.' => (&body[..i], Some(&body[i + 1..])),
        _ => (body, None),
    };
    let named = |rest: Option<&str>| match rest {
        Some(r) if !r.is_empty() => Ok(r.to_string()),
        _ => Err(bad(&format!("`${head}` needs a name after `.`"))),
    };
    match head {
        "url" | "method" | "statusCode" if rest.is_some() => {
            Err(bad(&format!("`${head}` takes nothing after it")))
        }
        "url" => Ok(Expr::Url),
        "method" => Ok(Expr::Method),
        "statusCode" => Ok(Expr::StatusCode),
        "request" => source(named(rest)?.as_str())
            .map(Expr::Request)
            .map_err(|w| bad(&w)),
        "response" => source(named(rest)?.as_str())
            .map(Expr::Response)
            .map_err(|w| bad(&w)),
        "inputs" => named(rest).map(Expr::Inputs),
        "outputs" => named(rest).map(Expr::Outputs),
        "workflows" => named(rest).map(Expr::Workflows),
        "sourceDescriptions" => named(rest).map(Expr::SourceDescriptions),
        "components" => named(rest).map(Expr::Components),
        "steps" => {
            let rest = named(rest)?;
            match rest.split_once('.') {
                Some((step, rest)) if !step.is_empty() && !rest.is_empty() => Ok(Expr::Steps {
                    step: step.to_string(),
                    rest: rest.to_string(),
                }),
                _ => Err(bad(
                    "`$steps.` needs a step id and a field, e.g. `$steps.login.outputs.token`",
                )),
            }
        }
        _ => Err(bad(
            "it must start with $url, $method, $statusCode, $request., $response., $inputs., $outputs., $steps., $workflows., $sourceDescriptions. or $components.",
        )),
    }
}

fn source(text: &str) -> Result<Source, String> {
    if let Some(pointer) = text.strip_prefix("body") {
        return match pointer {
            "" => Ok(Source::Body(None)),
            p if p.starts_with("#/") || p == "#" => Ok(Source::Body(Some(p[1..].to_string()))),
            _ => Err("a body reference is `body` or `body#/json/pointer`".into()),
        };
    }
    let (kind, name) = text
        .split_once('.')
        .filter(|(_, n)| !n.is_empty())
        .ok_or("a source is `header.NAME`, `query.NAME`, `path.NAME` or `body#/pointer`")?;
    match kind {
        "header" => Ok(Source::Header(name.to_string())),
        "query" => Ok(Source::Query(name.to_string())),
        "path" => Ok(Source::Path(name.to_string())),
        _ => Err(format!("`{kind}` is not header, query, path or body")),
    }
}

/// Reads a string leaf: a whole expression when it starts with `$`,
/// otherwise literal text with embedded `{$...}` expressions.
pub fn text(text: &str) -> Result<Text, String> {
    if looks_like(text) {
        return parse(text).map(Text::Whole);
    }
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{$") {
        let close = rest[open..]
            .find('}')
            .map(|i| open + i)
            .ok_or_else(|| format!("`{text}`: `{{$` without its closing `}}`"))?;
        if open > 0 {
            parts.push(Part::Literal(rest[..open].to_string()));
        }
        parts.push(Part::Expr(parse(&rest[open + 1..close])?));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_string()));
    }
    Ok(Text::Parts(parts))
}

/// A JSON pointer (`/items/0/id`) as a JSONPath (`$.items[0].id`).
pub fn pointer_to_jsonpath(pointer: &str) -> String {
    let mut out = String::from("$");
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let plain = token
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !token.is_empty() && token.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{token}]"));
        } else if plain {
            out.push('.');
            out.push_str(&token);
        } else {
            out.push_str(&format!(
                "['{}']",
                token.replace('\\', "\\\\").replace('\'', "\\'")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_grammar() {
        assert_eq!(parse("$statusCode"), Ok(Expr::StatusCode));
        assert_eq!(parse("$inputs.user"), Ok(Expr::Inputs("user".into())));
        assert_eq!(
            parse("$steps.login.outputs.token"),
            Ok(Expr::Steps {
                step: "login".into(),
                rest: "outputs.token".into()
            })
        );
        assert_eq!(
            parse("$response.body#/items/0"),
            Ok(Expr::Response(Source::Body(Some("/items/0".into()))))
        );
        assert_eq!(
            parse("$response.header.X-Rate-Limit"),
            Ok(Expr::Response(Source::Header("X-Rate-Limit".into())))
        );
        for bad in [
            "$foo.bar",
            "$inputs",
            "$steps.only",
            "$response.cookie.x",
            "$statusCode.x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn embedded_expressions_split_the_text() {
        assert_eq!(
            text("Bearer {$inputs.token}!"),
            Ok(Text::Parts(vec![
                Part::Literal("Bearer ".into()),
                Part::Expr(Expr::Inputs("token".into())),
                Part::Literal("!".into()),
            ]))
        );
        assert!(text("a {$inputs.x").is_err());
        assert_eq!(
            text("$5"),
            Ok(Text::Parts(vec![Part::Literal("$5".into())]))
        );
    }

    #[test]
    fn pointers_become_jsonpaths() {
        assert_eq!(pointer_to_jsonpath("/items/0/id"), "$.items[0].id");
        assert_eq!(pointer_to_jsonpath("/a~1b/x-y"), "$['a/b']['x-y']");
        assert_eq!(pointer_to_jsonpath(""), "$");
    }
}
