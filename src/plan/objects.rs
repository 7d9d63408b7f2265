//! The Kubernetes objects the operator creates (`apps/v1` Deployment, `v1` Service), as data.
//! `render` prints them; the runtime view in `model` is derived from them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::sdep::{ObjectMeta, PodSpec};

/// An object the operator would create.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Object {
    /// `apps/v1` Deployment.
    Deployment(Box<Deployment>),
    /// `v1` Service.
    Service(Box<Service>),
}

impl Object {
    /// The object's name.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Deployment(d) => d.metadata.name.as_deref().unwrap_or_default(),
            Self::Service(s) => s.metadata.name.as_deref().unwrap_or_default(),
        }
    }
}

/// `apps/v1` Deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Deployment {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: DeploymentSpec,
}

/// `apps/v1` DeploymentSpec.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct DeploymentSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    pub selector: LabelSelector,
    pub template: PodTemplateSpec,
    pub strategy: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_deadline_seconds: Option<i32>,
}

/// A label selector with `matchLabels` only, as the operator writes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
}

/// core/v1 PodTemplateSpec.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[allow(missing_docs)]
pub struct PodTemplateSpec {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
}

/// core/v1 Service.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Service {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: ServiceSpec,
}

/// core/v1 ServiceSpec.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ServiceSpec {
    #[serde(rename = "type")]
    pub r#type: &'static str,
    pub session_affinity: &'static str,
    pub selector: BTreeMap<String, String>,
    pub ports: Vec<ServicePort>,
    #[serde(rename = "clusterIP", skip_serializing_if = "Option::is_none")]
    pub cluster_ip: Option<String>,
}

/// core/v1 ServicePort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ServicePort {
    pub name: String,
    pub port: i32,
    pub target_port: i32,
    pub protocol: &'static str,
}

impl ServicePort {
    /// A TCP port.
    #[must_use]
    pub fn tcp(name: &str, port: i32, target_port: i32) -> Self {
        Self {
            name: name.to_owned(),
            port,
            target_port,
            protocol: "TCP",
        }
    }
}

impl Deployment {
    /// The Deployment's name.
    #[must_use]
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }

    /// Sets a label on the Deployment, its selector and its pod template.
    pub fn select_label(&mut self, key: &str, value: &str) {
        self.metadata
            .labels
            .insert(key.to_owned(), value.to_owned());
        self.spec
            .selector
            .match_labels
            .insert(key.to_owned(), value.to_owned());
        self.spec
            .template
            .metadata
            .labels
            .insert(key.to_owned(), value.to_owned());
    }
}

impl Service {
    /// The Service's name.
    #[must_use]
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }
}
