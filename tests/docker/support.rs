//! Sessions with their own labels, a cleanup guard, the daemon check and small helpers.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::Docker;
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder,
    RemoveContainerOptionsBuilder,
};
use futures_util::StreamExt as _;

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn builtin_image() -> String {
    format!("seldon-local:{}", env!("CARGO_PKG_VERSION"))
}

fn docker_host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_owned())
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

async fn docker() -> Docker {
    let host = docker_host();
    let docker = Docker::connect_with_host(&host)
        .unwrap_or_else(|e| panic!("docker-tests enabled but no daemon at `{host}`: {e}"));
    let docker = docker
        .negotiate_version()
        .await
        .unwrap_or_else(|e| panic!("docker-tests enabled but no daemon at `{host}`: {e}"));
    docker
        .ping()
        .await
        .unwrap_or_else(|e| panic!("docker-tests enabled but no daemon at `{host}`: {e}"));
    docker
}

/// `seldon-local` with a hermetic environment.
pub(crate) fn seldon_local() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_seldon-local"));
    scrub(command.current_dir(root()));
    command
}

fn scrub(command: &mut assert_cmd::Command) {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("SELDON_LOCAL_") || key == "NO_COLOR" || key.starts_with("CLICOLOR") {
            command.env_remove(&key);
        }
    }
    command.env("NO_COLOR", "1");
    // The ingress on a free port: tests use no fixed ports.
    command.env("SELDON_LOCAL_INGRESS_PORT", "0");
}

/// Builds our image once per test run (from the binary under test; no pulls).
fn ensure_image() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        block_on(docker());
        let output = seldon_local().args(["image", "build"]).output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

/// One test's deployment name, session label and scratch directory; removes everything with
/// its label when dropped.
pub(crate) struct Session {
    pub(crate) name: String,
    pub(crate) id: String,
    dir: tempfile::TempDir,
}

impl Session {
    pub(crate) fn new(prefix: &str) -> Self {
        ensure_image();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let suffix = format!("{:x}", nanos & 0xff_ffff_ffff);
        Self {
            name: format!("t-{prefix}-{suffix}"),
            id: format!("test-{prefix}-{suffix}"),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The session's scratch directory.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn write(&self, file: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(file);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// `seldon-local up FILE` labelled with this session.
    pub(crate) fn up(&self, file: &Path, extra: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_seldon-local"));
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("SELDON_LOCAL_") {
                command.env_remove(&key);
            }
        }
        command
            // A CA file in the caller's environment would be mounted into storage initializers.
            .env_remove("SSL_CERT_FILE")
            .env("NO_COLOR", "1")
            .env("SELDON_LOCAL_INGRESS_PORT", "0")
            .env("SELDON_LOCAL_SESSION", &self.id)
            .current_dir(root())
            .arg("up")
            .args(extra)
            .arg(file);
        command
    }

    /// `docker restart` of a container (stops it, then starts it again).
    pub(crate) fn restart(&self, container: &str) {
        block_on(async {
            docker()
                .await
                .restart_container(
                    container,
                    None::<bollard::query_parameters::RestartContainerOptions>,
                )
                .await
                .unwrap();
        });
    }

    /// `docker kill` of a container (Docker's restart policy treats it as a manual stop).
    pub(crate) fn kill(&self, container: &str) {
        block_on(async {
            docker()
                .await
                .kill_container(
                    container,
                    None::<bollard::query_parameters::KillContainerOptions>,
                )
                .await
                .unwrap();
        });
    }

    /// The names of the deployment's containers of a kind (`sandbox`, `init`, `container`).
    pub(crate) fn containers(&self, kind: &str) -> Vec<String> {
        block_on(async {
            let docker = docker().await;
            let filters = HashMap::from([(
                "label".to_owned(),
                vec![
                    format!("seldon-local/deployment={}", self.name),
                    format!("seldon-local/kind={kind}"),
                ],
            )]);
            let mut names: Vec<String> = docker
                .list_containers(Some(
                    ListContainersOptionsBuilder::default()
                        .all(true)
                        .filters(&filters)
                        .build(),
                ))
                .await
                .unwrap()
                .into_iter()
                .filter_map(|c| Some(c.names?.first()?.trim_start_matches('/').to_owned()))
                .collect();
            names.sort();
            names
        })
    }

    /// `docker inspect` of a container, as JSON.
    pub(crate) fn inspect(&self, container: &str) -> serde_json::Value {
        block_on(async {
            let docker = docker().await;
            let inspect = docker.inspect_container(container, None).await.unwrap();
            serde_json::to_value(inspect).unwrap()
        })
    }

    /// The entries of a path in a container: (path, mode, content).
    pub(crate) fn archive(&self, container: &str, path: &str) -> Vec<(String, u32, Vec<u8>)> {
        let bytes = block_on(async {
            let docker = docker().await;
            let options = bollard::query_parameters::DownloadFromContainerOptionsBuilder::default()
                .path(path)
                .build();
            let mut stream = docker.download_from_container(container, Some(options));
            let mut bytes = Vec::new();
            while let Some(chunk) = stream.next().await {
                bytes.extend_from_slice(&chunk.unwrap());
            }
            bytes
        });
        let mut archive = tar::Archive::new(bytes.as_slice());
        archive
            .entries()
            .unwrap()
            .map(|entry| {
                let mut entry = entry.unwrap();
                let mut content = Vec::new();
                entry.read_to_end(&mut content).unwrap();
                (
                    entry.path().unwrap().display().to_string(),
                    entry.header().mode().unwrap() & 0o7777,
                    content,
                )
            })
            .collect()
    }

    fn filters(&self) -> Vec<HashMap<String, Vec<String>>> {
        [
            format!("seldon-local/session={}", self.id),
            format!("seldon-local/deployment={}", self.name),
        ]
        .into_iter()
        .map(|f| HashMap::from([("label".to_owned(), vec![f])]))
        .collect()
    }

    /// (containers, network ids, volumes) carrying this session's label or deployment name.
    pub(crate) fn labelled(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        block_on(async {
            let docker = docker().await;
            let (mut containers, mut networks, mut volumes) = (Vec::new(), Vec::new(), Vec::new());
            for filters in self.filters() {
                for c in docker
                    .list_containers(Some(
                        ListContainersOptionsBuilder::default()
                            .all(true)
                            .filters(&filters)
                            .build(),
                    ))
                    .await
                    .unwrap()
                {
                    containers.push(c.names.unwrap_or_default().join(","));
                }
                for n in docker
                    .list_networks(Some(
                        ListNetworksOptionsBuilder::default()
                            .filters(&filters)
                            .build(),
                    ))
                    .await
                    .unwrap()
                {
                    // By id: two networks may share a name, and a name is then ambiguous.
                    networks.push(n.id.unwrap_or_default());
                }
                for v in docker
                    .list_volumes(Some(
                        ListVolumesOptionsBuilder::default()
                            .filters(&filters)
                            .build(),
                    ))
                    .await
                    .unwrap()
                    .volumes
                    .unwrap_or_default()
                {
                    volumes.push(v.name);
                }
            }
            (containers, networks, volumes)
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let (containers, networks, volumes) = self.labelled();
        block_on(async {
            let docker = docker().await;
            for name in containers {
                let name = name
                    .split(',')
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches('/')
                    .to_owned();
                let _ = docker
                    .remove_container(
                        &name,
                        Some(RemoveContainerOptionsBuilder::default().force(true).build()),
                    )
                    .await;
            }
            for id in networks {
                let _ = docker.remove_network(&id).await;
            }
            for name in volumes {
                let _ = docker
                    .remove_volume(
                        &name,
                        None::<bollard::query_parameters::RemoveVolumeOptions>,
                    )
                    .await;
            }
        });
    }
}

/// The deployment's labelled containers' session labels (one per container) and how many
/// networks carry its label.
pub(crate) fn deployment_objects(session: &Session) -> (Vec<String>, usize) {
    block_on(async {
        let docker = docker().await;
        let filters = HashMap::from([(
            "label".to_owned(),
            vec![format!("seldon-local/deployment={}", session.name)],
        )]);
        let sessions = docker
            .list_containers(Some(
                ListContainersOptionsBuilder::default()
                    .all(true)
                    .filters(&filters)
                    .build(),
            ))
            .await
            .unwrap()
            .into_iter()
            .map(|c| {
                c.labels
                    .unwrap_or_default()
                    .get("seldon-local/session")
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let networks = docker
            .list_networks(Some(
                ListNetworksOptionsBuilder::default()
                    .filters(&filters)
                    .build(),
            ))
            .await
            .unwrap()
            .len();
        (sessions, networks)
    })
}

/// Fails unless no container, network or volume carries the session's labels.
pub(crate) fn assert_nothing_left(session: &Session) {
    let left = session.labelled();
    assert_eq!(
        left,
        (Vec::new(), Vec::new(), Vec::new()),
        "labelled resources left behind"
    );
}

/// GETs `http://127.0.0.1:PORT/path`: (status, body), or `None` when the connection fails.
pub(crate) fn get(url: &str) -> Option<(u16, String)> {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).ok()?;
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let code = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, body.to_owned()))
}

/// POSTs JSON to `http://127.0.0.1:PORT/path` and parses the JSON response.
pub(crate) fn post(url: &str, body: &str) -> serde_json::Value {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {head}\n{body}"))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// Once `up` has created the deployment's network, runs our image's `component serve-files`
/// on it under the DNS alias `alias`, serving `dir` (read-only) on port 8080, over HTTPS
/// when `tls` names a certificate chain and key inside `dir`. It carries the session's and
/// the deployment's labels, so `down NAME` and the guard remove it with the rest.
pub(crate) fn serve_files_on_the_network(
    session: &Session,
    alias: &str,
    dir: &Path,
    tls: Option<(&str, &str)>,
) {
    use bollard::models::{
        ContainerCreateBody, EndpointSettings, HostConfig, Mount, MountType, NetworkingConfig,
    };
    let network = format!("seldon-local_{}", session.name);
    block_on(async {
        let docker = docker().await;
        // `up` creates the network first; poll for it (no fixed sleeps).
        let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
        loop {
            if docker
                .inspect_network(
                    &network,
                    None::<bollard::query_parameters::InspectNetworkOptions>,
                )
                .await
                .is_ok()
            {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "`up` never created `{network}`"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await; // poll interval
        }
        let mut cmd = vec![
            "component".to_owned(),
            "serve-files".to_owned(),
            "--dir=/srv".to_owned(),
            "--listen=0.0.0.0:8080".to_owned(),
        ];
        if let Some((cert, key)) = tls {
            cmd.push(format!("--tls-cert=/srv/{cert}"));
            cmd.push(format!("--tls-key=/srv/{key}"));
        }
        let labels = HashMap::from([
            (
                "app.kubernetes.io/managed-by".to_owned(),
                "seldon-local".to_owned(),
            ),
            ("seldon-local/deployment".to_owned(), session.name.clone()),
            ("seldon-local/namespace".to_owned(), "default".to_owned()),
            ("seldon-local/session".to_owned(), session.id.clone()),
        ]);
        let body = ContainerCreateBody {
            image: Some(builtin_image()),
            entrypoint: Some(vec!["/seldon-local".to_owned()]),
            cmd: Some(cmd),
            labels: Some(labels),
            host_config: Some(HostConfig {
                network_mode: Some(network.clone()),
                mounts: Some(vec![Mount {
                    target: Some("/srv".to_owned()),
                    source: Some(dir.display().to_string()),
                    typ: Some(MountType::BIND),
                    read_only: Some(true),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(
                    network.clone(),
                    EndpointSettings {
                        aliases: Some(vec![alias.to_owned()]),
                        ..Default::default()
                    },
                )])),
            }),
            ..Default::default()
        };
        let name = format!("{}-files", session.name);
        let options = bollard::query_parameters::CreateContainerOptionsBuilder::default()
            .name(&name)
            .build();
        docker.create_container(Some(options), body).await.unwrap();
        docker
            .start_container(
                &name,
                None::<bollard::query_parameters::StartContainerOptions>,
            )
            .await
            .unwrap();
    });
}
