//! `caseflow import curl`: curl command lines (as tutorials and browsers'
//! "copy as cURL" write them) -> a spec. Without responses nothing links
//! the requests, so values become inputs (`{{envID}}` placeholders too)
//! by the rules of [`crate::formats::infer`].

pub mod words;

use base64::Engine;

use super::Imported;
use super::infer::{self, Body, Exchange, Options};
use super::names::kebab;
use words::Word;

/// Options curl takes that change nothing in the spec, with whether each
/// takes a value.
const IGNORED: &[(&str, bool)] = &[
    ("-s", false),
    ("--silent", false),
    ("-S", false),
    ("--show-error", false),
    ("-v", false),
    ("--verbose", false),
    ("-i", false),
    ("--include", false),
    ("-f", false),
    ("--fail", false),
    ("--fail-with-body", false),
    ("-k", false),
    ("--insecure", false),
    ("--compressed", false),
    ("--http1.0", false),
    ("--http1.1", false),
    ("--http2", false),
    ("--http2-prior-knowledge", false),
    ("--http3", false),
    ("-#", false),
    ("--progress-bar", false),
    ("--no-progress-meter", false),
    ("-N", false),
    ("--no-buffer", false),
    ("--no-keepalive", false),
    ("--tcp-nodelay", false),
    ("-4", false),
    ("--ipv4", false),
    ("-6", false),
    ("--ipv6", false),
    ("-g", false),
    ("--globoff", false),
    ("--path-as-is", false),
    ("--raw", false),
    ("--retry-connrefused", false),
    ("--retry-all-errors", false),
    ("--create-dirs", false),
    ("-O", false),
    ("--remote-name", false),
    ("-J", false),
    ("--remote-header-name", false),
    ("-q", false),
    ("--disable", false),
    ("--ssl", false),
    ("--ssl-reqd", false),
    ("--tlsv1.2", false),
    ("--tlsv1.3", false),
    ("-o", true),
    ("--output", true),
    ("-w", true),
    ("--write-out", true),
    ("-m", true),
    ("--max-time", true),
    ("--connect-timeout", true),
    ("-c", true),
    ("--cookie-jar", true),
    ("-D", true),
    ("--dump-header", true),
    ("--stderr", true),
    ("--trace", true),
    ("--trace-ascii", true),
    ("--cacert", true),
    ("--capath", true),
    ("-E", true),
    ("--cert", true),
    ("--cert-type", true),
    ("--key", true),
    ("--key-type", true),
    ("--pass", true),
    ("--pinnedpubkey", true),
    ("--crlfile", true),
    ("--ciphers", true),
    ("--retry", true),
    ("--retry-delay", true),
    ("--retry-max-time", true),
    ("-x", true),
    ("--proxy", true),
    ("-U", true),
    ("--proxy-user", true),
    ("--noproxy", true),
    ("--resolve", true),
    ("--connect-to", true),
    ("--interface", true),
    ("--dns-servers", true),
    ("--local-port", true),
    ("--limit-rate", true),
    ("--max-redirs", true),
    ("--max-filesize", true),
    ("-Y", true),
    ("--speed-limit", true),
    ("-y", true),
    ("--speed-time", true),
    ("--expect100-timeout", true),
    ("--keepalive-time", true),
    ("--unix-socket", true),
    ("--proto", true),
    ("--proto-redir", true),
];

/// Short options that take a value, for clusters like `-sXPOST`.
const SHORT_WITH_VALUE: &str = "XHdubAeFowmcDExUYyKTrzCtQ";

/// Converts curl commands read from `source` (a file name, or `-`).
pub fn import(source: &str, stem: &str, text: &str) -> Result<Imported, String> {
    let commands = words::commands(text).map_err(|e| format!("{source}:{e}"))?;
    let mut warnings = Vec::new();
    let mut exchanges = Vec::new();
    // Origins of commands with `-L`: curl followed their redirects.
    let mut follow: Vec<String> = Vec::new();
    for words in &commands {
        if words.first().map(|w| w.text.as_str()) != Some("curl") {
            continue;
        }
        let parsed = Command::new(source, &mut warnings)
            .parse(&words[0], &words[1..])
            .map_err(|(at, e)| format!("{source}:{}:{}: {e}", at.line, at.col))?;
        if parsed.1 {
            follow.push(parsed.0.url.origin().ascii_serialization());
        }
        exchanges.push(parsed.0);
    }
    if exchanges.is_empty() {
        return Err(format!("{source}: no curl command found"));
    }
    let name = kebab(stem);
    let options = Options {
        title: format!("Converted {name}"),
        name,
        tags: vec!["curl".into()],
        header: vec![format!("Imported from {source} by `caseflow import curl`.")],
    };
    let mut inferred = infer::infer(exchanges, &options).map_err(|e| format!("{source}: {e}"))?;
    if !follow.is_empty() {
        let spec = &mut inferred.spec.spec;
        let following: Vec<String> = spec
            .inputs
            .iter()
            .filter(|(_, i)| {
                i.default
                    .as_ref()
                    .and_then(|d| d.as_str())
                    .is_some_and(|d| follow.iter().any(|f| f == d))
            })
            .map(|(name, _)| format!("{{{{ inputs.{name} }}}}"))
            .collect();
        for c in spec.clients.values_mut() {
            c.follow_redirects = c.base_url.as_ref().is_some_and(|b| following.contains(b));
        }
        inferred.spec.yaml = super::yaml::render(spec, &options.header, &Default::default())?;
    }
    warnings.extend(inferred.notes);
    Ok(Imported {
        specs: vec![inferred.spec],
        warnings,
    })
}

/// One option as written: its name (`-X`, `--data`), a value attached to
/// it (`-XPOST`, `--data=x`, the rest of `-sXPOST`), and the word it is in.
struct Opt<'a> {
    name: String,
    attached: Option<String>,
    word: &'a Word,
}

/// The options of a word: `-sSL` is `-s`, `-S`, `-L`; `-sXPOST` is `-s`
/// and `-X` with `POST`; `--data=x` is `--data` with `x`. `None`: no option.
fn options(word: &Word) -> Option<Vec<Opt<'_>>> {
    let text = word.text.as_str();
    if let Some(long) = text.strip_prefix("--").filter(|l| !l.is_empty()) {
        let (name, attached) = match long.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (long, None),
        };
        return Some(vec![Opt {
            name: format!("--{name}"),
            attached,
            word,
        }]);
    }
    let cluster = text.strip_prefix('-').filter(|c| !c.is_empty())?;
    let mut out = Vec::new();
    for (at, c) in cluster.char_indices() {
        let name = format!("-{c}");
        if SHORT_WITH_VALUE.contains(c) {
            let rest = &cluster[at + c.len_utf8()..];
            out.push(Opt {
                name,
                attached: (!rest.is_empty()).then(|| rest.to_string()),
                word,
            });
            break;
        }
        out.push(Opt {
            name,
            attached: None,
            word,
        });
    }
    Some(out)
}

/// Parses one command, gathering warnings that say where they are.
struct Command<'a> {
    source: &'a str,
    warnings: &'a mut Vec<String>,
}

type Failed<'w> = (&'w Word, String);

impl<'a> Command<'a> {
    fn new(source: &'a str, warnings: &'a mut Vec<String>) -> Self {
        Self { source, warnings }
    }

    fn warn(&mut self, at: &Word, message: String) {
        self.warnings
            .push(format!("{}:{}:{}: {message}", self.source, at.line, at.col));
    }

    /// An option caseflow does not know, left out with a warning. A long
    /// one may take a value: the next word is not the URL unless it reads
    /// as one.
    fn unknown(&mut self, opt: &Opt<'_>, args: &[Word], i: &mut usize) {
        let o = &opt.name;
        let next = args.get(*i + 1).filter(|w| {
            opt.attached.is_none()
                && o.len() > 2
                && !w.text.starts_with('-')
                && !w.text.contains("://")
        });
        match next {
            Some(n) => {
                self.warn(
                    opt.word,
                    format!(
                        "curl option `{o}` is not imported, nor `{}` after it",
                        n.text
                    ),
                );
                *i += 1;
            }
            None => self.warn(opt.word, format!("curl option `{o}` is not imported")),
        }
    }

    /// One command's request, and whether it follows redirects.
    fn parse<'w>(
        &mut self,
        curl: &'w Word,
        args: &'w [Word],
    ) -> Result<(Exchange, bool), Failed<'w>> {
        let mut method: Option<String> = None;
        let mut url: Option<&Word> = None;
        let mut url_text = String::new();
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut data: Vec<String> = Vec::new();
        let mut json = false;
        let mut get = false;
        let mut follow = false;
        let mut head = false;
        let mut form = false;
        let mut only_urls = false;
        let mut i = 0;
        while i < args.len() {
            let word = &args[i];
            let opts = if only_urls { None } else { options(word) };
            let Some(opts) = opts else {
                if word.text == "--" && !only_urls {
                    only_urls = true;
                } else {
                    url = Some(word);
                    url_text = word.text.clone();
                }
                i += 1;
                continue;
            };
            if opts.iter().any(|o| {
                !o.name.starts_with("--")
                    && !o.name[1..]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '#')
            }) {
                self.warn(
                    word,
                    format!("`{}` is not a curl option: left out", word.text),
                );
                i += 1;
                continue;
            }
            for opt in opts {
                let value = |i: &mut usize| -> Result<String, Failed<'w>> {
                    if let Some(v) = &opt.attached {
                        return Ok(v.clone());
                    }
                    *i += 1;
                    args.get(*i)
                        .map(|w| w.text.clone())
                        .ok_or_else(|| (opt.word, format!("`{}` needs a value", opt.name)))
                };
                match opt.name.as_str() {
                    "-X" | "--request" => method = Some(value(&mut i)?.to_ascii_uppercase()),
                    "-H" | "--header" => {
                        let h = value(&mut i)?;
                        match h.split_once(':') {
                            Some((k, v)) => {
                                headers.push((k.trim().to_string(), v.trim().to_string()))
                            }
                            None => {
                                return Err((word, format!("`-H {h}`: a header is `Name: value`")));
                            }
                        }
                    }
                    "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-ascii" => {
                        data.push(value(&mut i)?)
                    }
                    "--data-urlencode" => data.push(urlencode_data(&value(&mut i)?)),
                    "--json" => {
                        data.push(value(&mut i)?);
                        json = true;
                    }
                    "-F" | "--form" | "--form-string" => {
                        let field = value(&mut i)?;
                        let (name, v) = field.split_once('=').unwrap_or((&field, ""));
                        if opt.name != "--form-string" && (v.starts_with('@') || v.starts_with('<'))
                        {
                            self.warn(
                                word,
                                format!("`{} {field}`: files are not imported; add the field to the spec by hand", opt.name),
                            );
                        } else {
                            let encode = |s: &str| {
                                url::form_urlencoded::byte_serialize(s.as_bytes())
                                    .collect::<String>()
                            };
                            data.push(format!("{}={}", encode(name), encode(v)));
                            if !form {
                                self.warn(
                                    word,
                                    format!("`{}` fields are sent as a URL-encoded form (`form:`), not multipart", opt.name),
                                );
                            }
                            form = true;
                        }
                    }
                    "-u" | "--user" => {
                        let credentials =
                            base64::engine::general_purpose::STANDARD.encode(value(&mut i)?);
                        headers.push(("Authorization".into(), format!("Basic {credentials}")));
                    }
                    "--oauth2-bearer" => {
                        let token = value(&mut i)?;
                        headers.push(("Authorization".into(), format!("Bearer {token}")));
                    }
                    "-L" | "--location" | "--location-trusted" => follow = true,
                    "-G" | "--get" => get = true,
                    "-I" | "--head" => head = true,
                    "--url" => {
                        url_text = value(&mut i)?;
                        url = Some(word);
                    }
                    "-b" | "--cookie" => {
                        value(&mut i)?;
                        self.warn(
                            word,
                            "`-b`/`--cookie` left out: a client's cookie jar keeps the cookies its responses set".into(),
                        );
                    }
                    "-A" | "--user-agent" => headers.push(("User-Agent".into(), value(&mut i)?)),
                    "-e" | "--referer" => headers.push(("Referer".into(), value(&mut i)?)),
                    o => {
                        if let Some((_, takes_value)) = IGNORED.iter().find(|(n, _)| *n == o) {
                            if *takes_value {
                                value(&mut i)?;
                            }
                        } else {
                            self.unknown(&opt, args, &mut i);
                        }
                    }
                }
            }
            i += 1;
        }
        let Some(url_word) = url else {
            return Err((curl, "no URL".into()));
        };
        let with_scheme = if url_text.contains("://") {
            url_text.clone()
        } else {
            format!("http://{url_text}")
        };
        let mut parsed = url::Url::parse(&with_scheme)
            .map_err(|e| (url_word, format!("`{url_text}` is not a valid URL: {e}")))?;
        let body_text = data.join("&");
        let has = |name: &str, h: &[(String, String)]| {
            h.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
        };
        if json && !has("content-type", &headers) {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        let body = if data.is_empty() {
            Body::None
        } else if get {
            let query = match parsed.query() {
                Some(q) if !q.is_empty() => format!("{q}&{body_text}"),
                _ => body_text.clone(),
            };
            parsed.set_query(Some(&query));
            Body::None
        } else {
            if !has("content-type", &headers) || form {
                headers.retain(|(k, _)| !(form && k.eq_ignore_ascii_case("content-type")));
                headers.push((
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ));
            }
            let mime = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            Exchange::body_from(&mime, &body_text)
        };
        let default = if head {
            "HEAD"
        } else if body == Body::None || get {
            "GET"
        } else {
            "POST"
        };
        let method =
            super::har::method(method.as_deref().unwrap_or(default)).map_err(|e| (curl, e))?;
        Ok((
            Exchange {
                title: None,
                method,
                url: parsed,
                headers,
                body,
                response: None,
                started_ms: None,
            },
            follow,
        ))
    }
}

/// `--data-urlencode name=value`: the value encoded, the name kept.
fn urlencode_data(text: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => format!("{name}={}", encode(value)),
        Some((_, value)) => encode(value),
        None => encode(text),
    }
}
