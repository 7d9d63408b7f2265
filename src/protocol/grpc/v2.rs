//! V2 REST bodies and their gRPC messages: an [`InferenceRequest`] as the `ModelInferRequest`
//! carrying the same tensors (typed `contents`, as tritonclient sends them without the binary
//! extension), and a `ModelInferResponse` (typed contents or `raw_output_contents`) as the
//! [`InferenceResponse`] REST would answer.

use serde_json::Value;

use super::inference::model_infer_request::{InferInputTensor, InferRequestedOutputTensor};
use super::inference::model_infer_response::InferOutputTensor;
use super::inference::{InferTensorContents, ModelInferRequest, ModelInferResponse};
use crate::protocol::v2::{Datatype, InferenceRequest, InferenceResponse, Tensor};
use crate::protocol::{ProtocolError, Values};

fn datatype_name(datatype: Datatype) -> String {
    // The serde names are the protocol's (`FP32`, `BYTES`, ...).
    serde_json::to_value(datatype)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn parse_datatype(name: &str) -> Result<Datatype, ProtocolError> {
    serde_json::from_value(Value::String(name.to_owned()))
        .map_err(|_| ProtocolError::V2(format!("unknown datatype `{name}`")))
}

fn narrow<T: TryFrom<i64>>(
    values: &[i64],
    tensor: &str,
    datatype: Datatype,
) -> Result<Vec<T>, ProtocolError> {
    values
        .iter()
        .map(|&x| {
            T::try_from(x).map_err(|_| {
                ProtocolError::V2(format!(
                    "tensor `{tensor}`: {x} does not fit datatype {}",
                    datatype_name(datatype)
                ))
            })
        })
        .collect()
}

/// One REST tensor's data as typed gRPC contents.
#[allow(clippy::cast_possible_truncation)] // FP32 data is narrowed as the REST path does
fn contents(tensor: &Tensor) -> Result<InferTensorContents, ProtocolError> {
    let array = tensor.to_ndarray()?;
    let name = tensor.name.as_str();
    let mut contents = InferTensorContents::default();
    let wrong = || {
        ProtocolError::V2(format!(
            "tensor `{name}`: its data does not match datatype {}",
            datatype_name(tensor.datatype)
        ))
    };
    match (tensor.datatype, array.values()) {
        (Datatype::Fp32, Values::Float(v)) => {
            contents.fp32_contents = v.iter().map(|&x| x as f32).collect();
        }
        (Datatype::Fp64, Values::Float(v)) => contents.fp64_contents.clone_from(v),
        (Datatype::Int8 | Datatype::Int16 | Datatype::Int32, Values::Int(v)) => {
            contents.int_contents = narrow(v, name, tensor.datatype)?;
        }
        (Datatype::Int64, Values::Int(v)) => contents.int64_contents.clone_from(v),
        (Datatype::Uint8 | Datatype::Uint16 | Datatype::Uint32, Values::Int(v)) => {
            contents.uint_contents = narrow(v, name, tensor.datatype)?;
        }
        (Datatype::Uint64, Values::Int(v)) => {
            contents.uint64_contents = narrow(v, name, tensor.datatype)?;
        }
        (Datatype::Bool, Values::Other(v)) => {
            contents.bool_contents = v
                .iter()
                .map(|x| x.as_bool().ok_or_else(wrong))
                .collect::<Result<_, _>>()?;
        }
        (Datatype::Bytes, Values::Other(v)) => {
            contents.bytes_contents = v
                .iter()
                .map(|x| x.as_str().map(|s| s.as_bytes().to_vec()).ok_or_else(wrong))
                .collect::<Result<_, _>>()?;
        }
        (Datatype::Fp16 | Datatype::Bf16, _) => {
            return Err(ProtocolError::V2(format!(
                "tensor `{name}`: {} has no typed gRPC contents (it travels as raw bytes); send it over REST",
                datatype_name(tensor.datatype)
            )));
        }
        _ => return Err(wrong()),
    }
    Ok(contents)
}

/// The `ModelInferRequest` for a REST inference request to `model` (request parameters are not
/// carried: their gRPC form is typed and REST's is free JSON).
pub fn infer_request(
    request: &InferenceRequest,
    model: &str,
) -> Result<ModelInferRequest, ProtocolError> {
    let inputs = request
        .inputs
        .iter()
        .map(|tensor| {
            Ok(InferInputTensor {
                name: tensor.name.clone(),
                datatype: datatype_name(tensor.datatype),
                shape: tensor.shape.clone(),
                contents: Some(contents(tensor)?),
                ..InferInputTensor::default()
            })
        })
        .collect::<Result<Vec<_>, ProtocolError>>()?;
    Ok(ModelInferRequest {
        model_name: model.to_owned(),
        id: request.id.clone().unwrap_or_default(),
        inputs,
        outputs: request
            .outputs
            .iter()
            .flatten()
            .map(|o| InferRequestedOutputTensor {
                name: o.name.clone(),
                ..InferRequestedOutputTensor::default()
            })
            .collect(),
        ..ModelInferRequest::default()
    })
}

fn json_numbers<T: Into<Value> + Copy>(values: &[T]) -> Vec<Value> {
    values.iter().map(|&x| x.into()).collect()
}

fn fixed<const N: usize>(raw: &[u8], name: &str) -> Result<Vec<[u8; N]>, ProtocolError> {
    if !raw.len().is_multiple_of(N) {
        return Err(ProtocolError::V2(format!(
            "output `{name}`: {} raw bytes are not a whole number of {N}-byte elements",
            raw.len()
        )));
    }
    Ok(raw
        .chunks_exact(N)
        .map(|c| {
            let mut bytes = [0u8; N];
            bytes.copy_from_slice(c);
            bytes
        })
        .collect())
}

/// Raw little-endian output bytes as JSON values (BYTES: 4-byte length-prefixed elements).
fn raw_values(raw: &[u8], datatype: Datatype, name: &str) -> Result<Vec<Value>, ProtocolError> {
    Ok(match datatype {
        Datatype::Bool => raw.iter().map(|&b| Value::Bool(b != 0)).collect(),
        Datatype::Uint8 => raw.iter().map(|&b| Value::from(b)).collect(),
        Datatype::Int8 => raw
            .iter()
            .map(|&b| Value::from(i8::from_le_bytes([b])))
            .collect(),
        Datatype::Int16 => fixed::<2>(raw, name)?
            .into_iter()
            .map(|b| i16::from_le_bytes(b).into())
            .collect(),
        Datatype::Uint16 => fixed::<2>(raw, name)?
            .into_iter()
            .map(|b| u16::from_le_bytes(b).into())
            .collect(),
        Datatype::Int32 => fixed::<4>(raw, name)?
            .into_iter()
            .map(|b| i32::from_le_bytes(b).into())
            .collect(),
        Datatype::Uint32 => fixed::<4>(raw, name)?
            .into_iter()
            .map(|b| u32::from_le_bytes(b).into())
            .collect(),
        Datatype::Int64 => fixed::<8>(raw, name)?
            .into_iter()
            .map(|b| i64::from_le_bytes(b).into())
            .collect(),
        Datatype::Uint64 => fixed::<8>(raw, name)?
            .into_iter()
            .map(|b| u64::from_le_bytes(b).into())
            .collect(),
        Datatype::Fp32 => fixed::<4>(raw, name)?
            .into_iter()
            .map(|b| f64::from(f32::from_le_bytes(b)).into())
            .collect(),
        Datatype::Fp64 => fixed::<8>(raw, name)?
            .into_iter()
            .map(|b| f64::from_le_bytes(b).into())
            .collect(),
        Datatype::Bytes => {
            let mut values = Vec::new();
            let mut rest = raw;
            while !rest.is_empty() {
                let (len, tail) = rest.split_at_checked(4).ok_or_else(|| {
                    ProtocolError::V2(format!("output `{name}`: a truncated BYTES length"))
                })?;
                let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                let (element, tail) = tail.split_at_checked(len).ok_or_else(|| {
                    ProtocolError::V2(format!("output `{name}`: a BYTES element past the end"))
                })?;
                values.push(Value::String(String::from_utf8_lossy(element).into_owned()));
                rest = tail;
            }
            values
        }
        Datatype::Fp16 | Datatype::Bf16 => {
            return Err(ProtocolError::V2(format!(
                "output `{name}`: {} cannot be shown as JSON here",
                datatype_name(datatype)
            )));
        }
    })
}

fn typed_values(contents: &InferTensorContents) -> Vec<Value> {
    let c = contents;
    if !c.fp32_contents.is_empty() {
        return c
            .fp32_contents
            .iter()
            .map(|&x| f64::from(x).into())
            .collect();
    }
    if !c.fp64_contents.is_empty() {
        return json_numbers(&c.fp64_contents);
    }
    if !c.int_contents.is_empty() {
        return json_numbers(&c.int_contents);
    }
    if !c.int64_contents.is_empty() {
        return json_numbers(&c.int64_contents);
    }
    if !c.uint_contents.is_empty() {
        return json_numbers(&c.uint_contents);
    }
    if !c.uint64_contents.is_empty() {
        return json_numbers(&c.uint64_contents);
    }
    if !c.bool_contents.is_empty() {
        return json_numbers(&c.bool_contents);
    }
    c.bytes_contents
        .iter()
        .map(|b| Value::String(String::from_utf8_lossy(b).into_owned()))
        .collect()
}

fn output(tensor: &InferOutputTensor, raw: Option<&Vec<u8>>) -> Result<Tensor, ProtocolError> {
    let datatype = parse_datatype(&tensor.datatype)?;
    let data = match (raw, &tensor.contents) {
        (Some(raw), _) => raw_values(raw, datatype, &tensor.name)?,
        (None, Some(contents)) => typed_values(contents),
        (None, None) => Vec::new(),
    };
    Ok(Tensor {
        name: tensor.name.clone(),
        shape: tensor.shape.clone(),
        datatype,
        parameters: None,
        data: Value::Array(data),
    })
}

/// A `ModelInferResponse` as the REST inference response (flat data).
pub fn infer_response(response: &ModelInferResponse) -> Result<InferenceResponse, ProtocolError> {
    let raw = &response.raw_output_contents;
    let outputs = response
        .outputs
        .iter()
        .enumerate()
        .map(|(i, tensor)| output(tensor, raw.get(i)))
        .collect::<Result<Vec<_>, _>>()?;
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    Ok(InferenceResponse {
        model_name: response.model_name.clone(),
        model_version: non_empty(&response.model_version),
        id: non_empty(&response.id),
        parameters: None,
        outputs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> InferenceRequest {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_rest_request_becomes_typed_grpc_contents() {
        let grpc = infer_request(
            &request(
                r#"{"id":"7","inputs":[
                    {"name":"a","shape":[1,2],"datatype":"FP32","data":[[1.5,2]]},
                    {"name":"b","shape":[2],"datatype":"INT32","data":[3,-4]},
                    {"name":"c","shape":[1],"datatype":"BYTES","data":["hi"]},
                    {"name":"d","shape":[1],"datatype":"BOOL","data":[true]}],
                    "outputs":[{"name":"out"}]}"#,
            ),
            "simple",
        )
        .unwrap();
        assert_eq!(grpc.model_name, "simple");
        assert_eq!(grpc.id, "7");
        let contents = |i: usize| grpc.inputs[i].contents.clone().unwrap();
        assert_eq!(grpc.inputs[0].datatype, "FP32");
        assert_eq!(grpc.inputs[0].shape, vec![1, 2]);
        assert_eq!(contents(0).fp32_contents, vec![1.5, 2.0]);
        assert_eq!(contents(1).int_contents, vec![3, -4]);
        assert_eq!(contents(2).bytes_contents, vec![b"hi".to_vec()]);
        assert_eq!(contents(3).bool_contents, vec![true]);
        assert_eq!(grpc.outputs[0].name, "out");
    }

    #[test]
    fn data_that_does_not_fit_its_datatype_is_refused_with_the_tensor_named() {
        let error = infer_request(
            &request(r#"{"inputs":[{"name":"x","shape":[1],"datatype":"UINT8","data":[-1]}]}"#),
            "m",
        )
        .unwrap_err();
        assert!(error.to_string().contains("`x`"), "{error}");
        let error = infer_request(
            &request(r#"{"inputs":[{"name":"y","shape":[1],"datatype":"BOOL","data":[1.5]}]}"#),
            "m",
        )
        .unwrap_err();
        assert!(error.to_string().contains("`y`"), "{error}");
    }

    #[test]
    fn raw_and_typed_outputs_read_as_the_same_rest_answer() {
        let tensor = |contents| InferOutputTensor {
            name: "out".into(),
            datatype: "INT32".into(),
            shape: vec![1, 2],
            contents,
            ..InferOutputTensor::default()
        };
        let typed = ModelInferResponse {
            model_name: "simple".into(),
            model_version: "1".into(),
            outputs: vec![tensor(Some(InferTensorContents {
                int_contents: vec![5, -6],
                ..InferTensorContents::default()
            }))],
            ..ModelInferResponse::default()
        };
        let raw = ModelInferResponse {
            outputs: vec![tensor(None)],
            raw_output_contents: vec![[5i32.to_le_bytes(), (-6i32).to_le_bytes()].concat()],
            ..typed.clone()
        };
        let a = infer_response(&typed).unwrap();
        assert_eq!(a, infer_response(&raw).unwrap());
        assert_eq!(a.outputs[0].data, serde_json::json!([5, -6]));
        assert_eq!(a.model_version.as_deref(), Some("1"));
        let bytes = ModelInferResponse {
            outputs: vec![InferOutputTensor {
                datatype: "BYTES".into(),
                ..tensor(None)
            }],
            raw_output_contents: vec![[&2u32.to_le_bytes()[..], b"ok"].concat()],
            ..typed
        };
        assert_eq!(
            infer_response(&bytes).unwrap().outputs[0].data,
            serde_json::json!(["ok"])
        );
    }

    #[test]
    fn truncated_raw_outputs_are_an_error_not_a_panic() {
        let response = ModelInferResponse {
            outputs: vec![InferOutputTensor {
                name: "out".into(),
                datatype: "BYTES".into(),
                shape: vec![1],
                ..InferOutputTensor::default()
            }],
            raw_output_contents: vec![vec![9, 0, 0, 0, b'a']],
            ..ModelInferResponse::default()
        };
        assert!(infer_response(&response).is_err());
        let response = ModelInferResponse {
            outputs: vec![InferOutputTensor {
                datatype: "FP32".into(),
                ..response.outputs[0].clone()
            }],
            raw_output_contents: vec![vec![1, 2, 3]],
            ..ModelInferResponse::default()
        };
        assert!(infer_response(&response).is_err());
    }
}
