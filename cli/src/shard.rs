//! `--shard K/N`: one of N disjoint parts of the specs being run, so N
//! machines can run a library between them and merge their reports.
//!
//! A spec is placed by its `name`, not its path: the name is the same
//! whatever directory caseflow runs in and however the targets are spelled
//! (`specs`, `./specs/`, an absolute checkout path that differs between CI
//! runners). The specs are sorted by a fixed hash of the name (FNV-1a, the
//! same on every machine and Rust release; the file path breaks ties) and
//! dealt round-robin: shard K gets the K-th, (K+N)-th, ... spec. Shards
//! therefore differ in size by at most one, and the order the targets or
//! files come in changes nothing. Every shard must be given the same
//! targets: adding or removing a spec may move others to another shard.

use std::fmt;
use std::str::FromStr;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let expected = "expected K/N, shard K of N with 1 ≤ K ≤ N, e.g. `--shard 2/3`";
        let Some((k, n)) = text.split_once('/') else {
            return Err(expected.to_string());
        };
        let (Ok(index), Ok(count)) = (k.trim().parse::<usize>(), n.trim().parse::<usize>()) else {
            return Err(expected.to_string());
        };
        if count == 0 {
            return Err("the number of shards N must be at least 1".to_string());
        }
        if index == 0 || index > count {
            return Err(format!(
                "there is no shard {index} of {count}: shards are numbered 1 to {count}"
            ));
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The items of this shard, in their original order. `key` gives an
    /// item's spec name and file path.
    pub fn select<T>(&self, items: Vec<T>, key: impl Fn(&T) -> (&str, &str)) -> Vec<T> {
        let mut order: Vec<(u64, String, String, usize)> = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let (name, file) = key(item);
                (fnv1a(name), name.to_string(), file.to_string(), i)
            })
            .collect();
        order.sort();
        let mut keep = vec![false; items.len()];
        for (_, _, _, i) in order.into_iter().skip(self.index - 1).step_by(self.count) {
            keep[i] = true;
        }
        items
            .into_iter()
            .zip(keep)
            .filter_map(|(item, k)| k.then_some(item))
            .collect()
    }
}

/// 64-bit FNV-1a: a hash fixed by its definition, unlike std's hasher.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("spec-{i}")).collect()
    }

    #[test]
    fn shards_are_disjoint_balanced_and_cover_everything() {
        let all = names(50);
        let mut seen = Vec::new();
        for index in 1..=3 {
            let part = Shard { index, count: 3 }.select(all.clone(), |s| (s, s));
            assert!((16..=17).contains(&part.len()), "{}", part.len());
            seen.extend(part);
        }
        seen.sort();
        let mut expected = all;
        expected.sort();
        assert_eq!(seen, expected);
    }

    #[test]
    fn the_order_of_the_items_changes_nothing() {
        let all = names(20);
        let mut reversed = all.clone();
        reversed.reverse();
        let shard = Shard { index: 2, count: 4 };
        let mut a = shard.select(all, |s| (s, s));
        let mut b = shard.select(reversed, |s| (s, s));
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }

    #[test]
    fn the_hash_is_fnv1a() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn bad_values_say_what_is_expected() {
        let err = |t: &str| t.parse::<Shard>().unwrap_err();
        assert_eq!(
            err("0/3"),
            "there is no shard 0 of 3: shards are numbered 1 to 3"
        );
        assert_eq!(
            err("4/3"),
            "there is no shard 4 of 3: shards are numbered 1 to 3"
        );
        assert_eq!(err("1/0"), "the number of shards N must be at least 1");
        assert_eq!(
            err("x"),
            "expected K/N, shard K of N with 1 ≤ K ≤ N, e.g. `--shard 2/3`"
        );
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
    }
}
