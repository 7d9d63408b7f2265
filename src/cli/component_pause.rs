//! `seldon-local component pause` (hidden): the pod sandbox. It owns the pod's network
//! namespace, as Kubernetes' pause container does, and waits for SIGTERM or SIGINT; as PID 1
//! of its container it must handle them itself.

use anyhow::{Context as _, Result};
use tokio::signal::unix::{SignalKind, signal};

use super::ExitStatus;

pub(crate) fn run() -> Result<ExitStatus> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    runtime.block_on(async {
        let mut terminate =
            signal(SignalKind::terminate()).context("failed to listen for SIGTERM")?;
        let mut interrupt =
            signal(SignalKind::interrupt()).context("failed to listen for SIGINT")?;
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        Ok(ExitStatus::Success)
    })
}
