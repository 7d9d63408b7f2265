//! The inference graph as the executor receives it: `ENGINE_PREDICTOR`, the base64 of the
//! defaulted `PredictorSpec` JSON (Go json tags), read into the executor's own types.
//!
//! Only what the executor uses is read; every other key of the PredictorSpec is ignored, as the
//! Go executor ignores it.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::ExecutorError;

/// `PredictiveUnitType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    /// `UNKNOWN_TYPE` or absent.
    Unknown,
    /// `ROUTER`.
    Router,
    /// `COMBINER`.
    Combiner,
    /// `MODEL`.
    Model,
    /// `TRANSFORMER`.
    Transformer,
    /// `OUTPUT_TRANSFORMER`.
    OutputTransformer,
}

/// `PredictiveUnitMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `TRANSFORM_INPUT`.
    TransformInput,
    /// `TRANSFORM_OUTPUT`.
    TransformOutput,
    /// `ROUTE`.
    Route,
    /// `AGGREGATE`.
    Aggregate,
    /// `SEND_FEEDBACK`.
    SendFeedback,
}

/// One graph node with its resolved endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The unit name (also its container name).
    pub name: String,
    /// The node type.
    pub kind: NodeType,
    /// The implementation (`RANDOM_ABTEST`, `TENSORFLOW_SERVER`, …), empty when none.
    pub implementation: String,
    /// Explicit methods.
    pub methods: Vec<Method>,
    /// Host to call.
    pub host: String,
    /// Port for REST calls (`httpPort`, else `service_port` as in 1.2.1).
    pub http_port: u16,
    /// Port for the TCP readiness check (`service_port`, else `httpPort`).
    pub service_port: u16,
    /// Port for gRPC calls (`grpcPort`; 0 when absent).
    pub grpc_port: u16,
    /// Parameters by name (the last duplicate wins).
    pub parameters: BTreeMap<String, String>,
    /// The node's container image, from `componentSpecs` (empty when unknown).
    pub image: String,
    /// The request-logger mode (`request`, `response`, `all`) if the node has a `logger`.
    pub logger: Option<String>,
    /// The request logger's `url`, when the node names one (else the executor's default).
    pub logger_url: Option<String>,
    /// Children, in order.
    pub children: Vec<Node>,
}

impl Node {
    fn has(&self, method: Method) -> bool {
        self.methods.contains(&method)
    }

    /// Transform-input step: `transform-input` for transformers and `TRANSFORM_INPUT`, `predict`
    /// for models, nothing otherwise.
    #[must_use]
    pub fn input_call(&self) -> Option<UnitCall> {
        if self.kind == NodeType::Transformer || self.has(Method::TransformInput) {
            Some(UnitCall::TransformInput)
        } else if self.kind == NodeType::Model {
            Some(UnitCall::Predict)
        } else {
            None
        }
    }

    /// Whether the unit is asked where to route.
    #[must_use]
    pub fn routes(&self) -> bool {
        self.kind == NodeType::Router || self.has(Method::Route)
    }

    /// Whether the unit aggregates its children's outputs.
    #[must_use]
    pub fn aggregates(&self) -> bool {
        self.kind == NodeType::Combiner || self.has(Method::Aggregate)
    }

    /// Whether the unit transforms the output.
    #[must_use]
    pub fn transforms_output(&self) -> bool {
        self.kind == NodeType::OutputTransformer || self.has(Method::TransformOutput)
    }

    /// Whether the unit takes feedback.
    #[must_use]
    pub fn takes_feedback(&self) -> bool {
        matches!(self.kind, NodeType::Model | NodeType::Router) || self.has(Method::SendFeedback)
    }

    /// Depth-first search for a node by name.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<&Node> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }

    /// Every node, children before their parent.
    pub fn post_order<'a>(&'a self, out: &mut Vec<&'a Node>) {
        for child in &self.children {
            child.post_order(out);
        }
        out.push(self);
    }
}

/// The calls a node can receive on its predict path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitCall {
    /// `/predict`.
    Predict,
    /// `/transform-input`.
    TransformInput,
    /// `/transform-output`.
    TransformOutput,
    /// `/route`.
    Route,
    /// `/aggregate`.
    Aggregate,
    /// `/send-feedback`.
    SendFeedback,
}

/// The predictor the executor serves.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictor {
    /// Predictor name.
    pub name: String,
    /// The predictor's `version` annotation (the `predictor_version` metric label).
    pub version: String,
    /// The root node.
    pub graph: Node,
}

impl Predictor {
    /// Decodes `ENGINE_PREDICTOR` (standard base64 of the PredictorSpec JSON).
    pub fn from_engine_predictor(encoded: &str) -> Result<Self, ExecutorError> {
        let json = STANDARD
            .decode(encoded.trim())
            .map_err(ExecutorError::DecodePredictorBase64)?;
        Self::from_json(&json)
    }

    /// Reads the PredictorSpec JSON.
    pub fn from_json(json: &[u8]) -> Result<Self, ExecutorError> {
        let wire: PredictorWire =
            serde_json::from_slice(json).map_err(ExecutorError::ParsePredictor)?;
        let images: BTreeMap<String, String> = wire
            .component_specs
            .iter()
            .flatten()
            .filter_map(|c| c.spec.as_ref())
            .flat_map(|s| s.containers.iter())
            .map(|c| (c.name.clone(), c.image.clone().unwrap_or_default()))
            .collect();
        let graph = convert(wire.graph, &images, "graph")?;
        Ok(Self {
            name: wire.name,
            version: wire.annotations.get("version").cloned().unwrap_or_default(),
            graph,
        })
    }
}

fn convert(
    wire: NodeWire,
    images: &BTreeMap<String, String>,
    path: &str,
) -> Result<Node, ExecutorError> {
    let kind = match wire.kind.as_deref() {
        None | Some("" | "UNKNOWN_TYPE") => NodeType::Unknown,
        Some("ROUTER") => NodeType::Router,
        Some("COMBINER") => NodeType::Combiner,
        Some("MODEL") => NodeType::Model,
        Some("TRANSFORMER") => NodeType::Transformer,
        Some("OUTPUT_TRANSFORMER") => NodeType::OutputTransformer,
        Some(other) => {
            return Err(ExecutorError::InvalidNode {
                path: format!("{path}.type"),
                problem: format!("unknown type `{other}`"),
            });
        }
    };
    let methods = wire
        .methods
        .iter()
        .enumerate()
        .map(|(i, m)| match m.as_str() {
            "TRANSFORM_INPUT" => Ok(Method::TransformInput),
            "TRANSFORM_OUTPUT" => Ok(Method::TransformOutput),
            "ROUTE" => Ok(Method::Route),
            "AGGREGATE" => Ok(Method::Aggregate),
            "SEND_FEEDBACK" => Ok(Method::SendFeedback),
            other => Err(ExecutorError::InvalidNode {
                path: format!("{path}.methods[{i}]"),
                problem: format!("unknown method `{other}`"),
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let endpoint = wire.endpoint.unwrap_or_default();
    let port = |value: i32, field: &str| {
        u16::try_from(value).map_err(|_| ExecutorError::InvalidNode {
            path: format!("{path}.endpoint.{field}"),
            problem: format!("port `{value}` is out of range"),
        })
    };
    let http_port = port(endpoint.http_port, "httpPort")?;
    let service_port = port(endpoint.service_port, "service_port")?;
    let grpc_port = port(endpoint.grpc_port, "grpcPort")?;
    let children = wire
        .children
        .into_iter()
        .enumerate()
        .map(|(i, c)| convert(c, images, &format!("{path}.children[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Node {
        image: images.get(&wire.name).cloned().unwrap_or_default(),
        name: wire.name,
        kind,
        implementation: wire.implementation.unwrap_or_default(),
        methods,
        host: if endpoint.service_host.is_empty() {
            "localhost".to_owned()
        } else {
            endpoint.service_host
        },
        http_port: if http_port == 0 {
            service_port
        } else {
            http_port
        },
        service_port: if service_port == 0 {
            http_port
        } else {
            service_port
        },
        grpc_port,
        parameters: wire
            .parameters
            .into_iter()
            .map(|p| (p.name, p.value))
            .collect(),
        logger_url: wire
            .logger
            .as_ref()
            .and_then(|l| l.url.clone())
            .filter(|u| !u.is_empty()),
        logger: wire
            .logger
            .map(|l| l.mode.unwrap_or_else(|| "all".to_owned())),
        children,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PredictorWire {
    #[serde(default)]
    name: String,
    graph: NodeWire,
    #[serde(default)]
    component_specs: Option<Vec<ComponentSpecWire>>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct ComponentSpecWire {
    #[serde(default)]
    spec: Option<PodSpecWire>,
}

#[derive(Deserialize)]
struct PodSpecWire {
    #[serde(default)]
    containers: Vec<ContainerWire>,
}

#[derive(Deserialize)]
struct ContainerWire {
    #[serde(default)]
    name: String,
    #[serde(default)]
    image: Option<String>,
}

#[derive(Deserialize)]
struct NodeWire {
    name: String,
    #[serde(default)]
    children: Vec<NodeWire>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    implementation: Option<String>,
    #[serde(default)]
    methods: Vec<String>,
    #[serde(default)]
    endpoint: Option<EndpointWire>,
    #[serde(default)]
    parameters: Vec<ParameterWire>,
    #[serde(default)]
    logger: Option<LoggerWire>,
}

#[derive(Deserialize)]
struct LoggerWire {
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize, Default)]
struct EndpointWire {
    #[serde(default)]
    service_host: String,
    #[serde(default)]
    service_port: i32,
    #[serde(rename = "httpPort", default)]
    http_port: i32,
    #[serde(rename = "grpcPort", default)]
    grpc_port: i32,
}

#[derive(Deserialize)]
struct ParameterWire {
    name: String,
    #[serde(default)]
    value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the 1.18.2 operator puts in `ENGINE_PREDICTOR` for the seed deployment (abridged to
    /// the keys that matter plus a few it sets that the executor ignores).
    const SEED: &str = r#"{"name":"default","graph":{"name":"mnist-model","type":"MODEL",
        "implementation":"TENSORFLOW_SERVER","modelUri":"gs://seldon-models/tfserving/mnist-model",
        "endpoint":{"service_host":"localhost","service_port":9000,"httpPort":9000,"grpcPort":9500},
        "parameters":[{"name":"signature_name","value":"predict_images","type":"STRING"}],
        "logger":{"mode":"all"}},
        "componentSpecs":[{"metadata":{"creationTimestamp":null},"spec":{"containers":[
          {"name":"mnist-model","image":"seldonio/tfserving-proxy:1.18.2"}]}}],
        "replicas":0,"engineResources":{},"svcOrchSpec":{},"labels":{"version":"default"}}"#;

    #[test]
    fn engine_predictor_is_decoded() {
        let encoded = STANDARD.encode(SEED);
        let predictor = Predictor::from_engine_predictor(&encoded).unwrap();
        assert_eq!(predictor.name, "default");
        let node = &predictor.graph;
        assert_eq!(node.name, "mnist-model");
        assert_eq!(node.kind, NodeType::Model);
        assert_eq!(node.implementation, "TENSORFLOW_SERVER");
        assert_eq!(
            (node.host.as_str(), node.http_port, node.service_port),
            ("localhost", 9000, 9000)
        );
        assert_eq!(node.image, "seldonio/tfserving-proxy:1.18.2");
        assert_eq!(node.parameters["signature_name"], "predict_images");
        assert_eq!(node.input_call(), Some(UnitCall::Predict));
        assert_eq!(node.logger.as_deref(), Some("all"));
    }

    #[test]
    fn old_endpoints_without_http_port_use_service_port() {
        let predictor = Predictor::from_json(
            br#"{"name":"p","graph":{"name":"m","endpoint":{"service_host":"h","service_port":9000,"type":"REST"}}}"#,
        )
        .unwrap();
        assert_eq!(predictor.graph.http_port, 9000);
        assert_eq!(predictor.graph.kind, NodeType::Unknown);
        assert_eq!(predictor.graph.input_call(), None);
    }

    #[test]
    fn node_steps_follow_type_and_methods() {
        let json = br#"{"name":"p","graph":{"name":"t","type":"TRANSFORMER","children":[
            {"name":"r","type":"ROUTER","children":[{"name":"c","type":"COMBINER"}]},
            {"name":"o","type":"OUTPUT_TRANSFORMER"},
            {"name":"x","methods":["TRANSFORM_INPUT","AGGREGATE","SEND_FEEDBACK"]}]}}"#;
        let graph = Predictor::from_json(json).unwrap().graph;
        assert_eq!(graph.input_call(), Some(UnitCall::TransformInput));
        let router = graph.find("r").unwrap();
        assert!(router.routes() && router.takes_feedback() && !router.aggregates());
        assert!(graph.find("c").unwrap().aggregates());
        assert!(graph.find("o").unwrap().transforms_output());
        let x = graph.find("x").unwrap();
        assert_eq!(x.input_call(), Some(UnitCall::TransformInput));
        assert!(x.aggregates() && x.takes_feedback() && !x.routes());
        assert!(graph.find("nope").is_none());
        let mut order = Vec::new();
        graph.post_order(&mut order);
        let names: Vec<_> = order.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["c", "r", "o", "x", "t"]);
    }

    #[test]
    fn bad_predictors_are_rejected_with_a_path() {
        assert!(matches!(
            Predictor::from_engine_predictor("%%%"),
            Err(ExecutorError::DecodePredictorBase64(_))
        ));
        assert!(matches!(
            Predictor::from_json(b"{}"),
            Err(ExecutorError::ParsePredictor(_))
        ));
        let err = Predictor::from_json(
            br#"{"name":"p","graph":{"name":"a","children":[{"name":"b","type":"SPLITTER"}]}}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "graph.children[0].type: unknown type `SPLITTER`"
        );
        let err = Predictor::from_json(
            br#"{"name":"p","graph":{"name":"a","endpoint":{"httpPort":70000}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "graph.endpoint.httpPort: port `70000` is out of range"
        );
    }
}
