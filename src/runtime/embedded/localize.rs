//! The plan rewritten for one process on 127.0.0.1: every declared port gets a host port,
//! every volume a directory, and the env and args the roles read are rewritten to match
//! (`0.0.0.0:2001` in the proxy's parameters, the endpoints inside `ENGINE_PREDICTOR`, mount
//! paths such as `/mnt/models`). Pure: the caller binds the ports and makes the directories.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::components::python::{PythonServer, ServerKind};
use crate::plan::{Container, EnvValue, Plan, Probe, ProbeAction, Role, VolumeSource};

/// Host resources assigned to a plan.
#[derive(Debug, Clone, Default)]
pub struct HostLayout {
    /// (pod, container port) → host port on 127.0.0.1.
    pub ports: BTreeMap<(String, u16), u16>,
    /// (pod, volume) → directory.
    pub volumes: BTreeMap<(String, String), PathBuf>,
    /// Directory that relative model paths are resolved against (the sdep file's).
    pub base_dir: PathBuf,
    /// Container name → a local command that plays it instead of its image (`--exec`).
    pub exec: BTreeMap<String, String>,
    /// Whether Python-backed prepackaged servers are played (by `seldon-core-microservice`).
    pub python: bool,
}

/// A container ready to be played in-process.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalContainer {
    /// The pod (Deployment) it belongs to.
    pub pod: String,
    /// Container name.
    pub name: String,
    /// The role it plays.
    pub role: Role,
    /// The image the operator names (for messages).
    pub image: String,
    /// Arguments, rewritten.
    pub args: Vec<String>,
    /// Environment, rewritten (literal values only).
    pub env: BTreeMap<String, String>,
    /// Container path → host directory.
    pub mounts: Vec<(String, PathBuf)>,
    /// Container port → host port.
    pub ports: Vec<(u16, u16)>,
    /// Readiness probe, on host ports.
    pub readiness: Option<Probe>,
    /// Liveness probe, on host ports.
    pub liveness: Option<Probe>,
    /// A local command that plays this container instead of its image (`--exec`). Its env
    /// port numbers (`PREDICTIVE_UNIT_HTTP_SERVICE_PORT`...) are host ports.
    pub exec: Option<String>,
    /// A prepackaged server played by `seldon-core-microservice` with seldon-local's server
    /// class ([`crate::components::python`]): a local process, its env ports rewritten as for
    /// `exec`.
    pub python: Option<PythonServer>,
}

impl LocalContainer {
    /// Whether a local process plays it (`--exec` or a Python server), binding the host ports
    /// its env and flags name.
    #[must_use]
    pub fn is_process(&self) -> bool {
        self.exec.is_some() || self.python.is_some()
    }

    /// The host path of a path inside the container, through its mounts.
    #[must_use]
    pub fn host_path(&self, path: &str) -> Option<PathBuf> {
        self.mounts.iter().find_map(|(mount, host)| {
            let rest = path.strip_prefix(mount.as_str())?;
            if rest.is_empty() {
                Some(host.clone())
            } else {
                rest.strip_prefix('/').map(|r| host.join(r))
            }
        })
    }

    /// The host port of a container port.
    #[must_use]
    pub fn host_port(&self, port: u16) -> Option<u16> {
        self.ports.iter().find(|(c, _)| *c == port).map(|(_, h)| *h)
    }
}

/// A pod ready to be played in-process.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalPod {
    /// Pod name.
    pub name: String,
    /// Run in order to completion first.
    pub init_containers: Vec<LocalContainer>,
    /// Then these.
    pub containers: Vec<LocalContainer>,
    /// The downward-API annotations file, and where it goes.
    pub podinfo: Option<(PathBuf, String)>,
}

/// What stops a plan from running in-process.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalizeError {
    /// A container has no builtin role and no local command.
    #[error(
        "container `{container}` of pod `{pod}` runs `{image}`, which seldon-local cannot play \
         in-process; give it a local command with `--exec {container}=COMMAND`, or run it with \
         `--runtime docker`"
    )]
    NoBuiltin {
        pod: String,
        container: String,
        image: String,
    },
    /// A `TEMPO_SERVER` unit: its runtime does not run on the MLServer the others use.
    #[error(
        "container `{container}` of pod `{pod}` is a TEMPO_SERVER unit, which seldon-local cannot \
         play: its runtime, `tempo.mlserver.InferenceRuntime` from mlops-tempo (last release \
         0.5.2, 2022), is written for pydantic 1 and fails to import beside MLServer 1.7.1, \
         which needs pydantic 2; serve the model with a v2 SKLEARN_SERVER, XGBOOST_SERVER, \
         MLFLOW_SERVER or HUGGINGFACE_SERVER unit, give it your own MLServer with \
         `--exec {container}=COMMAND`, or run it with `--runtime docker` (`{image}`)"
    )]
    Tempo {
        pod: String,
        container: String,
        image: String,
    },
    /// A volume kind that has no local equivalent.
    #[error(
        "volume `{volume}` of pod `{pod}` is a {kind}, which the embedded runtime cannot provide"
    )]
    UnsupportedVolume {
        pod: String,
        volume: String,
        kind: String,
    },
    /// `ENGINE_PREDICTOR` is not the operator's base64 JSON.
    #[error("`ENGINE_PREDICTOR` of pod `{pod}` is not base64 JSON")]
    EnginePredictor { pod: String },
}

/// Rewrites the plan for in-process execution; also returns warnings (env from Secrets...).
pub fn localize(
    plan: &Plan,
    layout: &HostLayout,
) -> Result<(Vec<LocalPod>, Vec<String>), LocalizeError> {
    let mut warnings = Vec::new();
    let mut pods = Vec::new();
    for pod in &plan.pods {
        let mut volumes = BTreeMap::new();
        let mut podinfo = None;
        for volume in &pod.volumes {
            let key = (pod.name.clone(), volume.name.clone());
            let dir = layout.volumes.get(&key).cloned();
            match (&volume.source, dir) {
                (
                    VolumeSource::EmptyDir
                    | VolumeSource::Pvc { .. }
                    | VolumeSource::HostPath { .. },
                    Some(dir),
                ) => {
                    volumes.insert(volume.name.clone(), dir);
                }
                (VolumeSource::PodInfo, Some(dir)) => {
                    podinfo = Some((dir.join("annotations"), pod.podinfo_annotations()));
                    volumes.insert(volume.name.clone(), dir);
                }
                (source, _) => {
                    let used = pod
                        .all_containers()
                        .any(|c| c.mounts.iter().any(|m| m.volume == volume.name));
                    if used {
                        return Err(LocalizeError::UnsupportedVolume {
                            pod: pod.name.clone(),
                            volume: volume.name.clone(),
                            kind: format!("{source:?}"),
                        });
                    }
                }
            }
        }
        let local = |container: &Container, init: bool, warnings: &mut Vec<String>| {
            localize_container(plan, layout, &pod.name, container, init, &volumes, warnings)
        };
        let init_containers = pod
            .init_containers
            .iter()
            .map(|c| local(c, true, &mut warnings))
            .collect::<Result<_, _>>()?;
        let containers = pod
            .containers
            .iter()
            .map(|c| local(c, false, &mut warnings))
            .collect::<Result<_, _>>()?;
        pods.push(LocalPod {
            name: pod.name.clone(),
            init_containers,
            containers,
            podinfo,
        });
    }
    Ok((pods, warnings))
}

/// The prepack whose MLServer runtime (mlops-tempo) cannot be installed beside MLServer 1.7.1.
const TEMPO: &str = "TEMPO_SERVER";

/// The Python server a container is played by, if it is one: a seldon-protocol prepack, or a
/// v2 one whose `MLSERVER_MODEL_IMPLEMENTATION` (the operator's, or the user's) is a class of
/// the kind's MLServer runtime, or empty.
#[must_use]
pub fn python_server(container: &Container) -> Option<PythonServer> {
    match &container.role {
        Role::PrepackagedServer { implementation } => ServerKind::of_implementation(implementation)
            .filter(|kind| kind.has_seldon_server())
            .map(PythonServer::seldon),
        Role::Mlserver { implementation } => {
            let kind = ServerKind::of_implementation(implementation)?;
            let class = container.env.iter().find_map(|variable| {
                match (&variable.value, variable.name.as_str()) {
                    (EnvValue::Literal(value), "MLSERVER_MODEL_IMPLEMENTATION") => Some(value),
                    _ => None,
                }
            });
            // An empty class (the operator's for a `--config` server such as LIGHTGBM_SERVER)
            // leaves the choice to the model's `model-settings.json`, else the kind's runtime.
            match class.filter(|class| !class.trim().is_empty()) {
                Some(class) if ServerKind::of_mlserver_implementation(class) != Some(kind) => None,
                _ => Some(PythonServer::mlserver(kind)),
            }
        }
        _ => None,
    }
}

fn has_builtin(role: &Role) -> bool {
    matches!(
        role,
        Role::Executor
            | Role::TfservingProxy
            | Role::TensorflowServer
            | Role::Triton
            | Role::StorageInitializer
            | Role::RequestSink
    )
}

#[allow(
    clippy::too_many_lines,
    reason = "one container's ports, args, env and probe, rewritten in turn"
)]
fn localize_container(
    plan: &Plan,
    layout: &HostLayout,
    pod: &str,
    container: &Container,
    init: bool,
    volumes: &BTreeMap<String, PathBuf>,
    warnings: &mut Vec<String>,
) -> Result<LocalContainer, LocalizeError> {
    let exec = layout.exec.get(&container.name).cloned();
    let python = python_server(container).filter(|_| exec.is_none() && layout.python);
    let process = exec.is_some() || python.is_some();
    if !process
        && matches!(&container.role, Role::Mlserver { implementation } if implementation == TEMPO)
    {
        return Err(LocalizeError::Tempo {
            pod: pod.to_owned(),
            container: container.name.clone(),
            image: container.image.clone(),
        });
    }
    if !process && !has_builtin(&container.role) {
        return Err(LocalizeError::NoBuiltin {
            pod: pod.to_owned(),
            container: container.name.clone(),
            image: container.image.clone(),
        });
    }
    let mounts: Vec<(String, PathBuf)> = container
        .mounts
        .iter()
        .filter_map(|m| {
            volumes
                .get(&m.volume)
                .map(|dir| (m.path.clone(), dir.clone()))
        })
        .collect();
    let mut ports: Vec<(u16, u16)> = Vec::new();
    for port in &container.ports {
        // 1.18.2's executor declares 8000 twice (`http` and `metrics`): one listener.
        if let Some(host) = layout.ports.get(&(pod.to_owned(), port.container_port))
            && !ports.iter().any(|(c, _)| *c == port.container_port)
        {
            ports.push((port.container_port, *host));
        }
    }
    let rewrite = |text: &str| rewrite_paths(&rewrite_addresses(text, pod, layout), &mounts);
    let mut args: Vec<String> = container.args.iter().map(|a| rewrite(a)).collect();
    if process {
        // A local command binds what its flags say (`--rest_api_port=2001`): host ports.
        args = args
            .iter()
            .map(|a| rewrite_port_flag(a, pod, layout))
            .collect();
    }
    if init
        && container.role == Role::StorageInitializer
        && let Some(source) = args.first_mut()
    {
        *source = resolve_local_source(source, &layout.base_dir);
    }
    let mut env = BTreeMap::new();
    for variable in &container.env {
        match &variable.value {
            // The operator's default logger URL names a Service: its host port here.
            EnvValue::Literal(value) if variable.name == "REQUEST_LOGGER_DEFAULT_ENDPOINT" => {
                env.insert(
                    variable.name.clone(),
                    rewrite_service_url(plan, layout, value).unwrap_or_else(|| value.clone()),
                );
            }
            EnvValue::Literal(value) if variable.name == "ENGINE_PREDICTOR" => {
                let rewritten = rewrite_engine_predictor(plan, layout, pod, value)
                    .ok_or_else(|| LocalizeError::EnginePredictor { pod: pod.to_owned() })?;
                env.insert(variable.name.clone(), rewritten);
            }
            // A local command binds what its env says, so its port numbers are host ports;
            // builtin roles are handed listeners keyed by container port instead.
            // A local command reads the model's path from its parameters.
            EnvValue::Literal(value) if process && variable.name == PARAMETERS => {
                env.insert(variable.name.clone(), rewrite_parameters(value, &mounts));
            }
            EnvValue::Literal(value) if process && variable.name.ends_with("_PORT") => {
                let mapped = value
                    .parse::<u16>()
                    .ok()
                    .and_then(|port| host_port(layout, pod, port))
                    .map_or_else(|| value.clone(), |port| port.to_string());
                env.insert(variable.name.clone(), mapped);
            }
            EnvValue::Literal(value) => {
                env.insert(variable.name.clone(), rewrite(value));
            }
            EnvValue::FromSource(source) => warnings.push(format!(
                "`{}` of container `{}` comes from `{source}`, which the embedded runtime cannot read; it is left unset",
                variable.name, container.name
            )),
        }
    }
    let on_host = |probe: &Probe| {
        let mut probe = probe.clone();
        probe.action = match probe.action {
            ProbeAction::Http { path, port, scheme } => match host_port(layout, pod, port) {
                Some(port) => ProbeAction::Http { path, port, scheme },
                None => ProbeAction::Unsupported {
                    reason: format!("port {port} is not declared"),
                },
            },
            ProbeAction::Tcp { port } => match host_port(layout, pod, port) {
                Some(port) => ProbeAction::Tcp { port },
                None => ProbeAction::Unsupported {
                    reason: format!("port {port} is not declared"),
                },
            },
            other => other,
        };
        probe
    };
    let readiness = container.readiness.as_ref().map(on_host);
    let liveness = container.liveness.as_ref().map(on_host);
    Ok(LocalContainer {
        pod: pod.to_owned(),
        name: container.name.clone(),
        role: container.role.clone(),
        image: container.image.clone(),
        args,
        env,
        mounts,
        ports,
        readiness,
        liveness,
        exec,
        python,
    })
}

/// `PREDICTIVE_UNIT_PARAMETERS`, the operator's JSON list of `{name, value, type}`.
const PARAMETERS: &str = crate::env::PREDICTIVE_UNIT_PARAMETERS;

/// Every parameter value that is a mount path (`model_uri` = `/mnt/models`) becomes its host
/// directory; text that is not the operator's JSON list stays as it is.
fn rewrite_parameters(text: &str, mounts: &[(String, PathBuf)]) -> String {
    let Ok(mut parameters) = serde_json::from_str::<Vec<Value>>(text) else {
        return text.to_owned();
    };
    for parameter in &mut parameters {
        if let Some(value) = parameter.get_mut("value")
            && let Some(path) = value.as_str()
        {
            *value = Value::from(rewrite_paths(path, mounts));
        }
    }
    serde_json::to_string(&parameters).unwrap_or_else(|_| text.to_owned())
}

fn host_port(layout: &HostLayout, pod: &str, port: u16) -> Option<u16> {
    layout.ports.get(&(pod.to_owned(), port)).copied()
}

/// `0.0.0.0:P`, `localhost:P` and `127.0.0.1:P` become `127.0.0.1:<host port of P in this pod>`.
fn rewrite_addresses(text: &str, pod: &str, layout: &HostLayout) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for host in ["0.0.0.0:", "localhost:", "127.0.0.1:"] {
            if let Some(after) = rest.strip_prefix(host) {
                let digits = after.bytes().take_while(u8::is_ascii_digit).count();
                if let Ok(port) = after[..digits].parse::<u16>()
                    && let Some(mapped) = host_port(layout, pod, port)
                {
                    out.push_str("127.0.0.1:");
                    out.push_str(&mapped.to_string());
                    rest = &after[digits..];
                    continue 'scan;
                }
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// `--<anything>port=N`, N a declared port of the pod, becomes `--...port=<host port>`.
fn rewrite_port_flag(arg: &str, pod: &str, layout: &HostLayout) -> String {
    if let Some((flag, value)) = arg.split_once('=')
        && flag.starts_with('-')
        && flag.to_ascii_lowercase().ends_with("port")
        && let Some(mapped) = value
            .parse::<u16>()
            .ok()
            .and_then(|port| host_port(layout, pod, port))
    {
        return format!("{flag}={mapped}");
    }
    arg.to_owned()
}

/// A mount path, alone or after `--flag=`, becomes its host directory.
fn rewrite_paths(text: &str, mounts: &[(String, PathBuf)]) -> String {
    let (prefix, value) = match text.split_once('=') {
        Some((flag, value)) if flag.starts_with('-') => (format!("{flag}="), value),
        _ => (String::new(), text),
    };
    for (mount, host) in mounts {
        if let Some(rest) = value.strip_prefix(mount.as_str())
            && (rest.is_empty() || rest.starts_with('/'))
        {
            return format!("{prefix}{}{rest}", host.display());
        }
    }
    text.to_owned()
}

/// `file://` and relative paths become absolute host paths; remote URIs stay as they are.
fn resolve_local_source(source: &str, base: &Path) -> String {
    let path = source.strip_prefix("file://").unwrap_or(source);
    let remote = source.contains("://") && !source.starts_with("file://");
    let rclone = !source.contains("://") && source.contains(':');
    if remote || rclone {
        return source.to_owned();
    }
    let path = Path::new(path);
    if path.is_absolute() {
        path.display().to_string()
    } else {
        base.join(path).display().to_string()
    }
}

/// Points every graph node of `ENGINE_PREDICTOR` at its host port on 127.0.0.1.
fn rewrite_engine_predictor(
    plan: &Plan,
    layout: &HostLayout,
    pod: &str,
    encoded: &str,
) -> Option<String> {
    let bytes = STANDARD.decode(encoded).ok()?;
    let mut predictor: Value = serde_json::from_slice(&bytes).ok()?;
    if let Some(graph) = predictor.get_mut("graph") {
        rewrite_node(plan, layout, pod, graph);
    }
    Some(STANDARD.encode(serde_json::to_vec(&predictor).ok()?))
}

fn rewrite_node(plan: &Plan, layout: &HostLayout, pod: &str, node: &mut Value) {
    // A logger URL naming a Service of the plan (the default broker) points at its host port.
    if let Some(logger) = node.get_mut("logger").and_then(Value::as_object_mut)
        && let Some(url) = logger.get("url").and_then(Value::as_str)
        && let Some(local) = rewrite_service_url(plan, layout, url)
    {
        logger.insert("url".to_owned(), Value::from(local));
    }
    if let Some(endpoint) = node.get_mut("endpoint").and_then(Value::as_object_mut) {
        let host = endpoint
            .get("service_host")
            .and_then(Value::as_str)
            .unwrap_or("localhost")
            .to_owned();
        let target = target_pod(plan, pod, &host);
        for key in ["service_port", "httpPort", "grpcPort"] {
            let port = endpoint
                .get(key)
                .and_then(Value::as_u64)
                .and_then(|p| u16::try_from(p).ok());
            if let (Some(port), Some(target)) = (port, target.as_deref())
                && let Some(mapped) = host_port(layout, target, port)
            {
                endpoint.insert(key.to_owned(), Value::from(mapped));
            }
        }
        endpoint.insert("service_host".to_owned(), Value::from("127.0.0.1"));
    }
    if let Some(children) = node.get_mut("children").and_then(Value::as_array_mut) {
        for child in children {
            rewrite_node(plan, layout, pod, child);
        }
    }
}

/// `http://<service>[:port][/path]` → `http://127.0.0.1:<host port>[/path]`, when the host is a
/// Service of the plan.
fn rewrite_service_url(plan: &Plan, layout: &HostLayout, url: &str) -> Option<String> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse::<u16>().ok()?),
        None => (authority, 80),
    };
    let host = host.trim_end_matches('.');
    let service = plan
        .services
        .iter()
        .find(|s| s.aliases.iter().any(|a| a == host))?;
    let target = service
        .ports
        .iter()
        .find(|p| p.port == port)
        .map_or(port, |p| p.target_port);
    let pod = service.pods.first()?;
    let mapped = host_port(layout, pod, target)?;
    Some(format!("http://127.0.0.1:{mapped}{path}"))
}

/// The pod a unit host names: this pod for `localhost`, else the pod behind the Service.
fn target_pod(plan: &Plan, pod: &str, host: &str) -> Option<String> {
    if matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0") {
        return Some(pod.to_owned());
    }
    let host = host.trim_end_matches('.');
    plan.services
        .iter()
        .find(|s| s.aliases.iter().any(|a| a == host))
        .and_then(|s| s.pods.first().cloned())
}
