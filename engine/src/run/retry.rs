//! Retry policy: which failures are transient, and how long to wait.

use std::time::Duration;

use rand::Rng;

use crate::spec::model::{Retry, RetryOn};

#[derive(Debug, Clone)]
pub struct Policy {
    pub attempts: u32,
    pub backoff: Duration,
    pub max_backoff: Duration,
    pub on: Vec<RetryOn>,
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
                backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(10),
                on: default_on,
            },
            Some(Retry::Attempts(n)) => Self {
                attempts: (*n).max(1),
                ..Self::from_spec(None)
            },
            Some(Retry::Policy(p)) => Self {
                attempts: p.attempts.max(1),
                backoff: p.backoff.map_or(Duration::from_millis(200), |d| d.0),
                max_backoff: p.max_backoff.map_or(Duration::from_secs(10), |d| d.0),
                on: if p.on.is_empty() {
                    default_on
                } else {
                    p.on.clone()
                },
            },
        }
    }

    /// Is a failure of this kind worth another attempt?
    pub fn retries(&self, failure: Transient) -> bool {
        let kind = match failure {
            Transient::Status(s) if self.on.contains(&RetryOn::Status(s)) => return true,
            Transient::Status(s) if s >= 500 => RetryOn::ServerError,
            Transient::Status(_) => return false,
            Transient::Connect => RetryOn::Connect,
            Transient::Expectation => RetryOn::Expectation,
        };
        self.on.contains(&kind)
    }

    /// Delay before attempt `attempt + 1` (`attempt` starts at 1): exponential
    /// with jitter, or the server's `Retry-After` when it asks for longer.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .backoff
            .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16));
        let capped = exp.min(self.max_backoff);
        // Jitter in [50%, 100%] keeps concurrent retries from marching in step.
        let jittered = capped.mul_f64(rand::rng().random_range(0.5..=1.0));
        match retry_after {
            Some(ra) => ra
                .max(jittered)
                .min(self.max_backoff.max(ra.min(Duration::from_secs(120)))),
            None => jittered,
        }
    }
}

/// A failure a retry policy can react to.
#[derive(Debug, Clone, Copy)]
pub enum Transient {
    Status(u16),
    Connect,
    Expectation,
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

    #[test]
    fn backoff_doubles_with_jitter_and_cap() {
        let p = Policy {
            attempts: 5,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            on: vec![],
        };
        let d1 = p.delay(1, None);
        assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
        let d3 = p.delay(3, None);
        assert!(d3 >= Duration::from_millis(150) && d3 <= Duration::from_millis(300));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn parses_retry_after() {
        assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
        assert!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT").is_some());
        assert_eq!(retry_after("soon"), None);
    }
}
