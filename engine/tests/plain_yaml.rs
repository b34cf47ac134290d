//! The plain-YAML reader against serde-saphyr: wherever it accepts a text,
//! both build the same value; on the library, its garbles and hand-picked
//! corners. A target of its own, so a run that names quick targets (the
//! mutation-testing config) can leave out its thousands of garbles.

use std::path::Path;

use serde_json::Value;

use caseflow::spec::plain_yaml::{compare_with_serde_saphyr, from_str};

/// Whether the reader accepted `text`; panics where it disagrees with serde-saphyr.
fn agrees(text: &str) -> bool {
    compare_with_serde_saphyr(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn yaml_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for dir in [
        "specs",
        "specs/lib",
        "tests/invalid",
        "tests/invalid/support",
        "tests/valid",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "yaml")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.push((
                    format!("{dir}/{}", entry.file_name().to_string_lossy()),
                    text,
                ));
            }
        }
    }
    out.sort();
    out
}

/// Every library spec the reader takes, it reads as serde-saphyr does; and
/// it takes nearly all of them, or the comparison would say little. A spec
/// it declines still loads, through serde-saphyr.
#[test]
fn reads_the_library_as_serde_saphyr_does() {
    let files = yaml_files();
    assert!(files.len() > 40, "found {} files", files.len());
    let (mut library, mut declined) = (0, Vec::new());
    for (name, text) in &files {
        let accepted = agrees(text);
        if name.starts_with("specs") {
            library += 1;
            if !accepted {
                declined.push(name.as_str());
            }
        }
    }
    assert!(
        declined.len() * 10 <= library,
        "the reader declines {declined:?}"
    );
}

/// A small deterministic generator, so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn garbles() -> usize {
    std::env::var("GARBLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(80)
}

#[test]
fn agrees_on_garbled_specs() {
    let noise = [
        "{", "}", "[", "]", ":", ": ", "-", "- ", "\"", "'", "\n", " ", "  ", "#", " #", "&", "*",
        "!", "|", ">", "%", "@", ",", "?", "\\", "\\n", "~", "0", "1.5", "null", "true", "é", "<<",
        "x", "\n  ", "\n- ",
    ];
    let mut rng = Lcg(0x5eed);
    let mut accepted = 0;
    let mut variants = 0;
    for (_, text) in yaml_files() {
        let lines: Vec<&str> = text.split('\n').collect();
        for _ in 0..garbles() {
            let mut garbled = text.clone();
            for _ in 0..1 + rng.below(3) {
                let mut at = rng.below(garbled.len());
                while !garbled.is_char_boundary(at) {
                    at -= 1;
                }
                let piece = noise[rng.below(noise.len())];
                match rng.below(3) {
                    0 => garbled.insert_str(at, piece),
                    1 => {
                        let end = (at + 1..=garbled.len()).find(|&i| garbled.is_char_boundary(i));
                        garbled.replace_range(at..end.unwrap_or(at), piece);
                    }
                    _ => garbled.truncate(at),
                }
            }
            accepted += usize::from(agrees(&garbled));
            variants += 1;
        }
        // Line-level edits: re-indent, repeat or drop a line.
        for _ in 0..garbles() / 2 {
            let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            let at = rng.below(edited.len());
            match rng.below(4) {
                0 => edited[at].insert(0, ' '),
                1 => {
                    let line = edited[at].clone();
                    edited.insert(at, line);
                }
                2 => {
                    edited.remove(at);
                }
                _ => edited[at] = edited[at].trim_start_matches(' ').to_string(),
            }
            accepted += usize::from(agrees(&edited.join("\n")));
            variants += 1;
        }
    }
    // Most variants stay readable; the comparison means something.
    assert!(accepted * 4 > variants, "accepted {accepted} of {variants}");
}

#[test]
fn agrees_on_corners() {
    let accepted = [
        "a: 1\nb: -2\nc: 1.5\nd: 1e3\ne: true\nf: ~\ng:\nh: null\ni: yes\nj: 2xx\nk: 007x\n",
        "a: \"x\\ty\\u00e9\\\"\"\nb: 'it''s'\nc: \"\"\nd: ''\ne: \"null\"\n",
        "a: x # comment\nb: x#y\nc: \"q\" # c\n# whole line\n  # indented comment\nd: 1\n",
        "s:\n  - a\n  - b: 1\n    c: 2\n  -\n    d: 3\n  - [x, 'y', \"z\"]\nt:\n- 1\n- 2\nu: 0\n",
        "f: { a: 1, b: [x, y], c: { d: \"e\" }, 'f': g }\ng: []\nh: {}\n",
        "d: |\n  line one\n    indented\n\n  # not a comment\n  last\ne: |-\n  stripped\n\nf: 1\n",
        "url: http://x:8080/a?b=c#frag\nheaders: { Content-Type: application/json }\n",
        "k: \"{{ steps.a.outputs.id }}\"\n\"quoted key\": 1\n'$.x': { type: string }\n",
        "x: é ü – “quotes”\ny: -x\nz: .hidden\n",
        "a:\n  b:\n    c:\n      - d: [1, {e: f}]\n",
        "f: >-\n  {{ call(a,\n         b) }}\ng: >\n  one\n  two\n\n  three\n    deeper\n  back\nh: 1\n",
        "d: |\n  x\n     \n  y\n    \nb: 1\n",
        "q: \"one \\\n  two\\r\\n\\\n  three\n\n  four  \n   five\"\nr: 1\n",
    ];
    for text in accepted {
        assert!(agrees(text), "declined\n{text}");
    }
    let declined = [
        "a: &x 1\nb: *x\n",
        "base: &b { x: 1 }\nc:\n  <<: *b\n",
        "a: !tag x\n",
        "a: 1\na: 2\n",
        "a: { x: 1, x: 2 }\n",
        "a: b\n  c\n",
        "a: \"b\nc\"\n",
        "a: |+\n  kept\n\n",
        "a: |2\n   x\n",
        "a: |\n  no newline at the end",
        "i: |\n y\n  ",
        "a:\tb\n",
        "a: b\r\n",
        "---\na: 1\n",
        "a: 1\n---\nb: 2\n",
        "- a\n- b\n",
        "  a: 1\n",
        "",
        "# only a comment\n",
        "? a\n: b\n",
        "a: [1, 2,]\n",
        "a: {b}\n",
        "a: [b: c]\n",
        "a: 0x1F\n",
        "a: 1_000\n",
        "a: .inf\n",
        "1: a\n",
        "true: a\n",
        "a: b: c\n",
        "a: - b\n",
        "a:\n    b: 1\n  c: 2\n",
        "a: {{ x }}\n",
        "a: \"\\q\"\n",
        "%YAML 1.2\n---\na: 1\n",
        "\u{feff}a: 1\n",
    ];
    for text in declined {
        assert!(from_str::<Value>(text).is_none(), "accepted\n{text}");
        agrees(text);
    }
}

#[test]
fn typed_targets_take_only_what_serde_saphyr_reads_the_same() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Typed {
        n: u32,
        s: String,
        b: bool,
        f: f64,
        o: Option<String>,
    }
    assert!(from_str::<Typed>("n: 1\ns: x\nb: true\nf: 2\no: ~\n").is_some());
    // serde-saphyr reads these leniently or refuses them; the reader leaves them to it.
    for text in [
        "n: \"1\"\ns: x\nb: true\nf: 2\n",
        "n: -0\ns: x\nb: true\nf: 2\n",
        "n: 1\ns: 12\nb: true\nf: 2\n",
        "n: 1\ns: ~\nb: true\nf: 2\n",
        "n: 1\ns: x\nb: \"true\"\nf: 2\n",
        "n: 1\ns: x\nb: yes\nf: 2\n",
        "n: 1\ns: x\nb: true\nf: x\n",
    ] {
        assert!(from_str::<Typed>(text).is_none(), "accepted\n{text}");
    }
}
