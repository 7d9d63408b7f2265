//! Open Inference Protocol (V2, KServe/Triton/MLServer) REST bodies, and conversions between them
//! and the Seldon protocol.
//!
//! Upstream has no canonical Seldon <-> V2 mapping; the one here is: Seldon `data` becomes one
//! input named `input-0` (or the request's single name) with the array's shape and flat values,
//! and a V2 response's single output becomes Seldon `data` in the kind the request used.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::seldon::{DefaultData, PayloadKind, SeldonMessage};
use super::{NdArray, ProtocolError, Values};

/// A V2 tensor datatype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Datatype {
    /// 1 byte.
    Bool,
    /// 1 byte.
    Uint8,
    /// 2 bytes.
    Uint16,
    /// 4 bytes.
    Uint32,
    /// 8 bytes.
    Uint64,
    /// 1 byte.
    Int8,
    /// 2 bytes.
    Int16,
    /// 4 bytes.
    Int32,
    /// 8 bytes.
    Int64,
    /// 2 bytes.
    Fp16,
    /// 4 bytes.
    Fp32,
    /// 8 bytes.
    Fp64,
    /// Variable length.
    Bytes,
    /// 2 bytes (Triton).
    Bf16,
}

impl Datatype {
    /// Bytes per element, or `None` for `BYTES`.
    #[must_use]
    pub fn size(self) -> Option<usize> {
        match self {
            Self::Bool | Self::Uint8 | Self::Int8 => Some(1),
            Self::Uint16 | Self::Int16 | Self::Fp16 | Self::Bf16 => Some(2),
            Self::Uint32 | Self::Int32 | Self::Fp32 => Some(4),
            Self::Uint64 | Self::Int64 | Self::Fp64 => Some(8),
            Self::Bytes => None,
        }
    }

    /// Whether elements are integers.
    #[must_use]
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            Self::Uint8
                | Self::Uint16
                | Self::Uint32
                | Self::Uint64
                | Self::Int8
                | Self::Int16
                | Self::Int32
                | Self::Int64
        )
    }
}

/// `$parameters`.
pub type Parameters = BTreeMap<String, Value>;

/// `$inference_request`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceRequest {
    /// Echoed in the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Request parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Parameters>,
    /// The input tensors.
    pub inputs: Vec<Tensor>,
    /// The outputs wanted (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Vec<RequestOutput>>,
}

/// `$request_input` and `$response_output`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tensor {
    /// Tensor name.
    pub name: String,
    /// Dimensions.
    pub shape: Vec<i64>,
    /// Element type.
    pub datatype: Datatype,
    /// Tensor parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Parameters>,
    /// Row-major data, flat or nested.
    pub data: Value,
}

/// `$request_output`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestOutput {
    /// Output name.
    pub name: String,
    /// Output parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Parameters>,
}

/// `$inference_response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceResponse {
    /// The model that answered.
    pub model_name: String,
    /// Its version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    /// The request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Response parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Parameters>,
    /// The output tensors.
    pub outputs: Vec<Tensor>,
}

/// `$error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The message.
    pub error: String,
}

/// `$metadata_tensor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataTensor {
    /// Tensor name.
    pub name: String,
    /// Element type.
    pub datatype: Datatype,
    /// Dimensions; `-1` is variable.
    pub shape: Vec<i64>,
}

/// `$metadata_model_response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMetadata {
    /// Model name.
    pub name: String,
    /// Available versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<String>>,
    /// Framework.
    pub platform: String,
    /// Inputs.
    #[serde(default)]
    pub inputs: Vec<MetadataTensor>,
    /// Outputs.
    #[serde(default)]
    pub outputs: Vec<MetadataTensor>,
}

impl Tensor {
    #[allow(clippy::cast_precision_loss)] // integers given for a float datatype
    /// Reads the data as an array with the declared shape (nested or flat data both work).
    pub fn to_ndarray(&self) -> Result<NdArray, ProtocolError> {
        let flat = NdArray::from_json(&self.data)?;
        let shape = self
            .shape
            .iter()
            .map(|&d| usize::try_from(d).map_err(|_| ProtocolError::NegativeDimension(d)))
            .collect::<Result<Vec<_>, _>>()?;
        let values = match (flat.values().clone(), self.datatype) {
            (Values::Int(v), Datatype::Fp16 | Datatype::Fp32 | Datatype::Fp64 | Datatype::Bf16) => {
                Values::Float(v.into_iter().map(|x| x as f64).collect())
            }
            (Values::Float(v), d) if d.is_integer() => {
                if v.iter().any(|x| x.fract() != 0.0) {
                    return Err(ProtocolError::V2(format!(
                        "tensor `{}` has non-integer data for datatype {d:?}",
                        self.name
                    )));
                }
                Values::Int(v.into_iter().map(|x| x as i64).collect())
            }
            (values, _) => values,
        };
        NdArray::new(shape, values)
    }

    /// Writes an array as a tensor with flat data.
    pub fn from_ndarray(name: &str, array: &NdArray) -> Result<Self, ProtocolError> {
        let datatype = match array.values() {
            Values::Int(_) => Datatype::Int64,
            Values::Float(_) => Datatype::Fp64,
            Values::Other(items) if items.iter().all(Value::is_boolean) => Datatype::Bool,
            Values::Other(items) if items.iter().all(Value::is_string) => Datatype::Bytes,
            Values::Other(_) => {
                return Err(ProtocolError::V2(format!(
                    "tensor `{name}` mixes value types that V2 cannot carry"
                )));
            }
        };
        Ok(Self {
            name: name.to_owned(),
            shape: array
                .shape()
                .iter()
                .map(|&d| i64::try_from(d).unwrap_or(i64::MAX))
                .collect(),
            datatype,
            parameters: None,
            data: Value::Array(array.to_flat_json()),
        })
    }
}

/// Converts a Seldon request with tensor `data` into a V2 inference request.
pub fn request_from_seldon(message: &SeldonMessage) -> Result<InferenceRequest, ProtocolError> {
    let kind = message.payload_kind()?;
    let Some(array) = message.array()? else {
        return Err(ProtocolError::Unsupported {
            payload: kind,
            target: "the V2 protocol",
        });
    };
    let names = message
        .data
        .as_ref()
        .map(|d| d.names.as_slice())
        .unwrap_or_default();
    let name = match names {
        [single] => single.as_str(),
        _ => "input-0",
    };
    Ok(InferenceRequest {
        id: message.meta.as_ref().and_then(|m| m.puid.clone()),
        parameters: None,
        inputs: vec![Tensor::from_ndarray(name, &array)?],
        outputs: None,
    })
}

/// Converts a V2 inference response into a Seldon reply whose data uses `request_kind` when
/// numeric; the response must have exactly one output.
pub fn response_to_seldon(
    response: &InferenceResponse,
    request_kind: PayloadKind,
) -> Result<SeldonMessage, ProtocolError> {
    let [output] = response.outputs.as_slice() else {
        return Err(ProtocolError::V2(format!(
            "expected one output, found {}",
            response.outputs.len()
        )));
    };
    let array = output.to_ndarray()?;
    Ok(SeldonMessage {
        data: Some(DefaultData::from_array(&array, request_kind)),
        ..SeldonMessage::default()
    })
}

/// Converts a V2 inference request with one input into a Seldon request (`data.tensor` when
/// numeric, else `data.ndarray`), carrying the input name as the only name.
pub fn request_to_seldon(request: &InferenceRequest) -> Result<SeldonMessage, ProtocolError> {
    let [input] = request.inputs.as_slice() else {
        return Err(ProtocolError::V2(format!(
            "expected one input, found {}",
            request.inputs.len()
        )));
    };
    let array = input.to_ndarray()?;
    let mut data = DefaultData::from_array(&array, PayloadKind::Tensor);
    data.names = vec![input.name.clone()];
    Ok(SeldonMessage {
        data: Some(data),
        ..SeldonMessage::default()
    })
}

/// Converts a Seldon reply with tensor `data` into a V2 response for `model_name`, one output per
/// reply (named after its single name, else `output-0`).
pub fn response_from_seldon(
    message: &SeldonMessage,
    model_name: &str,
    id: Option<String>,
) -> Result<InferenceResponse, ProtocolError> {
    let kind = message.payload_kind()?;
    let Some(array) = message.array()? else {
        return Err(ProtocolError::Unsupported {
            payload: kind,
            target: "the V2 protocol",
        });
    };
    let names = message
        .data
        .as_ref()
        .map(|d| d.names.as_slice())
        .unwrap_or_default();
    let name = match names {
        [single] => single.as_str(),
        _ => "output-0",
    };
    Ok(InferenceResponse {
        model_name: model_name.to_owned(),
        model_version: None,
        id,
        parameters: None,
        outputs: vec![Tensor::from_ndarray(name, &array)?],
    })
}

/// Rewrites a unit's V2 reply so it can be the next unit's request, as the executor's `Chain`
/// does: a body with `inputs` is kept (`None`), `outputs` is renamed to `inputs`, anything else
/// is an error.
pub fn chain(body: &[u8]) -> Result<Option<Vec<u8>>, ProtocolError> {
    super::tensorflow::rename_key(body, &["inputs"], "outputs", "inputs", "v2")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_spec_example_parses_and_round_trips() {
        let request: InferenceRequest = serde_json::from_value(json!({
            "id": "42",
            "inputs": [{"name": "input0", "shape": [2, 2], "datatype": "UINT32", "data": [1, 2, 3, 4]},
                       {"name": "input1", "shape": [3], "datatype": "BOOL", "data": [true]}],
            "outputs": [{"name": "output0"}]
        }))
        .unwrap();
        assert_eq!(request.inputs[0].datatype, Datatype::Uint32);
        assert_eq!(
            request.inputs[0].to_ndarray().unwrap().to_json(),
            json!([[1, 2], [3, 4]])
        );
        let response: InferenceResponse = serde_json::from_value(json!({
            "model_name": "mymodel", "id": "42",
            "outputs": [{"name": "output0", "shape": [3, 2], "datatype": "FP32", "data": [1.0, 1.1, 2.0, 2.1, 3.0, 3.1]}]
        }))
        .unwrap();
        let back = serde_json::to_value(&response).unwrap();
        assert_eq!(back["outputs"][0]["datatype"], "FP32");
        assert!(serde_json::from_value::<Datatype>(json!("FP8")).is_err());
    }

    #[test]
    fn datatypes_have_sizes() {
        let table = [
            (Datatype::Bool, Some(1)),
            (Datatype::Uint16, Some(2)),
            (Datatype::Int32, Some(4)),
            (Datatype::Fp64, Some(8)),
            (Datatype::Bf16, Some(2)),
            (Datatype::Bytes, None),
        ];
        for (datatype, size) in table {
            assert_eq!(datatype.size(), size, "{datatype:?}");
        }
    }

    #[test]
    fn seldon_and_v2_convert_both_ways() {
        let cases = [
            (
                json!({"data": {"ndarray": [[1.5, 2.0]]}}),
                Datatype::Fp64,
                json!([1.5, 2.0]),
                vec![1, 2],
            ),
            (
                json!({"data": {"tensor": {"shape": [2], "values": [1, 2]}}}),
                Datatype::Int64,
                json!([1, 2]),
                vec![2],
            ),
            (
                json!({"data": {"ndarray": [["a", "b"]]}}),
                Datatype::Bytes,
                json!(["a", "b"]),
                vec![1, 2],
            ),
            (
                json!({"data": {"ndarray": [true]}}),
                Datatype::Bool,
                json!([true]),
                vec![1],
            ),
        ];
        for (input, datatype, data, shape) in cases {
            let message: SeldonMessage = serde_json::from_value(input.clone()).unwrap();
            let request = request_from_seldon(&message).unwrap();
            assert_eq!(request.inputs[0].datatype, datatype, "{input}");
            assert_eq!(request.inputs[0].data, data, "{input}");
            assert_eq!(request.inputs[0].shape, shape, "{input}");
            let back = request_to_seldon(&request).unwrap();
            assert_eq!(back.array().unwrap(), message.array().unwrap(), "{input}");
        }
        let message: SeldonMessage = serde_json::from_value(json!({"strData": "x"})).unwrap();
        assert!(request_from_seldon(&message).is_err());
    }

    #[test]
    fn responses_convert_to_seldon_in_the_request_kind() {
        let response: InferenceResponse = serde_json::from_value(json!({
            "model_name": "m",
            "outputs": [{"name": "o", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]}]
        }))
        .unwrap();
        let tensor = response_to_seldon(&response, PayloadKind::Tensor).unwrap();
        assert_eq!(
            serde_json::to_value(&tensor).unwrap(),
            json!({"data": {"names": ["t:0", "t:1"], "tensor": {"shape": [1, 2], "values": [1.0, 2.0]}}})
        );
        let ndarray = response_to_seldon(&response, PayloadKind::Ndarray).unwrap();
        assert_eq!(ndarray.data.unwrap().ndarray.unwrap(), json!([[1.0, 2.0]]));
        let back = response_from_seldon(&tensor, "m", Some("7".into())).unwrap();
        assert_eq!(back.outputs[0].data, json!([1.0, 2.0]));
        assert_eq!(back.id.as_deref(), Some("7"));
    }

    #[test]
    fn bad_tensors_are_errors() {
        let bad: Tensor = serde_json::from_value(
            json!({"name": "x", "shape": [3], "datatype": "INT32", "data": [1, 2]}),
        )
        .unwrap();
        assert!(bad.to_ndarray().is_err());
        let fractional: Tensor = serde_json::from_value(
            json!({"name": "x", "shape": [1], "datatype": "INT32", "data": [1.5]}),
        )
        .unwrap();
        assert!(fractional.to_ndarray().is_err());
    }

    #[test]
    fn chaining_renames_outputs_to_inputs() {
        assert_eq!(chain(br#"{"inputs": []}"#).unwrap(), None);
        let chained = chain(br#"{"model_name":"m","outputs":[{"name":"o"}]}"#)
            .unwrap()
            .unwrap();
        let value: Value = serde_json::from_slice(&chained).unwrap();
        assert_eq!(value, json!({"model_name": "m", "inputs": [{"name": "o"}]}));
        assert!(chain(br#"{"predictions": []}"#).is_err());
    }
}
