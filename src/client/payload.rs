//! Request bodies and paths for the three protocols. Pure.

use bytes::Bytes;
use serde_json::{Value, json};

use super::ClientError;

/// The wire protocol of the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Seldon protocol (`/api/v1.0/predictions`).
    Seldon,
    /// TF Serving REST (`/v1/models/{m}:predict`).
    Tensorflow,
    /// Open Inference Protocol (`/v2/models/{m}/infer`).
    V2,
}

impl std::str::FromStr for Protocol {
    type Err = ClientError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "seldon" => Ok(Self::Seldon),
            "tensorflow" => Ok(Self::Tensorflow),
            "v2" | "kfserving" => Ok(Self::V2),
            other => Err(ClientError::Input(format!(
                "unknown protocol `{other}`; expected `seldon`, `tensorflow` or `v2`"
            ))),
        }
    }
}

/// What the user gave to send.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Nested JSON arrays (`--ndarray`).
    Ndarray(Value),
    /// A shape and flat values (`--tensor`).
    Tensor {
        /// Dimensions.
        shape: Vec<usize>,
        /// Values in row-major order.
        values: Vec<Value>,
    },
    /// A complete body, sent as is (`--json`, `--file`).
    Raw(Bytes),
}

impl Input {
    /// Parses `--tensor` (`{"shape": [...], "values": [...]}`) and checks the sizes agree.
    pub fn tensor(text: &str) -> Result<Self, ClientError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ClientError::Input(format!("`--tensor` is not JSON: {e}")))?;
        let shape: Vec<usize> = value
            .get("shape")
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .ok_or_else(|| ClientError::Input("`--tensor` needs a `shape` list of sizes".into()))?;
        let values: Vec<Value> = value
            .get("values")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| ClientError::Input("`--tensor` needs a `values` list".into()))?;
        let expected: usize = shape.iter().product();
        if expected != values.len() {
            return Err(ClientError::Input(format!(
                "`--tensor` shape {shape:?} needs {expected} values, got {}",
                values.len()
            )));
        }
        Ok(Self::Tensor { shape, values })
    }

    /// Parses `--ndarray` (nested arrays of equal lengths).
    pub fn ndarray(text: &str) -> Result<Self, ClientError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ClientError::Input(format!("`--ndarray` is not JSON: {e}")))?;
        if !value.is_array() {
            return Err(ClientError::Input("`--ndarray` must be a JSON list".into()));
        }
        shape_of(&value)?;
        Ok(Self::Ndarray(value))
    }
}

/// A request to send: a path and, for POST, a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Path and query.
    pub path: String,
    /// The JSON body; `None` sends a GET.
    pub body: Option<Bytes>,
}

/// The prediction path: the executor's external API, or a unit's own when `unit` is set.
#[must_use]
pub fn predict_path(protocol: Protocol, model: &str, unit: bool) -> String {
    match (protocol, unit) {
        (Protocol::Seldon, false) => "/api/v1.0/predictions".to_owned(),
        (Protocol::Seldon, true) => "/predict".to_owned(),
        (Protocol::Tensorflow, _) => format!("/v1/models/{model}:predict"),
        (Protocol::V2, _) => format!("/v2/models/{model}/infer"),
    }
}

/// The feedback path (Seldon protocol only).
#[must_use]
pub fn feedback_path(unit: bool) -> String {
    if unit {
        "/send-feedback".to_owned()
    } else {
        "/api/v1.0/feedback".to_owned()
    }
}

/// The metadata path.
#[must_use]
pub fn metadata_path(protocol: Protocol, model: &str, unit: bool) -> String {
    match (protocol, unit) {
        (Protocol::Seldon, false) => "/api/v1.0/metadata".to_owned(),
        (Protocol::Seldon, true) => "/metadata".to_owned(),
        (Protocol::Tensorflow, _) => format!("/v1/models/{model}/metadata"),
        (Protocol::V2, _) => format!("/v2/models/{model}"),
    }
}

/// The body of a prediction in the endpoint's protocol.
pub fn predict_body(
    input: &Input,
    names: &[String],
    protocol: Protocol,
) -> Result<Bytes, ClientError> {
    let value = match (input, protocol) {
        (Input::Raw(bytes), _) => return Ok(bytes.clone()),
        (Input::Ndarray(array), Protocol::Seldon) => {
            let mut data = json!({ "ndarray": array });
            if !names.is_empty() {
                data["names"] = json!(names);
            }
            json!({ "data": data })
        }
        (Input::Tensor { shape, values }, Protocol::Seldon) => {
            let mut data = json!({ "tensor": { "shape": shape, "values": values } });
            if !names.is_empty() {
                data["names"] = json!(names);
            }
            json!({ "data": data })
        }
        (Input::Ndarray(array), Protocol::Tensorflow) => json!({ "instances": array }),
        (Input::Tensor { shape, values }, Protocol::Tensorflow) => {
            json!({ "instances": nest(shape, values) })
        }
        (Input::Ndarray(array), Protocol::V2) => {
            let shape = shape_of(array)?;
            let mut flat = Vec::new();
            flatten(array, &mut flat);
            v2_body(&shape, &flat, names)?
        }
        (Input::Tensor { shape, values }, Protocol::V2) => v2_body(shape, values, names)?,
    };
    Ok(Bytes::from(
        serde_json::to_vec(&value).expect("JSON values serialise"),
    ))
}

fn v2_body(shape: &[usize], data: &[Value], names: &[String]) -> Result<Value, ClientError> {
    let datatype = if data.iter().all(Value::is_i64) {
        "INT64"
    } else if data.iter().all(Value::is_number) {
        "FP32"
    } else if data.iter().all(Value::is_boolean) {
        "BOOL"
    } else if data.iter().all(Value::is_string) {
        "BYTES"
    } else {
        return Err(ClientError::Input(
            "values must all be numbers, booleans or strings".into(),
        ));
    };
    let name = names.first().map_or("input-0", String::as_str);
    Ok(json!({ "inputs": [{ "name": name, "shape": shape, "datatype": datatype, "data": data }] }))
}

/// The shape of nested arrays, checking that they are rectangular.
fn shape_of(value: &Value) -> Result<Vec<usize>, ClientError> {
    match value {
        Value::Array(items) => {
            let mut inner: Option<Vec<usize>> = None;
            for item in items {
                let shape = shape_of(item)?;
                match &inner {
                    Some(first) if *first != shape => {
                        return Err(ClientError::Input(
                            "`--ndarray` rows differ in length".into(),
                        ));
                    }
                    Some(_) => {}
                    None => inner = Some(shape),
                }
            }
            let mut shape = vec![items.len()];
            shape.extend(inner.unwrap_or_default());
            Ok(shape)
        }
        _ => Ok(Vec::new()),
    }
}

fn flatten(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| flatten(item, out)),
        other => out.push(other.clone()),
    }
}

fn nest(shape: &[usize], values: &[Value]) -> Value {
    match shape {
        [] => values.first().cloned().unwrap_or(Value::Null),
        [_] => Value::Array(values.to_vec()),
        [_, rest @ ..] => {
            let size: usize = rest.iter().product::<usize>().max(1);
            Value::Array(values.chunks(size).map(|chunk| nest(rest, chunk)).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(input: &Input, names: &[&str], protocol: Protocol) -> Value {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        serde_json::from_slice(&predict_body(input, &names, protocol).unwrap()).unwrap()
    }

    #[test]
    fn an_ndarray_becomes_a_seldon_message_with_names() {
        let input = Input::ndarray("[[1, 2]]").unwrap();
        assert_eq!(
            body(&input, &["a", "b"], Protocol::Seldon),
            json!({"data": {"names": ["a", "b"], "ndarray": [[1, 2]]}})
        );
    }

    #[test]
    fn a_tensor_becomes_instances_for_tensorflow_and_a_typed_input_for_v2() {
        let input = Input::tensor(r#"{"shape": [2, 2], "values": [1.5, 2, 3, 4]}"#).unwrap();
        assert_eq!(
            body(&input, &[], Protocol::Tensorflow),
            json!({"instances": [[1.5, 2], [3, 4]]})
        );
        assert_eq!(
            body(&input, &[], Protocol::V2),
            json!({"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP32", "data": [1.5, 2, 3, 4]}]})
        );
    }

    #[test]
    fn an_ndarray_is_flattened_for_v2() {
        let input = Input::ndarray("[[1, 2, 3]]").unwrap();
        assert_eq!(
            body(&input, &["x"], Protocol::V2),
            json!({"inputs": [{"name": "x", "shape": [1, 3], "datatype": "INT64", "data": [1, 2, 3]}]})
        );
    }

    #[test]
    fn bad_inputs_are_refused_with_a_reason() {
        let error = Input::tensor(r#"{"shape": [2, 2], "values": [1]}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid input: `--tensor` shape [2, 2] needs 4 values, got 1"
        );
        assert!(Input::ndarray("[[1, 2], [3]]").is_err());
        assert!(Input::ndarray("{}").is_err());
        assert!("grpc".parse::<Protocol>().is_err());
    }

    #[test]
    fn paths_follow_the_protocol_and_the_target() {
        assert_eq!(
            predict_path(Protocol::Seldon, "m", false),
            "/api/v1.0/predictions"
        );
        assert_eq!(predict_path(Protocol::Seldon, "m", true), "/predict");
        assert_eq!(
            predict_path(Protocol::Tensorflow, "m", false),
            "/v1/models/m:predict"
        );
        assert_eq!(predict_path(Protocol::V2, "m", false), "/v2/models/m/infer");
        assert_eq!(metadata_path(Protocol::V2, "m", false), "/v2/models/m");
        assert_eq!(feedback_path(false), "/api/v1.0/feedback");
    }
}
