//! A V2 tensor as the server holds it: the datatype, the shape and the elements as raw
//! little-endian bytes (what the binary data extension carries), or one byte string per element
//! for `BYTES`. JSON `data` converts to and from it; so does tract's tensor (in `backend`).

use serde_json::Value as Json;
use tract_onnx::prelude::f16;

use crate::protocol::v2::Datatype;

/// A tensor's elements.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Fixed-size elements, little-endian, row-major.
    Raw(Vec<u8>),
    /// `BYTES` elements.
    Bytes(Vec<Vec<u8>>),
}

/// A named tensor of a request or response.
#[derive(Debug, Clone, PartialEq)]
pub struct InferTensor {
    pub name: String,
    pub datatype: Datatype,
    pub shape: Vec<usize>,
    pub data: Data,
}

impl InferTensor {
    /// Number of elements the shape holds.
    #[must_use]
    pub fn element_count(&self) -> usize {
        self.shape.iter().product()
    }

    /// Checks that the data holds exactly the shape's elements.
    pub fn check_size(&self) -> Result<(), String> {
        let count = self.element_count();
        let (have, want) = match (&self.data, self.datatype.size()) {
            (Data::Raw(bytes), Some(size)) => (bytes.len(), count * size),
            (Data::Bytes(items), None) => (items.len(), count),
            _ => {
                return Err(format!(
                    "input '{}': data does not match its datatype",
                    self.name
                ));
            }
        };
        if have == want {
            Ok(())
        } else {
            let unit = if matches!(self.data, Data::Raw(_)) {
                "bytes"
            } else {
                "elements"
            };
            Err(format!(
                "input '{}' got unexpected byte size {have} {unit}, expected {want}",
                self.name
            ))
        }
    }

    /// The binary form: the raw bytes, or for `BYTES` each element as a 4-byte little-endian
    /// length followed by its bytes.
    #[must_use]
    pub fn to_binary(&self) -> Vec<u8> {
        match &self.data {
            Data::Raw(bytes) => bytes.clone(),
            Data::Bytes(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.extend_from_slice(&(item.len() as u32).to_le_bytes());
                    out.extend_from_slice(item);
                }
                out
            }
        }
    }

    /// The JSON `data` array (flat, row-major).
    #[must_use]
    pub fn to_json(&self) -> Json {
        match &self.data {
            Data::Bytes(items) => Json::Array(
                items
                    .iter()
                    .map(|b| Json::String(String::from_utf8_lossy(b).into_owned()))
                    .collect(),
            ),
            Data::Raw(bytes) => {
                let size = self.datatype.size().unwrap_or(1);
                Json::Array(
                    bytes
                        .chunks_exact(size)
                        .map(|c| element_json(self.datatype, c))
                        .collect(),
                )
            }
        }
    }
}

fn element_json(datatype: Datatype, c: &[u8]) -> Json {
    let arr = |n: usize| -> [u8; 8] {
        let mut a = [0u8; 8];
        a[..n].copy_from_slice(&c[..n]);
        a
    };
    let a = arr(c.len());
    match datatype {
        Datatype::Bool => Json::Bool(c[0] != 0),
        Datatype::Uint8 => c[0].into(),
        Datatype::Int8 => i8::from_le_bytes([c[0]]).into(),
        Datatype::Uint16 => u16::from_le_bytes([a[0], a[1]]).into(),
        Datatype::Int16 => i16::from_le_bytes([a[0], a[1]]).into(),
        Datatype::Uint32 => u32::from_le_bytes([a[0], a[1], a[2], a[3]]).into(),
        Datatype::Int32 => i32::from_le_bytes([a[0], a[1], a[2], a[3]]).into(),
        Datatype::Uint64 => u64::from_le_bytes(a).into(),
        Datatype::Int64 => i64::from_le_bytes(a).into(),
        Datatype::Fp16 => float(f16::from_le_bytes([a[0], a[1]]).to_f64()),
        Datatype::Bf16 => float(f64::from(f32::from_bits(
            u32::from(u16::from_le_bytes([a[0], a[1]])) << 16,
        ))),
        Datatype::Fp32 => float(f64::from(f32::from_le_bytes([a[0], a[1], a[2], a[3]]))),
        Datatype::Fp64 => float(f64::from_le_bytes(a)),
        Datatype::Bytes => Json::Null,
    }
}

fn float(x: f64) -> Json {
    serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)
}

/// Flattens JSON `data` (flat or nested) into elements of `datatype`.
pub fn from_json(
    name: &str,
    datatype: Datatype,
    shape: Vec<usize>,
    data: &Json,
) -> Result<InferTensor, String> {
    let mut flat = Vec::new();
    flatten(data, &mut flat);
    let bad = |v: &Json| {
        let expected = datatype_name(datatype);
        format!("unable to parse 'data': input '{name}' expects {expected} values, got `{v}`")
    };
    let data = if datatype == Datatype::Bytes {
        Data::Bytes(
            flat.iter()
                .map(|v| match v {
                    Json::String(s) => Ok(s.as_bytes().to_vec()),
                    other => Err(bad(other)),
                })
                .collect::<Result<_, _>>()?,
        )
    } else {
        let mut raw = Vec::with_capacity(flat.len() * datatype.size().unwrap_or(1));
        for v in flat {
            encode(datatype, v, &mut raw).ok_or_else(|| bad(v))?;
        }
        Data::Raw(raw)
    };
    Ok(InferTensor {
        name: name.to_owned(),
        datatype,
        shape,
        data,
    })
}

/// The V2 name of a datatype (`FP32`).
#[must_use]
pub fn datatype_name(datatype: Datatype) -> String {
    serde_json::to_value(datatype)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn flatten<'a>(value: &'a Json, out: &mut Vec<&'a Json>) {
    match value {
        Json::Array(items) => items.iter().for_each(|v| flatten(v, out)),
        other => out.push(other),
    }
}

fn encode(datatype: Datatype, v: &Json, out: &mut Vec<u8>) -> Option<()> {
    macro_rules! int {
        ($t:ty) => {{
            let x = v
                .as_i64()
                .map(i128::from)
                .or_else(|| v.as_u64().map(i128::from))?;
            out.extend_from_slice(&<$t>::try_from(x).ok()?.to_le_bytes());
        }};
    }
    match datatype {
        Datatype::Bool => out.push(u8::from(v.as_bool()?)),
        Datatype::Uint8 => int!(u8),
        Datatype::Uint16 => int!(u16),
        Datatype::Uint32 => int!(u32),
        Datatype::Uint64 => int!(u64),
        Datatype::Int8 => int!(i8),
        Datatype::Int16 => int!(i16),
        Datatype::Int32 => int!(i32),
        Datatype::Int64 => int!(i64),
        Datatype::Fp16 => out.extend_from_slice(&f16::from_f64(v.as_f64()?).to_le_bytes()),
        Datatype::Bf16 => {
            let bits = (v.as_f64()? as f32).to_bits();
            out.extend_from_slice(&((bits >> 16) as u16).to_le_bytes());
        }
        Datatype::Fp32 => out.extend_from_slice(&(v.as_f64()? as f32).to_le_bytes()),
        Datatype::Fp64 => out.extend_from_slice(&v.as_f64()?.to_le_bytes()),
        Datatype::Bytes => return None,
    }
    Some(())
}

/// Reads a binary blob (the binary data extension) as `datatype` elements.
pub fn from_binary(
    name: &str,
    datatype: Datatype,
    shape: Vec<usize>,
    blob: &[u8],
) -> Result<InferTensor, String> {
    let data = if datatype == Datatype::Bytes {
        let mut items = Vec::new();
        let mut rest = blob;
        while !rest.is_empty() {
            let (len, tail) = rest
                .split_first_chunk::<4>()
                .ok_or_else(|| format!("input '{name}': truncated BYTES element length"))?;
            let len = u32::from_le_bytes(*len) as usize;
            if tail.len() < len {
                return Err(format!(
                    "input '{name}': BYTES element of {len} bytes is truncated"
                ));
            }
            items.push(tail[..len].to_vec());
            rest = &tail[len..];
        }
        Data::Bytes(items)
    } else {
        let mut raw = blob.to_vec();
        if datatype == Datatype::Bool {
            for b in &mut raw {
                *b = u8::from(*b != 0);
            }
        }
        Data::Raw(raw)
    };
    Ok(InferTensor {
        name: name.to_owned(),
        datatype,
        shape,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_data_round_trips_through_raw_bytes() {
        let t = from_json("x", Datatype::Int32, vec![2, 2], &json!([[1, -2], [3, 4]])).unwrap();
        assert_eq!(t.check_size(), Ok(()));
        assert_eq!(t.to_json(), json!([1, -2, 3, 4]));
        let h = from_json("h", Datatype::Fp16, vec![2], &json!([0.5, 2.0])).unwrap();
        assert_eq!(h.to_json(), json!([0.5, 2.0]));
    }

    #[test]
    fn out_of_range_and_mistyped_values_are_refused() {
        assert!(from_json("x", Datatype::Uint8, vec![1], &json!([300])).is_err());
        assert!(from_json("x", Datatype::Int32, vec![1], &json!(["a"])).is_err());
        assert!(from_json("x", Datatype::Bytes, vec![1], &json!([1])).is_err());
    }

    #[test]
    fn bytes_elements_are_length_prefixed_in_binary() {
        let t = from_json("s", Datatype::Bytes, vec![2], &json!(["ab", ""])).unwrap();
        let blob = t.to_binary();
        assert_eq!(blob, vec![2, 0, 0, 0, b'a', b'b', 0, 0, 0, 0]);
        assert_eq!(
            from_binary("s", Datatype::Bytes, vec![2], &blob).unwrap(),
            t
        );
        assert!(from_binary("s", Datatype::Bytes, vec![1], &[5, 0, 0, 0, b'a']).is_err());
    }

    #[test]
    fn a_wrong_byte_length_is_reported() {
        let t = from_binary("x", Datatype::Fp32, vec![2], &[0; 7]).unwrap();
        assert_eq!(
            t.check_size().unwrap_err(),
            "input 'x' got unexpected byte size 7 bytes, expected 8"
        );
    }
}
