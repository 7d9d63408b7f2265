//! The embedded runtime's orchestration against a fake launcher: order, rewritten env and
//! args, readiness, failures, cancellation and cleanup.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use seldon_local::components::python::{PythonServer, ServerKind};
use seldon_local::plan::{self, Plan};
use seldon_local::runtime::embedded::localize::{HostLayout, LocalContainer, LocalPod, localize};
use seldon_local::runtime::embedded::{EmbeddedOptions, Launcher, RoleFuture, up};
use seldon_local::runtime::{Cancel, Events, RuntimeError};
use seldon_local::sdep::{self, OperatorConfig, SeldonVersion};
use tokio::task::JoinSet;

const SEED: &str = include_str!("../fixtures/sdep/tfserving-seed.yaml");

/// One unit, `model`, of the user's own image `me/model:1`.
fn custom_image_plan() -> Plan {
    let text = "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\nmetadata: {name: custom}\n\
        spec:\n  predictors:\n  - name: default\n    componentSpecs: [{spec: {containers: [{name: model, image: me/model:1}]}}]\n    graph: {name: model}\n";
    let sdep = sdep::load(text, "x.yaml").unwrap().documents.remove(0).sdep;
    let validated =
        sdep::validate(sdep, &OperatorConfig::embedded(SeldonVersion::V1_18_2)).unwrap();
    plan::build(&validated).unwrap()
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

/// Serves every listener with an HTTP 200 until stopped; init containers succeed unless named
/// in `failing`. Records what it launched, in order.
#[derive(Default)]
struct FakeLauncher {
    launched: Mutex<Vec<LocalContainer>>,
    failing: Vec<String>,
    silent: Vec<String>,
}

impl Launcher for FakeLauncher {
    fn launch(
        &self,
        container: LocalContainer,
        listeners: BTreeMap<u16, tokio::net::TcpSocket>,
        stop: Cancel,
    ) -> RoleFuture {
        self.launched.lock().unwrap().push(container.clone());
        let fail = self.failing.contains(&container.name);
        let silent = self.silent.contains(&container.name);
        Box::pin(async move {
            if fail {
                return Err("model not found at `gs://nowhere`".to_owned());
            }
            if listeners.is_empty() {
                return Ok(());
            }
            let mut servers = JoinSet::new();
            for (_, listener) in listeners {
                if silent {
                    // Close the port: readiness never passes.
                    drop(listener);
                    continue;
                }
                let listener = listener.listen(16).unwrap();
                servers.spawn(async move {
                    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
                    while let Ok((mut stream, _)) = listener.accept().await {
                        let mut buffer = [0u8; 1024];
                        let _ = stream.read(&mut buffer).await;
                        let _ = stream
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                            .await;
                    }
                });
            }
            stop.cancelled().await;
            servers.abort_all();
            Ok(())
        })
    }
}

fn options(dir: &Path, timeout: Duration) -> EmbeddedOptions {
    EmbeddedOptions {
        dir: dir.to_owned(),
        base_dir: dir.to_owned(),
        timeout,
        session: "t".into(),
        exec: BTreeMap::new(),
        python: None,
    }
}

#[tokio::test]
async fn the_seed_starts_init_first_then_every_container_and_reports_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let launcher = Arc::new(FakeLauncher::default());
    let events = Events::ignore();
    let running = up(
        &seed_plan(),
        launcher.clone(),
        &options(dir.path(), Duration::from_secs(10)),
        &events,
        &Cancel::never(),
    )
    .await
    .unwrap();
    let names: Vec<String> = launcher
        .launched
        .lock()
        .unwrap()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(
        names,
        [
            "tfserving-model-initializer",
            "mnist-model",
            "tfserving",
            "seldon-container-engine"
        ]
    );
    let engine = running
        .running
        .endpoints
        .iter()
        .find(|e| e.name == "engine" && e.protocol == "rest")
        .unwrap();
    assert!(
        engine.address.starts_with("http://127.0.0.1:"),
        "{}",
        engine.address
    );
    assert!(dir.path().join("volumes").exists());
    running.down(&events, Duration::from_secs(5)).await;
    assert!(!dir.path().join("volumes").exists());
}

#[tokio::test]
async fn env_and_args_point_at_the_host_ports_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let launcher = Arc::new(FakeLauncher::default());
    let deployment = up(
        &seed_plan(),
        launcher.clone(),
        &options(dir.path(), Duration::from_secs(10)),
        &Events::ignore(),
        &Cancel::never(),
    )
    .await
    .unwrap();
    let started = launcher.launched.lock().unwrap().clone();
    let tfserving = started.iter().find(|c| c.name == "tfserving").unwrap();
    let rest = tfserving.host_port(2001).unwrap();
    let proxy = started.iter().find(|c| c.name == "mnist-model").unwrap();
    assert!(proxy.env["PREDICTIVE_UNIT_PARAMETERS"].contains(&format!("http://127.0.0.1:{rest}")));
    let models = tfserving.host_path("/mnt/models").unwrap();
    assert!(
        tfserving
            .args
            .contains(&format!("--model_base_path={}", models.display())),
        "{:?}",
        tfserving.args
    );
    let init = &started[0];
    assert_eq!(
        init.args,
        [
            "gs://seldon-models/tfserving/mnist-model".to_owned(),
            models.display().to_string()
        ]
    );
    let engine = started
        .iter()
        .find(|c| c.name == "seldon-container-engine")
        .unwrap();
    let decoded = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        &engine.env["ENGINE_PREDICTOR"],
    )
    .unwrap();
    let predictor: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
    let endpoint = &predictor["graph"]["endpoint"];
    assert_eq!(endpoint["service_host"], "127.0.0.1");
    assert_eq!(endpoint["httpPort"], proxy.host_port(9000).unwrap());
    let podinfo = engine.host_path("/etc/podinfo/annotations").unwrap();
    assert!(
        std::fs::read_to_string(podinfo)
            .unwrap()
            .contains("prometheus.io/scrape=\"true\"")
    );
    deployment
        .down(&Events::ignore(), Duration::from_secs(5))
        .await;
}

#[tokio::test]
async fn a_failing_init_container_stops_up_with_its_message_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let launcher = Arc::new(FakeLauncher {
        failing: vec!["tfserving-model-initializer".into()],
        ..FakeLauncher::default()
    });
    let error = up(
        &seed_plan(),
        launcher.clone(),
        &options(dir.path(), Duration::from_secs(10)),
        &Events::ignore(),
        &Cancel::never(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "init container `tfserving-model-initializer` exited with code 1; last log lines:\n  model not found at `gs://nowhere`"
    );
    assert_eq!(launcher.launched.lock().unwrap().len(), 1);
    assert!(!dir.path().join("volumes").exists());
}

#[tokio::test]
async fn a_container_that_never_gets_ready_times_out_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let launcher = Arc::new(FakeLauncher {
        silent: vec!["mnist-model".into()],
        ..FakeLauncher::default()
    });
    let error = up(
        &seed_plan(),
        launcher,
        &options(dir.path(), Duration::from_millis(300)),
        &Events::ignore(),
        &Cancel::never(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, RuntimeError::Timeout { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("container `mnist-model` to be ready"),
        "{error}"
    );
}

#[tokio::test]
async fn cancelling_during_readiness_is_interrupted_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let launcher = Arc::new(FakeLauncher {
        silent: vec!["mnist-model".into()],
        ..FakeLauncher::default()
    });
    let (canceller, cancel) = Cancel::new();
    let plan = seed_plan();
    let opts = options(dir.path(), Duration::from_secs(30));
    let events = Events::ignore();
    let up = up(&plan, launcher, &opts, &events, &cancel);
    let cancel_soon = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        canceller.cancel();
    };
    let (result, ()) = tokio::join!(up, cancel_soon);
    assert!(matches!(result, Err(RuntimeError::Interrupted)));
    assert!(!dir.path().join("volumes").exists());
}

#[tokio::test]
async fn a_custom_image_is_refused_with_a_pointer_to_exec_and_docker() {
    let dir = tempfile::tempdir().unwrap();
    let error = up(
        &custom_image_plan(),
        Arc::new(FakeLauncher::default()),
        &options(dir.path(), Duration::from_secs(5)),
        &Events::ignore(),
        &Cancel::never(),
    )
    .await
    .unwrap_err();
    assert!(
        error.to_string().contains(
            "runs `me/model:1`, which seldon-local cannot play in-process; give it a local \
             command with `--exec model=COMMAND`, or run it with `--runtime docker`"
        ),
        "{error}"
    );
}

/// The host side of a one-pod plan: the given ports, each volume under `/tmp/state/`, and one
/// container played by a local command.
fn one_pod_layout(plan: &Plan, ports: &[(u16, u16)], exec: (&str, &str)) -> HostLayout {
    let pod = &plan.pods[0];
    let mut layout = HostLayout::default();
    for (port, host) in ports {
        layout.ports.insert((pod.name.clone(), *port), *host);
    }
    for volume in &pod.volumes {
        layout.volumes.insert(
            (pod.name.clone(), volume.name.clone()),
            format!("/tmp/state/{}", volume.name).into(),
        );
    }
    layout.exec.insert(exec.0.to_owned(), exec.1.to_owned());
    layout
}

#[test]
fn a_container_played_by_a_local_command_reads_host_ports_in_its_env() {
    let plan = custom_image_plan();
    let layout = one_pod_layout(
        &plan,
        &[
            (9000, 41000),
            (9500, 41500),
            (6000, 46000),
            (8000, 48000),
            (5001, 45001),
        ],
        ("model", "python3 serve.py"),
    );
    let (pods, _) = localize(&plan, &layout).unwrap();
    let model = pods[0]
        .containers
        .iter()
        .find(|c| c.name == "model")
        .unwrap();
    assert_eq!(model.exec.as_deref(), Some("python3 serve.py"));
    assert_eq!(model.env["PREDICTIVE_UNIT_HTTP_SERVICE_PORT"], "41000");
    assert_eq!(model.env["PREDICTIVE_UNIT_GRPC_SERVICE_PORT"], "41500");
    assert_eq!(model.env["PREDICTIVE_UNIT_METRICS_SERVICE_PORT"], "46000");
    assert_eq!(model.env["PREDICTIVE_UNIT_ID"], "model");
    assert_eq!(model.ports, [(6000, 46000), (9000, 41000), (9500, 41500)]);
    // A builtin role is handed listeners by container port: its env keeps them.
    let engine = pods[0]
        .containers
        .iter()
        .find(|c| c.name == "seldon-container-engine")
        .unwrap();
    assert_eq!(engine.exec, None);
    assert_eq!(engine.ports, [(8000, 48000), (5001, 45001)]);
    // ...and so do its flags.
    assert!(
        engine.args.windows(2).any(|w| w == ["--http_port", "8000"]),
        "{:?}",
        engine.args
    );
}

#[test]
fn a_builtin_role_played_by_a_local_command_gets_host_ports_in_its_flags() {
    let plan = seed_plan();
    let layout = one_pod_layout(
        &plan,
        &[(2000, 42000), (2001, 42001), (9000, 49000), (8000, 48000)],
        ("tfserving", "tensorflow_model_server"),
    );
    let (pods, _) = localize(&plan, &layout).unwrap();
    let tfserving = pods[0]
        .containers
        .iter()
        .find(|c| c.name == "tfserving")
        .unwrap();
    assert_eq!(
        tfserving.args,
        [
            "--port=42000",
            "--rest_api_port=42001",
            "--model_name=mnist-model",
            "--model_base_path=/tmp/state/tfserving-provision-location",
        ]
    );
    // The proxy in front of it is told the same host port.
    let proxy = pods[0]
        .containers
        .iter()
        .find(|c| c.name == "mnist-model")
        .unwrap();
    assert!(
        proxy.env["PREDICTIVE_UNIT_PARAMETERS"].contains("http://127.0.0.1:42001"),
        "{}",
        proxy.env["PREDICTIVE_UNIT_PARAMETERS"]
    );
}

/// upstream's own SKLEARN_SERVER sample (servers/sklearnserver/samples/iris.yaml), with a local
/// model.
fn sklearn_plan() -> Plan {
    prepack_plan("", "")
}

/// A one-unit prepack deployment: `spec_extra` goes under `spec:` (`protocol: v2`),
/// `component` is a componentSpecs list (the user's container).
fn prepack_plan(spec_extra: &str, component: &str) -> Plan {
    let text = format!(
        "apiVersion: machinelearning.seldon.io/v1alpha2\nkind: SeldonDeployment\nmetadata: {{name: sklearn}}\n\
        spec:\n{spec_extra}  predictors:\n  - name: default\n    graph: {{name: classifier, implementation: SKLEARN_SERVER, modelUri: ./model, \
        parameters: [{{name: method, type: STRING, value: predict}}]}}\n{component}"
    );
    let sdep = sdep::load(&text, "x.yaml")
        .unwrap()
        .documents
        .remove(0)
        .sdep;
    let validated =
        sdep::validate(sdep, &OperatorConfig::embedded(SeldonVersion::V1_18_2)).unwrap();
    plan::build(&validated).unwrap()
}

/// A layout with a host port per declared port and a directory per volume.
fn layout_of(plan: &Plan, python: bool) -> HostLayout {
    let mut layout = HostLayout {
        python,
        ..HostLayout::default()
    };
    let mut next = 40000;
    for pod in &plan.pods {
        for port in pod.containers.iter().flat_map(|c| &c.ports) {
            layout
                .ports
                .entry((pod.name.clone(), port.container_port))
                .or_insert_with(|| {
                    next += 1;
                    next
                });
        }
        for volume in &pod.volumes {
            layout.volumes.insert(
                (pod.name.clone(), volume.name.clone()),
                format!("/state/{}", volume.name).into(),
            );
        }
    }
    layout
}

#[test]
fn a_python_prepack_is_played_as_a_local_process_with_host_ports_and_the_model_dir() {
    let plan = sklearn_plan();
    let layout = layout_of(&plan, true);
    let (pods, _) = localize(&plan, &layout).unwrap();
    let unit = pods
        .iter()
        .flat_map(|p| &p.containers)
        .find(|c| c.name == "classifier")
        .unwrap();
    assert_eq!(unit.python, Some(PythonServer::seldon(ServerKind::Sklearn)));
    assert!(unit.exec.is_none() && unit.is_process());
    // The wrapper binds what its env says: host ports.
    let http = unit.env["PREDICTIVE_UNIT_HTTP_SERVICE_PORT"]
        .parse::<u16>()
        .unwrap();
    assert!(unit.ports.iter().any(|(_, host)| *host == http), "{unit:?}");
    assert_ne!(http, 9000);
    // `model_uri` names the volume's directory; the user's parameter stays.
    let parameters: serde_json::Value =
        serde_json::from_str(&unit.env["PREDICTIVE_UNIT_PARAMETERS"]).unwrap();
    let values: BTreeMap<&str, &str> = parameters
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .collect();
    assert_eq!(values["method"], "predict");
    assert!(values["model_uri"].starts_with("/state/"), "{values:?}");
}

#[test]
fn without_python_a_prepack_cannot_be_played_and_the_error_says_so() {
    let plan = sklearn_plan();
    let error = localize(&plan, &layout_of(&plan, false)).unwrap_err();
    assert!(
        error.to_string().contains("seldonio/sklearnserver"),
        "{error}"
    );
}

#[test]
fn an_exec_command_wins_over_the_python_server() {
    let plan = sklearn_plan();
    let mut layout = layout_of(&plan, true);
    layout
        .exec
        .insert("classifier".to_owned(), "my-server".to_owned());
    let (pods, _) = localize(&plan, &layout).unwrap();
    let unit = pods
        .iter()
        .flat_map(|p| &p.containers)
        .find(|c| c.name == "classifier")
        .unwrap();
    assert_eq!(unit.exec.as_deref(), Some("my-server"));
    assert_eq!(unit.python, None);
}

fn classifier(pods: &[LocalPod]) -> &LocalContainer {
    pods.iter()
        .flat_map(|p| &p.containers)
        .find(|c| c.name == "classifier")
        .unwrap()
}

#[test]
fn a_v2_prepack_is_mlserver_with_host_ports_and_the_model_dir() {
    let plan = prepack_plan("  protocol: v2\n", "");
    let (pods, _) = localize(&plan, &layout_of(&plan, true)).unwrap();
    let unit = classifier(&pods);
    assert_eq!(
        unit.python,
        Some(PythonServer::mlserver(ServerKind::Sklearn))
    );
    assert!(unit.is_process());
    assert_eq!(
        unit.env["MLSERVER_MODEL_IMPLEMENTATION"],
        "mlserver_sklearn.SKLearnModel"
    );
    // MLServer binds what its env says: host ports, each a declared one.
    for variable in ["MLSERVER_HTTP_PORT", "MLSERVER_GRPC_PORT"] {
        let port = unit.env[variable].parse::<u16>().unwrap();
        assert!(
            unit.ports.iter().any(|(_, host)| *host == port),
            "{variable}: {unit:?}"
        );
    }
    assert!(
        unit.env["MLSERVER_MODEL_URI"].starts_with("/state/"),
        "{:?}",
        unit.env
    );
}

#[test]
fn a_v2_unit_whose_implementation_is_not_the_kinds_runtime_is_not_played() {
    let component = "    componentSpecs:\n    - spec:\n        containers:\n        - name: classifier\n          \
        env: [{name: MLSERVER_MODEL_IMPLEMENTATION, value: my_models.Custom}]\n";
    let plan = prepack_plan("  protocol: v2\n", component);
    let error = localize(&plan, &layout_of(&plan, true)).unwrap_err();
    assert!(error.to_string().contains("seldonio/mlserver"), "{error}");
}

/// A v2 unit `classifier` of `implementation` with `graph_extra` in its graph node, under the
/// embedded seldon-config overlaid with `config` (a ConfigMap's `data`, as `--config` gives).
fn v2_plan(implementation: &str, graph_extra: &str, config: Option<serde_json::Value>) -> Plan {
    let text = format!(
        "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\nmetadata: {{name: v2}}\n\
        spec:\n  protocol: v2\n  predictors:\n  - name: default\n    graph: {{name: classifier, \
        implementation: {implementation}, modelUri: ./model{graph_extra}}}\n"
    );
    let sdep = sdep::load(&text, "x.yaml")
        .unwrap()
        .documents
        .remove(0)
        .sdep;
    let mut operator = OperatorConfig::embedded(SeldonVersion::V1_18_2);
    if let Some(data) = config {
        operator
            .overlay(&serde_json::json!({ "data": data }), "config.yaml")
            .unwrap();
    }
    plan::build(&sdep::validate(sdep, &operator).unwrap()).unwrap()
}

#[test]
fn a_huggingface_unit_is_mlserver_with_its_pipeline_at_the_local_model() {
    let plan = v2_plan(
        "HUGGINGFACE_SERVER",
        ", parameters: [{name: task, type: STRING, value: text-classification}, \
         {name: pretrained_model, type: STRING, value: /mnt/models}]",
        None,
    );
    let (pods, _) = localize(&plan, &layout_of(&plan, true)).unwrap();
    let unit = classifier(&pods);
    assert_eq!(
        unit.python,
        Some(PythonServer::mlserver(ServerKind::Huggingface))
    );
    assert_eq!(
        unit.env["MLSERVER_MODEL_IMPLEMENTATION"],
        "mlserver_huggingface.HuggingFaceRuntime"
    );
    assert_eq!(unit.env["MLSERVER_PARALLEL_WORKERS"], "0");
    // The pipeline's model is the unit's model directory on the host, not the hub.
    let parameters: serde_json::Value =
        serde_json::from_str(&unit.env["PREDICTIVE_UNIT_PARAMETERS"]).unwrap();
    let pretrained = parameters
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "pretrained_model")
        .unwrap();
    assert_eq!(
        pretrained["value"].as_str(),
        Some(unit.env["MLSERVER_MODEL_URI"].as_str())
    );
    assert!(
        unit.env["MLSERVER_MODEL_URI"].starts_with("/state/"),
        "{:?}",
        unit.env
    );
}

#[test]
fn lightgbm_is_played_by_mlserver_where_the_config_adds_it() {
    let servers = serde_json::json!({
        "LIGHTGBM_SERVER": {"protocols": {"v2": {"image": "seldonio/mlserver", "defaultImageVersion": "1.3.5-lightgbm"}}},
        "SKLEARN_SERVER": {"protocols": {"v2": {"image": "seldonio/mlserver", "defaultImageVersion": "1.3.5-sklearn"}}}
    });
    let plan = v2_plan(
        "LIGHTGBM_SERVER",
        "",
        Some(serde_json::json!({ "predictor_servers": servers.to_string() })),
    );
    let (pods, _) = localize(&plan, &layout_of(&plan, true)).unwrap();
    let unit = classifier(&pods);
    assert_eq!(
        unit.python,
        Some(PythonServer::mlserver(ServerKind::Lightgbm))
    );
    assert_eq!(unit.image, "seldonio/mlserver:1.3.5-lightgbm");
    // The operator names no runtime for a server it does not know.
    assert_eq!(unit.env["MLSERVER_MODEL_IMPLEMENTATION"], "");
}

#[test]
fn a_tempo_unit_fails_at_once_saying_why_and_what_to_use_instead() {
    let plan = v2_plan("TEMPO_SERVER", "", None);
    let error = localize(&plan, &layout_of(&plan, true))
        .unwrap_err()
        .to_string();
    for part in [
        "TEMPO_SERVER",
        "tempo.mlserver.InferenceRuntime",
        "pydantic",
        "MLServer 1.7.1",
        "--exec classifier=COMMAND",
        "--runtime docker",
        "seldonio/mlserver:1.3.5-slim",
    ] {
        assert!(error.contains(part), "{part}: {error}");
    }
}
