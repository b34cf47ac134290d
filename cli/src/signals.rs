//! SIGINT (Ctrl-C) and SIGTERM (CI runners, `timeout`, `kill`) during
//! `caseflow run`. The first stops the running steps; cleanup, the summary
//! and the reports follow, and the exit code is 128 + the signal (130, 143).
//! The second abandons cleanup. A third, or a run still going
//! [`GRACE`] after the second, exits at once.
//!
//! Signals are received on a thread of their own with its own runtime, so
//! they are seen even while every worker of the run is busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use caseflow::run::Cancel;

/// How long the run may take to stop after the second signal.
const GRACE: Duration = Duration::from_secs(10);

/// What was received; cloned into the listener thread.
#[derive(Clone, Default)]
pub struct Signals {
    first: Arc<AtomicI32>,
}

impl Signals {
    /// The exit code for an interrupted run: 128 + the first signal's number.
    pub fn exit_code(&self) -> Option<i32> {
        match self.first.load(Ordering::SeqCst) {
            0 => None,
            n => Some(128 + n),
        }
    }
}

/// Starts listening. `say` prints a line for the user (above progress bars).
/// Returns once the handlers are installed; without them (no signal
/// support) the default behaviour stays.
pub fn listen(cancel: Cancel, say: impl Fn(&str) + Send + 'static) -> Signals {
    let signals = Signals::default();
    let first = signals.first.clone();
    let (ready, installed) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let Ok(runtime) = runtime else {
                let _ = ready.send(());
                return;
            };
            runtime.block_on(receive(cancel, first, say, ready));
        });
    if spawned.is_ok() {
        let _ = installed.recv_timeout(Duration::from_secs(5));
    }
    signals
}

#[cfg(unix)]
async fn receive(
    cancel: Cancel,
    first: Arc<AtomicI32>,
    say: impl Fn(&str),
    ready: std::sync::mpsc::Sender<()>,
) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        let _ = ready.send(());
        return;
    };
    let _ = ready.send(());
    let mut received = 0;
    loop {
        let (number, name) = tokio::select! {
            Some(()) = int.recv() => (2, "SIGINT"),
            Some(()) = term.recv() => (15, "SIGTERM"),
            else => return,
        };
        received += 1;
        let _ = first.compare_exchange(0, number, Ordering::SeqCst, Ordering::SeqCst);
        let code = 128 + first.load(Ordering::SeqCst);
        cancel.raise();
        match received {
            1 => say(&format!(
                "{name}: stopping running steps, then cleanup, the summary and the reports \
                 (a second signal abandons cleanup)"
            )),
            2 => {
                say(&format!(
                    "{name} again: abandoning cleanup (a third signal exits at once)"
                ));
                std::thread::spawn(move || {
                    std::thread::sleep(GRACE);
                    eprintln!(
                        "caseflow: still running {}s after the second signal: exiting",
                        GRACE.as_secs()
                    );
                    std::process::exit(code);
                });
            }
            _ => {
                eprintln!("{name} a third time: exiting now, without a summary or reports");
                std::process::exit(code);
            }
        }
    }
}

#[cfg(not(unix))]
async fn receive(
    cancel: Cancel,
    first: Arc<AtomicI32>,
    say: impl Fn(&str),
    ready: std::sync::mpsc::Sender<()>,
) {
    let _ = ready.send(());
    let mut received = 0;
    while tokio::signal::ctrl_c().await.is_ok() {
        received += 1;
        let _ = first.compare_exchange(0, 2, Ordering::SeqCst, Ordering::SeqCst);
        cancel.raise();
        match received {
            1 => {
                say("Ctrl-C: stopping running steps, then cleanup (Ctrl-C again abandons cleanup)")
            }
            2 => say("Ctrl-C again: abandoning cleanup"),
            _ => std::process::exit(130),
        }
    }
}
