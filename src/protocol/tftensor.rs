//! `tensorflow.TensorProto` in proto3 JSON (the Seldon `data.tftensor` payload).
//!
//! Reading follows `tf.make_ndarray` for the numeric, boolean and string dtypes; writing follows
//! `tf.make_tensor_proto` for the arrays the tfserving proxy produces (`int64` and `float64`):
//! `tensorContent` for more than one element, the typed `*Val` list for a single one.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::{NdArray, ProtocolError, Values};

fn bad(message: impl Into<String>) -> ProtocolError {
    ProtocolError::TfTensor(message.into())
}

/// Reads a `TensorProto` JSON object into an array.
pub fn to_ndarray(tensor: &Value) -> Result<NdArray, ProtocolError> {
    let dtype = tensor
        .get("dtype")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("missing `dtype`"))?;
    let shape = read_shape(tensor)?;
    let count = super::ndarray::checked_count(&shape)?;
    let values = if let Some(content) = tensor.get("tensorContent").and_then(Value::as_str) {
        let raw = STANDARD
            .decode(content)
            .map_err(|e| bad(format!("`tensorContent` is not base64: {e}")))?;
        decode_content(dtype, &raw)?
    } else {
        read_typed_list(dtype, tensor)?
    };
    if values.len() < count && count > MAX_FILL {
        return Err(bad(format!(
            "the shape declares {count} elements but {} values were sent; filling more than \
             {MAX_FILL} elements from fewer values is refused (send every value, or a smaller shape)",
            values.len()
        )));
    }
    NdArray::new(shape, broadcast(values, count))
}

/// The most elements a tensor may fill by repeating its last value (`tf.make_ndarray` does, to
/// let one value stand for a whole shape). Without a bound, a 170-byte body declaring tens of
/// millions of elements made a server allocate gigabytes; 2^22 elements (32 MiB of f64) still
/// covers any real image or feature batch written as a single value.
pub const MAX_FILL: usize = 1 << 22;

fn read_shape(tensor: &Value) -> Result<Vec<usize>, ProtocolError> {
    let Some(dims) = tensor
        .get("tensorShape")
        .and_then(|s| s.get("dim"))
        .and_then(Value::as_array)
    else {
        return Ok(Vec::new());
    };
    dims.iter()
        .map(|dim| {
            let size = dim.get("size").unwrap_or(&Value::Null);
            match size {
                Value::String(s) => s.parse::<usize>().ok(),
                Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
                _ => None,
            }
            .ok_or_else(|| bad(format!("invalid dimension size `{size}`")))
        })
        .collect()
}

fn decode_content(dtype: &str, raw: &[u8]) -> Result<Values, ProtocolError> {
    fn chunks<const N: usize>(raw: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
        raw.chunks_exact(N)
            .map(|c| c.try_into().expect("chunks_exact yields N bytes"))
    }
    Ok(match dtype {
        "DT_FLOAT" => Values::Float(
            chunks::<4>(raw)
                .map(|b| f64::from(f32::from_le_bytes(b)))
                .collect(),
        ),
        "DT_DOUBLE" => Values::Float(chunks::<8>(raw).map(f64::from_le_bytes).collect()),
        "DT_INT32" => Values::Int(
            chunks::<4>(raw)
                .map(|b| i64::from(i32::from_le_bytes(b)))
                .collect(),
        ),
        "DT_INT64" => Values::Int(chunks::<8>(raw).map(i64::from_le_bytes).collect()),
        "DT_BOOL" => Values::Other(raw.iter().map(|&b| Value::Bool(b != 0)).collect()),
        other => {
            return Err(bad(format!(
                "`tensorContent` of dtype `{other}` is not supported"
            )));
        }
    })
}

fn read_typed_list(dtype: &str, tensor: &Value) -> Result<Values, ProtocolError> {
    let list = |key: &str| {
        tensor
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let number = |v: &Value| match v {
        Value::String(s) => s.parse::<f64>().ok(),
        other => other.as_f64(),
    };
    let integer = |v: &Value| match v {
        Value::String(s) => s.parse::<i64>().ok(),
        other => other.as_i64(),
    };
    let all = |items: &[Value], f: &dyn Fn(&Value) -> Option<f64>| {
        items
            .iter()
            .map(|v| f(v).ok_or_else(|| bad(format!("invalid value `{v}` for `{dtype}`"))))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match dtype {
        "DT_FLOAT" | "DT_HALF" | "DT_BFLOAT16" => {
            let key = if dtype == "DT_FLOAT" {
                "floatVal"
            } else {
                "halfVal"
            };
            Values::Float(all(list(key), &number)?)
        }
        "DT_DOUBLE" => Values::Float(all(list("doubleVal"), &number)?),
        "DT_INT32" | "DT_INT16" | "DT_INT8" | "DT_UINT8" | "DT_UINT16" | "DT_INT64"
        | "DT_UINT32" | "DT_UINT64" => {
            let key = match dtype {
                "DT_INT64" => "int64Val",
                "DT_UINT32" => "uint32Val",
                "DT_UINT64" => "uint64Val",
                _ => "intVal",
            };
            Values::Int(
                list(key)
                    .iter()
                    .map(|v| {
                        integer(v).ok_or_else(|| bad(format!("invalid value `{v}` for `{dtype}`")))
                    })
                    .collect::<Result<_, _>>()?,
            )
        }
        "DT_BOOL" => Values::Other(list("boolVal").to_vec()),
        "DT_STRING" => Values::Other(
            list("stringVal")
                .iter()
                .map(|v| {
                    let text = v
                        .as_str()
                        .ok_or_else(|| bad("`stringVal` items must be strings"))?;
                    let raw = STANDARD
                        .decode(text)
                        .map_err(|e| bad(format!("`stringVal` item is not base64: {e}")))?;
                    Ok(Value::String(String::from_utf8_lossy(&raw).into_owned()))
                })
                .collect::<Result<_, ProtocolError>>()?,
        ),
        other => return Err(bad(format!("dtype `{other}` is not supported"))),
    })
}

/// `make_ndarray` repeats a single value (or the last one) to fill the shape.
fn broadcast(values: Values, count: usize) -> Values {
    fn fill<T: Clone>(mut v: Vec<T>, count: usize) -> Vec<T> {
        if let Some(last) = v.last().cloned()
            && v.len() < count
        {
            v.resize(count, last);
        }
        v
    }
    match values {
        Values::Int(v) => Values::Int(fill(v, count)),
        Values::Float(v) => Values::Float(fill(v, count)),
        Values::Other(v) => Values::Other(fill(v, count)),
    }
}

/// Writes a numeric array as a `TensorProto` JSON object (`DT_INT64` or `DT_DOUBLE`); other
/// arrays are written as `DT_STRING` with their JSON text.
#[must_use]
pub fn from_ndarray(array: &NdArray) -> Value {
    let dims: Vec<Value> = array
        .shape()
        .iter()
        .map(|d| json!({"size": d.to_string()}))
        .collect();
    let shape = json!({"dim": dims});
    match array.values() {
        Values::Int(v) if v.len() == 1 => {
            json!({"dtype": "DT_INT64", "tensorShape": shape, "int64Val": [v[0].to_string()]})
        }
        Values::Int(v) => {
            let raw: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            json!({"dtype": "DT_INT64", "tensorShape": shape, "tensorContent": STANDARD.encode(raw)})
        }
        Values::Float(v) if v.len() == 1 => {
            json!({"dtype": "DT_DOUBLE", "tensorShape": shape, "doubleVal": [v[0]]})
        }
        Values::Float(v) => {
            let raw: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            json!({"dtype": "DT_DOUBLE", "tensorShape": shape, "tensorContent": STANDARD.encode(raw)})
        }
        Values::Other(v) => {
            let strings: Vec<String> = v
                .iter()
                .map(|item| {
                    let text = match item {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    STANDARD.encode(text)
                })
                .collect();
            json!({"dtype": "DT_STRING", "tensorShape": shape, "stringVal": strings})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_lists_and_content_are_read() {
        let floats: Vec<u8> = [1.0f32, 2.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        let cases = [
            (
                json!({"dtype": "DT_FLOAT", "tensorShape": {"dim": [{"size": "1"}, {"size": "2"}]}, "floatVal": [1.0, 2.0]}),
                json!([[1.0, 2.0]]),
            ),
            (
                json!({"dtype": "DT_FLOAT", "tensorShape": {"dim": [{"size": "2"}]}, "tensorContent": STANDARD.encode(&floats)}),
                json!([1.0, 2.0]),
            ),
            (
                json!({"dtype": "DT_INT64", "tensorShape": {"dim": [{"size": "3"}]}, "int64Val": ["7"]}),
                json!([7, 7, 7]),
            ),
            (
                json!({"dtype": "DT_STRING", "tensorShape": {"dim": [{"size": "1"}]}, "stringVal": ["aGk="]}),
                json!(["hi"]),
            ),
            (json!({"dtype": "DT_INT32", "intVal": [5]}), json!(5)),
        ];
        for (input, want) in cases {
            assert_eq!(to_ndarray(&input).unwrap().to_json(), want, "{input}");
        }
    }

    #[test]
    fn arrays_round_trip_through_tensor_proto() {
        for input in [
            json!([[1.5, 2.5], [3.0, 4.0]]),
            json!([[1, 2, 3]]),
            json!([0.5]),
            json!([9]),
        ] {
            let array = NdArray::from_json(&input).unwrap();
            let proto = from_ndarray(&array);
            assert_eq!(to_ndarray(&proto).unwrap(), array, "{proto}");
        }
    }

    #[test]
    fn bad_tensors_are_rejected() {
        for input in [
            json!({"tensorShape": {}}),
            json!({"dtype": "DT_COMPLEX64", "floatVal": [1]}),
            json!({"dtype": "DT_FLOAT", "tensorShape": {"dim": [{"size": "3"}]}, "tensorContent": "!!"}),
            json!({"dtype": "DT_FLOAT", "tensorShape": {"dim": [{"size": "x"}]}}),
        ] {
            assert!(to_ndarray(&input).is_err(), "{input}");
        }
    }

    #[test]
    fn a_few_values_cannot_fill_a_shape_of_millions_of_elements() {
        // The fuzz finding: 172 bytes that made the conversions allocate 2.35 GB.
        let tensor = json!({"dtype": "DT_FLOAT",
            "tensorShape": {"dim": [{"size": "0000000000016000116"}, {"size": "3"}]},
            "floatVal": [1, 2]});
        let error = to_ndarray(&tensor).unwrap_err().to_string();
        assert!(error.contains("48000348 elements but 2 values"), "{error}");
    }

    #[test]
    fn one_value_still_fills_a_shape_up_to_the_limit() {
        let tensor = json!({"dtype": "DT_FLOAT",
            "tensorShape": {"dim": [{"size": "1"}, {"size": MAX_FILL.to_string()}]},
            "floatVal": [0.5]});
        let array = to_ndarray(&tensor).unwrap();
        assert_eq!(array.shape(), [1, MAX_FILL]);
    }
}
