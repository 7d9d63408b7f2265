//! The `SeldonDeployment` resource as serde types, mirroring upstream's Go types
//! (`seldondeployment_types.go`) field for field, with their JSON names.
//!
//! `protocol`, `transport` and `serverType` stay strings: upstream accepts any string at the
//! schema level and rejects bad values in the webhook with its own messages, which
//! `validate` reproduces. Closed sets that upstream never validates (`type`, `methods`,
//! parameter `type`) are enums, so a typo is caught at load time with its path.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::pod::{Container, EnvVar, ObjectMeta, PodSpec, ResourceRequirements};

/// The API group of the resource.
pub const GROUP: &str = "machinelearning.seldon.io";
/// The kind of the resource.
pub const KIND: &str = "SeldonDeployment";
/// API versions served by the CRD; all three share one schema.
pub const API_VERSIONS: [&str; 3] = ["v1", "v1alpha2", "v1alpha3"];

/// A YAML `null` read as the type's default (Go decodes `null` into a nil slice or map).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A whole `SeldonDeployment` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeldonDeployment {
    /// `machinelearning.seldon.io/<version>`.
    pub api_version: String,
    /// Always `SeldonDeployment`.
    pub kind: String,
    /// Name, namespace, labels and annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The deployment itself.
    pub spec: SeldonDeploymentSpec,
    /// Status written by the operator; read and ignored.
    #[serde(default, skip_serializing)]
    pub status: Option<serde_json::Value>,
}

/// `spec` of a `SeldonDeployment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeldonDeploymentSpec {
    /// Deprecated name; upstream reports it as the object name in validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The predictors (required).
    pub predictors: Vec<PredictorSpec>,
    /// Legacy, unused.
    #[serde(default, rename = "oauth_key", skip_serializing_if = "Option::is_none")]
    pub oauth_key: Option<String>,
    /// Legacy, unused.
    #[serde(
        default,
        rename = "oauth_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub oauth_secret: Option<String>,
    /// Deployment-level Seldon annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// `seldon`, `tensorflow`, `kfserving` or `v2`; empty means seldon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// `rest` or `grpc`; empty means rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
    /// Fallback replicas for every Deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// `rpc` (default) or `kafka` (1.18 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_type: Option<String>,
}

/// One predictor: a graph and the pods that run it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictorSpec {
    /// Predictor name (required).
    pub name: String,
    /// The inference graph (required).
    pub graph: PredictiveUnit,
    /// One Deployment per element that has containers; `componentSpecs: null` is none, as
    /// Go's decoder leaves a nil slice.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub component_specs: Vec<SeldonPodSpec>,
    /// Replicas of this predictor's Deployments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Predictor-level annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Deprecated and unused by the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_resources: Option<ResourceRequirements>,
    /// Labels copied to Deployments and pods; `version` defaults to the predictor name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Settings of the executor ("service orchestrator") container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub svc_orch_spec: Option<SvcOrchSpec>,
    /// Traffic weight, used by ingresses and validation only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<i32>,
    /// Model explainer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explainer: Option<Explainer>,
    /// Receives a copy of the traffic, answers are discarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<bool>,
    /// TLS for the executor (1.18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl: Option<Ssl>,
    /// Copied to the Deployments (1.18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_deadline_seconds: Option<i32>,
}

/// `predictors[].svcOrchSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SvcOrchSpec {
    /// Executor resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// Extra executor env.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// Replicas of a separate executor pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
}

/// `predictors[].ssl`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ssl {
    /// Secret holding the executor's certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_secret_name: Option<String>,
}

/// `componentSpecs[]`: a pod template plus scaling settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeldonPodSpec {
    /// `name` overrides the Deployment name's container part; labels and annotations are copied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ObjectMeta>,
    /// The pod spec.
    #[serde(default)]
    pub spec: PodSpec,
    /// Horizontal pod autoscaler; replicas are left unset when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpa_spec: Option<serde_json::Value>,
    /// Replicas of this Deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// KEDA scaling (1.18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keda_spec: Option<serde_json::Value>,
    /// Pod disruption budget (1.18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdb_spec: Option<serde_json::Value>,
}

/// A node of the inference graph.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictiveUnit {
    /// Node name; matches a container name unless the node is built in or prepackaged.
    pub name: String,
    /// Child nodes, called in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<PredictiveUnit>,
    /// What the node does; defaulted to `MODEL` when nothing else says.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<PredictiveUnitType>,
    /// A built-in or prepackaged server (open set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation: Option<PredictiveUnitImplementation>,
    /// Explicit methods instead of a type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<PredictiveUnitMethod>>,
    /// Where the node listens; filled in by defaulting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Endpoint>,
    /// Parameters passed to the unit as `PREDICTIVE_UNIT_PARAMETERS`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// Model location, fetched by the storage initializer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_uri: Option<String>,
    /// Service account used for storage credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// Secret loaded into the storage initializer with `envFrom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_secret_ref_name: Option<String>,
    /// Per-unit storage initializer image (1.7+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_initializer_image: Option<String>,
    /// Request logging done by the executor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logger: Option<Logger>,
}

/// `graph.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum PredictiveUnitType {
    UnknownType,
    Router,
    Combiner,
    Model,
    Transformer,
    OutputTransformer,
}

impl PredictiveUnitType {
    /// The label value upstream uses for this type (`model`, `output-transformer`, ...).
    #[must_use]
    pub fn label(self) -> Option<&'static str> {
        match self {
            Self::UnknownType => None,
            Self::Router => Some("router"),
            Self::Combiner => Some("combiner"),
            Self::Model => Some("model"),
            Self::Transformer => Some("transformer"),
            Self::OutputTransformer => Some("output-transformer"),
        }
    }
}

/// `graph.methods[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum PredictiveUnitMethod {
    TransformInput,
    TransformOutput,
    Route,
    Aggregate,
    SendFeedback,
}

/// `graph.implementation`: an open set, since operators can register servers by config.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PredictiveUnitImplementation(pub String);

impl PredictiveUnitImplementation {
    /// No implementation: the node is a user container.
    pub const UNKNOWN_IMPLEMENTATION: &'static str = "UNKNOWN_IMPLEMENTATION";
    /// Built-in pass-through model.
    pub const SIMPLE_MODEL: &'static str = "SIMPLE_MODEL";
    /// Built-in router.
    pub const SIMPLE_ROUTER: &'static str = "SIMPLE_ROUTER";
    /// Built-in A/B router implemented by the executor.
    pub const RANDOM_ABTEST: &'static str = "RANDOM_ABTEST";
    /// Built-in averaging combiner.
    pub const AVERAGE_COMBINER: &'static str = "AVERAGE_COMBINER";
    /// TensorFlow Serving (with the tfserving proxy for the seldon protocol).
    pub const TENSORFLOW_SERVER: &'static str = "TENSORFLOW_SERVER";
    /// Triton (1.18, v2 protocol).
    pub const TRITON_SERVER: &'static str = "TRITON_SERVER";
    /// Built-in implementations: they never get a container of their own.
    pub const BUILTINS: [&'static str; 5] = [
        Self::UNKNOWN_IMPLEMENTATION,
        Self::SIMPLE_MODEL,
        Self::SIMPLE_ROUTER,
        Self::RANDOM_ABTEST,
        Self::AVERAGE_COMBINER,
    ];

    /// Wraps a name.
    #[must_use]
    pub fn new(name: &str) -> Self {
        Self(name.to_owned())
    }

    /// The name as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Upstream's `IsPrepack`: any non-empty value that is not a built-in.
    #[must_use]
    pub fn is_prepack(&self) -> bool {
        !self.0.is_empty() && !Self::BUILTINS.contains(&self.0.as_str())
    }
}

impl std::fmt::Display for PredictiveUnitImplementation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `graph.endpoint`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Host the executor calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_host: Option<String>,
    /// Port the executor calls (REST or gRPC, see `type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_port: Option<i32>,
    /// `REST` or `GRPC`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<EndpointType>,
    /// HTTP port (1.5+).
    #[serde(default, rename = "httpPort", skip_serializing_if = "Option::is_none")]
    pub http_port: Option<i32>,
    /// gRPC port (1.5+).
    #[serde(default, rename = "grpcPort", skip_serializing_if = "Option::is_none")]
    pub grpc_port: Option<i32>,
}

/// `endpoint.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum EndpointType {
    #[serde(rename = "REST")]
    Rest,
    #[serde(rename = "GRPC")]
    Grpc,
}

/// `graph.parameters[]`. Key order (`name`, `value`, `type`) is the order upstream emits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameter {
    /// Parameter name.
    pub name: String,
    /// Always a string; `type` says how the unit parses it.
    pub value: String,
    /// `INT`, `FLOAT`, `DOUBLE`, `STRING` or `BOOL`.
    #[serde(rename = "type")]
    pub r#type: ParameterType,
}

impl Parameter {
    /// A `STRING` parameter.
    #[must_use]
    pub fn string(name: &str, value: &str) -> Self {
        Self {
            name: name.to_owned(),
            value: value.to_owned(),
            r#type: ParameterType::String,
        }
    }
}

/// `parameters[].type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum ParameterType {
    Int,
    Float,
    Double,
    String,
    Bool,
}

/// `graph.logger`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logger {
    /// Where logged messages are sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `all`, `request` or `response`; required by validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// `predictors[].explainer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Explainer {
    /// Explainer type (`AnchorTabular`, ...).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// Explainer model location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_uri: Option<String>,
    /// Service account for storage credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// The explainer container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_spec: Option<Container>,
    /// Passed as `--key=value` arguments.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,
    /// Explainer endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Endpoint>,
    /// Secret for the storage initializer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_secret_ref_name: Option<String>,
    /// Storage initializer image (1.18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_initializer_image: Option<String>,
    /// Replicas (1.18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Explainer init parameters (1.18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_parameters: Option<String>,
}

impl SeldonDeployment {
    /// `metadata.name`, or the empty string when missing (validation reports that).
    #[must_use]
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }

    /// `metadata.namespace`, `default` when unset.
    #[must_use]
    pub fn namespace(&self) -> &str {
        self.metadata.namespace.as_deref().unwrap_or("default")
    }
}

impl SeldonDeploymentSpec {
    /// The protocol, `seldon` when unset or empty.
    #[must_use]
    pub fn protocol(&self) -> &str {
        match self.protocol.as_deref() {
            None | Some("") => "seldon",
            Some(p) => p,
        }
    }

    /// The transport, `rest` when unset or empty.
    #[must_use]
    pub fn transport(&self) -> &str {
        match self.transport.as_deref() {
            None | Some("") => "rest",
            Some(t) => t,
        }
    }

    /// The server type, `rpc` when unset or empty.
    #[must_use]
    pub fn server_type(&self) -> &str {
        match self.server_type.as_deref() {
            None | Some("") => "rpc",
            Some(t) => t,
        }
    }
}

impl PredictiveUnit {
    /// This node and its descendants in pre-order (node, then children left to right).
    #[must_use]
    pub fn preorder(&self) -> Vec<&PredictiveUnit> {
        let mut out = vec![self];
        for child in &self.children {
            out.extend(child.preorder());
        }
        out
    }

    /// Finds a node by name anywhere in this subtree.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<&PredictiveUnit> {
        self.preorder().into_iter().find(|unit| unit.name == name)
    }

    /// Whether the implementation is a prepackaged server.
    #[must_use]
    pub fn is_prepack(&self) -> bool {
        self.implementation
            .as_ref()
            .is_some_and(PredictiveUnitImplementation::is_prepack)
    }

    /// The implementation name, empty when unset.
    #[must_use]
    pub fn implementation_str(&self) -> &str {
        self.implementation
            .as_ref()
            .map_or("", PredictiveUnitImplementation::as_str)
    }
}
