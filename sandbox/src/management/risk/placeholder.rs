//! `${...}` placeholders of risk conditions: `${event.ip}` / `${transaction.ip}` name the
//! evaluated event, `${details.anonymousNetworkDetected}` or `${details.<predictor>.level}`
//! a predictor's outcome.

use serde_json::{Map, Value};

use crate::management::crud;

/// Where a placeholder points.
#[derive(Debug, PartialEq, Eq)]
pub enum Source<'a> {
    /// A path into the event (`ip`, `user.id`, `targetResource.name`).
    Event(&'a str),
    /// A path into the evaluation's details (`anonymousNetworkDetected`, `myPredictor.level`).
    Details(&'a str),
}

pub fn parse(text: &str) -> Option<Source<'_>> {
    let inner = text.trim().strip_prefix("${")?.strip_suffix('}')?;
    if let Some(path) = inner
        .strip_prefix("event.")
        .or_else(|| inner.strip_prefix("transaction."))
    {
        return (!path.is_empty()).then_some(Source::Event(path));
    }
    let path = inner.strip_prefix("details.")?;
    (!path.is_empty()).then_some(Source::Details(path))
}

/// The value a placeholder names, once the event and details are known.
pub fn resolve<'a>(
    text: &str,
    event: &'a Map<String, Value>,
    details: &'a Map<String, Value>,
) -> Option<&'a Value> {
    match parse(text)? {
        Source::Event(path) => crud::lookup(event, path),
        Source::Details(path) => crud::lookup(details, path),
    }
}

/// The predictor whose outcome `${details.<path>}` reads: the first path segment, past
/// `aggregatedScores.`/`aggregatedWeights.` (which name a predictor by its compact name).
pub fn details_subject(path: &str) -> &str {
    let path = path
        .strip_prefix("aggregatedScores.")
        .or_else(|| path.strip_prefix("aggregatedWeights."))
        .unwrap_or(path);
    path.split('.').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_name_the_event_or_the_details() {
        assert_eq!(parse("${transaction.ip}"), Some(Source::Event("ip")));
        assert_eq!(parse("${event.user.id}"), Some(Source::Event("user.id")));
        assert_eq!(
            parse("${details.ipRisk.level}"),
            Some(Source::Details("ipRisk.level"))
        );
        assert_eq!(parse("details.ipRisk"), None);
        assert_eq!(parse("${session.id}"), None);
        assert_eq!(details_subject("aggregatedWeights.ipRisk"), "ipRisk");
        assert_eq!(details_subject("geo.level"), "geo");
    }
}
