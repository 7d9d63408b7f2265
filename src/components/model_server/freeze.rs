//! Turns a SavedModel's `serve` MetaGraph into one frozen, flat TF1 `GraphDef` per signature,
//! the only form tract-tensorflow can run.
//!
//! Steps: inline every function call (`StatefulPartitionedCall`, `PartitionedCall`, direct
//! calls) into the top-level graph; map each variable to its checkpoint key by walking the
//! restore graph (`Assign`/`AssignVariableOp` <- `RestoreV2` <- its `tensor_names` constant);
//! cut the graph at the signature's inputs and prune it back from its outputs; replace variables
//! by constants read from the checkpoint; re-add the attributes that `stripped_default_attrs`
//! removed. Pure except for reading checkpoint tensors through [`Bundle`].

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use tract_tensorflow::tfpb::tensorflow::attr_value::Value;
use tract_tensorflow::tfpb::tensorflow::{
    AttrValue, FunctionDef, GraphDef, MetaGraphDef, NodeDef, OpDef, SignatureDef, TensorInfo,
    TensorProto, TensorShapeProto, tensor_info,
};

use super::bundle::{Bundle, BundleError};

/// Prefix of the placeholder nodes that stand for signature inputs.
pub(crate) const INPUT_PREFIX: &str = "__signature_input__/";
/// Prefix of the identity nodes that expose signature outputs.
pub(crate) const OUTPUT_PREFIX: &str = "__signature_output__/";
/// Function inlining deeper than this is a cycle or a pathological graph.
const MAX_CALL_DEPTH: usize = 64;

/// Why a signature could not be turned into a frozen graph.
#[derive(Debug, thiserror::Error)]
pub enum FreezeError {
    #[error("node `{node}` calls unknown function `{function}`")]
    UnknownFunction { node: String, function: String },
    #[error("node `{node}`: {problem}")]
    BadNode { node: String, problem: String },
    #[error("function calls nested deeper than {MAX_CALL_DEPTH} levels at `{node}`")]
    TooDeep { node: String },
    #[error(
        "signature {what} `{alias}` is not a dense tensor (sparse and composite tensors are not supported)"
    )]
    NotDense { what: &'static str, alias: String },
    #[error("signature refers to tensor `{tensor}`, which is not in the graph")]
    MissingTensor { tensor: String },
    #[error("the graph needs placeholder `{node}`, which is not an input of the signature")]
    UnfedPlaceholder { node: String },
    #[error("variable `{node}` is not restored from the checkpoint")]
    UnrestoredVariable { node: String },
    #[error("failed to read variable `{node}` from the checkpoint")]
    ReadVariable {
        node: String,
        #[source]
        source: BundleError,
    },
}

/// A graph ready for tract, with the names of its input placeholders and output identities in
/// the signature's alias order (sorted).
#[derive(Debug)]
pub(crate) struct Frozen {
    pub graph: GraphDef,
    pub inputs: Vec<(String, String)>,
    pub outputs: Vec<(String, String)>,
}

/// The whole MetaGraph, flattened once, from which every signature is frozen.
pub(crate) struct FlatGraph {
    nodes: Vec<NodeDef>,
    index: HashMap<String, usize>,
    /// `call:k` → the body tensor that the call's k-th output stands for.
    aliases: HashMap<String, String>,
    op_defs: HashMap<String, OpDef>,
    /// Variable node name → checkpoint key.
    restored: HashMap<String, String>,
}

impl FlatGraph {
    pub(crate) fn new(meta: &MetaGraphDef) -> Result<Self, FreezeError> {
        let graph = meta.graph_def.clone().unwrap_or_default();
        let op_defs: HashMap<String, OpDef> = meta
            .meta_info_def
            .as_ref()
            .and_then(|m| m.stripped_op_list.as_ref())
            .map(|l| l.op.iter().map(|o| (o.name.clone(), o.clone())).collect())
            .unwrap_or_default();
        let functions: HashMap<&str, &FunctionDef> = graph
            .library
            .as_ref()
            .map(|l| {
                l.function
                    .iter()
                    .filter_map(|f| f.signature.as_ref().map(|s| (s.name.as_str(), f)))
                    .collect()
            })
            .unwrap_or_default();
        let mut inliner = Inliner {
            functions: &functions,
            op_defs: &op_defs,
            nodes: Vec::new(),
            aliases: HashMap::new(),
        };
        for node in graph.node {
            let mut node = node;
            node.input.retain(|i| !i.starts_with('^'));
            inliner.add(node, 0)?;
        }
        let Inliner { nodes, aliases, .. } = inliner;
        let index = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.clone(), i))
            .collect();
        let mut flat = Self {
            nodes,
            index,
            aliases,
            op_defs,
            restored: HashMap::new(),
        };
        flat.restored = flat.restore_map();
        Ok(flat)
    }

    /// Resolves a tensor name through call aliases to a real `node:index`.
    fn resolve(&self, tensor: &str) -> String {
        let mut current = normalize(tensor);
        for _ in 0..=self.aliases.len() {
            match self.aliases.get(&current) {
                Some(next) => current = normalize(next),
                None => break,
            }
        }
        current
    }

    fn node(&self, tensor: &str) -> Option<&NodeDef> {
        let (name, _) = split_tensor(tensor);
        self.index.get(name).map(|&i| &self.nodes[i])
    }

    /// Follows `Identity` chains (the restore graph puts them between the pieces).
    fn through_identities(&self, tensor: &str) -> String {
        let mut current = self.resolve(tensor);
        for _ in 0..self.nodes.len() {
            match self.node(&current) {
                Some(n) if n.op == "Identity" && !n.input.is_empty() => {
                    current = self.resolve(&n.input[0]);
                }
                _ => break,
            }
        }
        current
    }

    /// Variable node → checkpoint key, from every `Assign`/`AssignVariableOp` fed by `RestoreV2`.
    fn restore_map(&self) -> HashMap<String, String> {
        let mut map = HashMap::new();
        for node in &self.nodes {
            if !matches!(node.op.as_str(), "Assign" | "AssignVariableOp") || node.input.len() < 2 {
                continue;
            }
            let var = self.through_identities(&node.input[0]);
            let value = self.through_identities(&node.input[1]);
            let (Some(var_node), Some(restore)) = (self.node(&var), self.node(&value)) else {
                continue;
            };
            if !matches!(var_node.op.as_str(), "VariableV2" | "VarHandleOp")
                || !matches!(restore.op.as_str(), "RestoreV2" | "RestoreV2_1")
                || restore.input.len() < 2
            {
                continue;
            }
            let (_, slot) = split_tensor(&value);
            let names = self.through_identities(&restore.input[1]);
            let Some(names) = self.node(&names).and_then(|n| attr_tensor(n, "value")) else {
                continue;
            };
            if let Some(key) = names.string_val.get(slot) {
                map.entry(var_node.name.clone())
                    .or_insert_with(|| String::from_utf8_lossy(key).into_owned());
            }
        }
        map
    }

    /// Builds the frozen graph computing `signature`.
    pub(crate) fn freeze(
        &self,
        signature: &SignatureDef,
        bundle: Option<&Bundle>,
    ) -> Result<Frozen, FreezeError> {
        let mut replace: HashMap<String, String> = HashMap::new();
        let mut new_nodes = Vec::new();
        let mut inputs = Vec::new();
        for (alias, info) in sorted(&signature.inputs) {
            let tensor = self.resolve(&dense_name(info, "input", alias)?);
            if self.node(&tensor).is_none() {
                return Err(FreezeError::MissingTensor { tensor });
            }
            let name = format!("{INPUT_PREFIX}{alias}");
            new_nodes.push(placeholder(&name, info));
            replace.insert(tensor, format!("{name}:0"));
            inputs.push((alias.clone(), name));
        }
        let mut outputs = Vec::new();
        let mut roots = Vec::new();
        for (alias, info) in sorted(&signature.outputs) {
            let tensor = self.resolve(&dense_name(info, "output", alias)?);
            if self.node(&tensor).is_none() {
                return Err(FreezeError::MissingTensor { tensor });
            }
            let name = format!("{OUTPUT_PREFIX}{alias}");
            let source = replace.get(&tensor).cloned().unwrap_or(tensor);
            roots.push(source.clone());
            let mut node = NodeDef {
                name: name.clone(),
                op: "Identity".to_owned(),
                input: vec![source],
                ..NodeDef::default()
            };
            node.attr.insert(
                "T".to_owned(),
                AttrValue {
                    value: Some(Value::Type(info.dtype)),
                },
            );
            new_nodes.push(node);
            outputs.push((alias.clone(), name));
        }

        // Prune: walk back from the outputs; signature inputs are cut by `replace`.
        let mut keep: Vec<usize> = Vec::new();
        let mut seen: HashSet<usize> = HashSet::new();
        let mut queue: VecDeque<String> = roots.into();
        while let Some(tensor) = queue.pop_front() {
            let (name, _) = split_tensor(&tensor);
            if name.starts_with(INPUT_PREFIX) {
                continue;
            }
            let Some(&i) = self.index.get(name) else {
                return Err(FreezeError::MissingTensor { tensor });
            };
            if !seen.insert(i) {
                continue;
            }
            keep.push(i);
            for input in &self.nodes[i].input {
                let resolved = self.resolve(input);
                queue.push_back(replace.get(&resolved).cloned().unwrap_or(resolved));
            }
        }
        keep.sort_unstable();

        let mut nodes = Vec::with_capacity(keep.len() + new_nodes.len());
        nodes.extend(new_nodes.iter().filter(|n| n.op == "Placeholder").cloned());
        for i in keep {
            let mut node = self.nodes[i].clone();
            for input in &mut node.input {
                let resolved = self.resolve(input);
                *input = replace.get(&resolved).cloned().unwrap_or(resolved);
            }
            self.freeze_node(&mut node, bundle)?;
            self.add_default_attrs(&mut node);
            nodes.push(node);
        }
        nodes.extend(new_nodes.into_iter().filter(|n| n.op != "Placeholder"));
        Ok(Frozen {
            graph: GraphDef {
                node: nodes,
                ..GraphDef::default()
            },
            inputs,
            outputs,
        })
    }

    /// Rewrites the stateful and training-only ops that tract cannot or need not run.
    fn freeze_node(&self, node: &mut NodeDef, bundle: Option<&Bundle>) -> Result<(), FreezeError> {
        match node.op.as_str() {
            "VariableV2" | "VarHandleOp" => {
                let key = self.restored.get(&node.name).ok_or_else(|| {
                    FreezeError::UnrestoredVariable {
                        node: node.name.clone(),
                    }
                })?;
                let read = |source| FreezeError::ReadVariable {
                    node: node.name.clone(),
                    source,
                };
                let raw = bundle
                    .ok_or_else(|| read(BundleError::MissingKey { key: key.clone() }))?
                    .read(key)
                    .map_err(read)?;
                let tensor = TensorProto {
                    dtype: raw.dtype,
                    tensor_shape: Some(shape_proto(&raw.shape)),
                    tensor_content: raw.data,
                    ..TensorProto::default()
                };
                "Const".clone_into(&mut node.op);
                node.input.clear();
                node.attr.clear();
                node.attr.insert(
                    "dtype".to_owned(),
                    AttrValue {
                        value: Some(Value::Type(raw.dtype)),
                    },
                );
                node.attr.insert(
                    "value".to_owned(),
                    AttrValue {
                        value: Some(Value::Tensor(tensor)),
                    },
                );
            }
            "ReadVariableOp" | "PlaceholderWithDefault" | "StopGradient" | "Snapshot" => {
                let dtype = node
                    .attr
                    .get("dtype")
                    .or_else(|| node.attr.get("T"))
                    .cloned();
                "Identity".clone_into(&mut node.op);
                node.input.truncate(1);
                node.attr.clear();
                if let Some(dtype) = dtype {
                    node.attr.insert("T".to_owned(), dtype);
                }
            }
            "Placeholder" => {
                return Err(FreezeError::UnfedPlaceholder {
                    node: node.name.clone(),
                });
            }
            _ => {}
        }
        node.attr.retain(|_, v| v.value.is_some());
        Ok(())
    }

    fn add_default_attrs(&self, node: &mut NodeDef) {
        if let Some(op) = self.op_defs.get(&node.op) {
            for attr in &op.attr {
                if let Some(default) = &attr.default_value
                    && default.value.is_some()
                {
                    node.attr
                        .entry(attr.name.clone())
                        .or_insert_with(|| default.clone());
                }
            }
        }
    }
}

/// Copies nodes into the flat graph, expanding function calls recursively.
struct Inliner<'a> {
    functions: &'a HashMap<&'a str, &'a FunctionDef>,
    op_defs: &'a HashMap<String, OpDef>,
    nodes: Vec<NodeDef>,
    aliases: HashMap<String, String>,
}

impl Inliner<'_> {
    /// Adds a node whose inputs are already flat `node:index` names.
    fn add(&mut self, node: NodeDef, depth: usize) -> Result<(), FreezeError> {
        let Some(function_name) = self.called_function(&node) else {
            self.nodes.push(node);
            return Ok(());
        };
        if depth >= MAX_CALL_DEPTH {
            return Err(FreezeError::TooDeep { node: node.name });
        }
        let function = *self.functions.get(function_name.as_str()).ok_or_else(|| {
            FreezeError::UnknownFunction {
                node: node.name.clone(),
                function: function_name.clone(),
            }
        })?;
        let signature = function.signature.clone().unwrap_or_default();
        let bad = |problem: String| FreezeError::BadNode {
            node: node.name.clone(),
            problem,
        };
        if signature.input_arg.len() != node.input.len() {
            return Err(bad(format!(
                "calls `{function_name}` with {} inputs, it takes {}",
                node.input.len(),
                signature.input_arg.len()
            )));
        }
        let args: HashMap<&str, &str> = signature
            .input_arg
            .iter()
            .map(|a| a.name.as_str())
            .zip(node.input.iter().map(String::as_str))
            .collect();
        let prefix = &node.name;
        let body: HashMap<&str, &NodeDef> = function
            .node_def
            .iter()
            .map(|n| (n.name.as_str(), n))
            .collect();
        let translate = |reference: &str| -> Result<String, FreezeError> {
            self.translate(reference, prefix, &args, &body)
                .map_err(|problem| bad(format!("in `{function_name}`: {problem}")))
        };
        let mut inner = Vec::with_capacity(function.node_def.len());
        for body_node in &function.node_def {
            let mut flat = body_node.clone();
            flat.name = format!("{prefix}/{}", body_node.name);
            flat.input = body_node
                .input
                .iter()
                .filter(|i| !i.starts_with('^'))
                .map(|i| translate(i))
                .collect::<Result<_, _>>()?;
            inner.push(flat);
        }
        let mut returns = Vec::with_capacity(signature.output_arg.len());
        for (k, out) in signature.output_arg.iter().enumerate() {
            let reference = function
                .ret
                .get(&out.name)
                .ok_or_else(|| bad(format!("`{function_name}` does not return `{}`", out.name)))?;
            returns.push((format!("{prefix}:{k}"), translate(reference)?));
        }
        self.aliases.extend(returns);
        for flat in inner {
            self.add(flat, depth + 1)?;
        }
        Ok(())
    }

    fn called_function(&self, node: &NodeDef) -> Option<String> {
        if matches!(
            node.op.as_str(),
            "StatefulPartitionedCall" | "PartitionedCall"
        ) {
            return match node.attr.get("f").and_then(|a| a.value.as_ref()) {
                Some(Value::Func(f)) => Some(f.name.clone()),
                _ => None,
            };
        }
        self.functions
            .contains_key(node.op.as_str())
            .then(|| node.op.clone())
    }

    /// Translates a function-body reference (`arg`, `node:out_arg:i`) to a flat tensor name.
    fn translate(
        &self,
        reference: &str,
        prefix: &str,
        args: &HashMap<&str, &str>,
        body: &HashMap<&str, &NodeDef>,
    ) -> Result<String, String> {
        let parts: Vec<&str> = reference.split(':').collect();
        match parts.as_slice() {
            [arg] | [arg, "0"] if args.contains_key(arg) => Ok(normalize(args[arg])),
            [node, out_arg, index] => {
                let body_node = body
                    .get(node)
                    .ok_or_else(|| format!("reference to unknown node `{node}`"))?;
                let index: usize = index
                    .parse()
                    .map_err(|_| format!("bad output index in `{reference}`"))?;
                let base = self.output_offset(body_node, out_arg)?;
                Ok(format!("{prefix}/{node}:{}", base + index))
            }
            [node] | [node, _] if body.contains_key(node) => Ok(format!("{prefix}/{node}:0")),
            _ => Err(format!("cannot resolve reference `{reference}`")),
        }
    }

    /// The flat index of the first tensor of output arg `name` of `node`.
    fn output_offset(&self, node: &NodeDef, name: &str) -> Result<usize, String> {
        if let Some(function) = self.called_function(node) {
            let f = self.functions.get(function.as_str()).ok_or_else(|| {
                format!("node `{}` calls unknown function `{function}`", node.name)
            })?;
            if matches!(
                node.op.as_str(),
                "StatefulPartitionedCall" | "PartitionedCall"
            ) {
                // `output` is the whole Tout list.
                return Ok(0);
            }
            let sig = f.signature.as_ref().ok_or("function without signature")?;
            return sig
                .output_arg
                .iter()
                .position(|a| a.name == name)
                .ok_or_else(|| format!("function `{function}` has no output `{name}`"));
        }
        let op = self
            .op_defs
            .get(&node.op)
            .ok_or_else(|| format!("op `{}` of node `{}` has no OpDef", node.op, node.name))?;
        let mut offset = 0;
        for arg in &op.output_arg {
            if arg.name == name {
                return Ok(offset);
            }
            offset += if !arg.number_attr.is_empty() {
                match node
                    .attr
                    .get(&arg.number_attr)
                    .and_then(|a| a.value.as_ref())
                {
                    Some(Value::I(n)) => usize::try_from(*n).unwrap_or(0),
                    _ => {
                        return Err(format!(
                            "node `{}` lacks attr `{}`",
                            node.name, arg.number_attr
                        ));
                    }
                }
            } else if !arg.type_list_attr.is_empty() {
                match node
                    .attr
                    .get(&arg.type_list_attr)
                    .and_then(|a| a.value.as_ref())
                {
                    Some(Value::List(l)) => l.r#type.len(),
                    _ => {
                        return Err(format!(
                            "node `{}` lacks attr `{}`",
                            node.name, arg.type_list_attr
                        ));
                    }
                }
            } else {
                1
            };
        }
        Err(format!("op `{}` has no output `{name}`", node.op))
    }
}

fn sorted(map: &HashMap<String, TensorInfo>) -> BTreeMap<&String, &TensorInfo> {
    map.iter().collect()
}

fn dense_name(info: &TensorInfo, what: &'static str, alias: &str) -> Result<String, FreezeError> {
    match &info.encoding {
        Some(tensor_info::Encoding::Name(name)) => Ok(name.clone()),
        _ => Err(FreezeError::NotDense {
            what,
            alias: alias.to_owned(),
        }),
    }
}

fn placeholder(name: &str, info: &TensorInfo) -> NodeDef {
    let mut node = NodeDef {
        name: name.to_owned(),
        op: "Placeholder".to_owned(),
        ..NodeDef::default()
    };
    node.attr.insert(
        "dtype".to_owned(),
        AttrValue {
            value: Some(Value::Type(info.dtype)),
        },
    );
    if let Some(shape) = info.tensor_shape.as_ref().filter(|s| !s.unknown_rank) {
        node.attr.insert(
            "shape".to_owned(),
            AttrValue {
                value: Some(Value::Shape(shape.clone())),
            },
        );
    }
    node
}

fn shape_proto(dims: &[i64]) -> TensorShapeProto {
    TensorShapeProto {
        dim: dims
            .iter()
            .map(
                |&size| tract_tensorflow::tfpb::tensorflow::tensor_shape_proto::Dim {
                    size,
                    name: String::new(),
                },
            )
            .collect(),
        unknown_rank: false,
    }
}

fn attr_tensor<'a>(node: &'a NodeDef, name: &str) -> Option<&'a TensorProto> {
    match node.attr.get(name).and_then(|a| a.value.as_ref()) {
        Some(Value::Tensor(t)) => Some(t),
        _ => None,
    }
}

/// `node` → `node:0`; `node:3` unchanged.
fn normalize(tensor: &str) -> String {
    let (name, slot) = split_tensor(tensor);
    format!("{name}:{slot}")
}

/// Splits `node:3` into (`node`, 3); a missing or non-numeric suffix means output 0.
pub(crate) fn split_tensor(tensor: &str) -> (&str, usize) {
    match tensor.rsplit_once(':') {
        Some((name, slot)) => match slot.parse() {
            Ok(slot) => (name, slot),
            Err(_) => (tensor, 0),
        },
        None => (tensor, 0),
    }
}
