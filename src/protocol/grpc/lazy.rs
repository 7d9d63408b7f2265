//! Seldon messages as the executor carries them over gRPC: `status` and `meta` decoded (the
//! executor reads and writes them), the payload kept as the bytes it arrived in. On the wire they
//! are the very `seldon.protos` messages: a length-delimited field decodes as `bytes` whatever
//! message it holds, so a `DefaultData` of 784 `ndarray` values crosses the engine as one copy
//! instead of being decoded into 784 `Value`s and encoded again for the unit.
//!
//! Hand-written on purpose (not generated from `proto/`): they must keep the field numbers of
//! `prediction.proto`, which the tests below check against the generated messages.

use bytes::Bytes;
use prost::Message as _;

use super::seldon::protos::{DefaultData, Meta, SeldonMessage, Status, Tensor, seldon_message};
use super::tensorflow::{TensorProto, TensorShapeProto, tensor_shape_proto};

/// `google.protobuf.Empty`, as prost maps it (a path the service builder can name).
pub type Empty = ();

/// `seldon.protos.SeldonMessage` with its payload undecoded.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LazyMessage {
    /// `status` (1).
    #[prost(message, optional, tag = "1")]
    pub status: Option<Status>,
    /// `meta` (2).
    #[prost(message, optional, tag = "2")]
    pub meta: Option<Meta>,
    /// `data_oneof` (3 to 7), as received.
    #[prost(oneof = "Payload", tags = "3, 4, 5, 6, 7")]
    pub payload: Option<Payload>,
}

/// The `data_oneof` of a Seldon message, each kind's encoded bytes.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Payload {
    /// `data` (3): an encoded `DefaultData`.
    #[prost(bytes = "bytes", tag = "3")]
    Data(Bytes),
    /// `binData` (4).
    #[prost(bytes = "bytes", tag = "4")]
    BinData(Bytes),
    /// `strData` (5).
    #[prost(string, tag = "5")]
    StrData(String),
    /// `jsonData` (6): an encoded `google.protobuf.Value`.
    #[prost(bytes = "bytes", tag = "6")]
    JsonData(Bytes),
    /// `customData` (7): an encoded `google.protobuf.Any`.
    #[prost(bytes = "bytes", tag = "7")]
    CustomData(Bytes),
}

/// `seldon.protos.SeldonMessageList` of lazy messages.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LazyMessageList {
    /// `seldonMessages` (1).
    #[prost(message, repeated, tag = "1")]
    pub seldon_messages: Vec<LazyMessage>,
}

/// `seldon.protos.Feedback` of lazy messages.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LazyFeedback {
    /// `request` (1).
    #[prost(message, optional, tag = "1")]
    pub request: Option<LazyMessage>,
    /// `response` (2).
    #[prost(message, optional, tag = "2")]
    pub response: Option<LazyMessage>,
    /// `reward` (3).
    #[prost(float, tag = "3")]
    pub reward: f32,
    /// `truth` (4).
    #[prost(message, optional, tag = "4")]
    pub truth: Option<LazyMessage>,
}

impl LazyMessage {
    /// The message with its payload decoded, for the few places that read it (a router's reply).
    ///
    /// # Errors
    /// When the payload's bytes are not the message their field says.
    pub fn decode_payload(&self) -> Result<SeldonMessage, prost::DecodeError> {
        let data_oneof = match &self.payload {
            None => None,
            Some(Payload::Data(bytes)) => Some(seldon_message::DataOneof::Data(
                DefaultData::decode(bytes.as_ref())?,
            )),
            Some(Payload::BinData(bytes)) => {
                Some(seldon_message::DataOneof::BinData(bytes.to_vec()))
            }
            Some(Payload::StrData(text)) => Some(seldon_message::DataOneof::StrData(text.clone())),
            Some(Payload::JsonData(bytes)) => Some(seldon_message::DataOneof::JsonData(
                prost_types::Value::decode(bytes.as_ref())?,
            )),
            Some(Payload::CustomData(bytes)) => Some(seldon_message::DataOneof::CustomData(
                prost_types::Any::decode(bytes.as_ref())?,
            )),
        };
        Ok(SeldonMessage {
            status: self.status.clone(),
            meta: self.meta.clone(),
            data_oneof,
        })
    }
}

/// How a request's `data` carried its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// `data.tensor`: shape and doubles.
    Tensor,
    /// `data.ndarray`: nested lists.
    Ndarray,
    /// `data.tftensor`: a `tensorflow.TensorProto`.
    TfTensor,
}

/// Why a `data` payload is not a tensor a model can take.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DataError {
    /// The bytes are not a `DefaultData`.
    #[error("`data` is not a valid DefaultData: {0}")]
    Malformed(String),
    /// `data` holds none of the tensor kinds.
    #[error("`data` holds none of tensor, ndarray and tftensor")]
    Empty,
    /// Rows of different lengths.
    #[error("ndarray is ragged: every row must have the same length")]
    Ragged,
    /// A string, null or object where a number belongs.
    #[error("ndarray holds a value that is not a number: send strings as a tftensor")]
    NotNumeric,
    /// Deeper than any model input.
    #[error("ndarray is nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// A tensor whose shape does not hold its values.
    #[error("tensor shape {shape:?} does not hold its {values} values")]
    Shape {
        /// The declared shape.
        shape: Vec<i32>,
        /// How many values came.
        values: usize,
    },
}

/// The deepest `ndarray` accepted.
pub const MAX_DEPTH: usize = 32;

/// The `data` of a Seldon message (an encoded `DefaultData`) as a model input: a `tftensor` as
/// sent; a `tensor` or an `ndarray` of numbers as a `DT_FLOAT` tensor of its shape, as
/// upstream's `make_tensor_proto` of a float64 array gives TF Serving. The `ndarray` is read
/// straight from the wire, without building a `Value` per number.
///
/// # Errors
/// [`DataError`] when the bytes are malformed or hold no numeric tensor.
pub fn data_as_tensor(data: &[u8]) -> Result<(DataKind, TensorProto), DataError> {
    use prost::encoding::{WireType, decode_key, decode_varint};
    let mut buf = data;
    let mut found = None;
    while !buf.is_empty() {
        let (tag, wire) = decode_key(&mut buf).map_err(|e| DataError::Malformed(e.to_string()))?;
        if wire != WireType::LengthDelimited {
            skip(&mut buf, wire)?;
            continue;
        }
        let len = usize::try_from(
            decode_varint(&mut buf).map_err(|e| DataError::Malformed(e.to_string()))?,
        )
        .map_err(|_| DataError::Malformed("length overflows".into()))?;
        let field = buf
            .get(..len)
            .ok_or_else(|| DataError::Malformed("a field runs past the end".into()))?;
        buf = &buf[len..];
        match tag {
            2 => found = Some((DataKind::Tensor, field)),
            3 => found = Some((DataKind::Ndarray, field)),
            4 => found = Some((DataKind::TfTensor, field)),
            _ => {}
        }
    }
    let (kind, field) = found.ok_or(DataError::Empty)?;
    let malformed = |e: prost::DecodeError| DataError::Malformed(e.to_string());
    let tensor = match kind {
        DataKind::TfTensor => TensorProto::decode(field).map_err(malformed)?,
        DataKind::Tensor => {
            let tensor = Tensor::decode(field).map_err(malformed)?;
            let count = tensor.shape.iter().try_fold(1usize, |n, &d| {
                usize::try_from(d).ok().and_then(|d| n.checked_mul(d))
            });
            if count != Some(tensor.values.len()) {
                return Err(DataError::Shape {
                    shape: tensor.shape,
                    values: tensor.values.len(),
                });
            }
            #[allow(
                clippy::cast_possible_truncation,
                reason = "TF takes float32, as upstream sends"
            )]
            let values = tensor.values.iter().map(|&v| v as f32).collect();
            float_proto(tensor.shape.iter().map(|&d| i64::from(d)).collect(), values)
        }
        DataKind::Ndarray => {
            let mut shape = Vec::new();
            let mut values = Vec::new();
            let mut leaf = None;
            read_list(field, 0, &mut shape, &mut leaf, &mut values)?;
            // Dimensions below the rows were only seen in rows that turned out ragged.
            shape.truncate(leaf.map_or(shape.len(), |d| d + 1));
            float_proto(shape, values)
        }
    };
    Ok((kind, tensor))
}

fn float_proto(shape: Vec<i64>, values: Vec<f32>) -> TensorProto {
    TensorProto {
        dtype: 1,
        tensor_shape: Some(TensorShapeProto {
            dim: shape
                .into_iter()
                .map(|size| tensor_shape_proto::Dim {
                    size,
                    name: String::new(),
                })
                .collect(),
            unknown_rank: false,
        }),
        float_val: values,
        ..TensorProto::default()
    }
}

fn skip(buf: &mut &[u8], wire: prost::encoding::WireType) -> Result<(), DataError> {
    use prost::encoding::{WireType, decode_varint};
    let malformed = |e: prost::DecodeError| DataError::Malformed(e.to_string());
    let width = match wire {
        WireType::Varint => {
            decode_varint(buf).map_err(malformed)?;
            0
        }
        WireType::SixtyFourBit => 8,
        WireType::ThirtyTwoBit => 4,
        WireType::LengthDelimited => usize::try_from(decode_varint(buf).map_err(malformed)?)
            .map_err(|_| DataError::Malformed("length overflows".into()))?,
        WireType::StartGroup | WireType::EndGroup => {
            return Err(DataError::Malformed(
                "groups are not used by Seldon messages".into(),
            ));
        }
    };
    if buf.len() < width {
        return Err(DataError::Malformed("a field runs past the end".into()));
    }
    *buf = &buf[width..];
    Ok(())
}

/// One `ListValue` at `depth`: its length recorded in (or checked against) `shape`, its numbers
/// appended to `out`; `leaf` is the depth of the rows of numbers, the same for every row.
fn read_list(
    mut buf: &[u8],
    depth: usize,
    shape: &mut Vec<i64>,
    leaf: &mut Option<usize>,
    out: &mut Vec<f32>,
) -> Result<(), DataError> {
    use prost::encoding::{WireType, decode_key, decode_varint};
    if depth >= MAX_DEPTH {
        return Err(DataError::TooDeep);
    }
    if shape.len() <= depth {
        shape.resize(depth + 1, -1);
    }
    let malformed = |e: prost::DecodeError| DataError::Malformed(e.to_string());
    let mut count: i64 = 0;
    // Whether this level holds lists (Some(true)) or numbers (Some(false)).
    let mut holds_lists = None;
    while !buf.is_empty() {
        let (tag, wire) = decode_key(&mut buf).map_err(malformed)?;
        if tag != 1 || wire != WireType::LengthDelimited {
            skip(&mut buf, wire)?;
            continue;
        }
        let len = usize::try_from(decode_varint(&mut buf).map_err(malformed)?)
            .map_err(|_| DataError::Malformed("length overflows".into()))?;
        let mut value = buf
            .get(..len)
            .ok_or_else(|| DataError::Malformed("a value runs past the end".into()))?;
        buf = &buf[len..];
        count += 1;
        // A `Value`: its last kind field wins, as protobuf's oneof merging has it.
        let mut element = None;
        while !value.is_empty() {
            let (tag, wire) = decode_key(&mut value).map_err(malformed)?;
            match (tag, wire) {
                (2, WireType::SixtyFourBit) => {
                    let bytes: [u8; 8] = value
                        .get(..8)
                        .and_then(|b| b.try_into().ok())
                        .ok_or_else(|| DataError::Malformed("a number runs past the end".into()))?;
                    value = &value[8..];
                    element = Some(Element::Number(f64::from_le_bytes(bytes)));
                }
                (4, WireType::Varint) => {
                    let b = decode_varint(&mut value).map_err(malformed)?;
                    element = Some(Element::Number(if b == 0 { 0.0 } else { 1.0 }));
                }
                (6, WireType::LengthDelimited) => {
                    let len = usize::try_from(decode_varint(&mut value).map_err(malformed)?)
                        .map_err(|_| DataError::Malformed("length overflows".into()))?;
                    let inner = value
                        .get(..len)
                        .ok_or_else(|| DataError::Malformed("a list runs past the end".into()))?;
                    value = &value[len..];
                    element = Some(Element::List(inner));
                }
                (1 | 3 | 5, _) => {
                    skip(&mut value, wire)?;
                    element = Some(Element::Other);
                }
                _ => skip(&mut value, wire)?,
            }
        }
        match element {
            Some(Element::Number(x)) if holds_lists != Some(true) => {
                holds_lists = Some(false);
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "TF takes float32, as upstream sends"
                )]
                out.push(x as f32);
            }
            Some(Element::List(inner)) if holds_lists != Some(false) => {
                holds_lists = Some(true);
                read_list(inner, depth + 1, shape, leaf, out)?;
            }
            Some(Element::Number(_) | Element::List(_)) => return Err(DataError::Ragged),
            Some(Element::Other) | None => return Err(DataError::NotNumeric),
        }
    }
    if shape[depth] == -1 {
        shape[depth] = count;
    } else if shape[depth] != count {
        return Err(DataError::Ragged);
    }
    // Rows of numbers (or empty rows) all sit at one depth, the innermost.
    if holds_lists != Some(true) {
        match *leaf {
            None => *leaf = Some(depth),
            Some(d) if d != depth => return Err(DataError::Ragged),
            Some(_) => {}
        }
    } else if leaf.is_some_and(|d| d <= depth) {
        return Err(DataError::Ragged);
    }
    Ok(())
}

enum Element<'a> {
    Number(f64),
    List(&'a [u8]),
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::grpc::json::from_json;
    use crate::protocol::grpc::seldon::protos::{Feedback, SeldonMessageList};

    fn full() -> SeldonMessage {
        from_json(
            br#"{"meta":{"puid":"p","tags":{"a":1},"routing":{"r":1},"requestPath":{"m":"i"}},
                "status":{"code":3,"info":"x"},
                "data":{"names":["a"],"ndarray":[[1.5,2],[3,4]]}}"#,
        )
        .unwrap()
    }

    #[test]
    fn a_lazy_message_reencodes_byte_for_byte_and_decodes_to_the_same_message() {
        let message = full();
        let wire = message.encode_to_vec();
        let lazy = LazyMessage::decode(wire.as_slice()).unwrap();
        assert_eq!(lazy.meta, message.meta);
        assert_eq!(lazy.status, message.status);
        assert!(matches!(lazy.payload, Some(Payload::Data(_))));
        assert_eq!(
            SeldonMessage::decode(lazy.encode_to_vec().as_slice()).unwrap(),
            message
        );
        assert_eq!(lazy.decode_payload().unwrap(), message);
    }

    #[test]
    fn every_payload_kind_survives_the_engine() {
        for json in [
            &br#"{"strData":"hi"}"#[..],
            br#"{"binData":"aGk="}"#,
            br#"{"jsonData":{"a":[1,"b"]}}"#,
            br#"{"customData":{"@type":"type.googleapis.com/tensorflow.serving.ModelSpec","name":"m"}}"#,
            br#"{"data":{"tensor":{"shape":[1,2],"values":[1,2]}}}"#,
            br"{}",
        ] {
            let message: SeldonMessage = from_json(json).unwrap();
            let lazy = LazyMessage::decode(message.encode_to_vec().as_slice()).unwrap();
            let back = SeldonMessage::decode(lazy.encode_to_vec().as_slice()).unwrap();
            assert_eq!(back, message, "{}", String::from_utf8_lossy(json));
            assert_eq!(lazy.decode_payload().unwrap(), message);
        }
    }

    #[test]
    fn lists_and_feedback_keep_their_field_numbers() {
        let list = SeldonMessageList {
            seldon_messages: vec![full(), SeldonMessage::default()],
        };
        let lazy = LazyMessageList::decode(list.encode_to_vec().as_slice()).unwrap();
        assert_eq!(lazy.seldon_messages.len(), 2);
        assert_eq!(
            SeldonMessageList::decode(lazy.encode_to_vec().as_slice()).unwrap(),
            list
        );
        let feedback = Feedback {
            request: Some(full()),
            response: Some(full()),
            reward: 0.5,
            truth: Some(SeldonMessage::default()),
        };
        let lazy = LazyFeedback::decode(feedback.encode_to_vec().as_slice()).unwrap();
        assert!((lazy.reward - 0.5).abs() < f32::EPSILON);
        assert_eq!(
            Feedback::decode(lazy.encode_to_vec().as_slice()).unwrap(),
            feedback
        );
    }

    fn data_bytes(json: &str) -> Vec<u8> {
        let message: SeldonMessage = from_json(json.as_bytes()).unwrap();
        match message.data_oneof {
            Some(seldon_message::DataOneof::Data(data)) => data.encode_to_vec(),
            other => panic!("{other:?}"),
        }
    }

    fn shape_of(tensor: &TensorProto) -> Vec<i64> {
        tensor
            .tensor_shape
            .as_ref()
            .unwrap()
            .dim
            .iter()
            .map(|d| d.size)
            .collect()
    }

    #[test]
    fn an_ndarray_is_read_from_the_wire_as_a_float_tensor_of_its_shape() {
        let (kind, tensor) = data_as_tensor(&data_bytes(
            r#"{"data":{"names":["a","b"],"ndarray":[[1.5,2],[3,true]]}}"#,
        ))
        .unwrap();
        assert_eq!(kind, DataKind::Ndarray);
        assert_eq!(tensor.dtype, 1);
        assert_eq!(shape_of(&tensor), [2, 2]);
        assert_eq!(tensor.float_val, [1.5, 2.0, 3.0, 1.0]);
        let (_, flat) = data_as_tensor(&data_bytes(r#"{"data":{"ndarray":[1,2,3]}}"#)).unwrap();
        assert_eq!(shape_of(&flat), [3]);
        let (_, empty) = data_as_tensor(&data_bytes(r#"{"data":{"ndarray":[]}}"#)).unwrap();
        assert_eq!(shape_of(&empty), [0]);
    }

    #[test]
    fn a_tensor_and_a_tftensor_become_model_inputs() {
        let (kind, tensor) = data_as_tensor(&data_bytes(
            r#"{"data":{"tensor":{"shape":[1,3],"values":[1,2,3]}}}"#,
        ))
        .unwrap();
        assert_eq!((kind, shape_of(&tensor)), (DataKind::Tensor, vec![1, 3]));
        assert_eq!(tensor.float_val, [1.0, 2.0, 3.0]);
        let (kind, tensor) = data_as_tensor(&data_bytes(
            r#"{"data":{"tftensor":{"dtype":"DT_DOUBLE","tensorShape":{"dim":[{"size":"1"}]},"doubleVal":[2.5]}}}"#,
        ))
        .unwrap();
        assert_eq!(
            (kind, tensor.dtype, tensor.double_val.as_slice()),
            (DataKind::TfTensor, 2, &[2.5][..])
        );
    }

    #[test]
    fn ragged_deep_non_numeric_and_misshapen_data_are_refused() {
        let cases = [
            (r#"{"data":{"ndarray":[[1,2],[3]]}}"#, DataError::Ragged),
            (r#"{"data":{"ndarray":[[1,2],3]}}"#, DataError::Ragged),
            (r#"{"data":{"ndarray":[1,[2]]}}"#, DataError::Ragged),
            (r#"{"data":{"ndarray":[[[1]],[2]]}}"#, DataError::Ragged),
            (r#"{"data":{"ndarray":[["a"]]}}"#, DataError::NotNumeric),
            (r#"{"data":{"ndarray":[null]}}"#, DataError::NotNumeric),
            (r#"{"data":{"names":["a"]}}"#, DataError::Empty),
        ];
        for (json, want) in cases {
            assert_eq!(
                data_as_tensor(&data_bytes(json)).unwrap_err(),
                want,
                "{json}"
            );
        }
        assert!(matches!(
            data_as_tensor(&data_bytes(
                r#"{"data":{"tensor":{"shape":[2,3],"values":[1]}}}"#
            )),
            Err(DataError::Shape { .. })
        ));
        assert!(matches!(
            data_as_tensor(&data_bytes(
                r#"{"data":{"tensor":{"shape":[-1],"values":[]}}}"#
            )),
            Err(DataError::Shape { .. })
        ));
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        let deep: SeldonMessage =
            from_json(format!(r#"{{"data":{{"ndarray":{deep}}}}}"#).as_bytes()).unwrap();
        let Some(seldon_message::DataOneof::Data(data)) = deep.data_oneof else {
            panic!()
        };
        assert_eq!(
            data_as_tensor(&data.encode_to_vec()).unwrap_err(),
            DataError::TooDeep
        );
        assert!(matches!(
            data_as_tensor(&[0x1a, 0x7f, 0x01]),
            Err(DataError::Malformed(_))
        ));
    }
}
