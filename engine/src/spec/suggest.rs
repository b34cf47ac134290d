//! "did you mean" hints for near-miss names.
//!
//! A name is a near miss of a candidate when their edit distance is at most
//! `max(2, len(candidate) / 3)` and smaller than the name itself. With few
//! candidates they are compared one by one; a spec with thousands of steps
//! and thousands of mistakes builds a [`Suggester`] once, a trie searched with
//! one row of the edit-distance table per node, so each hint costs about the
//! part of the trie within reach of the name instead of every candidate.

/// Below this many candidates a plain scan is as fast as building an index.
const SCAN_LIMIT: usize = 64;

/// Longer candidates are scanned, not indexed: the search goes one node
/// (and one table row) per character.
const TRIE_DEPTH: usize = 128;

/// The candidate closest to `name`, when it is close enough to be a typo.
pub fn closest<'a, S: AsRef<str>>(name: &str, candidates: &'a [S]) -> Option<&'a str> {
    let name: Vec<char> = name.chars().collect();
    scan(&name, candidates.iter().map(AsRef::as_ref).enumerate())
        .map(|(_, i)| candidates[i].as_ref())
}

/// The (distance, index) of the first closest near miss among `candidates`.
fn scan<'a>(
    name: &[char],
    candidates: impl Iterator<Item = (usize, &'a str)>,
) -> Option<(usize, usize)> {
    candidates
        .filter_map(|(i, c)| {
            let len = c.chars().count();
            // The distance is at least the difference in length.
            if !near(name.len(), len, len.abs_diff(name.len())) {
                return None;
            }
            let chars: Vec<char> = c.chars().collect();
            let d = edit_distance(name, &chars);
            near(name.len(), len, d).then_some((d, i))
        })
        .min()
}

/// ", did you mean `x`?" or nothing.
pub fn hint<S: AsRef<str>>(name: &str, candidates: &[S]) -> String {
    shown(closest(name, candidates))
}

fn shown(best: Option<&str>) -> String {
    best.map(|c| format!(", did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Names as "`a`, `b`, `c`" for messages.
pub fn list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Is `distance` close enough between a name and a candidate of these lengths (in characters)?
fn near(name_len: usize, candidate_len: usize, distance: usize) -> bool {
    distance <= 2.max(candidate_len / 3) && distance < name_len.max(1)
}

/// The largest distance [`near`] accepts for a name of this length: a
/// candidate `d` away is at most `name_len + d` long, so `d <= (name_len + d) / 3`
/// when `d > 2`, that is `d <= name_len / 2`.
fn reach(name_len: usize) -> usize {
    2.max(name_len / 2).min(name_len.saturating_sub(1))
}

/// Hints against one fixed set of candidates, asked many times.
pub struct Suggester {
    names: Vec<String>,
    /// Only for large sets; small ones are scanned.
    trie: Option<Trie>,
    /// Indexes of the names too long for the trie.
    long: Vec<usize>,
}

#[derive(Default)]
struct Trie {
    /// Children of each node, sorted by character.
    children: Vec<Vec<(char, u32)>>,
    /// The candidate (its index in `names`) ending at each node.
    word: Vec<Option<u32>>,
    depth: Vec<u32>,
    /// The shortest and longest candidate at or below each node, in characters.
    lengths: Vec<(u32, u32)>,
}

impl Suggester {
    pub fn new<S: AsRef<str>>(candidates: impl IntoIterator<Item = S>) -> Self {
        let names: Vec<String> = candidates
            .into_iter()
            .map(|c| c.as_ref().to_string())
            .collect();
        let (trie, long) = if names.len() > SCAN_LIMIT {
            let long: Vec<usize> = (0..names.len())
                .filter(|&i| names[i].chars().count() > TRIE_DEPTH)
                .collect();
            (Some(Trie::build(&names)), long)
        } else {
            (None, Vec::new())
        };
        Self { names, trie, long }
    }

    /// The candidates, in the order given.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The closest candidate, as [`closest`] finds it (ties go to the one given first).
    pub fn closest(&self, name: &str) -> Option<&str> {
        let Some(trie) = &self.trie else {
            return closest(name, &self.names);
        };
        let chars: Vec<char> = name.chars().collect();
        let long = scan(
            &chars,
            self.long.iter().map(|&i| (i, self.names[i].as_str())),
        );
        let indexed = trie.closest(&chars);
        [long, indexed]
            .into_iter()
            .flatten()
            .min()
            .map(|(_, i)| self.names[i].as_str())
    }

    /// ", did you mean `x`?" or nothing.
    pub fn hint(&self, name: &str) -> String {
        shown(self.closest(name))
    }
}

impl Trie {
    fn build(names: &[String]) -> Self {
        let mut trie = Trie {
            children: vec![Vec::new()],
            word: vec![None],
            depth: vec![0],
            lengths: Vec::new(),
        };
        let mut parent: Vec<u32> = vec![0];
        for (i, name) in names.iter().enumerate() {
            if name.chars().count() > TRIE_DEPTH {
                continue;
            }
            let mut node = 0usize;
            for c in name.chars() {
                node = match trie.children[node].binary_search_by_key(&c, |(k, _)| *k) {
                    Ok(at) => trie.children[node][at].1 as usize,
                    Err(at) => {
                        let next = trie.word.len();
                        let depth = trie.depth[node] + 1;
                        trie.children[node].insert(at, (c, next as u32));
                        trie.children.push(Vec::new());
                        trie.word.push(None);
                        trie.depth.push(depth);
                        parent.push(node as u32);
                        next
                    }
                };
            }
            // The first of equal names wins, as in a scan.
            trie.word[node].get_or_insert(i as u32);
        }
        // Children come after their parent: one backward pass gathers the lengths below.
        trie.lengths = (0..trie.word.len())
            .map(|n| match trie.word[n] {
                Some(_) => (trie.depth[n], trie.depth[n]),
                None => (u32::MAX, 0),
            })
            .collect();
        for n in (1..trie.word.len()).rev() {
            let (lo, hi) = trie.lengths[n];
            let up = &mut trie.lengths[parent[n] as usize];
            *up = (up.0.min(lo), up.1.max(hi));
        }
        trie
    }

    /// No candidate below `node` is closer than this to a name of `n`
    /// characters: aligning the node's prefix with the name's first `j`
    /// characters costs `row[j]`, and the rest of the candidate, whose
    /// length is known within bounds, must still cover the rest of the name.
    fn lower_bound(&self, node: usize, row: &[usize], n: usize) -> usize {
        let (lo, hi) = self.lengths[node];
        let depth = self.depth[node] as usize;
        let (lo, hi) = (lo as usize - depth, hi as usize - depth);
        row.iter()
            .enumerate()
            .map(|(j, cost)| {
                let rest = n - j;
                cost + lo.saturating_sub(rest) + rest.saturating_sub(hi)
            })
            .min()
            .unwrap_or(usize::MAX)
    }

    /// Searches within distance 0, then 1, and so on: a near miss is found
    /// by a search that visits only the few nodes that close to the name.
    /// The (distance, index) of the closest near miss in the trie.
    fn closest(&self, name: &[char]) -> Option<(usize, usize)> {
        // A candidate `d` away has at least `len - d` characters, and `d` is at
        // most a third of its length: longer names have nothing near in the trie.
        if name.len() > TRIE_DEPTH * 4 / 3 + 2 {
            return None;
        }
        (0..=reach(name.len())).find_map(|limit| self.within(name, limit))
    }

    /// The first candidate (in the order given) at the smallest distance up
    /// to `limit` that [`near`] accepts.
    fn within(&self, name: &[char], limit: usize) -> Option<(usize, usize)> {
        let width = name.len() + 1;
        // Row `k` of the edit-distance table for the prefix at depth `k`,
        // reused by every node at that depth.
        let mut rows: Vec<usize> = (0..width).collect();
        let mut best = None;
        self.walk(0, name, limit, &mut rows, &mut best);
        best.map(|(d, i)| (d, i as usize))
    }

    fn walk(
        &self,
        node: usize,
        name: &[char],
        limit: usize,
        rows: &mut Vec<usize>,
        best: &mut Option<(usize, u32)>,
    ) {
        let width = name.len() + 1;
        let depth = self.depth[node] as usize;
        let at = depth * width;
        if let Some(word) = self.word[node] {
            let d = rows[at + name.len()];
            if d <= limit
                && near(name.len(), depth, d)
                && best.is_none_or(|found| (d, word) < found)
            {
                *best = Some((d, word));
            }
        }
        if rows.len() < at + 2 * width {
            rows.resize(at + 2 * width, 0);
        }
        for &(c, child) in &self.children[node] {
            let (row, next) = rows[at..at + 2 * width].split_at_mut(width);
            next[0] = row[0] + 1;
            let mut least = next[0];
            for (j, &nc) in name.iter().enumerate() {
                let substitute = row[j] + usize::from(nc != c);
                next[j + 1] = substitute.min(row[j + 1] + 1).min(next[j] + 1);
                least = least.min(next[j + 1]);
            }
            if least <= limit && self.lower_bound(child as usize, next, name.len()) <= limit {
                self.walk(child as usize, name, limit, rows, best);
            }
        }
    }
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_near_misses() {
        assert_eq!(closest("requst", &["request", "needs"]), Some("request"));
        assert_eq!(closest("zzz", &["request", "needs"]), None);
    }

    /// The trie finds exactly what a scan finds, ties included.
    #[test]
    fn the_index_agrees_with_a_scan() {
        let mut names: Vec<String> = (0..300).map(|i| format!("step_{i}")).collect();
        names.extend(
            [
                "admin_token",
                "create_app",
                "get_secret",
                "create_user",
                "a",
                "ab",
                "é_x",
            ]
            .map(String::from),
        );
        names.push("step_7".into()); // a duplicate: the first stays the answer
        let long = "x".repeat(150);
        names.push(long.clone()); // scanned, not indexed
        let index = Suggester::new(&names);
        assert!(index.trie.is_some() && index.long.len() == 1);
        let queries = [
            "stpe_7",
            "step_77",
            "step7",
            "step_1000",
            "admin_tokn",
            "creat_app",
            "create_usr",
            "x",
            "",
            "b",
            "é_y",
            "zzzzzz",
            "step__12",
            "tep_12",
            "get_secrets",
            "step_2999",
        ];
        let near_long = format!("{long}yy");
        let far = "y".repeat(400);
        for q in queries
            .into_iter()
            .chain([near_long.as_str(), far.as_str()])
        {
            assert_eq!(index.closest(q), closest(q, &names), "{q}");
        }
        assert_eq!(index.closest(&near_long), Some(long.as_str()));
    }

    /// Random names over a small alphabet, so near misses and ties abound.
    #[test]
    fn the_index_agrees_with_a_scan_on_random_names() {
        let mut seed = 0x5eed_u64;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut word = |max: u64| -> String {
            (0..1 + next(max))
                .map(|_| char::from(b"ab_1"[next(4) as usize]))
                .collect()
        };
        let names: Vec<String> = (0..400).map(|_| word(9)).collect();
        let index = Suggester::new(&names);
        for _ in 0..2000 {
            let q = word(11);
            assert_eq!(index.closest(&q), closest(&q, &names), "{q}");
        }
    }
}
