//! The embedded runtime: the same plan, played in this process on 127.0.0.1, with no Docker.
//!
//! Each container whose role has a builtin runs as a task. Its declared ports are bound on
//! 127.0.0.1 first (free ports, so nothing can take them meanwhile) and handed to it, and the
//! env and args it reads are rewritten to match ([`mod@localize`]); a local process binds its
//! own, which stay held, shared, while it runs. Volumes are directories under
//! the deployment's state directory ([`state`]). How a role is started is the caller's
//! [`Launcher`]; a container given a local command (`--exec`) runs as a child process
//! ([`process`]). This module orders, waits, stops and reports through [`Events`]; once the
//! deployment is up, `supervise` restarts a role that fails and runs its probes.

pub mod localize;
pub mod process;
pub mod python;
pub mod state;
mod supervise;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpSocket;
use tokio::task::JoinSet;
use tracing::Instrument as _;

use self::localize::{HostLayout, LocalContainer, LocalPod, localize};
use super::{Cancel, Canceller, Events, Running, RuntimeError, RuntimeEvent};
use crate::plan::{Plan, Probe, ProbeAction, Role, VolumeSource};

/// A role's task: resolves when the role stops (servers) or finishes (init containers).
pub type RoleFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// Starts roles in-process. Implemented by the CLI, which knows each role's flags.
pub trait Launcher: Send + Sync {
    /// Plays `container`'s role with the sockets bound for its ports (container port →
    /// socket) until `stop` fires; init containers run to completion. The sockets are bound but
    /// not listening: a role calls `listen` once it can serve, so a TCP probe fails until then,
    /// as a container's port is closed until its server starts (a model server listens only
    /// once its model is loaded).
    fn launch(
        &self,
        container: LocalContainer,
        listeners: BTreeMap<u16, TcpSocket>,
        stop: Cancel,
    ) -> RoleFuture;
}

/// Why the embedded runtime failed.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// The plan cannot run in-process.
    #[error(transparent)]
    Localize(#[from] localize::LocalizeError),
    /// A directory or file of the deployment could not be written.
    #[error("failed to {what} `{}`", path.display())]
    Io {
        /// The operation.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// No port could be bound on 127.0.0.1.
    #[error("failed to bind a port on 127.0.0.1")]
    Bind(#[source] std::io::Error),
    /// A role stopped with an error.
    #[error("container `{container}` failed: {message}")]
    RoleFailed {
        /// The container.
        container: String,
        /// What it said.
        message: String,
    },
    /// A role stopped on its own.
    #[error("container `{container}` stopped on its own")]
    RoleStopped {
        /// The container.
        container: String,
    },
}

/// How to run a plan in-process.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// The deployment's state directory (volumes, logs, state file).
    pub dir: PathBuf,
    /// Directory relative model paths are resolved against (the sdep file's).
    pub base_dir: PathBuf,
    /// How long init containers and readiness may take in all.
    pub timeout: Duration,
    /// The session id.
    pub session: String,
    /// Container name → a local command that plays it instead of its image (`--exec`).
    pub exec: BTreeMap<String, String>,
    /// How Python-backed prepackaged servers get their interpreter; `None`: they are not
    /// played.
    pub python: Option<crate::components::python::PythonSettings>,
}

/// A deployment running in this process.
pub struct Embedded {
    /// What `up` reports.
    pub running: Running,
    /// The containers with their host ports, for `ps`.
    pub containers: Vec<state::ContainerState>,
    tasks: JoinSet<(String, Result<(), String>)>,
    stop: Canceller,
    dir: PathBuf,
    pids: process::Pids,
    board: supervise::Board,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedded")
            .field("running", &self.running)
            .finish_non_exhaustive()
    }
}

impl Embedded {
    /// The containers, with the pids of those played by a local command.
    #[must_use]
    pub fn container_states(&self) -> Vec<state::ContainerState> {
        let pids = self
            .pids
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.containers
            .iter()
            .cloned()
            .map(|mut c| {
                c.pid = pids.get(&(c.pod.clone(), c.name.clone())).copied();
                c
            })
            .collect()
    }

    /// How every container fares now: restarts and readiness (what `status.json` holds).
    #[must_use]
    pub fn status(&self) -> state::Status {
        self.board.status()
    }

    /// Serves until `cancel` fires. A role that fails is restarted in place; this fails only
    /// if a role's supervisor itself ends.
    pub async fn serve(&mut self, cancel: &Cancel) -> Result<(), RuntimeError> {
        tokio::select! {
            () = cancel.cancelled() => Ok(()),
            Some(joined) = self.tasks.join_next() => Err(role_exit(joined).into()),
        }
    }

    /// Stops every role, waits for them (at most `grace`), and removes the volumes.
    pub async fn down(mut self, events: &Events, grace: Duration) {
        self.stop.cancel();
        let deadline = tokio::time::sleep(grace);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = &mut deadline => {
                    self.tasks.abort_all();
                    break;
                }
                next = self.tasks.join_next() => match next {
                    Some(Ok((container, _))) => {
                        events.emit(RuntimeEvent::Removed { kind: "task", name: container });
                    }
                    Some(Err(_)) => {}
                    None => break,
                },
            }
        }
        remove_volumes(&self.dir, events);
    }
}

fn role_exit(
    joined: Result<(String, Result<(), String>), tokio::task::JoinError>,
) -> EmbeddedError {
    match joined {
        Ok((container, Ok(()))) => EmbeddedError::RoleStopped { container },
        Ok((container, Err(message))) => EmbeddedError::RoleFailed { container, message },
        Err(error) => EmbeddedError::RoleFailed {
            container: "?".to_owned(),
            message: error.to_string(),
        },
    }
}

impl From<EmbeddedError> for RuntimeError {
    fn from(error: EmbeddedError) -> Self {
        RuntimeError::Embedded(Box::new(error))
    }
}

/// Removes the deployment's volume directories; failures are reported, not fatal.
fn remove_volumes(dir: &Path, events: &Events) {
    let volumes = dir.join("volumes");
    if let Err(error) = std::fs::remove_dir_all(&volumes)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        events.emit(RuntimeEvent::Warning {
            message: format!("failed to remove `{}`: {error}", volumes.display()),
        });
    }
}

/// Binds a free port on 127.0.0.1 for every port the plan's pods declare, first, so that
/// nothing can take them before the roles start; records them in `layout`.
fn bind_ports(
    plan: &Plan,
    layout: &mut HostLayout,
) -> Result<BTreeMap<(String, u16), TcpSocket>, EmbeddedError> {
    let mut listeners: BTreeMap<(String, u16), TcpSocket> = BTreeMap::new();
    for pod in &plan.pods {
        for port in pod.containers.iter().flat_map(|c| &c.ports) {
            let key = (pod.name.clone(), port.container_port);
            if listeners.contains_key(&key) {
                continue;
            }
            // Bound, so nothing else takes the port; not listening until the role can serve.
            let listener = TcpSocket::new_v4().map_err(EmbeddedError::Bind)?;
            listener
                .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
                .map_err(EmbeddedError::Bind)?;
            let host = listener.local_addr().map_err(EmbeddedError::Bind)?.port();
            layout.ports.insert(key.clone(), host);
            listeners.insert(key, listener);
        }
    }
    Ok(listeners)
}

/// Runs a local command's `run` with its ports still held, shared: a process binds its ports
/// itself, and a port released before it binds is free for anyone else's `bind(0)` or
/// outgoing connection meanwhile ("Address already in use" in the unit, seen under parallel
/// load). A held socket with `SO_REUSEADDR` and `SO_REUSEPORT` that never listens lets the
/// process bind the port (every common server sets one of the two) while the kernel keeps
/// the port out of everyone's automatic choice. A socket the options cannot be set on is
/// released, as before.
fn while_reserved(listeners: BTreeMap<u16, TcpSocket>, run: RoleFuture) -> RoleFuture {
    let reserved: Vec<TcpSocket> = listeners
        .into_values()
        .filter(|socket| share(socket).is_ok())
        .collect();
    Box::pin(async move {
        let outcome = run.await;
        drop(reserved);
        outcome
    })
}

/// Lets a local process bind the port `socket` holds (see [`while_reserved`]).
pub(crate) fn share(socket: &TcpSocket) -> std::io::Result<()> {
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)
}

/// What `ps` shows as a Python unit's command.
fn shown_command(server: crate::components::python::PythonServer) -> String {
    match server.stack {
        crate::components::python::Stack::SeldonCore => {
            format!(
                "seldon-core-microservice {}",
                server.kind.class().unwrap_or_default()
            )
        }
        crate::components::python::Stack::Mlserver => {
            format!("mlserver start ({})", server.kind.mlserver_runtime().0)
        }
    }
}

/// Runs `plan` in this process and returns once every container is ready. On failure or
/// cancellation everything started is stopped and the volumes are removed.
#[allow(
    clippy::too_many_lines,
    reason = "one sequence: bind, init containers, launch, readiness, supervision, rollback"
)]
pub async fn up(
    plan: &Plan,
    launcher: Arc<dyn Launcher>,
    options: &EmbeddedOptions,
    events: &Events,
    cancel: &Cancel,
) -> Result<Embedded, RuntimeError> {
    remove_volumes(&options.dir, &Events::ignore());
    let io = |what, path: &Path| {
        let path = path.to_owned();
        move |source| EmbeddedError::Io { what, path, source }
    };
    let mut layout = HostLayout {
        base_dir: options.base_dir.clone(),
        exec: options.exec.clone(),
        python: options.python.is_some(),
        ..HostLayout::default()
    };
    for pod in &plan.pods {
        for volume in &pod.volumes {
            let dir = match &volume.source {
                VolumeSource::HostPath { path } => PathBuf::from(path),
                _ => options
                    .dir
                    .join("volumes")
                    .join(&pod.name)
                    .join(&volume.name),
            };
            std::fs::create_dir_all(&dir).map_err(io("create", &dir))?;
            layout
                .volumes
                .insert((pod.name.clone(), volume.name.clone()), dir);
        }
    }
    let listeners = bind_ports(plan, &mut layout)?;
    let (pods, warnings) = localize(plan, &layout).map_err(EmbeddedError::from)?;
    for message in warnings {
        events.emit(RuntimeEvent::Warning { message });
    }
    let (stop, stop_token) = Cancel::new();
    let mut tasks = JoinSet::new();
    let command_pids = process::Pids::default();
    let board = supervise::Board::new(
        options.dir.clone(),
        Arc::clone(&command_pids),
        events.clone(),
    );
    let start = Start {
        launch: role_launcher(launcher, &command_pids, options, events),
        board: &board,
        stop: &stop_token,
        options,
        events,
        cancel,
    };
    if let Err(error) = start.run(&pods, listeners, &mut tasks).await {
        stop.cancel();
        while tasks.join_next().await.is_some() {}
        remove_volumes(&options.dir, events);
        return Err(error);
    }
    let mut host_ports = BTreeMap::new();
    let mut containers = Vec::new();
    for container in pods
        .iter()
        .flat_map(|p| p.init_containers.iter().chain(&p.containers))
    {
        for (port, host) in &container.ports {
            host_ports.insert((container.pod.clone(), *port), *host);
        }
        containers.push(state::ContainerState {
            pod: container.pod.clone(),
            predictor: plan
                .pods
                .iter()
                .find(|p| p.name == container.pod)
                .map(|p| p.predictor.clone())
                .unwrap_or_default(),
            name: container.name.clone(),
            role: container.role.as_str().to_owned(),
            init: pods
                .iter()
                .any(|p| p.init_containers.iter().any(|c| c.name == container.name)),
            ports: container.ports.clone(),
            exec: container
                .exec
                .clone()
                .or_else(|| container.python.map(shown_command)),
            pid: None,
        });
    }
    // Up: from now on a role that fails is restarted, and the probes run.
    board.start_restarting();
    let endpoints = super::endpoints(plan, &host_ports);
    let predict_command = super::predict_command(plan, &endpoints);
    let predict_url = super::predict_url(plan, &endpoints);
    Ok(Embedded {
        running: Running {
            deployment: plan.deployment.clone(),
            session: options.session.clone(),
            endpoints,
            predict_command,
            predict_url,
            curl_command: None,
        },
        containers,
        tasks,
        stop,
        dir: options.dir.clone(),
        pids: command_pids,
        board,
    })
}

struct Start<'a> {
    launch: supervise::Launch,
    board: &'a supervise::Board,
    stop: &'a Cancel,
    options: &'a EmbeddedOptions,
    events: &'a Events,
    cancel: &'a Cancel,
}

/// How a role is started: by its local command when it has one, else by the launcher.
fn role_launcher(
    launcher: Arc<dyn Launcher>,
    pids: &process::Pids,
    options: &EmbeddedOptions,
    events: &Events,
) -> supervise::Launch {
    let pids = Arc::clone(pids);
    let options = options.clone();
    let events = events.clone();
    Arc::new(
        move |container: &LocalContainer, listeners: BTreeMap<u16, TcpSocket>, stop: Cancel| {
            if let (Some(_), Some(settings)) = (container.python, &options.python) {
                // It binds its ports itself, from its env.
                let run = python::PythonRun {
                    settings: settings.clone(),
                    dir: options.base_dir.clone(),
                    session: options.session.clone(),
                };
                return while_reserved(
                    listeners,
                    python::launch(
                        container.clone(),
                        run,
                        Arc::clone(&pids),
                        events.clone(),
                        stop,
                    ),
                );
            }
            if container.exec.is_some() {
                return while_reserved(
                    listeners,
                    process::launch(
                        container.clone(),
                        options.base_dir.clone(),
                        options.session.clone(),
                        Arc::clone(&pids),
                        stop,
                    ),
                );
            }
            launcher.launch(container.clone(), listeners, stop)
        },
    )
}

impl Start<'_> {
    /// Init containers in order, then every container, then readiness.
    async fn run(
        &self,
        pods: &[LocalPod],
        mut listeners: BTreeMap<(String, u16), TcpSocket>,
        tasks: &mut JoinSet<(String, Result<(), String>)>,
    ) -> Result<(), RuntimeError> {
        let deadline = Instant::now() + self.options.timeout;
        for pod in pods {
            if let Some((path, text)) = &pod.podinfo {
                std::fs::write(path, text).map_err(|source| EmbeddedError::Io {
                    what: "write",
                    path: path.clone(),
                    source,
                })?;
            }
            for init in &pod.init_containers {
                self.run_init(init, deadline).await?;
            }
            for container in &pod.containers {
                let mine: BTreeMap<u16, TcpSocket> = container
                    .ports
                    .iter()
                    .filter_map(|(port, _)| {
                        listeners
                            .remove(&(pod.name.clone(), *port))
                            .map(|l| (*port, l))
                    })
                    .collect();
                let span =
                    tracing::info_span!("container", name = %container.name, pod = %container.pod);
                // A local command binds its ports itself: they stay held, shared, while it
                // runs (`while_reserved`).
                self.board.watch(container);
                let task = supervise::supervise(
                    Arc::clone(&self.launch),
                    container.clone(),
                    mine,
                    self.board.clone(),
                    self.stop.clone(),
                );
                let name = container.name.clone();
                tasks.spawn(async move { (name, task.await) }.instrument(span));
                self.events.emit(RuntimeEvent::Started {
                    container: container.name.clone(),
                });
            }
        }
        for container in pods.iter().flat_map(|p| &p.containers) {
            let probes: Vec<Probe> = container
                .readiness
                .clone()
                .or_else(|| loaded_probe(container))
                .into_iter()
                .chain(grpc_probe(container))
                .collect();
            if !probes.is_empty() {
                self.wait_ready(container, &probes, deadline, tasks).await?;
            }
        }
        Ok(())
    }

    async fn run_init(&self, init: &LocalContainer, deadline: Instant) -> Result<(), RuntimeError> {
        self.events.emit(RuntimeEvent::InitStarted {
            container: init.name.clone(),
        });
        let span = tracing::info_span!("container", name = %init.name, pod = %init.pod);
        let task = (self.launch)(init, BTreeMap::new(), self.stop.clone());
        let outcome = tokio::select! {
            () = self.cancel.cancelled() => return Err(RuntimeError::Interrupted),
            () = tokio::time::sleep_until(deadline.into()) => {
                return Err(RuntimeError::Timeout {
                    what: format!("init container `{}`", init.name),
                    after: self.options.timeout,
                    logs: Vec::new(),
                });
            }
            outcome = task.instrument(span) => outcome,
        };
        match outcome {
            Ok(()) => {
                self.events.emit(RuntimeEvent::InitDone {
                    container: init.name.clone(),
                });
                Ok(())
            }
            Err(message) => Err(RuntimeError::InitFailed {
                container: init.name.clone(),
                code: 1,
                logs: message.lines().map(str::to_owned).collect(),
                shown: false,
            }),
        }
    }

    /// Waits until `probes` pass, in order (each is checked until it passes once).
    async fn wait_ready(
        &self,
        container: &LocalContainer,
        probes: &[Probe],
        deadline: Instant,
        tasks: &mut JoinSet<(String, Result<(), String>)>,
    ) -> Result<(), RuntimeError> {
        let described = || {
            probes
                .iter()
                .map(describe)
                .collect::<Vec<_>>()
                .join(", then ")
        };
        self.events.emit(RuntimeEvent::Waiting {
            container: container.name.clone(),
            probe: described(),
        });
        let mut passed = 0;
        loop {
            while let Some(probe) = probes.get(passed) {
                if !check(probe).await {
                    break;
                }
                passed += 1;
            }
            if passed == probes.len() {
                self.events.emit(RuntimeEvent::Ready {
                    container: container.name.clone(),
                });
                return Ok(());
            }
            if let Some(joined) = tasks.try_join_next() {
                return Err(role_exit(joined).into());
            }
            if Instant::now() >= deadline {
                return Err(RuntimeError::Timeout {
                    what: format!(
                        "container `{}` to be ready ({})",
                        container.name,
                        described()
                    ),
                    after: self.options.timeout,
                    logs: Vec::new(),
                });
            }
            tokio::select! {
                () = self.cancel.cancelled() => return Err(RuntimeError::Interrupted),
                // Local roles come up in milliseconds; poll often.
                () = tokio::time::sleep(Duration::from_millis(5)) => {}
            }
        }
    }
}

/// The servers known to open a gRPC port as well as the HTTP port their readiness probe checks:
/// seldon-core-microservice and MLServer, as our Python prepacks run them or as an `--exec`
/// command names them. Any other local command may serve REST only; its gRPC port is not
/// waited for.
const GRPC_SERVERS: [&str; 2] = ["seldon-core-microservice", "mlserver"];

/// Whether a shell command runs one of [`GRPC_SERVERS`]: a word of it names the program, by
/// itself or as a path's last part (`exec /venv/bin/seldon-core-microservice Model`,
/// `python -m mlserver start .`), not merely contains it (`cd mlserver-models && ...`).
fn runs_a_grpc_server(command: &str) -> bool {
    command
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')'))
        .filter_map(|word| word.rsplit('/').next())
        .any(|program| GRPC_SERVERS.contains(&program))
}

/// A unit played by a local process that serves gRPC, checked once its readiness probe passes:
/// the probe is the operator's TCP check of the HTTP port, and seldon-core-microservice opens
/// its gRPC port later, from another process. The engine calls every unit over gRPC for a gRPC
/// request, so without this a gRPC call right after `up` could find the unit's port closed.
fn grpc_probe(container: &LocalContainer) -> Option<Probe> {
    let serves_grpc =
        container.python.is_some() || container.exec.as_deref().is_some_and(runs_a_grpc_server);
    if !serves_grpc {
        return None;
    }
    let port = [
        crate::env::PREDICTIVE_UNIT_GRPC_SERVICE_PORT,
        "MLSERVER_GRPC_PORT",
    ]
    .iter()
    .find_map(|name| container.env.get(*name)?.parse::<u16>().ok())?;
    // Only a port the plan gives the container (rewritten to a host port).
    container
        .ports
        .iter()
        .any(|&(_, host)| host == port)
        .then_some(Probe {
            action: ProbeAction::Tcp { port },
            initial_delay_seconds: 0,
            period_seconds: 1,
            timeout_seconds: 1,
            failure_threshold: 3,
        })
}

/// The operator gives TF Serving no readiness probe, but readiness must mean a servable model:
/// the builtin model server opens its ports only once its models are loaded, so waiting for its
/// first port waits for the model (and sees the role fail when there is none).
fn loaded_probe(container: &LocalContainer) -> Option<Probe> {
    if container.role != Role::TensorflowServer || container.exec.is_some() {
        return None;
    }
    let &(_, port) = container.ports.first()?;
    Some(Probe {
        action: ProbeAction::Tcp { port },
        initial_delay_seconds: 0,
        period_seconds: 1,
        timeout_seconds: 1,
        failure_threshold: 3,
    })
}

fn describe(probe: &Probe) -> String {
    match &probe.action {
        ProbeAction::Http { path, port, .. } => format!("GET http://127.0.0.1:{port}{path}"),
        ProbeAction::Tcp { port } => format!("TCP 127.0.0.1:{port}"),
        ProbeAction::Exec { command } => format!("exec `{}`, not run", command.join(" ")),
        ProbeAction::Unsupported { reason } => format!("not checked: {reason}"),
    }
}

/// One readiness check. Exec and unsupported probes pass: there is nothing to run them in.
async fn check(probe: &Probe) -> bool {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let timeout = Duration::from_secs(u64::from(probe.timeout_seconds.max(1)));
    let attempt = async {
        match &probe.action {
            ProbeAction::Tcp { port } => tokio::net::TcpStream::connect(("127.0.0.1", *port))
                .await
                .is_ok(),
            ProbeAction::Http { path, port, .. } => {
                let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", *port)).await
                else {
                    return false;
                };
                let request = format!(
                    "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
                );
                if stream.write_all(request.as_bytes()).await.is_err() {
                    return false;
                }
                let mut head = [0u8; 12];
                if stream.read_exact(&mut head).await.is_err() {
                    return false;
                }
                // `HTTP/1.1 2xx` or `3xx` is ready, as in Kubernetes.
                matches!(head[9], b'2' | b'3')
            }
            ProbeAction::Exec { .. } | ProbeAction::Unsupported { .. } => true,
        }
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held_port() -> (TcpSocket, u16) {
        let socket = TcpSocket::new_v4().unwrap();
        socket
            .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .unwrap();
        share(&socket).unwrap();
        let port = socket.local_addr().unwrap().port();
        (socket, port)
    }

    #[tokio::test]
    async fn a_held_port_can_be_bound_by_a_server_that_reuses_addresses_and_by_no_one_else() {
        let (_held, port) = held_port();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));

        // What every common server does (Python's http.server, gunicorn, uvicorn, Go, Rust).
        let server = TcpSocket::new_v4().unwrap();
        server.set_reuseaddr(true).unwrap();
        server.bind(addr).unwrap();
        let listener = server.listen(8).unwrap();
        let client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (_accepted, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        drop(listener);

        // Anyone else's explicit bind fails while the port is held.
        let other = TcpSocket::new_v4().unwrap();
        let error = other.bind(addr).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
    }

    fn unit_played_by(command: &str) -> LocalContainer {
        LocalContainer {
            pod: "doubler-default-0-doubler".to_owned(),
            name: "doubler".to_owned(),
            role: Role::Custom,
            image: "example/doubler:0.1".to_owned(),
            args: Vec::new(),
            env: BTreeMap::from([
                (
                    "PREDICTIVE_UNIT_HTTP_SERVICE_PORT".to_owned(),
                    "31000".to_owned(),
                ),
                (
                    "PREDICTIVE_UNIT_GRPC_SERVICE_PORT".to_owned(),
                    "31001".to_owned(),
                ),
            ]),
            mounts: Vec::new(),
            ports: vec![(9000, 31000), (9500, 31001)],
            readiness: None,
            liveness: None,
            exec: Some(command.to_owned()),
            python: None,
        }
    }

    #[test]
    fn only_servers_known_to_open_a_grpc_port_are_waited_for_on_it() {
        let grpc = |command| grpc_probe(&unit_played_by(command)).map(|probe| probe.action);
        let port_31001 = Some(ProbeAction::Tcp { port: 31001 });
        assert_eq!(
            grpc("cd units && exec seldon-core-microservice Doubler --service-type MODEL"),
            port_31001
        );
        assert_eq!(grpc("mlserver start ."), port_31001);
        assert_eq!(
            grpc("exec /venv/bin/seldon-core-microservice Doubler"),
            port_31001
        );
        assert_eq!(grpc("cd units;python -m mlserver start ."), port_31001);
        // Any other command may serve REST only: waiting would hold `up` to its timeout.
        assert_eq!(grpc("python3 units/scale.py"), None);
        assert_eq!(grpc("cd mlserver-models && python3 app.py"), None);
        assert_eq!(grpc("python3 seldon-core-microservice-stub.py"), None);
        // A port the plan does not give the container is not waited for.
        let mut stray = unit_played_by("seldon-core-microservice Doubler");
        stray.ports.pop();
        assert_eq!(grpc_probe(&stray), None);
    }

    #[tokio::test]
    async fn a_held_port_is_released_when_the_run_ends() {
        let (held, port) = held_port();
        let run = while_reserved(BTreeMap::from([(9000, held)]), Box::pin(async { Ok(()) }));
        assert_eq!(run.await, Ok(()));
        let other = TcpSocket::new_v4().unwrap();
        other
            .bind(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
            .unwrap();
    }
}
