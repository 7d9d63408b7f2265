//! `seldon-local logs`: the containers' logs, merged, each line prefixed with its container
//! (and its deployment when several show), from whichever runtime runs the deployment.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use futures_util::StreamExt as _;

use super::args::{LogsArgs, Since};
use super::deployments::{self, Deployment, Runtime};
use super::docker::{block_on, connect};
use super::embedded::LogRequest;
use super::{Context, ExitStatus};
use crate::output::log_prefix;
use crate::runtime::docker::{DockerApi as _, LogOptions, Selector};

pub(crate) fn run(args: &LogsArgs, ctx: &Context) -> Result<ExitStatus> {
    if args.requests {
        return super::requests::run(
            args.name.as_deref(),
            args.follow,
            args.output == super::args::RequestsFormat::Json,
            ctx,
        );
    }
    let shown: Vec<Deployment> = match &args.name {
        Some(name) => vec![deployments::one(Some(name))?],
        None => deployments::all()?,
    };
    if shown.is_empty() {
        bail!(deployments::NotRunning {
            name: String::new(),
            running: Vec::new(),
        });
    }
    let since = args.since.map(|since| match since {
        Since::At(at) => at,
        Since::Ago(seconds) => now().saturating_sub(seconds),
    });
    let with_deployment = shown.len() > 1;
    let mut request = LogRequest {
        container: args.container.as_deref(),
        tail: args.tail,
        follow: args.follow,
        since,
        timestamps: args.timestamps,
        with_deployment,
        width: 0,
    };
    let embedded: Vec<&Deployment> = shown
        .iter()
        .filter(|d| d.runtime == Runtime::Embedded)
        .collect();
    request.width = embedded
        .iter()
        .map(|d| super::embedded::label_width(&d.name, &request))
        .max()
        .unwrap_or(0);
    let docker: Vec<&Deployment> = shown
        .iter()
        .filter(|d| d.runtime == Runtime::Docker)
        .collect();
    std::thread::scope(|scope| -> Result<ExitStatus> {
        // Embedded files are polled; each followed deployment gets a thread of its own.
        let mut followers = Vec::new();
        for deployment in &embedded {
            if args.follow && (embedded.len() > 1 || !docker.is_empty()) {
                let request = &request;
                followers.push(
                    scope.spawn(move || super::embedded::logs(&deployment.name, request, ctx)),
                );
            } else {
                super::embedded::logs(&deployment.name, &request, ctx)?;
            }
        }
        if !docker.is_empty() {
            let selector = match &args.name {
                Some(name) => Selector::Deployment(name.clone()),
                None => Selector::All,
            };
            docker_logs(&selector, args, since, with_deployment, ctx)?;
        }
        for follower in followers {
            follower
                .join()
                .map_err(|_| anyhow::anyhow!("a log follower failed"))??;
        }
        Ok(ExitStatus::Success)
    })
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Docker's side: one task per container, re-attached when `-f` sees the container restart.
fn docker_logs(
    selector: &Selector,
    args: &LogsArgs,
    since: Option<u64>,
    with_deployment: bool,
    ctx: &Context,
) -> Result<()> {
    let options = LogOptions {
        follow: args.follow,
        tail: args.tail,
        since: since.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
        timestamps: args.timestamps,
    };
    block_on(async {
        let runtime = std::sync::Arc::new(connect(ctx).await?);
        let sources = runtime
            .logs(selector, args.container.as_deref(), &options)
            .await?;
        if sources.is_empty() {
            match &args.name {
                Some(name) => bail!("no containers of `{name}` found"),
                None => return Ok(()),
            }
        }
        let labels: Vec<String> = sources
            .iter()
            .map(|s| {
                let container = match s.container.split_once('@') {
                    Some((name, pod)) => {
                        format!("{name}@{}", super::ps::short_pod(&s.deployment, pod))
                    }
                    None => s.container.clone(),
                };
                if with_deployment {
                    format!("{}/{container}", s.deployment)
                } else {
                    container
                }
            })
            .collect();
        let width = labels.iter().map(String::len).max().unwrap_or(0);
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<Result<String>>();
        for (index, (source, label)) in sources.into_iter().zip(labels).enumerate() {
            let sender = sender.clone();
            let runtime = std::sync::Arc::clone(&runtime);
            let mut options = options.clone();
            tokio::spawn(async move {
                let prefix = log_prefix(&label, index, width);
                let mut lines = source.lines;
                loop {
                    while let Some(line) = lines.next().await {
                        let item = line
                            .map(|l| format!("{prefix}{}", l.text))
                            .map_err(anyhow::Error::new);
                        if sender.send(item).is_err() {
                            return;
                        }
                    }
                    if !options.follow || !restarts(&runtime, &source.name).await {
                        return;
                    }
                    // The same container again, from where its new run starts.
                    options.tail = None;
                    options.since = i64::try_from(now()).ok().map(|n| n - 1);
                    lines = runtime.api().logs(&source.name, &options);
                }
            });
        }
        drop(sender);
        while let Some(line) = receiver.recv().await {
            ctx.printer.data(&line?);
        }
        Ok(())
    })
}

/// Whether a container whose log stream ended is running again, or about to (a restart
/// policy): waits for it for a while.
async fn restarts(
    runtime: &crate::runtime::docker::DockerRuntime<crate::runtime::docker::BollardApi>,
    name: &str,
) -> bool {
    for attempt in 0..100 {
        match runtime.api().inspect_container(name).await {
            Ok(state) if state.running => return true,
            Ok(state) if state.status == "restarting" || state.status == "created" => {}
            // `docker restart` and a restart policy pass through `exited` between the stop and
            // the start: give the start two seconds before calling the container gone.
            Ok(state) if state.status == "exited" && attempt < 20 => {}
            _ => return false,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
