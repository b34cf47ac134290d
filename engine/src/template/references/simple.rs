//! References of templates made only of simple `{{ }}` expressions, read
//! without compiling: paths (`steps.a.outputs.id`, `steps['a'].outputs`),
//! string and integer literals, calls with keyword arguments, filters,
//! `~` and `+`. That covers most spec strings, and compiling them would
//! dominate checking a large spec. Anything else returns `None` and goes to
//! minijinja, so this only has to be right for what it accepts: every
//! accepted form is valid minijinja syntax and yields exactly the paths
//! minijinja's `undeclared_variables(true)` reports.

use crate::template::find_pair;

/// Words minijinja's parser treats specially; an identifier that is one
/// goes the slow way rather than risk a different answer.
const RESERVED: &[&str] = &[
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "not",
    "and",
    "or",
    "in",
    "is",
    "if",
    "else",
    "elif",
    "for",
    "self",
    "super",
    "loop",
    "caller",
    "recursive",
];

/// The paths every `{{ }}` block reads, or `None` if the template has
/// statements, comments or an expression outside the subset.
pub(super) fn paths(source: &str) -> Option<Vec<Vec<&str>>> {
    if crate::template::opens(source, b"%#") {
        return None;
    }
    let mut parser = Parser {
        s: source.as_bytes(),
        i: 0,
        paths: Vec::new(),
    };
    let mut rest = 0;
    while let Some(start) = find_pair(&source[rest..], *b"{{") {
        let inner_start = rest + start + 2;
        // A `}}` inside a string or call ends the block too early; the
        // expression then fails to parse and minijinja takes over.
        let inner_end = inner_start + find_pair(&source[inner_start..], *b"}}")?;
        let mut inner = inner_start..inner_end;
        // Whitespace control: `{{-`, `{{+`, `-}}`, `+}}`.
        if matches!(parser.s.get(inner.start), Some(b'-' | b'+')) {
            inner.start += 1;
        }
        if inner.end > inner.start && matches!(parser.s[inner.end - 1], b'-' | b'+') {
            inner.end -= 1;
        }
        parser.i = inner.start;
        parser.expr(inner.end)?;
        parser.ws(inner.end);
        if parser.i != inner.end {
            return None;
        }
        rest = inner_end + 2;
    }
    Some(parser.paths)
}

struct Parser<'s> {
    s: &'s [u8],
    i: usize,
    paths: Vec<Vec<&'s str>>,
}

impl<'s> Parser<'s> {
    fn ws(&mut self, end: usize) {
        while self.i < end && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    /// The next non-space byte, if before `end`.
    fn peek(&mut self, end: usize) -> Option<u8> {
        self.ws(end);
        (self.i < end).then(|| self.s[self.i])
    }

    fn eat(&mut self, end: usize, b: u8) -> bool {
        let hit = self.peek(end) == Some(b);
        if hit {
            self.i += 1;
        }
        hit
    }

    /// `operand (('~' | '+') operand)*`
    fn expr(&mut self, end: usize) -> Option<()> {
        self.operand(end)?;
        while matches!(self.peek(end), Some(b'~' | b'+')) {
            self.i += 1;
            self.operand(end)?;
        }
        Some(())
    }

    /// `primary ('|' ident ('(' args ')')?)*`; filter names are not reads.
    fn operand(&mut self, end: usize) -> Option<()> {
        self.primary(end)?;
        while self.eat(end, b'|') {
            self.ws(end);
            self.ident(end)?;
            if self.peek(end) == Some(b'(') {
                self.args(end)?;
            }
        }
        Some(())
    }

    /// A string, an integer, or a path, optionally called.
    fn primary(&mut self, end: usize) -> Option<()> {
        match self.peek(end)? {
            quote @ (b'\'' | b'"') => {
                // No escapes: minijinja rejects some, so leave them to it.
                let len = self.s[self.i + 1..end]
                    .iter()
                    .position(|&b| b == quote || b == b'\\')?;
                if self.s[self.i + 1 + len] != quote {
                    return None;
                }
                self.i += len + 2;
            }
            b'0'..=b'9' => {
                while self.i < end && self.s[self.i].is_ascii_digit() {
                    self.i += 1;
                }
                // `1.5`, `1e3`, `1_000`, `0x1`: not in the subset.
                if self.i < end
                    && (self.s[self.i].is_ascii_alphanumeric()
                        || matches!(self.s[self.i], b'.' | b'_'))
                {
                    return None;
                }
            }
            _ => {
                // A callee is a read too: minijinja reports `uuid` for `uuid()`.
                let path = self.path(end)?;
                self.paths.push(path);
                if self.peek(end) == Some(b'(') {
                    self.args(end)?;
                }
            }
        }
        Some(())
    }

    /// `ident ('.' ident | '[' quoted-ident ']')*`, no spaces inside.
    fn path(&mut self, end: usize) -> Option<Vec<&'s str>> {
        // Room for `steps.<id>.outputs.<name>` without growing.
        let mut path = Vec::with_capacity(4);
        path.push(self.ident(end)?);
        loop {
            match self.s.get(self.i).filter(|_| self.i < end) {
                Some(b'.') => {
                    self.i += 1;
                    path.push(self.ident(end)?);
                }
                Some(b'[') => {
                    self.i += 1;
                    path.push(self.quoted_ident(end)?);
                }
                _ => return Some(path),
            }
        }
    }

    /// After `[`: `'ident'` or `"ident"`, spaces allowed, then `]`.
    fn quoted_ident(&mut self, end: usize) -> Option<&'s str> {
        let quote = self.peek(end).filter(|q| matches!(q, b'\'' | b'"'))?;
        self.i += 1;
        let name = self.ident(end)?;
        if !self.eat(end, quote) || !self.eat(end, b']') {
            return None;
        }
        Some(name)
    }

    /// `'(' ((ident '=' expr | expr) (',' ...)*)? ')'`; keyword names are
    /// not reads, and positional arguments may not follow keyword ones.
    fn args(&mut self, end: usize) -> Option<()> {
        self.i += 1; // `(`
        if self.eat(end, b')') {
            return Some(());
        }
        let mut keywords = false;
        loop {
            let start = self.i;
            let is_keyword = self.ident(end).is_some()
                && self.eat(end, b'=')
                && self.s.get(self.i) != Some(&b'=');
            if !is_keyword {
                self.i = start;
                if keywords {
                    return None;
                }
            }
            keywords |= is_keyword;
            self.expr(end)?;
            if self.eat(end, b')') {
                return Some(());
            }
            if !self.eat(end, b',') {
                return None;
            }
        }
    }

    /// An ASCII identifier that is not a reserved word.
    fn ident(&mut self, end: usize) -> Option<&'s str> {
        self.ws(end);
        let start = self.i;
        let first = *self.s.get(start).filter(|_| start < end)?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        while self.i < end && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_') {
            self.i += 1;
        }
        let name = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        (!RESERVED.contains(&name)).then_some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::paths;

    fn joined(source: &str) -> Option<Vec<String>> {
        paths(source).map(|ps| ps.iter().map(|p| p.join(".")).collect())
    }

    #[test]
    fn accepts_the_subset() {
        assert_eq!(
            joined("/e/{{ inputs.env_id }}/a/{{- steps['a'].outputs[ \"id\" ] -}}").unwrap(),
            ["inputs.env_id", "steps.a.outputs.id"]
        );
        assert_eq!(joined("no blocks").unwrap(), Vec::<String>::new());
        assert_eq!(
            joined("{{ f(a.b, k=c ~ '/' ~ d, n=300) | base64 | default(e) }}").unwrap(),
            ["f", "a.b", "c", "d", "e"]
        );
        assert_eq!(joined("{{ uuid() }}{{ x + 1 }}").unwrap(), ["uuid", "x"]);
    }

    #[test]
    fn leaves_everything_else_to_minijinja() {
        for other in [
            "{{ x.0 }}",
            "{{ x }",
            "{{ }}",
            "{{ true }}",
            "{{ x['a-b'] }}",
            "{{ x . y }}",
            "{{ x- }}",
            "{{ f(k=1, x) }}",
            "{{ f(x,) }}",
            "{{ 'a\\'b' }}",
            "{{ 'a}}b' }}",
            "{{ 1.5 }}",
            "{{ x == y }}",
            "{{ f(k==1) }}",
            "{{ pkce().challenge }}",
            "{{ x }} {{ y z }}",
            "{% if x %}{{ y }}{% endif %}",
            "{# c #}{{ y }}",
        ] {
            assert_eq!(joined(other), None, "{other}");
        }
    }
}
