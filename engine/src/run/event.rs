//! A run as a stream of events: the one thing front-ends and reporters
//! consume (the console, the JSON and JUnit reports, and whatever comes
//! next), so none of them reaches into the runner. Text in events has been
//! through the redaction layer.

use std::sync::Arc;
use std::time::Duration;

use crate::report::{SpecReport, StepReport};
use crate::run::request::Prepared;
use crate::run::response::Response;

/// Something that happened, `elapsed` after the invocation started.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub elapsed: Duration,
    /// The spec it belongs to: its name, or `parent › step` inside a
    /// sub-workflow; empty for [`EventKind::RunFinished`].
    pub spec: &'a str,
    pub kind: EventKind<'a>,
}

#[derive(Debug, Clone, Copy)]
pub enum EventKind<'a> {
    /// A spec starts, with how many steps (main and cleanup) it has.
    SpecStarted {
        steps: usize,
    },
    StepStarted {
        step: &'a str,
    },
    /// A line about a running step, such as a wait before a retry (`-v`).
    Note {
        text: &'a str,
    },
    /// A request and response dump (`-v`), sent when its spec ends so that
    /// a secret learned later is masked in it too.
    Dump {
        text: &'a str,
    },
    /// A request sent and the response it got, as they were: not redacted
    /// yet (the HAR report masks them once the run is over).
    Exchange(Exchange<'a>),
    StepFinished(&'a StepReport),
    SpecFinished(&'a SpecReport),
    /// Every spec of the invocation has finished.
    RunFinished {
        reports: &'a [SpecReport],
    },
}

/// One request of a step and its response.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    pub step: &'a str,
    pub title: Option<&'a str>,
    /// From sending the request to the end of the response body.
    pub time: Duration,
    pub request: &'a Prepared,
    pub response: &'a Response,
}

/// Receives events; shared by every task of a run, so it takes `&self`.
pub trait EventSink: Send + Sync {
    fn event(&self, event: &Event<'_>);
}

/// Ignores everything.
pub struct Silent;

impl EventSink for Silent {
    fn event(&self, _: &Event<'_>) {}
}

/// Hands each event to several sinks, in order.
pub struct Fanout(pub Vec<Arc<dyn EventSink>>);

impl EventSink for Fanout {
    fn event(&self, event: &Event<'_>) {
        for sink in &self.0 {
            sink.event(event);
        }
    }
}
