//! One loaded model version: a SavedModel directory compiled into one tract plan per signature.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use prost::Message;
use serde_json::{Value as Json, json};
use tract_tensorflow::tfpb::tensorflow::attr_value::Value as AttrValue;
use tract_tensorflow::tfpb::tensorflow::{
    DataType, GraphDef, MetaGraphDef, SavedModel, SignatureDef, TensorInfo,
};
#[allow(clippy::wildcard_imports)] // tract's prelude: ops, facts, solver
use tract_tensorflow::tract_hir::internal::*;

use super::bundle::{Bundle, BundleError};
use super::error_chain;
use super::freeze::{FlatGraph, FreezeError, Frozen};
use super::ops;
use super::tensor::{DType, Tensor, Values};

/// The signature TF Serving uses when a request names none.
pub const DEFAULT_SIGNATURE: &str = "serving_default";
/// TF2 exports add this signature; it is an initializer, not something to serve.
const INIT_SIGNATURE: &str = "__saved_model_init_op";
const SERVE_TAG: &str = "serve";

type Plan = Arc<TypedRunnableModel>;

/// Why a version could not be loaded. Each names the directory, signature, op or node.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("failed to read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a SavedModel", path.display())]
    Decode {
        path: PathBuf,
        #[source]
        source: prost::DecodeError,
    },
    #[error("`{}` has no MetaGraph tagged `serve`", path.display())]
    NoServeMetaGraph { path: PathBuf },
    #[error("failed to read the checkpoint of `{}`", path.display())]
    Checkpoint {
        path: PathBuf,
        #[source]
        source: BundleError,
    },
    #[error("failed to flatten the graph of `{}`", path.display())]
    Flatten {
        path: PathBuf,
        #[source]
        source: FreezeError,
    },
    #[error("`{}` has no signature that can be served", path.display())]
    NoSignature { path: PathBuf },
    #[error("failed to load signature `{signature}`")]
    Signature {
        signature: String,
        #[source]
        source: SignatureError,
    },
}

/// Why one signature cannot run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SignatureError {
    #[error("unsupported op `{op}` in node `{node}`")]
    UnsupportedOp { op: String, node: String },
    #[error("{0}")]
    Freeze(String),
    #[error("input `{alias}` has dtype `{dtype}`, which the server cannot exchange")]
    UnsupportedDtype { alias: String, dtype: &'static str },
    #[error("input `{alias}` has an unknown rank")]
    UnknownRank { alias: String },
    #[error("input `{alias}` has a dimension of {size}; a size is -1 (any) or at least 0")]
    NegativeDim { alias: String, size: i64 },
    #[error("failed to compile the graph: {0}")]
    Compile(String),
}

/// Why a predict call failed; the REST layer maps these to status codes.
#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    #[error("Serving signature name: \"{0}\" not found in signature def")]
    UnknownSignature(String),
    #[error("signature `{signature}` cannot be served: {source}")]
    Unservable {
        signature: String,
        source: SignatureError,
    },
    #[error("{0}")]
    InvalidInput(String),
    #[error("model execution failed: {0}")]
    Run(String),
}

/// Name, dtype and shape (`-1` = any size) of a signature input or output.
#[derive(Debug, Clone)]
pub struct TensorSpec {
    pub alias: String,
    pub dtype: i32,
    pub shape: Option<Vec<i64>>,
}

/// How long a run may take and still run on the async worker that read its request: tokio's
/// guidance for the longest stretch between two awaits. A longer run stalls every connection
/// that worker serves, so it goes to the blocking pool, whose hand-over (a thread woken there
/// and one woken back) costs more than a small model's whole run.
pub const BRIEF_RUN: Duration = Duration::from_micros(100);

/// A compiled signature.
pub struct Signature {
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
    plan: Plan,
    /// How long the last run took per input value, in picoseconds; `u64::MAX` before the first.
    last_run_pico_per_value: AtomicU64,
}

/// One loaded version.
pub struct Servable {
    signatures: BTreeMap<String, Result<Signature, SignatureError>>,
    metadata: Json,
}

impl std::fmt::Debug for Servable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Servable")
            .field("signatures", &self.signatures.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Servable {
    /// Loads and compiles the SavedModel in `dir` (`saved_model.pb` + `variables/`).
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        let path = dir.join("saved_model.pb");
        let bytes = std::fs::read(&path).map_err(|source| LoadError::Read {
            path: path.clone(),
            source,
        })?;
        let saved = SavedModel::decode(bytes.as_slice()).map_err(|source| LoadError::Decode {
            path: path.clone(),
            source,
        })?;
        let meta = saved
            .meta_graphs
            .into_iter()
            .find(|m| {
                m.meta_info_def
                    .as_ref()
                    .is_some_and(|i| i.tags.iter().any(|t| t == SERVE_TAG))
            })
            .ok_or_else(|| LoadError::NoServeMetaGraph { path: path.clone() })?;
        let prefix = dir.join("variables").join("variables");
        let bundle = if prefix.with_extension("index").exists() {
            Some(
                Bundle::open(&prefix).map_err(|source| LoadError::Checkpoint {
                    path: dir.to_path_buf(),
                    source,
                })?,
            )
        } else {
            None
        };
        let flat = FlatGraph::new(&meta).map_err(|source| LoadError::Flatten {
            path: dir.to_path_buf(),
            source,
        })?;
        let tf = ops::tensorflow();
        let mut signatures = BTreeMap::new();
        for (name, def) in sorted_signatures(&meta) {
            if name == INIT_SIGNATURE {
                continue;
            }
            let compiled = compile(&tf, &flat, def, bundle.as_ref());
            if let Err(e) = &compiled {
                tracing::warn!(signature = %name, error = %e, "signature cannot be served");
            }
            signatures.insert(name.clone(), compiled);
        }
        if let Some(err) = first_error_if_none_ok(&signatures) {
            return Err(err);
        }
        if signatures.is_empty() {
            return Err(LoadError::NoSignature {
                path: dir.to_path_buf(),
            });
        }
        Ok(Self {
            signatures,
            metadata: metadata_json(&meta),
        })
    }

    /// TF Serving's `signature_def` metadata object (all signatures of the MetaGraph).
    #[must_use]
    pub fn metadata(&self) -> &Json {
        &self.metadata
    }

    /// The signature named `name` (or `serving_default`).
    pub fn signature(&self, name: Option<&str>) -> Result<&Signature, PredictError> {
        let name = name.unwrap_or(DEFAULT_SIGNATURE);
        match self.signatures.get(name) {
            Some(Ok(signature)) => Ok(signature),
            Some(Err(source)) => Err(PredictError::Unservable {
                signature: name.to_owned(),
                source: source.clone(),
            }),
            None => Err(PredictError::UnknownSignature(name.to_owned())),
        }
    }
}

impl Signature {
    /// Whether a run on `inputs` should take under [`BRIEF_RUN`], at the last run's time per
    /// input value (so a batch far larger than the last one is not taken for brief). Never
    /// before the first run: a model of unknown cost starts on the blocking pool.
    #[must_use]
    pub fn runs_briefly(&self, inputs: &BTreeMap<String, Tensor>) -> bool {
        let rate = self.last_run_pico_per_value.load(Ordering::Relaxed);
        let values: usize = inputs.values().map(|tensor| tensor.values.len()).sum();
        let expected_pico = u128::from(rate) * (values.max(1) as u128);
        expected_pico < BRIEF_RUN.as_nanos() * 1000
    }

    /// Runs the signature. `inputs` must hold exactly the signature's inputs; outputs come back
    /// in alias order.
    pub fn predict(
        &self,
        mut inputs: BTreeMap<String, Tensor>,
    ) -> Result<Vec<(String, Tensor)>, PredictError> {
        let mut batch: Option<(usize, &str)> = None;
        let mut values = TVec::new();
        for spec in &self.inputs {
            let tensor = inputs.remove(&spec.alias).ok_or_else(|| {
                PredictError::InvalidInput(format!("missing input `{}`", spec.alias))
            })?;
            check_input(spec, &tensor)?;
            if spec.shape.as_ref().is_some_and(|s| s.first() == Some(&-1)) {
                let n = tensor.shape[0];
                match batch {
                    Some((m, other)) if m != n => {
                        return Err(PredictError::InvalidInput(format!(
                            "inputs `{other}` and `{}` have different batch sizes ({m} and {n})",
                            spec.alias
                        )));
                    }
                    _ => batch = Some((n, &spec.alias)),
                }
            }
            values.push(to_tract(tensor).map_err(|e| PredictError::InvalidInput(e.to_string()))?);
        }
        if let Some(extra) = inputs.keys().next() {
            return Err(PredictError::InvalidInput(format!(
                "`{extra}` is not an input of the signature"
            )));
        }
        let count: usize = values.iter().map(|value| value.len()).sum();
        let started = Instant::now();
        let outputs = self.plan.run(values);
        let pico = started.elapsed().as_nanos() * 1000 / (count.max(1) as u128);
        self.last_run_pico_per_value
            .store(u64::try_from(pico).unwrap_or(u64::MAX), Ordering::Relaxed);
        let outputs = outputs.map_err(|e| PredictError::Run(format!("{e:#}")))?;
        self.outputs
            .iter()
            .zip(outputs)
            .map(|(spec, t)| {
                from_tract(&t)
                    .map(|t| (spec.alias.clone(), t))
                    .map_err(|e| PredictError::Run(format!("output `{}`: {e:#}", spec.alias)))
            })
            .collect()
    }
}

fn first_error_if_none_ok(
    signatures: &BTreeMap<String, Result<Signature, SignatureError>>,
) -> Option<LoadError> {
    if signatures.values().any(Result::is_ok) {
        return None;
    }
    signatures.iter().find_map(|(name, r)| {
        r.as_ref().err().map(|e| LoadError::Signature {
            signature: name.clone(),
            source: e.clone(),
        })
    })
}

fn sorted_signatures(meta: &MetaGraphDef) -> BTreeMap<&String, &SignatureDef> {
    meta.signature_def.iter().collect()
}

fn specs(map: &HashMap<String, TensorInfo>) -> Vec<TensorSpec> {
    let sorted: BTreeMap<&String, &TensorInfo> = map.iter().collect();
    sorted
        .into_iter()
        .map(|(alias, info)| TensorSpec {
            alias: alias.clone(),
            dtype: info.dtype,
            shape: info
                .tensor_shape
                .as_ref()
                .filter(|s| !s.unknown_rank)
                .map(|s| s.dim.iter().map(|d| d.size).collect()),
        })
        .collect()
}

fn compile(
    tf: &tract_tensorflow::Tensorflow,
    flat: &FlatGraph,
    def: &SignatureDef,
    bundle: Option<&Bundle>,
) -> Result<Signature, SignatureError> {
    let Frozen {
        graph,
        inputs,
        outputs,
    } = flat
        .freeze(def, bundle)
        .map_err(|e| SignatureError::Freeze(error_chain(&e)))?;
    if let Some(node) = graph.node.iter().find(|n| !ops::is_supported(tf, &n.op)) {
        return Err(SignatureError::UnsupportedOp {
            op: node.op.clone(),
            node: node.name.clone(),
        });
    }
    let input_specs = specs(&def.inputs);
    let output_specs = specs(&def.outputs);
    // tract checks dimensions only with debug assertions; refuse them here, by name.
    for spec in &input_specs {
        if let Some(&size) = spec.shape.iter().flatten().find(|&&size| size < -1) {
            return Err(SignatureError::NegativeDim {
                alias: spec.alias.clone(),
                size,
            });
        }
    }
    if let Some((node, attribute)) = malformed_attribute(&graph) {
        return Err(SignatureError::Compile(format!(
            "node `{node}`: attribute `{attribute}` has no value or an unknown dtype"
        )));
    }
    let compile_error = |e: TractError| SignatureError::Compile(format!("{e:#}"));
    // tract-tensorflow's builders can panic on malformed attributes: contain it to this model.
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut model = tf.parse_graph(&graph)?.0;
        model.set_input_names(inputs.iter().map(|(_, node)| node))?;
        model.select_outputs_by_name(outputs.iter().map(|(_, node)| node))?;
        for (ix, spec) in input_specs.iter().enumerate() {
            model.set_input_fact(ix, input_fact(&model, spec)?)?;
        }
        model.into_optimized()?.into_runnable()
    }))
    .map_err(|_| SignatureError::Compile("the graph builder panicked".to_owned()))?;
    let plan = built.map_err(compile_error)?;
    Ok(Signature {
        inputs: input_specs,
        outputs: output_specs,
        plan,
        last_run_pico_per_value: AtomicU64::new(u64::MAX),
    })
}

/// The first node attribute that tract-tensorflow's builders would unwrap into a panic: one with
/// no value, or a dtype (or list of dtypes) that is no `DataType`. The panic would be contained
/// below, but this names the node.
fn malformed_attribute(graph: &GraphDef) -> Option<(String, String)> {
    let known = |dtype: &i32| DataType::try_from(*dtype).is_ok();
    graph.node.iter().find_map(|node| {
        node.attr
            .iter()
            .find(|(_, attr)| match &attr.value {
                None => true,
                Some(AttrValue::Type(dtype)) => !known(dtype),
                Some(AttrValue::List(list)) => !list.r#type.iter().all(known),
                Some(_) => false,
            })
            .map(|(name, _)| (node.name.clone(), name.clone()))
    })
}

fn input_fact(model: &InferenceModel, spec: &TensorSpec) -> TractResult<InferenceFact> {
    let Some(dtype) = DType::from_proto(spec.dtype) else {
        return Err(SignatureError::UnsupportedDtype {
            alias: spec.alias.clone(),
            dtype: DType::proto_name(spec.dtype),
        }
        .into());
    };
    let shape = spec
        .shape
        .as_ref()
        .ok_or_else(|| SignatureError::UnknownRank {
            alias: spec.alias.clone(),
        })?;
    // One shared batch symbol for every input whose first dim is unknown; any other unknown
    // dim gets its own symbol.
    let dims: TVec<TDim> = shape
        .iter()
        .enumerate()
        .map(|(axis, &size)| match (axis, size) {
            (0, -1) => model.sym("N").into(),
            (_, -1) => model.sym(&format!("{}_{axis}", spec.alias)).into(),
            (_, size) => TDim::Val(size),
        })
        .collect();
    Ok(InferenceFact::dt_shape(datum_type(dtype), dims))
}

fn datum_type(dtype: DType) -> DatumType {
    match dtype {
        DType::Float => DatumType::F32,
        DType::Double => DatumType::F64,
        DType::Int32 => DatumType::I32,
        DType::Uint8 => DatumType::U8,
        DType::Int16 => DatumType::I16,
        DType::Int8 => DatumType::I8,
        DType::String => DatumType::Blob,
        DType::Int64 => DatumType::I64,
        DType::Bool => DatumType::Bool,
    }
}

fn check_input(spec: &TensorSpec, tensor: &Tensor) -> Result<(), PredictError> {
    let got = tensor.values.dtype();
    if DType::from_proto(spec.dtype) != Some(got) {
        return Err(PredictError::InvalidInput(format!(
            "input `{}` has dtype {}, expected {}",
            spec.alias,
            got.short_name(),
            DType::proto_name(spec.dtype)
        )));
    }
    if let Some(expected) = &spec.shape {
        let fits = expected.len() == tensor.shape.len()
            && expected
                .iter()
                .zip(&tensor.shape)
                .all(|(&e, &g)| e < 0 || usize::try_from(e) == Ok(g));
        if !fits {
            return Err(PredictError::InvalidInput(format!(
                "input `{}` has shape {:?}, the signature expects {}",
                spec.alias,
                tensor.shape,
                format_shape(expected)
            )));
        }
    }
    Ok(())
}

fn format_shape(shape: &[i64]) -> String {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    format!("[{}]", dims.join(", "))
}

fn to_tract(tensor: Tensor) -> TractResult<TValue> {
    let shape = tensor.shape;
    let t = match tensor.values {
        Values::Float(v) => Tensor_::from_shape(&shape, &v)?,
        Values::Double(v) => Tensor_::from_shape(&shape, &v)?,
        Values::Int32(v) => Tensor_::from_shape(&shape, &v)?,
        Values::Uint8(v) => Tensor_::from_shape(&shape, &v)?,
        Values::Int16(v) => Tensor_::from_shape(&shape, &v)?,
        Values::Int8(v) => Tensor_::from_shape(&shape, &v)?,
        Values::Int64(v) => Tensor_::from_shape(&shape, &v)?,
        Values::Bool(v) => Tensor_::from_shape(&shape, &v)?,
        Values::String(v) => {
            let blobs = v
                .iter()
                .map(|b| Blob::from_bytes(b))
                .collect::<TractResult<Vec<_>>>()?;
            tract_ndarray::ArrayD::from_shape_vec(shape, blobs)?.into()
        }
    };
    Ok(t.into_tvalue())
}

type Tensor_ = tract_tensorflow::tract_hir::prelude::Tensor;

fn from_tract(t: &Tensor_) -> TractResult<Tensor> {
    fn collect<T: Datum + Clone>(t: &Tensor_) -> TractResult<Vec<T>> {
        Ok(t.to_plain_array_view::<T>()?.iter().cloned().collect())
    }
    let values = match t.datum_type() {
        DatumType::F32 => Values::Float(collect(t)?),
        DatumType::F64 => Values::Double(collect(t)?),
        DatumType::I32 => Values::Int32(collect(t)?),
        DatumType::U8 => Values::Uint8(collect(t)?),
        DatumType::I16 => Values::Int16(collect(t)?),
        DatumType::I8 => Values::Int8(collect(t)?),
        DatumType::I64 => Values::Int64(collect(t)?),
        DatumType::Bool => Values::Bool(collect(t)?),
        DatumType::Blob => Values::String(
            collect::<Blob>(t)?
                .iter()
                .map(|b| b.as_bytes().to_vec())
                .collect(),
        ),
        other => bail!("dtype {other:?} cannot be returned"),
    };
    Ok(Tensor {
        shape: t.shape().to_vec(),
        values,
    })
}

/// `GetModelMetadataResponse.metadata.signature_def` as TF Serving prints it.
fn metadata_json(meta: &MetaGraphDef) -> Json {
    let info = |map: &HashMap<String, TensorInfo>| -> Json {
        let sorted: BTreeMap<&String, &TensorInfo> = map.iter().collect();
        let entries = sorted.into_iter().map(|(alias, info)| {
            let name = match &info.encoding {
                Some(tract_tensorflow::tfpb::tensorflow::tensor_info::Encoding::Name(n)) => {
                    n.clone()
                }
                _ => String::new(),
            };
            let shape = info.tensor_shape.clone().unwrap_or_default();
            let dims: Vec<Json> = shape
                .dim
                .iter()
                .map(|d| json!({"size": d.size.to_string(), "name": d.name}))
                .collect();
            (
                alias.clone(),
                json!({
                    "dtype": DType::proto_name(info.dtype),
                    "tensor_shape": {"dim": dims, "unknown_rank": shape.unknown_rank},
                    "name": name,
                }),
            )
        });
        Json::Object(entries.collect())
    };
    let signatures = sorted_signatures(meta).into_iter().map(|(name, def)| {
        (
            name.clone(),
            json!({
                "inputs": info(&def.inputs),
                "outputs": info(&def.outputs),
                "method_name": def.method_name,
                "defaults": {},
            }),
        )
    });
    json!({"signature_def": Json::Object(signatures.collect())})
}
