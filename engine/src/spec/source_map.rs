//! Where every node of a YAML file starts, keyed by field path. Built from
//! the parser's events in one pass, so any error that knows a field path
//! (schema, deserialization, semantic checks) can name `line:col`.

use std::collections::HashMap;

use granit_parser::{Event, Parser, Span};

use super::diagnostic::Loc;
use super::field_path::{self, Segment};

#[derive(Debug, Clone, Copy)]
struct NodePos {
    key: Option<Loc>,
    value: Loc,
}

#[derive(Debug, Default)]
pub struct SourceMap {
    nodes: HashMap<String, NodePos>,
}

enum Frame {
    Map {
        path: String,
        /// The key read and waiting for its value.
        key: Option<(String, Loc)>,
    },
    Seq {
        path: String,
        next: usize,
    },
    /// A complex (non-scalar) mapping key: its contents have no field path.
    Opaque,
}

fn loc(span: &Span) -> Loc {
    Loc {
        line: span.start.line() as u32,
        col: span.start.col() as u32 + 1,
    }
}

impl SourceMap {
    /// Maps a document. Syntax errors end the walk silently: the YAML loader reports them.
    pub fn build(text: &str) -> Self {
        let mut map = SourceMap::default();
        let mut stack: Vec<Frame> = Vec::new();
        for event in Parser::new_from_str(text) {
            let Ok((event, span)) = event else { break };
            let here = loc(&span);
            let opens = match &event {
                Event::Scalar(..) | Event::Alias(_) => None,
                Event::MappingStart(..) => Some(true),
                Event::SequenceStart(..) => Some(false),
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                    continue;
                }
                _ => continue,
            };
            // Is this node a mapping key?
            if let Some(Frame::Map {
                key: key @ None, ..
            }) = stack.last_mut()
            {
                match (&event, opens) {
                    (Event::Scalar(text, ..), _) => *key = Some((text.to_string(), here)),
                    (_, Some(_)) => {
                        *key = Some(("?".into(), here));
                        stack.push(Frame::Opaque);
                    }
                    _ => *key = Some(("*".into(), here)),
                }
                continue;
            }
            let (path, key_loc) = match stack.last_mut() {
                None => (String::new(), None),
                Some(Frame::Map { path, key }) => {
                    let (name, at) = key.take().unwrap_or_default();
                    (field_path::key(path, &name), Some(at))
                }
                Some(Frame::Seq { path, next }) => {
                    *next += 1;
                    (field_path::push(path, &Segment::Index(*next - 1)), None)
                }
                Some(Frame::Opaque) => {
                    if opens.is_some() {
                        stack.push(Frame::Opaque);
                    }
                    continue;
                }
            };
            map.nodes.insert(
                path.clone(),
                NodePos {
                    key: key_loc,
                    value: here,
                },
            );
            match opens {
                Some(true) => stack.push(Frame::Map { path, key: None }),
                Some(false) => stack.push(Frame::Seq { path, next: 0 }),
                None => {}
            }
        }
        map
    }

    /// Where the value at `path` starts, or the nearest enclosing node that exists.
    pub fn value(&self, path: &str) -> Loc {
        self.find(path)
            .map(|n| n.value)
            .unwrap_or(Loc { line: 1, col: 1 })
    }

    /// Where the key of `path` is written (falls back to its value, then its ancestors).
    pub fn key(&self, path: &str) -> Loc {
        self.find(path)
            .map(|n| n.key.unwrap_or(n.value))
            .unwrap_or(Loc { line: 1, col: 1 })
    }

    /// The field path whose key is written at `loc` (slow; for error reporting).
    pub fn path_of_key(&self, loc: Loc) -> Option<String> {
        self.nodes
            .iter()
            .find(|(_, n)| n.key == Some(loc))
            .map(|(path, _)| path.clone())
    }

    /// The field written last on `loc`'s line before `loc` (by its key or
    /// value), e.g. the field holding a bad byte; slow, for error reporting.
    pub fn path_on_line_before(&self, loc: Loc) -> Option<String> {
        self.nodes
            .iter()
            .flat_map(|(path, n)| n.key.into_iter().chain([n.value]).map(move |at| (at, path)))
            .filter(|(at, _)| at.line == loc.line && at.col <= loc.col)
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.len().cmp(&b.1.len())))
            .map(|(_, path)| path.clone())
    }

    /// Whether this exact path exists in the file.
    pub fn contains(&self, path: &str) -> bool {
        self.nodes.contains_key(path)
    }

    fn find(&self, path: &str) -> Option<&NodePos> {
        let mut path = path;
        loop {
            if let Some(n) = self.nodes.get(path) {
                return Some(n);
            }
            if path.is_empty() {
                return None;
            }
            path = parent(path);
        }
    }
}

/// The displayed path without its last segment.
fn parent(path: &str) -> &str {
    if path.ends_with(']')
        && let Some(open) = path.rfind('[')
    {
        // `["a.b"]` keys may contain dots and brackets; rfind of `[` is enough
        // for indexes and for quoted keys without `[` inside.
        return &path[..open];
    }
    match path.rfind('.') {
        Some(dot) => &path[..dot],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_keys_values_and_list_items() {
        let text = "version: 1\nsteps:\n  a:\n    request: { method: GET, url: /x }\n    needs:\n      - b\n";
        let map = SourceMap::build(text);
        assert_eq!(map.value("version"), Loc { line: 1, col: 10 });
        assert_eq!(map.key("steps.a"), Loc { line: 3, col: 3 });
        assert_eq!(
            map.value("steps.a.request.method"),
            Loc { line: 4, col: 24 }
        );
        assert_eq!(map.value("steps.a.needs[0]"), Loc { line: 6, col: 9 });
        // a missing field points at its nearest ancestor
        assert_eq!(
            map.value("steps.a.request.json.x"),
            Loc { line: 4, col: 14 }
        );
    }
}
