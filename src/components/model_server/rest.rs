//! TF Serving's REST predict codec: request JSON (row `instances` or columnar `inputs`, with
//! `{"b64": ...}` strings) to tensors, and tensors to `{"predictions": ...}` or
//! `{"outputs": ...}`. Pure: no IO, no engine.
//!
//! JSON is parsed by `serde_json` with its recursion limit on (128 levels), so hostile nesting
//! is a 400, never a stack overflow.
//!
//! The envelope is read with the payload left as raw text; the commonest payload, one float
//! input given as nested lists of numbers, is then parsed straight into the tensor buffer
//! (`float_tensor`), with `serde_json`'s own number parser, so the values are those of the
//! general path. Anything else (and every error) takes the general path through a `Json` tree.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::body::Bytes;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};

use super::servable::TensorSpec;
use super::status::ApiError;
use super::tensor::{DType, Tensor, Values};
use crate::protocol::{float_text, json_scan, tensorflow};

/// Whether the request was row (`instances`) or columnar (`inputs`): the answer uses the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Row,
    Columnar,
}

/// A parsed predict request; inputs are decoded once the signature is known.
#[derive(Debug)]
pub struct PredictRequest {
    pub signature_name: Option<String>,
    pub format: Format,
    payload: Payload,
}

/// The `instances` or `inputs` value: raw text until the signature says how to read it, or a
/// tree when the envelope took the general path.
#[derive(Debug)]
enum Payload {
    /// The payload's text, and the whole body: a number the envelope's scan let through (out of
    /// range) fails the payload's parse, and the error must name its place in the body.
    Raw(Box<RawValue>, Bytes),
    /// A list of numbers read with the envelope in one pass ([`tensorflow::plain_predict`]),
    /// with the body and the list's place in it for a signature that is not one float input.
    Floats {
        shape: Vec<usize>,
        values: Vec<f32>,
        text: std::ops::Range<usize>,
        body: Bytes,
    },
    Tree(Json),
}

/// Nesting up to which a raw payload is kept raw: well inside serde_json's limit of 128, so
/// a payload parsed on its own later cannot fail where the whole body would not have.
const RAW_DEPTH: usize = 100;

/// Parses a predict body and checks its envelope.
pub fn parse_predict(body: &[u8]) -> Result<PredictRequest, ApiError> {
    parse_predict_with(&Bytes::copy_from_slice(body), None)
}

/// [`parse_predict`] of a body whose list a caller of this process has read already
/// ([`tensorflow::ReadList`]): the same request, without reading the list again.
/// The request keeps `body` (shared, not copied) for a signature that reads the payload's text.
pub fn parse_predict_with(
    body: &Bytes,
    read: Option<tensorflow::ReadList>,
) -> Result<PredictRequest, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid("JSON Parse error: The document is empty"));
    }
    if let Some(plain) = tensorflow::plain_predict_with(body, read) {
        return Ok(PredictRequest {
            signature_name: plain.signature_name.map(str::to_owned),
            format: if plain.row {
                Format::Row
            } else {
                Format::Columnar
            },
            payload: Payload::Floats {
                shape: plain.shape,
                values: plain.values,
                text: plain.payload,
                body: body.clone(),
            },
        });
    }
    if let Some(request) = parse_raw(body) {
        return request;
    }
    parse_tree(body)
}

/// The envelope with its values left as text (duplicate keys: the last wins, as in a `Json`
/// map). `None` sends the body to [`parse_tree`], which explains any error.
fn parse_raw(body: &Bytes) -> Option<Result<PredictRequest, ApiError>> {
    let mut object: BTreeMap<String, Box<RawValue>> = serde_json::from_slice(body).ok()?;
    let signature_name = match object.remove("signature_name") {
        None => None,
        Some(raw) => match serde_json::from_str::<Json>(raw.get()).ok()? {
            Json::String(s) => Some(s),
            _ => {
                return Some(Err(ApiError::invalid(
                    "'signature_name' key must be a string value.",
                )));
            }
        },
    };
    let (format, payload) = match (object.remove("instances"), object.remove("inputs")) {
        (Some(instances), None) => (Format::Row, instances),
        (None, Some(inputs)) => (Format::Columnar, inputs),
        // The errors of a missing or doubled payload are the general path's.
        _ => return None,
    };
    // A raw value's numbers are not range-checked (`1e999` passes): the keys this path ignores
    // must still be JSON a tree holds, or the whole body fails as the general path fails it.
    if object
        .values()
        .any(|raw| serde_json::from_str::<Json>(raw.get()).is_err())
    {
        return None;
    }
    let text = payload.get().as_bytes();
    if format == Format::Row && (text.first() != Some(&b'[') || empty_list(text)) {
        return None;
    }
    if depth(text) > RAW_DEPTH {
        return None;
    }
    Some(Ok(PredictRequest {
        signature_name,
        format,
        payload: Payload::Raw(payload, body.clone()),
    }))
}

/// Whether a JSON list's text is `[]` (with any whitespace inside).
fn empty_list(text: &[u8]) -> bool {
    text.iter()
        .skip(1)
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b']')
}

/// The deepest nesting of lists and objects in valid JSON text (strings skipped).
fn depth(text: &[u8]) -> usize {
    let (mut level, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in text {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                level += 1;
                deepest = deepest.max(level);
            }
            b']' | b'}' => level = level.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The envelope through a `Json` tree: every error message of the REST API comes from here.
pub(crate) fn parse_tree(body: &[u8]) -> Result<PredictRequest, ApiError> {
    let json: Json = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("JSON Parse error: {e}")))?;
    let Json::Object(mut object) = json else {
        return Err(ApiError::invalid("JSON Parse error: Is not object"));
    };
    let signature_name = match object.remove("signature_name") {
        None => None,
        Some(Json::String(s)) => Some(s),
        Some(_) => {
            return Err(ApiError::invalid(
                "'signature_name' key must be a string value.",
            ));
        }
    };
    let (format, payload) = match (object.remove("instances"), object.remove("inputs")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist",
            ));
        }
        (None, None) => return Err(ApiError::invalid("Missing 'inputs' or 'instances' key")),
        (Some(instances), None) => match &instances {
            Json::Array(items) if items.is_empty() => {
                return Err(ApiError::invalid("No values in 'instances' array"));
            }
            Json::Array(_) => (Format::Row, instances),
            _ => {
                return Err(ApiError::invalid(
                    "Expecting 'instances' to be an list/array",
                ));
            }
        },
        (None, Some(inputs)) => (Format::Columnar, inputs),
    };
    Ok(PredictRequest {
        signature_name,
        format,
        payload: Payload::Tree(payload),
    })
}

impl PredictRequest {
    /// Converts the payload into one tensor per signature input, in the signature's dtypes.
    /// Numbers read already move into the tensor rather than being copied: decode once.
    pub fn decode(&mut self, inputs: &[TensorSpec]) -> Result<BTreeMap<String, Tensor>, ApiError> {
        let dtypes = inputs
            .iter()
            .map(|spec| {
                DType::from_proto(spec.dtype)
                    .map(|d| (spec.alias.as_str(), d))
                    .ok_or_else(|| {
                        ApiError::invalid(format!(
                            "input `{}` has dtype {}, which cannot be sent as JSON",
                            spec.alias,
                            DType::proto_name(spec.dtype)
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let tree;
        let payload = match &mut self.payload {
            Payload::Tree(json) => json,
            Payload::Floats {
                shape,
                values,
                text,
                body,
            } => {
                if let [(alias, DType::Float)] = dtypes[..] {
                    let tensor = Tensor {
                        shape: shape.clone(),
                        values: Values::Float(std::mem::take(values)),
                    };
                    return Ok(BTreeMap::from([(alias.to_owned(), tensor)]));
                }
                // Numbers in JSON's grammar that an f64 holds: any signature reads them as a tree.
                tree = serde_json::from_slice::<Json>(&body[text.clone()])
                    .map_err(|e| ApiError::invalid(format!("JSON Parse error: {e}")))?;
                &tree
            }
            Payload::Raw(raw, body) => {
                if let [(alias, DType::Float)] = dtypes[..]
                    && let Some(tensor) = float_tensor(raw.get())
                {
                    return Ok(BTreeMap::from([(alias.to_owned(), tensor)]));
                }
                tree = match serde_json::from_str::<Json>(raw.get()) {
                    Ok(tree) => tree,
                    // The whole body fails too, with the position the general path reports.
                    Err(e) => {
                        return Err(parse_tree(body).err().unwrap_or_else(|| {
                            ApiError::invalid(format!("JSON Parse error: {e}"))
                        }));
                    }
                };
                &tree
            }
        };
        match self.format {
            Format::Row => decode_row(payload, &dtypes),
            Format::Columnar => decode_columnar(payload, &dtypes),
        }
    }
}

/// A payload that is a rectangular, non-empty nest of lists of numbers, parsed into a float
/// tensor in one pass over its text (no `Json` tree, no serde visitor per number); `None` for
/// anything else (a lone number too), which the general path reads. Its shape is the list
/// lengths from the outside in, which is what both the row path (`instances`: the batch, then
/// each instance's shape) and the columnar path give such a payload.
fn float_tensor(text: &str) -> Option<Tensor> {
    let (shape, values) = json_scan::numeric_list_f32(text)?;
    Some(Tensor {
        shape,
        values: Values::Float(values),
    })
}

fn is_named(value: &Json) -> bool {
    matches!(value, Json::Object(o) if !is_b64(o))
}

fn is_b64(object: &Map<String, Json>) -> bool {
    object.len() == 1 && object.contains_key("b64")
}

fn decode_row(
    payload: &Json,
    dtypes: &[(&str, DType)],
) -> Result<BTreeMap<String, Tensor>, ApiError> {
    let Json::Array(items) = payload else {
        return Err(ApiError::invalid(
            "Expecting 'instances' to be an list/array",
        ));
    };
    let named = items.iter().filter(|i| is_named(i)).count();
    if named != 0 && named != items.len() {
        return Err(ApiError::invalid(
            "Expecting all values in 'instances' to be either named objects or plain values",
        ));
    }
    let mut result = BTreeMap::new();
    if named == 0 {
        let [(alias, dtype)] = dtypes else {
            return Err(ApiError::invalid(format!(
                "The signature has {} inputs: each instance must be an object keyed by input name",
                dtypes.len()
            )));
        };
        result.insert((*alias).to_owned(), stack(items.iter(), *dtype, alias)?);
        return Ok(result);
    }
    for item in items {
        let Json::Object(object) = item else {
            return Err(ApiError::invalid(
                "Expecting every instance to be an object",
            ));
        };
        if object.len() != dtypes.len() || dtypes.iter().any(|(a, _)| !object.contains_key(*a)) {
            let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
            keys.sort_unstable();
            let expected: Vec<&str> = dtypes.iter().map(|(a, _)| *a).collect();
            return Err(ApiError::invalid(format!(
                "Failed to process element: instance keys {keys:?} do not match the signature inputs {expected:?}"
            )));
        }
    }
    for (alias, dtype) in dtypes {
        let values = items.iter().map(|item| &item[*alias]);
        result.insert((*alias).to_owned(), stack(values, *dtype, alias)?);
    }
    Ok(result)
}

/// Stacks per-instance values into one tensor with a leading batch dimension.
fn stack<'a>(
    items: impl ExactSizeIterator<Item = &'a Json>,
    dtype: DType,
    alias: &str,
) -> Result<Tensor, ApiError> {
    let n = items.len();
    let mut item_shape: Option<Vec<usize>> = None;
    let mut acc = Accumulator::new(dtype);
    for item in items {
        let shape = shape_of(item);
        match &item_shape {
            Some(expected) if *expected != shape => {
                return Err(ApiError::invalid(format!(
                    "Expecting tensors in list to be of same shape: input `{alias}` has instances of shape {expected:?} and {shape:?}"
                )));
            }
            Some(_) => {}
            None => item_shape = Some(shape.clone()),
        }
        acc.flatten(item, &shape, alias)?;
    }
    let mut shape = vec![n];
    shape.extend(item_shape.unwrap_or_default());
    Ok(Tensor {
        shape,
        values: acc.values,
    })
}

fn decode_columnar(
    payload: &Json,
    dtypes: &[(&str, DType)],
) -> Result<BTreeMap<String, Tensor>, ApiError> {
    let mut result = BTreeMap::new();
    if let (false, [(alias, dtype)]) = (is_named(payload), dtypes) {
        result.insert((*alias).to_owned(), whole(payload, *dtype, alias)?);
        return Ok(result);
    }
    let Json::Object(object) = payload else {
        return Err(ApiError::invalid(format!(
            "The signature has {} inputs: 'inputs' must be an object keyed by input name",
            dtypes.len()
        )));
    };
    for key in object.keys() {
        if !dtypes.iter().any(|(a, _)| a == key) {
            return Err(ApiError::invalid(format!(
                "'inputs' has `{key}`, which is not an input of the signature"
            )));
        }
    }
    for (alias, dtype) in dtypes {
        let value = object.get(*alias).ok_or_else(|| {
            ApiError::invalid(format!("Missing named input: {alias} in 'inputs' object."))
        })?;
        result.insert((*alias).to_owned(), whole(value, *dtype, alias)?);
    }
    Ok(result)
}

fn whole(value: &Json, dtype: DType, alias: &str) -> Result<Tensor, ApiError> {
    let shape = shape_of(value);
    let mut acc = Accumulator::new(dtype);
    acc.flatten(value, &shape, alias)?;
    Ok(Tensor {
        shape,
        values: acc.values,
    })
}

/// The shape suggested by the first element at each level; `flatten` checks the rest.
fn shape_of(mut value: &Json) -> Vec<usize> {
    let mut shape = Vec::new();
    while let Json::Array(items) = value {
        shape.push(items.len());
        match items.first() {
            Some(first) => value = first,
            None => break,
        }
    }
    shape
}

struct Accumulator {
    values: Values,
}

impl Accumulator {
    fn new(dtype: DType) -> Self {
        let values = match dtype {
            DType::Float => Values::Float(Vec::new()),
            DType::Double => Values::Double(Vec::new()),
            DType::Int32 => Values::Int32(Vec::new()),
            DType::Uint8 => Values::Uint8(Vec::new()),
            DType::Int16 => Values::Int16(Vec::new()),
            DType::Int8 => Values::Int8(Vec::new()),
            DType::String => Values::String(Vec::new()),
            DType::Int64 => Values::Int64(Vec::new()),
            DType::Bool => Values::Bool(Vec::new()),
        };
        Self { values }
    }

    /// Appends the leaves of `value`, which must be a rectangular array of `shape`.
    fn flatten(&mut self, value: &Json, shape: &[usize], alias: &str) -> Result<(), ApiError> {
        match (value, shape.split_first()) {
            (Json::Array(items), Some((&len, rest))) if items.len() == len => items
                .iter()
                .try_for_each(|item| self.flatten(item, rest, alias)),
            (Json::Array(_), _) | (_, Some(_)) => Err(ApiError::invalid(format!(
                "Expecting tensors in list to be of same shape: input `{alias}` is not a rectangular array"
            ))),
            (leaf, None) => self.push(leaf),
        }
    }

    fn push(&mut self, leaf: &Json) -> Result<(), ApiError> {
        let wrong = |expected: &str| {
            ApiError::invalid(format!(
                "JSON Value: {leaf} is not of expected type: {expected}"
            ))
        };
        let int = |leaf: &Json| leaf.as_i64();
        match &mut self.values {
            #[allow(clippy::cast_possible_truncation)]
            Values::Float(v) => v.push(leaf.as_f64().ok_or_else(|| wrong("float"))? as f32),
            Values::Double(v) => v.push(leaf.as_f64().ok_or_else(|| wrong("double"))?),
            Values::Int32(v) => v.push(
                int(leaf)
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| wrong("int32"))?,
            ),
            Values::Uint8(v) => v.push(
                int(leaf)
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| wrong("uint8"))?,
            ),
            Values::Int16(v) => v.push(
                int(leaf)
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| wrong("int16"))?,
            ),
            Values::Int8(v) => v.push(
                int(leaf)
                    .and_then(|x| x.try_into().ok())
                    .ok_or_else(|| wrong("int8"))?,
            ),
            Values::Int64(v) => v.push(leaf.as_i64().ok_or_else(|| wrong("int64"))?),
            Values::Bool(v) => v.push(leaf.as_bool().ok_or_else(|| wrong("bool"))?),
            Values::String(v) => v.push(match leaf {
                Json::String(s) => s.as_bytes().to_vec(),
                Json::Object(o) if is_b64(o) => {
                    let Some(Json::String(text)) = o.get("b64") else {
                        return Err(wrong("base64 string"));
                    };
                    BASE64.decode(text).map_err(|_| {
                        ApiError::invalid(format!("Unable to base64 decode: {text}"))
                    })?
                }
                _ => return Err(wrong("string")),
            }),
        }
        Ok(())
    }
}

/// Writes the predict response in the request's format.
pub fn encode(format: Format, outputs: &[(String, Tensor)]) -> Result<String, ApiError> {
    let mut out = String::new();
    match (format, outputs) {
        (Format::Columnar, [(alias, tensor)]) => {
            out.push_str("{\"outputs\":");
            write_tensor(&mut out, tensor, alias.ends_with("_bytes"));
        }
        (Format::Columnar, _) => {
            out.push_str("{\"outputs\":{");
            for (i, (alias, tensor)) in outputs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_key(&mut out, alias);
                write_tensor(&mut out, tensor, alias.ends_with("_bytes"));
            }
            out.push('}');
        }
        (Format::Row, _) => {
            let batch = row_batch_size(outputs)?;
            out.push_str("{\"predictions\":[");
            for b in 0..batch {
                if b > 0 {
                    out.push(',');
                }
                if let [(alias, tensor)] = outputs {
                    write_item(&mut out, tensor, alias, b, batch);
                } else {
                    out.push('{');
                    for (i, (alias, tensor)) in outputs.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        write_key(&mut out, alias);
                        write_item(&mut out, tensor, alias, b, batch);
                    }
                    out.push('}');
                }
            }
            out.push(']');
        }
    }
    out.push('}');
    Ok(out)
}

fn row_batch_size(outputs: &[(String, Tensor)]) -> Result<usize, ApiError> {
    let mut batch = None;
    for (alias, tensor) in outputs {
        let Some(&n) = tensor.shape.first() else {
            return Err(ApiError::invalid(format!(
                "Tensor name: {alias} has no shape information"
            )));
        };
        match batch {
            Some(expected) if expected != n => {
                return Err(ApiError::invalid(format!(
                    "Tensor name: {alias} has inconsistent batch size: {n} expecting: {expected}"
                )));
            }
            _ => batch = Some(n),
        }
    }
    Ok(batch.unwrap_or(0))
}

/// Writes item `b` of a batch of `batch` items.
fn write_item(out: &mut String, tensor: &Tensor, alias: &str, b: usize, batch: usize) {
    let item_len = tensor.values.len() / batch.max(1);
    write_level(
        out,
        &tensor.shape[1..],
        &tensor.values,
        alias.ends_with("_bytes"),
        b * item_len,
    );
}

fn write_key(out: &mut String, key: &str) {
    out.push_str(&Json::String(key.to_owned()).to_string());
    out.push(':');
}

fn write_tensor(out: &mut String, tensor: &Tensor, b64: bool) {
    write_level(out, &tensor.shape, &tensor.values, b64, 0);
}

fn write_level(out: &mut String, shape: &[usize], values: &Values, b64: bool, offset: usize) {
    let Some((&len, rest)) = shape.split_first() else {
        write_scalar(out, values, b64, offset);
        return;
    };
    let stride: usize = rest.iter().product();
    out.push('[');
    for i in 0..len {
        if i > 0 {
            out.push(',');
        }
        write_level(out, rest, values, b64, offset + i * stride);
    }
    out.push(']');
}

fn write_scalar(out: &mut String, values: &Values, b64: bool, i: usize) {
    let _ = match values {
        Values::Float(v) if v[i].is_finite() => {
            float_text::write_f32(out, v[i]);
            Ok(())
        }
        Values::Double(v) if v[i].is_finite() => write!(out, "{:?}", v[i]),
        Values::Float(v) => {
            write_nonfinite(out, f64::from(v[i]));
            Ok(())
        }
        Values::Double(v) => {
            write_nonfinite(out, v[i]);
            Ok(())
        }
        Values::Int32(v) => write!(out, "{}", v[i]),
        Values::Uint8(v) => write!(out, "{}", v[i]),
        Values::Int16(v) => write!(out, "{}", v[i]),
        Values::Int8(v) => write!(out, "{}", v[i]),
        Values::Int64(v) => write!(out, "{}", v[i]),
        Values::Bool(v) => write!(out, "{}", v[i]),
        Values::String(v) if b64 => write!(out, "{{\"b64\":\"{}\"}}", BASE64.encode(&v[i])),
        Values::String(v) => {
            let text = String::from_utf8_lossy(&v[i]).into_owned();
            write!(out, "{}", Json::String(text))
        }
    };
}

/// Non-finite floats as TF writes them (finite ones are Rust's shortest round-trip text,
/// `3.0`, `1e-7`).
fn write_nonfinite(out: &mut String, value: f64) {
    out.push_str(if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_float_path_decodes_as_the_json_tree_does() {
        let specs = [spec("x", 1)];
        for body in [
            r#"{"instances": [[1, 2.5, -3e2, 0.1], [4, 5, 6, 1e-7]]}"#,
            r#"{"signature_name": "s", "instances": [1.5, 2, -0]}"#,
            r#"{"inputs": [[0.1, 0.2]], "signature_name": "s"}"#,
            r#"{"inputs": 7}"#,
            r#"{"instances": [[[1.0], [2.0]], [[3.0], [4.0]]]}"#,
            r#"{"instances": [[1.0]], "instances": [[2.0, 3.0]]}"#,
            r#"{"instances": [[1, 2], [3]]}"#,
            r#"{"instances": [[1, 2], 3]}"#,
            r#"{"instances": [3, [1, 2]]}"#,
            r#"{"instances": [[], []]}"#,
            r#"{"instances": [["a"]]}"#,
            r#"{"instances": [{"x": [1.0]}]}"#,
            r#"{"instances": [{"b64": "AA=="}]}"#,
            r#"{"instances": [1e400]}"#,
            r#"{"instances": {"x": 1}}"#,
            r#"{"inputs": {"x": [1.0, 2.0]}}"#,
            r#"{"inputs": [[1.0]], "instances": [[1.0]]}"#,
            r#"{"signature_name": 3, "instances": [[1.0]]}"#,
            // Signed zeros, integers past u64 and i64, and the edges of f32 and f64.
            r#"{"instances": [-0, 0, -0.0, 0.0, -0e0]}"#,
            r#"{"instances": [18446744073709551615, 18446744073709551616, -9223372036854775808]}"#,
            r#"{"instances": [-9223372036854775809, 123456789012345678901234567890]}"#,
            r#"{"instances": [0.1000000000000000055511151231257827, 3.4028235e38, 3.4028236e38]}"#,
            r#"{"instances": [1e-46, 2.2250738585072014e-308, 4.9e-324, 1e-400, 9007199254740993]}"#,
            r#"{"instances": [1E5, 1e+5, 1.5E-3, -2.5e-0, 7e00]}"#,
            "{\"instances\": [ [ 1 ,2 ] ,\n\t[3,4]\r\n ] }",
            // Not JSON numbers: both refuse them, with the same error.
            r#"{"instances": [01]}"#,
            r#"{"instances": [1.]}"#,
            r#"{"instances": [.5]}"#,
            r#"{"instances": [+1]}"#,
            r#"{"instances": [-]}"#,
            r#"{"instances": [1e]}"#,
            r#"{"instances": [NaN]}"#,
            r#"{"instances": [-Infinity]}"#,
            r#"{"instances": [[1, 2],]}"#,
            // Envelopes the one-pass reader leaves to the others, and ones it takes.
            r#"{"signature_name": "s\u0041", "instances": [[1.0]]}"#,
            r#"{"signature_name": "s", "signature_name": "t", "instances": [[1.0]]}"#,
            r#"{"signature_name": null, "instances": [[1.0]]}"#,
            r#"{"instances": [[1.0]], "extra": 1}"#,
            r#"{"instances": [[1.0]]} x"#,
            r#"{"instances": [[1.0]],}"#,
            " \r\n{ \"inputs\" :[[1.5 , 2]] , \"signature_name\":\"serving_default\" }\n",
            r#"{"instances": [[1.0]], "signature_name": "s"}"#,
            // An out-of-range number in a key nobody reads still fails the body (found by
            // the tf_json fuzz target).
            r#"{"inputs": 222221, "other": [[1, {"t": [9e+308]}]]}"#,
            r#"{"instances": [[1.0]], "other": 1e999}"#,
        ] {
            let tree = parse_tree(body.as_bytes()).and_then(|mut r| r.decode(&specs));
            let fast = parse_predict(body.as_bytes()).and_then(|mut r| r.decode(&specs));
            assert_eq!(format!("{fast:?}"), format!("{tree:?}"), "{body}");
        }
        let mut plain =
            parse_predict(br#"{"signature_name": "s", "instances": [[1, 2]]}"#).unwrap();
        assert!(matches!(plain.payload, Payload::Floats { .. }), "{plain:?}");
        // A signature of another dtype reads the same list from its text.
        let ints = plain.decode(&[spec("x", 3)]).unwrap();
        assert_eq!(
            format!("{ints:?}"),
            format!(
                "{:?}",
                parse_tree(br#"{"instances": [[1, 2]]}"#)
                    .unwrap()
                    .decode(&[spec("x", 3)])
                    .unwrap()
            )
        );
        let t = float_tensor("[[1, 2.5], [3, 4]]").expect("the fast path takes plain lists");
        assert_eq!(t.shape, vec![2, 2]);
        assert!(float_tensor("[[1, 2.5], [3]]").is_none());
        // The one-pass reader takes these itself (the comparisons above would also pass if it
        // left them all to the general path): signed zeros, big integers, mixed kinds.
        let t = float_tensor("[-0, -0.0, 0, 18446744073709551616, 1e-46, 2]").expect("plain list");
        let Values::Float(values) = &t.values else {
            panic!("not floats: {t:?}")
        };
        let bits: Vec<u32> = values.iter().map(|v| v.to_bits()).collect();
        assert_eq!(
            bits,
            [
                0x8000_0000,
                0x8000_0000,
                0,
                0x5f80_0000,
                0,
                2.0f32.to_bits()
            ]
        );
        assert!(float_tensor("[1e400]").is_none());
        assert!(float_tensor("[1, 2] x").is_none());
        for levels in [64, 65, 66, 110] {
            let deep = format!(
                "{{\"inputs\": {}1{}}}",
                "[".repeat(levels),
                "]".repeat(levels)
            );
            let tree = parse_tree(deep.as_bytes()).and_then(|mut r| r.decode(&specs));
            let fast = parse_predict(deep.as_bytes()).and_then(|mut r| r.decode(&specs));
            assert_eq!(format!("{fast:?}"), format!("{tree:?}"), "{levels} levels");
        }
        let deep = format!("{{\"inputs\": {}1{}}}", "[".repeat(110), "]".repeat(110));
        let tree = parse_tree(deep.as_bytes()).and_then(|mut r| r.decode(&specs));
        let fast = parse_predict(deep.as_bytes()).and_then(|mut r| r.decode(&specs));
        assert_eq!(format!("{fast:?}"), format!("{tree:?}"));
    }

    fn spec(alias: &str, dtype: i32) -> TensorSpec {
        TensorSpec {
            alias: alias.to_owned(),
            dtype,
            shape: None,
        }
    }

    fn decode(body: &str, specs: &[TensorSpec]) -> Result<BTreeMap<String, Tensor>, ApiError> {
        parse_predict(body.as_bytes())?.decode(specs)
    }

    fn err(body: &str, specs: &[TensorSpec]) -> String {
        decode(body, specs).unwrap_err().message
    }

    #[test]
    fn row_instances_stack_into_a_batch() {
        let t = decode(r#"{"instances": [[1.0, 2.0], [3, 4.5]]}"#, &[spec("x", 1)]).unwrap();
        assert_eq!(t["x"].shape, vec![2, 2]);
        assert_eq!(t["x"].values, Values::Float(vec![1.0, 2.0, 3.0, 4.5]));
    }

    #[test]
    fn row_instances_with_several_inputs_are_objects() {
        let specs = [spec("a", 1), spec("b", 3)];
        let body = r#"{"instances": [{"a": [1.0], "b": 2}, {"a": [3.0], "b": 4}]}"#;
        let t = decode(body, &specs).unwrap();
        assert_eq!(
            (t["a"].shape.clone(), t["b"].shape.clone()),
            (vec![2, 1], vec![2])
        );
        assert_eq!(t["b"].values, Values::Int32(vec![2, 4]));
        let missing = err(r#"{"instances": [{"a": [1.0]}]}"#, &specs);
        assert!(
            missing.contains("do not match the signature inputs"),
            "{missing}"
        );
    }

    #[test]
    fn columnar_inputs_are_whole_tensors() {
        let t = decode(r#"{"inputs": 3.5}"#, &[spec("x", 2)]).unwrap();
        assert_eq!(
            (t["x"].shape.clone(), t["x"].values.clone()),
            (vec![], Values::Double(vec![3.5]))
        );
        let named = decode(r#"{"inputs": {"x": [[1], [2]]}}"#, &[spec("x", 9)]).unwrap();
        assert_eq!(named["x"].shape, vec![2, 1]);
        let specs = [spec("a", 1), spec("b", 1)];
        assert_eq!(
            err(r#"{"inputs": {"a": 1}}"#, &specs),
            "Missing named input: b in 'inputs' object."
        );
    }

    #[test]
    fn b64_values_decode_to_bytes() {
        let t = decode(r#"{"instances": [{"b64": "aGk="}, "yo"]}"#, &[spec("s", 7)]).unwrap();
        assert_eq!(
            t["s"].values,
            Values::String(vec![b"hi".to_vec(), b"yo".to_vec()])
        );
        let bad = err(r#"{"instances": [{"b64": "!!"}]}"#, &[spec("s", 7)]);
        assert!(bad.starts_with("Unable to base64 decode"), "{bad}");
    }

    #[test]
    fn malformed_envelopes_are_rejected_with_tf_messages() {
        let s = [spec("x", 1)];
        assert_eq!(err("", &s), "JSON Parse error: The document is empty");
        assert!(err("{", &s).starts_with("JSON Parse error: "));
        assert_eq!(err("[1]", &s), "JSON Parse error: Is not object");
        assert_eq!(err("{}", &s), "Missing 'inputs' or 'instances' key");
        assert_eq!(
            err(r#"{"instances": []}"#, &s),
            "No values in 'instances' array"
        );
        assert_eq!(
            err(r#"{"instances": 1}"#, &s),
            "Expecting 'instances' to be an list/array"
        );
        assert!(err(r#"{"instances": [1], "inputs": 1}"#, &s).contains("only one of"));
        assert_eq!(
            err(r#"{"signature_name": 1, "inputs": 1}"#, &s),
            "'signature_name' key must be a string value."
        );
    }

    #[test]
    fn ragged_and_mistyped_values_are_rejected() {
        let s = [spec("x", 1)];
        assert!(err(r#"{"instances": [[1], [1, 2]]}"#, &s).contains("same shape"));
        assert!(err(r#"{"inputs": [[1], [1, 2]]}"#, &s).contains("rectangular"));
        assert_eq!(
            err(r#"{"inputs": ["a"]}"#, &s),
            r#"JSON Value: "a" is not of expected type: float"#
        );
        assert!(err(r#"{"inputs": [1.5]}"#, &[spec("i", 3)]).contains("int32"));
        assert!(err(r#"{"inputs": [300]}"#, &[spec("i", 4)]).contains("uint8"));
    }

    #[test]
    fn deeply_nested_json_is_an_error_not_a_crash() {
        let depth = 100_000;
        let body = format!("{{\"inputs\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
        let message = err(&body, &[spec("x", 1)]);
        assert!(message.contains("recursion limit exceeded"), "{message}");
    }

    #[test]
    fn row_answers_list_batch_items() {
        let t = Tensor {
            shape: vec![2, 2],
            values: Values::Float(vec![0.5, 1.0, f32::NAN, 1e-7]),
        };
        let one = encode(Format::Row, &[("y".to_owned(), t.clone())]).unwrap();
        assert_eq!(one, r#"{"predictions":[[0.5,1.0],[NaN,1e-7]]}"#);
        let ids = Tensor {
            shape: vec![2],
            values: Values::Int64(vec![3, 4]),
        };
        let two = encode(Format::Row, &[("id".to_owned(), ids), ("y".to_owned(), t)]).unwrap();
        assert_eq!(
            two,
            r#"{"predictions":[{"id":3,"y":[0.5,1.0]},{"id":4,"y":[NaN,1e-7]}]}"#
        );
    }

    #[test]
    fn columnar_answers_whole_tensors_and_b64_for_bytes_outputs() {
        let s = Tensor {
            shape: vec![1],
            values: Values::String(vec![b"hi".to_vec()]),
        };
        let out = encode(Format::Columnar, &[("out_bytes".to_owned(), s.clone())]).unwrap();
        assert_eq!(out, r#"{"outputs":[{"b64":"aGk="}]}"#);
        let two = encode(
            Format::Columnar,
            &[("a".to_owned(), s.clone()), ("b".to_owned(), s)],
        )
        .unwrap();
        assert_eq!(two, r#"{"outputs":{"a":["hi"],"b":["hi"]}}"#);
    }

    #[test]
    fn row_outputs_with_different_batch_sizes_are_an_error() {
        let a = Tensor {
            shape: vec![2],
            values: Values::Int32(vec![1, 2]),
        };
        let b = Tensor {
            shape: vec![1],
            values: Values::Int32(vec![1]),
        };
        let e = encode(Format::Row, &[("a".to_owned(), a), ("b".to_owned(), b)]).unwrap_err();
        assert_eq!(
            e.message,
            "Tensor name: b has inconsistent batch size: 1 expecting: 2"
        );
    }
}
