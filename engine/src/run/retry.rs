//! Retry policy: which failures are transient, whether a request may be sent
//! again, and how long to wait.

use std::time::Duration;

use rand::Rng;

use crate::spec::model::{Retry, RetryOn};

const DEFAULT_BACKOFF: Duration = Duration::from_millis(200);
const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct Policy {
    pub attempts: u32,
    pub backoff: Duration,
    pub max_backoff: Duration,
    pub on: Vec<RetryOn>,
    /// `on` was written in the spec: it also allows repeating requests that
    /// are not idempotent.
    pub explicit: bool,
    /// Every wait is `backoff`: no doubling, no jitter.
    pub fixed: bool,
}

impl Policy {
    /// One attempt, nothing retried.
    pub fn none() -> Self {
        Self::from_spec(None)
    }

    pub fn from_spec(retry: Option<&Retry>) -> Self {
        let default_on = vec![
            RetryOn::ServerError,
            RetryOn::TOO_MANY_REQUESTS,
            RetryOn::Connect,
        ];
        match retry {
            None => Self {
                attempts: 1,
                backoff: DEFAULT_BACKOFF,
                max_backoff: DEFAULT_MAX_BACKOFF,
                on: default_on,
                explicit: false,
                fixed: false,
            },
            Some(Retry::Attempts(n)) => Self {
                attempts: (*n).max(1),
                ..Self::from_spec(None)
            },
            Some(Retry::Policy(p)) => Self {
                attempts: p.attempts.max(1),
                backoff: p.backoff.map_or(DEFAULT_BACKOFF, |d| d.0),
                max_backoff: p.max_backoff.map_or(DEFAULT_MAX_BACKOFF, |d| d.0),
                explicit: !p.on.is_empty(),
                fixed: p.fixed,
                on: if p.on.is_empty() {
                    default_on
                } else {
                    p.on.clone()
                },
            },
        }
    }

    /// Is this failure of a request with this method worth another attempt?
    ///
    /// A request that may have reached the server is sent again only when
    /// its method is idempotent or the spec's `on` names the failure: a
    /// repeated POST can create a second resource. A connection that was
    /// never made, a 429 and a 503 mean the server did not act on it.
    pub fn retries(&self, failure: Failure, method: &str) -> bool {
        let kind = match failure {
            Failure::NotSent | Failure::Transport => RetryOn::Connect,
            Failure::Status(s) if self.on.contains(&RetryOn::Status(s)) => RetryOn::Status(s),
            Failure::Status(s) if s >= 500 => RetryOn::ServerError,
            Failure::Status(_) => return false,
            Failure::Expectation => RetryOn::Expectation,
        };
        if !self.on.contains(&kind) {
            return false;
        }
        let not_acted_on = matches!(
            failure,
            Failure::NotSent | Failure::Status(429) | Failure::Status(503)
        );
        not_acted_on || is_idempotent(method) || self.explicit
    }

    /// Why a failure the policy lists was not retried, when the method is
    /// the reason: said in the step's failure, so the fix is one edit away.
    pub fn held_back(&self, failure: Failure, method: &str) -> Option<String> {
        let kind = match failure {
            Failure::NotSent | Failure::Transport => "connect",
            Failure::Status(429) => "429",
            Failure::Status(s) if s >= 500 => "5xx",
            _ => return None,
        };
        (self.attempts > 1 && !self.retries(failure, method) && {
            let mut listed = self.clone();
            listed.explicit = true;
            listed.retries(failure, method)
        })
        .then(|| {
            format!(
                "not retried: {method} is not idempotent and the request may have reached the server (`retry.on: [{kind}]` retries it anyway)"
            )
        })
    }

    /// The wait before attempt `attempt + 1` (`attempt` starts at 1):
    /// exponential with jitter, or the server's `Retry-After` when it asks
    /// for longer, never more than `max_backoff`.
    pub fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Wait {
        if self.fixed {
            return match retry_after {
                Some(asked) if asked > self.backoff => Wait {
                    duration: asked.min(self.max_backoff),
                    reason: "Retry-After".into(),
                },
                _ => Wait {
                    duration: self.backoff,
                    reason: "backoff".into(),
                },
            };
        }
        let exp = self
            .backoff
            .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16));
        let capped = exp.min(self.max_backoff);
        // Jitter in [50%, 100%] keeps concurrent retries from marching in step.
        let jittered = capped.mul_f64(rand::rng().random_range(0.5..=1.0));
        match retry_after {
            Some(asked) if asked > self.max_backoff => Wait {
                duration: self.max_backoff,
                reason: format!(
                    "Retry-After {}, capped by max_backoff {}",
                    seconds(asked),
                    seconds(self.max_backoff)
                ),
            },
            Some(asked) if asked >= jittered => Wait {
                duration: asked,
                reason: "Retry-After".into(),
            },
            _ => Wait {
                duration: jittered,
                reason: "backoff".into(),
            },
        }
    }
}

/// How long to wait before the next attempt, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    pub duration: Duration,
    pub reason: String,
}

/// A failure a retry policy can react to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Failure {
    /// No connection was made: the request cannot have reached the server.
    NotSent,
    /// The request was (or may have been) sent, then the exchange broke: a
    /// timeout, a reset, a truncated body.
    Transport,
    Status(u16),
    Expectation,
}

/// Methods whose repetition has the effect of one request (RFC 9110 9.2.2).
pub fn is_idempotent(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "TRACE"
    )
}

/// `3s`, `1.5s`, `250ms`.
pub fn seconds(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let format = time::format_description::well_known::Rfc2822;
    let when = time::OffsetDateTime::parse(value, &format).ok()?;
    let wait = when - time::OffsetDateTime::now_utc();
    Some(Duration::from_secs_f64(wait.as_seconds_f64().max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(on: Vec<RetryOn>, explicit: bool) -> Policy {
        Policy {
            attempts: 5,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            on,
            explicit,
            fixed: false,
        }
    }

    #[test]
    fn a_fixed_backoff_neither_doubles_nor_jitters() {
        let mut p = policy(vec![], false);
        p.fixed = true;
        for attempt in 1..5 {
            assert_eq!(p.wait(attempt, None).duration, Duration::from_millis(100));
        }
        let asked = p.wait(1, Some(Duration::from_millis(200))).duration;
        assert_eq!(asked, Duration::from_millis(200));
        let capped = p.wait(1, Some(Duration::from_secs(9))).duration;
        assert_eq!(capped, Duration::from_millis(300));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_cap() {
        let p = policy(vec![], false);
        let d1 = p.wait(1, None).duration;
        assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
        let d3 = p.wait(3, None).duration;
        assert!(d3 >= Duration::from_millis(150) && d3 <= Duration::from_millis(300));
    }

    #[test]
    fn retry_after_is_honoured_up_to_max_backoff() {
        let mut p = policy(vec![], false);
        p.max_backoff = Duration::from_secs(5);
        let w = p.wait(1, Some(Duration::from_secs(2)));
        assert_eq!(w.duration, Duration::from_secs(2));
        assert_eq!(w.reason, "Retry-After");
        let w = p.wait(1, Some(Duration::from_secs(3600)));
        assert_eq!(w.duration, Duration::from_secs(5));
        assert_eq!(w.reason, "Retry-After 3600s, capped by max_backoff 5s");
        assert_eq!(p.wait(1, Some(Duration::ZERO)).reason, "backoff");
    }

    #[test]
    fn only_idempotent_requests_are_repeated_after_they_may_have_arrived() {
        let defaults = Policy::from_spec(Some(&Retry::Attempts(3)));
        assert!(defaults.retries(Failure::NotSent, "POST"));
        assert!(defaults.retries(Failure::Status(503), "POST"));
        assert!(defaults.retries(Failure::Status(429), "PATCH"));
        assert!(!defaults.retries(Failure::Status(500), "POST"));
        assert!(!defaults.retries(Failure::Transport, "POST"));
        assert!(defaults.retries(Failure::Transport, "GET"));
        assert!(defaults.retries(Failure::Status(502), "DELETE"));
        assert!(!defaults.retries(Failure::Status(404), "GET"));
        assert!(!defaults.retries(Failure::Expectation, "GET"));
        assert_eq!(
            defaults.held_back(Failure::Status(500), "POST").as_deref(),
            Some(
                "not retried: POST is not idempotent and the request may have reached the server (`retry.on: [5xx]` retries it anyway)"
            )
        );
        assert_eq!(defaults.held_back(Failure::Status(500), "GET"), None);
        assert_eq!(Policy::none().held_back(Failure::Status(500), "POST"), None);
        let explicit = policy(vec![RetryOn::ServerError, RetryOn::Connect], true);
        assert!(explicit.retries(Failure::Status(500), "POST"));
        assert!(explicit.retries(Failure::Transport, "POST"));
        assert!(!explicit.retries(Failure::Status(429), "GET"));
    }

    #[test]
    fn parses_retry_after() {
        assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
        assert!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT").is_some());
        assert_eq!(retry_after("soon"), None);
    }
}
