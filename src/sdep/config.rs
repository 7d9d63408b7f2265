//! The operator's configuration: the emulated Seldon Core version, the `seldon-config`
//! ConfigMap (embedded per version, overridable key by key) and the manager's env settings.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde_json::Value;

/// The Seldon Core version whose operator behaviour is emulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeldonVersion {
    /// v1.2.1 (July 2020): the seed article's version.
    V1_2_1,
    /// v1.18.2 (June 2024): the last v1 release.
    V1_18_2,
}

impl SeldonVersion {
    /// Every supported version, oldest first.
    pub const ALL: [Self; 2] = [Self::V1_2_1, Self::V1_18_2];

    /// Whether this is the old (1.2.1) behaviour.
    #[must_use]
    pub fn is_old(self) -> bool {
        self == Self::V1_2_1
    }

    /// The version as written in image tags.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1_2_1 => "1.2.1",
            Self::V1_18_2 => "1.18.2",
        }
    }
}

impl fmt::Display for SeldonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SeldonVersion {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim_start_matches('v') {
            "1.2.1" => Ok(Self::V1_2_1),
            "1.18.2" => Ok(Self::V1_18_2),
            _ => Err(ConfigError::UnknownVersion {
                given: s.to_owned(),
            }),
        }
    }
}

/// Why the operator configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A Seldon Core version that is not emulated.
    #[error("unsupported Seldon Core version `{given}`; supported: `1.18.2`, `1.2.1`")]
    UnknownVersion { given: String },
    /// The override is not a ConfigMap.
    #[error("`{source_name}` is not a ConfigMap with a `data` object")]
    NotAConfigMap { source_name: String },
    /// A key of the ConfigMap does not hold what the operator expects.
    #[error("`{source_name}`: key `{key}` is invalid: {message}")]
    InvalidKey {
        source_name: String,
        key: String,
        message: String,
    },
}

/// An image name and its default tag, as the ConfigMap writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageSpec {
    /// Repository, e.g. `seldonio/tfserving-proxy`.
    #[serde(default)]
    pub image: String,
    /// Tag appended with `:` when non-empty.
    #[serde(default)]
    pub default_image_version: String,
}

impl ImageSpec {
    /// `image:version`, or `image` alone when the version is empty.
    #[must_use]
    pub fn reference(&self) -> String {
        if self.default_image_version.is_empty() {
            self.image.clone()
        } else {
            format!("{}:{}", self.image, self.default_image_version)
        }
    }
}

/// One entry of `predictor_servers`, in either the 1.2 or the 1.5+ format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerConfig {
    /// 1.2 format: image for REST endpoints.
    #[serde(default)]
    pub rest: Option<ImageSpec>,
    /// 1.2 format: image for gRPC endpoints.
    #[serde(default)]
    pub grpc: Option<ImageSpec>,
    /// 1.2 format: whether a TF Serving container runs beside the proxy.
    #[serde(default)]
    pub tensorflow: bool,
    /// 1.2 format: the TF Serving image.
    #[serde(default)]
    pub tf_image: Option<String>,
    /// 1.5+ format: image per protocol.
    #[serde(default)]
    pub protocols: BTreeMap<String, ImageSpec>,
}

impl ServerConfig {
    /// 1.18's `PrepackImageName`: the image for a protocol, with the v2 ↔ kfserving fallback.
    #[must_use]
    pub fn image_for_protocol(&self, protocol: &str) -> Option<String> {
        let protocol = if protocol.is_empty() {
            "seldon"
        } else {
            protocol
        };
        let entry = self.protocols.get(protocol).or_else(|| match protocol {
            "v2" => self.protocols.get("kfserving"),
            "kfserving" => self.protocols.get("v2"),
            _ => None,
        })?;
        Some(entry.reference())
    }
}

/// `storageInitializer` of the ConfigMap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct StorageInitializerConfig {
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub cpu_request: String,
    #[serde(default)]
    pub cpu_limit: String,
    #[serde(default)]
    pub memory_request: String,
    #[serde(default)]
    pub memory_limit: String,
}

/// `explainer` of the ConfigMap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[allow(missing_docs)]
pub struct ExplainerConfig {
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub image_v2: String,
}

/// Everything the operator's output depends on besides the SeldonDeployment itself.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorConfig {
    /// The emulated version.
    pub version: SeldonVersion,
    /// `predictor_servers`, keyed by implementation name.
    pub predictor_servers: BTreeMap<String, ServerConfig>,
    /// `storageInitializer`.
    pub storage_initializer: StorageInitializerConfig,
    /// `explainer`.
    pub explainer: ExplainerConfig,
    /// `credentials` (kept for completeness; only names secret keys).
    pub credentials: Value,
    /// The manager's `EXECUTOR_CONTAINER_IMAGE_AND_VERSION`.
    pub executor_image: String,
}

const EMBEDDED_1_2_1: &str = include_str!("seldon-config/1.2.1.json");
const EMBEDDED_1_18_2: &str = include_str!("seldon-config/1.18.2.json");

impl OperatorConfig {
    /// The configuration the version's Helm chart installs.
    #[must_use]
    pub fn embedded(version: SeldonVersion) -> Self {
        let text = match version {
            SeldonVersion::V1_2_1 => EMBEDDED_1_2_1,
            SeldonVersion::V1_18_2 => EMBEDDED_1_18_2,
        };
        let mut config = Self {
            version,
            predictor_servers: BTreeMap::new(),
            storage_initializer: StorageInitializerConfig::default(),
            explainer: ExplainerConfig::default(),
            credentials: Value::Null,
            executor_image: format!("docker.io/seldonio/seldon-core-executor:{version}"),
        };
        let value: Value = serde_json::from_str(text).expect("embedded ConfigMap is valid JSON");
        config
            .overlay(&value, "embedded seldon-config")
            .expect("embedded ConfigMap has the operator's shape");
        config
    }

    /// Replaces the keys present in a `seldon-config` ConfigMap (already parsed to JSON).
    pub fn overlay(&mut self, configmap: &Value, source_name: &str) -> Result<(), ConfigError> {
        let Some(data) = configmap.get("data").and_then(Value::as_object) else {
            return Err(ConfigError::NotAConfigMap {
                source_name: source_name.to_owned(),
            });
        };
        for (key, raw) in data {
            let invalid = |message: String| ConfigError::InvalidKey {
                source_name: source_name.to_owned(),
                key: key.clone(),
                message,
            };
            // The ConfigMap holds JSON strings; accept objects too, as people write them so.
            let value = match raw {
                Value::String(text) => {
                    serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?
                }
                other => other.clone(),
            };
            match key.as_str() {
                "predictor_servers" => {
                    self.predictor_servers =
                        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))?;
                }
                "storageInitializer" => {
                    self.storage_initializer =
                        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))?;
                }
                "explainer" => {
                    self.explainer =
                        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))?;
                }
                "credentials" => self.credentials = value,
                // Other keys (e.g. `ambassador`) do not change what seldon-local produces.
                _ => {}
            }
        }
        Ok(())
    }

    /// The server entry for an implementation.
    #[must_use]
    pub fn server(&self, implementation: &str) -> Option<&ServerConfig> {
        self.predictor_servers.get(implementation)
    }

    /// The TF Serving image for `TENSORFLOW_SERVER`.
    #[must_use]
    pub fn tf_serving_image(&self) -> String {
        let server = self.server("TENSORFLOW_SERVER");
        if self.version.is_old() {
            server
                .and_then(|s| s.tf_image.clone())
                .unwrap_or_else(|| "tensorflow/serving:latest".to_owned())
        } else {
            server
                .and_then(|s| s.image_for_protocol("tensorflow"))
                .unwrap_or_default()
        }
    }

    /// The storage initializer image, with the version's code default.
    #[must_use]
    pub fn storage_initializer_image(&self) -> String {
        if !self.storage_initializer.image.is_empty() {
            return self.storage_initializer.image.clone();
        }
        match self.version {
            SeldonVersion::V1_2_1 => "gcr.io/kfserving/model-initializer:latest".to_owned(),
            SeldonVersion::V1_18_2 => {
                "docker.io/seldonio/rclone-storage-initializer:latest".to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_with_or_without_a_v() {
        assert_eq!(
            "v1.2.1".parse::<SeldonVersion>().unwrap(),
            SeldonVersion::V1_2_1
        );
        assert_eq!(
            "1.18.2".parse::<SeldonVersion>().unwrap(),
            SeldonVersion::V1_18_2
        );
        assert!("1.17".parse::<SeldonVersion>().is_err());
    }

    #[test]
    fn embedded_configs_name_the_charts_images() {
        let old = OperatorConfig::embedded(SeldonVersion::V1_2_1);
        let tf = old.server("TENSORFLOW_SERVER").unwrap();
        assert_eq!(
            tf.rest.as_ref().unwrap().reference(),
            "seldonio/tfserving-proxy_rest:1.2.1"
        );
        assert_eq!(old.tf_serving_image(), "tensorflow/serving:2.1.0");
        assert_eq!(
            old.storage_initializer_image(),
            "gcr.io/kfserving/storage-initializer:0.2.2"
        );

        let new = OperatorConfig::embedded(SeldonVersion::V1_18_2);
        let sklearn = new.server("SKLEARN_SERVER").unwrap();
        assert_eq!(
            sklearn.image_for_protocol("").unwrap(),
            "seldonio/sklearnserver:1.18.2"
        );
        assert_eq!(
            sklearn.image_for_protocol("kfserving").unwrap(),
            "seldonio/mlserver:1.3.5-sklearn"
        );
        assert_eq!(new.tf_serving_image(), "tensorflow/serving:2.1.0");
        assert_eq!(
            new.executor_image,
            "docker.io/seldonio/seldon-core-executor:1.18.2"
        );
    }

    #[test]
    fn an_override_replaces_only_its_keys() {
        let mut config = OperatorConfig::embedded(SeldonVersion::V1_18_2);
        let configmap =
            serde_json::json!({"data": {"storageInitializer": "{\"image\":\"me/init:1\"}"}});
        config.overlay(&configmap, "x").unwrap();
        assert_eq!(config.storage_initializer_image(), "me/init:1");
        assert!(config.server("SKLEARN_SERVER").is_some());
    }

    #[test]
    fn an_override_with_bad_json_names_the_key() {
        let mut config = OperatorConfig::embedded(SeldonVersion::V1_18_2);
        let configmap = serde_json::json!({"data": {"predictor_servers": "{not json"}});
        let error = config
            .overlay(&configmap, "cm.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("`cm.yaml`: key `predictor_servers` is invalid"),
            "{error}"
        );
    }
}
