//! What a literal is when no earlier response holds it: the rules that say
//! a value is worth linking, looks generated, or is an input, and the
//! inputs made along the way.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::formats::names::{snake, unique};
use crate::spec::model::Input;

/// What masked values look like in a redacted HAR file.
pub const MASK: &str = "•••";

/// Long enough, and not a plain word, to be linked to a response: at least
/// [`MIN_LINKED`] characters and not [`plain_words`] (`COMPLETED`,
/// `authorization_code`, `openid` are words any response may hold); or a
/// one-time code of 6 or 7 digits.
pub fn meaningful(value: &str) -> bool {
    let n = value.chars().count();
    if (6..MIN_LINKED).contains(&n) && value.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    n >= MIN_LINKED && !plain_words(value) && !matches!(value, "true" | "false" | "null")
}

/// Words joined by `_` or spaces, each lower case, upper case or camel
/// case (`USERNAME_PASSWORD_REQUIRED`, `usernamePassword`, `OpenID`). A
/// random token can be letters only (a base64url code, one in a few
/// thousand), but its case changes at random: `soVmadNvBUzD...` is no word.
fn plain_words(value: &str) -> bool {
    value.split(['_', ' ']).all(|part| {
        part.chars().all(char::is_alphabetic)
            && humps(part).all(|hump| {
                let upper = hump.chars().take_while(|c| c.is_uppercase()).count();
                let n = hump.chars().count();
                upper == n || upper == 0 || (upper == 1 && n >= 3)
            })
    })
}

/// `usernamePasswordID` -> `username`, `Password`, `ID`: a new hump where
/// an upper case letter follows a lower case one.
fn humps(word: &str) -> impl Iterator<Item = &str> {
    let mut starts = vec![0];
    let mut prev_lower = false;
    for (i, c) in word.char_indices() {
        if c.is_uppercase() && prev_lower {
            starts.push(i);
        }
        prev_lower = c.is_lowercase();
    }
    starts.push(word.len());
    (0..starts.len() - 1).map(move |k| &word[starts[k]..starts[k + 1]])
}

/// 8 to 10 capital letters, as one-time codes are made (`QWERTYUI`):
/// [`plain_words`] takes it for a word unless its source says otherwise.
pub fn capitals_code(value: &str) -> bool {
    (8..=10).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_uppercase())
}

/// A field named like a code: `code`, `verification_code`, `otp`.
pub fn code_name(name: &str) -> bool {
    let key = snake(name);
    key == "code" || key == "otp" || key.ends_with("_code") || key.ends_with("_otp")
}

/// Shortest value linked to a response.
pub const MIN_LINKED: usize = 8;

/// A path segment that holds an id rather than a word: 8 or more
/// characters with a digit, or a UUID.
pub fn id_like(value: &str) -> bool {
    value.len() >= 8
        && value.chars().any(|c| c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
}

/// `8-4-4-4-12` hexadecimal.
pub fn is_uuid(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A template function for a value the client made up: a fresh one each
/// run is what the server expects. `name` is the field that holds it.
pub fn generated(value: &str, name: &str) -> Option<&'static str> {
    let key = snake(name);
    if matches!(key.as_str(), "nonce" | "state" | "jti") {
        return Some("{{ random_string(16) }}");
    }
    if is_uuid(value) {
        return Some("{{ uuid() }}");
    }
    None
}

/// Fields that hold a user's name: an input with the recorded default.
pub fn is_user_name(name: &str) -> bool {
    matches!(
        snake(name).as_str(),
        "username" | "user_name" | "login" | "login_hint" | "user"
    )
}

/// An input being made: its name may still improve as more uses are seen.
struct Draft {
    name: String,
    rank: u8,
    default: Option<String>,
    secret: bool,
    description: String,
    /// A template default, written even for a secret (`{{ pkce() }}`).
    generated: bool,
}

/// How sure a name is: a field's own name beats a path segment's.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    Position = 1,
    Segment = 2,
    Field = 3,
}

/// The inputs of the imported spec, one per distinct value. References are
/// written with a placeholder name, replaced once every name is final.
#[derive(Default)]
pub struct Inputs {
    drafts: Vec<Draft>,
    by_value: HashMap<String, usize>,
}

impl Inputs {
    /// The input holding `value` (made when new): `inputs.<placeholder>`.
    pub fn reference(
        &mut self,
        key: &str,
        name: &str,
        rank: Rank,
        secret: bool,
        default: Option<&str>,
        description: &str,
    ) -> String {
        let i = match self.by_value.get(key) {
            Some(&i) => {
                let d = &mut self.drafts[i];
                if (rank as u8) > d.rank {
                    d.name = name.to_string();
                    d.rank = rank as u8;
                }
                d.secret |= secret;
                i
            }
            None => {
                self.drafts.push(Draft {
                    name: name.to_string(),
                    rank: rank as u8,
                    default: default.map(str::to_string),
                    secret,
                    description: description.to_string(),
                    generated: false,
                });
                self.by_value.insert(key.to_string(), self.drafts.len() - 1);
                self.drafts.len() - 1
            }
        };
        format!("inputs.{}", placeholder(i))
    }

    /// Declares a ready-made input (a client's base URL, `pkce`).
    pub fn fixed(&mut self, key: &str, name: &str, input: Input) -> String {
        let expr = self.reference(key, name, Rank::Field, input.secret == Some(true), None, "");
        if let Some(&i) = self.by_value.get(key) {
            let d = &mut self.drafts[i];
            d.default = input
                .default
                .as_ref()
                .and_then(Json::as_str)
                .map(str::to_string);
            d.description = input.description.unwrap_or_default();
            d.rank = u8::MAX;
            d.generated = d.default.as_deref().is_some_and(|t| t.contains("{{"));
        }
        expr
    }

    /// The input already made for `value`, if any.
    pub fn known(&self, value: &str) -> Option<String> {
        self.by_value
            .get(value)
            .map(|i| format!("inputs.{}", placeholder(*i)))
    }

    /// Inputs a run must be given: secrets, and those without a default.
    pub fn needing_values(&self) -> Vec<(usize, bool)> {
        self.drafts
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.generated && (d.secret || d.default.is_none()))
            .map(|(i, d)| (i, d.secret))
            .collect()
    }

    /// Makes the input of `value` a secret: no default is written.
    pub fn mark_secret(&mut self, value: &str) {
        if let Some(&i) = self.by_value.get(value) {
            let d = &mut self.drafts[i];
            if !d.secret {
                d.secret = true;
                d.description = "A credential the requests send; never written to the file".into();
            }
        }
    }

    /// The final inputs, and each placeholder with its final name.
    pub fn finish(self) -> (IndexMap<String, Input>, Vec<(String, String)>) {
        let mut taken = HashSet::new();
        let mut inputs = IndexMap::new();
        let mut names = Vec::new();
        for (i, d) in self.drafts.into_iter().enumerate() {
            let name = unique(&d.name, &mut taken, "_");
            let input = Input {
                description: (!d.description.is_empty()).then_some(d.description),
                // A credential is never written down.
                default: if d.secret && !d.generated {
                    None
                } else if d.generated {
                    d.default.map(Json::String)
                } else {
                    d.default.map(|t| Json::String(super::rewrite::literal(&t)))
                },
                secret: d.secret.then_some(true),
                ..Input::default()
            };
            names.push((placeholder(i), name.clone()));
            inputs.insert(name, input);
        }
        (inputs, names)
    }
}

pub fn placeholder(i: usize) -> String {
    format!("\u{1}{i}\u{1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_plain_values_are_not_linked_but_one_time_codes_are() {
        for v in [
            "COMPLETED",
            "authorization_code",
            "openid",
            "12345",
            "abc1234",
            "true",
            "USERNAME_PASSWORD_REQUIRED",
            "usernamePassword",
            "OpenID",
            "Bearer token",
        ] {
            assert!(!meaningful(v), "{v}");
        }
        for v in [
            "123456",
            "1234567",
            "WDJB-MJHT",
            "4f1c9a0e-57b2-4c3e-9d1e-0a1b2c3d4e5f",
            "eyJhbGciOi.x.y",
            // An authorization code of letters only, as 32 random bytes in
            // base64url now and then come out: still linked to its response.
            "soVmadNvBUzDJnzSZQiEMrSJRPkzASuIPgnMRCGNfAY",
            "soVmadNvBUzDJnzSZQiE_MrSJRPkzASuIPgnMRCGNfAY",
            "_soVmadNvBUzDJnzSZQiEMrSJRPkzASuIPgnMRCGNfA",
        ] {
            assert!(meaningful(v), "{v}");
        }
        assert!(id_like("4f1c9a0e-57b2-4c3e-9d1e-0a1b2c3d4e5f") && !id_like("applications"));
        assert_eq!(
            generated("4f1c9a0e-57b2-4c3e-9d1e-0a1b2c3d4e5f", "requestId"),
            Some("{{ uuid() }}")
        );
        assert_eq!(generated("abc", "state"), Some("{{ random_string(16) }}"));
        assert!(capitals_code("QWERTYUI") && capitals_code("COMPLETE"));
        assert!(!capitals_code("USER_NAME") && !capitals_code("COMPLETED_NOW"));
        assert!(code_name("verification_code") && code_name("otp") && !code_name("status"));
    }

    #[test]
    fn an_input_sent_later_as_a_credential_loses_its_default() {
        let mut inputs = Inputs::default();
        inputs.reference(
            "s3cr3t-val",
            "name",
            Rank::Field,
            false,
            Some("s3cr3t-val"),
            "",
        );
        inputs.mark_secret("s3cr3t-val");
        let (inputs, _) = inputs.finish();
        let input = &inputs["name"];
        assert_eq!(input.secret, Some(true));
        assert_eq!(input.default, None);
    }
}
