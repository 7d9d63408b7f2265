//! The seed article's SeldonDeployment renders exactly the article's pod under 1.2.1.

use seldon_local::plan::{self, Object};
use seldon_local::sdep::{SeldonVersion, consts};

use crate::common::{load_first, plan_of, root};

fn seed(version: SeldonVersion, namespace: &str) -> plan::Plan {
    let mut sdep = load_first(&root().join("tests/fixtures/sdep/tfserving-seed.yaml"));
    sdep.metadata.namespace = Some(namespace.to_owned());
    plan_of(sdep, version)
}

fn deployment(plan: &plan::Plan) -> &plan::objects::Deployment {
    plan.objects
        .iter()
        .find_map(|o| match o {
            Object::Deployment(d) => Some(d.as_ref()),
            Object::Service(_) => None,
        })
        .unwrap()
}

fn env<'a>(container: &'a seldon_local::sdep::Container, name: &str) -> &'a str {
    container
        .env_var(name)
        .and_then(|e| e.value.as_deref())
        .unwrap()
}

#[test]
fn the_seed_renders_the_articles_pod_in_1_2_1() {
    let plan = seed(SeldonVersion::V1_2_1, "kubeflow");
    let deployment = deployment(&plan);
    assert_eq!(deployment.name(), "tfserving-default-0-mnist-model");
    let pod = &deployment.spec.template.spec;

    let init = &pod.init_containers[0];
    assert_eq!(init.name, "tfserving-model-initializer");
    assert_eq!(
        init.image.as_deref(),
        Some("gcr.io/kfserving/storage-initializer:0.2.2")
    );
    assert_eq!(
        init.args,
        ["gs://seldon-models/tfserving/mnist-model", "/mnt/models"]
    );

    let names: Vec<&str> = pod.containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["mnist-model", "tfserving", consts::ENGINE_CONTAINER_NAME]
    );

    let proxy = &pod.containers[0];
    assert_eq!(
        proxy.image.as_deref(),
        Some("seldonio/tfserving-proxy_rest:1.2.1")
    );
    assert_eq!(
        env(proxy, "PREDICTIVE_UNIT_PARAMETERS"),
        r#"[{"name":"signature_name","value":"predict_images","type":"STRING"},{"name":"model_name","value":"mnist-model","type":"STRING"},{"name":"rest_endpoint","value":"http://0.0.0.0:2001","type":"STRING"},{"name":"model_name","value":"mnist-model","type":"STRING"}]"#
    );

    let tfserving = &pod.containers[1];
    assert_eq!(tfserving.image.as_deref(), Some("tensorflow/serving:2.1.0"));
    assert_eq!(
        tfserving.args,
        [
            "/usr/bin/tensorflow_model_server",
            "--port=2000",
            "--rest_api_port=2001",
            "--model_name=mnist-model",
            "--model_base_path=/mnt/models"
        ]
    );
    assert!(tfserving.mounts_at("/mnt/models"));

    let engine = &pod.containers[2];
    assert_eq!(
        engine.image.as_deref(),
        Some("docker.io/seldonio/seldon-core-executor:1.2.1")
    );
    assert_eq!(
        engine.args.join(" "),
        "--sdep tfserving --namespace kubeflow --predictor default --port 8000 --protocol seldon --prometheus_path /prometheus"
    );

    let services: Vec<(String, Vec<i32>)> = plan
        .objects
        .iter()
        .filter_map(|o| match o {
            Object::Service(s) => Some((
                s.name().to_owned(),
                s.spec.ports.iter().map(|p| p.port).collect(),
            )),
            Object::Deployment(_) => None,
        })
        .collect();
    assert_eq!(
        services,
        [
            ("tfserving-default-mnist-model".to_owned(), vec![9000]),
            ("tfserving-default".to_owned(), vec![8000, 5001]),
        ]
    );
}

#[test]
fn the_default_namespace_is_default() {
    let plan = seed(SeldonVersion::V1_2_1, "");
    let engine = &deployment(&plan).spec.template.spec.containers[2];
    assert_eq!(engine.args[3], "default");
}

#[test]
fn the_seed_in_1_18_2_uses_the_single_proxy_image_and_both_ports() {
    let plan = seed(SeldonVersion::V1_18_2, "default");
    let pod = &deployment(&plan).spec.template.spec;
    assert_eq!(
        pod.containers[0].image.as_deref(),
        Some("seldonio/tfserving-proxy:1.18.2")
    );
    assert_eq!(
        pod.init_containers[0].image.as_deref(),
        Some("seldonio/rclone-storage-initializer:1.18.2")
    );
    assert_eq!(pod.containers[1].args[0], "--port=2000");
}

#[test]
fn the_runtime_view_tags_each_container_with_its_role() {
    let plan = seed(SeldonVersion::V1_18_2, "default");
    let pod = &plan.pods[0];
    let roles: Vec<&str> = pod.all_containers().map(|c| c.role.as_str()).collect();
    assert_eq!(
        roles,
        [
            "storage-initializer",
            "tfserving-proxy",
            "tensorflow-server",
            "executor"
        ]
    );
    let engine = &pod.containers[2];
    let readiness = engine.readiness.as_ref().unwrap();
    assert_eq!(
        readiness.action,
        plan::ProbeAction::Http {
            path: "/ready".into(),
            port: 8000,
            scheme: "HTTP".into()
        }
    );
    let service = plan
        .services
        .iter()
        .find(|s| s.name == "tfserving-default")
        .unwrap();
    assert_eq!(service.pods, std::slice::from_ref(&pod.name));
    assert!(
        service
            .aliases
            .contains(&"tfserving-default.default.svc.cluster.local".to_owned())
    );
}
