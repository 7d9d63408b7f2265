//! Triton's `ModelConfig` (`config.pbtxt`): the fields the server honours, read from the text
//! format, and rendered back as the JSON that `GET /v2/models/{name}/config` answers.

use std::collections::BTreeSet;

use serde_json::{Value as Json, json};

use super::pbtxt::{self, Value};
use crate::components::model_server::VersionPolicy;
use crate::protocol::v2::Datatype;

/// The platforms the server runs.
pub const ONNX: &str = "onnxruntime_onnx";
pub const SAVEDMODEL: &str = "tensorflow_savedmodel";
pub const GRAPHDEF: &str = "tensorflow_graphdef";

/// One input or output (`ModelInput`/`ModelOutput`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoConfig {
    pub name: String,
    pub datatype: Datatype,
    /// Dims without the batch dimension when `max_batch_size > 0`; `-1` is any size.
    pub dims: Vec<i64>,
}

/// A model's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelConfig {
    pub name: String,
    pub platform: String,
    pub backend: String,
    /// 0: no batch dimension; else the leading dimension is the batch, up to this size.
    pub max_batch_size: u32,
    pub inputs: Vec<IoConfig>,
    pub outputs: Vec<IoConfig>,
    pub version_policy: VersionPolicy,
    pub default_model_filename: Option<String>,
}

/// Why a `config.pbtxt` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Parse(#[from] pbtxt::ParseError),
    #[error("field `{field}`: `{value}` is not {expected}")]
    Value {
        field: String,
        value: String,
        expected: &'static str,
    },
    #[error("field `{0}` must be a message")]
    NotMessage(String),
    #[error("data type `{0}` is not supported")]
    Datatype(String),
}

impl ModelConfig {
    /// An empty config for `name`, to be completed from the model.
    #[must_use]
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            platform: String::new(),
            backend: String::new(),
            max_batch_size: 0,
            inputs: Vec::new(),
            outputs: Vec::new(),
            version_policy: VersionPolicy::default(),
            default_model_filename: None,
        }
    }

    /// Parses `config.pbtxt`; unknown fields are returned as warnings.
    pub fn parse(name: &str, text: &str) -> Result<(Self, Vec<String>), ConfigError> {
        let mut config = Self::named(name);
        let mut warnings = Vec::new();
        for (field, value) in pbtxt::parse(text)? {
            match field.as_str() {
                "name" => scalar(&field, &value)?.clone_into(&mut config.name),
                "platform" => scalar(&field, &value)?.clone_into(&mut config.platform),
                "backend" => scalar(&field, &value)?.clone_into(&mut config.backend),
                "max_batch_size" => config.max_batch_size = number(&field, &value)?,
                "default_model_filename" => {
                    config.default_model_filename = Some(scalar(&field, &value)?.to_owned());
                }
                "input" => config.inputs.push(io(&field, &value, &mut warnings)?),
                "output" => config.outputs.push(io(&field, &value, &mut warnings)?),
                "version_policy" => config.version_policy = version_policy(&value)?,
                // Scheduling, instances and optimisation change how Triton runs a model, not
                // what it answers.
                "instance_group"
                | "dynamic_batching"
                | "sequence_batching"
                | "optimization"
                | "parameters"
                | "model_warmup"
                | "model_transaction_policy"
                | "ensemble_scheduling" => {
                    warnings.push(format!("model `{name}`: `{field}` is accepted and ignored"));
                }
                _ => warnings.push(format!(
                    "model `{name}`: unknown field `{field}` is ignored"
                )),
            }
        }
        if config.platform.is_empty() {
            config.platform = match config.backend.as_str() {
                "onnxruntime" => ONNX.to_owned(),
                "tensorflow" => SAVEDMODEL.to_owned(),
                _ => String::new(),
            };
        }
        Ok((config, warnings))
    }

    /// The JSON of `GET /v2/models/{name}/config` (protobuf's JSON mapping of `ModelConfig`).
    #[must_use]
    pub fn to_json(&self) -> Json {
        let io = |list: &[IoConfig]| -> Json {
            list.iter()
                .map(|t| {
                    json!({
                        "name": t.name,
                        "data_type": type_name(t.datatype),
                        "dims": t.dims.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    })
                })
                .collect()
        };
        let policy = match &self.version_policy {
            VersionPolicy::Latest { num_versions } => {
                json!({ "latest": { "num_versions": num_versions } })
            }
            VersionPolicy::All => json!({ "all": {} }),
            VersionPolicy::Specific { versions } => json!({
                "specific": { "versions": versions.iter().map(ToString::to_string).collect::<Vec<_>>() }
            }),
        };
        json!({
            "name": self.name,
            "platform": self.platform,
            "backend": self.backend,
            "version_policy": policy,
            "max_batch_size": self.max_batch_size,
            "input": io(&self.inputs),
            "output": io(&self.outputs),
            "default_model_filename": self.model_filename(),
        })
    }

    /// The file (or directory) in a version directory that holds the model.
    #[must_use]
    pub fn model_filename(&self) -> String {
        if let Some(name) = &self.default_model_filename {
            return name.clone();
        }
        match self.platform.as_str() {
            SAVEDMODEL => "model.savedmodel",
            GRAPHDEF => "model.graphdef",
            _ => "model.onnx",
        }
        .to_owned()
    }
}

fn scalar<'a>(field: &str, value: &'a Value) -> Result<&'a str, ConfigError> {
    match value {
        Value::Scalar(s) => Ok(s),
        Value::Message(_) => Err(ConfigError::Value {
            field: field.to_owned(),
            value: "{...}".to_owned(),
            expected: "a scalar",
        }),
    }
}

fn number<T: std::str::FromStr>(field: &str, value: &Value) -> Result<T, ConfigError> {
    let text = scalar(field, value)?;
    text.parse().map_err(|_| ConfigError::Value {
        field: field.to_owned(),
        value: text.to_owned(),
        expected: "a number",
    })
}

fn message<'a>(field: &str, value: &'a Value) -> Result<&'a pbtxt::Message, ConfigError> {
    match value {
        Value::Message(m) => Ok(m),
        Value::Scalar(_) => Err(ConfigError::NotMessage(field.to_owned())),
    }
}

fn io(field: &str, value: &Value, warnings: &mut Vec<String>) -> Result<IoConfig, ConfigError> {
    let mut io = IoConfig {
        name: String::new(),
        datatype: Datatype::Fp32,
        dims: Vec::new(),
    };
    for (key, value) in message(field, value)? {
        match key.as_str() {
            "name" => scalar(key, value)?.clone_into(&mut io.name),
            "data_type" => io.datatype = datatype(scalar(key, value)?)?,
            "dims" => io.dims.push(number(key, value)?),
            "format" | "label_filename" | "optional" | "is_shape_tensor" | "allow_ragged_batch" => {
            }
            other => warnings.push(format!("`{field}.{other}` is ignored")),
        }
    }
    Ok(io)
}

fn version_policy(value: &Value) -> Result<VersionPolicy, ConfigError> {
    let fields = message("version_policy", value)?;
    let Some((kind, inner)) = fields.first() else {
        return Ok(VersionPolicy::default());
    };
    match kind.as_str() {
        "latest" => {
            let mut num_versions = 1;
            for (key, value) in message(kind, inner)? {
                if key == "num_versions" {
                    num_versions = number(key, value)?;
                }
            }
            Ok(VersionPolicy::Latest { num_versions })
        }
        "all" => Ok(VersionPolicy::All),
        "specific" => {
            let mut versions = BTreeSet::new();
            for (key, value) in message(kind, inner)? {
                if key == "versions" {
                    versions.insert(number(key, value)?);
                }
            }
            Ok(VersionPolicy::Specific { versions })
        }
        other => Err(ConfigError::Value {
            field: "version_policy".to_owned(),
            value: other.to_owned(),
            expected: "`latest`, `all` or `specific`",
        }),
    }
}

/// `TYPE_FP32` → `FP32`.
pub fn datatype(name: &str) -> Result<Datatype, ConfigError> {
    Ok(match name {
        "TYPE_BOOL" => Datatype::Bool,
        "TYPE_UINT8" => Datatype::Uint8,
        "TYPE_UINT16" => Datatype::Uint16,
        "TYPE_UINT32" => Datatype::Uint32,
        "TYPE_UINT64" => Datatype::Uint64,
        "TYPE_INT8" => Datatype::Int8,
        "TYPE_INT16" => Datatype::Int16,
        "TYPE_INT32" => Datatype::Int32,
        "TYPE_INT64" => Datatype::Int64,
        "TYPE_FP16" => Datatype::Fp16,
        "TYPE_FP32" => Datatype::Fp32,
        "TYPE_FP64" => Datatype::Fp64,
        "TYPE_STRING" => Datatype::Bytes,
        "TYPE_BF16" => Datatype::Bf16,
        other => return Err(ConfigError::Datatype(other.to_owned())),
    })
}

/// `FP32` → `TYPE_FP32`.
#[must_use]
pub fn type_name(datatype: Datatype) -> &'static str {
    match datatype {
        Datatype::Bool => "TYPE_BOOL",
        Datatype::Uint8 => "TYPE_UINT8",
        Datatype::Uint16 => "TYPE_UINT16",
        Datatype::Uint32 => "TYPE_UINT32",
        Datatype::Uint64 => "TYPE_UINT64",
        Datatype::Int8 => "TYPE_INT8",
        Datatype::Int16 => "TYPE_INT16",
        Datatype::Int32 => "TYPE_INT32",
        Datatype::Int64 => "TYPE_INT64",
        Datatype::Fp16 => "TYPE_FP16",
        Datatype::Fp32 => "TYPE_FP32",
        Datatype::Fp64 => "TYPE_FP64",
        Datatype::Bytes => "TYPE_STRING",
        Datatype::Bf16 => "TYPE_BF16",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLE: &str = r#"
name: "simple"
platform: "onnxruntime_onnx"
max_batch_size: 8
input [
  { name: "INPUT0", data_type: TYPE_INT32, dims: [ 16 ] },
  { name: "INPUT1", data_type: TYPE_INT32, dims: [ 16 ] }
]
output [
  { name: "OUTPUT0", data_type: TYPE_INT32, dims: [ 16 ] },
  { name: "OUTPUT1", data_type: TYPE_INT32, dims: [ 16 ] }
]
version_policy: { specific { versions: [1, 3] } }
instance_group [ { kind: KIND_CPU } ]
"#;

    #[test]
    fn the_simple_models_config_reads_as_triton_does() {
        let (config, warnings) = ModelConfig::parse("simple", SIMPLE).unwrap();
        assert_eq!(config.platform, ONNX);
        assert_eq!(config.max_batch_size, 8);
        assert_eq!(config.inputs.len(), 2);
        assert_eq!(config.outputs[1].name, "OUTPUT1");
        assert_eq!(config.inputs[0].datatype, Datatype::Int32);
        assert_eq!(config.inputs[0].dims, vec![16]);
        assert_eq!(
            config.version_policy,
            VersionPolicy::Specific {
                versions: [1, 3].into()
            }
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(config.to_json()["input"][0]["data_type"], "TYPE_INT32");
    }

    #[test]
    fn a_backend_alone_names_the_platform() {
        let (config, _) = ModelConfig::parse("m", "backend: \"onnxruntime\"").unwrap();
        assert_eq!(config.platform, ONNX);
        assert_eq!(config.model_filename(), "model.onnx");
    }

    #[test]
    fn an_unknown_data_type_is_an_error() {
        let error =
            ModelConfig::parse("m", "input { name: \"x\" data_type: TYPE_FOO }").unwrap_err();
        assert_eq!(error.to_string(), "data type `TYPE_FOO` is not supported");
    }
}
