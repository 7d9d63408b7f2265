//! The embedded runtime's commands: `up --runtime embedded` in the foreground or detached
//! (`-d`), and its side of `ps`, `logs` and `down`. State lives under the user's state
//! directory (`SELDON_LOCAL_STATE_DIR`, else `$XDG_STATE_HOME/seldon-local/embedded`, else
//! `~/.local/state/seldon-local/embedded`): one directory per deployment with `state.json`,
//! `logs/<container>.log` and the volumes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

use super::args::UpArgs;
use super::launch::InProcess;
use super::signals::Signals;
use super::{Context, ExitStatus};
use crate::env;
use crate::output::{DownloadBars, log_prefix};
use crate::plan::Plan;
use crate::runtime::docker::PsRow;
use crate::runtime::embedded::state::{self, StateFile};
use crate::runtime::embedded::{self, EmbeddedOptions};
use crate::runtime::{Cancel, Events, Running, RuntimeError, RuntimeEvent};

/// Where embedded deployments keep their state.
pub(crate) fn state_root() -> PathBuf {
    if let Some(dir) = std::env::var_os(env::SELDON_LOCAL_STATE_DIR).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("seldon-local").join("embedded")
}

/// `up --runtime embedded`: detached, or serving in the foreground until Ctrl-C.
#[allow(clippy::too_many_lines)] // start, report, serve, stop: one sequence
pub(crate) fn up(
    args: &UpArgs,
    plans: &[Plan],
    base_dir: &Path,
    ctx: &Context,
) -> Result<ExitStatus> {
    let exec = exec_commands(args, plans)?;
    let names: Vec<&str> = plans.iter().map(|p| p.deployment.as_str()).collect();
    // Until every deployment is ready (or cleaned up), no other `up` of these names starts. The
    // background process of `up -d` runs under its parent's locks, which the parent holds until
    // it has seen it ready (or failing).
    let lifecycle = if args.detached_child {
        None
    } else {
        Some(super::lock::acquire(
            &names,
            Duration::from_secs(args.timeout),
            ctx,
        )?)
    };
    if !args.detached_child {
        replace_on_docker(plans, ctx)?;
    }
    if args.detach && !args.detached_child {
        let status = detach(args, plans, ctx);
        drop(lifecycle);
        return status;
    }
    let root = state_root();
    let logs = FileLogs::new(if args.detached_child {
        None
    } else {
        Some(ctx.clone())
    });
    // Per-connection traces would grow the files by a line per request: debug and above.
    let subscriber = tracing_subscriber::registry().with(
        logs.clone()
            .with_filter(tracing_subscriber::filter::LevelFilter::DEBUG),
    );
    // A second `up` in one process (tests) keeps the first subscriber; logs still reach files
    // through the layer it holds only if it is ours, so say nothing when it fails.
    let _ = tracing::subscriber::set_global_default(subscriber);
    // Held until this function returns, after every deployment of it has stopped and removed
    // its state: while a process holds one, it is that deployment's server (`down` proves it so).
    let mut server_locks = Vec::new();
    super::block_on(async {
        let mut signals = Signals::listen()?;
        let (canceller, cancel) = Cancel::new();
        let events = renderer(ctx);
        let launcher: Arc<dyn embedded::Launcher> = Arc::new(InProcess {
            ctx: ctx.clone(),
            events: events.clone(),
            local_hops: std::env::var_os(env::SELDON_LOCAL_SOCKET_HOPS)
                .is_none_or(|v| v.is_empty()),
        });
        let mut running = Vec::new();
        let mut deployments: Vec<(embedded::Embedded, PathBuf)> = Vec::new();
        for plan in plans {
            let dir = state::deployment_dir(&root, &plan.deployment);
            stop_existing(&dir, ctx)?;
            let session = super::docker::session_id();
            server_locks
                .push(state::claim_server(&dir, &session).with_context(|| {
                    format!("failed to start deployment `{}`", plan.deployment)
                })?);
            logs.open(&dir, plan)?;
            let options = EmbeddedOptions {
                dir: dir.clone(),
                base_dir: base_dir.to_owned(),
                timeout: Duration::from_secs(args.timeout),
                session,
                exec: exec.clone(),
                python: Some(super::prepare::settings(
                    &args.python,
                    args.sdep.seldon_version.as_str(),
                )),
            };
            let started = Instant::now();
            let up = embedded::up(plan, Arc::clone(&launcher), &options, &events, &cancel);
            let result = signals.cancelling(up, &canceller).await;
            let mut deployment = match result {
                Ok(deployment) => deployment,
                Err(RuntimeError::Interrupted) => {
                    for (deployment, dir) in deployments {
                        stop(deployment, &dir, &events).await;
                    }
                    ctx.printer
                        .status("interrupted", format!("`{}` was stopped", plan.deployment));
                    return Ok(ExitStatus::Signal(signals.exit_code()));
                }
                Err(error) => {
                    for (deployment, dir) in deployments {
                        stop(deployment, &dir, &events).await;
                    }
                    return Err(anyhow::Error::new(error)
                        .context(format!("failed to start deployment `{}`", plan.deployment)));
                }
            };
            ctx.printer.status(
                "ready",
                format!(
                    "`{}` in {:.3}s (embedded)",
                    plan.deployment,
                    started.elapsed().as_secs_f64()
                ),
            );
            super::ingress::publish(
                plan,
                &mut deployment.running,
                "embedded",
                args.ingress_port,
                ctx,
            );
            super::up::finish_predict(&mut deployment.running, &args.sdep.file);
            state::write(&dir, &state_of(plan, &deployment, &args.sdep.file))?;
            running.push(deployment.running.clone());
            deployments.push((deployment, dir));
        }
        // Ready, and the state written: another `up` of these names may replace them now.
        drop(lifecycle);
        super::up::print_running(&running, args.output, ctx)?;
        if !args.detached_child {
            ctx.printer
                .status("serving", "in the foreground; Ctrl-C stops it");
        }
        let (stop_all, stopped) = Cancel::new();
        let mut failure = None;
        {
            let serve_all = async {
                let mut serving = Vec::new();
                for (deployment, _) in &mut deployments {
                    serving.push(deployment.serve(&stopped));
                }
                futures_util::future::select_all(serving.into_iter().map(Box::pin))
                    .await
                    .0
            };
            tokio::pin!(serve_all);
            tokio::select! {
                result = &mut serve_all => failure = result.err(),
                () = signals.next() => stop_all.cancel(),
            }
        }
        for (deployment, dir) in deployments {
            stop(deployment, &dir, &events).await;
        }
        if let Some(error) = failure {
            return Err(anyhow::Error::new(error).context("a deployment stopped"));
        }
        ctx.printer
            .status("stopped", "every container of the deployment");
        Ok(ExitStatus::Success)
    })
}

/// A name is one deployment: the Docker one of that name makes way.
fn replace_on_docker(plans: &[Plan], ctx: &Context) -> Result<()> {
    if !super::docker::daemon_answers() {
        return Ok(());
    }
    let on_docker = super::docker::block_on(async {
        let runtime = super::docker::connect(ctx).await?;
        Ok(runtime.deployments().await?)
    })?;
    for plan in plans {
        if on_docker.contains(&plan.deployment) {
            ctx.printer.status(
                "replacing",
                format!(
                    "`{}` (docker) by the embedded deployment of that name",
                    plan.deployment
                ),
            );
            super::down::docker_down(
                &crate::runtime::docker::Selector::Deployment(plan.deployment.clone()),
                ctx,
            )?;
        }
    }
    Ok(())
}

async fn stop(deployment: embedded::Embedded, dir: &Path, events: &Events) {
    super::ingress::remove_record(&deployment.running.deployment);
    deployment.down(events, Duration::from_secs(10)).await;
    if let Err(error) = state::remove(dir) {
        events.emit(RuntimeEvent::Warning {
            message: format!("{error:#}"),
        });
    }
}

fn state_of(plan: &Plan, deployment: &embedded::Embedded, source: &Path) -> StateFile {
    StateFile {
        deployment: plan.deployment.clone(),
        session: deployment.running.session.clone(),
        pid: std::process::id(),
        pid_start: state::process_start(std::process::id()),
        source: std::path::absolute(source).unwrap_or_else(|_| source.to_owned()),
        protocol: plan.protocol.clone(),
        graph_roots: plan
            .predictors
            .iter()
            .map(|p| (p.name.clone(), p.graph_root.clone()))
            .collect(),
        endpoints: deployment.running.endpoints.clone(),
        predict_command: deployment.running.predict_command.clone(),
        predict_url: deployment.running.predict_url.clone(),
        curl_command: deployment.running.curl_command.clone(),
        containers: deployment.container_states(),
    }
}

/// `--exec` as a map, each name checked against the containers of the plans.
fn exec_commands(args: &UpArgs, plans: &[Plan]) -> Result<BTreeMap<String, String>> {
    let mut containers: Vec<&str> = Vec::new();
    for container in plans
        .iter()
        .flat_map(|p| &p.pods)
        .flat_map(crate::plan::Pod::all_containers)
    {
        if !containers.contains(&container.name.as_str()) {
            containers.push(&container.name);
        }
    }
    let mut exec = BTreeMap::new();
    for (container, command) in &args.exec {
        if !containers.contains(&container.as_str()) {
            let names: Vec<String> = containers.iter().map(|c| format!("`{c}`")).collect();
            bail!(
                "`--exec {container}=...`: no container `{container}` in `{}`; its containers \
                 are {}",
                args.sdep.file.display(),
                names.join(", ")
            );
        }
        if exec.insert(container.clone(), command.clone()).is_some() {
            bail!("`--exec {container}=...` is given twice");
        }
    }
    Ok(exec)
}

/// What stopping a deployment found and did.
#[derive(Debug, Default)]
struct Stopped {
    /// The processes that held its server lock, stopped.
    servers: Vec<u32>,
    /// The process groups of its `--exec` commands that outlived their server, stopped.
    commands: Vec<u32>,
    /// A live pid `state.json` names that is not the server (the pid was reused), left alone.
    left_alone: Option<u32>,
}

/// Stops what serves the deployment in `dir`, proving each process ours before every signal:
/// the process that holds its server lock (whatever pid `state.json` names), then the commands
/// of its session (their env carries the marker), found by the state's pids and by scanning
/// `/proc`, so a damaged or missing state file still stops everything.
fn stop_deployment(dir: &Path, state: Option<&StateFile>) -> Stopped {
    let me = std::process::id();
    let servers: Vec<u32> = state::servers(dir)
        .into_iter()
        .filter(|pid| *pid != me)
        .collect();
    for pid in &servers {
        terminate_server(*pid, dir, Duration::from_secs(15));
    }
    let left_alone = state
        .map(|s| s.pid)
        .filter(|pid| *pid != me && !servers.contains(pid) && state::is_alive(*pid));
    let session = state
        .map(|s| s.session.clone())
        .or_else(|| state::lock_session(dir));
    let mut commands = Vec::new();
    if let Some(session) = session {
        let mut pids: Vec<u32> = state
            .iter()
            .flat_map(|s| &s.containers)
            .filter_map(|c| c.pid)
            .collect();
        pids.extend(embedded::process::session_groups(&session));
        pids.sort_unstable();
        pids.dedup();
        commands = embedded::process::stop_orphans(&pids, &session, Duration::from_secs(5));
    }
    Stopped {
        servers,
        commands,
        left_alone,
    }
}

/// Says what [`stop_deployment`] did beyond the ordinary.
fn report_stopped(deployment: &str, stopped: &Stopped, ctx: &Context) {
    if let Some(pid) = stopped.left_alone {
        ctx.printer.warning(format!(
            "pid {pid} in `{deployment}`'s state is not its server (that pid was reused by \
             another program); left alone"
        ));
    }
    if !stopped.commands.is_empty() {
        ctx.printer.status(
            "stopped",
            format!(
                "the local commands `{deployment}` left behind (process groups {})",
                stopped
                    .commands
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}

/// Stops the process serving an earlier `up` of the same deployment (`up` replaces).
fn stop_existing(dir: &Path, ctx: &Context) -> Result<()> {
    let existing = match state::read(dir) {
        Ok(existing) => existing,
        Err(error) => {
            ctx.printer.warning(format!(
                "{error:#}; stopping what it ran by its server lock and session"
            ));
            None
        }
    };
    let name = dir_name(dir);
    let servers = state::servers(dir);
    if let Some(pid) = servers.iter().find(|pid| **pid != std::process::id()) {
        ctx.printer
            .status("replacing", format!("`{name}` (pid {pid})"));
    }
    let stopped = stop_deployment(dir, existing.as_ref());
    report_stopped(&name, &stopped, ctx);
    state::remove(dir)?;
    Ok(())
}

/// Stops a deployment's server: SIGTERM, then SIGKILL after `grace`, each only while `pid`
/// still holds the deployment's server lock; returns once it let go of it and exited.
fn terminate_server(pid: u32, dir: &Path, grace: Duration) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let send = |signal: Signal| {
        if state::holds_server_lock(pid, dir)
            && let Ok(raw) = i32::try_from(pid)
        {
            let _ = kill(Pid::from_raw(raw), signal);
        }
    };
    send(Signal::SIGTERM);
    let deadline = Instant::now() + grace;
    while state::holds_server_lock(pid, dir) {
        if Instant::now() >= deadline {
            send(Signal::SIGKILL);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // It has let go of the lock; wait (bounded) for it to exit, as it may still be closing.
    let deadline = Instant::now() + Duration::from_secs(5);
    while running(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` runs (exists and is not a zombie).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// SIGTERM, then SIGKILL after `grace`; returns once the process is gone.
fn terminate(pid: u32, grace: Duration) -> Result<()> {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let pid_t = i32::try_from(pid).context("pid out of range")?;
    let _ = kill(Pid::from_raw(pid_t), Signal::SIGTERM);
    let deadline = Instant::now() + grace;
    while state::is_alive(pid) {
        if Instant::now() >= deadline {
            let _ = kill(Pid::from_raw(pid_t), Signal::SIGKILL);
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

/// `up -d`: the same command in a background process of ours; returns when it is ready.
#[allow(clippy::too_many_lines)] // start, pass the document, watch, report: one sequence
fn detach(args: &UpArgs, plans: &[Plan], ctx: &Context) -> Result<ExitStatus> {
    let root = state_root();
    let first = plans.first().context("no deployment to start")?;
    let dir = state::deployment_dir(&root, &first.deployment);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("failed to create `{}`", dir.display()))?;
    let log_path = dir.join("up.log");
    let log = File::create(&log_path)
        .with_context(|| format!("failed to create `{}`", log_path.display()))?;
    let exe = std::env::current_exe().context("failed to find this executable")?;
    let mut child_args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "-d" && a != "--detach")
        .collect();
    child_args.push("--detached-child".to_owned());
    // The document read from stdin goes to the background process through a pipe of its own.
    let stdin_text = if args.sdep.file == Path::new("-") {
        Some(super::pipeline::read_input(&args.sdep.file)?.0)
    } else {
        None
    };
    let mut child = std::process::Command::new(exe)
        .args(&child_args)
        .stdin(if stdin_text.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(log.try_clone().context("failed to share the log file")?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .context("failed to start the background process")?;
    if let (Some(text), Some(mut pipe)) = (stdin_text, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .context("failed to pass the document to the background process")?;
    }
    let deadline = Instant::now() + Duration::from_secs(args.timeout + 5);
    let mut shown = Foreground::new(ctx);
    loop {
        shown.tick(&log_path);
        if let Some(status) = child
            .try_wait()
            .context("failed to watch the background process")?
        {
            shown.clear();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = log
                .lines()
                .rev()
                .take(20)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            bail!(
                "the background `up` exited ({status}) before it was ready; its last lines:\n{}",
                tail.join("\n")
            );
        }
        let ready: Vec<StateFile> = plans
            .iter()
            .filter_map(|p| {
                state::read(&state::deployment_dir(&root, &p.deployment))
                    .ok()
                    .flatten()
            })
            .filter(|s| s.pid == child.id())
            .collect();
        if ready.len() == plans.len() {
            shown.clear();
            let running: Vec<Running> = ready
                .iter()
                .map(|s| Running {
                    deployment: s.deployment.clone(),
                    session: s.session.clone(),
                    endpoints: s.endpoints.clone(),
                    predict_command: s.predict_command.clone(),
                    predict_url: s.predict_url.clone(),
                    curl_command: s.curl_command.clone(),
                })
                .collect();
            ctx.printer.status(
                "ready",
                format!(
                    "in the background (pid {}); `seldon-local down {}` stops it",
                    child.id(),
                    plans
                        .iter()
                        .map(|p| p.deployment.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            );
            super::up::print_running(&running, args.output, ctx)?;
            return Ok(ExitStatus::Success);
        }
        if Instant::now() >= deadline {
            shown.clear();
            terminate(child.id(), Duration::from_secs(5))?;
            bail!(
                "the background `up` was not ready after {}s; see `{}`",
                args.timeout,
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What `up -d` shows while its background process starts: a spinner, replaced by the
/// download bars while the background process logs a model download.
struct Foreground<'a> {
    ctx: &'a Context,
    spinner: indicatif::ProgressBar,
    downloads: DownloadBars,
    tail: LogTail,
    downloading: bool,
}

impl<'a> Foreground<'a> {
    fn new(ctx: &'a Context) -> Self {
        Self {
            ctx,
            spinner: Self::spinner(ctx),
            downloads: DownloadBars::new(&ctx.printer),
            tail: LogTail::default(),
            downloading: false,
        }
    }

    fn spinner(ctx: &Context) -> indicatif::ProgressBar {
        ctx.printer.progress(None, "starting in the background")
    }

    /// Reads what the background process logged since the last tick and redraws.
    fn tick(&mut self, log: &Path) {
        for line in self.tail.new_lines(log) {
            let Some((container, rest)) = line.split_once(" | ") else {
                continue;
            };
            if let Some(p) = crate::components::storage::Snapshot::parse(rest) {
                if !self.downloading {
                    self.spinner.finish_and_clear();
                    self.downloading = true;
                }
                self.downloads
                    .update(container, p.bytes, p.total, p.files_done, p.files);
            } else if self.downloading && rest.contains("fetched ") {
                self.downloads.clear();
                self.downloading = false;
                self.spinner = Self::spinner(self.ctx);
            }
        }
        if !self.downloading {
            self.spinner.tick();
        }
    }

    fn clear(&self) {
        self.spinner.finish_and_clear();
        self.downloads.clear();
    }
}

/// How often a progress line is printed where no bar can be drawn.
const PROGRESS_LINE_EVERY: Duration = Duration::from_millis(500);

/// The lines appended to a log file since the last call.
#[derive(Default)]
struct LogTail {
    offset: u64,
    partial: String,
}

impl LogTail {
    fn new_lines(&mut self, path: &Path) -> Vec<String> {
        use std::io::{Read as _, Seek as _, SeekFrom};
        let Ok(mut file) = File::open(path) else {
            return Vec::new();
        };
        let mut added = String::new();
        if file.seek(SeekFrom::Start(self.offset)).is_err()
            || file.read_to_string(&mut added).is_err()
        {
            return Vec::new();
        }
        self.offset += added.len() as u64;
        self.partial.push_str(&added);
        let Some(end) = self.partial.rfind('\n') else {
            return Vec::new();
        };
        let complete: String = self.partial.drain(..=end).collect();
        complete.lines().map(str::to_owned).collect()
    }
}

/// Embedded deployments, optionally only one.
pub(crate) fn list(name: Option<&str>) -> Result<Vec<(PathBuf, StateFile)>> {
    Ok(state::list(&state_root())?
        .into_iter()
        .filter(|(_, s)| name.is_none_or(|n| s.deployment == n))
        .collect())
}

/// `ps` rows of embedded deployments.
pub(crate) fn ps_rows(name: Option<&str>) -> Result<Vec<PsRow>> {
    let mut rows = Vec::new();
    for (dir, state) in list(name)? {
        let alive = state::is_serving(&dir);
        // The state file is written once, when the deployment is ready.
        let started = std::fs::metadata(dir.join("state.json"))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        // Restarts and readiness, which the serving process keeps up to date.
        let status = state::read_status(&dir).unwrap_or_default();
        for container in &state.containers {
            let now = status.of(&container.pod, &container.name);
            let (state_word, health) = match (alive, container.init) {
                (false, _) => ("exited", "-"),
                (true, true) => ("completed", "-"),
                (true, false) if now.is_some_and(|c| !c.ready) => ("running", "not ready"),
                (true, false) => ("running", "ready"),
            };
            let pid = now.and_then(|c| c.pid).or(container.pid);
            rows.push(PsRow {
                runtime: "embedded".to_owned(),
                restarts: now.map_or(0, |c| u64::from(c.restarts)),
                created: started,
                exit_code: None,
                deployment: state.deployment.clone(),
                pod: container.pod.clone(),
                container: container.name.clone(),
                kind: if container.init { "init" } else { "container" }.to_owned(),
                role: container.role.clone(),
                state: state_word.to_owned(),
                status: match (alive, pid) {
                    (true, Some(pid)) => format!("embedded, local command, pid {pid}"),
                    (true, None) => format!("embedded, pid {}", state.pid),
                    (false, _) => format!("embedded, pid {} gone", state.pid),
                },
                health: health.to_owned(),
                ports: container.ports.clone(),
                protocol: state.protocol.clone(),
                graph_root: state
                    .graph_roots
                    .iter()
                    .find(|(predictor, _)| *predictor == container.predictor)
                    .map(|(_, root)| root.clone())
                    .unwrap_or_default(),
            });
        }
    }
    Ok(rows)
}

/// `down` of embedded deployments; returns the names stopped. A deployment whose state file is
/// damaged is stopped too (found by its server lock and session), saying so.
pub(crate) fn down(name: Option<&str>, ctx: &Context) -> Result<Vec<String>> {
    let mut targets: Vec<(PathBuf, String, Option<StateFile>)> = list(name)?
        .into_iter()
        .map(|(dir, state)| (dir, state.deployment.clone(), Some(state)))
        .collect();
    for (dir, error) in damaged(name)? {
        let deployment = dir_name(&dir);
        ctx.printer.warning(format!(
            "{error:#}; stopping `{deployment}` by its server lock and session"
        ));
        targets.push((dir, deployment, None));
    }
    let mut stopped = Vec::new();
    for (dir, deployment, state) in targets {
        let done = stop_deployment(&dir, state.as_ref());
        report_stopped(&deployment, &done, ctx);
        if state.is_none() {
            ctx.printer.status(
                "stopped",
                if done.servers.is_empty() {
                    format!("nothing: no process served `{deployment}`")
                } else {
                    format!(
                        "`{deployment}`'s server (pid {})",
                        done.servers
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
            );
        }
        // A process killed hard leaves its volumes and state behind; remove them here.
        let volumes = dir.join("volumes");
        if volumes.exists() {
            std::fs::remove_dir_all(&volumes)
                .with_context(|| format!("failed to remove `{}`", volumes.display()))?;
        }
        state::remove(&dir)?;
        ctx.printer
            .status("removed", format!("`{deployment}` (embedded)"));
        stopped.push(deployment);
    }
    Ok(stopped)
}

/// A deployment directory's name, which is the deployment's.
fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Embedded deployments whose state file is damaged (directory, why), optionally only one.
pub(crate) fn damaged(name: Option<&str>) -> Result<Vec<(PathBuf, state::StateError)>> {
    Ok(state::damaged(&state_root())?
        .into_iter()
        .filter(|(dir, _)| name.is_none_or(|n| dir_name(dir) == n))
        .collect())
}

/// What `logs` asks of an embedded deployment.
pub(crate) struct LogRequest<'a> {
    pub(crate) container: Option<&'a str>,
    pub(crate) tail: Option<u64>,
    pub(crate) follow: bool,
    /// Only lines written at or after this Unix time.
    pub(crate) since: Option<u64>,
    pub(crate) timestamps: bool,
    /// Prefix lines with the deployment too (several deployments show).
    pub(crate) with_deployment: bool,
    /// Pad prefixes to at least this width (to align with other deployments').
    pub(crate) width: usize,
}

/// A deployment's log files (stem, path) and the label each one's lines get.
type LogFilesAndLabels = (Vec<(String, PathBuf)>, Vec<String>);

/// A deployment's log files and the label each line gets.
fn log_files(name: &str, request: &LogRequest<'_>) -> Result<LogFilesAndLabels> {
    let logs = state::deployment_dir(&state_root(), name).join("logs");
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&logs)
        .with_context(|| format!("failed to read `{}`", logs.display()))?
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            let stem = path.file_stem()?.to_str()?.to_owned();
            (path.extension()? == "log").then_some((stem, path))
        })
        .filter(|(stem, _)| {
            request
                .container
                .is_none_or(|want| state::stem_is_container(stem, want))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        bail!(
            "no logs for container `{}` of `{name}`",
            request.container.unwrap_or("?")
        );
    }
    let labels: Vec<String> = files
        .iter()
        .map(|(stem, _)| {
            let short = match stem.split_once('@') {
                Some((container, pod)) => {
                    format!("{container}@{}", super::ps::short_pod(name, pod))
                }
                None => stem.clone(),
            };
            if request.with_deployment {
                format!("{name}/{short}")
            } else {
                short
            }
        })
        .collect();
    Ok((files, labels))
}

/// The widest label of a deployment's lines, so that several deployments' prefixes align.
pub(crate) fn label_width(name: &str, request: &LogRequest<'_>) -> usize {
    log_files(name, request).map_or(0, |(_, labels)| {
        labels.iter().map(String::len).max().unwrap_or(0)
    })
}

/// `logs` of an embedded deployment: each container's file, prefixed, optionally followed
/// (also across a replacing `up`, which starts the files again).
#[allow(clippy::too_many_lines)] // list, label, print, follow: one sequence
pub(crate) fn logs(name: &str, request: &LogRequest<'_>, ctx: &Context) -> Result<()> {
    let dir = state::deployment_dir(&state_root(), name);
    let (files, labels) = log_files(name, request)?;
    let width = labels
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(request.width);
    let render = |index: usize, text: &str, skip: usize| {
        let mut out = String::new();
        let lines: Vec<&str> = text.lines().collect();
        for line in &lines[skip.min(lines.len())..] {
            let (stamp, rest) = state::split_timestamp(line);
            if let (Some(since), Some(at)) = (request.since, stamp)
                && at < since
            {
                continue;
            }
            let shown = if request.timestamps { *line } else { rest };
            let _ = writeln!(out, "{}{shown}", log_prefix(&labels[index], index, width));
        }
        out
    };
    let mut offsets = BTreeMap::new();
    for (index, (_, path)) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let skip = request.tail.map_or(0, |n| {
            text.lines()
                .count()
                .saturating_sub(usize::try_from(n).unwrap_or(usize::MAX))
        });
        let out = render(index, &text, skip);
        if !out.is_empty() {
            ctx.printer.data(&out);
        }
        offsets.insert(path.clone(), text.len());
    }
    // Followed while the deployment serves, and on through a replacing `up` (the state is
    // gone for a moment while the files are written again); a `down` ends it.
    let quiet_for = |limit: Duration| {
        files.iter().all(|(_, path)| {
            std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_none_or(|age| age > limit)
        })
    };
    while request.follow && (state::is_serving(&dir) || !quiet_for(Duration::from_secs(3))) {
        std::thread::sleep(Duration::from_millis(200));
        for (index, (_, path)) in files.iter().enumerate() {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let offset = offsets.entry(path.clone()).or_insert(0);
            // A shorter file was started again by a replacing `up`: follow the new one.
            if text.len() < *offset {
                *offset = 0;
            }
            if text.len() > *offset {
                let end = text[*offset..]
                    .rfind('\n')
                    .map_or(*offset, |i| *offset + i + 1);
                let out = render(index, &text[*offset..end], 0);
                if !out.is_empty() {
                    ctx.printer.data(&out);
                }
                *offset = end;
            }
        }
    }
    Ok(())
}

/// Renders runtime events on stderr.
fn renderer(ctx: &Context) -> Events {
    let printer = ctx.printer;
    let downloads = Arc::new(DownloadBars::new(&printer));
    // Without a terminal (a log, or `up -d`'s background process, whose log the foreground
    // reads back into a bar), progress is a line every half second and at the end.
    let last_line = Mutex::new(None::<Instant>);
    super::docker::with_download_bars(downloads.clone(), move |event| match event {
        RuntimeEvent::InitStarted { container } => printer.status("init", format!("`{container}`")),
        RuntimeEvent::Download {
            container,
            progress,
        } => {
            downloads.update(
                &container,
                progress.bytes,
                progress.total,
                progress.files_done,
                progress.files,
            );
            if printer.prints_progress_lines()
                && let Ok(mut last) = last_line.lock()
            {
                let done = progress.files.is_some_and(|f| f == progress.files_done);
                if done || last.is_none_or(|at| at.elapsed() >= PROGRESS_LINE_EVERY) {
                    printer.line(format!("{container} | {}", progress.line()));
                    *last = Some(Instant::now());
                }
            }
        }
        RuntimeEvent::InitDone { container } => printer.status("done", format!("`{container}`")),
        RuntimeEvent::Preparing { container, line } => {
            printer.line(format!("{container} | {line}"));
        }
        RuntimeEvent::Started { container } => printer.note(format!("started `{container}`")),
        RuntimeEvent::Ready { container } => printer.note(format!("`{container}` is ready")),
        RuntimeEvent::Warning { message } => printer.warning(message),
        _ => {}
    })
}

/// Routes the log events of each container's span to its file, and echoes them (prefixed) on
/// stderr in the foreground. Events outside a container go to stderr as they are.
#[derive(Clone)]
struct FileLogs(Arc<LogFiles>);

struct LogFiles {
    echo: Option<Context>,
    files: Mutex<BTreeMap<String, (File, usize)>>,
    /// (pod, container) → the stem of its log file.
    stems: Mutex<BTreeMap<(String, String), String>>,
    width: Mutex<usize>,
}

impl std::ops::Deref for FileLogs {
    type Target = LogFiles;

    fn deref(&self) -> &LogFiles {
        &self.0
    }
}

impl FileLogs {
    fn new(echo: Option<Context>) -> Self {
        Self(Arc::new(LogFiles {
            echo,
            files: Mutex::default(),
            stems: Mutex::default(),
            width: Mutex::new(0),
        }))
    }

    /// Opens (truncates) one log file per container of the plan.
    fn open(&self, dir: &Path, plan: &Plan) -> Result<()> {
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs)
            .with_context(|| format!("failed to create `{}`", logs.display()))?;
        let mut files = self
            .files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut width = self
            .width
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (pod, container) in plan
            .pods
            .iter()
            .flat_map(|p| p.all_containers().map(move |c| (&p.name, &c.name)))
        {
            let stem = state::log_stem(plan, pod, container);
            let path = state::log_path(dir, &stem);
            let file = File::create(&path)
                .with_context(|| format!("failed to create `{}`", path.display()))?;
            let index = files.len();
            *width = (*width).max(stem.len());
            self.stems
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert((pod.clone(), container.clone()), stem.clone());
            files.insert(stem, (file, index));
        }
        Ok(())
    }
}

/// The log stem of the container a `container` span plays.
struct ContainerName(String);

#[derive(Default)]
struct Fields {
    name: Option<String>,
    pod: Option<String>,
    message: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.message, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => {
                let _ = write!(self.message, "{value:?}");
            }
            "name" => self.name = Some(format!("{value:?}")),
            "pod" => self.pod = Some(format!("{value:?}")),
            other => {
                let _ = write!(self.message, " {other}={value:?}");
            }
        }
    }
}

impl<S> tracing_subscriber::Layer<S> for FileLogs
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: LayerContext<'_, S>,
    ) {
        if attrs.metadata().name() != "container" {
            return;
        }
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let (Some(name), Some(span)) = (fields.name, ctx.span(id)) {
            let stem = self
                .stems
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&(fields.pod.unwrap_or_default(), name.clone()))
                .cloned()
                .unwrap_or(name);
            span.extensions_mut().insert(ContainerName(stem));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: LayerContext<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = event.metadata().level();
        let container = ctx.event_scope(event).and_then(|scope| {
            scope.from_root().find_map(|span| {
                span.extensions()
                    .get::<ContainerName>()
                    .map(|c| c.0.clone())
            })
        });
        let line = format!("{level} {}", fields.message.trim_start());
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0));
        let Some(container) = container else {
            if *level <= tracing::Level::INFO {
                let _ = writeln!(std::io::stderr(), "{line}");
            }
            return;
        };
        let mut files = self
            .files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((file, index)) = files.get_mut(&container) {
            let _ = writeln!(file, "{} {line}", state::format_timestamp(millis));
            if let Some(ctx) = &self.echo
                && *level <= tracing::Level::INFO
            {
                let width = *self
                    .width
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                ctx.printer.raw_stderr(&format!(
                    "{}{line}\n",
                    log_prefix(&container, *index, width)
                ));
            }
        }
    }
}

#[cfg(test)]
mod log_tail_tests {
    use super::*;

    /// `up -d` reads its background process's log as it grows: whole lines only, each once.
    #[test]
    fn a_growing_log_is_read_line_by_line_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("up.log");
        let mut tail = LogTail::default();
        assert!(tail.new_lines(&path).is_empty(), "no file yet");
        std::fs::write(&path, "a | progress: bytes=1 total=9 files=0/1\na | prog").unwrap();
        assert_eq!(
            tail.new_lines(&path),
            ["a | progress: bytes=1 total=9 files=0/1"]
        );
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"ress: bytes=9 total=9 files=1/1\n")
            .unwrap();
        assert_eq!(
            tail.new_lines(&path),
            ["a | progress: bytes=9 total=9 files=1/1"]
        );
        assert!(tail.new_lines(&path).is_empty());
    }
}
