//! A small XML reader for SAML messages and the exclusive canonicalization
//! (`http://www.w3.org/2001/10/xml-exc-c14n#`) XML-DSig signs with.
//!
//! Only what SAML protocol messages use: elements, attributes, text, comments and
//! the XML declaration. A DOCTYPE is refused (no entity expansion, no external
//! references); so is anything malformed.

/// An element with its attributes (in document order, namespace declarations
/// included) and children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The qualified name as written (`saml:Assertion`).
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// Nesting deeper than any SAML message; past it the input is refused.
const MAX_DEPTH: usize = 64;

impl Element {
    /// The local part of the name (`Assertion` of `saml:Assertion`).
    pub fn local(&self) -> &str {
        local(&self.name)
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|c| match c {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element with this local name.
    pub fn child(&self, local_name: &str) -> Option<&Element> {
        self.elements().find(|e| e.local() == local_name)
    }

    /// The concatenated text content (trimmed).
    pub fn text(&self) -> String {
        let mut out = String::new();
        collect_text(self, &mut out);
        out.trim().to_string()
    }
}

fn collect_text(element: &Element, out: &mut String) {
    for child in &element.children {
        match child {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => collect_text(e, out),
        }
    }
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

fn prefix(name: &str) -> &str {
    name.split_once(':').map_or("", |(p, _)| p)
}

/// Parses a document and returns its root element.
pub fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader { text, pos: 0 };
    reader.misc()?;
    if !reader.rest().starts_with('<') {
        return Err("no root element".into());
    }
    let root = reader.element(0)?;
    reader.misc()?;
    if reader.pos != text.len() {
        return Err("content after the root element".into());
    }
    Ok(root)
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Skips to just past `end`.
    fn skip_past(&mut self, end: &str) -> Result<(), String> {
        let at = self
            .rest()
            .find(end)
            .ok_or_else(|| format!("unterminated markup (no `{end}`)"))?;
        self.pos += at + end.len();
        Ok(())
    }

    /// Whitespace, comments, processing instructions and the XML declaration.
    fn misc(&mut self) -> Result<(), String> {
        loop {
            self.skip_space();
            let rest = self.rest();
            if rest.starts_with("<?") {
                self.skip_past("?>")?;
            } else if rest.starts_with("<!--") {
                self.skip_past("-->")?;
            } else if rest.starts_with("<!") {
                return Err("DOCTYPE and entity declarations are not accepted".into());
            } else {
                return Ok(());
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '>' | '=' | '<'))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err("a name was expected".into());
        }
        let name = rest[..len].to_string();
        self.pos += len;
        Ok(name)
    }

    fn element(&mut self, depth: usize) -> Result<Element, String> {
        if depth > MAX_DEPTH {
            return Err("elements nested too deeply".into());
        }
        self.pos += 1; // '<'
        let name = self.name()?;
        let mut attributes: Vec<(String, String)> = Vec::new();
        loop {
            self.skip_space();
            let rest = self.rest();
            if rest.starts_with("/>") {
                self.pos += 2;
                return Ok(Element {
                    name,
                    attributes,
                    children: vec![],
                });
            }
            if rest.starts_with('>') {
                self.pos += 1;
                break;
            }
            let attr = self.name()?;
            self.skip_space();
            if !self.rest().starts_with('=') {
                return Err(format!("attribute `{attr}` has no value"));
            }
            self.pos += 1;
            self.skip_space();
            let quote = self
                .rest()
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')
                .ok_or_else(|| format!("attribute `{attr}` is not quoted"))?;
            self.pos += 1;
            let end = self
                .rest()
                .find(quote)
                .ok_or_else(|| format!("attribute `{attr}` is not closed"))?;
            let raw = &self.rest()[..end];
            if raw.contains('<') {
                return Err(format!("attribute `{attr}` holds `<`"));
            }
            let value = unescape(raw)?;
            self.pos += end + 1;
            if attributes.iter().any(|(n, _)| *n == attr) {
                return Err(format!("attribute `{attr}` appears twice"));
            }
            attributes.push((attr, value));
        }
        let mut children = Vec::new();
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Err(format!("element `{name}` is not closed"));
            }
            if let Some(after) = rest.strip_prefix("</") {
                let close = after
                    .find('>')
                    .ok_or_else(|| format!("element `{name}` is not closed"))?;
                if after[..close].trim_end() != name {
                    return Err(format!("`{name}` closed by `{}`", &after[..close]));
                }
                self.pos += 2 + close + 1;
                return Ok(Element {
                    name,
                    attributes,
                    children,
                });
            }
            if rest.starts_with("<!--") {
                self.skip_past("-->")?;
            } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
                let end = after.find("]]>").ok_or("unterminated CDATA section")?;
                push_text(&mut children, &after[..end]);
                self.pos += 9 + end + 3;
            } else if rest.starts_with("<?") {
                self.skip_past("?>")?;
            } else if rest.starts_with("<!") {
                return Err("DOCTYPE and entity declarations are not accepted".into());
            } else if rest.starts_with('<') {
                children.push(Node::Element(self.element(depth + 1)?));
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                push_text(&mut children, &unescape(&rest[..end])?);
                self.pos += end;
            }
        }
    }
}

fn push_text(children: &mut Vec<Node>, text: &str) {
    if let Some(Node::Text(previous)) = children.last_mut() {
        previous.push_str(text);
    } else {
        children.push(Node::Text(text.to_string()));
    }
}

fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after.find(';').ok_or("an entity reference is not closed")?;
        let entity = &after[..end];
        let ch = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("unknown entity `&{entity};`"))?
            }
        };
        out.push(ch);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out.replace("\r\n", "\n"))
}

/// Text escaped as canonical XML writes it.
pub fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\r', "&#xD;")
}

/// An attribute value escaped as canonical XML writes it.
pub fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
        .replace('\t', "&#x9;")
        .replace('\n', "&#xA;")
        .replace('\r', "&#xD;")
}

/// Namespace declarations in scope: (prefix, URI), innermost last.
type Scope = Vec<(String, String)>;

fn declarations(element: &Element) -> impl Iterator<Item = (String, String)> + '_ {
    element.attributes.iter().filter_map(|(n, v)| {
        if n == "xmlns" {
            Some((String::new(), v.clone()))
        } else {
            n.strip_prefix("xmlns:").map(|p| (p.to_string(), v.clone()))
        }
    })
}

fn resolve<'a>(scope: &'a Scope, prefix: &str) -> Option<&'a str> {
    scope
        .iter()
        .rev()
        .find(|(p, _)| p == prefix)
        .map(|(_, uri)| uri.as_str())
}

/// The namespaces in scope at `path` (the chain of ancestors from the root to the
/// element, exclusive) — what an element taken out of its document still sees.
pub fn scope_of(ancestors: &[&Element]) -> Scope {
    ancestors.iter().flat_map(|e| declarations(e)).collect()
}

/// The exclusive canonical form (without comments) of `element`, with the
/// namespaces of its ancestors in `inherited`, leaving out any descendant for which
/// `skip` is true (the enveloped-signature transform drops the `Signature`).
pub fn canonicalize(
    element: &Element,
    inherited: &Scope,
    skip: &dyn Fn(&Element) -> bool,
) -> Result<String, String> {
    let mut out = String::new();
    let mut scope = inherited.clone();
    write_canonical(element, &mut scope, &mut Vec::new(), skip, &mut out)?;
    Ok(out)
}

fn write_canonical(
    element: &Element,
    scope: &mut Scope,
    rendered: &mut Vec<(String, String)>,
    skip: &dyn Fn(&Element) -> bool,
    out: &mut String,
) -> Result<(), String> {
    let scope_len = scope.len();
    scope.extend(declarations(element));
    // Visibly used prefixes: the element's own and those of its attributes.
    let mut used: Vec<&str> = vec![prefix(&element.name)];
    for (name, _) in &element.attributes {
        if name != "xmlns" && !name.starts_with("xmlns:") && name.contains(':') {
            used.push(prefix(name));
        }
    }
    used.sort_unstable();
    used.dedup();
    let rendered_len = rendered.len();
    let mut namespaces = Vec::new();
    for p in used {
        if p == "xml" {
            continue;
        }
        let uri = resolve(scope, p).unwrap_or_default();
        if p.is_empty() && uri.is_empty() {
            // The default namespace is unset and was never rendered set: nothing to say.
            if rendered
                .iter()
                .rev()
                .find(|(rp, _)| rp.is_empty())
                .is_none_or(|(_, u)| u.is_empty())
            {
                continue;
            }
        } else if uri.is_empty() {
            return Err(format!("prefix `{p}` is not declared"));
        }
        let already = rendered.iter().rev().find(|(rp, _)| rp == p);
        if already.is_none_or(|(_, u)| u != uri) {
            namespaces.push((p.to_string(), uri.to_string()));
        }
    }
    let mut attributes: Vec<(String, &str, &str)> = Vec::new();
    for (name, value) in &element.attributes {
        if name == "xmlns" || name.starts_with("xmlns:") {
            continue;
        }
        let uri = if name.contains(':') {
            let p = prefix(name);
            if p == "xml" {
                "http://www.w3.org/XML/1998/namespace".to_string()
            } else {
                resolve(scope, p)
                    .ok_or_else(|| format!("prefix `{p}` is not declared"))?
                    .to_string()
            }
        } else {
            String::new()
        };
        attributes.push((uri, name.as_str(), value.as_str()));
    }
    attributes.sort_by(|a, b| (a.0.as_str(), local(a.1)).cmp(&(b.0.as_str(), local(b.1))));
    out.push('<');
    out.push_str(&element.name);
    for (p, uri) in &namespaces {
        if p.is_empty() {
            out.push_str(&format!(" xmlns=\"{}\"", escape_attribute(uri)));
        } else {
            out.push_str(&format!(" xmlns:{p}=\"{}\"", escape_attribute(uri)));
        }
    }
    for (_, name, value) in &attributes {
        out.push_str(&format!(" {name}=\"{}\"", escape_attribute(value)));
    }
    out.push('>');
    rendered.extend(namespaces);
    for child in &element.children {
        match child {
            Node::Text(text) => out.push_str(&escape_text(text)),
            Node::Element(e) if skip(e) => {}
            Node::Element(e) => write_canonical(e, scope, rendered, skip, out)?,
        }
    }
    out.push_str("</");
    out.push_str(&element.name);
    out.push('>');
    rendered.truncate(rendered_len);
    scope.truncate(scope_len);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_saml_shapes_and_refuses_doctype() {
        let root = parse(
            "<?xml version=\"1.0\"?>\n<samlp:AuthnRequest xmlns:samlp=\"urn:p\" ID='a&amp;b'><saml:Issuer xmlns:saml=\"urn:a\"> sp </saml:Issuer><!-- c --></samlp:AuthnRequest>",
        )
        .unwrap();
        assert_eq!(root.local(), "AuthnRequest");
        assert_eq!(root.attribute("ID"), Some("a&b"));
        assert_eq!(root.child("Issuer").unwrap().text(), "sp");
        assert!(parse("<!DOCTYPE x [<!ENTITY e \"y\">]><x>&e;</x>").is_err());
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a x=\"1\" x=\"2\"/>").is_err());
        assert!(parse("not xml").is_err());
        assert!(parse("<a>&bogus;</a>").is_err());
    }

    #[test]
    fn exclusive_c14n_renders_used_namespaces_sorted_attributes_and_skips() {
        let root = parse(
            "<r:Root xmlns:r=\"urn:r\" xmlns:unused=\"urn:u\"><a:A xmlns:a=\"urn:a\" z=\"1\" b='2' a:k=\"&quot;\"><r:Inner/><a:Sig/>t&amp;&gt;</a:A></r:Root>",
        )
        .unwrap();
        let child = root.child("A").unwrap();
        let scope = scope_of(&[&root]);
        let c14n = canonicalize(child, &scope, &|e| e.local() == "Sig").unwrap();
        assert_eq!(
            c14n,
            "<a:A xmlns:a=\"urn:a\" b=\"2\" z=\"1\" a:k=\"&quot;\"><r:Inner xmlns:r=\"urn:r\"></r:Inner>t&amp;&gt;</a:A>"
        );
    }
}
