//! The runtime view of the plan: pods, containers and Services with everything resolved that
//! a local runtime needs (numeric ports, literal env, volume kinds, roles).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::controller::PredictorObjects;
use super::objects::{self, Deployment};
use crate::sdep::consts::{
    ENGINE_CONTAINER_NAME, MODELS_PATH, PODINFO_VOLUME_NAME, TFSERVING_CONTAINER_NAME,
};
use crate::sdep::{self, IntOrString, PredictiveUnitImplementation, Validated};

/// What a container does, so a runtime can play it with a builtin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Role {
    /// The executor (`seldon-container-engine`).
    Executor,
    /// The tfserving proxy in front of TF Serving (seldon protocol).
    TfservingProxy,
    /// TF Serving itself.
    TensorflowServer,
    /// The storage initializer init container.
    StorageInitializer,
    /// A prepackaged Python server (SKLEARN_SERVER, ...) on the seldon protocol.
    PrepackagedServer {
        /// The implementation name.
        implementation: String,
    },
    /// MLServer (v2 protocol).
    Mlserver {
        /// The implementation name.
        implementation: String,
    },
    /// Triton (v2 protocol).
    Triton,
    /// An explainer.
    Explainer,
    /// A user's own container.
    Custom,
    /// seldon-local's request-log sink, standing in for the cluster's default broker.
    RequestSink,
}

impl Role {
    /// The role's short name, as `ps` shows it.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Executor => "executor",
            Self::TfservingProxy => "tfserving-proxy",
            Self::TensorflowServer => "tensorflow-server",
            Self::StorageInitializer => "storage-initializer",
            Self::PrepackagedServer { .. } => "prepackaged-server",
            Self::Mlserver { .. } => "mlserver",
            Self::Triton => "triton",
            Self::Explainer => "explainer",
            Self::Custom => "custom",
            Self::RequestSink => "request-sink",
        }
    }
}

/// A pod: one generated Deployment's template (replicas are not emulated).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pod {
    /// The Deployment name.
    pub name: String,
    /// The predictor it belongs to.
    pub predictor: String,
    /// Pod template labels.
    pub labels: BTreeMap<String, String>,
    /// Pod template annotations (the content of `/etc/podinfo/annotations`).
    pub annotations: BTreeMap<String, String>,
    /// Run to completion, in order, before the containers start.
    pub init_containers: Vec<Container>,
    /// The containers.
    pub containers: Vec<Container>,
    /// The pod's volumes.
    pub volumes: Vec<PodVolume>,
}

/// A container of a pod.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Container {
    /// Container name.
    pub name: String,
    /// What it does.
    pub role: Role,
    /// The image the operator names.
    pub image: String,
    /// Entrypoint override (empty: the image's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Arguments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Environment, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<Env>,
    /// Secrets and ConfigMaps loaded whole into the environment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_from: Vec<String>,
    /// Declared ports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// Volume mounts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
    /// Readiness probe, with ports resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Probe>,
    /// Liveness probe, with ports resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness: Option<Probe>,
    /// The uid it runs as (container, else pod security context).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<i64>,
    /// Working directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
}

impl Container {
    /// The literal value of an env var, if set to one.
    #[must_use]
    pub fn env_value(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|e| e.name == name)
            .and_then(|e| match &e.value {
                EnvValue::Literal(value) => Some(value.as_str()),
                EnvValue::FromSource(_) => None,
            })
    }

    /// The number of the port with this name.
    #[must_use]
    pub fn port(&self, name: &str) -> Option<u16> {
        self.ports
            .iter()
            .find(|p| p.name.as_deref() == Some(name))
            .map(|p| p.container_port)
    }
}

/// One env var.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Env {
    /// Name.
    pub name: String,
    /// Value.
    pub value: EnvValue,
}

/// An env value: literal, or taken from a source a local runtime must resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnvValue {
    /// A literal value.
    Literal(String),
    /// `valueFrom` (a Secret key, a field ref, ...), described.
    FromSource(String),
}

/// A container port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Port {
    /// Port name, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Port number.
    pub container_port: u16,
}

/// A volume mount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    /// Volume name.
    pub volume: String,
    /// Mount path.
    pub path: String,
    /// Read-only.
    pub read_only: bool,
}

/// A pod volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodVolume {
    /// Volume name.
    pub name: String,
    /// What backs it.
    pub source: VolumeSource,
}

/// What backs a volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum VolumeSource {
    /// A scratch directory (the model volume).
    EmptyDir,
    /// The downward-API file with the pod's annotations.
    PodInfo,
    /// A PersistentVolumeClaim.
    Pvc {
        /// The claim name.
        claim: String,
    },
    /// A Secret.
    Secret {
        /// The Secret name.
        name: String,
    },
    /// A ConfigMap.
    ConfigMap {
        /// The ConfigMap name.
        name: String,
    },
    /// A host path.
    HostPath {
        /// The path.
        path: String,
    },
    /// Something else a local runtime cannot provide.
    Unsupported {
        /// Its Kubernetes kind.
        kind: String,
    },
}

/// A probe with its port resolved to a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// What to check.
    pub action: ProbeAction,
    /// Seconds before the first check.
    pub initial_delay_seconds: u32,
    /// Seconds between checks.
    pub period_seconds: u32,
    /// Seconds a check may take.
    pub timeout_seconds: u32,
    /// Failures in a row that count as failed.
    pub failure_threshold: u32,
}

/// What a probe checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ProbeAction {
    /// An HTTP GET answered with 2xx or 3xx.
    Http {
        /// Path.
        path: String,
        /// Port.
        port: u16,
        /// `HTTP` or `HTTPS`.
        scheme: String,
    },
    /// A TCP connect.
    Tcp {
        /// Port.
        port: u16,
    },
    /// A command in the container.
    Exec {
        /// The command.
        command: Vec<String>,
    },
    /// A probe kind that cannot be checked from outside (gRPC, or a port that is not declared).
    Unsupported {
        /// Why.
        reason: String,
    },
}

/// A Service resolved to the pods it selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    /// Service name.
    pub name: String,
    /// DNS names it answers to inside the cluster.
    pub aliases: Vec<String>,
    /// Pods its selector matches.
    pub pods: Vec<String>,
    /// Ports.
    pub ports: Vec<ServicePort>,
}

/// A Service port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServicePort {
    /// Port name.
    pub name: String,
    /// Port on the Service.
    pub port: u16,
    /// Port on the pod.
    pub target_port: u16,
}

impl Pod {
    /// `/etc/podinfo/annotations` in the downward API's format: `key="value"` lines, sorted.
    #[must_use]
    pub fn podinfo_annotations(&self) -> String {
        let mut out = String::new();
        for (key, value) in &self.annotations {
            let _ = writeln!(out, "{key}={}", go_quote(value));
        }
        out
    }

    /// Every container, init containers first.
    pub fn all_containers(&self) -> impl Iterator<Item = &Container> {
        self.init_containers.iter().chain(&self.containers)
    }
}

/// Go's `%q` for the characters annotations use.
fn go_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn runtime_view(
    validated: &Validated,
    built: &[PredictorObjects],
) -> (Vec<Pod>, Vec<Service>) {
    let sdep = validated.sdep();
    let config = validated.config();
    let mut pods = Vec::new();
    let mut services = Vec::new();
    for (spec, predictor) in sdep.spec.predictors.iter().zip(built) {
        let roles = Roles::of(
            spec,
            sdep.spec.protocol(),
            &config.storage_initializer_image(),
        );
        for deployment in &predictor.deployments {
            pods.push(pod_of(deployment, &predictor.predictor, &roles));
        }
    }
    for predictor in built {
        for service in &predictor.services {
            services.push(service_of(service, &pods, sdep.namespace()));
        }
    }
    (pods, services)
}

struct Roles {
    by_container: BTreeMap<String, Role>,
}

impl Roles {
    fn of(predictor: &sdep::PredictorSpec, protocol: &str, _initializer_image: &str) -> Self {
        let mut by_container = BTreeMap::new();
        by_container.insert(ENGINE_CONTAINER_NAME.to_owned(), Role::Executor);
        for unit in predictor.graph.preorder() {
            if !unit.is_prepack() {
                continue;
            }
            let implementation = unit.implementation_str().to_owned();
            let role = match implementation.as_str() {
                PredictiveUnitImplementation::TENSORFLOW_SERVER if protocol == "tensorflow" => {
                    Role::TensorflowServer
                }
                PredictiveUnitImplementation::TENSORFLOW_SERVER => {
                    by_container
                        .insert(TFSERVING_CONTAINER_NAME.to_owned(), Role::TensorflowServer);
                    Role::TfservingProxy
                }
                PredictiveUnitImplementation::TRITON_SERVER => Role::Triton,
                _ if matches!(protocol, "kfserving" | "v2") => Role::Mlserver { implementation },
                _ => Role::PrepackagedServer { implementation },
            };
            by_container.insert(unit.name.clone(), role);
        }
        if let Some(explainer) = &predictor.explainer
            && let Some(container) = &explainer.container_spec
            && !container.name.is_empty()
        {
            by_container.insert(container.name.clone(), Role::Explainer);
        }
        Self { by_container }
    }

    fn role(&self, container: &sdep::Container, init: bool, deployment: &str) -> Role {
        if init {
            let initializer = container.name.ends_with("-model-initializer")
                && container.args.len() == 2
                && container.args[1] == MODELS_PATH;
            return if initializer {
                Role::StorageInitializer
            } else {
                Role::Custom
            };
        }
        if deployment.ends_with("-explainer") && container.name == deployment {
            return Role::Explainer;
        }
        self.by_container
            .get(&container.name)
            .cloned()
            .unwrap_or(Role::Custom)
    }
}

fn pod_of(deployment: &Deployment, predictor: &str, roles: &Roles) -> Pod {
    let template = &deployment.spec.template;
    let spec = &template.spec;
    let pod_user = spec.security_context.as_ref().and_then(|s| s.run_as_user);
    let convert = |c: &sdep::Container, init: bool| {
        container_of(c, roles.role(c, init, deployment.name()), pod_user)
    };
    Pod {
        name: deployment.name().to_owned(),
        predictor: predictor.to_owned(),
        labels: template.metadata.labels.clone(),
        annotations: template.metadata.annotations.clone(),
        init_containers: spec
            .init_containers
            .iter()
            .map(|c| convert(c, true))
            .collect(),
        containers: spec.containers.iter().map(|c| convert(c, false)).collect(),
        volumes: spec.volumes.iter().map(volume_of).collect(),
    }
}

fn port_number(port: i32) -> u16 {
    u16::try_from(port).unwrap_or_default()
}

fn container_of(container: &sdep::Container, role: Role, pod_user: Option<i64>) -> Container {
    let ports: Vec<Port> = container
        .ports
        .iter()
        .map(|p| Port {
            name: p.name.clone(),
            container_port: port_number(p.container_port),
        })
        .collect();
    let probe = |p: &sdep::Probe| probe_of(p, &ports);
    Container {
        name: container.name.clone(),
        role,
        image: container.image.clone().unwrap_or_default(),
        command: container.command.clone(),
        args: container.args.clone(),
        env: container
            .env
            .iter()
            .map(|e| Env {
                name: e.name.clone(),
                value: match (&e.value, &e.value_from) {
                    (_, Some(from)) => EnvValue::FromSource(describe_source(from)),
                    (value, None) => EnvValue::Literal(value.clone().unwrap_or_default()),
                },
            })
            .collect(),
        env_from: container
            .env_from
            .iter()
            .filter_map(|e| {
                e.secret_ref
                    .as_ref()
                    .map(|s| format!("secret/{}", s.name))
                    .or_else(|| {
                        e.config_map_ref
                            .as_ref()
                            .map(|c| format!("configmap/{}", c.name))
                    })
            })
            .collect(),
        readiness: container.readiness_probe.as_ref().map(probe),
        liveness: container.liveness_probe.as_ref().map(probe),
        ports,
        mounts: container
            .volume_mounts
            .iter()
            .map(|m| Mount {
                volume: m.name.clone(),
                path: m.mount_path.clone(),
                read_only: m.read_only.unwrap_or(false),
            })
            .collect(),
        run_as_user: container
            .security_context
            .as_ref()
            .and_then(|s| s.run_as_user)
            .or(pod_user),
        working_dir: container.working_dir.clone(),
    }
}

fn resolve_port(port: &IntOrString, ports: &[Port]) -> Option<u16> {
    match port {
        IntOrString::Int(n) => u16::try_from(*n).ok(),
        IntOrString::String(name) => ports
            .iter()
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .map(|p| p.container_port)
            .or_else(|| name.parse().ok()),
    }
}

fn probe_of(probe: &sdep::Probe, ports: &[Port]) -> Probe {
    let action = if let Some(http) = &probe.http_get {
        match resolve_port(&http.port, ports) {
            Some(port) => ProbeAction::Http {
                path: http.path.clone().unwrap_or_else(|| "/".to_owned()),
                port,
                scheme: http.scheme.clone().unwrap_or_else(|| "HTTP".to_owned()),
            },
            None => ProbeAction::Unsupported {
                reason: format!("port {:?} is not declared", http.port),
            },
        }
    } else if let Some(tcp) = &probe.tcp_socket {
        match resolve_port(&tcp.port, ports) {
            Some(port) => ProbeAction::Tcp { port },
            None => ProbeAction::Unsupported {
                reason: format!("port {:?} is not declared", tcp.port),
            },
        }
    } else if let Some(exec) = &probe.exec {
        let command = exec
            .get("command")
            .and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        ProbeAction::Exec { command }
    } else {
        ProbeAction::Unsupported {
            reason: "gRPC probes are not checked".to_owned(),
        }
    };
    let seconds =
        |v: Option<i32>, default: u32| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(default);
    Probe {
        action,
        initial_delay_seconds: seconds(probe.initial_delay_seconds, 0),
        period_seconds: seconds(probe.period_seconds, 10),
        timeout_seconds: seconds(probe.timeout_seconds, 1),
        failure_threshold: seconds(probe.failure_threshold, 3),
    }
}

fn describe_source(from: &serde_json::Value) -> String {
    let get = |kind: &str, key: &str| {
        from.get(kind)
            .and_then(|v| v.get(key))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    if let (Some(name), Some(key)) = (get("secretKeyRef", "name"), get("secretKeyRef", "key")) {
        return format!("secret/{name}#{key}");
    }
    if let (Some(name), Some(key)) = (
        get("configMapKeyRef", "name"),
        get("configMapKeyRef", "key"),
    ) {
        return format!("configmap/{name}#{key}");
    }
    if let Some(path) = get("fieldRef", "fieldPath") {
        return format!("field/{path}");
    }
    "unsupported valueFrom".to_owned()
}

fn volume_of(volume: &sdep::Volume) -> PodVolume {
    let name_in = |v: &Option<serde_json::Value>, key: &str| {
        v.as_ref()
            .and_then(|v| v.get(key))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let source = if volume.name == PODINFO_VOLUME_NAME && volume.downward_api.is_some() {
        VolumeSource::PodInfo
    } else if volume.empty_dir.is_some() {
        VolumeSource::EmptyDir
    } else if volume.persistent_volume_claim.is_some() {
        VolumeSource::Pvc {
            claim: name_in(&volume.persistent_volume_claim, "claimName"),
        }
    } else if volume.secret.is_some() {
        VolumeSource::Secret {
            name: name_in(&volume.secret, "secretName"),
        }
    } else if volume.config_map.is_some() {
        VolumeSource::ConfigMap {
            name: name_in(&volume.config_map, "name"),
        }
    } else if volume.host_path.is_some() {
        VolumeSource::HostPath {
            path: name_in(&volume.host_path, "path"),
        }
    } else {
        let kind = [
            ("downwardAPI", volume.downward_api.is_some()),
            ("projected", volume.projected.is_some()),
            ("csi", volume.csi.is_some()),
            ("ephemeral", volume.ephemeral.is_some()),
            ("nfs", volume.nfs.is_some()),
        ]
        .into_iter()
        .find_map(|(kind, set)| set.then_some(kind))
        .unwrap_or("unknown");
        VolumeSource::Unsupported {
            kind: kind.to_owned(),
        }
    };
    PodVolume {
        name: volume.name.clone(),
        source,
    }
}

fn service_of(service: &objects::Service, pods: &[Pod], namespace: &str) -> Service {
    let name = service.name().to_owned();
    let selected = pods
        .iter()
        .filter(|pod| {
            !service.spec.selector.is_empty()
                && service
                    .spec
                    .selector
                    .iter()
                    .all(|(k, v)| pod.labels.get(k) == Some(v))
        })
        .map(|pod| pod.name.clone())
        .collect();
    Service {
        aliases: vec![
            name.clone(),
            format!("{name}.{namespace}"),
            format!("{name}.{namespace}.svc"),
            format!("{name}.{namespace}.svc.cluster.local"),
        ],
        name,
        pods: selected,
        ports: service
            .spec
            .ports
            .iter()
            .map(|p| ServicePort {
                name: p.name.clone(),
                port: port_number(p.port),
                target_port: port_number(p.target_port),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podinfo_annotations_are_sorted_and_go_quoted() {
        let pod = Pod {
            name: "p".into(),
            predictor: "d".into(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::from([
                ("seldon.io/rest-timeout".to_owned(), "100".to_owned()),
                ("a".to_owned(), "say \"hi\"\n".to_owned()),
            ]),
            init_containers: vec![],
            containers: vec![],
            volumes: vec![],
        };
        assert_eq!(
            pod.podinfo_annotations(),
            "a=\"say \\\"hi\\\"\\n\"\nseldon.io/rest-timeout=\"100\"\n"
        );
    }
}
