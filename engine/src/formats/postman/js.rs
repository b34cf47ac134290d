//! Just enough JavaScript lexing to cut Postman scripts into statements:
//! strings, regex literals, comments and brackets are respected; blocks
//! (`pm.test(..., function () { ... })`, `if (...) { ... }`) are reported
//! as open/close markers so the translator can tell what is conditional.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Plain,
    /// A statement ending in a block's `{`, e.g. `pm.test("x", function () {`.
    Open,
    Close,
}

#[derive(Debug, Clone)]
pub struct Stmt {
    /// 1-based line of the script where the statement starts.
    pub line: usize,
    pub text: String,
    pub kind: Kind,
}

#[derive(Clone, Copy, PartialEq)]
enum Open {
    Paren,
    Bracket,
    Object,
    Block,
}

pub fn statements(src: &str) -> Vec<Stmt> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut cur = String::new();
    let mut start = 1;
    let mut line = 1;
    let mut i = 0;
    let at_statement_level = |stack: &[Open]| matches!(stack.last(), None | Some(Open::Block));
    let flush = |cur: &mut String, start: usize, out: &mut Vec<Stmt>| {
        let text = cur.trim().trim_end_matches(';').trim().to_string();
        if !text.is_empty()
            && !text
                .chars()
                .all(|c| c == ')' || c == ';' || c.is_whitespace())
        {
            out.push(Stmt {
                line: start,
                text,
                kind: Kind::Plain,
            });
        }
        cur.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        if cur.trim().is_empty() && !c.is_whitespace() {
            start = line;
        }
        match c {
            '\n' => {
                line += 1;
                let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
                let trimmed = cur.trim_end();
                let continues = next.is_some_and(|n| ".+-*?:&|".contains(*n))
                    || trimmed.ends_with(|c: char| "+-*/=,(.&|?:".contains(c));
                if at_statement_level(&stack) && !continues {
                    flush(&mut cur, start, &mut out);
                } else {
                    cur.push(' ');
                }
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
                i += 2;
                continue;
            }
            '"' | '\'' | '`' => {
                let end = skip_string(&chars, i);
                line += chars[i..end].iter().filter(|c| **c == '\n').count();
                cur.extend(&chars[i..end]);
                i = end;
                continue;
            }
            '/' if regex_allowed(&cur) => {
                let end = skip_regex(&chars, i);
                cur.extend(&chars[i..end]);
                i = end;
                continue;
            }
            ';' if at_statement_level(&stack) => flush(&mut cur, start, &mut out),
            '(' => {
                stack.push(Open::Paren);
                cur.push(c);
            }
            '[' => {
                stack.push(Open::Bracket);
                cur.push(c);
            }
            '{' => {
                let prev = cur.trim_end().chars().last();
                let object = matches!(prev, None | Some('=' | '(' | ',' | ':' | '[' | '?'))
                    || cur.trim_end().ends_with("return");
                if object && !cur.trim().is_empty() {
                    stack.push(Open::Object);
                    cur.push(c);
                } else {
                    cur.push(c);
                    let text = cur.trim().to_string();
                    out.push(Stmt {
                        line: start,
                        text,
                        kind: Kind::Open,
                    });
                    cur.clear();
                    stack.push(Open::Block);
                }
            }
            ')' | ']' | '}' => {
                if c == '}' && stack.last() == Some(&Open::Block) {
                    flush(&mut cur, start, &mut out);
                    stack.pop();
                    out.push(Stmt {
                        line,
                        text: "}".into(),
                        kind: Kind::Close,
                    });
                } else {
                    stack.pop();
                    cur.push(c);
                }
            }
            _ => cur.push(c),
        }
        i += 1;
    }
    flush(&mut cur, start, &mut out);
    out
}

fn regex_allowed(cur: &str) -> bool {
    match cur.trim_end().chars().last() {
        None => true,
        Some(p) => "(,=:[!&|?{};".contains(p),
    }
}

fn skip_string(chars: &[char], i: usize) -> usize {
    let quote = chars[i];
    let mut j = i + 1;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 2,
            c if c == quote => return j + 1,
            '\n' if quote != '`' => return j,
            _ => j += 1,
        }
    }
    chars.len()
}

fn skip_regex(chars: &[char], i: usize) -> usize {
    let mut j = i + 1;
    let mut class = false;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 1,
            '[' => class = true,
            ']' => class = false,
            '/' if !class => {
                j += 1;
                while j < chars.len() && chars[j].is_ascii_alphabetic() {
                    j += 1;
                }
                return j;
            }
            '\n' => return j,
            _ => {}
        }
        j += 1;
    }
    chars.len()
}

/// `name(`...`)` at the start of `text`: the argument text and what follows.
pub fn call<'a>(text: &'a str, name: &str) -> Option<(&'a str, &'a str)> {
    let rest = text.strip_prefix(name)?.trim_start().strip_prefix('(')?;
    let close = matching_paren(rest)?;
    Some((&rest[..close], &rest[close + 1..]))
}

/// Byte index of the `)` closing an already opened parenthesis.
fn matching_paren(text: &str) -> Option<usize> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut depth = 0usize;
    let mut k = 0;
    while k < chars.len() {
        let (pos, c) = chars[k];
        match c {
            '"' | '\'' | '`' => {
                let mut j = k + 1;
                while j < chars.len() && chars[j].1 != c {
                    j += if chars[j].1 == '\\' { 2 } else { 1 };
                }
                k = j;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                if depth == 0 {
                    return (c == ')').then_some(pos);
                }
                depth -= 1;
            }
            _ => {}
        }
        k += 1;
    }
    None
}

/// Splits at top-level occurrences of `sep` (outside strings and brackets).
pub fn split_top(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut last = 0;
    for (pos, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ if c == sep && depth == 0 => {
                parts.push(&text[last..pos]);
                last = pos + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[last..]);
    parts
}

/// The text of a JS string literal (`"..."`, `'...'`, or a backtick string
/// without `${}`), unescaped.
pub fn string_literal(text: &str) -> Option<String> {
    let t = text.trim();
    let q = t.chars().next()?;
    if !matches!(q, '"' | '\'' | '`') || t.len() < 2 || !t.ends_with(q) {
        return None;
    }
    let inner = &t[1..t.len() - 1];
    if q == '`' && inner.contains("${") {
        return None;
    }
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == q {
            return None;
        }
        if c == '\\' {
            match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                other => out.push(other),
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<(usize, String, Kind)> {
        statements(src)
            .into_iter()
            .map(|s| (s.line, s.text, s.kind))
            .collect()
    }

    #[test]
    fn splits_blocks_and_statements() {
        let src = "var jsonData = pm.response.json(); // c\npm.test(\"ok\", function () {\n    pm.response.to.have.status(201);\n});\nif (a) { b(); }\nvar re = x.match(/a;(b)/)[1]\n";
        assert_eq!(
            texts(src),
            vec![
                (1, "var jsonData = pm.response.json()".into(), Kind::Plain),
                (2, "pm.test(\"ok\", function () {".into(), Kind::Open),
                (3, "pm.response.to.have.status(201)".into(), Kind::Plain),
                (4, "}".into(), Kind::Close),
                (5, "if (a) {".into(), Kind::Open),
                (5, "b()".into(), Kind::Plain),
                (5, "}".into(), Kind::Close),
                (6, "var re = x.match(/a;(b)/)[1]".into(), Kind::Plain),
            ]
        );
    }

    #[test]
    fn joins_continued_lines_and_objects() {
        let src =
            "pm.environment.set(\"a\",\n   jsonData.id);\nvar p = {\n \"iss\": 1,\n};\nx = a +\n b";
        let t = texts(src);
        assert_eq!(t[0].1, "pm.environment.set(\"a\",    jsonData.id)");
        assert_eq!(t[1].1, "var p = {  \"iss\": 1, }");
        assert_eq!(t[2], (6, "x = a +  b".into(), Kind::Plain));
    }

    #[test]
    fn calls_and_literals() {
        assert_eq!(
            call("pm.expect(a(1)).to.eql(2)", "pm.expect"),
            Some(("a(1)", ".to.eql(2)"))
        );
        assert_eq!(string_literal("'it\\'s'"), Some("it's".into()));
        assert_eq!(split_top("a + \"+\" + f(b+c)", '+').len(), 3);
    }
}
