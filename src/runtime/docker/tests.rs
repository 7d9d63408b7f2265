//! Orchestration against [`FakeDocker`]: order, rollback, labels, timeouts, cancellation.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::fake::FakeDocker;
use super::*;
use crate::plan::{
    Container, Mount, Pod, PodVolume, Port, Predictor, Probe, Service, ServicePort, VolumeSource,
};
use crate::runtime::Cancel;

const BUILTIN: &str = concat!("seldon-local:", env!("CARGO_PKG_VERSION"));

fn container(name: &str, role: Role, image: &str) -> Container {
    Container {
        name: name.into(),
        role,
        image: image.into(),
        command: vec![],
        args: vec![],
        env: vec![],
        env_from: vec![],
        ports: vec![],
        mounts: vec![],
        readiness: None,
        liveness: None,
        run_as_user: Some(8888),
        working_dir: None,
    }
}

fn plan() -> Plan {
    let mut init = container(
        "iris-model-initializer",
        Role::StorageInitializer,
        "seldonio/rclone-storage-initializer:1.18.2",
    );
    init.args = vec!["gs://bucket/iris".into(), "/mnt/models".into()];
    init.mounts = vec![Mount {
        volume: "iris-provision-location".into(),
        path: "/mnt/models".into(),
        read_only: false,
    }];
    let mut model = container("classifier", Role::Custom, "me/classifier:1");
    model.ports = vec![Port {
        name: Some("http".into()),
        container_port: 9000,
    }];
    let mut engine = container(
        "seldon-container-engine",
        Role::Executor,
        "seldonio/seldon-core-executor:1.18.2",
    );
    engine.ports = vec![Port {
        name: Some("http".into()),
        container_port: 8000,
    }];
    Plan {
        deployment: "iris".into(),
        namespace: "default".into(),
        seldon_version: "1.18.2".into(),
        protocol: "seldon".into(),
        transport: "rest".into(),
        predictors: vec![Predictor {
            name: "default".into(),
            service: "iris-default".into(),
            executor_pod: Some("iris-default-0-classifier".into()),
            graph_root: "classifier".into(),
            traffic: None,
            shadow: false,
        }],
        pods: vec![Pod {
            name: "iris-default-0-classifier".into(),
            predictor: "default".into(),
            labels: BTreeMap::from([("seldon-deployment-id".into(), "iris".into())]),
            annotations: BTreeMap::new(),
            init_containers: vec![init],
            containers: vec![model, engine],
            volumes: vec![
                PodVolume {
                    name: "seldon-podinfo".into(),
                    source: VolumeSource::PodInfo,
                },
                PodVolume {
                    name: "iris-provision-location".into(),
                    source: VolumeSource::EmptyDir,
                },
            ],
        }],
        services: vec![Service {
            name: "iris-default".into(),
            aliases: vec!["iris-default".into()],
            pods: vec!["iris-default-0-classifier".into()],
            ports: vec![ServicePort {
                name: "http".into(),
                port: 8000,
                target_port: 8000,
            }],
        }],
        objects: vec![],
    }
}

fn options(session: &str, images: ImagePolicy, timeout: Duration) -> UpOptions {
    UpOptions {
        session: session.into(),
        images,
        registry: None,
        fixed_ports: BTreeMap::new(),
        timeout,
        base_dir: PathBuf::from("/nonexistent"),
        ca_file: None,
    }
}

fn runtime(fake: FakeDocker) -> (DockerRuntime<FakeDocker>, Arc<Mutex<Vec<RuntimeEvent>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let events = Events::new(move |e| sink.lock().unwrap().push(e));
    (DockerRuntime::with_api(fake, events, None), seen)
}

fn everything_builtin_available() -> FakeDocker {
    FakeDocker::with_images(&[BUILTIN, "me/classifier:1"])
}

fn mutations(calls: &[String]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| {
            [
                "create_", "start_", "restart_", "upload", "wait_", "remove_",
            ]
            .iter()
            .any(|p| c.starts_with(p))
        })
        .cloned()
        .collect()
}

fn managed(fake: &FakeDocker) -> Vec<String> {
    fake.objects()
}

#[tokio::test]
async fn up_runs_network_volumes_sandbox_init_then_containers_in_order() {
    let (rt, events) = runtime(everything_builtin_available());
    let running = rt
        .up(
            &plan(),
            &options("s1", ImagePolicy::Builtin, Duration::from_secs(5)),
            &Cancel::never(),
        )
        .await
        .unwrap();
    assert_eq!(
        mutations(&rt.api().calls()),
        vec![
            "create_network seldon-local_iris",
            "create_volume iris-default-0-classifier_seldon-podinfo",
            "create_volume iris-default-0-classifier_iris-provision-location",
            "create_container iris-default-0-classifier_sandbox",
            "start_container iris-default-0-classifier_sandbox",
            "upload iris-default-0-classifier_sandbox:/pod-volumes",
            "create_container iris-default-0-classifier_iris-model-initializer",
            "start_container iris-default-0-classifier_iris-model-initializer",
            "wait_container iris-default-0-classifier_iris-model-initializer",
            "create_container iris-default-0-classifier_classifier",
            "start_container iris-default-0-classifier_classifier",
            "create_container iris-default-0-classifier_seldon-container-engine",
            "start_container iris-default-0-classifier_seldon-container-engine",
        ]
    );
    assert_eq!(running.endpoints.len(), 2, "{:?}", running.endpoints);
    assert_eq!(running.endpoints[0].name, "classifier");
    assert_eq!(running.endpoints[1].name, "engine");
    assert!(
        running
            .predict_command
            .as_deref()
            .unwrap()
            .starts_with("seldon-local predict iris ")
    );
    let events = events.lock().unwrap();
    let chosen: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            RuntimeEvent::ImageChosen { image, .. } => Some(image.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(chosen, vec![BUILTIN, "me/classifier:1", BUILTIN]);
}

#[tokio::test]
async fn a_failure_at_any_step_removes_everything_created_so_far() {
    let (rt, _) = runtime(everything_builtin_available());
    rt.up(
        &plan(),
        &options("probe", ImagePolicy::Builtin, Duration::from_secs(5)),
        &Cancel::never(),
    )
    .await
    .unwrap();
    let steps: Vec<String> = mutations(&rt.api().calls())
        .into_iter()
        .filter(|c| c.starts_with("create_") || c.starts_with("start_"))
        .collect();
    assert_eq!(steps.len(), 11);
    for (n, step) in steps.iter().enumerate() {
        let fake = everything_builtin_available();
        fake.fail_on(step);
        let (rt, _) = runtime(fake);
        let error = rt
            .up(
                &plan(),
                &options("s1", ImagePolicy::Builtin, Duration::from_secs(5)),
                &Cancel::never(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, RuntimeError::Docker(_)),
            "step {n} `{step}`: {error}"
        );
        assert_eq!(
            managed(rt.api()),
            Vec::<String>::new(),
            "after failing `{step}`"
        );
    }
}

/// `SSL_CERT_FILE` of `up` reaches the storage initializer only: mounted read-only and named
/// by the same variable inside; a missing file is a warning, not a failure.
#[tokio::test]
async fn ssl_cert_file_is_mounted_into_storage_initializers_only() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
    let fake = everything_builtin_available();
    let (rt, _) = runtime(fake);
    let mut opts = options("s1", ImagePolicy::Builtin, Duration::from_secs(5));
    opts.ca_file = Some(ca.clone());
    rt.up(&plan(), &opts, &Cancel::never()).await.unwrap();
    let init = rt
        .api()
        .body("iris-default-0-classifier_iris-model-initializer")
        .unwrap();
    let env = init.body.env.clone().unwrap();
    assert!(
        env.contains(&"SSL_CERT_FILE=/etc/seldon-local/ca-certificates.pem".to_owned()),
        "{env:?}"
    );
    let mounts = init.body.host_config.clone().unwrap().mounts.unwrap();
    let mount = mounts
        .iter()
        .find(|m| m.target.as_deref() == Some("/etc/seldon-local/ca-certificates.pem"))
        .unwrap_or_else(|| panic!("{mounts:?}"));
    assert_eq!(
        mount.source.as_deref(),
        Some(ca.canonicalize().unwrap().to_str().unwrap())
    );
    assert_eq!(mount.read_only, Some(true));
    let engine = rt
        .api()
        .body("iris-default-0-classifier_seldon-container-engine")
        .unwrap();
    assert!(
        !format!("{:?}", engine.body.env).contains("SSL_CERT_FILE"),
        "only storage initializers get it"
    );

    let fake = everything_builtin_available();
    let (rt, events) = runtime(fake);
    opts.ca_file = Some(dir.path().join("missing.pem"));
    rt.up(&plan(), &opts, &Cancel::never()).await.unwrap();
    assert!(events.lock().unwrap().iter().any(
        |e| matches!(e, RuntimeEvent::Warning { message } if message.contains("missing.pem"))
    ));
}

/// The storage initializer's progress lines become `Download` events (drawn as a bar), not
/// log lines; its other lines stay log lines.
#[tokio::test]
async fn storage_initializer_progress_lines_become_download_events() {
    let fake = everything_builtin_available();
    fake.exits(
        "iris-default-0-classifier_iris-model-initializer",
        0,
        &[
            "progress: bytes=0 total=300 files=0/1",
            "progress: bytes=300 total=300 files=1/1",
            "fetched 1 file(s), 300 B",
        ],
    );
    let (rt, events) = runtime(fake);
    rt.up(
        &plan(),
        &options("s1", ImagePolicy::Builtin, Duration::from_secs(5)),
        &Cancel::never(),
    )
    .await
    .unwrap();
    let events = events.lock().unwrap();
    let downloads: Vec<(u64, Option<u64>, u64)> = events
        .iter()
        .filter_map(|e| match e {
            RuntimeEvent::Download {
                container,
                progress,
            } => {
                assert_eq!(container, "iris-model-initializer");
                Some((progress.bytes, progress.total, progress.files_done))
            }
            _ => None,
        })
        .collect();
    assert_eq!(downloads, [(0, Some(300), 0), (300, Some(300), 1)]);
    let lines: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            RuntimeEvent::InitLog { line, .. } => Some(line.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(lines, ["fetched 1 file(s), 300 B"]);
}

#[tokio::test]
async fn a_failing_init_container_stops_up_with_its_code_and_logs() {
    let fake = everything_builtin_available();
    fake.exits(
        "iris-default-0-classifier_iris-model-initializer",
        3,
        &["fetching gs://bucket/iris", "error: bucket not found"],
    );
    let (rt, events) = runtime(fake);
    let error = rt
        .up(
            &plan(),
            &options("s1", ImagePolicy::Builtin, Duration::from_secs(5)),
            &Cancel::never(),
        )
        .await
        .unwrap_err();
    match &error {
        RuntimeError::InitFailed {
            container,
            code,
            logs,
            shown,
        } => {
            assert!(*shown, "the lines went out as events");
            assert_eq!(container, "iris-model-initializer");
            assert_eq!(*code, 3);
            assert_eq!(logs.last().unwrap(), "error: bucket not found");
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        error.to_string(),
        "init container `iris-model-initializer` exited with code 3",
        "the log lines were shown as they came; the error does not repeat them"
    );
    assert!(events.lock().unwrap().iter().any(
        |e| matches!(e, RuntimeEvent::InitLog { line, .. } if line == "error: bucket not found")
    ));
    assert_eq!(managed(rt.api()), Vec::<String>::new());
}

#[tokio::test]
async fn a_readiness_timeout_names_the_container_and_removes_everything() {
    let mut plan = plan();
    plan.pods[0].containers[0].readiness = Some(Probe {
        action: ProbeAction::Tcp { port: 9000 },
        initial_delay_seconds: 20,
        period_seconds: 5,
        timeout_seconds: 1,
        failure_threshold: 3,
    });
    let (rt, _) = runtime(everything_builtin_available());
    let error = rt
        .up(
            &plan,
            &options("s1", ImagePolicy::Builtin, Duration::from_millis(600)),
            &Cancel::never(),
        )
        .await
        .unwrap_err();
    match &error {
        RuntimeError::Timeout { what, after, .. } => {
            assert_eq!(what, "container `classifier` to be ready (TCP :9000)");
            assert_eq!(*after, Duration::from_millis(600));
        }
        other => panic!("{other}"),
    }
    assert_eq!(managed(rt.api()), Vec::<String>::new());
}

#[tokio::test]
async fn cancelling_during_an_init_container_removes_everything() {
    let fake = everything_builtin_available();
    fake.block_wait();
    let (rt, _) = runtime(fake);
    let (canceller, cancel) = Cancel::new();
    let plan = plan();
    let opts = options("s1", ImagePolicy::Builtin, Duration::from_secs(30));
    let up = rt.up(&plan, &opts, &cancel);
    let trigger = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        canceller.cancel();
    };
    let (result, ()) = tokio::join!(up, trigger);
    assert!(matches!(result, Err(RuntimeError::Interrupted)));
    assert_eq!(managed(rt.api()), Vec::<String>::new());
}

#[tokio::test]
async fn down_removes_only_resources_with_our_labels() {
    let fake = everything_builtin_available();
    fake.add_foreign("someone-else", BTreeMap::new());
    fake.add_foreign(
        "other-deployment",
        labels::deployment("other", "default", "s9"),
    );
    let (rt, _) = runtime(fake);
    rt.up(
        &plan(),
        &options("s1", ImagePolicy::Builtin, Duration::from_secs(5)),
        &Cancel::never(),
    )
    .await
    .unwrap();
    let removed = rt.down(&Selector::Deployment("iris".into())).await.unwrap();
    assert_eq!(removed.deployments, vec!["iris".to_owned()]);
    assert_eq!(
        (removed.containers, removed.networks, removed.volumes),
        (4, 1, 2)
    );
    assert_eq!(
        managed(rt.api()),
        vec![
            "container other-deployment",
            "container someone-else",
            "network other-deployment",
            "network someone-else",
            "volume other-deployment",
            "volume someone-else",
        ]
    );
    // Idempotent.
    let again = rt.down(&Selector::Deployment("iris".into())).await.unwrap();
    assert_eq!(again, Removed::default());
    // Sandboxes go last among containers.
    let removals: Vec<String> = mutations(&rt.api().calls())
        .into_iter()
        .filter(|c| c.starts_with("remove_container"))
        .collect();
    assert_eq!(
        removals.last().unwrap(),
        "remove_container iris-default-0-classifier_sandbox"
    );
}

#[tokio::test]
async fn down_removes_a_duplicate_network_of_the_deployment_by_its_id() {
    let (rt, _) = runtime(everything_builtin_available());
    rt.up(
        &plan(),
        &options("s1", ImagePolicy::Builtin, Duration::from_secs(5)),
        &Cancel::never(),
    )
    .await
    .unwrap();
    // Two concurrent creates of one name leave two networks of that name.
    rt.api().duplicate_network("seldon-local_iris");
    let removed = rt.down(&Selector::Deployment("iris".into())).await.unwrap();
    assert_eq!(removed.networks, 2);
    assert!(managed(rt.api()).is_empty(), "{:?}", managed(rt.api()));
}

#[tokio::test]
async fn up_of_a_running_deployment_replaces_it() {
    let (rt, events) = runtime(everything_builtin_available());
    for session in ["s1", "s2"] {
        rt.up(
            &plan(),
            &options(session, ImagePolicy::Builtin, Duration::from_secs(5)),
            &Cancel::never(),
        )
        .await
        .unwrap();
    }
    assert!(events.lock().unwrap().contains(&RuntimeEvent::Replacing {
        deployment: "iris".into()
    }));
    let listing = rt
        .api()
        .list(&Selector::Session("s1".into()))
        .await
        .unwrap();
    assert!(is_empty(&listing));
    let listing = rt
        .api()
        .list(&Selector::Session("s2".into()))
        .await
        .unwrap();
    assert_eq!(listing.containers.len(), 4);
}

#[tokio::test]
async fn auto_uses_upstream_when_present_or_pullable_and_builtin_otherwise() {
    let fake = everything_builtin_available();
    fake.pullable("seldonio/seldon-core-executor:1.18.2");
    let (rt, events) = runtime(fake);
    rt.up(
        &plan(),
        &options("s1", ImagePolicy::Auto, Duration::from_secs(5)),
        &Cancel::never(),
    )
    .await
    .unwrap();
    let events = events.lock().unwrap();
    let chosen: Vec<(String, ImageSource, Option<String>)> = events
        .iter()
        .filter_map(|e| match e {
            RuntimeEvent::ImageChosen {
                image,
                source,
                reason,
                ..
            } => Some((image.clone(), *source, reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        chosen,
        vec![
            (
                BUILTIN.to_owned(),
                ImageSource::Builtin,
                Some("`seldonio/rclone-storage-initializer:1.18.2` is not present and could not be pulled: Docker responded with status code 500: no such host".to_owned())
            ),
            ("me/classifier:1".to_owned(), ImageSource::Upstream, None),
            (
                "seldonio/seldon-core-executor:1.18.2".to_owned(),
                ImageSource::Upstream,
                None
            ),
        ]
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, RuntimeEvent::Pull { status, .. } if status == "Pull complete"))
    );
}

#[tokio::test]
async fn upstream_fails_when_an_image_cannot_be_pulled_and_creates_nothing() {
    let (rt, _) = runtime(everything_builtin_available());
    let error = rt
        .up(
            &plan(),
            &options("s1", ImagePolicy::Upstream, Duration::from_secs(5)),
            &Cancel::never(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "failed to pull image `seldonio/rclone-storage-initializer:1.18.2`"
    );
    assert_eq!(managed(rt.api()), Vec::<String>::new());
}

#[tokio::test]
async fn a_registry_mirror_is_where_every_upstream_image_is_pulled_from() {
    let fake = everything_builtin_available();
    for image in [
        "seldonio/rclone-storage-initializer:1.18.2",
        "me/classifier:1",
        "seldonio/seldon-core-executor:1.18.2",
    ] {
        fake.pullable(&format!("127.0.0.1:5000/{image}"));
    }
    let (rt, events) = runtime(fake);
    let mut options = options("s1", ImagePolicy::Upstream, Duration::from_secs(5));
    options.registry = Some("127.0.0.1:5000".to_owned());
    rt.up(&plan(), &options, &Cancel::never()).await.unwrap();
    let pulls: Vec<String> = rt
        .api()
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("pull_image"))
        .collect();
    assert_eq!(
        pulls,
        [
            "pull_image 127.0.0.1:5000/seldonio/rclone-storage-initializer:1.18.2",
            "pull_image 127.0.0.1:5000/me/classifier:1",
            "pull_image 127.0.0.1:5000/seldonio/seldon-core-executor:1.18.2",
        ]
    );
    let classifier = rt
        .api()
        .body("iris-default-0-classifier_classifier")
        .unwrap();
    assert_eq!(
        classifier.body.image.as_deref(),
        Some("127.0.0.1:5000/me/classifier:1")
    );
    assert!(events.lock().unwrap().iter().any(|e| matches!(
        e,
        RuntimeEvent::Pull { image, status, .. }
            if image == "127.0.0.1:5000/me/classifier:1" && status == "Pull complete"
    )));
}

#[tokio::test]
async fn builtin_containers_get_the_operators_args_and_env() {
    let mut plan = plan();
    plan.pods[0].containers[1].args = vec!["--sdep".into(), "iris".into()];
    plan.pods[0].containers[1].env = vec![crate::plan::Env {
        name: "ENGINE_PREDICTOR".into(),
        value: crate::plan::EnvValue::Literal("e30=".into()),
    }];
    let (rt, _) = runtime(everything_builtin_available());
    rt.up(
        &plan,
        &options("s1", ImagePolicy::Builtin, Duration::from_secs(5)),
        &Cancel::never(),
    )
    .await
    .unwrap();
    let engine = rt
        .api()
        .body("iris-default-0-classifier_seldon-container-engine")
        .unwrap();
    assert_eq!(
        engine.body.entrypoint.unwrap(),
        vec!["/seldon-local", "component", "executor"]
    );
    assert_eq!(engine.body.cmd.unwrap(), vec!["--sdep", "iris"]);
    assert_eq!(
        engine.body.env.unwrap(),
        vec!["ENGINE_PREDICTOR=e30=", "SELDON_LOCAL_BIND=0.0.0.0"]
    );
    assert_eq!(engine.body.user.as_deref(), Some("8888"));
}

#[tokio::test]
async fn a_local_model_is_bind_mounted_read_only_into_the_initializer() {
    let dir = std::env::temp_dir().join(format!("seldon-local-model-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("m/1")).unwrap();
    let mut plan = plan();
    // Relative to the sdep file (`file://m` would name a host, which the initializer refuses).
    plan.pods[0].init_containers[0].args[0] = "m".into();
    let (rt, _) = runtime(everything_builtin_available());
    let mut opts = options("s1", ImagePolicy::Builtin, Duration::from_secs(5));
    opts.base_dir = dir.clone();
    rt.up(&plan, &opts, &Cancel::never()).await.unwrap();
    let init = rt
        .api()
        .body("iris-default-0-classifier_iris-model-initializer")
        .unwrap();
    let absolute = dir.join("m").canonicalize().unwrap();
    assert_eq!(
        init.body.cmd.unwrap(),
        vec![absolute.display().to_string(), "/mnt/models".into()]
    );
    let mounts = init.body.host_config.unwrap().mounts.unwrap();
    let bind = mounts.last().unwrap();
    assert_eq!(bind.source.as_deref(), Some(absolute.to_str().unwrap()));
    assert_eq!(bind.target.as_deref(), Some(absolute.to_str().unwrap()));
    assert_eq!(bind.read_only, Some(true));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_missing_local_model_fails_before_the_init_container_and_leaves_nothing() {
    let mut plan = plan();
    plan.pods[0].init_containers[0].args[0] = "./no-such-model".into();
    let (rt, _) = runtime(everything_builtin_available());
    let error = rt
        .up(
            &plan,
            &options("s1", ImagePolicy::Builtin, Duration::from_secs(5)),
            &Cancel::never(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "model path `/nonexistent/./no-such-model` (from `./no-such-model`) does not exist"
    );
    assert!(!rt.api().calls().iter().any(|c| c.starts_with("create_")));
}

#[tokio::test]
async fn a_container_that_keeps_exiting_fails_up_before_the_deadline() {
    let mut plan = plan();
    plan.pods[0].containers[0].readiness = Some(Probe {
        action: ProbeAction::Tcp { port: 9000 },
        initial_delay_seconds: 0,
        period_seconds: 1,
        timeout_seconds: 1,
        failure_threshold: 3,
    });
    let fake = everything_builtin_available();
    fake.crashing("iris-default-0-classifier_classifier");
    fake.exits(
        "iris-default-0-classifier_classifier",
        1,
        &["panic: no model"],
    );
    let (rt, _) = runtime(fake);
    let error = rt
        .up(
            &plan,
            &options("s1", ImagePolicy::Builtin, Duration::from_mins(1)),
            &Cancel::never(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "container `classifier` keeps exiting (exit code 1, 3 restarts); last log lines:\n  panic: no model"
    );
    assert_eq!(managed(rt.api()), Vec::<String>::new());
}

#[tokio::test]
async fn a_stale_image_is_rebuilt_and_the_old_one_removed() {
    let fake = FakeDocker::default();
    fake.image(
        BUILTIN,
        BTreeMap::from([(labels::BINARY.to_owned(), "stale".to_owned())]),
    );
    let binary = std::env::current_exe().unwrap();
    let rt = DockerRuntime::with_api(fake, Events::ignore(), Some(binary));
    let (tag, built) = rt.ensure_image(false).await.unwrap();
    assert_eq!((tag.as_str(), built), (BUILTIN, true));
    let calls = rt.api().calls();
    assert!(
        calls.contains(&format!("import_image {BUILTIN}")),
        "{calls:?}"
    );
    assert!(
        calls.contains(&"remove_image sha256:0".to_owned()),
        "{calls:?}"
    );
}

async fn running_iris() -> DockerRuntime<FakeDocker> {
    let (rt, _) = runtime(everything_builtin_available());
    rt.up(
        &plan(),
        &options("s1", ImagePolicy::Builtin, Duration::from_secs(5)),
        &Cancel::never(),
    )
    .await
    .unwrap();
    rt
}

const SANDBOX: &str = "iris-default-0-classifier_sandbox";
const CLASSIFIER: &str = "iris-default-0-classifier_classifier";
const ENGINE: &str = "iris-default-0-classifier_seldon-container-engine";

#[tokio::test]
async fn a_running_deployment_needs_no_repair() {
    let rt = running_iris().await;
    assert_eq!(rt.broken(&Selector::All).await.unwrap(), []);
}

#[tokio::test]
async fn a_killed_container_is_started_again() {
    let rt = running_iris().await;
    rt.api().kill(CLASSIFIER);
    let broken = rt.broken(&Selector::All).await.unwrap();
    assert_eq!(
        broken,
        [Repair::Start {
            container: CLASSIFIER.into()
        }]
    );
    rt.repair(&broken[0]).await.unwrap();
    assert!(
        rt.api()
            .calls()
            .contains(&format!("start_container {CLASSIFIER}"))
    );
    assert_eq!(rt.broken(&Selector::All).await.unwrap(), []);
}

#[tokio::test]
async fn a_killed_sandbox_is_started_and_its_pod_restarted_into_it() {
    let rt = running_iris().await;
    rt.api().kill(SANDBOX);
    let broken = rt.broken(&Selector::All).await.unwrap();
    assert_eq!(
        broken,
        [Repair::Sandbox {
            sandbox: SANDBOX.into(),
            members: vec![CLASSIFIER.into(), ENGINE.into()],
        }]
    );
    rt.repair(&broken[0]).await.unwrap();
    let calls = mutations(&rt.api().calls());
    let tail: Vec<&str> = calls[calls.len() - 3..]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            format!("start_container {SANDBOX}"),
            format!("restart_container {CLASSIFIER}"),
            format!("restart_container {ENGINE}"),
        ]
    );
    assert_eq!(rt.broken(&Selector::All).await.unwrap(), []);
}

#[tokio::test]
async fn containers_left_in_a_sandbox_docker_restarted_rejoin_it() {
    let rt = running_iris().await;
    rt.api().restarted_by_docker(SANDBOX);
    let broken = rt.broken(&Selector::All).await.unwrap();
    assert_eq!(
        broken,
        [
            Repair::Rejoin {
                container: CLASSIFIER.into()
            },
            Repair::Rejoin {
                container: ENGINE.into()
            },
        ]
    );
    for repair in &broken {
        rt.repair(repair).await.unwrap();
    }
    assert_eq!(rt.broken(&Selector::All).await.unwrap(), []);
}

#[tokio::test]
async fn a_deployment_being_removed_is_left_alone() {
    let rt = running_iris().await;
    rt.down(&Selector::Deployment("iris".into())).await.unwrap();
    assert_eq!(rt.broken(&Selector::All).await.unwrap(), []);
}
