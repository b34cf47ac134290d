//! Wall-clock helpers: epoch seconds for tokens, ISO-8601 strings for resources.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::macros::format_description;

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `2024-01-01T00:00:00.000Z` for the current instant.
pub fn iso_now() -> String {
    format_iso(OffsetDateTime::now_utc())
}

/// `2024-01-01T00:00:00.000Z` for an epoch second.
pub fn iso_at(secs: u64) -> String {
    let at = OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(0))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format_iso(at)
}

fn format_iso(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}

/// Epoch seconds of an ISO-8601 (RFC 3339) instant such as a resource's `createdAt`.
pub fn parse_iso(text: &str) -> Option<u64> {
    let at = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    u64::try_from(at.unix_timestamp()).ok()
}

/// Nanoseconds since the epoch of an RFC 3339 instant, for ordering instants of any precision.
pub fn parse_instant(text: &str) -> Option<i128> {
    let at = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(at.unix_timestamp_nanos())
}
