//! What the Docker commands share: the tokio runtime, the connection, the session id and the
//! rendering of runtime events.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;

use super::Context;
use crate::env;
use crate::output::{DownloadBars, LayerBars, Printer, init_prefix};
use crate::runtime::docker::{BollardApi, DockerRuntime};
use crate::runtime::{Events, ImageSource, RuntimeEvent};

/// The default Docker host.
const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

pub(crate) use super::block_on;

/// `DOCKER_HOST`, or the local socket.
pub(crate) fn docker_host() -> String {
    std::env::var(env::DOCKER_HOST)
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| DEFAULT_DOCKER_HOST.to_owned())
}

/// Whether a Docker daemon answers within two seconds (for `--runtime auto`).
pub(crate) fn daemon_answers() -> bool {
    block_on(async {
        let host = docker_host();
        let connect = BollardApi::connect(&host);
        Ok(matches!(
            tokio::time::timeout(std::time::Duration::from_secs(2), connect).await,
            Ok(Ok(_))
        ))
    })
    .unwrap_or(false)
}

/// A Docker runtime whose events are rendered on stderr.
pub(crate) async fn connect(ctx: &Context) -> Result<DockerRuntime<BollardApi>> {
    let api = BollardApi::connect(&docker_host()).await?;
    let binary = std::env::current_exe().ok();
    Ok(DockerRuntime::with_api(api, renderer(ctx.printer), binary))
}

/// A fresh session id: time and process id, enough to tell two `up`s apart.
pub(crate) fn session_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}-{:x}", nanos & 0xffff_ffff_ffff, std::process::id())
}

/// Events → stderr lines and pull bars.
fn renderer(printer: Printer) -> Events {
    let bars = Arc::new(LayerBars::new(&printer));
    let downloads = Arc::new(DownloadBars::new(&printer));
    with_download_bars(downloads.clone(), move |event| match event {
        RuntimeEvent::Replacing { deployment } => {
            printer.status(
                "replacing",
                format!("`{deployment}`: removing the running one first"),
            );
        }
        RuntimeEvent::BuildingImage { image } => {
            printer.status("building", format!("`{image}` from this binary"));
        }
        RuntimeEvent::ImageChosen {
            container,
            image,
            source,
            reason,
        } => {
            let source = match source {
                ImageSource::Upstream => "upstream",
                ImageSource::Builtin => "builtin",
            };
            match reason {
                Some(reason) => printer.status(
                    "image",
                    format!("`{container}`: {source} `{image}` ({reason})"),
                ),
                None => printer.status("image", format!("`{container}`: {source} `{image}`")),
            }
        }
        RuntimeEvent::Pull {
            image,
            layer,
            status,
            current,
            total,
        } => bars.update(&image, layer.as_deref(), &status, current, total),
        RuntimeEvent::Created { kind, name } => {
            printer.note(format!("created {kind} `{name}`"));
        }
        RuntimeEvent::InitStarted { container } => {
            bars.clear();
            printer.status("init", format!("`{container}`"));
        }
        // The blank line an error puts before its hint says nothing behind a prefix.
        RuntimeEvent::InitLog { line, .. } if line.trim().is_empty() => {}
        RuntimeEvent::InitLog { container, line } => {
            // The cause of a failure shows even under `-q`: the error below does not repeat it.
            let text = format!("{}{line}", init_prefix(&container));
            if line.starts_with("error: ") || line.starts_with("hint: ") {
                printer.raw_stderr(&format!("{text}\n"));
            } else {
                printer.line(text);
            }
        }
        RuntimeEvent::Download {
            container,
            progress,
        } => downloads.update(
            &container,
            progress.bytes,
            progress.total,
            progress.files_done,
            progress.files,
        ),
        RuntimeEvent::InitDone { container } => {
            printer.status("done", format!("`{container}`"));
        }
        RuntimeEvent::Preparing { container, line } => {
            printer.line(format!("{container} | {line}"));
        }
        RuntimeEvent::Started { container } => printer.status("started", format!("`{container}`")),
        RuntimeEvent::Waiting { container, probe } => {
            printer.status("waiting", format!("for `{container}` ({probe})"));
        }
        RuntimeEvent::Ready { container } => printer.status("ready", format!("`{container}`")),
        RuntimeEvent::Warning { message } => printer.warning(message),
        RuntimeEvent::Removed { kind, name } => printer.note(format!("removed {kind} `{name}`")),
    })
}

/// Events handed to `render`, with every download bar removed first when anything else is
/// said (done, a log line, a failure), so bars and lines never overlap.
pub(crate) fn with_download_bars(
    downloads: Arc<DownloadBars>,
    render: impl Fn(RuntimeEvent) + Send + Sync + 'static,
) -> Events {
    Events::new(move |event| {
        if !matches!(event, RuntimeEvent::Download { .. }) {
            downloads.clear();
        }
        render(event);
    })
}
