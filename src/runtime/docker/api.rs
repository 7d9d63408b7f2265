//! The narrow port to Docker: [`DockerApi`], and [`BollardApi`], the only code that calls
//! bollard. Every call is wrapped into a [`DockerError`] variant naming the object.

use std::collections::{BTreeMap, HashMap};

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    ListNetworksOptionsBuilder, ListVolumesOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, RemoveImageOptions, RemoveVolumeOptions, StartContainerOptions,
    UploadToContainerOptionsBuilder, WaitContainerOptions,
};
use futures_util::stream::{BoxStream, StreamExt as _};

use super::labels::Selector;
use super::spec::{ContainerSpec, NetworkCreateRequest, VolumeCreateRequest};

/// A Docker call that failed, naming what it was about.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// No client could be made for the host.
    #[error("failed to connect to Docker at `{host}`")]
    Connect {
        /// The Docker host.
        host: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// The daemon did not answer.
    #[error("Docker daemon not reachable at `{host}`")]
    Ping {
        /// The Docker host.
        host: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// Image inspection failed.
    #[error("failed to inspect image `{image}`")]
    InspectImage {
        /// The image.
        image: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// A pull failed.
    #[error("failed to pull image `{image}`")]
    PullImage {
        /// The image.
        image: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// An import failed.
    #[error("failed to import image `{image}`")]
    ImportImage {
        /// The image.
        image: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// Network creation failed.
    #[error("failed to create network `{name}`")]
    CreateNetwork {
        /// The network.
        name: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// Volume creation failed.
    #[error("failed to create volume `{name}`")]
    CreateVolume {
        /// The volume.
        name: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// Container creation failed.
    #[error("failed to create container `{name}`")]
    CreateContainer {
        /// The container.
        name: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// A start failed.
    #[error("failed to start container `{name}`")]
    StartContainer {
        /// The container.
        name: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// Copying files into a container failed.
    #[error("failed to copy files into `{name}` at `{path}`")]
    Upload {
        /// The container.
        name: String,
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// Waiting for an exit failed.
    #[error("failed to wait for container `{name}`")]
    WaitContainer {
        /// The container.
        name: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// Inspection failed.
    #[error("failed to inspect container `{name}`")]
    InspectContainer {
        /// The container.
        name: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// Listing failed.
    #[error("failed to list {what}")]
    List {
        /// `containers`, `networks` or `volumes`.
        what: &'static str,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// Removal failed.
    #[error("failed to remove {kind} `{name}`")]
    Remove {
        /// `container`, `network`, `volume` or `image`.
        kind: &'static str,
        /// The name.
        name: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// Reading logs failed.
    #[error("failed to read the logs of `{name}`")]
    Logs {
        /// The container.
        name: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// A restart failed.
    #[error("failed to restart container `{name}`")]
    RestartContainer {
        /// The container.
        name: String,
        /// Why.
        #[source]
        source: BollardError,
    },
    /// The events stream failed.
    #[error("failed to follow Docker's events")]
    Events {
        /// Why.
        #[source]
        source: BollardError,
    },
}

impl DockerError {
    /// Whether the cause is Docker's 404 (the object does not exist).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        std::error::Error::source(self)
            .and_then(|s| s.downcast_ref::<BollardError>())
            .is_some_and(|e| {
                matches!(
                    e,
                    BollardError::DockerResponseServerError {
                        status_code: 404,
                        ..
                    }
                )
            })
    }

    /// A server error as a fake daemon would send it (tests only).
    #[cfg(test)]
    pub(crate) fn server(status_code: u16, message: &str) -> BollardError {
        BollardError::DockerResponseServerError {
            status_code,
            message: message.to_owned(),
        }
    }
}

/// A container's state as `inspect` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerState {
    /// Running now.
    pub running: bool,
    /// Docker's status word (`created`, `running`, `exited`, `restarting`, ...).
    pub status: String,
    /// Exit code of the last run.
    pub exit_code: Option<i64>,
    /// Restarts so far.
    pub restart_count: i64,
    /// Published ports: container port → host port (127.0.0.1).
    pub host_ports: BTreeMap<u16, u16>,
    /// When it last started (RFC 3339, UTC), if it ever did.
    pub started_at: Option<String>,
}

/// An image's identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageInfo {
    /// Its id (`sha256:…`).
    pub id: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
}

/// A listed container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSummary {
    /// Docker's id: what it is removed by (a name may be ambiguous or reused).
    pub id: String,
    /// Name (without Docker's leading `/`).
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// State word.
    pub state: String,
    /// Status text (`Up 3 minutes`).
    pub status: String,
    /// When it was created (Unix time), if known.
    pub created: Option<i64>,
}

/// A listed network or volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    /// Docker's id (a volume's is its name): what it is removed by, since two networks may
    /// share a name.
    pub id: String,
    /// Name.
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
}

/// Everything that matched a selector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Containers, sorted by name.
    pub containers: Vec<ContainerSummary>,
    /// Networks.
    pub networks: Vec<Labelled>,
    /// Volumes.
    pub volumes: Vec<Labelled>,
}

/// One pull progress message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullProgress {
    /// The layer.
    pub layer: Option<String>,
    /// The status text.
    pub status: String,
    /// Bytes done.
    pub current: Option<u64>,
    /// Bytes in all.
    pub total: Option<u64>,
}

/// Which logs to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// Keep streaming.
    pub follow: bool,
    /// Only the last N lines.
    pub tail: Option<u64>,
    /// Only lines since this Unix time.
    pub since: Option<i64>,
    /// Each line starts with Docker's RFC 3339 timestamp and a space.
    pub timestamps: bool,
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// From stderr.
    pub stderr: bool,
    /// The text, without its newline.
    pub text: String,
}

/// What the Docker runtime needs from a daemon.
#[allow(async_fn_in_trait)] // used through generics inside the crate only
pub trait DockerApi: Send + Sync {
    /// Checks that the daemon answers.
    async fn ping(&self) -> Result<(), DockerError>;
    /// An image's id and labels, or `None` when it is not present.
    async fn inspect_image(&self, image: &str) -> Result<Option<ImageInfo>, DockerError>;
    /// Removes an image (by id or reference).
    async fn remove_image(&self, image: &str) -> Result<(), DockerError>;
    /// Pulls an image, reporting progress.
    async fn pull_image(
        &self,
        image: &str,
        progress: &(dyn Fn(PullProgress) + Send + Sync),
    ) -> Result<(), DockerError>;
    /// Imports a root filesystem tar as `image`, with Dockerfile-style `changes`.
    async fn import_image(
        &self,
        image: &str,
        rootfs: Vec<u8>,
        changes: Vec<String>,
    ) -> Result<(), DockerError>;
    /// Creates a network.
    async fn create_network(&self, body: NetworkCreateRequest) -> Result<(), DockerError>;
    /// Creates a named volume.
    async fn create_volume(&self, name: &str, body: VolumeCreateRequest)
    -> Result<(), DockerError>;
    /// Creates a container.
    async fn create_container(&self, spec: &ContainerSpec) -> Result<(), DockerError>;
    /// Starts a container.
    async fn start_container(&self, name: &str) -> Result<(), DockerError>;
    /// Extracts a tar into a container at `path`.
    async fn upload(&self, name: &str, path: &str, tar: Vec<u8>) -> Result<(), DockerError>;
    /// Waits for a container to exit and returns its exit code.
    async fn wait_container(&self, name: &str) -> Result<i64, DockerError>;
    /// A container's state.
    async fn inspect_container(&self, name: &str) -> Result<ContainerState, DockerError>;
    /// Everything a selector matches.
    async fn list(&self, selector: &Selector) -> Result<Listing, DockerError>;
    /// Stops (if running) and starts a container again.
    async fn restart_container(&self, name: &str) -> Result<(), DockerError>;
    /// The names of the containers the selector matches as they start or stop (`start` and
    /// `die` events), until the stream ends.
    fn container_events(
        &self,
        selector: &Selector,
    ) -> BoxStream<'static, Result<String, DockerError>>;
    /// Removes a container, running or not, by its id (`name` names it in errors).
    async fn remove_container(&self, id: &str, name: &str) -> Result<(), DockerError>;
    /// Removes a network by its id (`name` names it in errors).
    async fn remove_network(&self, id: &str, name: &str) -> Result<(), DockerError>;
    /// Removes a volume.
    async fn remove_volume(&self, name: &str) -> Result<(), DockerError>;
    /// A container's log lines.
    fn logs(
        &self,
        name: &str,
        options: &LogOptions,
    ) -> BoxStream<'static, Result<LogLine, DockerError>>;
}

/// [`DockerApi`] over bollard.
#[derive(Debug, Clone)]
pub struct BollardApi {
    docker: Docker,
    host: String,
}

impl BollardApi {
    /// Connects to `host` (`unix:///var/run/docker.sock`, `tcp://…`) and negotiates the API
    /// version with the daemon.
    pub async fn connect(host: &str) -> Result<Self, DockerError> {
        let docker = Docker::connect_with_host(host).map_err(|source| DockerError::Connect {
            host: host.to_owned(),
            source,
        })?;
        let docker = docker
            .negotiate_version()
            .await
            .map_err(|source| DockerError::Ping {
                host: host.to_owned(),
                source,
            })?;
        Ok(Self {
            docker,
            host: host.to_owned(),
        })
    }
}

fn label_filters(selector: &Selector) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_owned(), selector.filters())])
}

fn sorted(labels: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    labels.unwrap_or_default().into_iter().collect()
}

fn log_line(output: &LogOutput) -> LogLine {
    let stderr = matches!(output, LogOutput::StdErr { .. });
    let text = output.to_string();
    LogLine {
        stderr,
        text: text.trim_end_matches(['\n', '\r']).to_owned(),
    }
}

impl DockerApi for BollardApi {
    async fn ping(&self) -> Result<(), DockerError> {
        self.docker
            .ping()
            .await
            .map(|_| ())
            .map_err(|source| DockerError::Ping {
                host: self.host.clone(),
                source,
            })
    }

    async fn inspect_image(&self, image: &str) -> Result<Option<ImageInfo>, DockerError> {
        match self.docker.inspect_image(image).await {
            Ok(inspect) => Ok(Some(ImageInfo {
                id: inspect.id.unwrap_or_default(),
                labels: sorted(inspect.config.and_then(|c| c.labels)),
            })),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(source) => Err(DockerError::InspectImage {
                image: image.to_owned(),
                source,
            }),
        }
    }

    async fn remove_image(&self, image: &str) -> Result<(), DockerError> {
        self.docker
            .remove_image(image, None::<RemoveImageOptions>, None)
            .await
            .map(|_| ())
            .map_err(|source| DockerError::Remove {
                kind: "image",
                name: image.to_owned(),
                source,
            })
    }

    async fn pull_image(
        &self,
        image: &str,
        progress: &(dyn Fn(PullProgress) + Send + Sync),
    ) -> Result<(), DockerError> {
        let (name, tag) = split_reference(image);
        let options = CreateImageOptionsBuilder::default()
            .from_image(name)
            .tag(tag)
            .build();
        let mut stream = self.docker.create_image(Some(options), None, None);
        while let Some(item) = stream.next().await {
            let info = item.map_err(|source| DockerError::PullImage {
                image: image.to_owned(),
                source,
            })?;
            let detail = info.progress_detail.unwrap_or_default();
            progress(PullProgress {
                layer: info.id,
                status: info.status.unwrap_or_default(),
                current: detail.current.and_then(|v| u64::try_from(v).ok()),
                total: detail.total.and_then(|v| u64::try_from(v).ok()),
            });
        }
        Ok(())
    }

    async fn import_image(
        &self,
        image: &str,
        rootfs: Vec<u8>,
        changes: Vec<String>,
    ) -> Result<(), DockerError> {
        let (repo, tag) = split_reference(image);
        let options = CreateImageOptionsBuilder::default()
            .from_src("-")
            .repo(repo)
            .tag(tag)
            .changes(changes)
            .build();
        let body = bollard::body_full(bytes::Bytes::from(rootfs));
        let mut stream = self.docker.create_image(Some(options), Some(body), None);
        while let Some(item) = stream.next().await {
            item.map_err(|source| DockerError::ImportImage {
                image: image.to_owned(),
                source,
            })?;
        }
        Ok(())
    }

    async fn create_network(&self, body: NetworkCreateRequest) -> Result<(), DockerError> {
        let name = body.name.clone();
        self.docker
            .create_network(body)
            .await
            .map(|_| ())
            .map_err(|source| DockerError::CreateNetwork { name, source })
    }

    async fn create_volume(
        &self,
        name: &str,
        body: VolumeCreateRequest,
    ) -> Result<(), DockerError> {
        self.docker
            .create_volume(body)
            .await
            .map(|_| ())
            .map_err(|source| DockerError::CreateVolume {
                name: name.to_owned(),
                source,
            })
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<(), DockerError> {
        let options = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        self.docker
            .create_container(Some(options), spec.body.clone())
            .await
            .map(|_| ())
            .map_err(|source| DockerError::CreateContainer {
                name: spec.name.clone(),
                source,
            })
    }

    async fn start_container(&self, name: &str) -> Result<(), DockerError> {
        self.docker
            .start_container(name, None::<StartContainerOptions>)
            .await
            .map_err(|source| DockerError::StartContainer {
                name: name.to_owned(),
                source,
            })
    }

    async fn upload(&self, name: &str, path: &str, tar: Vec<u8>) -> Result<(), DockerError> {
        let options = UploadToContainerOptionsBuilder::default()
            .path(path)
            .build();
        self.docker
            .upload_to_container(
                name,
                Some(options),
                bollard::body_full(bytes::Bytes::from(tar)),
            )
            .await
            .map_err(|source| DockerError::Upload {
                name: name.to_owned(),
                path: path.to_owned(),
                source,
            })
    }

    async fn wait_container(&self, name: &str) -> Result<i64, DockerError> {
        let mut stream = self
            .docker
            .wait_container(name, None::<WaitContainerOptions>);
        let mut code = 0;
        while let Some(item) = stream.next().await {
            match item {
                Ok(response) => code = response.status_code,
                // bollard reports a non-zero exit as an error, not a status.
                Err(BollardError::DockerContainerWaitError { code: c, .. }) => code = c,
                Err(source) => {
                    return Err(DockerError::WaitContainer {
                        name: name.to_owned(),
                        source,
                    });
                }
            }
        }
        Ok(code)
    }

    async fn inspect_container(&self, name: &str) -> Result<ContainerState, DockerError> {
        let inspect = self
            .docker
            .inspect_container(name, None)
            .await
            .map_err(|source| DockerError::InspectContainer {
                name: name.to_owned(),
                source,
            })?;
        let state = inspect.state.unwrap_or_default();
        let mut host_ports = BTreeMap::new();
        for (key, bindings) in inspect
            .network_settings
            .and_then(|n| n.ports)
            .unwrap_or_default()
        {
            let Some(port) = key.split('/').next().and_then(|p| p.parse::<u16>().ok()) else {
                continue;
            };
            let host = bindings
                .unwrap_or_default()
                .into_iter()
                .find_map(|b| b.host_port.and_then(|p| p.parse::<u16>().ok()));
            if let Some(host) = host {
                host_ports.insert(port, host);
            }
        }
        Ok(ContainerState {
            running: state.running.unwrap_or(false),
            status: state.status.map(|s| s.to_string()).unwrap_or_default(),
            exit_code: state.exit_code,
            restart_count: inspect.restart_count.unwrap_or(0),
            host_ports,
            started_at: state.started_at.filter(|t| !t.starts_with("0001-01-01")),
        })
    }

    async fn list(&self, selector: &Selector) -> Result<Listing, DockerError> {
        let filters = label_filters(selector);
        let containers = self
            .docker
            .list_containers(Some(
                ListContainersOptionsBuilder::default()
                    .all(true)
                    .filters(&filters)
                    .build(),
            ))
            .await
            .map_err(|source| DockerError::List {
                what: "containers",
                source,
            })?;
        let networks = self
            .docker
            .list_networks(Some(
                ListNetworksOptionsBuilder::default()
                    .filters(&filters)
                    .build(),
            ))
            .await
            .map_err(|source| DockerError::List {
                what: "networks",
                source,
            })?;
        let volumes = self
            .docker
            .list_volumes(Some(
                ListVolumesOptionsBuilder::default()
                    .filters(&filters)
                    .build(),
            ))
            .await
            .map_err(|source| DockerError::List {
                what: "volumes",
                source,
            })?;
        let mut listing = Listing {
            containers: containers
                .into_iter()
                .map(|c| ContainerSummary {
                    id: c.id.unwrap_or_default(),
                    name: c
                        .names
                        .unwrap_or_default()
                        .first()
                        .map(|n| n.trim_start_matches('/').to_owned())
                        .unwrap_or_default(),
                    labels: sorted(c.labels),
                    state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                    status: c.status.unwrap_or_default(),
                    created: c.created,
                })
                .collect(),
            networks: networks
                .into_iter()
                .map(|n| Labelled {
                    id: n.id.unwrap_or_default(),
                    name: n.name.unwrap_or_default(),
                    labels: sorted(n.labels),
                })
                .collect(),
            volumes: volumes
                .volumes
                .unwrap_or_default()
                .into_iter()
                .map(|v| Labelled {
                    id: v.name.clone(),
                    name: v.name,
                    labels: v.labels.into_iter().collect(),
                })
                .collect(),
        };
        listing.containers.sort_by(|a, b| a.name.cmp(&b.name));
        listing.networks.sort_by(|a, b| a.name.cmp(&b.name));
        listing.volumes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(listing)
    }

    async fn restart_container(&self, name: &str) -> Result<(), DockerError> {
        // A container restarted to rejoin its pod's new network namespace serves nobody where
        // it is: a short grace.
        let options = bollard::query_parameters::RestartContainerOptionsBuilder::default()
            .t(2)
            .build();
        self.docker
            .restart_container(name, Some(options))
            .await
            .map_err(|source| DockerError::RestartContainer {
                name: name.to_owned(),
                source,
            })
    }

    fn container_events(
        &self,
        selector: &Selector,
    ) -> BoxStream<'static, Result<String, DockerError>> {
        let mut filters = label_filters(selector);
        filters.insert("type".to_owned(), vec!["container".to_owned()]);
        filters.insert(
            "event".to_owned(),
            vec!["start".to_owned(), "die".to_owned()],
        );
        let options = bollard::query_parameters::EventsOptionsBuilder::default()
            .filters(&filters)
            .build();
        self.docker
            .events(Some(options))
            .map(|item| match item {
                Ok(event) => Ok(event
                    .actor
                    .and_then(|a| a.attributes)
                    .and_then(|a| a.get("name").cloned())
                    .unwrap_or_default()),
                Err(source) => Err(DockerError::Events { source }),
            })
            .boxed()
    }

    async fn remove_container(&self, id: &str, name: &str) -> Result<(), DockerError> {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(false)
            .build();
        self.docker
            .remove_container(id, Some(options))
            .await
            .map_err(|source| DockerError::Remove {
                kind: "container",
                name: name.to_owned(),
                source,
            })
    }

    async fn remove_network(&self, id: &str, name: &str) -> Result<(), DockerError> {
        self.docker
            .remove_network(id)
            .await
            .map_err(|source| DockerError::Remove {
                kind: "network",
                name: name.to_owned(),
                source,
            })
    }

    async fn remove_volume(&self, name: &str) -> Result<(), DockerError> {
        self.docker
            .remove_volume(name, None::<RemoveVolumeOptions>)
            .await
            .map_err(|source| DockerError::Remove {
                kind: "volume",
                name: name.to_owned(),
                source,
            })
    }

    fn logs(
        &self,
        name: &str,
        options: &LogOptions,
    ) -> BoxStream<'static, Result<LogLine, DockerError>> {
        let mut builder = LogsOptionsBuilder::default()
            .follow(options.follow)
            .timestamps(options.timestamps)
            .stdout(true)
            .stderr(true);
        if let Some(tail) = options.tail {
            builder = builder.tail(&tail.to_string());
        }
        if let Some(since) = options.since {
            builder = builder.since(i32::try_from(since).unwrap_or(i32::MAX));
        }
        let owned = name.to_owned();
        self.docker
            .logs(name, Some(builder.build()))
            .map(move |item| match item {
                Ok(output) => Ok(log_line(&output)),
                Err(source) => Err(DockerError::Logs {
                    name: owned.clone(),
                    source,
                }),
            })
            .boxed()
    }
}

/// `repo[:tag]` → (repo, tag), `latest` when absent; a `:` inside a registry host is not a tag.
#[must_use]
pub fn split_reference(image: &str) -> (&str, &str) {
    let without_digest = image.split('@').next().unwrap_or(image);
    match without_digest.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (without_digest, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_into_repository_and_tag() {
        assert_eq!(
            split_reference("seldonio/tfserving-proxy:1.18.2"),
            ("seldonio/tfserving-proxy", "1.18.2")
        );
        assert_eq!(split_reference("busybox"), ("busybox", "latest"));
        assert_eq!(
            split_reference("localhost:5000/x"),
            ("localhost:5000/x", "latest")
        );
    }
}
