//! What the operator's controller builds from a defaulted `SeldonDeployment`
//! (`createComponents`): Deployments with their pod templates, container Services, the
//! prepackaged servers, storage initializers, the executor and the predictor Service.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value, json};

use super::PlanError;
use super::objects::{
    Deployment, DeploymentSpec, LabelSelector, PodTemplateSpec, Service, ServicePort, ServiceSpec,
};
use crate::sdep::consts::{
    ANNOTATION_HEADLESS_SVC, ANNOTATION_LOGGER_QUEUE_SIZE, ANNOTATION_LOGGER_WRITE_TIMEOUT,
    ANNOTATION_NO_ENGINE, ANNOTATION_NO_STORAGE_INITIALIZER, ANNOTATION_SEPARATE_ENGINE,
    ANNOTATION_SVC_NAME, DEFAULT_USER_ID, ENGINE_CONTAINER_NAME, ENGINE_GRPC_PORT,
    ENGINE_HTTP_PORT, ENV_ENGINE_PREDICTOR, ENV_PREDICTIVE_UNIT_PARAMETERS, LABEL_MANAGED_BY,
    LABEL_SELDON_APP, LABEL_SELDON_APP_SVC, LABEL_SELDON_ID, LABEL_SVC_ORCH, METRICS_PORT_NAME,
    MODELS_PATH, PODINFO_VOLUME_NAME, PODINFO_VOLUME_PATH, PROMETHEUS_PATH, PVC_SOURCE_PATH,
    PVC_SOURCE_VOLUME, TFSERVING_CONTAINER_NAME, TFSERVING_GRPC_PORT, TFSERVING_REST_PORT,
};
use crate::sdep::names::{
    container_service_name, deployment_name, explainer_name, initializer_name, predictor_key,
    provision_volume_name, seldon_id, svc_orch_name,
};
use crate::sdep::{
    Container, ContainerPort, EndpointType, EnvFromSource, EnvVar, HttpGetAction, IntOrString,
    NameRef, ObjectMeta, OperatorConfig, Parameter, PodSecurityContext, PodSpec, PredictiveUnit,
    PredictorSpec, Probe, Quantity, ResourceRequirements, SecurityContext, SeldonDeployment,
    TcpSocketAction, Validated, Volume, VolumeMount, defaults,
};

/// Everything the controller creates for one predictor.
#[derive(Debug, Clone)]
pub(super) struct PredictorObjects {
    pub(super) predictor: String,
    pub(super) key: String,
    pub(super) deployments: Vec<Deployment>,
    pub(super) services: Vec<Service>,
    /// The Deployment holding the executor, if there is one.
    pub(super) executor_deployment: Option<String>,
}

/// Builds the objects of every predictor, in spec order.
pub(super) fn build_objects(validated: &Validated) -> Result<Vec<PredictorObjects>, PlanError> {
    let sdep = validated.sdep();
    let config = validated.config();
    let context = Context {
        sdep,
        config,
        old: config.version.is_old(),
        namespace: sdep.namespace(),
        seldon_id: seldon_id(sdep.name()),
        protocol: sdep.spec.protocol(),
        grpc_transport: sdep.spec.transport() == "grpc",
    };
    sdep.spec
        .predictors
        .iter()
        .map(|p| build_predictor(&context, p))
        .collect()
}

struct Context<'a> {
    sdep: &'a SeldonDeployment,
    config: &'a OperatorConfig,
    old: bool,
    namespace: &'a str,
    seldon_id: String,
    protocol: &'a str,
    grpc_transport: bool,
}

impl Context<'_> {
    fn name(&self) -> &str {
        self.sdep.name()
    }

    fn meta(&self, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(self.namespace.to_owned()),
            ..ObjectMeta::default()
        }
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn no_engine(context: &Context<'_>, predictor: &PredictorSpec) -> bool {
    match predictor.annotations.get(ANNOTATION_NO_ENGINE) {
        None => false,
        Some(_) if context.old => true,
        Some(value) => value == "true",
    }
}

#[allow(clippy::too_many_lines)] // the controller's steps, in its order
fn build_predictor(
    context: &Context<'_>,
    predictor: &PredictorSpec,
) -> Result<PredictorObjects, PlanError> {
    let svc_name = predictor
        .annotations
        .get(ANNOTATION_SVC_NAME)
        .map(String::as_str);
    let key = predictor_key(context.name(), &predictor.name, svc_name);
    let no_engine = no_engine(context, predictor);
    let separate = defaults::separate_engine(context.sdep, context.old);
    let mut deployments: Vec<(Option<usize>, Deployment)> = Vec::new();
    let mut services = Vec::new();
    let mut unit_service_ports: Option<Vec<ServicePort>> = None;

    if separate && !no_engine {
        deployments.push((None, svc_orch_deployment(context, predictor, &key)));
    }
    for (j, component) in predictor.component_specs.iter().enumerate() {
        if component.spec.containers.is_empty() {
            continue;
        }
        let mut deployment = base_deployment(context, predictor, j);
        for k in 0..deployment.spec.template.spec.containers.len() {
            let name = deployment.spec.template.spec.containers[k].name.clone();
            if name == ENGINE_CONTAINER_NAME || name == TFSERVING_CONTAINER_NAME {
                continue;
            }
            let Some(unit) = predictor.graph.find(&name) else {
                continue;
            };
            let service = unit_service(context, predictor, &key, unit, &mut deployment, k);
            if no_engine && unit_service_ports.is_none() {
                unit_service_ports = Some(service.spec.ports.clone());
            }
            services.push(service);
        }
        deployment
            .metadata
            .labels
            .insert(LABEL_MANAGED_BY.to_owned(), "seldon-core".to_owned());
        deployments.push((Some(j), deployment));
    }

    // Prepackaged servers and storage initializers, depth first.
    for unit in predictor.graph.preorder() {
        let uri = unit.model_uri.as_deref().unwrap_or_default();
        if unit.is_prepack() {
            let deployment = deployment_holding(&mut deployments, predictor, &unit.name)
                .ok_or_else(|| PlanError::NoPodSpecForPrepack {
                    unit: unit.name.clone(),
                })?;
            prepack(context, predictor, unit, deployment)?;
        } else if !context.old && !uri.is_empty() {
            // 1.17.1+: a non-prepackaged unit with a modelUri also gets an initializer.
            let deployment = deployment_holding(&mut deployments, predictor, &unit.name)
                .ok_or_else(|| PlanError::NoContainerForModelUri {
                    unit: unit.name.clone(),
                })?;
            inject_initializer(
                context,
                unit,
                &unit.name,
                &mut deployment.spec.template.spec,
            );
        }
    }

    let mut executor_deployment = None;
    if no_engine {
        if let Some(ports) = unit_service_ports {
            let ports = if context.old {
                ports.into_iter().take(1).collect()
            } else {
                ports
            };
            if let Some((_, deployment)) = deployments.iter_mut().find(|(j, _)| j.is_some()) {
                deployment.select_label(LABEL_SELDON_APP, &key);
            }
            services.push(predictor_service(context, predictor, &key, ports));
        }
    } else {
        let index = if separate {
            0
        } else {
            let host_unit = predictor.graph.preorder().into_iter().find(|u| {
                u.endpoint.as_ref().and_then(|e| e.service_host.as_deref()) == Some("localhost")
            });
            let component = host_unit.and_then(|u| {
                predictor
                    .component_specs
                    .iter()
                    .position(|c| c.spec.containers.iter().any(|k| k.name == u.name))
            });
            let found = component.and_then(|j| deployments.iter().position(|(d, _)| *d == Some(j)));
            found.ok_or(PlanError::NoEngineHost { old: context.old })?
        };
        let deployment = &mut deployments[index].1;
        let engine = executor_container(context, predictor);
        deployment.spec.template.spec.containers.push(engine);
        deployment.select_label(LABEL_SELDON_APP, &key);
        deployment
            .metadata
            .labels
            .insert(LABEL_SVC_ORCH.to_owned(), "true".to_owned());
        ensure_podinfo_volume(&mut deployment.spec.template.spec);
        executor_deployment = Some(deployment.name().to_owned());
        let grpc_target = if context.old {
            ENGINE_HTTP_PORT
        } else {
            ENGINE_GRPC_PORT
        };
        let ports = vec![
            ServicePort::tcp("http", ENGINE_HTTP_PORT, ENGINE_HTTP_PORT),
            ServicePort::tcp("grpc", ENGINE_GRPC_PORT, grpc_target),
        ];
        services.push(predictor_service(context, predictor, &key, ports));
    }

    let mut deployments: Vec<Deployment> = deployments.into_iter().map(|(_, d)| d).collect();
    if let Some(explainer) = &predictor.explainer
        && explainer.r#type.as_deref().is_some_and(|t| !t.is_empty())
    {
        let (deployment, service) = explainer_objects(context, predictor, &key);
        deployments.push(deployment);
        services.push(service);
    }
    Ok(PredictorObjects {
        predictor: predictor.name.clone(),
        key,
        deployments,
        services,
        executor_deployment,
    })
}

fn deployment_holding<'d>(
    deployments: &'d mut [(Option<usize>, Deployment)],
    predictor: &PredictorSpec,
    container: &str,
) -> Option<&'d mut Deployment> {
    let j = predictor
        .component_specs
        .iter()
        .position(|c| c.spec.containers.iter().any(|k| k.name == container))?;
    deployments
        .iter_mut()
        .find(|(d, _)| *d == Some(j))
        .map(|(_, d)| d)
}

fn component_label(predictor: &PredictorSpec, j: usize) -> String {
    let component = &predictor.component_specs[j];
    match component.metadata.as_ref().and_then(|m| m.name.as_deref()) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => component
            .spec
            .containers
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("-"),
    }
}

/// §7.1: the Deployment of componentSpec `j`, before units are wired.
fn base_deployment(context: &Context<'_>, predictor: &PredictorSpec, j: usize) -> Deployment {
    let component = &predictor.component_specs[j];
    let name = deployment_name(
        context.name(),
        &predictor.name,
        j,
        &component_label(predictor, j),
    );
    let component_meta = component.metadata.clone().unwrap_or_default();

    let mut meta_labels = labels(&[
        (LABEL_SELDON_ID, &context.seldon_id),
        ("app", &name),
        ("fluentd", "true"),
    ]);
    meta_labels.extend(predictor.labels.clone());
    meta_labels.extend(component_meta.labels.clone());
    let mut annotations = context.sdep.spec.annotations.clone();
    annotations.extend(predictor.annotations.clone());
    annotations.extend(component_meta.annotations.clone());

    let mut template_labels = meta_labels.clone();
    if predictor.shadow == Some(true) {
        let key = if context.old {
            "shadow"
        } else {
            "seldon.io/shadow"
        };
        template_labels.insert(key.to_owned(), "true".to_owned());
    }
    let mut template_annotations = labels(&[
        ("prometheus.io/path", PROMETHEUS_PATH),
        ("prometheus.io/scrape", "true"),
    ]);
    template_annotations.extend(annotations.clone());

    let mut spec = component.spec.clone();
    default_pod_spec(context, &mut spec);

    let replicas = if component.hpa_spec.is_some() || component.keda_spec.is_some() {
        None
    } else {
        component
            .replicas
            .or(predictor.replicas)
            .or(context.sdep.spec.replicas)
    };
    Deployment {
        api_version: "apps/v1",
        kind: "Deployment",
        metadata: ObjectMeta {
            labels: meta_labels,
            annotations,
            ..context.meta(&name)
        },
        spec: DeploymentSpec {
            replicas,
            selector: LabelSelector {
                match_labels: labels(&[(LABEL_SELDON_ID, &context.seldon_id)]),
            },
            template: PodTemplateSpec {
                metadata: ObjectMeta {
                    labels: template_labels,
                    annotations: template_annotations,
                    ..ObjectMeta::default()
                },
                spec,
            },
            strategy: json!({"rollingUpdate": {"maxUnavailable": "10%"}, "type": "RollingUpdate"}),
            progress_deadline_seconds: if context.old {
                None
            } else {
                predictor.progress_deadline_seconds
            },
        },
    }
}

fn default_pod_spec(context: &Context<'_>, spec: &mut PodSpec) {
    spec.restart_policy
        .get_or_insert_with(|| "Always".to_owned());
    spec.dns_policy
        .get_or_insert_with(|| "ClusterFirst".to_owned());
    spec.scheduler_name
        .get_or_insert_with(|| "default-scheduler".to_owned());
    if context.old {
        spec.termination_grace_period_seconds = Some(20);
        // 1.2.1 overwrites whatever security context the user gave.
        spec.security_context = Some(PodSecurityContext {
            run_as_user: Some(DEFAULT_USER_ID),
            ..Default::default()
        });
    } else {
        spec.termination_grace_period_seconds.get_or_insert(20);
        spec.security_context
            .get_or_insert_with(|| PodSecurityContext {
                run_as_user: Some(DEFAULT_USER_ID),
                ..Default::default()
            });
    }
    ensure_podinfo_volume(spec);
}

fn ensure_podinfo_volume(spec: &mut PodSpec) {
    if spec.volumes.iter().any(|v| v.name == PODINFO_VOLUME_NAME) {
        return;
    }
    spec.volumes.push(Volume {
        name: PODINFO_VOLUME_NAME.to_owned(),
        downward_api: Some(json!({
            "defaultMode": 420,
            "items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.annotations"},
                       "path": "annotations"}]
        })),
        ..Volume::default()
    });
}

fn set_env(container: &mut Container, name: &str, value: &str) {
    match container.env.iter_mut().find(|e| e.name == name) {
        Some(existing) => *existing = EnvVar::new(name, value),
        None => container.env.push(EnvVar::new(name, value)),
    }
}

fn add_env_if_absent(container: &mut Container, name: &str, value: &str) {
    if container.env_var(name).is_none() {
        container.env.push(EnvVar::new(name, value));
    }
}

fn parameters_json(parameters: &[Parameter]) -> String {
    serde_json::to_string(parameters).expect("parameters serialise to JSON")
}

fn tcp_probe(port: IntOrString, initial_delay: i32) -> Probe {
    Probe {
        tcp_socket: Some(TcpSocketAction { port, host: None }),
        initial_delay_seconds: Some(initial_delay),
        period_seconds: Some(5),
        success_threshold: Some(1),
        failure_threshold: Some(3),
        timeout_seconds: Some(1),
        ..Probe::default()
    }
}

/// §9.1: a unit container's Service, and the changes to the container and its Deployment.
#[allow(clippy::too_many_lines)] // upstream's steps for both versions, side by side
fn unit_service(
    context: &Context<'_>,
    predictor: &PredictorSpec,
    key: &str,
    unit: &PredictiveUnit,
    deployment: &mut Deployment,
    k: usize,
) -> Service {
    let container_name = deployment.spec.template.spec.containers[k].name.clone();
    let service_name = container_service_name(context.name(), &predictor.name, &container_name);
    let endpoint = unit.endpoint.clone().unwrap_or_default();
    let grpc_endpoint = endpoint.r#type == Some(EndpointType::Grpc);
    let type_label = unit.r#type.and_then(crate::sdep::PredictiveUnitType::label);
    let container = &mut deployment.spec.template.spec.containers[k];

    let (ports, selector_key, mut service_labels, unit_port);
    if context.old {
        let port_name = if grpc_endpoint { "grpc" } else { "http" };
        let port = endpoint
            .service_port
            .or_else(|| container.port_named(port_name).map(|p| p.container_port))
            .unwrap_or_default();
        if container.port_named(port_name).is_none() {
            container
                .ports
                .push(ContainerPort::tcp(Some(port_name), port));
        }
        let probe_port = IntOrString::String(port_name.to_owned());
        container
            .liveness_probe
            .get_or_insert_with(|| tcp_probe(probe_port.clone(), 60));
        container
            .readiness_probe
            .get_or_insert_with(|| tcp_probe(probe_port, 20));
        ports = vec![ServicePort::tcp(port_name, port, port)];
        selector_key = LABEL_SELDON_APP_SVC.to_owned();
        service_labels = labels(&[
            (LABEL_SELDON_APP_SVC, &service_name),
            (LABEL_SELDON_ID, &context.seldon_id),
            (LABEL_MANAGED_BY, "seldon-core"),
        ]);
        if let Some(label) = type_label {
            service_labels.insert(label.to_owned(), "true".to_owned());
        }
        let traffic = predictor.traffic.unwrap_or(0);
        let shadow = predictor.shadow == Some(true);
        if !shadow && (traffic >= 50 || traffic == 0) {
            service_labels.insert("default".to_owned(), "true".to_owned());
        }
        if shadow {
            service_labels.insert("shadow".to_owned(), "true".to_owned());
        }
        if traffic > 0 && traffic < 50 {
            service_labels.insert("canary".to_owned(), "true".to_owned());
        }
        if predictor
            .explainer
            .as_ref()
            .is_some_and(|e| e.r#type.is_some())
        {
            service_labels.insert("explainer".to_owned(), "true".to_owned());
        }
        unit_port = port;
    } else {
        let http = endpoint.http_port.unwrap_or_default();
        let grpc = endpoint.grpc_port.unwrap_or_default();
        for (name, port) in [("http", http), ("grpc", grpc)] {
            if container.port_named(name).is_none() {
                container.ports.push(ContainerPort::tcp(Some(name), port));
            }
        }
        let probe_port = if context.grpc_transport || grpc_endpoint {
            grpc
        } else {
            http
        };
        container
            .liveness_probe
            .get_or_insert_with(|| tcp_probe(IntOrString::Int(probe_port), 60));
        container
            .readiness_probe
            .get_or_insert_with(|| tcp_probe(IntOrString::Int(probe_port), 20));
        ports = vec![
            ServicePort::tcp("http", http, http),
            ServicePort::tcp("grpc", grpc, grpc),
        ];
        selector_key = format!("{LABEL_SELDON_APP_SVC}-{container_name}");
        service_labels = labels(&[
            (&selector_key, &service_name),
            (LABEL_SELDON_ID, &context.seldon_id),
            (LABEL_SELDON_APP, key),
            (LABEL_MANAGED_BY, "seldon-core"),
        ]);
        if let Some(label) = type_label {
            service_labels.insert(format!("seldon.io/{label}"), "true".to_owned());
        }
        if predictor.shadow == Some(true) {
            service_labels.insert("seldon.io/shadow".to_owned(), "true".to_owned());
        }
        unit_port = probe_port;
    }
    container.lifecycle.get_or_insert_with(
        || json!({"preStop": {"exec": {"command": ["/bin/sh", "-c", "/bin/sleep 10"]}}}),
    );
    unit_env(context, predictor, unit, container, unit_port);

    deployment.select_label(&selector_key, &service_name);
    if !context.old {
        if let Some(label) = type_label {
            deployment
                .metadata
                .labels
                .insert(format!("seldon.io/{label}"), "true".to_owned());
        }
        if predictor.shadow == Some(true) {
            deployment
                .metadata
                .labels
                .insert("seldon.io/shadow".to_owned(), "true".to_owned());
        }
    }
    Service {
        api_version: "v1",
        kind: "Service",
        metadata: ObjectMeta {
            labels: service_labels,
            annotations: if context.old {
                BTreeMap::new()
            } else {
                predictor.annotations.clone()
            },
            ..context.meta(&service_name)
        },
        spec: ServiceSpec {
            r#type: "ClusterIP",
            session_affinity: "None",
            selector: labels(&[(&selector_key, &service_name)]),
            ports,
            cluster_ip: None,
        },
    }
}

/// §9.1 env, in upstream's order.
fn unit_env(
    context: &Context<'_>,
    predictor: &PredictorSpec,
    unit: &PredictiveUnit,
    container: &mut Container,
    unit_port: i32,
) {
    let endpoint = unit.endpoint.clone().unwrap_or_default();
    let image = container.image.clone().unwrap_or_default();
    let predictor_labels =
        serde_json::to_string(&predictor.labels).expect("labels serialise to JSON");
    let metrics = container
        .port_named(METRICS_PORT_NAME)
        .map(|p| p.container_port.to_string());
    let name = container.name.clone();
    add_env_if_absent(
        container,
        "PREDICTIVE_UNIT_SERVICE_PORT",
        &unit_port.to_string(),
    );
    if !context.old {
        let http = endpoint.http_port.unwrap_or_default().to_string();
        let grpc = endpoint.grpc_port.unwrap_or_default().to_string();
        add_env_if_absent(container, "PREDICTIVE_UNIT_HTTP_SERVICE_PORT", &http);
        add_env_if_absent(container, "MLSERVER_HTTP_PORT", &http);
        add_env_if_absent(container, "PREDICTIVE_UNIT_GRPC_SERVICE_PORT", &grpc);
        add_env_if_absent(container, "MLSERVER_GRPC_PORT", &grpc);
    }
    if !unit.parameters.is_empty() {
        add_env_if_absent(
            container,
            ENV_PREDICTIVE_UNIT_PARAMETERS,
            &parameters_json(&unit.parameters),
        );
    }
    if !context.old && unit.model_uri.as_deref().is_some_and(|u| !u.is_empty()) {
        add_env_if_absent(container, "MLSERVER_MODEL_URI", MODELS_PATH);
    }
    add_env_if_absent(container, "PREDICTIVE_UNIT_ID", &name);
    if !context.old {
        add_env_if_absent(container, "MLSERVER_MODEL_NAME", &name);
    }
    add_env_if_absent(container, "PREDICTIVE_UNIT_IMAGE", &image);
    add_env_if_absent(container, "PREDICTOR_ID", &predictor.name);
    add_env_if_absent(container, "PREDICTOR_LABELS", &predictor_labels);
    add_env_if_absent(container, "SELDON_DEPLOYMENT_ID", context.name());
    if !context.old {
        add_env_if_absent(container, "SELDON_EXECUTOR_ENABLED", "true");
    }
    if let Some(metrics) = metrics {
        add_env_if_absent(container, "PREDICTIVE_UNIT_METRICS_SERVICE_PORT", &metrics);
        add_env_if_absent(
            container,
            "PREDICTIVE_UNIT_METRICS_ENDPOINT",
            PROMETHEUS_PATH,
        );
        if !context.old {
            add_env_if_absent(container, "MLSERVER_METRICS_PORT", &metrics);
            add_env_if_absent(container, "MLSERVER_METRICS_ENDPOINT", PROMETHEUS_PATH);
        }
    }
}

/// §8: a prepackaged server's containers and its storage initializer.
fn prepack(
    context: &Context<'_>,
    predictor: &PredictorSpec,
    unit: &PredictiveUnit,
    deployment: &mut Deployment,
) -> Result<(), PlanError> {
    let implementation = unit.implementation_str();
    let pod = &mut deployment.spec.template.spec;
    if !context.old
        && let Some(account) = unit
            .service_account_name
            .as_deref()
            .filter(|a| !a.is_empty())
    {
        pod.service_account_name = Some(account.to_owned());
    }
    let Some(server) = context.config.server(implementation) else {
        if context.old {
            return Ok(());
        }
        return Err(PlanError::NoServerConfig {
            implementation: implementation.to_owned(),
        });
    };
    let k = pod
        .containers
        .iter()
        .position(|c| c.name == unit.name)
        .expect("prepackaged unit's container is in the Deployment that holds it");
    if implementation == crate::sdep::PredictiveUnitImplementation::TENSORFLOW_SERVER {
        if context.protocol == "tensorflow" {
            tensorflow_only(context, unit, &mut pod.containers[k]);
            inject_initializer(context, unit, &unit.name, pod);
        } else {
            let proxy_image = server.image_for_protocol("seldon");
            tensorflow_with_proxy(context, unit, pod, k, proxy_image);
            inject_initializer(context, unit, TFSERVING_CONTAINER_NAME, pod);
        }
        return Ok(());
    }
    if implementation == crate::sdep::PredictiveUnitImplementation::TRITON_SERVER {
        triton(context, unit, pod, k);
        return Ok(());
    }
    if !context.old && matches!(context.protocol, "kfserving" | "v2") {
        mlserver(context, predictor, unit, &mut pod.containers[k]);
    } else {
        let mut parameters = unit.parameters.clone();
        parameters.push(Parameter::string("model_uri", MODELS_PATH));
        set_env(
            &mut pod.containers[k],
            ENV_PREDICTIVE_UNIT_PARAMETERS,
            &parameters_json(&parameters),
        );
    }
    inject_initializer(context, unit, &unit.name, pod);
    Ok(())
}

/// §8.3 case A: the proxy is the unit's container; TF Serving runs beside it.
fn tensorflow_with_proxy(
    context: &Context<'_>,
    unit: &PredictiveUnit,
    pod: &mut PodSpec,
    k: usize,
    proxy_image: Option<String>,
) {
    let proxy = &mut pod.containers[k];
    let mut parameters = unit.parameters.clone();
    let has_endpoint = parameters
        .iter()
        .any(|p| p.name == "rest_endpoint" || p.name == "grpc_endpoint");
    let rest = format!("http://0.0.0.0:{TFSERVING_REST_PORT}");
    let grpc = format!("0.0.0.0:{TFSERVING_GRPC_PORT}");
    if context.old {
        if !has_endpoint {
            let grpc_endpoint =
                unit.endpoint.as_ref().and_then(|e| e.r#type) == Some(EndpointType::Grpc);
            if grpc_endpoint {
                parameters.push(Parameter::string("grpc_endpoint", &grpc));
            } else {
                parameters.push(Parameter::string("rest_endpoint", &rest));
            }
            parameters.push(Parameter::string("model_name", &unit.name));
        }
    } else {
        if !has_endpoint {
            parameters.push(Parameter::string("rest_endpoint", &rest));
            parameters.push(Parameter::string("grpc_endpoint", &grpc));
        }
        parameters.push(Parameter::string("model_name", &unit.name));
        // 1.18 overwrites the proxy image unconditionally.
        if let Some(image) = proxy_image {
            proxy.image = Some(image);
        }
    }
    set_env(
        proxy,
        ENV_PREDICTIVE_UNIT_PARAMETERS,
        &parameters_json(&parameters),
    );

    let image = context.config.tf_serving_image();
    let args = tf_serving_args(
        context,
        TFSERVING_GRPC_PORT,
        TFSERVING_REST_PORT,
        &unit.name,
    );
    let ports = vec![
        ContainerPort::tcp(None, TFSERVING_GRPC_PORT),
        ContainerPort::tcp(None, TFSERVING_REST_PORT),
    ];
    if !pod
        .containers
        .iter()
        .any(|c| c.name == TFSERVING_CONTAINER_NAME)
    {
        pod.containers
            .push(Container::named(TFSERVING_CONTAINER_NAME));
    }
    let tfserving = pod
        .containers
        .iter_mut()
        .find(|c| c.name == TFSERVING_CONTAINER_NAME)
        .expect("the tfserving container was just ensured");
    if tfserving.image.as_deref().unwrap_or_default().is_empty() {
        tfserving.image = Some(image);
    }
    if tfserving.args.is_empty() {
        tfserving.args = args;
    }
    if tfserving.ports.is_empty() {
        tfserving.ports = ports;
    }
    tfserving
        .image_pull_policy
        .get_or_insert_with(|| "IfNotPresent".to_owned());
    if !context.old {
        tfserving
            .termination_message_path
            .get_or_insert_with(|| "/dev/termination-log".to_owned());
        tfserving
            .termination_message_policy
            .get_or_insert_with(|| "File".to_owned());
    }
}

/// §8.3 case B: TF Serving is the unit's container.
fn tensorflow_only(context: &Context<'_>, unit: &PredictiveUnit, container: &mut Container) {
    let endpoint = unit.endpoint.clone().unwrap_or_default();
    let (rest, grpc) = if context.old {
        let port = endpoint.service_port.unwrap_or_default();
        if endpoint.r#type == Some(EndpointType::Grpc) {
            (TFSERVING_REST_PORT, port)
        } else {
            (port, TFSERVING_GRPC_PORT)
        }
    } else {
        (
            endpoint.http_port.unwrap_or_default(),
            endpoint.grpc_port.unwrap_or_default(),
        )
    };
    if container.image.as_deref().unwrap_or_default().is_empty() {
        container.image = Some(context.config.tf_serving_image());
    }
    if container.args.is_empty() {
        container.args = tf_serving_args(context, grpc, rest, &unit.name);
    }
}

/// `tensorflow_model_server`'s args; 1.2.1 names the binary first (dropped in 1.3.0).
fn tf_serving_args(context: &Context<'_>, grpc: i32, rest: i32, model: &str) -> Vec<String> {
    let mut args = vec![
        format!("--port={grpc}"),
        format!("--rest_api_port={rest}"),
        format!("--model_name={model}"),
        format!("--model_base_path={MODELS_PATH}"),
    ];
    if context.old {
        args.insert(0, "/usr/bin/tensorflow_model_server".to_owned());
    }
    args
}

fn v2_probe(path: &str, initial_delay: i32, existing: Option<Probe>) -> Probe {
    let handler = HttpGetAction {
        path: Some(path.to_owned()),
        port: IntOrString::String("http".to_owned()),
        ..HttpGetAction::default()
    };
    match existing {
        Some(probe) => Probe {
            http_get: Some(handler),
            tcp_socket: None,
            ..probe
        },
        None => Probe {
            http_get: Some(handler),
            initial_delay_seconds: Some(initial_delay),
            period_seconds: Some(5),
            failure_threshold: Some(3),
            success_threshold: Some(1),
            timeout_seconds: Some(60),
            ..Probe::default()
        },
    }
}

/// §8.5: MLServer for the v2 / kfserving protocol.
fn mlserver(
    context: &Context<'_>,
    _predictor: &PredictorSpec,
    unit: &PredictiveUnit,
    container: &mut Container,
) {
    let endpoint = unit.endpoint.clone().unwrap_or_default();
    let http = endpoint.http_port.unwrap_or_default();
    let grpc = endpoint.grpc_port.unwrap_or_default();
    let implementation = match unit.implementation_str() {
        "SKLEARN_SERVER" => "mlserver_sklearn.SKLearnModel",
        "XGBOOST_SERVER" => "mlserver_xgboost.XGBoostModel",
        "MLFLOW_SERVER" => "mlserver_mlflow.MLflowRuntime",
        "HUGGINGFACE_SERVER" => "mlserver_huggingface.HuggingFaceRuntime",
        "TEMPO_SERVER" => "tempo.mlserver.InferenceRuntime",
        _ => "",
    };
    let mut defaults = vec![
        ("MLSERVER_HTTP_PORT".to_owned(), http.to_string()),
        ("MLSERVER_GRPC_PORT".to_owned(), grpc.to_string()),
        (
            "MLSERVER_MODEL_IMPLEMENTATION".to_owned(),
            implementation.to_owned(),
        ),
        ("MLSERVER_MODEL_NAME".to_owned(), unit.name.clone()),
        ("MLSERVER_MODEL_VERSION".to_owned(), "v1".to_owned()),
        ("MLSERVER_MODEL_URI".to_owned(), MODELS_PATH.to_owned()),
    ];
    match unit.implementation_str() {
        "TEMPO_SERVER" => defaults.push((
            "TEMPO_RUNTIME_OPTIONS".to_owned(),
            format!(
                "{{\"k8s_options\": {{\"defaultRuntime\": \"tempo.seldon.SeldonKubernetesRuntime\", \"namespace\": \"{}\"}}}}",
                context.namespace
            ),
        )),
        "HUGGINGFACE_SERVER" => {
            defaults.push(("MLSERVER_PARALLEL_WORKERS".to_owned(), "0".to_owned()));
            defaults.push(("XDG_CACHE_HOME".to_owned(), "/opt/mlserver".to_owned()));
        }
        _ => {}
    }
    // Env already on the container wins over MLServer's defaults.
    for (name, value) in defaults {
        add_env_if_absent(container, &name, &value);
    }
    container.ports = vec![
        ContainerPort::tcp(Some("grpc"), grpc),
        ContainerPort::tcp(Some("http"), http),
    ];
    container.readiness_probe = Some(v2_probe(
        "/v2/health/ready",
        20,
        container.readiness_probe.take(),
    ));
    container.liveness_probe = Some(v2_probe(
        "/v2/health/live",
        20,
        container.liveness_probe.take(),
    ));
}

/// §8.4: Triton for the v2 protocol.
fn triton(context: &Context<'_>, unit: &PredictiveUnit, pod: &mut PodSpec, k: usize) {
    let endpoint = unit.endpoint.clone().unwrap_or_default();
    let http = endpoint.http_port.unwrap_or_default();
    let grpc = endpoint.grpc_port.unwrap_or_default();
    let no_initializer = context
        .sdep
        .spec
        .annotations
        .get(ANNOTATION_NO_STORAGE_INITIALIZER)
        .is_some_and(|v| v == "true");
    let uri = unit.model_uri.clone().unwrap_or_default();
    let container = &mut pod.containers[k];
    if container.args.is_empty() {
        let repository = if no_initializer {
            uri
        } else {
            MODELS_PATH.to_owned()
        };
        let mut args = vec![
            "/opt/tritonserver/bin/tritonserver".to_owned(),
            format!("--grpc-port={grpc}"),
            format!("--http-port={http}"),
            format!("--model-repository={repository}"),
            "--strict-model-config=false".to_owned(),
        ];
        if no_initializer {
            for (parameter, flag) in [
                ("model_control_mode", "--model-control-mode"),
                ("load_model", "--load-model"),
                ("strict_model_config", "--strict-model-config"),
            ] {
                if let Some(p) = unit.parameters.iter().find(|p| p.name == parameter) {
                    args.push(format!("{flag}={}", p.value));
                }
            }
        }
        container.args = args;
    }
    container.ports = vec![
        ContainerPort::tcp(Some("grpc"), grpc),
        ContainerPort::tcp(Some("http"), http),
    ];
    let http_probe = |path: &str, delay: i32| Probe {
        http_get: Some(HttpGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::String("http".to_owned()),
            ..HttpGetAction::default()
        }),
        initial_delay_seconds: Some(delay),
        timeout_seconds: Some(1),
        period_seconds: Some(10),
        success_threshold: Some(1),
        failure_threshold: Some(3),
        ..Probe::default()
    };
    container
        .readiness_probe
        .get_or_insert_with(|| http_probe("/v2/health/ready", 20));
    container
        .liveness_probe
        .get_or_insert_with(|| http_probe("/v2/health/live", 60));
    if no_initializer {
        if let Some(secret) = unit
            .env_secret_ref_name
            .as_deref()
            .filter(|s| !s.is_empty())
        {
            container.env_from.push(EnvFromSource {
                secret_ref: Some(NameRef {
                    name: secret.to_owned(),
                    optional: None,
                }),
                ..EnvFromSource::default()
            });
        }
    } else {
        inject_initializer(context, unit, &unit.name, pod);
    }
}

/// §10: the storage initializer init container for the container that reads the model.
fn inject_initializer(
    context: &Context<'_>,
    unit: &PredictiveUnit,
    container: &str,
    pod: &mut PodSpec,
) {
    let uri = unit.model_uri.as_deref().unwrap_or_default();
    if uri.is_empty() {
        return;
    }
    let volume = provision_volume_name(container);
    let init_name = initializer_name(container);
    let model_mount = VolumeMount::new(&volume, MODELS_PATH, Some(true));
    let pvc = uri
        .strip_prefix("pvc://")
        .map(|rest| match rest.split_once('/') {
            Some((claim, path)) => (claim.to_owned(), format!("{PVC_SOURCE_PATH}/{path}")),
            None => (rest.to_owned(), format!("{PVC_SOURCE_PATH}/")),
        });
    let pvc_mount = VolumeMount::new(PVC_SOURCE_VOLUME, PVC_SOURCE_PATH, Some(true));

    let exists = pod.init_containers.iter().any(|c| c.name == init_name);
    if let Some(user) = pod.containers.iter_mut().find(|c| c.name == container) {
        if !user.mounts_at(MODELS_PATH) {
            user.volume_mounts.push(model_mount);
        }
        if pvc.is_some() && !exists && !user.mounts_at(PVC_SOURCE_PATH) {
            user.volume_mounts.push(pvc_mount.clone());
        }
    }
    if exists {
        return;
    }
    if !pod.volumes.iter().any(|v| v.name == volume) {
        pod.volumes.push(Volume {
            name: volume.clone(),
            empty_dir: Some(json!({})),
            ..Volume::default()
        });
    }
    let mut mounts = Vec::new();
    let source = match &pvc {
        Some((claim, path)) => {
            if !pod.volumes.iter().any(|v| v.name == PVC_SOURCE_VOLUME) {
                pod.volumes.push(Volume {
                    name: PVC_SOURCE_VOLUME.to_owned(),
                    persistent_volume_claim: Some(json!({"claimName": claim})),
                    ..Volume::default()
                });
            }
            mounts.push(pvc_mount);
            path.clone()
        }
        None => uri.to_owned(),
    };
    mounts.push(VolumeMount::new(&volume, MODELS_PATH, None));
    let image = if context.old {
        context.config.storage_initializer_image()
    } else {
        unit.storage_initializer_image
            .clone()
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| context.config.storage_initializer_image())
    };
    let storage = &context.config.storage_initializer;
    let quantities = |cpu: &str, memory: &str| {
        BTreeMap::from([
            ("cpu".to_owned(), Quantity::new(cpu)),
            ("memory".to_owned(), Quantity::new(memory)),
        ])
    };
    let env_from = unit
        .env_secret_ref_name
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|secret| EnvFromSource {
            secret_ref: Some(NameRef {
                name: secret.to_owned(),
                optional: None,
            }),
            ..EnvFromSource::default()
        });
    pod.init_containers.push(Container {
        image: Some(image),
        args: vec![source, MODELS_PATH.to_owned()],
        image_pull_policy: Some("IfNotPresent".to_owned()),
        termination_message_path: Some("/dev/termination-log".to_owned()),
        termination_message_policy: Some("File".to_owned()),
        resources: Some(ResourceRequirements {
            limits: quantities(&storage.cpu_limit, &storage.memory_limit),
            requests: quantities(&storage.cpu_request, &storage.memory_request),
            claims: None,
        }),
        volume_mounts: mounts,
        env_from: env_from.into_iter().collect(),
        ..Container::named(&init_name)
    });
}

/// §11.3: base64 of the defaulted predictor's JSON, with upstream's adjustments.
pub(super) fn engine_predictor(predictor: &PredictorSpec) -> String {
    let mut value = serde_json::to_value(predictor).expect("predictor serialises to JSON");
    if let Some(object) = value.as_object_mut() {
        object.remove("traffic");
        object.remove("explainer");
        object.insert("replicas".to_owned(), json!(0));
        object.entry("engineResources").or_insert_with(|| json!({}));
        object.entry("svcOrchSpec").or_insert_with(|| json!({}));
        if let Some(Value::Array(components)) = object.get_mut("componentSpecs") {
            for component in components {
                if let Some(component) = component.as_object_mut() {
                    let metadata = component.entry("metadata").or_insert_with(|| json!({}));
                    if let Some(metadata) = metadata.as_object_mut() {
                        metadata.insert("creationTimestamp".to_owned(), Value::Null);
                    }
                }
            }
        }
    }
    let json = serde_json::to_vec(&value).expect("JSON value serialises");
    base64::engine::general_purpose::STANDARD.encode(json)
}

/// §11.1 / §11.2: the executor container.
#[allow(clippy::too_many_lines)] // one field after another, as upstream sets them
fn executor_container(context: &Context<'_>, predictor: &PredictorSpec) -> Container {
    let annotation = |key: &str| {
        context.sdep.spec.annotations.get(key).or_else(|| {
            if context.old {
                None
            } else {
                context.sdep.metadata.annotations.get(key)
            }
        })
    };
    let mut args: Vec<String> = vec![
        "--sdep".into(),
        context.name().into(),
        "--namespace".into(),
        context.namespace.into(),
        "--predictor".into(),
        predictor.name.clone(),
    ];
    if context.old {
        args.extend(["--port".into(), ENGINE_HTTP_PORT.to_string()]);
        args.extend(["--protocol".into(), context.protocol.into()]);
        args.extend(["--prometheus_path".into(), PROMETHEUS_PATH.into()]);
    } else {
        let queue = annotation(ANNOTATION_LOGGER_QUEUE_SIZE).map_or("10000", String::as_str);
        let timeout = annotation(ANNOTATION_LOGGER_WRITE_TIMEOUT).map_or("2000", String::as_str);
        args.extend(["--http_port".into(), ENGINE_HTTP_PORT.to_string()]);
        args.extend(["--grpc_port".into(), ENGINE_GRPC_PORT.to_string()]);
        args.extend(["--protocol".into(), context.protocol.into()]);
        args.extend(["--transport".into(), context.sdep.spec.transport().into()]);
        args.extend(["--prometheus_path".into(), PROMETHEUS_PATH.into()]);
        args.extend([
            "--server_type".into(),
            context.sdep.spec.server_type().into(),
        ]);
        args.extend(["--log_work_buffer_size".into(), queue.to_owned()]);
        args.extend(["--log_write_timeout_ms".into(), timeout.to_owned()]);
        args.push("--full_health_checks=false".into());
    }

    let mut env = vec![
        EnvVar::new(ENV_ENGINE_PREDICTOR, engine_predictor(predictor)),
        EnvVar::new("REQUEST_LOGGER_DEFAULT_ENDPOINT", "http://default-broker"),
    ];
    if let Some(orch) = &predictor.svc_orch_spec {
        env.extend(orch.env.iter().cloned());
    }
    for (key, value) in &context.sdep.spec.annotations {
        let Some(rest) = key.strip_prefix("seldon.io/engine-") else {
            continue;
        };
        if key == ANNOTATION_SEPARATE_ENGINE || rest == "java-opts" {
            continue;
        }
        let name = rest.replace('-', "_").to_uppercase();
        if !env.iter().any(|e| e.name == name) {
            env.push(EnvVar::new(&name, value.as_str()));
        }
    }
    if context.old
        && !env
            .iter()
            .any(|e| e.name == "SELDON_LOG_MESSAGES_EXTERNALLY")
    {
        env.push(EnvVar::new("SELDON_LOG_MESSAGES_EXTERNALLY", "false"));
    }

    let https = !context.old
        && predictor
            .ssl
            .as_ref()
            .and_then(|s| s.cert_secret_name.as_deref())
            .is_some_and(|s| !s.is_empty());
    let probe = |path: &str| Probe {
        http_get: Some(HttpGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::Int(ENGINE_HTTP_PORT),
            scheme: Some(if https { "HTTPS" } else { "HTTP" }.to_owned()),
            ..HttpGetAction::default()
        }),
        initial_delay_seconds: Some(20),
        period_seconds: Some(5),
        failure_threshold: Some(3),
        success_threshold: Some(1),
        timeout_seconds: Some(60),
        ..Probe::default()
    };
    let ports = if context.old {
        vec![
            ContainerPort::tcp(None, ENGINE_HTTP_PORT),
            ContainerPort::tcp(Some(METRICS_PORT_NAME), ENGINE_HTTP_PORT),
        ]
    } else {
        vec![
            ContainerPort::tcp(Some("http"), ENGINE_HTTP_PORT),
            ContainerPort::tcp(Some(METRICS_PORT_NAME), ENGINE_HTTP_PORT),
            ContainerPort::tcp(Some("grpc"), ENGINE_GRPC_PORT),
        ]
    };
    let resources = match predictor
        .svc_orch_spec
        .as_ref()
        .and_then(|o| o.resources.clone())
    {
        Some(resources) => resources,
        None if context.old => ResourceRequirements {
            requests: BTreeMap::from([("cpu".to_owned(), Quantity::new("100m"))]),
            ..ResourceRequirements::default()
        },
        None => {
            let both = BTreeMap::from([
                ("cpu".to_owned(), Quantity::new("500m")),
                ("memory".to_owned(), Quantity::new("512Mi")),
            ]);
            ResourceRequirements {
                limits: both.clone(),
                requests: both,
                claims: None,
            }
        }
    };
    Container {
        image: Some(context.config.executor_image.clone()),
        args,
        env,
        ports,
        readiness_probe: Some(probe("/ready")),
        liveness_probe: Some(probe("/live")),
        resources: Some(resources),
        security_context: Some(SecurityContext {
            run_as_user: Some(DEFAULT_USER_ID),
            allow_privilege_escalation: if context.old { None } else { Some(false) },
            ..SecurityContext::default()
        }),
        volume_mounts: vec![VolumeMount::new(
            PODINFO_VOLUME_NAME,
            PODINFO_VOLUME_PATH,
            None,
        )],
        image_pull_policy: Some("IfNotPresent".to_owned()),
        termination_message_path: Some("/dev/termination-log".to_owned()),
        termination_message_policy: Some("File".to_owned()),
        ..Container::named(ENGINE_CONTAINER_NAME)
    }
}

/// §9.2: the predictor Service in front of the executor (or of the unit with no engine).
fn predictor_service(
    context: &Context<'_>,
    predictor: &PredictorSpec,
    key: &str,
    ports: Vec<ServicePort>,
) -> Service {
    let headless = context
        .sdep
        .spec
        .annotations
        .get(ANNOTATION_HEADLESS_SVC)
        .is_some_and(|v| v != "false");
    Service {
        api_version: "v1",
        kind: "Service",
        metadata: ObjectMeta {
            labels: labels(&[
                (LABEL_SELDON_APP, key),
                (LABEL_SELDON_ID, &context.seldon_id),
                (LABEL_MANAGED_BY, "seldon-core"),
            ]),
            annotations: if context.old {
                BTreeMap::new()
            } else {
                predictor.annotations.clone()
            },
            ..context.meta(key)
        },
        spec: ServiceSpec {
            r#type: "ClusterIP",
            session_affinity: "None",
            selector: labels(&[(LABEL_SELDON_APP, key)]),
            ports,
            cluster_ip: headless.then(|| "None".to_owned()),
        },
    }
}

/// §11.5: the separate executor Deployment (its container is added later).
fn svc_orch_deployment(context: &Context<'_>, predictor: &PredictorSpec, key: &str) -> Deployment {
    let name = svc_orch_name(context.name(), &predictor.name);
    // Upstream passes the predictor key as the seldon id here, so both labels carry it.
    let mut meta_labels = labels(&[
        (LABEL_SVC_ORCH, "true"),
        (LABEL_SELDON_APP, key),
        (LABEL_SELDON_ID, key),
        ("app", &name),
        ("version", "v1"),
        ("fluentd", "true"),
    ]);
    meta_labels.extend(predictor.labels.clone());
    let mut spec = PodSpec {
        service_account_name: Some("default".to_owned()),
        termination_grace_period_seconds: Some(20),
        ..PodSpec::default()
    };
    ensure_podinfo_volume(&mut spec);
    let replicas = predictor
        .svc_orch_spec
        .as_ref()
        .and_then(|o| o.replicas)
        .or(predictor.replicas)
        .or(context.sdep.spec.replicas);
    Deployment {
        api_version: "apps/v1",
        kind: "Deployment",
        metadata: ObjectMeta {
            labels: meta_labels,
            ..context.meta(&name)
        },
        spec: DeploymentSpec {
            replicas,
            selector: LabelSelector {
                match_labels: labels(&[(LABEL_SELDON_APP, key), (LABEL_SELDON_ID, key)]),
            },
            template: PodTemplateSpec {
                metadata: ObjectMeta {
                    labels: labels(&[
                        (LABEL_SELDON_APP, key),
                        (LABEL_SELDON_ID, key),
                        ("app", &name),
                    ]),
                    annotations: labels(&[
                        ("prometheus.io/path", PROMETHEUS_PATH),
                        ("prometheus.io/scrape", "true"),
                    ]),
                    ..ObjectMeta::default()
                },
                spec,
            },
            strategy: json!({"rollingUpdate": {"maxUnavailable": "10%"}, "type": "RollingUpdate"}),
            progress_deadline_seconds: None,
        },
    }
}

/// §12: the explainer Deployment and Service.
#[allow(clippy::too_many_lines)] // one field after another, as upstream sets them
fn explainer_objects(
    context: &Context<'_>,
    predictor: &PredictorSpec,
    key: &str,
) -> (Deployment, Service) {
    let explainer = predictor.explainer.clone().unwrap_or_default();
    let name = explainer_name(context.name(), &predictor.name);
    let mut container = explainer.container_spec.clone().unwrap_or_default();
    if container.name.is_empty() {
        container.name.clone_from(&name);
    }
    let v2 = !context.old && matches!(context.protocol, "kfserving" | "v2");
    if container.image.as_deref().unwrap_or_default().is_empty() {
        let image = if v2 {
            &context.config.explainer.image_v2
        } else {
            &context.config.explainer.image
        };
        container.image = Some(image.clone());
    }
    let port = explainer
        .endpoint
        .as_ref()
        .and_then(|e| e.service_port)
        .unwrap_or(9000);
    if container.port_named("http").is_none() {
        container.ports.push(ContainerPort::tcp(Some("http"), port));
    }
    let grpc = context.sdep.spec.transport() == "grpc";
    let explainer_type = explainer.r#type.clone().unwrap_or_default();
    let has_model = explainer
        .model_uri
        .as_deref()
        .is_some_and(|u| !u.is_empty());
    if v2 {
        let extra = format!(
            "{{\"explainer_type\":\"{}\",\"infer_uri\":\"http://{key}.{}:8000/v2/models/{}/infer\"}}",
            explainer_type, context.namespace, predictor.graph.name
        );
        for (n, v) in [
            ("MLSERVER_HTTP_PORT", port.to_string()),
            (
                "MLSERVER_MODEL_IMPLEMENTATION",
                "mlserver_alibi_explain.AlibiExplainRuntime".to_owned(),
            ),
            ("MLSERVER_MODEL_NAME", name.clone()),
            ("MLSERVER_MODEL_URI", MODELS_PATH.to_owned()),
            ("MLSERVER_MODEL_EXTRA", extra),
        ] {
            add_env_if_absent(&mut container, n, &v);
        }
    } else if container.args.is_empty() {
        let model_name = if context.old {
            context.name()
        } else {
            predictor.graph.name.as_str()
        };
        let protocol = if context.old || context.protocol != "tensorflow" {
            "seldon"
        } else {
            "tensorflow"
        };
        let transport = if grpc { "grpc" } else { "http" };
        let engine_port = if grpc {
            ENGINE_GRPC_PORT
        } else {
            ENGINE_HTTP_PORT
        };
        let mut args = vec![
            format!("--model_name={model_name}"),
            format!("--predictor_host={key}.{}:{engine_port}", context.namespace),
            format!("--protocol={protocol}.{transport}"),
            format!("--http_port={port}"),
        ];
        if has_model {
            args.push(format!("--storage_uri={MODELS_PATH}"));
        }
        args.push(explainer_type.clone());
        if explainer_type == "AnchorImages" {
            args.push("--tf_data_type=float32".to_owned());
        }
        let uri = explainer.model_uri.clone().unwrap_or_default();
        for (k, v) in &explainer.config {
            let value = if uri.is_empty() {
                v.clone()
            } else {
                v.replace(&uri, MODELS_PATH)
            };
            args.push(format!("--{k}={value}"));
        }
        container.args = args;
    }
    let tcp = |delay: i32, failure: i32| Probe {
        tcp_socket: Some(TcpSocketAction {
            port: IntOrString::Int(port),
            host: None,
        }),
        initial_delay_seconds: Some(delay),
        period_seconds: Some(5),
        failure_threshold: Some(failure),
        ..Probe::default()
    };
    container.liveness_probe.get_or_insert_with(|| tcp(60, 5));
    container.readiness_probe.get_or_insert_with(|| tcp(20, 7));
    container.lifecycle.get_or_insert_with(
        || json!({"preStop": {"exec": {"command": ["/bin/sh", "-c", "/bin/sleep 10"]}}}),
    );
    let mut spec = PodSpec {
        containers: vec![container],
        ..PodSpec::default()
    };
    default_pod_spec(context, &mut spec);
    if has_model {
        let unit = PredictiveUnit {
            name: name.clone(),
            model_uri: explainer.model_uri.clone(),
            env_secret_ref_name: explainer.env_secret_ref_name.clone(),
            storage_initializer_image: explainer.storage_initializer_image.clone(),
            ..PredictiveUnit::default()
        };
        inject_initializer(context, &unit, &name, &mut spec);
    }
    let app_labels = labels(&[
        (LABEL_SELDON_ID, &context.seldon_id),
        ("app", &name),
        ("fluentd", "true"),
    ]);
    let mut meta_labels = app_labels.clone();
    meta_labels.insert(LABEL_MANAGED_BY.to_owned(), "seldon-core".to_owned());
    let deployment = Deployment {
        api_version: "apps/v1",
        kind: "Deployment",
        metadata: ObjectMeta {
            labels: meta_labels,
            ..context.meta(&name)
        },
        spec: DeploymentSpec {
            replicas: if context.old {
                None
            } else {
                explainer.replicas
            },
            selector: LabelSelector {
                match_labels: labels(&[(LABEL_SELDON_APP, &name)]),
            },
            template: PodTemplateSpec {
                metadata: ObjectMeta {
                    labels: {
                        let mut l = app_labels.clone();
                        l.insert(LABEL_SELDON_APP.to_owned(), name.clone());
                        l
                    },
                    ..ObjectMeta::default()
                },
                spec,
            },
            strategy: json!({"rollingUpdate": {"maxUnavailable": "10%"}, "type": "RollingUpdate"}),
            progress_deadline_seconds: None,
        },
    };
    let service = Service {
        api_version: "v1",
        kind: "Service",
        metadata: ObjectMeta {
            labels: labels(&[
                (LABEL_SELDON_APP, &name),
                (LABEL_SELDON_ID, &context.seldon_id),
            ]),
            ..context.meta(&name)
        },
        spec: ServiceSpec {
            r#type: "ClusterIP",
            session_affinity: "None",
            selector: labels(&[(LABEL_SELDON_APP, &name)]),
            ports: vec![ServicePort::tcp("http", port, port)],
            cluster_ip: None,
        },
    };
    (deployment, service)
}
