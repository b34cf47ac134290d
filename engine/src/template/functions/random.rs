//! Fresh identifiers, passwords and random strings.

use minijinja::value::Kwargs;
use minijinja::{Error, Value};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

use super::{fail, no_unknown_kwargs, positional_or_keyword};

const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const DIGITS: &[u8] = b"0123456789";
/// The special characters PingOne's default password policy accepts.
const SPECIAL: &[u8] = b"!@#$%^&*";

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Lengths `random_password` accepts: PingOne's Standard policy allows 8 to 255.
pub const PASSWORD_LENGTHS: std::ops::RangeInclusive<usize> = 8..=255;

/// A password meeting PingOne's Standard policy: 8 to 255 characters, at
/// least one upper-case letter, lower-case letter, digit and special
/// character, at least 5 distinct characters, never the same character
/// three times in a row (and so never a commonly used password, which has
/// no special character).
pub fn random_password(length: Option<usize>, kwargs: Kwargs) -> Result<String, Error> {
    const NAME: &str = "random_password";
    let length = positional_or_keyword(NAME, length, &kwargs, "length")?.unwrap_or(16);
    no_unknown_kwargs(NAME, &kwargs)?;
    if !PASSWORD_LENGTHS.contains(&length) {
        return Err(fail(
            NAME,
            format!(
                "`length` must be between {} and {}, got {length}",
                PASSWORD_LENGTHS.start(),
                PASSWORD_LENGTHS.end()
            ),
        ));
    }
    Ok(password(length))
}

/// The password `random_password(length)` returns; `length` is clamped to
/// [`PASSWORD_LENGTHS`].
pub fn password(length: usize) -> String {
    let length = length.clamp(*PASSWORD_LENGTHS.start(), *PASSWORD_LENGTHS.end());
    let mut rng = rand::rng();
    let classes = [UPPER, LOWER, DIGITS, SPECIAL];
    let all: Vec<u8> = classes.concat();
    // Five distinct characters: one of each class, and one more of any class.
    let mut chars: Vec<u8> = classes
        .iter()
        .map(|class| *class.choose(&mut rng).expect("class is not empty"))
        .collect();
    let fifth = loop {
        let c = all[rng.random_range(0..all.len())];
        if !chars.contains(&c) {
            break c;
        }
    };
    chars.push(fifth);
    chars.extend((chars.len()..length).map(|_| all[rng.random_range(0..all.len())]));
    chars.shuffle(&mut rng);
    // No character three times in a row: the third of a run is replaced by
    // another character of its class that differs from both neighbours. The
    // class counts stay, and so do the distinct characters (the replaced
    // one still occurs just before).
    for i in 2..chars.len() {
        if chars[i] == chars[i - 1] && chars[i] == chars[i - 2] {
            let class = classes
                .iter()
                .find(|class| class.contains(&chars[i]))
                .expect("every character has a class");
            let next = chars.get(i + 1).copied();
            let others: Vec<u8> = class
                .iter()
                .copied()
                .filter(|&c| c != chars[i] && Some(c) != next)
                .collect();
            chars[i] = *others.choose(&mut rng).expect("a class has 8+ characters");
        }
    }
    String::from_utf8(chars).expect("ASCII")
}

/// `random_string(length=12, alphabet="alnum")`; `alphabet` is one of
/// alnum, alpha, lower, upper, digits, hex, or else the literal characters.
pub fn random_string(
    length: Option<usize>,
    alphabet: Option<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    const NAME: &str = "random_string";
    let length = positional_or_keyword(NAME, length, &kwargs, "length")?.unwrap_or(12);
    let alphabet: Option<Value> = positional_or_keyword(NAME, alphabet, &kwargs, "alphabet")?;
    no_unknown_kwargs(NAME, &kwargs)?;
    if length > 4096 {
        return Err(fail(
            NAME,
            format!("`length` must be at most 4096, got {length}"),
        ));
    }
    let alphabet = match &alphabet {
        None => "alnum",
        Some(v) => v
            .as_str()
            .ok_or_else(|| fail(NAME, "`alphabet` must be a string"))?,
    };
    let chars: Vec<char> = match alphabet {
        "alnum" => [UPPER, LOWER, DIGITS]
            .concat()
            .into_iter()
            .map(char::from)
            .collect(),
        "alpha" => [UPPER, LOWER]
            .concat()
            .into_iter()
            .map(char::from)
            .collect(),
        "lower" => LOWER.iter().copied().map(char::from).collect(),
        "upper" => UPPER.iter().copied().map(char::from).collect(),
        "digits" => DIGITS.iter().copied().map(char::from).collect(),
        "hex" => "0123456789abcdef".chars().collect(),
        literal => literal.chars().collect(),
    };
    if chars.is_empty() {
        return Err(fail(NAME, "`alphabet` is empty"));
    }
    let mut rng = rand::rng();
    Ok((0..length)
        .map(|_| *chars.choose(&mut rng).expect("not empty"))
        .collect())
}

#[cfg(test)]
mod tests {
    use crate::template::functions::test_support::{eval_err, eval_str};

    #[test]
    fn uuids_are_fresh_v4() {
        let a = uuid::Uuid::parse_str(&eval_str("uuid()")).unwrap();
        let b = uuid::Uuid::parse_str(&eval_str("uuid()")).unwrap();
        assert_eq!(a.get_version_num(), 4);
        assert_ne!(a, b);
    }

    #[test]
    fn passwords_meet_the_default_policy() {
        for expr in [
            "random_password()",
            "random_password(8)",
            "random_password(length=40)",
        ] {
            for _ in 0..50 {
                let p = eval_str(expr);
                assert!(p.len() >= 8, "{p}");
                assert!(p.bytes().any(|c| c.is_ascii_uppercase()), "{p}");
                assert!(p.bytes().any(|c| c.is_ascii_lowercase()), "{p}");
                assert!(p.bytes().any(|c| c.is_ascii_digit()), "{p}");
                assert!(p.bytes().any(|c| b"!@#$%^&*".contains(&c)), "{p}");
                assert!(
                    p.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"!@#$%^&*".contains(&c))
                );
            }
        }
        assert_eq!(eval_str("random_password()").len(), 16);
        assert_eq!(eval_str("random_password(length=40)").len(), 40);
        insta::assert_snapshot!(eval_err("random_password(4)"));
        assert!(eval_err("random_password(256)").contains("between 8 and 255"));
        assert_eq!(eval_str("random_password(255)").len(), 255);
        insta::assert_snapshot!(eval_err("random_password(lenght=20)"));
    }

    #[test]
    fn random_strings() {
        let s = eval_str("random_string()");
        assert_eq!(s.len(), 12);
        assert!(s.bytes().all(|c| c.is_ascii_alphanumeric()));
        let s = eval_str("random_string(32, 'hex')");
        assert!(s.len() == 32 && s.bytes().all(|c| c.is_ascii_hexdigit()));
        let s = eval_str("random_string(length=20, alphabet='ab')");
        assert!(s.len() == 20 && s.bytes().all(|c| c == b'a' || c == b'b'));
        assert!(
            eval_str("random_string(5, alphabet='digits')")
                .parse::<u32>()
                .is_ok()
        );
        insta::assert_snapshot!(eval_err("random_string(5, length=6)"));
    }
}
