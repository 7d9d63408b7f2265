//! The operator's defaulting (`Default()` in 1.2.1's webhook, `defaults.go` in 1.18.2),
//! applied in place so it can be printed and snapshot-tested.
//!
//! What it sets: the namespace, predictor `version` labels, graph node types and
//! implementations, unit ports (shared counters across predictors, keyed by container name),
//! endpoints, the podinfo mount and metrics port of unit containers, and a container for
//! every prepackaged unit. What it never sets (as upstream): protocol, transport, replicas,
//! traffic, env vars.

use std::collections::BTreeMap;

use super::consts::{
    ANNOTATION_SEPARATE_ENGINE, FIRST_METRICS_PORT, FIRST_UNIT_GRPC_PORT, FIRST_UNIT_PORT,
    METRICS_PORT_NAME, PODINFO_VOLUME_NAME, PODINFO_VOLUME_PATH,
};
use super::names::container_service_name;
use super::{
    Container, ContainerPort, Endpoint, EndpointType, ObjectMeta, OperatorConfig, PredictiveUnit,
    PredictiveUnitImplementation, PredictiveUnitType, PredictorSpec, SeldonDeployment,
    SeldonPodSpec, VolumeMount,
};

/// Applies the operator's defaulting to `sdep` in place.
pub fn apply(sdep: &mut SeldonDeployment, config: &OperatorConfig) {
    if sdep
        .metadata
        .namespace
        .as_deref()
        .unwrap_or_default()
        .is_empty()
    {
        sdep.metadata.namespace = Some("default".to_owned());
    }
    let context = Context {
        old: config.version.is_old(),
        sdep: sdep.name().to_owned(),
        namespace: sdep.namespace().to_owned(),
        separate_engine: separate_engine(sdep, config.version.is_old()),
        grpc_transport: sdep.spec.transport() == "grpc",
        protocol: sdep.spec.protocol().to_owned(),
    };
    let mut ports = Ports::default();
    for predictor in &mut sdep.spec.predictors {
        default_predictor(&context, config, &mut ports, predictor);
    }
}

/// Whether the executor goes in its own pod (1.2.1: key present; 1.18: `"true"`).
#[must_use]
pub fn separate_engine(sdep: &SeldonDeployment, old: bool) -> bool {
    match sdep.spec.annotations.get(ANNOTATION_SEPARATE_ENGINE) {
        None => false,
        Some(_) if old => true,
        Some(value) => value.eq_ignore_ascii_case("true"),
    }
}

struct Context {
    old: bool,
    sdep: String,
    namespace: String,
    separate_engine: bool,
    grpc_transport: bool,
    protocol: String,
}

/// The operator's port counters; global across predictors, keyed by container name.
#[derive(Default)]
struct Ports {
    http: BTreeMap<String, i32>,
    grpc: BTreeMap<String, i32>,
    metrics_used: i32,
}

impl Ports {
    /// The (http, grpc) ports of a container name, allocating the next ones if new.
    fn allocate(&mut self, name: &str) -> (i32, i32) {
        let next_http = FIRST_UNIT_PORT + i32::try_from(self.http.len()).unwrap_or(i32::MAX);
        let next_grpc = FIRST_UNIT_GRPC_PORT + i32::try_from(self.grpc.len()).unwrap_or(i32::MAX);
        let http = *self.http.entry(name.to_owned()).or_insert(next_http);
        let grpc = *self.grpc.entry(name.to_owned()).or_insert(next_grpc);
        (http, grpc)
    }

    fn next_metrics(&mut self) -> i32 {
        let port = FIRST_METRICS_PORT + self.metrics_used;
        self.metrics_used += 1;
        port
    }
}

fn default_predictor(
    context: &Context,
    config: &OperatorConfig,
    ports: &mut Ports,
    predictor: &mut PredictorSpec,
) {
    predictor
        .labels
        .entry("version".to_owned())
        .or_insert_with(|| predictor.name.clone());
    default_graph(&mut predictor.graph);

    // Pass A: the containers the user wrote, in order. Every one consumes port numbers.
    for j in 0..predictor.component_specs.len() {
        for k in 0..predictor.component_specs[j].spec.containers.len() {
            let name = predictor.component_specs[j].spec.containers[k].name.clone();
            let allocated = ports.allocate(&name);
            if predictor.graph.find(&name).is_some() {
                let container = &mut predictor.component_specs[j].spec.containers[k];
                let endpoint = find_unit(&predictor.graph, &name).and_then(|u| u.endpoint.clone());
                let endpoint = unit_defaults(
                    context,
                    &predictor.name,
                    container,
                    endpoint,
                    j,
                    allocated,
                    ports,
                );
                set_endpoint(&mut predictor.graph, &name, &endpoint);
            }
        }
    }

    // Pass B: prepackaged units, in graph pre-order; each gets a container if it has none.
    let prepack: Vec<(String, String)> = predictor
        .graph
        .preorder()
        .into_iter()
        .filter(|unit| unit.is_prepack())
        .map(|unit| (unit.name.clone(), unit.implementation_str().to_owned()))
        .collect();
    for (name, implementation) in prepack {
        let existing = locate_container(predictor, &name);
        let mut container = match existing {
            Some((j, k)) => predictor.component_specs[j].spec.containers[k].clone(),
            None => Container {
                volume_mounts: vec![VolumeMount::new(
                    PODINFO_VOLUME_NAME,
                    PODINFO_VOLUME_PATH,
                    None,
                )],
                ..Container::named(&name)
            },
        };
        let allocated = ports.allocate(&name);
        // Quirk of 1.2.1: the host is computed as if the container were in componentSpecs[0].
        let index = if context.old {
            0
        } else {
            existing.map_or(0, |(j, _)| j)
        };
        let endpoint = find_unit(&predictor.graph, &name).and_then(|u| u.endpoint.clone());
        let endpoint = unit_defaults(
            context,
            &predictor.name,
            &mut container,
            endpoint,
            index,
            allocated,
            ports,
        );
        if context.protocol != "tensorflow"
            && container.image.as_deref().unwrap_or_default().is_empty()
            && let Some(server) = config.server(&implementation)
        {
            let image = if context.old {
                let spec = match endpoint.r#type {
                    Some(EndpointType::Grpc) => server.grpc.as_ref(),
                    _ => server.rest.as_ref(),
                };
                spec.map(super::ImageSpec::reference)
            } else {
                server.image_for_protocol(&context.protocol)
            };
            container.image = image.filter(|i| !i.is_empty());
        }
        set_endpoint(&mut predictor.graph, &name, &endpoint);
        if let Some((j, k)) = existing {
            predictor.component_specs[j].spec.containers[k] = container;
        } else {
            if predictor.component_specs.is_empty() {
                predictor.component_specs.push(SeldonPodSpec {
                    metadata: Some(ObjectMeta {
                        creation_timestamp: Some(serde_json::Value::Null),
                        ..ObjectMeta::default()
                    }),
                    ..SeldonPodSpec::default()
                });
            }
            predictor.component_specs[0].spec.containers.push(container);
        }
    }
}

/// Graph defaults (`addDefaultsToGraph`), the same in both versions.
fn default_graph(unit: &mut PredictiveUnit) {
    if unit.r#type.is_none() && unit.methods.is_none() && unit.implementation.is_none() {
        unit.r#type = Some(PredictiveUnitType::Model);
    }
    match &unit.implementation {
        None => {
            unit.implementation = Some(PredictiveUnitImplementation::new(
                PredictiveUnitImplementation::UNKNOWN_IMPLEMENTATION,
            ));
        }
        Some(implementation) if implementation.is_prepack() => {
            unit.r#type = Some(PredictiveUnitType::Model);
        }
        Some(_) => {}
    }
    for child in &mut unit.children {
        default_graph(child);
    }
}

/// `setContainerPredictiveUnitDefaults`: fills the container and returns the unit's endpoint.
fn unit_defaults(
    context: &Context,
    predictor: &str,
    container: &mut Container,
    endpoint: Option<Endpoint>,
    component_index: usize,
    (http, grpc): (i32, i32),
    ports: &mut Ports,
) -> Endpoint {
    let mut endpoint = endpoint.unwrap_or_else(|| {
        if context.old {
            let r#type = if context.grpc_transport {
                EndpointType::Grpc
            } else {
                EndpointType::Rest
            };
            Endpoint {
                r#type: Some(r#type),
                ..Endpoint::default()
            }
        } else {
            Endpoint::default()
        }
    });
    if !context.old {
        fill_empty(&mut container.image_pull_policy, "IfNotPresent");
        fill_empty(
            &mut container.termination_message_path,
            "/dev/termination-log",
        );
        fill_empty(&mut container.termination_message_policy, "File");
    }
    let named = |name: &str| container.port_named(name).map(|p| p.container_port);
    let (http, grpc) = (named("http").unwrap_or(http), named("grpc").unwrap_or(grpc));
    let old_port = {
        let grpc_endpoint = endpoint.r#type == Some(EndpointType::Grpc);
        named(if grpc_endpoint { "grpc" } else { "http" }).unwrap_or(http)
    };

    container.volume_mounts.retain(|m| m.name != "podinfo");
    if !container
        .volume_mounts
        .iter()
        .any(|m| m.name == PODINFO_VOLUME_NAME)
    {
        container.volume_mounts.push(VolumeMount::new(
            PODINFO_VOLUME_NAME,
            PODINFO_VOLUME_PATH,
            None,
        ));
    }
    if container.port_named(METRICS_PORT_NAME).is_none() {
        container.ports.push(ContainerPort::tcp(
            Some(METRICS_PORT_NAME),
            ports.next_metrics(),
        ));
    }

    let local = component_index == 0 && !context.separate_engine;
    let service = container_service_name(&context.sdep, predictor, &container.name);
    endpoint.service_host = Some(if local {
        "localhost".to_owned()
    } else if context.old {
        format!("{service}.{}.svc.cluster.local.", context.namespace)
    } else {
        format!("{service}.{}.svc.cluster.local", context.namespace)
    });
    if context.old {
        endpoint.service_port = Some(old_port);
    } else {
        let grpc_endpoint = endpoint.r#type == Some(EndpointType::Grpc) || context.grpc_transport;
        endpoint.service_port = Some(if grpc_endpoint { grpc } else { http });
        endpoint.http_port = Some(http);
        endpoint.grpc_port = Some(grpc);
    }
    endpoint
}

fn fill_empty(field: &mut Option<String>, value: &str) {
    if field.as_deref().unwrap_or_default().is_empty() {
        *field = Some(value.to_owned());
    }
}

fn locate_container(predictor: &PredictorSpec, name: &str) -> Option<(usize, usize)> {
    predictor
        .component_specs
        .iter()
        .enumerate()
        .find_map(|(j, component)| {
            component
                .spec
                .containers
                .iter()
                .position(|c| c.name == name)
                .map(|k| (j, k))
        })
}

fn find_unit<'a>(unit: &'a PredictiveUnit, name: &str) -> Option<&'a PredictiveUnit> {
    unit.find(name)
}

/// Sets the endpoint of every node with this name. Upstream sets only the first, which leaves
/// a unit used twice in one graph without an endpoint; the executor cannot call that.
fn set_endpoint(unit: &mut PredictiveUnit, name: &str, endpoint: &Endpoint) {
    if unit.name == name {
        unit.endpoint = Some(endpoint.clone());
    }
    for child in &mut unit.children {
        set_endpoint(child, name, endpoint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdep::{SeldonVersion, load};

    fn defaulted(yaml: &str, version: SeldonVersion) -> SeldonDeployment {
        let mut sdep = load(yaml, "t.yaml").unwrap().documents.remove(0).sdep;
        apply(&mut sdep, &OperatorConfig::embedded(version));
        sdep
    }

    const SEED: &str = "apiVersion: machinelearning.seldon.io/v1alpha2
kind: SeldonDeployment
metadata:
  name: tfserving
spec:
  name: mnist
  predictors:
  - graph:
      children: []
      implementation: TENSORFLOW_SERVER
      modelUri: gs://seldon-models/tfserving/mnist-model
      name: mnist-model
      parameters:
        - name: signature_name
          type: STRING
          value: predict_images
        - name: model_name
          type: STRING
          value: mnist-model
    name: default
    replicas: 1
";

    #[test]
    fn the_seed_gets_a_proxy_container_and_a_localhost_endpoint_in_1_2_1() {
        let sdep = defaulted(SEED, SeldonVersion::V1_2_1);
        let predictor = &sdep.spec.predictors[0];
        let endpoint = predictor.graph.endpoint.clone().unwrap();
        assert_eq!(endpoint.service_host.as_deref(), Some("localhost"));
        assert_eq!(endpoint.service_port, Some(9000));
        assert_eq!(endpoint.r#type, Some(EndpointType::Rest));
        assert_eq!(predictor.graph.r#type, Some(PredictiveUnitType::Model));
        let container = &predictor.component_specs[0].spec.containers[0];
        assert_eq!(
            container.image.as_deref(),
            Some("seldonio/tfserving-proxy_rest:1.2.1")
        );
        assert_eq!(
            container.port_named("metrics").unwrap().container_port,
            6000
        );
        assert_eq!(predictor.labels["version"], "default");
        assert_eq!(sdep.namespace(), "default");
    }

    #[test]
    fn the_seed_gets_http_and_grpc_ports_in_1_18_2() {
        let sdep = defaulted(SEED, SeldonVersion::V1_18_2);
        let predictor = &sdep.spec.predictors[0];
        let endpoint = predictor.graph.endpoint.clone().unwrap();
        assert_eq!(endpoint.r#type, None);
        assert_eq!(
            (endpoint.http_port, endpoint.grpc_port),
            (Some(9000), Some(9500))
        );
        let container = &predictor.component_specs[0].spec.containers[0];
        assert_eq!(
            container.image.as_deref(),
            Some("seldonio/tfserving-proxy:1.18.2")
        );
        assert_eq!(container.image_pull_policy.as_deref(), Some("IfNotPresent"));
    }

    #[test]
    fn units_in_later_component_specs_get_cluster_hosts() {
        let yaml = "apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata: {name: s}
spec:
  predictors:
  - name: p
    componentSpecs:
    - spec: {containers: [{name: transformer, image: t}]}
    - spec: {containers: [{name: model, image: m}]}
    graph:
      name: transformer
      type: TRANSFORMER
      children: [{name: model, type: MODEL}]
";
        let old = defaulted(yaml, SeldonVersion::V1_2_1);
        let model = &old.spec.predictors[0].graph.children[0];
        let endpoint = model.endpoint.as_ref().unwrap();
        assert_eq!(
            endpoint.service_host.as_deref(),
            Some("s-p-model.default.svc.cluster.local.")
        );
        assert_eq!(endpoint.service_port, Some(9001));
        let new = defaulted(yaml, SeldonVersion::V1_18_2);
        let endpoint = new.spec.predictors[0].graph.children[0]
            .endpoint
            .clone()
            .unwrap();
        assert_eq!(
            endpoint.service_host.as_deref(),
            Some("s-p-model.default.svc.cluster.local")
        );
        assert_eq!(
            (endpoint.http_port, endpoint.grpc_port),
            (Some(9001), Some(9501))
        );
        let metrics = new.spec.predictors[0].component_specs[1].spec.containers[0]
            .port_named("metrics")
            .unwrap()
            .container_port;
        assert_eq!(metrics, 6001);
    }

    #[test]
    fn a_declared_http_port_wins_over_the_counter() {
        let yaml = "apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata: {name: s}
spec:
  predictors:
  - name: p
    componentSpecs:
    - spec: {containers: [{name: m, image: i, ports: [{name: http, containerPort: 7777}]}]}
    graph: {name: m}
";
        for version in SeldonVersion::ALL {
            let sdep = defaulted(yaml, version);
            let endpoint = sdep.spec.predictors[0].graph.endpoint.clone().unwrap();
            assert_eq!(endpoint.service_port, Some(7777), "{version}");
        }
    }

    #[test]
    fn the_same_container_name_in_two_predictors_shares_a_port() {
        let yaml = "apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata: {name: s}
spec:
  predictors:
  - name: a
    traffic: 50
    componentSpecs: [{spec: {containers: [{name: m, image: i}]}}]
    graph: {name: m}
  - name: b
    traffic: 50
    componentSpecs: [{spec: {containers: [{name: other, image: i}, {name: m, image: i}]}}]
    graph: {name: m}
";
        let sdep = defaulted(yaml, SeldonVersion::V1_18_2);
        let port = |p: usize| {
            sdep.spec.predictors[p]
                .graph
                .endpoint
                .clone()
                .unwrap()
                .service_port
        };
        assert_eq!(port(0), Some(9000));
        assert_eq!(port(1), Some(9000));
    }

    #[test]
    fn nodes_with_only_methods_keep_no_type() {
        let yaml = "apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata: {name: s}
spec:
  predictors:
  - name: p
    componentSpecs: [{spec: {containers: [{name: r, image: i}]}}]
    graph: {name: r, methods: [ROUTE]}
";
        let sdep = defaulted(yaml, SeldonVersion::V1_18_2);
        let graph = &sdep.spec.predictors[0].graph;
        assert_eq!(graph.r#type, None);
        assert_eq!(graph.implementation_str(), "UNKNOWN_IMPLEMENTATION");
    }

    #[test]
    fn applying_twice_equals_applying_once() {
        for version in SeldonVersion::ALL {
            let once = defaulted(SEED, version);
            let mut twice = once.clone();
            apply(&mut twice, &OperatorConfig::embedded(version));
            assert_eq!(once, twice, "{version}");
        }
    }
}
