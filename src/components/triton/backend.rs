//! One loaded model version: an ONNX graph compiled with tract-onnx, or a TF SavedModel through
//! the TF-Serving-compatible server's loader. Both answer the same `infer` over V2 tensors, and
//! the config is completed from the model where `config.pbtxt` leaves it open (Triton's
//! auto-complete).

use std::path::Path;
use std::sync::Arc;

#[allow(clippy::wildcard_imports)] // tract's prelude: facts, tensors, models
use tract_onnx::prelude::*;

use super::config::{GRAPHDEF, IoConfig, ModelConfig, ONNX, SAVEDMODEL};
use super::tensor::{Data, InferTensor};
use crate::components::model_server::servable::{Servable, Signature};
use crate::components::model_server::tensor::{DType, Tensor as TfTensor, Values};
use crate::protocol::v2::Datatype;

/// Why a version could not be loaded; each names the file, op or tensor.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("platform `{0}` is not supported (supported: onnxruntime_onnx, tensorflow_savedmodel)")]
    Platform(String),
    #[error("`{}` does not exist", .0.display())]
    Missing(std::path::PathBuf),
    #[error("failed to load ONNX model `{}`: {error}", path.display())]
    Onnx {
        path: std::path::PathBuf,
        error: String,
    },
    #[error(transparent)]
    SavedModel(#[from] crate::components::model_server::servable::LoadError),
    #[error("the SavedModel has no `serving_default` signature that can run: {0}")]
    Signature(String),
    #[error("{kind} `{name}` in config.pbtxt is not in the model (it has: {have})")]
    UnknownTensor {
        kind: &'static str,
        name: String,
        have: String,
    },
    #[error("{kind} `{name}` has a type the server cannot exchange ({dtype})")]
    Dtype {
        kind: &'static str,
        name: String,
        dtype: String,
    },
}

/// Why an inference failed; all are the client's fault except `Run`.
#[derive(Debug, thiserror::Error)]
pub enum InferError {
    #[error("{0}")]
    Invalid(String),
    #[error("model execution failed: {0}")]
    Run(String),
}

enum Engine {
    Onnx {
        plan: Arc<TypedRunnableModel>,
        /// Output names in the plan's output order.
        outputs: Vec<String>,
    },
    SavedModel(Servable),
}

/// A loaded version with its completed config.
pub struct Loaded {
    pub config: ModelConfig,
    engine: Engine,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Loaded {
    /// Loads the model file of `dir` (a version directory) as `config`'s platform says, or as the
    /// file found there when the platform is open.
    pub fn load(config: &ModelConfig, dir: &Path) -> Result<Self, LoadError> {
        let mut config = config.clone();
        if config.platform.is_empty() {
            let platform = if dir.join("model.onnx").exists() {
                ONNX
            } else if dir.join("model.savedmodel").exists() {
                SAVEDMODEL
            } else if dir.join("model.graphdef").exists() {
                GRAPHDEF
            } else {
                return Err(LoadError::Missing(dir.join("model.onnx")));
            };
            platform.clone_into(&mut config.platform);
        }
        let path = dir.join(config.model_filename());
        if !path.exists() {
            return Err(LoadError::Missing(path));
        }
        match config.platform.as_str() {
            ONNX => load_onnx(config, &path),
            SAVEDMODEL => load_savedmodel(config, &path),
            other => Err(LoadError::Platform(other.to_owned())),
        }
    }

    /// Runs the model. `inputs` are checked against the config (names, datatypes, dims, the
    /// batch dimension); outputs come back in the config's order.
    pub fn infer(&self, inputs: Vec<InferTensor>) -> Result<Vec<InferTensor>, InferError> {
        let inputs = self.check(inputs)?;
        match &self.engine {
            Engine::Onnx { plan, outputs } => {
                let values = inputs
                    .into_iter()
                    .map(to_tract)
                    .collect::<Result<TVec<_>, _>>()?;
                let results = plan
                    .run(values)
                    .map_err(|e| InferError::Run(format!("{e:#}")))?;
                outputs
                    .iter()
                    .zip(results)
                    .map(|(name, t)| from_tract(name, &t))
                    .collect()
            }
            Engine::SavedModel(servable) => {
                let signature = servable
                    .signature(None)
                    .map_err(|e| InferError::Run(e.to_string()))?;
                let mut map = std::collections::BTreeMap::new();
                for input in inputs {
                    map.insert(input.name.clone(), to_tf(input)?);
                }
                let results = signature
                    .predict(map)
                    .map_err(|e| InferError::Run(e.to_string()))?;
                Ok(results
                    .into_iter()
                    .map(|(name, t)| from_tf(&name, t))
                    .collect())
            }
        }
    }

    /// Orders the inputs as the config does and checks each against it.
    fn check(&self, mut inputs: Vec<InferTensor>) -> Result<Vec<InferTensor>, InferError> {
        let config = &self.config;
        let mut ordered = Vec::with_capacity(config.inputs.len());
        let mut batch = None;
        for spec in &config.inputs {
            let at = inputs
                .iter()
                .position(|t| t.name == spec.name)
                .ok_or_else(|| {
                    InferError::Invalid(format!(
                        "expected {} inputs but got {} inputs for model '{}'; missing input '{}'",
                        config.inputs.len(),
                        inputs.len() + ordered.len(),
                        config.name,
                        spec.name
                    ))
                })?;
            let tensor = inputs.swap_remove(at);
            if tensor.datatype != spec.datatype {
                return Err(InferError::Invalid(format!(
                    "inference input '{}' data-type is '{}', but model '{}' expects '{}'",
                    spec.name,
                    super::tensor::datatype_name(tensor.datatype),
                    config.name,
                    super::tensor::datatype_name(spec.datatype)
                )));
            }
            let shape: Vec<i64> = tensor
                .shape
                .iter()
                .map(|&d| i64::try_from(d).unwrap_or(i64::MAX))
                .collect();
            let dims = if config.max_batch_size > 0 {
                let Some((&n, rest)) = shape.split_first() else {
                    return Err(InferError::Invalid(format!(
                        "input '{}' has no batch dimension, but model '{}' batches",
                        spec.name, config.name
                    )));
                };
                if n < 1 || n > i64::from(config.max_batch_size) {
                    return Err(InferError::Invalid(format!(
                        "inference request batch-size must be <= {} for '{}'",
                        config.max_batch_size, config.name
                    )));
                }
                if batch.is_some_and(|b| b != n) {
                    return Err(InferError::Invalid(format!(
                        "input '{}' has batch size {n}, other inputs differ",
                        spec.name
                    )));
                }
                batch = Some(n);
                rest.to_vec()
            } else {
                shape.clone()
            };
            let fits = dims.len() == spec.dims.len()
                && dims.iter().zip(&spec.dims).all(|(d, s)| *s < 0 || d == s);
            if !fits {
                return Err(InferError::Invalid(format!(
                    "unexpected shape for input '{}' for model '{}'. Expected {}, got {}",
                    spec.name,
                    config.name,
                    dims_text(&full_dims(config, &spec.dims)),
                    dims_text(&shape)
                )));
            }
            tensor.check_size().map_err(InferError::Invalid)?;
            ordered.push(tensor);
        }
        if let Some(extra) = inputs.first() {
            return Err(InferError::Invalid(format!(
                "unexpected inference input '{}' for model '{}'",
                extra.name, config.name
            )));
        }
        Ok(ordered)
    }
}

/// The dims a client sees: `[-1] + dims` for a batching model.
#[must_use]
pub fn full_dims(config: &ModelConfig, dims: &[i64]) -> Vec<i64> {
    if config.max_batch_size > 0 {
        std::iter::once(-1).chain(dims.iter().copied()).collect()
    } else {
        dims.to_vec()
    }
}

fn dims_text(dims: &[i64]) -> String {
    let items: Vec<String> = dims.iter().map(ToString::to_string).collect();
    format!("[{}]", items.join(","))
}

fn load_onnx(mut config: ModelConfig, path: &Path) -> Result<Loaded, LoadError> {
    let onnx_error = |e: TractError| LoadError::Onnx {
        path: path.to_path_buf(),
        error: format!("{e:#}"),
    };
    // tract can panic on graphs it does not expect: contain it to this version.
    let built = std::panic::catch_unwind(|| -> Result<_, LoadError> {
        let model = tract_onnx::onnx()
            .model_for_path(path)
            .map_err(onnx_error)?
            .into_typed()
            .map_err(onnx_error)?
            .into_decluttered()
            .map_err(onnx_error)?;
        let facts = |outlets: &[OutletId]| -> Result<Vec<(String, TypedFact)>, LoadError> {
            outlets
                .iter()
                .map(|&o| {
                    let name = model
                        .outlet_label(o)
                        .map_or_else(|| model.node(o.node).name.clone(), str::to_owned);
                    let fact = model.outlet_fact(o).map_err(onnx_error)?.clone();
                    Ok((name, fact))
                })
                .collect()
        };
        let inputs = facts(model.input_outlets().map_err(onnx_error)?)?;
        let outputs = facts(model.output_outlets().map_err(onnx_error)?)?;
        let plan = model
            .into_optimized()
            .map_err(onnx_error)?
            .into_runnable()
            .map_err(onnx_error)?;
        Ok((inputs, outputs, plan))
    })
    .map_err(|_| LoadError::Onnx {
        path: path.to_path_buf(),
        error: "the ONNX loader panicked".to_owned(),
    })?;
    let (inputs, outputs, plan) = built?;
    complete(&mut config, "input", &inputs)?;
    complete(&mut config, "output", &outputs)?;
    // The plan takes inputs in the model's order: keep the config in that order.
    config
        .inputs
        .sort_by_key(|i| inputs.iter().position(|(n, _)| *n == i.name));
    let output_names: Vec<String> = outputs.into_iter().map(|(n, _)| n).collect();
    config
        .outputs
        .sort_by_key(|o| position(&output_names, &o.name));
    Ok(Loaded {
        config,
        engine: Engine::Onnx {
            plan,
            outputs: output_names,
        },
    })
}

fn position(names: &[String], name: &str) -> Option<usize> {
    names.iter().position(|n| n == name)
}

/// Fills `config`'s inputs or outputs from the model's when the config lists none, and checks
/// the ones it lists exist.
fn complete(
    config: &mut ModelConfig,
    kind: &'static str,
    model: &[(String, TypedFact)],
) -> Result<(), LoadError> {
    let listed = if kind == "input" {
        &mut config.inputs
    } else {
        &mut config.outputs
    };
    if listed.is_empty() {
        for (name, fact) in model {
            let datatype = datatype_of(fact.datum_type).ok_or_else(|| LoadError::Dtype {
                kind,
                name: name.clone(),
                dtype: format!("{:?}", fact.datum_type),
            })?;
            let dims = fact
                .shape
                .iter()
                .map(|d| d.to_i64().unwrap_or(-1))
                .collect();
            listed.push(IoConfig {
                name: name.clone(),
                datatype,
                dims,
            });
        }
        return Ok(());
    }
    for io in listed.iter() {
        if !model.iter().any(|(n, _)| *n == io.name) {
            return Err(LoadError::UnknownTensor {
                kind,
                name: io.name.clone(),
                have: model
                    .iter()
                    .map(|(n, _)| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(())
}

fn load_savedmodel(mut config: ModelConfig, path: &Path) -> Result<Loaded, LoadError> {
    let servable = Servable::load(path)?;
    let signature: &Signature = servable
        .signature(None)
        .map_err(|e| LoadError::Signature(e.to_string()))?;
    let as_facts = |specs: &[crate::components::model_server::servable::TensorSpec],
                    kind: &'static str|
     -> Result<Vec<(String, IoConfig)>, LoadError> {
        specs
            .iter()
            .map(|s| {
                let datatype =
                    DType::from_proto(s.dtype)
                        .map(v2_of_tf)
                        .ok_or_else(|| LoadError::Dtype {
                            kind,
                            name: s.alias.clone(),
                            dtype: DType::proto_name(s.dtype).to_owned(),
                        })?;
                let dims = s.shape.clone().unwrap_or_default();
                Ok((
                    s.alias.clone(),
                    IoConfig {
                        name: s.alias.clone(),
                        datatype,
                        dims,
                    },
                ))
            })
            .collect()
    };
    let inputs = as_facts(&signature.inputs, "input")?;
    let outputs = as_facts(&signature.outputs, "output")?;
    for (kind, listed, model) in [
        ("input", &mut config.inputs, &inputs),
        ("output", &mut config.outputs, &outputs),
    ] {
        if listed.is_empty() {
            listed.extend(model.iter().map(|(_, io)| io.clone()));
        } else if let Some(io) = listed
            .iter()
            .find(|io| !model.iter().any(|(n, _)| *n == io.name))
        {
            return Err(LoadError::UnknownTensor {
                kind,
                name: io.name.clone(),
                have: model
                    .iter()
                    .map(|(n, _)| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(Loaded {
        config,
        engine: Engine::SavedModel(servable),
    })
}

fn datatype_of(dt: DatumType) -> Option<Datatype> {
    Some(match dt {
        DatumType::Bool => Datatype::Bool,
        DatumType::U8 => Datatype::Uint8,
        DatumType::U16 => Datatype::Uint16,
        DatumType::U32 => Datatype::Uint32,
        DatumType::U64 => Datatype::Uint64,
        DatumType::I8 => Datatype::Int8,
        DatumType::I16 => Datatype::Int16,
        DatumType::I32 => Datatype::Int32,
        DatumType::I64 => Datatype::Int64,
        DatumType::F16 => Datatype::Fp16,
        DatumType::F32 => Datatype::Fp32,
        DatumType::F64 => Datatype::Fp64,
        DatumType::String | DatumType::Blob => Datatype::Bytes,
        _ => return None,
    })
}

fn datum_of(datatype: Datatype) -> Option<DatumType> {
    Some(match datatype {
        Datatype::Bool => DatumType::Bool,
        Datatype::Uint8 => DatumType::U8,
        Datatype::Uint16 => DatumType::U16,
        Datatype::Uint32 => DatumType::U32,
        Datatype::Uint64 => DatumType::U64,
        Datatype::Int8 => DatumType::I8,
        Datatype::Int16 => DatumType::I16,
        Datatype::Int32 => DatumType::I32,
        Datatype::Int64 => DatumType::I64,
        Datatype::Fp16 => DatumType::F16,
        Datatype::Fp32 => DatumType::F32,
        Datatype::Fp64 => DatumType::F64,
        Datatype::Bytes | Datatype::Bf16 => return None,
    })
}

fn to_tract(t: InferTensor) -> Result<TValue, InferError> {
    match t.data {
        Data::Raw(bytes) => {
            let dt = datum_of(t.datatype).ok_or_else(|| {
                InferError::Invalid(format!("input '{}': datatype not supported", t.name))
            })?;
            let mut tensor =
                Tensor::zero_dt(dt, &t.shape).map_err(|e| InferError::Run(format!("{e:#}")))?;
            // Bool bytes were normalised to 0/1 when decoded.
            tensor.as_bytes_mut().copy_from_slice(&bytes);
            Ok(tensor.into_tvalue())
        }
        Data::Bytes(items) => {
            let strings: Vec<String> = items
                .into_iter()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .collect();
            let array = tract_ndarray::ArrayD::from_shape_vec(t.shape, strings)
                .map_err(|e| InferError::Invalid(e.to_string()))?;
            Ok(Tensor::from(array).into_tvalue())
        }
    }
}

fn from_tract(name: &str, t: &Tensor) -> Result<InferTensor, InferError> {
    let datatype = datatype_of(t.datum_type())
        .ok_or_else(|| InferError::Run(format!("output '{name}' has type {:?}", t.datum_type())))?;
    let data = match t.datum_type() {
        DatumType::String => Data::Bytes(
            t.to_plain_array_view::<String>()
                .map_err(|e| InferError::Run(format!("{e:#}")))?
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect(),
        ),
        DatumType::Blob => Data::Bytes(
            t.to_plain_array_view::<Blob>()
                .map_err(|e| InferError::Run(format!("{e:#}")))?
                .iter()
                .map(|b| b.as_bytes().to_vec())
                .collect(),
        ),
        _ => Data::Raw(t.as_bytes().to_vec()),
    };
    Ok(InferTensor {
        name: name.to_owned(),
        datatype,
        shape: t.shape().to_vec(),
        data,
    })
}

fn v2_of_tf(dtype: DType) -> Datatype {
    match dtype {
        DType::Float => Datatype::Fp32,
        DType::Double => Datatype::Fp64,
        DType::Int32 => Datatype::Int32,
        DType::Uint8 => Datatype::Uint8,
        DType::Int16 => Datatype::Int16,
        DType::Int8 => Datatype::Int8,
        DType::String => Datatype::Bytes,
        DType::Int64 => Datatype::Int64,
        DType::Bool => Datatype::Bool,
    }
}

fn to_tf(t: InferTensor) -> Result<TfTensor, InferError> {
    fn chunks<const N: usize, T>(bytes: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
        bytes
            .chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                f(a)
            })
            .collect()
    }
    let values = match (t.data, t.datatype) {
        (Data::Bytes(items), _) => Values::String(items),
        (Data::Raw(b), Datatype::Fp32) => Values::Float(chunks(&b, f32::from_le_bytes)),
        (Data::Raw(b), Datatype::Fp64) => Values::Double(chunks(&b, f64::from_le_bytes)),
        (Data::Raw(b), Datatype::Int32) => Values::Int32(chunks(&b, i32::from_le_bytes)),
        (Data::Raw(b), Datatype::Int64) => Values::Int64(chunks(&b, i64::from_le_bytes)),
        (Data::Raw(b), Datatype::Int16) => Values::Int16(chunks(&b, i16::from_le_bytes)),
        (Data::Raw(b), Datatype::Int8) => Values::Int8(chunks(&b, i8::from_le_bytes)),
        (Data::Raw(b), Datatype::Uint8) => Values::Uint8(b),
        (Data::Raw(b), Datatype::Bool) => Values::Bool(b.iter().map(|x| *x != 0).collect()),
        (_, other) => {
            return Err(InferError::Invalid(format!(
                "input '{}': datatype {} is not supported by TensorFlow models",
                t.name,
                super::tensor::datatype_name(other)
            )));
        }
    };
    Ok(TfTensor {
        shape: t.shape,
        values,
    })
}

fn from_tf(name: &str, t: TfTensor) -> InferTensor {
    fn raw<T, const N: usize>(v: &[T], f: impl Fn(&T) -> [u8; N]) -> Vec<u8> {
        v.iter().flat_map(f).collect()
    }
    let (datatype, data) = match t.values {
        Values::Float(v) => (Datatype::Fp32, Data::Raw(raw(&v, |x| x.to_le_bytes()))),
        Values::Double(v) => (Datatype::Fp64, Data::Raw(raw(&v, |x| x.to_le_bytes()))),
        Values::Int32(v) => (Datatype::Int32, Data::Raw(raw(&v, |x| x.to_le_bytes()))),
        Values::Int64(v) => (Datatype::Int64, Data::Raw(raw(&v, |x| x.to_le_bytes()))),
        Values::Int16(v) => (Datatype::Int16, Data::Raw(raw(&v, |x| x.to_le_bytes()))),
        Values::Int8(v) => (Datatype::Int8, Data::Raw(raw(&v, |x| x.to_le_bytes()))),
        Values::Uint8(v) => (Datatype::Uint8, Data::Raw(v)),
        Values::Bool(v) => (
            Datatype::Bool,
            Data::Raw(v.iter().map(|b| u8::from(*b)).collect()),
        ),
        Values::String(v) => (Datatype::Bytes, Data::Bytes(v)),
    };
    InferTensor {
        name: name.to_owned(),
        datatype,
        shape: t.shape,
        data,
    }
}
