//! SIGINT and SIGTERM for the commands that start things: the first one cancels the work in
//! hand (which then cleans up) and decides the exit status, 130 or 143.

use std::future::Future;

use anyhow::{Context as _, Result};
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::runtime::Canceller;

/// Listens for SIGINT and SIGTERM; remembers the first one received.
pub(crate) struct Signals {
    interrupt: Signal,
    terminate: Signal,
    first: Option<u8>,
}

impl Signals {
    /// Starts listening; needs a tokio runtime.
    pub(crate) fn listen() -> Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt()).context("failed to listen for SIGINT")?,
            terminate: signal(SignalKind::terminate()).context("failed to listen for SIGTERM")?,
            first: None,
        })
    }

    /// The exit status of the first signal received: 130 for SIGINT, 143 for SIGTERM (130 when
    /// none was, for work that was cancelled otherwise).
    pub(crate) fn exit_code(&self) -> u8 {
        self.first.unwrap_or(130)
    }

    /// Resolves on the next signal.
    pub(crate) async fn next(&mut self) {
        let code = tokio::select! {
            _ = self.interrupt.recv() => 130,
            _ = self.terminate.recv() => 143,
        };
        self.first.get_or_insert(code);
    }

    /// Drives `work` to its end, firing `canceller` at each signal meanwhile, so that the work
    /// stops early and cleans up after itself.
    pub(crate) async fn cancelling<F: Future>(
        &mut self,
        work: F,
        canceller: &Canceller,
    ) -> F::Output {
        tokio::pin!(work);
        loop {
            tokio::select! {
                output = &mut work => return output,
                () = self.next() => canceller.cancel(),
            }
        }
    }
}
