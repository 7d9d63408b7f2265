//! The ingress's local side: one `component ingress` process per machine (per state root), on
//! one address every deployment of both runtimes shares, and the route records it reads.
//!
//! `up` writes a route record per deployment (`<state root>/_ingress/routes/<name>.json`: its
//! namespace, runtime, predictors with their engine addresses, weights and shadows) and then
//! makes sure an ingress answers: the one recorded in `_ingress/ingress.json` when it is alive
//! (and on the port asked for), else a new background process on `--ingress-port`, or 8003
//! when it is free, or a free port. The process re-reads the records (dropping those whose
//! embedded process died or whose Docker deployment is gone) and exits once nothing has been
//! routed for a while, so `down` of the last deployment ends it.

use std::fs::File;
use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};

use super::Context;
use crate::components::ingress::{self, Route, RouteSource, Routes, Target};
use crate::plan::Plan;
use crate::runtime::embedded::state;
use crate::runtime::{Endpoint, Running};

/// The port Seldon's docs port-forward Ambassador to (`gateway_endpoint="localhost:8003"`).
pub(crate) const DEFAULT_PORT: u16 = 8003;

/// How long the ingress serves with nothing routed before it exits.
const IDLE_EXIT: Duration = Duration::from_secs(10);

/// One deployment's route, as `up` records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RouteRecord {
    pub(crate) deployment: String,
    pub(crate) namespace: String,
    /// `embedded` or `docker`.
    pub(crate) runtime: String,
    /// The embedded process serving it.
    #[serde(default)]
    pub(crate) pid: Option<u32>,
    pub(crate) predictors: Vec<Target>,
}

/// Where the running ingress listens.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IngressRecord {
    address: SocketAddr,
    pid: u32,
}

/// The ingress's directory under the state root.
pub(crate) fn dir() -> PathBuf {
    super::embedded::state_root().join("_ingress")
}

fn routes_dir(dir: &Path) -> PathBuf {
    dir.join("routes")
}

/// The route record of a plan that runs with these endpoints.
pub(crate) fn record(plan: &Plan, running: &Running, runtime: &str) -> RouteRecord {
    let predictors = plan
        .predictors
        .iter()
        .filter_map(|p| {
            let rest = |name: &str| {
                running
                    .endpoints
                    .iter()
                    .find(|e| e.predictor == p.name && e.protocol == "rest" && e.name == name)
            };
            // No executor (`seldon.io/no-engine`): the graph's root unit answers.
            let endpoint = rest("engine").or_else(|| rest(&p.graph_root))?;
            let grpc = running
                .endpoints
                .iter()
                .find(|e| e.predictor == p.name && e.protocol == "grpc" && e.name == "engine")
                .map(|e| format!("http://{}", e.address));
            Some(Target {
                predictor: p.name.clone(),
                rest: endpoint.address.clone(),
                grpc,
                weight: p.traffic.and_then(|t| u32::try_from(t).ok()).unwrap_or(0),
                shadow: p.shadow,
                ready: true,
            })
        })
        .collect();
    RouteRecord {
        deployment: plan.deployment.clone(),
        namespace: plan.namespace.clone(),
        runtime: runtime.to_owned(),
        pid: (runtime == "embedded").then(std::process::id),
        predictors,
    }
}

/// Writes a deployment's route record.
pub(crate) fn write_record(record: &RouteRecord) -> Result<()> {
    let dir = routes_dir(&dir());
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("failed to create `{}`", dir.display()))?;
    let path = dir.join(format!("{}.json", record.deployment));
    let temporary = dir.join(format!(".{}.json.tmp", record.deployment));
    std::fs::write(&temporary, serde_json::to_vec_pretty(record)?)
        .with_context(|| format!("failed to write `{}`", temporary.display()))?;
    std::fs::rename(&temporary, &path)
        .with_context(|| format!("failed to write `{}`", path.display()))
}

/// Removes a deployment's route record, if any.
pub(crate) fn remove_record(deployment: &str) {
    let _ = std::fs::remove_file(routes_dir(&dir()).join(format!("{deployment}.json")));
}

fn read_records(dir: &Path) -> Vec<RouteRecord> {
    let Ok(entries) = std::fs::read_dir(routes_dir(dir)) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok())
        .collect()
}

/// The routes of live deployments, from the records under a directory.
pub(crate) struct LocalRoutes {
    pub(crate) dir: PathBuf,
}

impl LocalRoutes {
    fn read(dir: &Path) -> Routes {
        let records = read_records(dir);
        let docker_names = if records.iter().any(|r| r.runtime == "docker") {
            docker_deployments()
        } else {
            Vec::new()
        };
        let mut routes = Routes::default();
        for record in records {
            let live = match record.runtime.as_str() {
                "embedded" => {
                    let alive = record
                        .pid
                        .is_some_and(crate::runtime::embedded::state::is_alive);
                    if !alive {
                        // Its process is gone for good: so is the record, unless a new `up`
                        // has just rewritten it.
                        let path = routes_dir(dir).join(format!("{}.json", record.deployment));
                        let current: Option<RouteRecord> = std::fs::read(&path)
                            .ok()
                            .and_then(|b| serde_json::from_slice(&b).ok());
                        if current.is_some_and(|c| c.pid == record.pid) {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                    alive
                }
                _ => docker_names.contains(&record.deployment),
            };
            if live {
                let mut predictors = record.predictors;
                if record.runtime == "embedded"
                    && let Some(root) = dir.parent()
                {
                    let deployment = state::deployment_dir(root, &record.deployment);
                    for target in &mut predictors {
                        target.ready = predictor_ready(&deployment, &target.predictor);
                    }
                }
                routes.insert(Route::new(
                    &record.namespace,
                    &record.deployment,
                    predictors,
                ));
            }
        }
        routes
    }
}

/// Whether every container of an embedded predictor's pods passes its readiness probe, by the
/// serving process's `status.json` (ready when it cannot tell).
fn predictor_ready(dir: &Path, predictor: &str) -> bool {
    let (Ok(Some(deployment)), Some(status)) = (state::read(dir), state::read_status(dir)) else {
        return true;
    };
    deployment
        .containers
        .iter()
        .filter(|c| c.predictor == predictor && !c.init)
        .all(|c| status.of(&c.pod, &c.name).is_none_or(|s| s.ready))
}

/// The Docker deployments by label; none when no daemon answers.
fn docker_deployments() -> Vec<String> {
    // Called from a blocking thread: a runtime of its own is fine there.
    if !super::docker::daemon_answers() {
        return Vec::new();
    }
    super::docker::block_on(async {
        let ctx = Context {
            printer: crate::output::Printer::default(),
        };
        let runtime = super::docker::connect(&ctx).await?;
        Ok(runtime.deployments().await?)
    })
    .unwrap_or_default()
}

impl RouteSource for LocalRoutes {
    fn routes(&self) -> Pin<Box<dyn Future<Output = Routes> + Send>> {
        let dir = self.dir.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || LocalRoutes::read(&dir))
                .await
                .unwrap_or_default()
        })
    }
}

/// The config of `component ingress`.
pub(crate) fn config(idle_exit: Option<Duration>) -> ingress::Config {
    ingress::Config {
        idle_exit,
        ..ingress::Config::default()
    }
}

/// Whether a seldon-local ingress answers at `address`.
fn answers(address: SocketAddr) -> bool {
    use std::io::{Read as _, Write as _};
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(1))
    else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /ready HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply.starts_with("HTTP/1.1 200") && reply.ends_with("ready")
}

fn read_ingress(dir: &Path) -> Option<IngressRecord> {
    serde_json::from_slice(&std::fs::read(dir.join("ingress.json")).ok()?).ok()
}

/// The address of the live ingress, if one runs.
pub(crate) fn running() -> Option<SocketAddr> {
    let record = read_ingress(&dir())?;
    (crate::runtime::embedded::state::is_alive(record.pid) && answers(record.address))
        .then_some(record.address)
}

/// The base URL of a deployment through the ingress, when one runs and routes it.
pub(crate) fn gateway_base(deployment: &str) -> Option<String> {
    let path = routes_dir(&dir()).join(format!("{deployment}.json"));
    let record: RouteRecord = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let address = running()?;
    Some(format!(
        "http://{address}/seldon/{}/{}",
        record.namespace, record.deployment
    ))
}

/// Makes sure an ingress answers (on `port` when given; 0 is any free port) and returns its
/// address.
pub(crate) fn ensure(port: Option<u16>, ctx: &Context) -> Result<SocketAddr> {
    let dir = dir();
    if let Some(address) = running()
        && port.is_none_or(|p| p == 0 || p == address.port())
    {
        return Ok(address);
    }
    let address = match port {
        Some(0) => free_port()?,
        Some(p) => SocketAddr::from(([127, 0, 0, 1], p)),
        None => {
            let preferred = SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT));
            if TcpListener::bind(preferred).is_ok() {
                preferred
            } else {
                let free = free_port()?;
                ctx.printer.note(format!(
                    "port {DEFAULT_PORT} is taken; the ingress listens on {free} \
                     (`--ingress-port` chooses)"
                ));
                free
            }
        }
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("failed to create `{}`", dir.display()))?;
    let log_path = dir.join("ingress.log");
    let log = File::create(&log_path)
        .with_context(|| format!("failed to create `{}`", log_path.display()))?;
    let exe = std::env::current_exe().context("failed to find this executable")?;
    let mut child = std::process::Command::new(exe)
        .args(["component", "ingress", "--listen"])
        .arg(address.to_string())
        .arg("--routes")
        .arg(&dir)
        .arg("--idle-exit")
        .arg(IDLE_EXIT.as_secs().to_string())
        .stdin(Stdio::null())
        .stdout(log.try_clone().context("failed to share the log file")?)
        .stderr(log)
        .process_group(0)
        .spawn()
        .context("failed to start the ingress")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if answers(address) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            bail!(
                "the ingress exited ({status}) before it answered on {address}: {}",
                log.trim()
            );
        }
        if Instant::now() >= deadline {
            bail!(
                "the ingress did not answer on {address} within 10s; see `{}`",
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let record = IngressRecord {
        address,
        pid: child.id(),
    };
    std::fs::write(
        dir.join("ingress.json"),
        serde_json::to_vec_pretty(&record)?,
    )
    .context("failed to record the ingress")?;
    Ok(address)
}

fn free_port() -> Result<SocketAddr> {
    let listener =
        TcpListener::bind("127.0.0.1:0").context("failed to find a free port for the ingress")?;
    Ok(listener.local_addr()?)
}

/// The ingress's rows of the endpoint table, first: REST under the deployment's prefix, and
/// gRPC on the same address (routed by the `seldon` and `namespace` metadata).
pub(crate) fn add_endpoint(running: &mut Running, namespace: &str, address: SocketAddr) {
    let row = |protocol: &str, address: String| Endpoint {
        predictor: "*".to_owned(),
        name: "ingress".to_owned(),
        container: "ingress".to_owned(),
        protocol: protocol.to_owned(),
        address,
    };
    let rest = row(
        "rest",
        format!("http://{address}/seldon/{namespace}/{}", running.deployment),
    );
    running
        .endpoints
        .splice(0..0, [rest, row("grpc", address.to_string())]);
}

/// Records the deployment's route, makes sure the ingress runs, and lists it first. A failing
/// ingress is a warning: the engines still answer directly.
pub(crate) fn publish(
    plan: &Plan,
    running: &mut Running,
    runtime: &str,
    port: Option<u16>,
    ctx: &Context,
) {
    let record = record(plan, running, runtime);
    let outcome = write_record(&record).and_then(|()| ensure(port, ctx));
    match outcome {
        Ok(address) => {
            add_endpoint(running, &plan.namespace, address);
            // The `curl` line goes through the ingress too.
            let gateway = format!(
                "http://{address}/seldon/{}/{}",
                plan.namespace, plan.deployment
            );
            if let Some(url) = &mut running.predict_url
                && let Some(rest) = record
                    .predictors
                    .iter()
                    .find_map(|t| url.strip_prefix(t.rest.as_str()))
            {
                *url = format!("{gateway}{rest}");
            }
        }
        Err(error) => ctx
            .printer
            .warning(format!("the ingress is not available: {error:#}")),
    }
}
