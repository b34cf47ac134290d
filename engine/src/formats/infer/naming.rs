//! Names a reader would give: step ids from the method and the path
//! (`create_application`, `get_flow`, `list_users`), from a vendor media
//! type where the path says nothing (`username_password_check`), and
//! clients from their host.

use crate::formats::names::snake;
use crate::spec::model::Method;

/// Path words that name an action rather than a resource; a GET of one of
/// [`POSTED`] reads a page or a form (`get_login`), a POST runs it (`login`).
const ACTIONS: &[&str] = &[
    "authorize",
    "token",
    "resume",
    "signoff",
    "logout",
    "login",
    "signin",
    "userinfo",
    "introspect",
    "revoke",
    "device",
    "device_authorization",
    "callback",
    "jwks",
];

const POSTED: &[&str] = &[
    "token",
    "login",
    "signin",
    "introspect",
    "revoke",
    "device_authorization",
];

/// The step id of a request. `words` are the path's segments, `None` for
/// the ones that hold values (ids, references); `media_type` is its
/// `Content-Type`.
pub fn step_id(method: Method, words: &[Option<String>], media_type: Option<&str>) -> String {
    if let Some(action) = media_type.and_then(vendor_action) {
        return action;
    }
    // The last word, and whether a value follows it (an item, not a collection).
    let last = words.iter().rposition(Option::is_some);
    let Some(last) = last else {
        return format!("{}_root", method.as_str().to_ascii_lowercase());
    };
    let noun = snake(words[last].as_deref().unwrap_or_default());
    let item = last + 1 < words.len();
    let plural = is_plural(&noun) && !item;
    let one = singular(&noun);
    let action = ACTIONS.contains(&noun.as_str());
    match method {
        Method::GET if action && !POSTED.contains(&noun.as_str()) => noun,
        Method::GET if plural => format!("list_{noun}"),
        Method::GET => format!("get_{one}"),
        Method::POST if plural => format!("create_{one}"),
        Method::POST if action || !item => noun,
        Method::POST | Method::PUT | Method::PATCH => format!("update_{one}"),
        Method::DELETE => format!("delete_{one}"),
        Method::HEAD | Method::OPTIONS => format!("{}_{one}", method.as_str().to_ascii_lowercase()),
    }
}

/// `application/vnd.pingidentity.usernamePassword.check+json` -> `username_password_check`.
fn vendor_action(media_type: &str) -> Option<String> {
    let essence = media_type.split(';').next()?.trim();
    let vnd = essence.strip_prefix("application/vnd.")?;
    let vnd = vnd.split('+').next()?;
    // The vendor's own name says nothing about the step.
    let (_, action) = vnd.split_once('.')?;
    Some(snake(action))
}

fn is_plural(noun: &str) -> bool {
    noun.ends_with('s') && !noun.ends_with("ss") && !ACTIONS.contains(&noun)
}

/// `sign_on_policies` -> `sign_on_policy`, `users` -> `user`.
pub fn singular(noun: &str) -> String {
    if let Some(stem) = noun.strip_suffix("ies") {
        format!("{stem}y")
    } else if noun.ends_with("ss") {
        noun.to_string()
    } else {
        noun.strip_suffix('s').unwrap_or(noun).to_string()
    }
}

/// A title from a step id: `create_application` -> `Create application`.
pub fn title(id: &str) -> String {
    let words = id.replace('_', " ");
    let mut c = words.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// A client's name from its host: `auth.pingone.com` -> `auth`; an address
/// or a one-word host -> `server`.
pub fn client_name(host: &str) -> String {
    let first = host.split('.').next().unwrap_or("");
    let is_name = host.contains('.')
        && !host.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !first.is_empty();
    if !is_name || first == "www" {
        return "server".into();
    }
    snake(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(path: &str) -> Vec<Option<String>> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(|s| (!s.starts_with('{')).then(|| s.to_string()))
            .collect()
    }

    #[test]
    fn ids_read_like_hand_written_ones() {
        let cases = [
            (
                Method::POST,
                "/v1/environments/{e}/applications",
                "create_application",
            ),
            (
                Method::GET,
                "/v1/environments/{e}/applications/{a}/secret",
                "get_secret",
            ),
            (Method::GET, "/{e}/flows/{f}", "get_flow"),
            (Method::GET, "/v1/environments/{e}/users", "list_users"),
            (Method::GET, "/{e}/as/authorize", "authorize"),
            (Method::POST, "/{e}/as/token", "token"),
            (
                Method::POST,
                "/v1/environments/{e}/signOnPolicies",
                "create_sign_on_policy",
            ),
            (
                Method::DELETE,
                "/v1/environments/{e}/users/{u}",
                "delete_user",
            ),
            (
                Method::PUT,
                "/v1/environments/{e}/users/{u}/password",
                "update_password",
            ),
        ];
        for (method, path, id) in cases {
            assert_eq!(step_id(method, &words(path), None), id, "{path}");
        }
        let vendor = "application/vnd.pingidentity.usernamePassword.check+json";
        assert_eq!(
            step_id(Method::POST, &words("/{e}/flows/{f}"), Some(vendor)),
            "username_password_check"
        );
        assert_eq!(client_name("auth.pingone.com"), "auth");
        assert_eq!(client_name("127.0.0.1"), "server");
    }
}
