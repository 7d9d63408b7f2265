//! Validated `SeldonDeployment` → `Plan`: what the operator would create, as data.
//!
//! Pure and deterministic. [`Plan::objects`] are the Kubernetes objects, exactly as the chosen
//! operator version builds them (`render` prints them); [`Plan::pods`] and [`Plan::services`]
//! are the same thing seen by a local runtime: ports resolved to numbers, env values resolved
//! or marked, each container tagged with the role it plays. Host ports, session ids and
//! timestamps are not chosen here; runtimes assign them.

mod controller;
mod model;
pub mod objects;
pub mod request_sink;

use serde::Serialize;

pub use model::{
    Container, Env, EnvValue, Mount, Pod, PodVolume, Port, Probe, ProbeAction, Role, Service,
    ServicePort, VolumeSource,
};
pub use objects::Object;

use crate::sdep::Validated;

/// Everything seldon-local needs to run a `SeldonDeployment`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// `metadata.name`.
    pub deployment: String,
    /// The (defaulted) namespace.
    pub namespace: String,
    /// The emulated Seldon Core version.
    pub seldon_version: String,
    /// `seldon`, `tensorflow`, `kfserving` or `v2`.
    pub protocol: String,
    /// `rest` or `grpc`.
    pub transport: String,
    /// The predictors, in spec order.
    pub predictors: Vec<Predictor>,
    /// One pod per generated Deployment.
    pub pods: Vec<Pod>,
    /// The Services, resolved to pods.
    pub services: Vec<Service>,
    /// The Kubernetes objects, as `render` prints them.
    #[serde(skip)]
    pub objects: Vec<Object>,
}

/// One predictor's entry point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Predictor {
    /// Predictor name.
    pub name: String,
    /// The predictor Service (`<sdep>-<pred>` unless `seldon.io/svc-name`).
    pub service: String,
    /// The pod holding the executor, if there is one.
    pub executor_pod: Option<String>,
    /// Name of the graph's root unit (used in TF and v2 paths).
    pub graph_root: String,
    /// Traffic weight, if set.
    pub traffic: Option<i32>,
    /// Whether this predictor is a shadow.
    pub shadow: bool,
}

/// Why a plan could not be built from a validated resource (upstream's controller errors).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// No unit is served on `localhost`, so the executor has no pod.
    #[error(
        "the operator would fail: \"{}ngine not separate and no pu with localhost service - not clear where to inject engine\"",
        if *.old { "E" } else { "e" }
    )]
    NoEngineHost { old: bool },
    /// A prepackaged unit's container is in no componentSpec.
    #[error(
        "the operator would fail: \"Failed to find PodSpec for Prepackaged server PreditiveUnit named {unit}\""
    )]
    NoPodSpecForPrepack { unit: String },
    /// No `predictor_servers` entry for a prepackaged unit (1.18).
    #[error("the operator would fail: \"Failed to get server config for {implementation}\"")]
    NoServerConfig { implementation: String },
    /// A unit with a `modelUri` has no container to mount it in (1.18).
    #[error("unit `{unit}` has a `modelUri` but no container of that name to load it")]
    NoContainerForModelUri { unit: String },
}

/// Builds the plan of a validated resource.
pub fn build(validated: &Validated) -> Result<Plan, PlanError> {
    let sdep = validated.sdep();
    let built = controller::build_objects(validated)?;
    let mut objects = Vec::new();
    let mut predictors = Vec::new();
    for (spec, predictor) in sdep.spec.predictors.iter().zip(&built) {
        predictors.push(Predictor {
            name: predictor.predictor.clone(),
            service: predictor.key.clone(),
            executor_pod: predictor.executor_deployment.clone(),
            graph_root: spec.graph.name.clone(),
            traffic: spec.traffic,
            shadow: spec.shadow == Some(true),
        });
        objects.extend(
            predictor
                .deployments
                .iter()
                .cloned()
                .map(|d| Object::Deployment(Box::new(d))),
        );
    }
    for predictor in &built {
        objects.extend(
            predictor
                .services
                .iter()
                .cloned()
                .map(|s| Object::Service(Box::new(s))),
        );
    }
    let (mut pods, mut services) = model::runtime_view(validated, &built);
    if let Some((pod, service)) = request_sink::build(validated) {
        pods.push(pod);
        services.push(service);
    }
    Ok(Plan {
        deployment: sdep.name().to_owned(),
        namespace: sdep.namespace().to_owned(),
        seldon_version: validated.config().version.to_string(),
        protocol: sdep.spec.protocol().to_owned(),
        transport: sdep.spec.transport().to_owned(),
        predictors,
        pods,
        services,
        objects,
    })
}

/// The executor's `ENGINE_PREDICTOR` value for a defaulted predictor.
#[must_use]
pub fn engine_predictor(predictor: &crate::sdep::PredictorSpec) -> String {
    controller::engine_predictor(predictor)
}
