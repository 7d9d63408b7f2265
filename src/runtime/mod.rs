//! Runtimes: run a [`Plan`] on this machine.
//!
//! A runtime turns the plan into running processes, waits until they are ready and reports what
//! it does as [`RuntimeEvent`]s through an [`Events`] callback: it never prints, and never
//! touches the terminal. The types here (options, events, endpoints, errors) are shared by every
//! runtime; [`docker`] is the Docker one. Runtimes do not read `sdep` (they get a [`Plan`]), the
//! environment or the command line.

pub mod docker;
pub mod embedded;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::plan::{Plan, Role};

/// Which images a runtime uses for the plan's containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImagePolicy {
    /// The images the operator names (pulled when missing).
    Upstream,
    /// seldon-local's own image for every role it can play.
    Builtin,
    /// Upstream where present or pullable, builtin otherwise.
    #[default]
    Auto,
}

/// How `up` runs a plan.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// The session id that labels everything this `up` creates.
    pub session: String,
    /// The image policy.
    pub images: ImagePolicy,
    /// A mirror (`HOST[:PORT][/PREFIX]`) every upstream image is pulled from instead of its own
    /// registry (see [`docker::mirror`]).
    pub registry: Option<String>,
    /// Host ports chosen by the user: (container, container port) → host port. Others are free.
    pub fixed_ports: BTreeMap<(String, u16), u16>,
    /// How long the whole `up` (init containers and readiness) may take.
    pub timeout: Duration,
    /// The directory relative model paths are resolved against (the sdep file's directory).
    pub base_dir: PathBuf,
    /// Extra certificate authorities (a PEM file) for the storage initializers (`SSL_CERT_FILE`).
    pub ca_file: Option<PathBuf>,
}

/// Whether a container runs the plan's image or seldon-local's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageSource {
    /// The operator's image.
    Upstream,
    /// seldon-local's image playing the role.
    Builtin,
}

/// What a runtime reports while it works. Rendering is the caller's business.
#[derive(Debug, Clone, PartialEq)]
pub enum RuntimeEvent {
    /// An earlier run of the same deployment is being removed first.
    Replacing {
        /// The deployment.
        deployment: String,
    },
    /// seldon-local's own image is being built from the running binary.
    BuildingImage {
        /// Its tag.
        image: String,
    },
    /// The image a container will run, and why.
    ImageChosen {
        /// The container.
        container: String,
        /// The image.
        image: String,
        /// Upstream or builtin.
        source: ImageSource,
        /// Why this one, when the policy had a choice (auto).
        reason: Option<String>,
    },
    /// Progress of a pull, per layer.
    Pull {
        /// The image.
        image: String,
        /// The layer, if the message is about one.
        layer: Option<String>,
        /// Docker's status text ("Downloading", "Pull complete", ...).
        status: String,
        /// Bytes done.
        current: Option<u64>,
        /// Bytes in all.
        total: Option<u64>,
    },
    /// A resource was created.
    Created {
        /// `network`, `volume`, `sandbox`, `container`.
        kind: &'static str,
        /// Its name.
        name: String,
    },
    /// An init container started.
    InitStarted {
        /// The container.
        container: String,
    },
    /// A log line of an init container.
    InitLog {
        /// The container's name in its pod.
        container: String,
        /// The line.
        line: String,
    },
    /// How far a storage initializer's download is (bytes, files, totals when known).
    Download {
        /// The container.
        container: String,
        /// Where the fetch is.
        progress: crate::components::storage::Snapshot,
    },
    /// A line of progress while a container's Python environment is built or checked.
    Preparing {
        /// The container.
        container: String,
        /// The line.
        line: String,
    },
    /// An init container exited 0.
    InitDone {
        /// The container.
        container: String,
    },
    /// A container started.
    Started {
        /// The container.
        container: String,
    },
    /// Waiting for a container's readiness probe.
    Waiting {
        /// The container.
        container: String,
        /// The probe, described.
        probe: String,
    },
    /// A container's readiness probe passed.
    Ready {
        /// The container.
        container: String,
    },
    /// Something the user should know (an unresolvable env var, an unchecked probe).
    Warning {
        /// The message.
        message: String,
    },
    /// A resource was removed.
    Removed {
        /// `network`, `volume`, `container`.
        kind: &'static str,
        /// Its name.
        name: String,
    },
}

/// Where events go. Cheap to clone; calls may come from any task.
#[derive(Clone)]
pub struct Events(Arc<dyn Fn(RuntimeEvent) + Send + Sync>);

impl Events {
    /// Events handed to `f`.
    pub fn new(f: impl Fn(RuntimeEvent) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// Events nobody listens to.
    #[must_use]
    pub fn ignore() -> Self {
        Self::new(|_| {})
    }

    /// Reports one event.
    pub fn emit(&self, event: RuntimeEvent) {
        (self.0)(event);
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events")
    }
}

/// One address a user can send requests to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Endpoint {
    /// The predictor.
    pub predictor: String,
    /// What answers: `engine`, a unit's name, or `tensorflow-server`.
    pub name: String,
    /// The container behind it.
    pub container: String,
    /// `rest` or `grpc`.
    pub protocol: String,
    /// `http://127.0.0.1:PORT` for REST, `127.0.0.1:PORT` for gRPC.
    pub address: String,
}

/// What `up` returns when the deployment is ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Running {
    /// The deployment.
    pub deployment: String,
    /// The session id labelling its resources.
    pub session: String,
    /// The endpoints, predictor by predictor.
    pub endpoints: Vec<Endpoint>,
    /// A ready-made command that sends one prediction to the first predictor.
    pub predict_command: Option<String>,
    /// The URL that command sends to, for the equivalent `curl` line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predict_url: Option<String>,
    /// The equivalent `curl` command line, when `up` knows a body for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl_command: Option<String>,
}

/// Why a runtime failed.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// Something did not happen in time.
    #[error("timed out after {}s waiting for {what}{}", after.as_secs(), tail(logs))]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        after: Duration,
        /// The last log lines of the container concerned.
        logs: Vec<String>,
    },
    /// An init container exited non-zero.
    #[error(
        "init container `{container}` exited with code {code}{}",
        if *shown { String::new() } else { tail(logs) }
    )]
    InitFailed {
        /// The container.
        container: String,
        /// Its exit code.
        code: i64,
        /// Its last log lines.
        logs: Vec<String>,
        /// The lines were reported as [`RuntimeEvent::InitLog`]s already, so the message
        /// does not repeat them.
        shown: bool,
    },
    /// A container keeps exiting (Kubernetes' `CrashLoopBackOff`).
    #[error(
        "container `{container}` keeps exiting (exit code {code}, {restarts} restarts){}",
        tail(logs)
    )]
    CrashLoop {
        /// The container.
        container: String,
        /// Its last exit code.
        code: i64,
        /// Restarts so far.
        restarts: i64,
        /// Its last log lines.
        logs: Vec<String>,
    },
    /// `up` was interrupted (Ctrl-C, SIGTERM); what it created has been removed.
    #[error("interrupted; everything created so far was removed")]
    Interrupted,
    /// The plan asks for something this runtime cannot do.
    #[error("{0}")]
    Unsupported(String),
    /// A Docker call failed.
    #[error(transparent)]
    Docker(#[from] docker::DockerError),
    /// The embedded runtime failed.
    #[error(transparent)]
    Embedded(Box<embedded::EmbeddedError>),
    /// seldon-local's own image could not be assembled.
    #[error("failed to package `{}` into an image", path.display())]
    PackageImage {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

fn tail(logs: &[String]) -> String {
    if logs.is_empty() {
        return String::new();
    }
    let mut out = String::from("; last log lines:");
    for line in logs {
        out.push_str("\n  ");
        out.push_str(line);
    }
    out
}

/// The name of the hidden subcommand that plays a role inside seldon-local's image, if any.
#[must_use]
pub fn builtin_component(role: &Role) -> Option<&'static str> {
    match role {
        Role::Executor => Some("executor"),
        Role::TfservingProxy => Some("tfserving-proxy"),
        Role::TensorflowServer => Some("tensorflow-model-server"),
        Role::Triton => Some("tritonserver"),
        Role::StorageInitializer => Some("storage-initializer"),
        Role::RequestSink => Some("request-sink"),
        Role::PrepackagedServer { .. } | Role::Mlserver { .. } | Role::Explainer | Role::Custom => {
            None
        }
    }
}

/// The endpoints of a plan, given the host port each (pod, container port) got. Keyed by pod,
/// not container: two predictors may hold containers of the same name.
#[must_use]
pub fn endpoints(plan: &Plan, host_ports: &BTreeMap<(String, u16), u16>) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for predictor in &plan.predictors {
        let pods: Vec<&crate::plan::Pod> = plan
            .pods
            .iter()
            .filter(|p| p.predictor == predictor.name)
            .collect();
        // Each TF unit in a pod of its own brings a `tfserving`: name them by their unit.
        let servers = pods
            .iter()
            .flat_map(|p| &p.containers)
            .filter(|c| c.role == Role::TensorflowServer && c.name == "tfserving")
            .count();
        for pod in pods {
            for container in &pod.containers {
                let name = match container.role {
                    Role::Executor => "engine".to_owned(),
                    Role::TensorflowServer if container.name == "tfserving" => {
                        let unit = pod
                            .containers
                            .iter()
                            .find(|c| c.role == Role::TfservingProxy)
                            .map(|c| c.name.as_str());
                        match unit {
                            Some(unit) if servers > 1 => format!("tensorflow-server:{unit}"),
                            _ => "tensorflow-server".to_owned(),
                        }
                    }
                    _ => container.name.clone(),
                };
                let mut seen = Vec::new();
                for port in &container.ports {
                    let protocol = match (port.name.as_deref(), &container.role) {
                        (Some("http"), _) => "rest",
                        (Some("grpc"), _) => "grpc",
                        (None, Role::TensorflowServer) if port.container_port == 2001 => "rest",
                        (None, Role::TensorflowServer) if port.container_port == 2000 => "grpc",
                        (None, Role::TensorflowServer) if port.container_port == 8501 => "rest",
                        (None, Role::TensorflowServer) if port.container_port == 8500 => "grpc",
                        // 1.2.1's executor has one unnamed port, serving the deployment's
                        // transport.
                        (None, Role::Executor) if plan.transport != "grpc" => "rest",
                        _ => continue,
                    };
                    if seen.contains(&port.container_port) {
                        continue;
                    }
                    seen.push(port.container_port);
                    let Some(host) = host_ports.get(&(pod.name.clone(), port.container_port))
                    else {
                        continue;
                    };
                    out.push(Endpoint {
                        predictor: predictor.name.clone(),
                        name: name.clone(),
                        container: container.name.clone(),
                        protocol: protocol.to_owned(),
                        address: if protocol == "rest" {
                            format!("http://127.0.0.1:{host}")
                        } else {
                            format!("127.0.0.1:{host}")
                        },
                    });
                }
            }
        }
    }
    out
}

/// A `seldon-local predict NAME` command line sending one prediction to the first predictor's
/// REST entry point (the engine, or the graph's root unit when there is no engine). It names
/// the deployment, not a port, so it keeps working across `up`s; the body is a placeholder
/// that `up` replaces with one shaped for the model (see [`Running::predict_url`]).
#[must_use]
pub fn predict_command(plan: &Plan, endpoints: &[Endpoint]) -> Option<String> {
    let (_, unit) = predict_entry(plan, endpoints)?;
    let mut command = format!("seldon-local predict {}", plan.deployment);
    if let Some(unit) = unit {
        let _ = write!(command, " --unit {unit}");
    }
    command.push_str(" --ndarray '[[1.0, 2.0]]'");
    Some(command)
}

/// The URL the predict command sends to (for the equivalent `curl` line).
#[must_use]
pub fn predict_url(plan: &Plan, endpoints: &[Endpoint]) -> Option<String> {
    let (entry, unit) = predict_entry(plan, endpoints)?;
    let root = &plan.predictors.first()?.graph_root;
    let path = match (plan.protocol.as_str(), unit.is_some()) {
        ("tensorflow", _) => format!("/v1/models/{root}:predict"),
        ("v2" | "kfserving", _) => format!("/v2/models/{root}/infer"),
        (_, false) => "/api/v1.0/predictions".to_owned(),
        (_, true) => "/predict".to_owned(),
    };
    Some(format!("{}{path}", entry.address))
}

/// The first predictor's REST entry point, and the unit it is when there is no engine.
fn predict_entry<'a>(
    plan: &'a Plan,
    endpoints: &'a [Endpoint],
) -> Option<(&'a Endpoint, Option<&'a String>)> {
    let predictor = plan.predictors.first()?;
    let engine = endpoints
        .iter()
        .find(|e| e.predictor == predictor.name && e.name == "engine" && e.protocol == "rest");
    Some(match engine {
        Some(engine) => (engine, None),
        None => (
            endpoints.iter().find(|e| {
                e.predictor == predictor.name
                    && e.name == predictor.graph_root
                    && e.protocol == "rest"
            })?,
            Some(&predictor.graph_root),
        ),
    })
}

/// Tells a running `up` to stop, roll back and return [`RuntimeError::Interrupted`].
#[derive(Debug, Clone)]
pub struct Cancel(tokio::sync::watch::Receiver<bool>);

/// The sending side of a [`Cancel`].
#[derive(Debug)]
pub struct Canceller(tokio::sync::watch::Sender<bool>);

impl Cancel {
    /// A pair: cancel with the [`Canceller`].
    #[must_use]
    pub fn new() -> (Canceller, Self) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        (Canceller(tx), Self(rx))
    }

    /// A token that never fires.
    #[must_use]
    pub fn never() -> Self {
        // A closed channel without `true` never reads as cancelled.
        let (_, rx) = tokio::sync::watch::channel(false);
        Self(rx)
    }

    /// Whether cancellation was asked for.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves when cancellation is asked for (never, if the sender is gone without asking).
    pub async fn cancelled(&self) {
        let mut rx = self.0.clone();
        if rx.wait_for(|c| *c).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

impl Canceller {
    /// Asks the `up` to stop.
    pub fn cancel(&self) {
        let _ = self.0.send(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Container, Pod, Port, Predictor};

    fn container(name: &str, role: Role, ports: &[(Option<&str>, u16)]) -> Container {
        Container {
            name: name.into(),
            role,
            image: String::new(),
            command: vec![],
            args: vec![],
            env: vec![],
            env_from: vec![],
            ports: ports
                .iter()
                .map(|(n, p)| Port {
                    name: n.map(str::to_owned),
                    container_port: *p,
                })
                .collect(),
            mounts: vec![],
            readiness: None,
            liveness: None,
            run_as_user: None,
            working_dir: None,
        }
    }

    fn plan(protocol: &str, with_engine: bool) -> Plan {
        let mut containers = vec![
            container(
                "mnist-model",
                Role::TfservingProxy,
                &[
                    (Some("http"), 9000),
                    (Some("grpc"), 9500),
                    (Some("metrics"), 6000),
                ],
            ),
            container(
                "tfserving",
                Role::TensorflowServer,
                &[(None, 2000), (None, 2001)],
            ),
        ];
        if with_engine {
            containers.push(container(
                "seldon-container-engine",
                Role::Executor,
                &[
                    (Some("http"), 8000),
                    (Some("metrics"), 8000),
                    (Some("grpc"), 5001),
                ],
            ));
        }
        Plan {
            deployment: "tfserving".into(),
            namespace: "default".into(),
            seldon_version: "1.18.2".into(),
            protocol: protocol.into(),
            transport: "rest".into(),
            predictors: vec![Predictor {
                name: "default".into(),
                service: "tfserving-default".into(),
                executor_pod: None,
                graph_root: "mnist-model".into(),
                traffic: None,
                shadow: false,
            }],
            pods: vec![Pod {
                name: "p".into(),
                predictor: "default".into(),
                labels: BTreeMap::new(),
                annotations: BTreeMap::new(),
                init_containers: vec![],
                containers,
                volumes: vec![],
            }],
            services: vec![],
            objects: vec![],
        }
    }

    fn ports() -> BTreeMap<(String, u16), u16> {
        [
            ("mnist-model", 9000, 1),
            ("mnist-model", 9500, 2),
            ("mnist-model", 6000, 3),
            ("tfserving", 2000, 4),
            ("tfserving", 2001, 5),
            ("seldon-container-engine", 8000, 6),
            ("seldon-container-engine", 5001, 7),
        ]
        .into_iter()
        // One pod, `p`: a port number is unique in a pod, whichever container declares it.
        .map(|(_container, p, h)| (("p".to_owned(), p), h))
        .collect()
    }

    #[test]
    fn two_predictors_with_a_container_of_the_same_name_keep_their_own_ports() {
        let mut plan = plan("seldon", false);
        let mut canary_pod = plan.pods[0].clone();
        canary_pod.name = "q".into();
        canary_pod.predictor = "canary".into();
        plan.pods.push(canary_pod);
        let mut canary = plan.predictors[0].clone();
        canary.name = "canary".into();
        plan.predictors.push(canary);
        let mut ports = ports();
        ports.insert(("q".to_owned(), 9000), 42);
        let addresses: Vec<(String, String)> = endpoints(&plan, &ports)
            .into_iter()
            .filter(|e| e.name == "mnist-model" && e.protocol == "rest")
            .map(|e| (e.predictor, e.address))
            .collect();
        assert_eq!(
            addresses,
            [
                ("default".to_owned(), "http://127.0.0.1:1".to_owned()),
                ("canary".to_owned(), "http://127.0.0.1:42".to_owned()),
            ]
        );
    }

    #[test]
    fn endpoints_list_the_engine_each_unit_and_the_tf_server() {
        let endpoints = endpoints(&plan("seldon", true), &ports());
        let rows: Vec<(&str, &str, &str)> = endpoints
            .iter()
            .map(|e| (e.name.as_str(), e.protocol.as_str(), e.address.as_str()))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("mnist-model", "rest", "http://127.0.0.1:1"),
                ("mnist-model", "grpc", "127.0.0.1:2"),
                ("tensorflow-server", "grpc", "127.0.0.1:4"),
                ("tensorflow-server", "rest", "http://127.0.0.1:5"),
                ("engine", "rest", "http://127.0.0.1:6"),
                ("engine", "grpc", "127.0.0.1:7"),
            ]
        );
        assert_eq!(
            predict_command(&plan("seldon", true), &endpoints).unwrap(),
            "seldon-local predict tfserving --ndarray '[[1.0, 2.0]]'"
        );
        assert_eq!(
            predict_url(&plan("seldon", true), &endpoints).unwrap(),
            "http://127.0.0.1:6/api/v1.0/predictions"
        );
    }

    #[test]
    fn the_1_2_1_engine_port_is_unnamed_and_serves_the_transport() {
        let mut plan = plan("seldon", true);
        plan.pods[0].containers[2] = container(
            "seldon-container-engine",
            Role::Executor,
            &[(None, 8000), (Some("metrics"), 8000)],
        );
        let engine = |plan: &Plan| -> Vec<(String, String)> {
            endpoints(plan, &ports())
                .into_iter()
                .filter(|e| e.name == "engine")
                .map(|e| (e.protocol, e.address))
                .collect()
        };
        assert_eq!(
            engine(&plan),
            vec![("rest".to_owned(), "http://127.0.0.1:6".to_owned())]
        );
        plan.transport = "grpc".into();
        assert_eq!(engine(&plan), vec![]);
    }

    #[test]
    fn without_an_engine_the_predict_command_calls_the_root_unit() {
        let plan = plan("tensorflow", false);
        let endpoints = endpoints(&plan, &ports());
        assert_eq!(
            predict_command(&plan, &endpoints).unwrap(),
            "seldon-local predict tfserving --unit mnist-model --ndarray '[[1.0, 2.0]]'"
        );
        assert_eq!(
            predict_url(&plan, &endpoints).unwrap(),
            "http://127.0.0.1:1/v1/models/mnist-model:predict"
        );
    }

    #[test]
    fn errors_show_the_last_log_lines() {
        let error = RuntimeError::Timeout {
            what: "container `x` to be ready (TCP :9000)".into(),
            after: Duration::from_secs(3),
            logs: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            error.to_string(),
            "timed out after 3s waiting for container `x` to be ready (TCP :9000); last log lines:\n  a\n  b"
        );
    }
}
