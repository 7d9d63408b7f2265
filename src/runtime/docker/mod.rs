//! The Docker runtime: runs a plan's pods as Docker containers, faithfully.
//!
//! Order: images (seldon-local's own built on demand; upstream ones pulled when missing) →
//! the deployment's network → per pod: named volumes, the sandbox (network namespace, ports,
//! DNS aliases; volumes opened and the downward-API file written through it), init containers
//! one by one to completion, then the containers → readiness probes, polled until a deadline.
//! Any failure, or a [`Cancel`], removes everything this session created (found by its
//! label) before the error is returned. `ps`, `logs` and `down` find everything by label.
//!
//! Bodies come from [`spec`] (pure); Docker is reached only through [`DockerApi`].

pub mod api;
#[cfg(test)]
mod fake;
mod heal;
pub mod image;
pub mod labels;
pub mod mirror;
pub mod spec;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::stream::{BoxStream, StreamExt as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::time::Instant;

pub use api::{BollardApi, ContainerState, DockerApi, DockerError, LogLine, LogOptions};
pub use heal::{LiveTarget, Liveness, Repair, Timing};
pub use labels::Selector;

use super::{
    Cancel, Events, ImagePolicy, ImageSource, Running, RuntimeError, RuntimeEvent, UpOptions,
    builtin_component,
};
use crate::plan::{self, Plan, ProbeAction, Role};
use spec::{Bind, Image, Kind, PodContext};

/// How many log lines an error shows.
const LOG_TAIL: usize = 20;
/// Restarts after which a container that keeps exiting fails `up` (Kubernetes would back off).
const CRASH_LOOP_RESTARTS: i64 = 3;
/// The first wait between readiness probes; each failure doubles it, up to [`POLL_MAX`].
const POLL_FIRST: Duration = Duration::from_millis(5);
/// The longest wait between readiness probes.
const POLL_MAX: Duration = Duration::from_millis(250);

/// A Docker runtime over some [`DockerApi`].
#[derive(Debug)]
pub struct DockerRuntime<A> {
    api: A,
    events: Events,
    /// The binary seldon-local's image is built from (`None`: never build).
    binary: Option<PathBuf>,
}

/// What `down` removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    /// Deployments concerned.
    pub deployments: Vec<String>,
    /// Containers removed (sandboxes included).
    pub containers: usize,
    /// Networks removed.
    pub networks: usize,
    /// Volumes removed.
    pub volumes: usize,
}

/// One row of `ps`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PsRow {
    /// The deployment.
    pub deployment: String,
    /// The pod.
    pub pod: String,
    /// The container's name in the pod (`sandbox` for the sandbox).
    pub container: String,
    /// `sandbox`, `init` or `container`.
    pub kind: String,
    /// The role.
    pub role: String,
    /// Docker's state word.
    pub state: String,
    /// Docker's status text.
    pub status: String,
    /// `ready`, `not ready` or `-` (no readiness probe, or not running).
    pub health: String,
    /// Published ports: container port → 127.0.0.1 host port.
    pub ports: Vec<(u16, u16)>,
    /// The deployment's protocol.
    pub protocol: String,
    /// The root unit of the predictor's graph.
    pub graph_root: String,
    /// `docker` or `embedded`.
    pub runtime: String,
    /// Restarts so far.
    pub restarts: u64,
    /// When it was created or started (Unix time), if known.
    pub created: Option<i64>,
    /// The exit code of its last run, once it has exited.
    pub exit_code: Option<i64>,
}

impl<A: DockerApi> DockerRuntime<A> {
    /// A runtime reporting to `events`; `binary` is what seldon-local's image is built from.
    pub fn with_api(api: A, events: Events, binary: Option<PathBuf>) -> Self {
        Self {
            api,
            events,
            binary,
        }
    }

    /// The API (for tests).
    pub fn api(&self) -> &A {
        &self.api
    }

    fn emit(&self, event: RuntimeEvent) {
        self.events.emit(event);
    }

    /// Builds seldon-local's image from the binary unless an image of that binary exists.
    /// Returns the tag and whether it was (re)built.
    pub async fn ensure_image(&self, force: bool) -> Result<(String, bool), RuntimeError> {
        let tag = image::builtin_tag();
        let existing = self.api.inspect_image(&tag).await?;
        let Some(binary) = &self.binary else {
            return match existing {
                Some(_) => Ok((tag, false)),
                None => Err(RuntimeError::Unsupported(format!(
                    "image `{tag}` is missing and there is no binary to build it from"
                ))),
            };
        };
        if !force && let Some(existing) = &existing {
            let fingerprint = image::fingerprint(binary)?;
            if existing.labels.get(labels::BINARY) == Some(&fingerprint) {
                return Ok((tag, false));
            }
        }
        self.emit(RuntimeEvent::BuildingImage { image: tag.clone() });
        let rootfs = image::rootfs(binary)?;
        let changes = rootfs.changes();
        self.api.import_image(&tag, rootfs.tar, changes).await?;
        // The image it replaces would be left dangling; containers still using it keep it.
        let new = self.api.inspect_image(&tag).await?.map(|i| i.id);
        if let Some(old) = existing
            && new.as_ref() != Some(&old.id)
            && self.api.remove_image(&old.id).await.is_ok()
        {
            self.emit(RuntimeEvent::Removed {
                kind: "image",
                name: old.id,
            });
        }
        Ok((tag, true))
    }

    /// Runs the plan and waits until it is ready. Replaces an earlier run of the deployment.
    /// On failure or cancellation, removes everything created so far.
    pub async fn up(
        &self,
        plan: &Plan,
        options: &UpOptions,
        cancel: &Cancel,
    ) -> Result<Running, RuntimeError> {
        self.api.ping().await?;
        let existing = self
            .api
            .list(&Selector::Deployment(plan.deployment.clone()))
            .await?;
        if !is_empty(&existing) {
            self.emit(RuntimeEvent::Replacing {
                deployment: plan.deployment.clone(),
            });
            self.remove_listing(&existing).await?;
        }
        let result = self.create(plan, options, cancel).await;
        if result.is_err() {
            // Roll back: everything of this session, found by its label.
            if let Err(error) = self.down(&Selector::Session(options.session.clone())).await {
                self.emit(RuntimeEvent::Warning {
                    message: format!("cleanup after the failure was incomplete: {error}"),
                });
            }
        }
        result
    }

    async fn create(
        &self,
        plan: &Plan,
        options: &UpOptions,
        cancel: &Cancel,
    ) -> Result<Running, RuntimeError> {
        // Nothing is created while images are built or pulled, so these can simply be dropped.
        let images = tokio::select! {
            images = async {
                let (builtin, _) = self.ensure_image(false).await?;
                let images = self
                    .choose_images(plan, options.images, options.registry.as_deref(), &builtin)
                    .await?;
                Ok::<_, RuntimeError>((builtin, images))
            } => images?,
            () = cancel.cancelled() => return Err(RuntimeError::Interrupted),
        };
        let (builtin, images) = images;
        if let Some(ca_file) = options.ca_file.as_deref()
            && !ca_file.is_file()
        {
            self.emit(RuntimeEvent::Warning {
                message: format!(
                    "`SSL_CERT_FILE` names `{}`, which is not a file; storage initializers get \
                     no extra CA",
                    ca_file.display()
                ),
            });
        }
        // Local model paths are checked before anything is created.
        for container in plan.pods.iter().flat_map(|p| &p.init_containers) {
            with_local_model(container, &options.base_dir)?;
        }
        check(cancel)?;
        let deadline = Instant::now() + options.timeout;
        let network = spec::network(&plan.deployment, &plan.namespace, &options.session);
        let network_name = network.name.clone();
        self.api.create_network(network).await?;
        self.emit(RuntimeEvent::Created {
            kind: "network",
            name: network_name,
        });
        let mut created_volumes: Vec<String> = Vec::new();
        for pod in &plan.pods {
            check(cancel)?;
            let fixed_ports = pinned_ports(pod, &options.fixed_ports);
            let ctx = PodContext {
                deployment: &plan.deployment,
                namespace: &plan.namespace,
                session: &options.session,
                builtin_image: &builtin,
                protocol: &plan.protocol,
                graph_root: plan
                    .predictors
                    .iter()
                    .find(|p| p.name == pod.predictor)
                    .map_or("", |p| p.graph_root.as_str()),
                pod,
                aliases: aliases_of(plan, &pod.name),
                fixed_ports: &fixed_ports,
            };
            self.create_pod(
                &ctx,
                &images,
                options,
                deadline,
                cancel,
                &mut created_volumes,
            )
            .await?;
        }
        let mut host_ports = BTreeMap::new();
        let mut sandboxes = Vec::with_capacity(plan.pods.len());
        for pod in &plan.pods {
            let state = self
                .api
                .inspect_container(&spec::sandbox_name(&pod.name))
                .await?;
            for (_container, port) in spec::published_ports(pod) {
                if let Some(host) = state.host_ports.get(&port) {
                    host_ports.insert((pod.name.clone(), port), *host);
                }
            }
            sandboxes.push(state);
        }
        // Every container is probed at once: `up` waits for the slowest, not for their sum.
        futures_util::future::try_join_all(plan.pods.iter().zip(&sandboxes).flat_map(
            |(pod, state)| {
                pod.containers.iter().map(move |container| {
                    self.wait_ready(pod, container, state, deadline, options.timeout, cancel)
                })
            },
        ))
        .await?;
        let endpoints = super::endpoints(plan, &host_ports);
        Ok(Running {
            deployment: plan.deployment.clone(),
            session: options.session.clone(),
            predict_command: super::predict_command(plan, &endpoints),
            predict_url: super::predict_url(plan, &endpoints),
            curl_command: None,
            endpoints,
        })
    }

    /// One pod: its volumes, its sandbox, its init containers to completion, its containers.
    async fn create_pod(
        &self,
        ctx: &PodContext<'_>,
        images: &HashMap<(String, String), Image>,
        options: &UpOptions,
        deadline: Instant,
        cancel: &Cancel,
        created_volumes: &mut Vec<String>,
    ) -> Result<(), RuntimeError> {
        for (name, body) in spec::volumes(ctx) {
            if created_volumes.contains(&name) {
                continue;
            }
            self.api.create_volume(&name, body).await?;
            self.emit(RuntimeEvent::Created {
                kind: "volume",
                name: name.clone(),
            });
            created_volumes.push(name);
        }
        let sandbox = spec::sandbox(ctx);
        self.api.create_container(&sandbox).await?;
        self.api.start_container(&sandbox.name).await?;
        self.api
            .upload(
                &sandbox.name,
                spec::VOLUMES_DIR,
                spec::volume_setup_tar(ctx.pod),
            )
            .await?;
        self.emit(RuntimeEvent::Created {
            kind: "sandbox",
            name: sandbox.name.clone(),
        });
        for container in &ctx.pod.init_containers {
            let (container, binds) = with_local_model(container, &options.base_dir)?;
            let (container, binds) = with_ca_file(container, binds, options.ca_file.as_deref());
            let image = image_for(images, &ctx.pod.name, &container.name);
            let spec = spec::container(ctx, &container, Kind::Init, image, &binds);
            self.run_init(&container.name, &spec, deadline, options.timeout, cancel)
                .await?;
        }
        // The pod's containers share only the sandbox, which is up: they start concurrently.
        let specs: Vec<_> = ctx
            .pod
            .containers
            .iter()
            .map(|container| {
                let image = image_for(images, &ctx.pod.name, &container.name);
                spec::container(ctx, container, Kind::Main, image, &[])
            })
            .collect();
        for message in specs.iter().flat_map(|spec| &spec.warnings) {
            self.emit(RuntimeEvent::Warning {
                message: message.clone(),
            });
        }
        futures_util::future::try_join_all(specs.iter().map(|spec| async move {
            self.api.create_container(spec).await?;
            self.api.start_container(&spec.name).await?;
            self.emit(RuntimeEvent::Started {
                container: spec.name.clone(),
            });
            Ok::<_, RuntimeError>(())
        }))
        .await?;
        Ok(())
    }

    async fn choose_images(
        &self,
        plan: &Plan,
        policy: ImagePolicy,
        registry: Option<&str>,
        builtin: &str,
    ) -> Result<HashMap<(String, String), Image>, RuntimeError> {
        let mut available: HashMap<String, bool> = HashMap::new();
        let mut failed: HashMap<String, String> = HashMap::new();
        let mut out = HashMap::new();
        for pod in &plan.pods {
            for container in pod.all_containers() {
                let component = builtin_component(&container.role);
                let upstream = match registry {
                    Some(registry) => mirror::mirror(&container.image, registry),
                    None => container.image.clone(),
                };
                let (image, reason) = match (policy, component) {
                    // The sink has no upstream image: seldon-local's always plays it.
                    (_, Some(component)) if container.role == Role::RequestSink => (
                        Image::Builtin {
                            image: builtin.to_owned(),
                            component,
                        },
                        None,
                    ),
                    (ImagePolicy::Builtin, Some(component)) => (
                        Image::Builtin {
                            image: builtin.to_owned(),
                            component,
                        },
                        None,
                    ),
                    (ImagePolicy::Auto, Some(component)) => {
                        match self.try_image(&upstream, &mut available, &mut failed).await {
                            Ok(()) => (Image::Upstream(upstream), None),
                            Err(why) => (
                                Image::Builtin {
                                    image: builtin.to_owned(),
                                    component,
                                },
                                Some(format!(
                                    "`{upstream}` is not present and could not be pulled: {why}"
                                )),
                            ),
                        }
                    }
                    _ => {
                        self.require_image(&upstream, &mut available).await?;
                        (Image::Upstream(upstream), None)
                    }
                };
                self.emit(RuntimeEvent::ImageChosen {
                    container: spec::container_name(&pod.name, &container.name),
                    image: image.reference().to_owned(),
                    source: match image {
                        Image::Upstream(_) => ImageSource::Upstream,
                        Image::Builtin { .. } => ImageSource::Builtin,
                    },
                    reason,
                });
                out.insert((pod.name.clone(), container.name.clone()), image);
            }
        }
        Ok(out)
    }

    /// Whether the image is present or could be pulled (auto policy); if not, why (the
    /// innermost message of the pull's error, e.g. the registry lookup that failed).
    async fn try_image(
        &self,
        image: &str,
        available: &mut HashMap<String, bool>,
        failed: &mut HashMap<String, String>,
    ) -> Result<(), String> {
        if let Some(why) = failed.get(image) {
            return Err(why.clone());
        }
        if available.get(image) == Some(&true) {
            return Ok(());
        }
        match self.require_image(image, available).await {
            Ok(()) => Ok(()),
            Err(error) => {
                let why = std::iter::successors(
                    Some(&error as &(dyn std::error::Error + 'static)),
                    |e| e.source(),
                )
                .last()
                .map(ToString::to_string)
                .unwrap_or_default();
                failed.insert(image.to_owned(), why.clone());
                Err(why)
            }
        }
    }

    async fn require_image(
        &self,
        image: &str,
        available: &mut HashMap<String, bool>,
    ) -> Result<(), RuntimeError> {
        if available.get(image) == Some(&true) {
            return Ok(());
        }
        if self.api.inspect_image(image).await?.is_none() {
            let events = self.events.clone();
            let name = image.to_owned();
            let progress = move |p: api::PullProgress| {
                events.emit(RuntimeEvent::Pull {
                    image: name.clone(),
                    layer: p.layer,
                    status: p.status,
                    current: p.current,
                    total: p.total,
                });
            };
            self.api.pull_image(image, &progress).await?;
        }
        available.insert(image.to_owned(), true);
        Ok(())
    }

    /// One log line of an init container: a storage initializer's progress line becomes a
    /// [`RuntimeEvent::Download`], anything else an [`RuntimeEvent::InitLog`].
    fn init_line(&self, container: &str, text: String, last: &mut VecDeque<String>) {
        if let Some(progress) = crate::components::storage::Snapshot::parse(&text) {
            self.emit(RuntimeEvent::Download {
                container: container.to_owned(),
                progress,
            });
            return;
        }
        remember(last, &text);
        self.emit(RuntimeEvent::InitLog {
            container: container.to_owned(),
            line: text,
        });
    }

    async fn run_init(
        &self,
        container: &str,
        spec: &spec::ContainerSpec,
        deadline: Instant,
        timeout: Duration,
        cancel: &Cancel,
    ) -> Result<(), RuntimeError> {
        for message in &spec.warnings {
            self.emit(RuntimeEvent::Warning {
                message: message.clone(),
            });
        }
        self.api.create_container(spec).await?;
        self.api.start_container(&spec.name).await?;
        self.emit(RuntimeEvent::InitStarted {
            container: spec.name.clone(),
        });
        let mut last: VecDeque<String> = VecDeque::new();
        let mut logs = self.api.logs(
            &spec.name,
            &LogOptions {
                follow: true,
                ..LogOptions::default()
            },
        );
        let wait = self.api.wait_container(&spec.name);
        tokio::pin!(wait);
        let mut logs_done = false;
        let code = loop {
            tokio::select! {
                code = &mut wait => break code?,
                line = logs.next(), if !logs_done => match line {
                    Some(Ok(line)) => self.init_line(container, line.text, &mut last),
                    _ => logs_done = true,
                },
                () = cancel.cancelled() => return Err(RuntimeError::Interrupted),
                () = tokio::time::sleep_until(deadline) => {
                    return Err(RuntimeError::Timeout {
                        what: format!("init container `{container}` to finish"),
                        after: timeout,
                        logs: last.into_iter().collect(),
                    });
                }
            }
        };
        // Lines still buffered after the exit.
        while !logs_done {
            match tokio::time::timeout(Duration::from_secs(2), logs.next()).await {
                Ok(Some(Ok(line))) => self.init_line(container, line.text, &mut last),
                _ => logs_done = true,
            }
        }
        if code != 0 {
            return Err(RuntimeError::InitFailed {
                container: container.to_owned(),
                code,
                logs: last.into_iter().collect(),
                shown: true,
            });
        }
        self.emit(RuntimeEvent::InitDone {
            container: spec.name.clone(),
        });
        Ok(())
    }

    async fn wait_ready(
        &self,
        pod: &plan::Pod,
        container: &plan::Container,
        sandbox: &ContainerState,
        deadline: Instant,
        timeout: Duration,
        cancel: &Cancel,
    ) -> Result<(), RuntimeError> {
        let name = spec::container_name(&pod.name, &container.name);
        let Some(probe) = &container.readiness else {
            return Ok(());
        };
        let check = match &probe.action {
            ProbeAction::Http { path, port, .. } => sandbox
                .host_ports
                .get(port)
                .map(|host| Check::Http(*host, path.clone())),
            ProbeAction::Tcp { port } => sandbox.host_ports.get(port).map(|host| Check::Tcp(*host)),
            ProbeAction::Exec { command } => {
                self.emit(RuntimeEvent::Warning {
                    message: format!(
                        "container `{name}`: exec readiness probe `{}` is not checked",
                        command.join(" ")
                    ),
                });
                return Ok(());
            }
            ProbeAction::Unsupported { reason } => {
                self.emit(RuntimeEvent::Warning {
                    message: format!("container `{name}`: readiness probe not checked: {reason}"),
                });
                return Ok(());
            }
        };
        let Some(check) = check else {
            return Ok(());
        };
        self.emit(RuntimeEvent::Waiting {
            container: name.clone(),
            probe: describe_probe(&probe.action),
        });
        let attempt_timeout = Duration::from_secs(u64::from(probe.timeout_seconds.clamp(1, 5)));
        let mut attempts = 0u32;
        let mut pause = POLL_FIRST;
        loop {
            if check.passes(attempt_timeout).await {
                self.emit(RuntimeEvent::Ready {
                    container: name.clone(),
                });
                return Ok(());
            }
            attempts += 1;
            if attempts.is_multiple_of(4) {
                let state = self.api.inspect_container(&name).await?;
                // Docker reports `running` during a restart back-off; the status word tells.
                if state.status != "running" && state.restart_count >= CRASH_LOOP_RESTARTS {
                    return Err(RuntimeError::CrashLoop {
                        container: container.name.clone(),
                        code: state.exit_code.unwrap_or_default(),
                        restarts: state.restart_count,
                        logs: self.tail(&name).await,
                    });
                }
            }
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = cancel.cancelled() => return Err(RuntimeError::Interrupted),
            }
            pause = (pause * 2).min(POLL_MAX);
            if Instant::now() >= deadline {
                let logs = self.tail(&name).await;
                let state = self.api.inspect_container(&name).await.ok();
                let how = state.map_or_else(String::new, |s| {
                    if s.running {
                        String::new()
                    } else {
                        format!(
                            " (it is {}, exit code {}, {} restarts)",
                            s.status,
                            s.exit_code.unwrap_or_default(),
                            s.restart_count
                        )
                    }
                });
                return Err(RuntimeError::Timeout {
                    what: format!(
                        "container `{}` to be ready ({}){how}",
                        container.name,
                        describe_probe(&probe.action)
                    ),
                    after: timeout,
                    logs,
                });
            }
        }
    }

    async fn tail(&self, name: &str) -> Vec<String> {
        let mut stream = self.api.logs(
            name,
            &LogOptions {
                follow: false,
                tail: Some(LOG_TAIL as u64),
                since: None,
                timestamps: false,
            },
        );
        let mut out = VecDeque::new();
        while let Ok(Some(Ok(line))) =
            tokio::time::timeout(Duration::from_secs(2), stream.next()).await
        {
            remember(&mut out, &line.text);
        }
        out.into_iter().collect()
    }

    /// Removes everything the selector matches (containers, then networks, then volumes).
    /// Idempotent: nothing there is not an error.
    pub async fn down(&self, selector: &Selector) -> Result<Removed, RuntimeError> {
        let listing = self.api.list(selector).await?;
        self.remove_listing(&listing).await
    }

    async fn remove_listing(&self, listing: &api::Listing) -> Result<Removed, RuntimeError> {
        let mut removed = Removed::default();
        let mut first_error: Option<DockerError> = None;
        let mut deployments: Vec<String> = Vec::new();
        let mut note = |labels: &BTreeMap<String, String>| {
            if let Some(d) = labels.get(labels::DEPLOYMENT)
                && !deployments.contains(d)
            {
                deployments.push(d.clone());
            }
        };
        // Containers that joined a sandbox go before the sandboxes.
        let (sandboxes, others): (Vec<_>, Vec<_>) = listing
            .containers
            .iter()
            .partition(|c| c.labels.get(labels::KIND).map(String::as_str) == Some("sandbox"));
        for container in others.into_iter().chain(sandboxes) {
            note(&container.labels);
            match self
                .api
                .remove_container(&container.id, &container.name)
                .await
            {
                Ok(()) => {
                    removed.containers += 1;
                    self.emit(RuntimeEvent::Removed {
                        kind: "container",
                        name: container.name.clone(),
                    });
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        for network in &listing.networks {
            note(&network.labels);
            match self.api.remove_network(&network.id, &network.name).await {
                Ok(()) => {
                    removed.networks += 1;
                    self.emit(RuntimeEvent::Removed {
                        kind: "network",
                        name: network.name.clone(),
                    });
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        for volume in &listing.volumes {
            note(&volume.labels);
            match self.api.remove_volume(&volume.name).await {
                Ok(()) => {
                    removed.volumes += 1;
                    self.emit(RuntimeEvent::Removed {
                        kind: "volume",
                        name: volume.name.clone(),
                    });
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        removed.deployments = deployments;
        match first_error {
            Some(error) => Err(error.into()),
            None => Ok(removed),
        }
    }

    /// The names of the deployments that have containers, sorted.
    pub async fn deployments(&self) -> Result<Vec<String>, RuntimeError> {
        let listing = self.api.list(&Selector::All).await?;
        let mut names: Vec<String> = listing
            .containers
            .iter()
            .filter_map(|c| c.labels.get(labels::DEPLOYMENT).cloned())
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// The containers the selector matches, with state, health and ports.
    pub async fn ps(&self, selector: &Selector) -> Result<Vec<PsRow>, RuntimeError> {
        let listing = self.api.list(selector).await?;
        let mut sandbox_ports: HashMap<String, BTreeMap<u16, u16>> = HashMap::new();
        for container in &listing.containers {
            if container.labels.get(labels::KIND).map(String::as_str) == Some("sandbox")
                && let Ok(state) = self.api.inspect_container(&container.name).await
            {
                let pod = container
                    .labels
                    .get(labels::POD)
                    .cloned()
                    .unwrap_or_default();
                sandbox_ports.insert(pod, state.host_ports);
            }
        }
        let mut rows = Vec::new();
        for container in &listing.containers {
            let label = |key: &str| container.labels.get(key).cloned().unwrap_or_default();
            let pod = label(labels::POD);
            let published = sandbox_ports.get(&pod);
            let ports: Vec<(u16, u16)> = label(labels::PORTS)
                .split(',')
                .filter_map(|p| p.parse::<u16>().ok())
                .filter_map(|p| published.and_then(|m| m.get(&p)).map(|h| (p, *h)))
                .collect();
            let inspected = self.api.inspect_container(&container.name).await.ok();
            let health = match (
                container.state.as_str(),
                probe_label(&label(labels::READINESS)),
            ) {
                ("running", Some((kind, port, path))) => {
                    match published.and_then(|m| m.get(&port)) {
                        Some(host) => {
                            let check = if kind == "http" {
                                Check::Http(*host, path)
                            } else {
                                Check::Tcp(*host)
                            };
                            if check.passes(Duration::from_secs(1)).await {
                                "ready"
                            } else {
                                "not ready"
                            }
                        }
                        None => "-",
                    }
                }
                _ => "-",
            };
            rows.push(PsRow {
                deployment: label(labels::DEPLOYMENT),
                pod,
                container: label(labels::CONTAINER),
                kind: label(labels::KIND),
                role: label(labels::ROLE),
                state: container.state.clone(),
                status: container.status.clone(),
                health: health.to_owned(),
                ports,
                protocol: label(labels::PROTOCOL),
                graph_root: label(labels::GRAPH_ROOT),
                runtime: "docker".to_owned(),
                restarts: inspected
                    .as_ref()
                    .map_or(0, |s| u64::try_from(s.restart_count).unwrap_or(0)),
                created: container.created,
                exit_code: inspected
                    .as_ref()
                    .filter(|s| !s.running)
                    .and_then(|s| s.exit_code),
            });
        }
        rows.sort_by(|a, b| {
            (&a.deployment, &a.pod, kind_order(&a.kind), &a.container).cmp(&(
                &b.deployment,
                &b.pod,
                kind_order(&b.kind),
                &b.container,
            ))
        });
        Ok(rows)
    }

    /// The log lines of the selected containers, each tagged with its deployment and its
    /// container (`container@pod` when pods of the deployment share the container's name).
    /// `container` keeps only containers of that name; sandboxes are left out unless asked
    /// for by name.
    pub async fn logs(
        &self,
        selector: &Selector,
        container: Option<&str>,
        options: &LogOptions,
    ) -> Result<Vec<LogSource>, RuntimeError> {
        let listing = self.api.list(selector).await?;
        let label = |summary: &api::ContainerSummary, key: &str| {
            summary.labels.get(key).cloned().unwrap_or_default()
        };
        let mut streams = Vec::new();
        for summary in &listing.containers {
            let name = label(summary, labels::CONTAINER);
            let deployment = label(summary, labels::DEPLOYMENT);
            let wanted = match container {
                Some(wanted) => name == wanted || summary.name == wanted,
                None => name != labels::SANDBOX,
            };
            if !wanted {
                continue;
            }
            let shared = listing
                .containers
                .iter()
                .filter(|c| {
                    label(c, labels::DEPLOYMENT) == deployment
                        && label(c, labels::CONTAINER) == name
                })
                .count()
                > 1;
            let tag = if shared {
                format!("{name}@{}", label(summary, labels::POD))
            } else {
                name
            };
            streams.push(LogSource {
                name: summary.name.clone(),
                deployment,
                container: tag,
                lines: self.api.logs(&summary.name, options),
            });
        }
        Ok(streams)
    }
}

/// One container's log lines, with where they come from.
pub struct LogSource {
    /// Docker's name of the container.
    pub name: String,
    /// The deployment.
    pub deployment: String,
    /// The container (`container@pod` when pods of the deployment share its name).
    pub container: String,
    /// The lines.
    pub lines: BoxStream<'static, Result<LogLine, DockerError>>,
}

/// The host port of every port the pod publishes: the user's (`-p`), else a free one chosen
/// now. Docker would choose one itself, but a new one each time the sandbox starts; chosen here,
/// it stays when the sandbox is restarted, so a healed pod answers where it did.
fn pinned_ports(
    pod: &plan::Pod,
    fixed: &BTreeMap<(String, u16), u16>,
) -> BTreeMap<(String, u16), u16> {
    let mut pinned = fixed.clone();
    // Held until all are chosen, so no port is chosen twice.
    let mut held = Vec::new();
    for key in spec::published_ports(pod) {
        if let std::collections::btree_map::Entry::Vacant(entry) = pinned.entry(key)
            && let Ok(listener) = std::net::TcpListener::bind(("127.0.0.1", 0))
            && let Ok(address) = listener.local_addr()
        {
            entry.insert(address.port());
            held.push(listener);
        }
    }
    drop(held);
    pinned
}

fn kind_order(kind: &str) -> u8 {
    match kind {
        "sandbox" => 0,
        "init" => 1,
        _ => 2,
    }
}

fn is_empty(listing: &api::Listing) -> bool {
    listing.containers.is_empty() && listing.networks.is_empty() && listing.volumes.is_empty()
}

fn check(cancel: &Cancel) -> Result<(), RuntimeError> {
    if cancel.is_cancelled() {
        Err(RuntimeError::Interrupted)
    } else {
        Ok(())
    }
}

fn remember(buffer: &mut VecDeque<String>, line: &str) {
    if buffer.len() == LOG_TAIL {
        buffer.pop_front();
    }
    buffer.push_back(line.to_owned());
}

fn image_for<'a>(images: &'a HashMap<(String, String), Image>, pod: &str, c: &str) -> &'a Image {
    images
        .get(&(pod.to_owned(), c.to_owned()))
        .expect("every container of the plan has an image chosen")
}

/// DNS names of the Services selecting a pod.
fn aliases_of(plan: &Plan, pod: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for service in plan
        .services
        .iter()
        .filter(|s| s.pods.iter().any(|p| p == pod))
    {
        for alias in &service.aliases {
            if !out.contains(alias) {
                out.push(alias.clone());
            }
        }
    }
    out
}

/// A storage initializer whose source is a local path gets it bind-mounted read-only, with the
/// argument made absolute.
/// Where the user's CA file (`SSL_CERT_FILE` of `up`) is mounted in a storage initializer.
const CA_FILE_IN_CONTAINER: &str = "/etc/seldon-local/ca-certificates.pem";

/// A storage initializer with the user's CA file mounted and named by `SSL_CERT_FILE`, which
/// seldon-local's role adds to its built-in roots and rclone (Go) reads too.
fn with_ca_file(
    container: plan::Container,
    mut binds: Vec<Bind>,
    ca_file: Option<&Path>,
) -> (plan::Container, Vec<Bind>) {
    let Some(ca_file) = ca_file.filter(|_| container.role == Role::StorageInitializer) else {
        return (container, binds);
    };
    // A missing file was reported once by `create`; the containers run without it.
    let Ok(host) = ca_file.canonicalize() else {
        return (container, binds);
    };
    let mut container = container;
    container.env.retain(|v| v.name != "SSL_CERT_FILE");
    container.env.push(plan::Env {
        name: "SSL_CERT_FILE".to_owned(),
        value: plan::EnvValue::Literal(CA_FILE_IN_CONTAINER.to_owned()),
    });
    binds.push(Bind {
        host,
        container: CA_FILE_IN_CONTAINER.to_owned(),
    });
    (container, binds)
}

fn with_local_model(
    container: &plan::Container,
    base: &Path,
) -> Result<(plan::Container, Vec<Bind>), RuntimeError> {
    let mut container = container.clone();
    if container.role != Role::StorageInitializer {
        return Ok((container, Vec::new()));
    }
    let Some(source) = container.args.first().cloned() else {
        return Ok((container, Vec::new()));
    };
    let Some(path) = spec::local_model_path(&source, base) else {
        return Ok((container, Vec::new()));
    };
    let absolute = path.canonicalize().map_err(|_| {
        RuntimeError::Unsupported(format!(
            "model path `{}` (from `{source}`) does not exist",
            path.display()
        ))
    })?;
    container.args[0] = spec::rewrite_model_uri(&source, &absolute);
    let bind = Bind {
        container: absolute.display().to_string(),
        host: absolute,
    };
    Ok((container, vec![bind]))
}

fn describe_probe(action: &ProbeAction) -> String {
    match action {
        ProbeAction::Http { path, port, .. } => format!("HTTP GET :{port}{path}"),
        ProbeAction::Tcp { port } => format!("TCP :{port}"),
        ProbeAction::Exec { command } => format!("exec {}", command.join(" ")),
        ProbeAction::Unsupported { reason } => reason.clone(),
    }
}

/// `http:PORT:PATH` or `tcp:PORT` (the readiness label) → parts.
fn probe_label(label: &str) -> Option<(String, u16, String)> {
    let mut parts = label.splitn(3, ':');
    let kind = parts.next()?.to_owned();
    let port = parts.next()?.parse().ok()?;
    Some((kind, port, parts.next().unwrap_or("/").to_owned()))
}

/// A readiness check against a published port on 127.0.0.1.
#[derive(Debug, Clone)]
enum Check {
    Http(u16, String),
    Tcp(u16),
}

impl Check {
    async fn passes(&self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, self.attempt())
            .await
            .unwrap_or(false)
    }

    async fn attempt(&self) -> bool {
        match self {
            Self::Http(port, path) => {
                let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", *port)).await
                else {
                    return false;
                };
                let request = format!(
                    "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: kube-probe/seldon-local\r\nConnection: close\r\n\r\n"
                );
                if stream.write_all(request.as_bytes()).await.is_err() {
                    return false;
                }
                let mut head = Vec::new();
                let mut buf = [0u8; 256];
                while !head.contains(&b'\n') && head.len() < 1024 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head);
                line.split_whitespace()
                    .nth(1)
                    .and_then(|code| code.parse::<u16>().ok())
                    .is_some_and(|code| (200..400).contains(&code))
            }
            Self::Tcp(port) => {
                let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", *port)).await
                else {
                    return false;
                };
                // Docker's port proxy accepts even when nothing listens behind it, then closes
                // at once; a server keeps the connection open (or greets).
                let mut buf = [0u8; 1];
                match tokio::time::timeout(Duration::from_millis(300), stream.read(&mut buf)).await
                {
                    Err(_) | Ok(Ok(1..)) => true,
                    Ok(Ok(0) | Err(_)) => false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
