//! Requests of a browser session that are not the use case: static
//! assets, analytics beacons, CORS preflights.

use super::file::Entry;

/// Why an entry is left out, or `None` to keep it.
pub fn reason(entry: &Entry) -> Option<&'static str> {
    let req = &entry.request;
    if req.method.eq_ignore_ascii_case("OPTIONS") {
        return Some("OPTIONS preflights");
    }
    let url = req.url.to_ascii_lowercase();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Some("non-HTTP URLs");
    }
    if let Some(kind) = entry.resource_type.as_deref()
        && matches!(
            kind,
            "image" | "stylesheet" | "script" | "font" | "media" | "manifest" | "texttrack"
        )
    {
        return Some("static assets");
    }
    if let Some(kind) = entry.resource_type.as_deref()
        && matches!(
            kind,
            "ping" | "beacon" | "csp_report" | "preflight" | "websocket"
        )
    {
        return Some("analytics and beacons");
    }
    let host = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split(['/', '?', '#']).next())
        .unwrap_or("");
    if ANALYTICS_HOSTS.iter().any(|h| on_host(host, h)) {
        return Some("analytics and beacons");
    }
    let path = url
        .split("://")
        .nth(1)
        .and_then(|r| r.find('/').map(|i| &r[i..]))
        .unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or(path);
    if STATIC_EXTENSIONS.iter().any(|e| path.ends_with(e)) {
        return Some("static assets");
    }
    let mime = entry
        .response
        .content
        .mime_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    if mime.starts_with("image/")
        || mime.starts_with("font/")
        || mime.starts_with("text/css")
        || mime.contains("javascript")
    {
        return Some("static assets");
    }
    None
}

/// Whether `authority` (`user@host:port`) is `domain` or one of its
/// subdomains: `notsentry.io` is not `sentry.io`.
fn on_host(authority: &str, domain: &str) -> bool {
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_end_matches('.');
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

const STATIC_EXTENSIONS: &[&str] = &[
    ".js", ".mjs", ".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".avif",
    ".woff", ".woff2", ".ttf", ".otf", ".eot", ".map", ".mp4", ".webm", ".mp3",
];

const ANALYTICS_HOSTS: &[&str] = &[
    "google-analytics.com",
    "googletagmanager.com",
    "doubleclick.net",
    "segment.io",
    "segment.com",
    "hotjar.com",
    "mixpanel.com",
    "nr-data.net",
    "sentry.io",
    "clarity.ms",
    "plausible.io",
    "amplitude.com",
    "fullstory.com",
];

#[cfg(test)]
mod tests {
    use super::on_host;

    #[test]
    fn analytics_hosts_match_on_a_dot_boundary() {
        assert!(on_host("sentry.io", "sentry.io"));
        assert!(on_host("o1.ingest.sentry.io:443", "sentry.io"));
        assert!(on_host("user@sentry.io", "sentry.io"));
        assert!(!on_host("notsentry.io", "sentry.io"));
        assert!(!on_host("notsentry.io:8080", "sentry.io"));
        assert!(!on_host("sentry.io.example.com", "sentry.io"));
    }
}
