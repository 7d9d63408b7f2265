//! A fake Docker daemon for orchestration tests: records every call, keeps labelled objects,
//! and fails on demand.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use futures_util::stream::{self, BoxStream, StreamExt as _};

use super::api::{
    ContainerState, ContainerSummary, DockerApi, DockerError, ImageInfo, Labelled, Listing,
    LogLine, LogOptions, PullProgress,
};
use super::labels::Selector;
use super::spec::{ContainerSpec, NetworkCreateRequest, VolumeCreateRequest};

#[derive(Debug, Default)]
struct State {
    calls: Vec<String>,
    images: BTreeMap<String, BTreeMap<String, String>>,
    /// id → (name, labels); a network's id is its name unless it is a duplicate.
    networks: BTreeMap<String, (String, BTreeMap<String, String>)>,
    volumes: BTreeMap<String, BTreeMap<String, String>>,
    containers: BTreeMap<String, (BTreeMap<String, String>, bool)>,
    bodies: BTreeMap<String, ContainerSpec>,
    fail: Vec<String>,
    exit_codes: HashMap<String, i64>,
    logs: HashMap<String, Vec<String>>,
    pullable: Vec<String>,
    block_wait: bool,
    crashing: Vec<String>,
    image_ids: BTreeMap<String, String>,
    serial: u32,
    /// Containers stopped by hand (`docker kill`): listed as `exited`.
    killed: std::collections::BTreeSet<String>,
    /// When each container last started, as a serial (later starts are larger).
    started: BTreeMap<String, u32>,
}

/// Records calls as `verb name` strings.
#[derive(Debug, Default)]
pub(crate) struct FakeDocker {
    state: Mutex<State>,
}

fn labels_of(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|m| m.clone().into_iter().collect())
        .unwrap_or_default()
}

impl FakeDocker {
    /// A daemon that has these images.
    pub(crate) fn with_images(images: &[&str]) -> Self {
        let fake = Self::default();
        {
            let mut state = fake.state.lock().unwrap();
            for image in images {
                state.images.insert((*image).to_owned(), BTreeMap::new());
            }
        }
        fake
    }

    /// The call `verb name` fails with a server error.
    pub(crate) fn fail_on(&self, call: &str) {
        self.state.lock().unwrap().fail.push(call.to_owned());
    }

    /// This container exits with `code`, having printed `lines`.
    pub(crate) fn exits(&self, container: &str, code: i64, lines: &[&str]) {
        let mut state = self.state.lock().unwrap();
        state.exit_codes.insert(container.to_owned(), code);
        state.logs.insert(
            container.to_owned(),
            lines.iter().map(|l| (*l).to_owned()).collect(),
        );
    }

    /// Pulls of this image succeed.
    pub(crate) fn pullable(&self, image: &str) {
        self.state.lock().unwrap().pullable.push(image.to_owned());
    }

    /// An image with these labels.
    pub(crate) fn image(&self, image: &str, labels: BTreeMap<String, String>) {
        self.state
            .lock()
            .unwrap()
            .images
            .insert(image.to_owned(), labels);
    }

    /// This container keeps exiting with code 1.
    pub(crate) fn crashing(&self, container: &str) {
        self.state
            .lock()
            .unwrap()
            .crashing
            .push(container.to_owned());
    }

    /// `wait_container` never returns.
    pub(crate) fn block_wait(&self) {
        self.state.lock().unwrap().block_wait = true;
    }

    /// A foreign (unlabelled or other-tool) container, network and volume.
    pub(crate) fn add_foreign(&self, name: &str, labels: BTreeMap<String, String>) {
        let mut state = self.state.lock().unwrap();
        state
            .containers
            .insert(name.to_owned(), (labels.clone(), true));
        state
            .networks
            .insert(name.to_owned(), (name.to_owned(), labels.clone()));
        state.volumes.insert(name.to_owned(), labels);
    }

    /// `docker kill` of a container: it stops and stays stopped.
    pub(crate) fn kill(&self, name: &str) {
        let mut state = self.state.lock().unwrap();
        if let Some(c) = state.containers.get_mut(name) {
            c.1 = false;
        }
        state.killed.insert(name.to_owned());
    }

    /// Docker restarts a crashed container by its restart policy: it runs again, started now.
    pub(crate) fn restarted_by_docker(&self, name: &str) {
        let mut state = self.state.lock().unwrap();
        state.serial += 1;
        let serial = state.serial;
        state.started.insert(name.to_owned(), serial);
    }

    /// A second network of an existing network's name and labels (as two concurrent creates
    /// make), with its own id.
    pub(crate) fn duplicate_network(&self, name: &str) {
        let mut state = self.state.lock().unwrap();
        let labels = state.networks[name].1.clone();
        state
            .networks
            .insert(format!("{name}#2"), (name.to_owned(), labels));
    }

    fn started(&self, name: &str) {
        let mut state = self.state.lock().unwrap();
        if let Some(c) = state.containers.get_mut(name) {
            c.1 = true;
        }
        state.killed.remove(name);
        state.serial += 1;
        let serial = state.serial;
        state.started.insert(name.to_owned(), serial);
    }

    pub(crate) fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }

    pub(crate) fn body(&self, container: &str) -> Option<ContainerSpec> {
        self.state.lock().unwrap().bodies.get(container).cloned()
    }

    /// Names of every object left: containers, networks, volumes.
    pub(crate) fn objects(&self) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state
            .containers
            .keys()
            .map(|n| format!("container {n}"))
            .chain(state.networks.keys().map(|n| format!("network {n}")))
            .chain(state.volumes.keys().map(|n| format!("volume {n}")))
            .collect()
    }

    fn record(&self, call: &str) -> Result<(), DockerError> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(call.to_owned());
        if state.fail.iter().any(|f| f == call) {
            let (verb, name) = call.split_once(' ').unwrap_or((call, ""));
            let source = DockerError::server(500, "injected failure");
            let name = name.to_owned();
            return Err(match verb {
                "create_container" => DockerError::CreateContainer { name, source },
                "start_container" => DockerError::StartContainer { name, source },
                "create_volume" => DockerError::CreateVolume { name, source },
                "create_network" => DockerError::CreateNetwork { name, source },
                _ => DockerError::InspectContainer { name, source },
            });
        }
        Ok(())
    }
}

impl DockerApi for FakeDocker {
    async fn ping(&self) -> Result<(), DockerError> {
        self.record("ping")
    }

    async fn inspect_image(&self, image: &str) -> Result<Option<ImageInfo>, DockerError> {
        self.record(&format!("inspect_image {image}"))?;
        let state = self.state.lock().unwrap();
        Ok(state.images.get(image).map(|labels| ImageInfo {
            id: state
                .image_ids
                .get(image)
                .cloned()
                .unwrap_or_else(|| "sha256:0".to_owned()),
            labels: labels.clone(),
        }))
    }

    async fn remove_image(&self, image: &str) -> Result<(), DockerError> {
        self.record(&format!("remove_image {image}"))
    }

    async fn pull_image(
        &self,
        image: &str,
        progress: &(dyn Fn(PullProgress) + Send + Sync),
    ) -> Result<(), DockerError> {
        self.record(&format!("pull_image {image}"))?;
        let ok = self
            .state
            .lock()
            .unwrap()
            .pullable
            .iter()
            .any(|i| i == image);
        if !ok {
            return Err(DockerError::PullImage {
                image: image.to_owned(),
                source: DockerError::server(500, "no such host"),
            });
        }
        progress(PullProgress {
            layer: Some("l1".to_owned()),
            status: "Pull complete".to_owned(),
            current: None,
            total: None,
        });
        self.state
            .lock()
            .unwrap()
            .images
            .insert(image.to_owned(), BTreeMap::new());
        Ok(())
    }

    async fn import_image(
        &self,
        image: &str,
        _rootfs: Vec<u8>,
        _changes: Vec<String>,
    ) -> Result<(), DockerError> {
        self.record(&format!("import_image {image}"))?;
        let mut state = self.state.lock().unwrap();
        state.serial += 1;
        let id = format!("sha256:{}", state.serial);
        state.image_ids.insert(image.to_owned(), id);
        state.images.insert(image.to_owned(), BTreeMap::new());
        Ok(())
    }

    async fn create_network(&self, body: NetworkCreateRequest) -> Result<(), DockerError> {
        self.record(&format!("create_network {}", body.name))?;
        self.state.lock().unwrap().networks.insert(
            body.name.clone(),
            (body.name.clone(), labels_of(body.labels.as_ref())),
        );
        Ok(())
    }

    async fn create_volume(
        &self,
        name: &str,
        body: VolumeCreateRequest,
    ) -> Result<(), DockerError> {
        self.record(&format!("create_volume {name}"))?;
        self.state
            .lock()
            .unwrap()
            .volumes
            .insert(name.to_owned(), labels_of(body.labels.as_ref()));
        Ok(())
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<(), DockerError> {
        self.record(&format!("create_container {}", spec.name))?;
        let mut state = self.state.lock().unwrap();
        state.containers.insert(
            spec.name.clone(),
            (labels_of(spec.body.labels.as_ref()), false),
        );
        state.bodies.insert(spec.name.clone(), spec.clone());
        Ok(())
    }

    async fn start_container(&self, name: &str) -> Result<(), DockerError> {
        self.record(&format!("start_container {name}"))?;
        self.started(name);
        Ok(())
    }

    async fn restart_container(&self, name: &str) -> Result<(), DockerError> {
        self.record(&format!("restart_container {name}"))?;
        self.started(name);
        Ok(())
    }

    fn container_events(
        &self,
        _selector: &Selector,
    ) -> BoxStream<'static, Result<String, DockerError>> {
        stream::empty().boxed()
    }

    async fn upload(&self, name: &str, path: &str, _tar: Vec<u8>) -> Result<(), DockerError> {
        self.record(&format!("upload {name}:{path}"))
    }

    async fn wait_container(&self, name: &str) -> Result<i64, DockerError> {
        self.record(&format!("wait_container {name}"))?;
        let (block, code) = {
            let state = self.state.lock().unwrap();
            (
                state.block_wait,
                state.exit_codes.get(name).copied().unwrap_or(0),
            )
        };
        if block {
            std::future::pending::<()>().await;
        }
        Ok(code)
    }

    async fn inspect_container(&self, name: &str) -> Result<ContainerState, DockerError> {
        self.record(&format!("inspect_container {name}"))?;
        let state = self.state.lock().unwrap();
        let Some((_, running)) = state.containers.get(name) else {
            return Err(DockerError::InspectContainer {
                name: name.to_owned(),
                source: DockerError::server(404, "no such container"),
            });
        };
        let ports = state
            .bodies
            .get(name)
            .and_then(|s| s.body.exposed_ports.clone())
            .unwrap_or_default();
        let crashing = state.crashing.iter().any(|c| c == name);
        let running = *running && !crashing;
        Ok(ContainerState {
            running,
            status: if running { "running" } else { "restarting" }.to_owned(),
            exit_code: crashing.then_some(1),
            restart_count: if crashing { 3 } else { 0 },
            started_at: state
                .started
                .get(name)
                .map(|n| format!("2026-01-01T00:00:00.{n:09}Z")),
            // Port 1 on 127.0.0.1: nothing listens, so probes fail fast.
            host_ports: ports
                .iter()
                .filter_map(|p| p.split('/').next()?.parse().ok())
                .map(|p| (p, 1))
                .collect(),
        })
    }

    async fn list(&self, selector: &Selector) -> Result<Listing, DockerError> {
        self.record("list")?;
        let state = self.state.lock().unwrap();
        let labelled = |map: &BTreeMap<String, BTreeMap<String, String>>| {
            map.iter()
                .filter(|(_, l)| selector.matches(l))
                .map(|(name, labels)| Labelled {
                    id: name.clone(),
                    name: name.clone(),
                    labels: labels.clone(),
                })
                .collect::<Vec<_>>()
        };
        Ok(Listing {
            containers: state
                .containers
                .iter()
                .filter(|(_, (l, _))| selector.matches(l))
                .map(|(name, (labels, running))| ContainerSummary {
                    id: name.clone(),
                    name: name.clone(),
                    labels: labels.clone(),
                    state: if *running {
                        "running"
                    } else if state.killed.contains(name) {
                        "exited"
                    } else {
                        "created"
                    }
                    .to_owned(),
                    status: String::new(),
                    created: None,
                })
                .collect(),
            networks: state
                .networks
                .iter()
                .filter(|(_, (_, l))| selector.matches(l))
                .map(|(id, (name, labels))| Labelled {
                    id: id.clone(),
                    name: name.clone(),
                    labels: labels.clone(),
                })
                .collect(),
            volumes: labelled(&state.volumes),
        })
    }

    async fn remove_container(&self, id: &str, name: &str) -> Result<(), DockerError> {
        self.record(&format!("remove_container {name}"))?;
        self.state.lock().unwrap().containers.remove(id);
        Ok(())
    }

    async fn remove_network(&self, id: &str, name: &str) -> Result<(), DockerError> {
        self.record(&format!("remove_network {name}"))?;
        self.state.lock().unwrap().networks.remove(id);
        Ok(())
    }

    async fn remove_volume(&self, name: &str) -> Result<(), DockerError> {
        self.record(&format!("remove_volume {name}"))?;
        self.state.lock().unwrap().volumes.remove(name);
        Ok(())
    }

    fn logs(
        &self,
        name: &str,
        _options: &LogOptions,
    ) -> BoxStream<'static, Result<LogLine, DockerError>> {
        let lines = self
            .state
            .lock()
            .unwrap()
            .logs
            .get(name)
            .cloned()
            .unwrap_or_default();
        stream::iter(lines.into_iter().map(|text| {
            Ok(LogLine {
                stderr: false,
                text,
            })
        }))
        .boxed()
    }
}
