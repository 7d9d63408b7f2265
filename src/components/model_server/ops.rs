//! The TensorFlow ops the builtin server runs: tract-tensorflow's register, with its known-wrong
//! builders replaced and the ops Keras/TF2 graphs commonly need added.
//!
//! Replaced: `Softmax` (stock: axis 1 of a 2-D view; TF: the last axis), `ConcatV2` (stock casts a
//! negative axis to `usize`), `Conv2D` (stock ignores `dilations`), `BiasAdd` (stock ignores
//! `data_format=NCHW`: refused here instead of answering wrong). Added: `BatchMatMul(V2|V3)`,
//! `Einsum`, `Erf`, `Exp`, `Sqrt`, `Square`, `Floor`, `LeakyRelu`, `FusedBatchNormV2/V3`.
//! Every op not in the register is refused at load time, naming op and node.

use tract_tensorflow::model::{ParsingContext, TfOpRegister};
use tract_tensorflow::ops::nn as tf_nn;
use tract_tensorflow::tfpb::tensorflow::NodeDef;
#[allow(clippy::wildcard_imports)] // tract's prelude: ops, facts, solver
use tract_tensorflow::tract_hir::internal::*;
use tract_tensorflow::tract_hir::ops::cnn::Conv;
use tract_tensorflow::tract_hir::ops::math;
use tract_tensorflow::tract_hir::ops::matmul::MatMulInference;
use tract_tensorflow::tract_hir::ops::nn::{DataFormat, Softmax};
use tract_tensorflow::tract_hir::tract_core::ops::array::TypedConcat;
use tract_tensorflow::tract_hir::tract_core::ops::einsum::EinSum;

type Builder = fn(&ParsingContext, &NodeDef) -> TractResult<Box<dyn InferenceOp>>;

/// Stock builders that the replacements delegate to once they checked what they refuse.
static STOCK_STRIDED_SLICE: std::sync::OnceLock<Builder> = std::sync::OnceLock::new();

/// tract-tensorflow with the fixes and additions above.
pub(crate) fn tensorflow() -> tract_tensorflow::Tensorflow {
    let mut tf = tract_tensorflow::tensorflow();
    if let Some(stock) = tf.op_register.0.get("StridedSlice") {
        let _ = STOCK_STRIDED_SLICE.set(*stock);
    }
    register(&mut tf.op_register);
    tf
}

fn register(reg: &mut TfOpRegister) {
    reg.insert("Softmax", |_, _| Ok(expand(Softmax::new(-1))));
    reg.insert("ConcatV2", |_, _| Ok(expand(ConcatV2)));
    reg.insert("Conv2D", conv2d);
    reg.insert("BiasAdd", bias_add);
    reg.insert("BatchMatMul", batch_mat_mul);
    reg.insert("BatchMatMulV2", batch_mat_mul);
    reg.insert("BatchMatMulV3", batch_mat_mul);
    reg.insert("Einsum", einsum);
    reg.insert("Erf", |_, _| Ok(math::erf().into_hir()));
    reg.insert("Exp", |_, _| Ok(math::exp().into_hir()));
    reg.insert("Sqrt", |_, _| Ok(math::sqrt().into_hir()));
    reg.insert("Square", |_, _| Ok(math::square().into_hir()));
    reg.insert("Floor", |_, _| Ok(math::floor().into_hir()));
    reg.insert("LeakyRelu", |_, node| {
        let alpha = node.get_attr_opt_float::<f32>("alpha")?.unwrap_or(0.2);
        Ok(tract_tensorflow::tract_hir::tract_core::ops::nn::leaky_relu(alpha).into_hir())
    });
    reg.insert("StridedSlice", strided_slice);
    reg.insert("FusedBatchNormV2", fused_batch_norm);
    reg.insert("FusedBatchNormV3", fused_batch_norm);
}

/// Whether `op` can be loaded.
pub(crate) fn is_supported(tf: &tract_tensorflow::Tensorflow, op: &str) -> bool {
    tf.op_register.0.contains_key(op)
}

fn conv2d(_: &ParsingContext, node: &NodeDef) -> TractResult<Box<dyn InferenceOp>> {
    let strides = tf_nn::strides(node)?;
    let format = tf_nn::data_format(node)?;
    let dilations: Vec<usize> = node
        .get_attr_opt_list_int("dilations")?
        .unwrap_or(vec![1; 4]);
    ensure!(
        dilations.len() == 4,
        "Conv2D `{}`: dilations must have 4 values",
        node.name
    );
    let spatial = if format == DataFormat::NHWC {
        1..3
    } else {
        2..4
    };
    let mut op = Conv::default()
        .hwio()
        .padding(tf_nn::padding(node)?)
        .strides(strides[1..3].into())
        .dilations(dilations[spatial].into());
    if format == DataFormat::NHWC {
        op = op.nhwc();
    } else {
        bail!("Conv2D `{}`: data_format NCHW is not supported", node.name);
    }
    Ok(expand(op))
}

/// tract's `StridedSlice` ignores `ellipsis_mask` and `new_axis_mask` (`x[..., :4]` would
/// slice axis 0): refuse those, delegate the rest.
fn strided_slice(ctx: &ParsingContext, node: &NodeDef) -> TractResult<Box<dyn InferenceOp>> {
    for mask in ["ellipsis_mask", "new_axis_mask"] {
        ensure!(
            node.get_attr_opt_int::<i64>(mask)?.unwrap_or(0) == 0,
            "StridedSlice `{}`: `{mask}` is not supported",
            node.name
        );
    }
    (STOCK_STRIDED_SLICE
        .get()
        .context("stock StridedSlice builder")?)(ctx, node)
}

fn bias_add(_: &ParsingContext, node: &NodeDef) -> TractResult<Box<dyn InferenceOp>> {
    ensure!(
        tf_nn::data_format(node)? == DataFormat::NHWC,
        "BiasAdd `{}`: data_format NCHW is not supported",
        node.name
    );
    Ok(math::Add.into_hir())
}

fn batch_mat_mul(_: &ParsingContext, node: &NodeDef) -> TractResult<Box<dyn InferenceOp>> {
    let adj_x = node.get_attr_opt_bool("adj_x")?.unwrap_or(false);
    let adj_y = node.get_attr_opt_bool("adj_y")?.unwrap_or(false);
    Ok(expand(
        MatMulInference::default()
            .with_a_trans(adj_x)
            .with_b_trans(adj_y),
    ))
}

fn fused_batch_norm(ctx: &ParsingContext, node: &NodeDef) -> TractResult<Box<dyn InferenceOp>> {
    ensure!(
        !node.get_attr_opt_bool("is_training")?.unwrap_or(true),
        "{} `{}`: only inference mode (is_training=false) is supported",
        node.op,
        node.name
    );
    ensure!(
        tf_nn::data_format(node)? == DataFormat::NHWC,
        "{} `{}`: data_format NCHW is not supported",
        node.op,
        node.name
    );
    tract_tensorflow::ops::nn::fused_batch_norm::fused_batch_norm(ctx, node)
}

fn einsum(_: &ParsingContext, node: &NodeDef) -> TractResult<Box<dyn InferenceOp>> {
    let equation = node.get_attr_str("equation")?;
    let n = node
        .get_attr_opt_int::<usize>("N")?
        .unwrap_or(node.input.len());
    Ok(expand(Einsum::parse(&equation, n)?))
}

/// `Einsum` with an explicit equation (`ij,jk->ik`); ellipses are refused.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
struct Einsum {
    inputs: Vec<Vec<char>>,
    output: Vec<char>,
}

impl Einsum {
    fn parse(equation: &str, n: usize) -> TractResult<Self> {
        let equation: String = equation.chars().filter(|c| !c.is_whitespace()).collect();
        ensure!(
            !equation.contains('.'),
            "Einsum `{equation}`: ellipsis is not supported"
        );
        let (lhs, rhs) = equation
            .split_once("->")
            .with_context(|| format!("Einsum `{equation}`: no `->`"))?;
        let inputs: Vec<Vec<char>> = lhs.split(',').map(|s| s.chars().collect()).collect();
        ensure!(
            inputs.len() == n,
            "Einsum `{equation}`: expects {n} operands"
        );
        let all_letters = inputs
            .iter()
            .flatten()
            .chain(rhs.chars().collect::<Vec<_>>().iter())
            .copied()
            .all(|c| c.is_ascii_alphabetic());
        ensure!(all_letters, "Einsum `{equation}`: unsupported subscripts");
        Ok(Self {
            inputs,
            output: rhs.chars().collect(),
        })
    }

    fn mapping(&self) -> String {
        let inputs: Vec<String> = self.inputs.iter().map(|i| i.iter().collect()).collect();
        format!(
            "{}->{}",
            inputs.join(","),
            self.output.iter().collect::<String>()
        )
    }
}

impl Expansion for Einsum {
    fn name(&self) -> StaticName {
        "Einsum".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, self.inputs.len())?;
        check_output_arity(outputs, 1)?;
        s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
        s.equals(&outputs[0].rank, i64::try_from(self.output.len())?)?;
        for (input, spec) in inputs.iter().zip(&self.inputs) {
            s.equals(&input.rank, i64::try_from(spec.len())?)?;
        }
        for (o, c) in self.output.iter().enumerate() {
            if let Some((i, a)) = self
                .inputs
                .iter()
                .enumerate()
                .find_map(|(i, spec)| spec.iter().position(|x| x == c).map(|a| (i, a)))
            {
                s.equals(&outputs[0].shape[o], &inputs[i].shape[a])?;
            }
        }
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let dt = model.outlet_fact(inputs[0])?.datum_type;
        let axes: AxesMapping = self.mapping().parse()?;
        model.wire_node(prefix, EinSum::new(axes, dt), inputs)
    }
}

/// `ConcatV2(values..., axis)` with TF's negative-axis convention.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
struct ConcatV2;

fn normalize_axis(axis: i64, rank: i64) -> TractResult<usize> {
    let normalized = if axis < 0 { axis + rank } else { axis };
    ensure!(
        (0..rank).contains(&normalized),
        "ConcatV2 axis {axis} out of range for rank {rank}"
    );
    Ok(normalized as usize)
}

impl Expansion for ConcatV2 {
    fn name(&self) -> StaticName {
        "ConcatV2".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_output_arity(outputs, 1)?;
        ensure!(inputs.len() >= 2, "ConcatV2 needs values and an axis");
        let n = inputs.len() - 1;
        s.equals_all((0..n).map(|i| (&inputs[i].datum_type).bex()).collect())?;
        s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
        s.equals_all((0..n).map(|i| (&inputs[i].rank).bex()).collect())?;
        s.equals(&inputs[n].rank, 0)?;
        s.equals(&outputs[0].rank, &inputs[0].rank)?;
        s.given_2(&inputs[n].value, &inputs[0].rank, move |s, axis, rank| {
            let axis = axis.cast_to_scalar::<i64>()?;
            let axis = normalize_axis(axis, rank)?;
            for d in (0..rank as usize).filter(|d| *d != axis) {
                s.equals_all((0..n).map(|i| (&inputs[i].shape[d]).bex()).collect())?;
                s.equals(&inputs[0].shape[d], &outputs[0].shape[d])?;
            }
            let mut concat_dim = -1 * outputs[0].shape[axis].bex();
            for input in inputs.iter().take(n) {
                concat_dim = concat_dim + input.shape[axis].bex();
            }
            s.equals_zero(concat_dim)
        })
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let (axis, values) = inputs.split_last().context("ConcatV2 without inputs")?;
        let axis = model
            .outlet_fact(*axis)?
            .konst
            .clone()
            .context("ConcatV2 axis must be a constant")?;
        let rank = i64::try_from(model.outlet_fact(values[0])?.rank())?;
        let axis = normalize_axis(axis.cast_to_scalar::<i64>()?, rank)?;
        model.wire_node(prefix, TypedConcat::new(axis), values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn einsum_equation_becomes_an_axes_mapping() {
        let op = Einsum::parse("bij, jk -> bik", 2).unwrap();
        assert_eq!(op.mapping(), "bij,jk->bik");
        assert!(Einsum::parse("...ij,jk->...ik", 2).is_err());
        assert!(Einsum::parse("ij,jk->ik", 3).is_err());
    }

    #[test]
    fn strided_slice_with_an_ellipsis_is_refused_not_misread() {
        let tf = tensorflow();
        let builder = tf.op_register.0["StridedSlice"];
        let mut node = NodeDef {
            name: "slice".to_owned(),
            op: "StridedSlice".to_owned(),
            ..NodeDef::default()
        };
        assert!(builder(&ParsingContext::default(), &node).is_ok());
        node.attr.insert("ellipsis_mask".to_owned(), 1i64.into());
        let error = builder(&ParsingContext::default(), &node)
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            error,
            "StridedSlice `slice`: `ellipsis_mask` is not supported"
        );
    }

    #[test]
    fn negative_concat_axis_counts_from_the_end() {
        assert_eq!(normalize_axis(-1, 4).unwrap(), 3);
        assert_eq!(normalize_axis(1, 4).unwrap(), 1);
        assert!(normalize_axis(-5, 4).is_err());
        assert!(normalize_axis(4, 4).is_err());
    }
}
