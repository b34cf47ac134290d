//! Template functions and filters. All are pure (no network); the random
//! ones draw from the thread-local CSPRNG.
//!
//! Functions take keyword arguments through minijinja `Kwargs`; every error
//! names the function (`client_secret_jwt: missing `secret``) and never
//! echoes an argument's value, since arguments are often secrets.

mod encoding;
mod oauth;
mod random;
mod system;
mod totp;

pub use random::{PASSWORD_LENGTHS, password};

use std::borrow::Cow;

use minijinja::value::{ArgType, Kwargs, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Value};

/// Registers every function (and the filters that double as functions).
pub fn register(env: &mut Environment<'_>) {
    // Usable both as `x | base64` and `base64(x)`.
    macro_rules! filter_and_function {
        ($($name:literal => $f:path),* $(,)?) => {
            $( env.add_filter($name, $f); env.add_function($name, $f); )*
        };
    }
    filter_and_function! {
        "base64" => encoding::base64,
        "base64url" => encoding::base64url,
        "b64decode" => encoding::b64decode,
        "sha256" => encoding::sha256,
        "sha256_base64url" => encoding::sha256_base64url,
        "json" => encoding::json,
    }
    // The builtin `urlencode` filter stays; this makes it callable too.
    env.add_function("urlencode", minijinja::filters::urlencode);

    env.add_function("uuid", random::uuid);
    env.add_function("random_password", random::random_password);
    env.add_function("random_string", random::random_string);

    env.add_function("pkce", oauth::pkce);
    env.add_function("pkce_challenge", oauth::pkce_challenge);
    env.add_function("basic_auth", oauth::basic_auth);
    env.add_function("client_secret_jwt", oauth::client_secret_jwt);
    env.add_function("private_key_jwt", oauth::private_key_jwt);
    env.add_function("signed_jwt", oauth::signed_jwt);
    env.add_function("jwt_decode", oauth::jwt_decode);
    env.add_function("totp", totp::totp);

    env.add_function("now", system::now);
    env.add_function("env", system::env);
    env.add_function("query_param", system::query_param);
    env.add_function("fragment_param", system::fragment_param);
}

/// An error that names the function it came from.
fn fail(function: &str, message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("{function}: {message}"),
    )
}

/// Prefixes minijinja's own argument errors with the function name.
fn named(function: &str, err: Error) -> Error {
    Error::new(err.kind(), format!("{function}: {}", describe(&err)))
}

/// A keyword argument that may be absent or `none`.
fn optional<'a, T>(function: &str, kwargs: &'a Kwargs, name: &'a str) -> Result<Option<T>, Error>
where
    T: ArgType<'a, Output = T>,
{
    kwargs
        .get::<Option<T>>(name)
        .map_err(|e| fail(function, format!("`{name}`: {}", describe(&e))))
}

/// A required keyword argument taken as [`text`]: unlike minijinja's
/// `String` conversion, a list or map is an error, not its repr.
fn required_text(function: &str, kwargs: &Kwargs, name: &str) -> Result<String, Error> {
    optional_text(function, kwargs, name)?
        .ok_or_else(|| fail(function, format!("missing `{name}`")))
}

fn optional_text(function: &str, kwargs: &Kwargs, name: &str) -> Result<Option<String>, Error> {
    let value: Option<Value> = optional(function, kwargs, name)?;
    value
        .map(|v| {
            text(function, &v).map(Cow::into_owned).map_err(|_| {
                fail(
                    function,
                    format!("`{name}` must be a string, got {}", v.kind()),
                )
            })
        })
        .transpose()
}

/// An argument that may come by position or by keyword, not both.
fn positional_or_keyword<'a, T>(
    function: &str,
    positional: Option<T>,
    kwargs: &'a Kwargs,
    name: &'a str,
) -> Result<Option<T>, Error>
where
    T: ArgType<'a, Output = T>,
{
    match (positional, kwargs.has(name)) {
        (Some(_), true) => Err(fail(function, format!("`{name}` given twice"))),
        (Some(v), false) => Ok(Some(v)),
        (None, _) => optional(function, kwargs, name),
    }
}

/// Rejects keyword arguments the function does not know.
fn no_unknown_kwargs(function: &str, kwargs: &Kwargs) -> Result<(), Error> {
    kwargs.assert_all_used().map_err(|e| named(function, e))
}

fn describe(err: &Error) -> String {
    err.detail()
        .map_or_else(|| err.kind().to_string(), str::to_owned)
}

/// The text a string-ish function works on: strings as-is, numbers and
/// bools as `true`/`false`; none, lists and maps are errors.
fn text<'v>(function: &str, value: &'v Value) -> Result<Cow<'v, str>, Error> {
    match value.kind() {
        ValueKind::String => Ok(Cow::Borrowed(value.as_str().unwrap_or_default())),
        ValueKind::Number => Ok(Cow::Owned(value.to_string())),
        ValueKind::Bool => Ok(Cow::Borrowed(if value.is_true() {
            "true"
        } else {
            "false"
        })),
        ValueKind::Undefined => Err(fail(function, "the value is undefined")),
        kind => Err(fail(function, format!("expected a string, got {kind}"))),
    }
}

/// Like [`text`], but also takes bytes as they are.
fn bytes<'v>(function: &str, value: &'v Value) -> Result<Cow<'v, [u8]>, Error> {
    match value.as_bytes() {
        Some(b) if value.kind() == ValueKind::Bytes => Ok(Cow::Borrowed(b)),
        _ => Ok(match text(function, value)? {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }),
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use minijinja::Value;

    /// Evaluates one expression with the real environment.
    pub fn eval(expr: &str) -> Result<Value, minijinja::Error> {
        eval_with(expr, minijinja::context! {})
    }

    pub fn eval_with(expr: &str, ctx: Value) -> Result<Value, minijinja::Error> {
        let env = crate::template::environment();
        env.compile_expression(expr)?.eval(ctx)
    }

    pub fn eval_str(expr: &str) -> String {
        let v = eval(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        v.as_str()
            .unwrap_or_else(|| panic!("{expr}: not a string: {v:?}"))
            .to_owned()
    }

    /// The error message of a failing expression.
    pub fn eval_err(expr: &str) -> String {
        match eval(expr) {
            Ok(v) => panic!("{expr}: expected an error, got {v:?}"),
            Err(e) => e.to_string(),
        }
    }
}
