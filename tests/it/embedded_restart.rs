//! Roles of an embedded deployment heal as a pod's containers do: a role that fails or panics
//! once the deployment is up is restarted in place (same host port, the first time at once) and
//! counted; a hung role whose liveness probe fails is restarted; a role whose readiness probe
//! fails is marked not ready until it passes again. All against a launcher whose roles
//! misbehave on cue.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use seldon_local::plan::{self, Plan, Probe, ProbeAction};
use seldon_local::runtime::embedded::localize::LocalContainer;
use seldon_local::runtime::embedded::state;
use seldon_local::runtime::embedded::{Embedded, EmbeddedOptions, Launcher, RoleFuture, up};
use seldon_local::runtime::{Cancel, Events};
use seldon_local::sdep::{self, OperatorConfig, SeldonVersion};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const SEED: &str = include_str!("../fixtures/sdep/tfserving-seed.yaml");
/// The unit that misbehaves: the seed's tfserving proxy.
const UNIT: &str = "mnist-model";
/// Its REST port in the container.
const UNIT_PORT: u16 = 9000;

/// How the unit's first run misbehaves when told to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Its task returns an error.
    Fail,
    /// Its task panics.
    Panic,
    /// It keeps its port open and answers nothing.
    Hang,
}

/// Serves `200 OK` (or `503` while `unready`) on every port until stopped. The unit's first
/// run misbehaves as `fault` once `trigger` is set (for `Hang`: from the start).
struct Flaky {
    fault: Fault,
    trigger: Arc<tokio::sync::Notify>,
    unready: Arc<AtomicBool>,
    runs: AtomicU32,
    /// Every role launched, in order.
    launched: Mutex<Vec<String>>,
}

impl Flaky {
    fn new(fault: Fault) -> Arc<Self> {
        Arc::new(Self {
            fault,
            trigger: Arc::new(tokio::sync::Notify::new()),
            unready: Arc::new(AtomicBool::new(false)),
            runs: AtomicU32::new(0),
            launched: Mutex::new(Vec::new()),
        })
    }
}

impl Launcher for Flaky {
    fn launch(
        &self,
        container: LocalContainer,
        listeners: BTreeMap<u16, tokio::net::TcpSocket>,
        stop: Cancel,
    ) -> RoleFuture {
        self.launched.lock().unwrap().push(container.name.clone());
        let unit = container.name == UNIT;
        let first = unit && self.runs.fetch_add(1, Ordering::SeqCst) == 0;
        let fault = first.then_some(self.fault);
        let trigger = Arc::clone(&self.trigger);
        let unready = if unit {
            Arc::clone(&self.unready)
        } else {
            Arc::new(AtomicBool::new(false))
        };
        Box::pin(async move {
            if listeners.is_empty() {
                // An init container: done.
                return Ok(());
            }
            let mut servers = tokio::task::JoinSet::new();
            for (_, socket) in listeners {
                let listener = socket.listen(16).map_err(|e| e.to_string())?;
                let hang = fault == Some(Fault::Hang);
                let unready = Arc::clone(&unready);
                servers.spawn(async move {
                    let mut held = Vec::new();
                    while let Ok((mut stream, _)) = listener.accept().await {
                        if hang {
                            held.push(stream);
                            continue;
                        }
                        let mut buffer = [0u8; 1024];
                        let _ = stream.read(&mut buffer).await;
                        let reply: &[u8] = if unready.load(Ordering::SeqCst) {
                            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n"
                        } else {
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
                        };
                        let _ = stream.write_all(reply).await;
                    }
                });
            }
            match fault {
                Some(Fault::Fail) => tokio::select! {
                    () = trigger.notified() => return Err("lost its model".to_owned()),
                    () = stop.cancelled() => {}
                },
                Some(Fault::Panic) => tokio::select! {
                    () = trigger.notified() => panic!("index out of bounds"),
                    () = stop.cancelled() => {}
                },
                _ => stop.cancelled().await,
            }
            servers.abort_all();
            Ok(())
        })
    }
}

fn seed_plan() -> Plan {
    let sdep = sdep::load(SEED, "seed.yaml")
        .unwrap()
        .documents
        .remove(0)
        .sdep;
    let validated =
        sdep::validate(sdep, &OperatorConfig::embedded(SeldonVersion::V1_18_2)).unwrap();
    plan::build(&validated).unwrap()
}

/// The seed with the unit's probes replaced by an HTTP GET checked every second.
fn seed_with_probes(liveness: bool, readiness: bool) -> Plan {
    let mut plan = seed_plan();
    let probe = Probe {
        action: ProbeAction::Http {
            path: "/health".to_owned(),
            port: UNIT_PORT,
            scheme: "HTTP".to_owned(),
        },
        initial_delay_seconds: 0,
        period_seconds: 1,
        timeout_seconds: 1,
        failure_threshold: 2,
    };
    let unit = plan
        .pods
        .iter_mut()
        .flat_map(|p| p.containers.iter_mut())
        .find(|c| c.name == UNIT)
        .unwrap();
    if liveness {
        unit.liveness = Some(probe.clone());
    }
    if readiness {
        unit.readiness = Some(probe);
    }
    plan
}

async fn start(plan: &Plan, launcher: Arc<Flaky>, dir: &Path) -> Embedded {
    let options = EmbeddedOptions {
        dir: dir.to_owned(),
        base_dir: dir.to_owned(),
        timeout: Duration::from_secs(10),
        session: "t".into(),
        exec: BTreeMap::new(),
        python: None,
    };
    up(
        plan,
        launcher,
        &options,
        &Events::ignore(),
        &Cancel::never(),
    )
    .await
    .unwrap()
}

fn unit_port(deployment: &Embedded) -> u16 {
    deployment
        .containers
        .iter()
        .find(|c| c.name == UNIT)
        .and_then(|c| c.ports.iter().find(|(port, _)| *port == UNIT_PORT))
        .map(|(_, host)| *host)
        .unwrap()
}

/// Whether the unit answers `200` on its host port now.
async fn answers(port: u16) -> bool {
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()?;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .ok()?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await.ok()?;
        Some(&head[9..12] == b"200")
    };
    tokio::time::timeout(Duration::from_millis(500), attempt)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// Polls `what` every 20 ms until it holds, for at most `limit`; how long it took.
async fn within<F, Fut>(limit: Duration, mut what: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let began = Instant::now();
    while began.elapsed() < limit {
        if what().await {
            return Some(began.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

fn unit_status(dir: &Path) -> Option<state::ContainerStatus> {
    state::read_status(dir)?
        .containers
        .into_iter()
        .find(|c| c.name == UNIT)
}

async fn restarted_once_and_serves_again(fault: Fault) {
    let dir = tempfile::tempdir().unwrap();
    let launcher = Flaky::new(fault);
    let deployment = start(&seed_plan(), Arc::clone(&launcher), dir.path()).await;
    let port = unit_port(&deployment);
    assert!(answers(port).await);
    assert_eq!(unit_status(dir.path()).unwrap().restarts, 0);
    launcher.trigger.notify_one();
    let back = within(Duration::from_secs(10), || async {
        launcher.runs.load(Ordering::SeqCst) == 2 && answers(port).await
    })
    .await;
    assert!(back.is_some(), "the unit was not restarted on its port");
    let status = unit_status(dir.path()).unwrap();
    assert_eq!(status.restarts, 1);
    let why = status.last_failure.unwrap();
    match fault {
        Fault::Fail => assert_eq!(why, "failed: lost its model"),
        Fault::Panic => assert_eq!(why, "failed: panicked: index out of bounds"),
        Fault::Hang => unreachable!(),
    }
    // Only the unit was started again; the other roles kept running.
    let mut started = launcher.launched.lock().unwrap().clone();
    started.sort();
    assert_eq!(
        started,
        [
            "mnist-model",
            "mnist-model",
            "seldon-container-engine",
            "tfserving",
            "tfserving-model-initializer"
        ]
    );
    deployment
        .down(&Events::ignore(), Duration::from_secs(5))
        .await;
}

#[tokio::test]
async fn a_role_that_fails_after_up_is_restarted_on_its_port_and_counted() {
    restarted_once_and_serves_again(Fault::Fail).await;
}

#[tokio::test]
async fn a_role_that_panics_after_up_is_restarted_on_its_port_and_counted() {
    restarted_once_and_serves_again(Fault::Panic).await;
}

#[tokio::test]
async fn a_hung_role_whose_liveness_probe_fails_is_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let launcher = Flaky::new(Fault::Hang);
    // Readiness is the operator's TCP probe, which a hung server passes, as in Kubernetes.
    let deployment = start(
        &seed_with_probes(true, false),
        Arc::clone(&launcher),
        dir.path(),
    )
    .await;
    let port = unit_port(&deployment);
    assert!(!answers(port).await, "the first run should hang");
    // Two failed probes a second apart (each timing out after 1 s), 2 s of grace, a restart.
    let back = within(Duration::from_secs(15), || answers(port)).await;
    assert!(back.is_some(), "the hung unit was not restarted");
    let status = unit_status(dir.path()).unwrap();
    assert_eq!(status.restarts, 1);
    assert!(
        status
            .last_failure
            .as_deref()
            .unwrap()
            .contains("liveness probe (GET http://127.0.0.1:"),
        "{status:?}"
    );
    deployment
        .down(&Events::ignore(), Duration::from_secs(5))
        .await;
}

#[tokio::test]
async fn a_role_whose_readiness_fails_is_not_ready_until_it_passes_again() {
    let dir = tempfile::tempdir().unwrap();
    let launcher = Flaky::new(Fault::Fail);
    let deployment = start(
        &seed_with_probes(false, true),
        Arc::clone(&launcher),
        dir.path(),
    )
    .await;
    let ready = |dir: &Path| unit_status(dir).is_some_and(|s| s.ready);
    assert!(ready(dir.path()));
    launcher.unready.store(true, Ordering::SeqCst);
    let out = within(Duration::from_secs(10), || async { !ready(dir.path()) }).await;
    assert!(
        out.is_some(),
        "a failing readiness probe left the unit ready"
    );
    launcher.unready.store(false, Ordering::SeqCst);
    let back = within(Duration::from_secs(10), || async { ready(dir.path()) }).await;
    assert!(
        back.is_some(),
        "the unit stayed not ready after its probe passed"
    );
    // Not ready is not restarted.
    assert_eq!(unit_status(dir.path()).unwrap().restarts, 0);
    assert_eq!(launcher.runs.load(Ordering::SeqCst), 1);
    deployment
        .down(&Events::ignore(), Duration::from_secs(5))
        .await;
}
