//! PURE: the plan's pods as Docker request bodies. No IO; snapshot-tested.
//!
//! A pod becomes a *sandbox* container (seldon-local's image running `component pause`) that
//! owns the pod's network namespace, publishes the pod's ports on 127.0.0.1 and carries the
//! Service names as DNS aliases on the deployment's network; the pod's init containers and
//! containers join it with `container:<sandbox>`. Each `emptyDir` and the downward-API volume
//! is a named volume, mounted into the sandbox under [`VOLUMES_DIR`] so that their permissions
//! and content can be set through the sandbox before anything else starts.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub(crate) use bollard::models::{ContainerCreateBody, NetworkCreateRequest, VolumeCreateRequest};
use bollard::models::{
    EndpointSettings, HostConfig, Mount, MountType, NetworkingConfig, PortBinding, RestartPolicy,
    RestartPolicyNameEnum,
};

use super::labels;
use crate::components::storage::Source;
use crate::env::SELDON_LOCAL_BIND;
use crate::plan::{self, EnvValue, VolumeSource};

/// Where the sandbox mounts the pod's volumes, one directory per volume name.
pub const VOLUMES_DIR: &str = "/pod-volumes";
/// The path of seldon-local's binary inside its image.
pub const BINARY_PATH: &str = "/seldon-local";
/// The repository of seldon-local's image.
pub const IMAGE_REPOSITORY: &str = "seldon-local";

/// The image a container runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Image {
    /// The plan's image, as it is.
    Upstream(String),
    /// seldon-local's image, playing the role through `component <name>`.
    Builtin {
        /// The image tag.
        image: String,
        /// The hidden subcommand.
        component: &'static str,
    },
}

impl Image {
    /// The image reference.
    #[must_use]
    pub fn reference(&self) -> &str {
        match self {
            Self::Upstream(image) | Self::Builtin { image, .. } => image,
        }
    }
}

/// What every body of one pod shares.
#[derive(Debug, Clone)]
pub struct PodContext<'a> {
    /// The deployment.
    pub deployment: &'a str,
    /// Its namespace.
    pub namespace: &'a str,
    /// The session id.
    pub session: &'a str,
    /// seldon-local's image (the sandbox runs it).
    pub builtin_image: &'a str,
    /// The deployment's protocol.
    pub protocol: &'a str,
    /// The root unit of the pod's predictor's graph.
    pub graph_root: &'a str,
    /// The pod.
    pub pod: &'a plan::Pod,
    /// DNS names of the Services selecting the pod.
    pub aliases: Vec<String>,
    /// Host ports chosen by the user: (container, container port) → host port.
    pub fixed_ports: &'a BTreeMap<(String, u16), u16>,
}

/// Whether a container is an init container or a long-running one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Runs to completion before the others start.
    Init,
    /// Runs for the pod's lifetime.
    Main,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Self::Init => "init",
            Self::Main => "container",
        }
    }
}

/// A local directory bind-mounted read-only into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Path on the Docker host.
    pub host: PathBuf,
    /// Path in the container.
    pub container: String,
}

/// One container's body, with what could not be honoured.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    /// The container name.
    pub name: String,
    /// The create body.
    pub body: ContainerCreateBody,
    /// Things that could not be honoured (unresolvable env, unsupported volumes).
    pub warnings: Vec<String>,
}

/// Replaces what Docker does not accept in names.
#[must_use]
pub fn sanitise(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        out.insert(0, 'x');
    }
    out
}

/// The deployment's network.
#[must_use]
pub fn network_name(deployment: &str, namespace: &str) -> String {
    if namespace == "default" {
        sanitise(&format!("seldon-local_{deployment}"))
    } else {
        sanitise(&format!("seldon-local_{namespace}_{deployment}"))
    }
}

/// A container of a pod.
#[must_use]
pub fn container_name(pod: &str, container: &str) -> String {
    sanitise(&format!("{pod}_{container}"))
}

/// The pod's sandbox.
#[must_use]
pub fn sandbox_name(pod: &str) -> String {
    container_name(pod, labels::SANDBOX)
}

/// A pod volume backed by a named volume.
#[must_use]
pub fn volume_name(pod: &str, volume: &str) -> String {
    sanitise(&format!("{pod}_{volume}"))
}

/// The named volume backing a PersistentVolumeClaim (shared by the deployment's pods).
#[must_use]
pub fn claim_volume_name(deployment: &str, claim: &str) -> String {
    sanitise(&format!("{deployment}_pvc_{claim}"))
}

fn hash_map(labels: BTreeMap<String, String>) -> HashMap<String, String> {
    labels.into_iter().collect()
}

/// The deployment's bridge network, with its own DNS.
#[must_use]
pub fn network(deployment: &str, namespace: &str, session: &str) -> NetworkCreateRequest {
    NetworkCreateRequest {
        name: network_name(deployment, namespace),
        driver: Some("bridge".to_owned()),
        labels: Some(hash_map(labels::deployment(deployment, namespace, session))),
        ..Default::default()
    }
}

fn pod_labels(ctx: &PodContext<'_>) -> BTreeMap<String, String> {
    let mut out = ctx.pod.labels.clone();
    out.extend(labels::deployment(
        ctx.deployment,
        ctx.namespace,
        ctx.session,
    ));
    out.insert(labels::PREDICTOR.to_owned(), ctx.pod.predictor.clone());
    out.insert(labels::POD.to_owned(), ctx.pod.name.clone());
    out.insert(labels::PROTOCOL.to_owned(), ctx.protocol.to_owned());
    out.insert(labels::GRAPH_ROOT.to_owned(), ctx.graph_root.to_owned());
    out
}

/// The named volumes of a pod: (name, body). Claims are shared and named after the deployment.
#[must_use]
pub fn volumes(ctx: &PodContext<'_>) -> Vec<(String, VolumeCreateRequest)> {
    ctx.pod
        .volumes
        .iter()
        .filter_map(|v| {
            let name = backing_volume(ctx, v)?;
            let mut labels = pod_labels(ctx);
            labels.insert(labels::CONTAINER.to_owned(), v.name.clone());
            labels.insert(labels::KIND.to_owned(), "volume".to_owned());
            Some((
                name.clone(),
                VolumeCreateRequest {
                    name: Some(name),
                    labels: Some(hash_map(labels)),
                    ..Default::default()
                },
            ))
        })
        .collect()
}

fn backing_volume(ctx: &PodContext<'_>, volume: &plan::PodVolume) -> Option<String> {
    match &volume.source {
        VolumeSource::EmptyDir | VolumeSource::PodInfo => {
            Some(volume_name(&ctx.pod.name, &volume.name))
        }
        VolumeSource::Pvc { claim } => Some(claim_volume_name(ctx.deployment, claim)),
        VolumeSource::Secret { .. }
        | VolumeSource::ConfigMap { .. }
        | VolumeSource::HostPath { .. }
        | VolumeSource::Unsupported { .. } => None,
    }
}

/// Every port the pod publishes: (container, port), in plan order, without duplicates.
#[must_use]
pub fn published_ports(pod: &plan::Pod) -> Vec<(String, u16)> {
    let mut out: Vec<(String, u16)> = Vec::new();
    for container in &pod.containers {
        let probe_ports = [&container.readiness, &container.liveness]
            .into_iter()
            .flatten()
            .filter_map(|p| match p.action {
                plan::ProbeAction::Http { port, .. } | plan::ProbeAction::Tcp { port } => {
                    Some(port)
                }
                _ => None,
            });
        let ports = container
            .ports
            .iter()
            .map(|p| p.container_port)
            .chain(probe_ports);
        for port in ports {
            if port != 0 && !out.iter().any(|(_, p)| *p == port) {
                out.push((container.name.clone(), port));
            }
        }
    }
    out
}

/// The pod's sandbox: owns the network namespace, the published ports and the DNS aliases.
#[must_use]
pub fn sandbox(ctx: &PodContext<'_>) -> ContainerSpec {
    let name = sandbox_name(&ctx.pod.name);
    let mut labels = pod_labels(ctx);
    labels.insert(labels::CONTAINER.to_owned(), labels::SANDBOX.to_owned());
    labels.insert(labels::KIND.to_owned(), "sandbox".to_owned());
    labels.insert(labels::ROLE.to_owned(), "sandbox".to_owned());
    let ports = published_ports(ctx.pod);
    let port_bindings = ports
        .iter()
        .map(|(container, port)| {
            let host = ctx
                .fixed_ports
                .get(&(container.clone(), *port))
                .map_or_else(String::new, ToString::to_string);
            (
                format!("{port}/tcp"),
                Some(vec![PortBinding {
                    host_ip: Some("127.0.0.1".to_owned()),
                    host_port: Some(host),
                }]),
            )
        })
        .collect();
    let mounts = ctx
        .pod
        .volumes
        .iter()
        .filter_map(|v| {
            Some(Mount {
                target: Some(format!("{VOLUMES_DIR}/{}", v.name)),
                source: Some(backing_volume(ctx, v)?),
                typ: Some(MountType::VOLUME),
                ..Default::default()
            })
        })
        .collect();
    let network = network_name(ctx.deployment, ctx.namespace);
    let body = ContainerCreateBody {
        hostname: Some(ctx.pod.name.chars().take(63).collect()),
        image: Some(ctx.builtin_image.to_owned()),
        entrypoint: Some(vec![
            BINARY_PATH.to_owned(),
            "component".to_owned(),
            "pause".to_owned(),
        ]),
        labels: Some(hash_map(labels)),
        exposed_ports: Some(ports.iter().map(|(_, p)| format!("{p}/tcp")).collect()),
        host_config: Some(HostConfig {
            port_bindings: Some(port_bindings),
            mounts: Some(mounts),
            network_mode: Some(network.clone()),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            ..Default::default()
        }),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                network,
                EndpointSettings {
                    aliases: Some(ctx.aliases.clone()),
                    ..Default::default()
                },
            )])),
        }),
        ..Default::default()
    };
    ContainerSpec {
        name,
        body,
        warnings: Vec::new(),
    }
}

/// `http:PORT:PATH` or `tcp:PORT`: a probe the host can run against the pod's published ports.
fn probe_label(probe: &plan::Probe) -> Option<String> {
    match &probe.action {
        plan::ProbeAction::Http { port, path, .. } => Some(format!("http:{port}:{path}")),
        plan::ProbeAction::Tcp { port } => Some(format!("tcp:{port}")),
        _ => None,
    }
}

/// A container of the pod, joined to the sandbox's network namespace.
#[must_use]
pub fn container(
    ctx: &PodContext<'_>,
    container: &plan::Container,
    kind: Kind,
    image: &Image,
    binds: &[Bind],
) -> ContainerSpec {
    let name = container_name(&ctx.pod.name, &container.name);
    let mut warnings = Vec::new();
    let mut labels = pod_labels(ctx);
    labels.insert(labels::CONTAINER.to_owned(), container.name.clone());
    labels.insert(labels::KIND.to_owned(), kind.label().to_owned());
    labels.insert(labels::ROLE.to_owned(), container.role.as_str().to_owned());
    if kind == Kind::Main {
        let ports: Vec<String> = published_ports(ctx.pod)
            .into_iter()
            .filter(|(c, _)| *c == container.name)
            .map(|(_, p)| p.to_string())
            .collect();
        labels.insert(labels::PORTS.to_owned(), ports.join(","));
        if let Some(label) = container.readiness.as_ref().and_then(probe_label) {
            labels.insert(labels::READINESS.to_owned(), label);
        }
        if let Some(probe) = &container.liveness
            && let Some(label) = probe_label(probe)
        {
            labels.insert(labels::LIVENESS.to_owned(), label);
            labels.insert(
                labels::LIVENESS_TIMING.to_owned(),
                format!(
                    "{},{},{},{}",
                    probe.initial_delay_seconds,
                    probe.period_seconds,
                    probe.timeout_seconds,
                    probe.failure_threshold
                ),
            );
        }
    }
    let (entrypoint, cmd) = match image {
        Image::Builtin { component, .. } => (
            Some(vec![
                BINARY_PATH.to_owned(),
                "component".to_owned(),
                (*component).to_owned(),
            ]),
            Some(
                container
                    .command
                    .iter()
                    .chain(&container.args)
                    .cloned()
                    .collect(),
            ),
        ),
        Image::Upstream(_) => (
            (!container.command.is_empty()).then(|| container.command.clone()),
            (!container.args.is_empty()).then(|| container.args.clone()),
        ),
    };
    let mut env = env_of(container, &mut warnings);
    if let Image::Builtin { .. } = image {
        // Upstream's servers listen on every interface; ours default to loopback, which
        // neither published ports nor other pods can reach.
        let ours = format!("{SELDON_LOCAL_BIND}=");
        if !env.iter().any(|e| e.starts_with(&ours)) {
            env.push(format!("{ours}0.0.0.0"));
        }
    }
    let mounts = mounts_of(ctx, container, binds, &mut warnings);
    let restart = match kind {
        Kind::Init => RestartPolicyNameEnum::NO,
        Kind::Main => RestartPolicyNameEnum::UNLESS_STOPPED,
    };
    let body = ContainerCreateBody {
        image: Some(image.reference().to_owned()),
        entrypoint,
        cmd,
        env: Some(env),
        user: container.run_as_user.map(|u| u.to_string()),
        working_dir: container.working_dir.clone(),
        labels: Some(hash_map(labels)),
        host_config: Some(HostConfig {
            network_mode: Some(format!("container:{}", sandbox_name(&ctx.pod.name))),
            mounts: Some(mounts),
            restart_policy: Some(RestartPolicy {
                name: Some(restart),
                maximum_retry_count: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    ContainerSpec {
        name,
        body,
        warnings,
    }
}

fn env_of(container: &plan::Container, warnings: &mut Vec<String>) -> Vec<String> {
    let mut env = Vec::new();
    for var in &container.env {
        match &var.value {
            EnvValue::Literal(value) => env.push(format!("{}={value}", var.name)),
            EnvValue::FromSource(source) => warnings.push(format!(
                "container `{}`: env `{}` comes from `{source}`, which seldon-local cannot read; it is left unset",
                container.name, var.name
            )),
        }
    }
    for source in &container.env_from {
        warnings.push(format!(
            "container `{}`: `envFrom` `{source}` is not available locally; ignored",
            container.name
        ));
    }
    env
}

fn mounts_of(
    ctx: &PodContext<'_>,
    container: &plan::Container,
    binds: &[Bind],
    warnings: &mut Vec<String>,
) -> Vec<Mount> {
    let mut mounts = Vec::new();
    for mount in &container.mounts {
        let Some(volume) = ctx.pod.volumes.iter().find(|v| v.name == mount.volume) else {
            warnings.push(format!(
                "container `{}`: volume `{}` is not in the pod; mount ignored",
                container.name, mount.volume
            ));
            continue;
        };
        let (typ, source) = match &volume.source {
            VolumeSource::HostPath { path } => (MountType::BIND, path.clone()),
            other => {
                if let Some(name) = backing_volume(ctx, volume) {
                    (MountType::VOLUME, name)
                } else {
                    warnings.push(format!(
                        "container `{}`: volume `{}` ({}) cannot be provided locally; mount ignored",
                        container.name,
                        volume.name,
                        describe(other)
                    ));
                    continue;
                }
            }
        };
        mounts.push(Mount {
            target: Some(mount.path.clone()),
            source: Some(source),
            typ: Some(typ),
            read_only: Some(mount.read_only),
            ..Default::default()
        });
    }
    for bind in binds {
        mounts.push(Mount {
            target: Some(bind.container.clone()),
            source: Some(bind.host.display().to_string()),
            typ: Some(MountType::BIND),
            read_only: Some(true),
            ..Default::default()
        });
    }
    mounts
}

fn describe(source: &VolumeSource) -> String {
    match source {
        VolumeSource::Secret { name } => format!("secret `{name}`"),
        VolumeSource::ConfigMap { name } => format!("configMap `{name}`"),
        VolumeSource::Unsupported { kind } => format!("`{kind}`"),
        VolumeSource::EmptyDir => "emptyDir".to_owned(),
        VolumeSource::PodInfo => "downwardAPI".to_owned(),
        VolumeSource::Pvc { claim } => format!("claim `{claim}`"),
        VolumeSource::HostPath { path } => format!("hostPath `{path}`"),
    }
}

/// The tar uploaded to the sandbox at [`VOLUMES_DIR`] before anything else starts: every
/// `emptyDir` root becomes mode 0777 (as Kubernetes makes it, so uid 8888 can write), and the
/// downward-API volume gets its `annotations` file.
#[must_use]
pub fn volume_setup_tar(pod: &plan::Pod) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for volume in &pod.volumes {
        match volume.source {
            VolumeSource::EmptyDir => append_dir(&mut builder, &volume.name, 0o777),
            VolumeSource::PodInfo => {
                append_dir(&mut builder, &volume.name, 0o755);
                let content = pod.podinfo_annotations();
                append_file(
                    &mut builder,
                    &format!("{}/annotations", volume.name),
                    content.as_bytes(),
                    0o644,
                );
            }
            _ => {}
        }
    }
    builder.into_inner().unwrap_or_default()
}

fn header(size: u64, mode: u32, kind: tar::EntryType) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_entry_type(kind);
    header
}

/// Appends a directory entry (in-memory writes cannot fail).
pub(crate) fn append_dir(builder: &mut tar::Builder<Vec<u8>>, path: &str, mode: u32) {
    let mut header = header(0, mode, tar::EntryType::Directory);
    let _ = builder.append_data(&mut header, format!("{path}/"), std::io::empty());
}

/// Appends a file entry (in-memory writes cannot fail).
pub(crate) fn append_file(
    builder: &mut tar::Builder<Vec<u8>>,
    path: &str,
    content: &[u8],
    mode: u32,
) {
    let mut header = header(content.len() as u64, mode, tar::EntryType::Regular);
    let _ = builder.append_data(&mut header, path, content);
}

/// A local model location in a storage initializer's source argument, as the storage
/// initializer itself reads it ([`Source::parse`]): `file:///abs`, an absolute path, or a
/// relative one (resolved against `base`). Remote URIs (`gs://…`, rclone's `remote:bucket/…`,
/// `pvc://…`) and unparsable ones give `None`.
#[must_use]
pub fn local_model_path(uri: &str, base: &Path) -> Option<PathBuf> {
    match Source::parse(uri) {
        Ok(Source::Local { path }) => Some(if path.is_absolute() {
            path
        } else {
            base.join(path)
        }),
        _ => None,
    }
}

/// The source argument rewritten to point at the bind-mounted absolute path.
#[must_use]
pub fn rewrite_model_uri(uri: &str, absolute: &Path) -> String {
    if uri.starts_with("file://") {
        format!("file://{}", absolute.display())
    } else {
        absolute.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{
        Container, Env, Mount as PlanMount, Pod, PodVolume, Port, Probe, ProbeAction, Role,
    };

    #[allow(clippy::too_many_lines)]
    fn seed_pod() -> Pod {
        let probe = |port| Probe {
            action: ProbeAction::Tcp { port },
            initial_delay_seconds: 20,
            period_seconds: 5,
            timeout_seconds: 1,
            failure_threshold: 3,
        };
        let literal = |name: &str, value: &str| Env {
            name: name.to_owned(),
            value: EnvValue::Literal(value.to_owned()),
        };
        Pod {
            name: "tfserving-default-0-mnist-model".into(),
            predictor: "default".into(),
            labels: BTreeMap::from([
                ("app".into(), "tfserving-default-0-mnist-model".into()),
                ("seldon-deployment-id".into(), "tfserving".into()),
            ]),
            annotations: BTreeMap::from([("seldon.io/rest-timeout".into(), "100".into())]),
            init_containers: vec![Container {
                name: "tfserving-model-initializer".into(),
                role: Role::StorageInitializer,
                image: "seldonio/rclone-storage-initializer:1.18.2".into(),
                command: vec![],
                args: vec!["gs://bucket/mnist".into(), "/mnt/models".into()],
                env: vec![],
                env_from: vec![],
                ports: vec![],
                mounts: vec![PlanMount {
                    volume: "tfserving-provision-location".into(),
                    path: "/mnt/models".into(),
                    read_only: false,
                }],
                readiness: None,
                liveness: None,
                run_as_user: Some(8888),
                working_dir: None,
            }],
            containers: vec![
                Container {
                    name: "mnist-model".into(),
                    role: Role::TfservingProxy,
                    image: "seldonio/tfserving-proxy:1.18.2".into(),
                    command: vec![],
                    args: vec![],
                    env: vec![
                        literal("PREDICTIVE_UNIT_HTTP_SERVICE_PORT", "9000"),
                        literal("PREDICTIVE_UNIT_PARAMETERS", "[]"),
                        Env {
                            name: "SECRET".into(),
                            value: EnvValue::FromSource("secret/s#k".into()),
                        },
                    ],
                    env_from: vec![],
                    ports: vec![
                        Port {
                            name: Some("http".into()),
                            container_port: 9000,
                        },
                        Port {
                            name: Some("grpc".into()),
                            container_port: 9500,
                        },
                    ],
                    mounts: vec![PlanMount {
                        volume: "seldon-podinfo".into(),
                        path: "/etc/podinfo".into(),
                        read_only: false,
                    }],
                    readiness: Some(probe(9000)),
                    liveness: Some(probe(9000)),
                    run_as_user: Some(8888),
                    working_dir: None,
                },
                Container {
                    name: "tfserving".into(),
                    role: Role::TensorflowServer,
                    image: "tensorflow/serving:2.1.0".into(),
                    command: vec![],
                    args: vec![
                        "/usr/bin/tensorflow_model_server".into(),
                        "--rest_api_port=2001".into(),
                    ],
                    env: vec![],
                    env_from: vec![],
                    ports: vec![Port {
                        name: None,
                        container_port: 2001,
                    }],
                    mounts: vec![PlanMount {
                        volume: "tfserving-provision-location".into(),
                        path: "/mnt/models".into(),
                        read_only: true,
                    }],
                    readiness: None,
                    liveness: None,
                    run_as_user: Some(8888),
                    working_dir: None,
                },
            ],
            volumes: vec![
                PodVolume {
                    name: "seldon-podinfo".into(),
                    source: VolumeSource::PodInfo,
                },
                PodVolume {
                    name: "tfserving-provision-location".into(),
                    source: VolumeSource::EmptyDir,
                },
                PodVolume {
                    name: "creds".into(),
                    source: VolumeSource::Secret { name: "s".into() },
                },
            ],
        }
    }

    fn ctx<'a>(pod: &'a Pod, fixed: &'a BTreeMap<(String, u16), u16>) -> PodContext<'a> {
        PodContext {
            deployment: "tfserving",
            namespace: "default",
            session: "s-1",
            builtin_image: "seldon-local:0.1.0",
            protocol: "seldon",
            graph_root: "mnist-model",
            pod,
            aliases: vec![
                "tfserving-default".into(),
                "tfserving-default.default".into(),
            ],
            fixed_ports: fixed,
        }
    }

    fn snapshot(value: &impl serde::Serialize) -> serde_json::Value {
        serde_json::to_value(value).unwrap()
    }

    #[test]
    fn sandbox_owns_ports_aliases_and_volumes() {
        let pod = seed_pod();
        let fixed = BTreeMap::from([(("mnist-model".to_owned(), 9000), 19000)]);
        let spec = sandbox(&ctx(&pod, &fixed));
        assert_eq!(spec.name, "tfserving-default-0-mnist-model_sandbox");
        insta::with_settings!({sort_maps => true}, {
            insta::assert_json_snapshot!(snapshot(&spec.body));
        });
    }

    #[test]
    fn upstream_containers_keep_the_operators_image_args_and_env() {
        let pod = seed_pod();
        let fixed = BTreeMap::new();
        let c = ctx(&pod, &fixed);
        let proxy = container(
            &c,
            &pod.containers[0],
            Kind::Main,
            &Image::Upstream(pod.containers[0].image.clone()),
            &[],
        );
        assert_eq!(proxy.warnings.len(), 1, "{:?}", proxy.warnings);
        insta::with_settings!({sort_maps => true}, {
            insta::assert_json_snapshot!(snapshot(&proxy.body));
        });
    }

    #[test]
    fn builtin_containers_run_our_component_with_the_operators_args() {
        let pod = seed_pod();
        let fixed = BTreeMap::new();
        let c = ctx(&pod, &fixed);
        let server = container(
            &c,
            &pod.containers[1],
            Kind::Main,
            &Image::Builtin {
                image: "seldon-local:0.1.0".into(),
                component: "tensorflow-model-server",
            },
            &[],
        );
        insta::with_settings!({sort_maps => true}, {
            insta::assert_json_snapshot!(snapshot(&server.body));
        });
    }

    #[test]
    fn builtin_containers_listen_on_every_interface_and_keep_the_operators_env() {
        let mut pod = seed_pod();
        let fixed = BTreeMap::new();
        let builtin = Image::Builtin {
            image: "seldon-local:0.1.0".into(),
            component: "tfserving-proxy",
        };
        let env = |pod: &Pod, image: &Image| {
            let c = ctx(pod, &fixed);
            container(&c, &pod.containers[0], Kind::Main, image, &[])
                .body
                .env
                .unwrap()
        };
        let upstream = env(&pod, &Image::Upstream(pod.containers[0].image.clone()));
        assert!(!upstream.iter().any(|e| e.starts_with("SELDON_LOCAL_BIND=")));
        let mut expected = upstream.clone();
        expected.push("SELDON_LOCAL_BIND=0.0.0.0".to_owned());
        assert_eq!(env(&pod, &builtin), expected);

        // An address the operator's env already gives is kept.
        pod.containers[0].env.push(Env {
            name: "SELDON_LOCAL_BIND".into(),
            value: EnvValue::Literal("127.0.0.1".into()),
        });
        let mut expected = upstream;
        expected.push("SELDON_LOCAL_BIND=127.0.0.1".to_owned());
        assert_eq!(env(&pod, &builtin), expected);
    }

    #[test]
    fn init_containers_do_not_restart_and_get_local_models_read_only() {
        let pod = seed_pod();
        let fixed = BTreeMap::new();
        let c = ctx(&pod, &fixed);
        let init = container(
            &c,
            &pod.init_containers[0],
            Kind::Init,
            &Image::Builtin {
                image: "seldon-local:0.1.0".into(),
                component: "storage-initializer",
            },
            &[Bind {
                host: "/models/mnist".into(),
                container: "/models/mnist".into(),
            }],
        );
        insta::with_settings!({sort_maps => true}, {
            insta::assert_json_snapshot!(snapshot(&init.body));
        });
    }

    #[test]
    fn network_and_volumes_carry_labels() {
        let pod = seed_pod();
        let fixed = BTreeMap::new();
        let c = ctx(&pod, &fixed);
        insta::with_settings!({sort_maps => true}, {
            insta::assert_json_snapshot!(snapshot(&network("tfserving", "default", "s-1")));
            insta::assert_json_snapshot!(snapshot(&volumes(&c)));
        });
    }

    #[test]
    fn volume_setup_opens_empty_dirs_and_writes_podinfo() {
        let pod = seed_pod();
        let bytes = volume_setup_tar(&pod);
        let mut archive = tar::Archive::new(bytes.as_slice());
        let entries: Vec<(String, u32)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path().unwrap().display().to_string(),
                    e.header().mode().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            entries,
            vec![
                ("seldon-podinfo/".to_owned(), 0o755),
                ("seldon-podinfo/annotations".to_owned(), 0o644),
                ("tfserving-provision-location/".to_owned(), 0o777),
            ]
        );
    }

    #[test]
    fn names_are_sanitised() {
        assert_eq!(sanitise("a b/c"), "a-b-c");
        assert_eq!(sanitise("-x"), "x-x");
        assert_eq!(network_name("iris", "default"), "seldon-local_iris");
        assert_eq!(network_name("iris", "team"), "seldon-local_team_iris");
    }

    #[test]
    fn local_model_paths_are_recognised() {
        let base = Path::new("/work/ex");
        assert_eq!(
            local_model_path("file:///abs/m", base),
            Some(PathBuf::from("/abs/m"))
        );
        assert_eq!(
            local_model_path("/abs/m", base),
            Some(PathBuf::from("/abs/m"))
        );
        assert_eq!(
            local_model_path("./m", base),
            Some(PathBuf::from("/work/ex/./m"))
        );
        assert_eq!(
            local_model_path("models/m", base),
            Some(PathBuf::from("/work/ex/models/m"))
        );
        // What the storage initializer fetches from elsewhere, or refuses, is not bind-mounted.
        for remote in [
            "gs://b/m",
            "s3://b/m",
            "gs:bucket/x",
            "s3remote:bucket/m",
            "pvc://claim/m",
            "https://example.com/m.tar.gz",
            "file://host/m",
            "",
        ] {
            assert_eq!(local_model_path(remote, base), None, "{remote}");
        }
        assert_eq!(
            rewrite_model_uri("file:///abs/m", Path::new("/abs/m")),
            "file:///abs/m"
        );
        assert_eq!(
            rewrite_model_uri("./m", Path::new("/work/ex/m")),
            "/work/ex/m"
        );
    }
}
