//! Where every node of a YAML file starts and ends, keyed by field path.
//! Built from the parser's events in one pass, so any error that knows a
//! field path (schema, deserialization, semantic checks) can name its range.

use std::collections::HashMap;

use granit_parser::{Event, Parser, Span};

use super::diagnostic::Loc;
use super::field_path::{self, Segment};

#[derive(Debug, Clone, Copy)]
struct NodePos {
    key: Option<Loc>,
    key_end: Loc,
    value: Loc,
    /// Exclusive; for a mapping or list, where its end event is.
    value_end: Loc,
}

#[derive(Debug, Default)]
pub struct SourceMap {
    nodes: HashMap<String, NodePos>,
    /// Byte offset of each line's start.
    lines: Vec<usize>,
}

enum Frame {
    Map {
        path: String,
        /// The key read and waiting for its value, with its range.
        key: Option<(String, Loc, Loc)>,
    },
    Seq {
        path: String,
        next: usize,
    },
    /// A complex (non-scalar) mapping key: its contents have no field path.
    Opaque,
}

fn loc(span: &Span) -> Loc {
    marker(&span.start)
}

fn marker(m: &granit_parser::Marker) -> Loc {
    Loc {
        line: m.line() as u32,
        col: m.col() as u32 + 1,
    }
}

impl SourceMap {
    /// A map of the lines only (for [`Self::offset`] and [`Self::loc_at`]), no nodes.
    pub fn lines_of(text: &str) -> Self {
        SourceMap {
            nodes: HashMap::new(),
            lines: std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
                .collect(),
        }
    }

    /// Maps a document. Syntax errors end the walk silently: the YAML loader reports them.
    pub fn build(text: &str) -> Self {
        let mut map = SourceMap::lines_of(text);
        let mut stack: Vec<Frame> = Vec::new();
        for event in Parser::new_from_str(text) {
            let Ok((event, span)) = event else { break };
            let here = loc(&span);
            let end = marker(&span.end);
            let opens = match &event {
                Event::Scalar(..) | Event::Alias(_) => None,
                Event::MappingStart(..) => Some(true),
                Event::SequenceStart(..) => Some(false),
                Event::MappingEnd | Event::SequenceEnd => {
                    if let Some(Frame::Map { path, .. } | Frame::Seq { path, .. }) = stack.pop()
                        && let Some(node) = map.nodes.get_mut(&path)
                    {
                        node.value_end = end.max(node.value);
                    }
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
                    (Event::Scalar(text, ..), _) => *key = Some((text.to_string(), here, end)),
                    (_, Some(_)) => {
                        *key = Some(("?".into(), here, end));
                        stack.push(Frame::Opaque);
                    }
                    _ => *key = Some(("*".into(), here, end)),
                }
                continue;
            }
            let (path, key_loc) = match stack.last_mut() {
                None => (String::new(), None),
                Some(Frame::Map { path, key }) => {
                    let (name, at, at_end) = key.take().unwrap_or_default();
                    (field_path::key(path, &name), Some((at, at_end)))
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
                    key: key_loc.map(|k| k.0),
                    key_end: key_loc.map_or(here, |k| k.1),
                    value: here,
                    value_end: end,
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

    /// Where the value at `path` starts and ends (exclusive), or the
    /// nearest enclosing node's range.
    pub fn value_range(&self, path: &str) -> (Loc, Loc) {
        self.find(path)
            .map(|n| (n.value, n.value_end))
            .unwrap_or((Loc { line: 1, col: 1 }, Loc { line: 1, col: 1 }))
    }

    /// The range of the key of `path` (falls back like [`Self::key`]).
    pub fn key_range(&self, path: &str) -> (Loc, Loc) {
        match self.find(path) {
            Some(n) => match n.key {
                Some(k) => (k, n.key_end),
                None => (n.value, n.value_end),
            },
            None => (Loc { line: 1, col: 1 }, Loc { line: 1, col: 1 }),
        }
    }

    /// The byte offset of `loc` in `text` (the text this map was built from).
    pub fn offset(&self, text: &str, loc: Loc) -> usize {
        let Some(&start) = self.lines.get(loc.line.saturating_sub(1) as usize) else {
            return text.len();
        };
        let line = &text[start..];
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        start
            + line
                .char_indices()
                .nth(loc.col.saturating_sub(1) as usize)
                .map_or(line.len(), |(i, _)| i)
    }

    /// The position of a byte offset of `text`.
    pub fn loc_at(&self, text: &str, offset: usize) -> Loc {
        let line = self.lines.partition_point(|&s| s <= offset).max(1);
        let start = self.lines[line - 1];
        Loc {
            line: line as u32,
            col: text
                .get(start..offset)
                .map_or(1, |t| t.chars().count() as u32 + 1),
        }
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

    #[test]
    fn ranges_end_where_the_node_ends() {
        let text = "steps:\n  a:\n    request: { method: GET, url: \"/x\" }\n";
        let map = SourceMap::build(text);
        let at = |line, col| Loc { line, col };
        assert_eq!(map.key_range("steps.a"), (at(2, 3), at(2, 4)));
        assert_eq!(
            map.value_range("steps.a.request.method"),
            (at(3, 24), at(3, 27))
        );
        // A quoted scalar's range holds its quotes; a flow mapping its braces.
        assert_eq!(
            map.value_range("steps.a.request.url"),
            (at(3, 34), at(3, 38))
        );
        assert_eq!(map.value_range("steps.a.request"), (at(3, 14), at(3, 40)));
        let offset = map.offset(text, at(3, 24));
        assert_eq!(&text[offset..offset + 3], "GET");
        assert_eq!(map.loc_at(text, offset), at(3, 24));
    }
}
