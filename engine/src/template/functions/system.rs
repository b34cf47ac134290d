//! Clock, process environment and URL parameters.

use minijinja::value::Kwargs;
use minijinja::{Error, Value};
use time::format_description::well_known::Rfc3339;
use url::Url;

use super::{fail, no_unknown_kwargs, positional_or_keyword, text};

/// `now()` is RFC 3339 UTC to the second; `now(format="unix")` integer
/// seconds, `"unix_ms"` milliseconds.
pub fn now(format: Option<String>, kwargs: Kwargs) -> Result<Value, Error> {
    const NAME: &str = "now";
    let format = positional_or_keyword(NAME, format, &kwargs, "format")?;
    no_unknown_kwargs(NAME, &kwargs)?;
    let now = time::OffsetDateTime::now_utc();
    match format.as_deref().unwrap_or("rfc3339") {
        "rfc3339" => {
            let whole_seconds = now.replace_nanosecond(0).expect("0 is a valid nanosecond");
            Ok(Value::from(
                whole_seconds.format(&Rfc3339).map_err(|e| fail(NAME, e))?,
            ))
        }
        "unix" => Ok(Value::from(now.unix_timestamp())),
        "unix_ms" => Ok(Value::from((now.unix_timestamp_nanos() / 1_000_000) as i64)),
        other => Err(fail(
            NAME,
            format!("unknown format {other:?} (expected rfc3339, unix or unix_ms)"),
        )),
    }
}

/// `env(NAME)` or `env(NAME, default)`: a process environment variable.
pub fn env(name: &str, default: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    const NAME: &str = "env";
    let default = positional_or_keyword(NAME, default, &kwargs, "default")?;
    no_unknown_kwargs(NAME, &kwargs)?;
    match std::env::var(name) {
        Ok(value) => Ok(Value::from(value)),
        Err(std::env::VarError::NotPresent) => {
            default.ok_or_else(|| fail(NAME, format!("environment variable `{name}` is not set")))
        }
        Err(std::env::VarError::NotUnicode(_)) => Err(fail(
            NAME,
            format!("environment variable `{name}` is not valid UTF-8"),
        )),
    }
}

/// A parameter of a URL's query, e.g. the `flowId` of a redirect Location.
pub fn query_param(url: &Value, name: &str) -> Result<String, Error> {
    const NAME: &str = "query_param";
    let url = parse(NAME, &text(NAME, url)?)?;
    find(url.query_pairs(), name)
        .ok_or_else(|| fail(NAME, format!("the URL has no query parameter `{name}`")))
}

/// A parameter of a URL's fragment, e.g. the implicit flow's `#access_token`.
pub fn fragment_param(url: &Value, name: &str) -> Result<String, Error> {
    const NAME: &str = "fragment_param";
    let url = parse(NAME, &text(NAME, url)?)?;
    let fragment = url.fragment().unwrap_or_default();
    find(url::form_urlencoded::parse(fragment.as_bytes()), name)
        .ok_or_else(|| fail(NAME, format!("the URL has no fragment parameter `{name}`")))
}

/// Absolute or relative (a Location header may be `/as/resume?...`).
fn parse(function: &str, url: &str) -> Result<Url, Error> {
    let base = Url::parse("relative:/").expect("valid base");
    Url::options()
        .base_url(Some(&base))
        .parse(url.trim())
        .map_err(|e| fail(function, format!("not a URL: {e}")))
}

fn find<'a>(
    mut pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
    name: &str,
) -> Option<String> {
    pairs.find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use crate::template::functions::test_support::{eval, eval_err, eval_str};

    #[test]
    fn now_formats() {
        let rfc = eval_str("now()");
        let parsed =
            time::OffsetDateTime::parse(&rfc, &time::format_description::well_known::Rfc3339)
                .unwrap();
        assert!(rfc.ends_with('Z'), "{rfc}");
        let unix = eval("now(format='unix')").unwrap();
        let unix = i64::try_from(unix).unwrap();
        assert!((unix - parsed.unix_timestamp()).abs() <= 2);
        insta::assert_snapshot!(eval_err("now('iso')"));
    }

    #[test]
    fn env_reads_the_process_environment() {
        // PATH is set in every test environment; nothing here mutates the environment.
        assert_eq!(eval_str("env('PATH')"), std::env::var("PATH").unwrap());
        assert_eq!(
            eval_str("env('CASEFLOW_SURELY_UNSET_VAR', 'fallback')"),
            "fallback"
        );
        assert_eq!(
            eval_str("env('CASEFLOW_SURELY_UNSET_VAR', default='d')"),
            "d"
        );
        insta::assert_snapshot!(eval_err("env('CASEFLOW_SURELY_UNSET_VAR')"));
    }

    #[test]
    fn url_parameters() {
        let location = "'/as/resume?flowId=f%201&x=2'";
        assert_eq!(
            eval_str(&format!("query_param({location}, 'flowId')")),
            "f 1"
        );
        assert_eq!(
            eval_str("query_param('https://www.example.com/cb?code=abc&state=s', 'code')"),
            "abc"
        );
        assert_eq!(
            eval_str(
                "fragment_param('https://www.example.com/cb#access_token=t.k.n&token_type=Bearer', 'access_token')"
            ),
            "t.k.n"
        );
        insta::assert_snapshot!(eval_err(
            "query_param('https://x.example/cb?error=denied', 'code')"
        ));
    }
}
