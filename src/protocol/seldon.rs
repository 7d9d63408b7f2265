//! The Seldon protocol: `SeldonMessage` and friends as proto3 JSON (`proto/prediction.proto`).
//!
//! Struct fields are declared in alphabetical order on purpose: serialising a message then gives
//! the key order of the Python wrapper's Flask `jsonify` (sorted keys).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Number, Value};

use super::{NdArray, ProtocolError, tftensor};

/// `SeldonMessage`: one payload plus `meta` and `status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeldonMessage {
    /// Base64 of opaque bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin_data: Option<String>,
    /// A packed `google.protobuf.Any`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<Value>,
    /// Tensor data (`names` plus one of `ndarray`, `tensor`, `tftensor`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<DefaultData>,
    /// Any JSON value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_data: Option<Value>,
    /// Request metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Success or failure status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// A plain string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub str_data: Option<String>,
}

/// Which member of the `data_oneof` a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadKind {
    /// `data` with `ndarray`.
    Ndarray,
    /// `data` with `tensor`.
    Tensor,
    /// `data` with `tftensor`.
    Tftensor,
    /// `data` with none of the three (numpy's empty array).
    EmptyData,
    /// `binData`.
    BinData,
    /// `strData`.
    StrData,
    /// `jsonData`.
    JsonData,
    /// `customData`.
    CustomData,
}

impl SeldonMessage {
    /// Parses a message from JSON bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, ProtocolError> {
        serde_json::from_slice(bytes).map_err(|source| ProtocolError::Parse {
            what: "SeldonMessage",
            source,
        })
    }

    /// The one payload this message carries; more than one, or none, is an error.
    pub fn payload_kind(&self) -> Result<PayloadKind, ProtocolError> {
        let mut kinds = Vec::with_capacity(1);
        if let Some(data) = &self.data {
            kinds.push(data.kind()?);
        }
        if self.bin_data.is_some() {
            kinds.push(PayloadKind::BinData);
        }
        if self.str_data.is_some() {
            kinds.push(PayloadKind::StrData);
        }
        if self.json_data.is_some() {
            kinds.push(PayloadKind::JsonData);
        }
        if self.custom_data.is_some() {
            kinds.push(PayloadKind::CustomData);
        }
        match kinds.as_slice() {
            [kind] => Ok(*kind),
            [] => Err(ProtocolError::NoPayload),
            _ => Err(ProtocolError::SeveralPayloads),
        }
    }

    /// The tensor payload as an array (`data.ndarray`, `data.tensor`, `data.tftensor`, or an empty
    /// array for `data` without any of them).
    pub fn array(&self) -> Result<Option<NdArray>, ProtocolError> {
        let Some(data) = &self.data else {
            return Ok(None);
        };
        Ok(Some(match data.kind()? {
            PayloadKind::Ndarray => {
                NdArray::from_json(data.ndarray.as_ref().unwrap_or(&Value::Null))?
            }
            PayloadKind::Tensor => {
                let tensor = data.tensor.as_ref().expect("kind is tensor");
                NdArray::from_numbers(&tensor.shape, &tensor.values)?
            }
            PayloadKind::Tftensor => {
                tftensor::to_ndarray(data.tftensor.as_ref().expect("kind is tftensor"))?
            }
            _ => NdArray::from_json(&Value::Array(Vec::new()))?,
        }))
    }

    /// Serialises compactly with sorted keys and a trailing newline, as Flask's `jsonify` does.
    #[must_use]
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec(self).expect("a SeldonMessage always serialises");
        out.push(b'\n');
        out
    }
}

/// `DefaultData`: column names plus one tensor representation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DefaultData {
    /// Column names; the Python wrapper always emits them (possibly empty).
    #[serde(default)]
    pub names: Vec<String>,
    /// Nested lists (`google.protobuf.ListValue`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ndarray: Option<Value>,
    /// Shape plus flat values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tensor: Option<Tensor>,
    /// A `tensorflow.TensorProto` in proto3 JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tftensor: Option<Value>,
}

impl DefaultData {
    /// Which representation this data uses.
    pub fn kind(&self) -> Result<PayloadKind, ProtocolError> {
        match (&self.ndarray, &self.tensor, &self.tftensor) {
            (Some(_), None, None) => Ok(PayloadKind::Ndarray),
            (None, Some(_), None) => Ok(PayloadKind::Tensor),
            (None, None, Some(_)) => Ok(PayloadKind::Tftensor),
            (None, None, None) => Ok(PayloadKind::EmptyData),
            _ => Err(ProtocolError::SeveralPayloads),
        }
    }

    /// Encodes an array in the representation the Python wrapper picks: numeric arrays keep the
    /// request's kind (`tensor`, `tftensor`, else `ndarray`), anything else becomes `ndarray`.
    #[must_use]
    pub fn from_array(array: &NdArray, request_kind: PayloadKind) -> Self {
        let names = array.default_names();
        let mut data = Self {
            names,
            ..Self::default()
        };
        match (array.to_numbers(), request_kind) {
            (Some(values), PayloadKind::Tensor) => {
                data.tensor = Some(Tensor {
                    shape: array
                        .shape()
                        .iter()
                        .map(|&d| i64::try_from(d).unwrap_or(i64::MAX))
                        .collect(),
                    values: values
                        .into_iter()
                        .filter_map(|v| match v {
                            Value::Number(n) => Some(n),
                            _ => None,
                        })
                        .collect(),
                });
            }
            (Some(_), PayloadKind::Tftensor) => data.tftensor = Some(tftensor::from_ndarray(array)),
            _ => data.ndarray = Some(array.to_json()),
        }
        data
    }
}

/// `Tensor`: a shape and row-major values (doubles on the wire; JSON integers are kept).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tensor {
    /// Dimensions.
    #[serde(default)]
    pub shape: Vec<i64>,
    /// Row-major values.
    #[serde(default)]
    pub values: Vec<Number>,
}

/// `Meta`: what units accumulate along the graph.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// Custom metrics reported by units.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    /// The prediction id, only when the client put one in the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub puid: Option<String>,
    /// Unit name → image, one entry per unit that handled the request.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_path: BTreeMap<String, String>,
    /// Router name → chosen child.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub routing: BTreeMap<String, i32>,
    /// Free-form tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, Value>,
}

/// `Metric`: a custom metric carried in `meta.metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Metric name.
    pub key: String,
    /// Extra labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// `COUNTER` (the default), `GAUGE` or `TIMER`.
    #[serde(rename = "type", default)]
    pub kind: MetricType,
    /// The value (a timer is in milliseconds).
    pub value: f64,
}

/// The kind of a [`Metric`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MetricType {
    /// Added to the running value.
    #[default]
    Counter,
    /// Overwrites the running value.
    Gauge,
    /// A duration in milliseconds, aggregated into a histogram.
    Timer,
}

/// `Status`: success or failure details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// A numeric code (the executor uses the HTTP status, the Python wrapper `-1`).
    #[serde(default)]
    pub code: i32,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub info: String,
    /// A machine-readable reason such as `MICROSERVICE_BAD_DATA`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// `SUCCESS` or `FAILURE`.
    #[serde(default)]
    pub status: StatusFlag,
}

/// `Status.StatusFlag`; parses from the enum name or its number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatusFlag {
    /// `SUCCESS` (0).
    #[default]
    Success,
    /// `FAILURE` (1).
    Failure,
}

impl Serialize for StatusFlag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            Self::Success => "SUCCESS",
            Self::Failure => "FAILURE",
        })
    }
}

impl<'de> Deserialize<'de> for StatusFlag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(s) if s == "SUCCESS" => Ok(Self::Success),
            Value::String(s) if s == "FAILURE" => Ok(Self::Failure),
            Value::Number(n) if n.as_i64() == Some(0) => Ok(Self::Success),
            Value::Number(n) if n.as_i64() == Some(1) => Ok(Self::Failure),
            other => Err(serde::de::Error::custom(format!(
                "invalid status flag `{other}`, expected SUCCESS or FAILURE"
            ))),
        }
    }
}

/// The executor's error body: `{"status":{"code":<http>,"info":"…","status":"FAILURE"}}`.
#[must_use]
pub fn executor_failure(code: u16, info: &str, reason: &str) -> Vec<u8> {
    let message = SeldonMessage {
        status: Some(Status {
            code: i32::from(code),
            info: info.to_owned(),
            reason: reason.to_owned(),
            status: StatusFlag::Failure,
        }),
        ..SeldonMessage::default()
    };
    serde_json::to_vec(&message).expect("a status always serialises")
}

/// Reasons used by the Python wrapper's `SeldonMicroserviceException`.
pub mod reason {
    /// The request could not be understood (HTTP 400).
    pub const MICROSERVICE_BAD_DATA: &str = "MICROSERVICE_BAD_DATA";
    /// The unit failed while handling the request (HTTP 500).
    pub const MICROSERVICE_INTERNAL_ERROR: &str = "MICROSERVICE_INTERNAL_ERROR";
    /// The executor was told to route to a child that does not exist.
    pub const ENGINE_INVALID_ROUTING: &str = "ENGINE_INVALID_ROUTING";
}

/// A Python unit's error body: `{"status":{"code":-1,"info":…,"reason":…,"status":1}}` (keys
/// sorted, status as a number, trailing newline), with `code` as given.
#[must_use]
pub fn unit_failure(code: i32, info: &str, reason: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "status": {"code": code, "info": info, "reason": reason, "status": 1}
    });
    let mut out = serde_json::to_vec(&body).expect("a status always serialises");
    out.push(b'\n');
    out
}

/// `SeldonMessageList`: the body of a combiner's `/aggregate` in its wrapped form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeldonMessageList {
    /// The children's outputs, in child order.
    #[serde(default)]
    pub seldon_messages: Vec<SeldonMessage>,
}

/// `Feedback`: a reward for an earlier request/response pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    /// The request that was answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<SeldonMessage>,
    /// The response that was given; its `meta.routing` steers the feedback walk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<SeldonMessage>,
    /// The reward.
    #[serde(default)]
    pub reward: f64,
    /// The true answer, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truth: Option<SeldonMessage>,
}

impl Feedback {
    /// The child a router chose for the original response (`response.meta.routing[node]`).
    #[must_use]
    pub fn routing_for(&self, node: &str) -> Option<i32> {
        self.response
            .as_ref()?
            .meta
            .as_ref()?
            .routing
            .get(node)
            .copied()
    }
}

/// Reads the child index from a router's `/route` reply, as the executor does: a SeldonMessage's
/// first `ndarray` element (or the first element of a nested list), first `tensor` value or first
/// `tftensor.intVal`; `-1` when the message has no data; or a bare JSON array of integers.
pub fn extract_route(body: &[u8]) -> Result<i64, ProtocolError> {
    if let Ok(message) = serde_json::from_slice::<SeldonMessage>(body) {
        let Some(data) = &message.data else {
            return Ok(-1);
        };
        let first = match data.kind()? {
            PayloadKind::Ndarray => data
                .ndarray
                .as_ref()
                .and_then(Value::as_array)
                .and_then(|items| items.first())
                .and_then(|item| match item {
                    Value::Array(inner) => inner.first().and_then(Value::as_f64),
                    other => other.as_f64(),
                }),
            PayloadKind::Tensor => data
                .tensor
                .as_ref()
                .and_then(|t| t.values.first()?.as_f64()),
            PayloadKind::Tftensor => data
                .tftensor
                .as_ref()
                .and_then(|t| t.get("intVal")?.as_array()?.first()?.as_f64()),
            _ => None,
        };
        return first.map(|x| x as i64).ok_or(ProtocolError::NoRoute);
    }
    let list: Vec<i64> = serde_json::from_slice(body).map_err(|source| ProtocolError::Parse {
        what: "router reply",
        source,
    })?;
    list.first().copied().ok_or(ProtocolError::NoRoute)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn payload_kinds_are_recognised() {
        let cases = [
            (
                json!({"data": {"ndarray": [[1]]}}),
                Ok(PayloadKind::Ndarray),
            ),
            (
                json!({"data": {"names": ["a"], "tensor": {"shape": [1], "values": [1]}}}),
                Ok(PayloadKind::Tensor),
            ),
            (
                json!({"data": {"tftensor": {"dtype": "DT_FLOAT"}}}),
                Ok(PayloadKind::Tftensor),
            ),
            (json!({"data": {}}), Ok(PayloadKind::EmptyData)),
            (json!({"strData": "x"}), Ok(PayloadKind::StrData)),
            (json!({"binData": "aGk="}), Ok(PayloadKind::BinData)),
            (json!({"jsonData": {"a": 1}}), Ok(PayloadKind::JsonData)),
            (
                json!({"customData": {"@type": "x"}}),
                Ok(PayloadKind::CustomData),
            ),
            (json!({"meta": {}}), Err("no payload")),
            (json!({"strData": "x", "jsonData": 1}), Err("several")),
            (
                json!({"data": {"ndarray": [1], "tensor": {"shape": [1], "values": [1]}}}),
                Err("several"),
            ),
        ];
        for (input, expected) in cases {
            let message: SeldonMessage = serde_json::from_value(input.clone()).unwrap();
            match (message.payload_kind(), expected) {
                (Ok(kind), Ok(want)) => assert_eq!(kind, want, "{input}"),
                (Err(ProtocolError::NoPayload), Err("no payload"))
                | (Err(ProtocolError::SeveralPayloads), Err("several")) => {}
                (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn messages_serialise_with_sorted_keys_and_newline() {
        let message: SeldonMessage = serde_json::from_value(json!({
            "strData": "hi",
            "meta": {"tags": {"b": 1, "a": 2}, "requestPath": {"m": "img:1"}, "puid": "p"},
        }))
        .unwrap();
        assert_eq!(
            String::from_utf8(message.to_wire()).unwrap(),
            "{\"meta\":{\"puid\":\"p\",\"requestPath\":{\"m\":\"img:1\"},\"tags\":{\"a\":2,\"b\":1}},\"strData\":\"hi\"}\n"
        );
    }

    #[test]
    fn status_flag_reads_names_and_numbers() {
        for (input, flag) in [
            (json!({"status": "FAILURE"}), StatusFlag::Failure),
            (json!({"status": 1}), StatusFlag::Failure),
            (json!({"status": 0}), StatusFlag::Success),
            (json!({}), StatusFlag::Success),
        ] {
            let status: Status = serde_json::from_value(input).unwrap();
            assert_eq!(status.status, flag);
        }
        assert!(serde_json::from_value::<Status>(json!({"status": 2})).is_err());
    }

    #[test]
    fn failure_bodies_have_the_upstream_shapes() {
        assert_eq!(
            String::from_utf8(executor_failure(500, "boom", "")).unwrap(),
            r#"{"status":{"code":500,"info":"boom","status":"FAILURE"}}"#
        );
        assert_eq!(
            String::from_utf8(unit_failure(-1, "bad", reason::MICROSERVICE_BAD_DATA)).unwrap(),
            "{\"status\":{\"code\":-1,\"info\":\"bad\",\"reason\":\"MICROSERVICE_BAD_DATA\",\"status\":1}}\n"
        );
    }

    #[test]
    fn routes_are_extracted_like_the_executor() {
        let cases: [(&str, Option<i64>); 10] = [
            (r#"{"data":{"ndarray":[[1]]}}"#, Some(1)),
            (r#"{"data":{"ndarray":[2]}}"#, Some(2)),
            (
                r#"{"data":{"names":["t:0"],"ndarray":[[-1]]},"meta":{}}"#,
                Some(-1),
            ),
            (
                r#"{"data":{"tensor":{"shape":[1,1],"values":[-2]}}}"#,
                Some(-2),
            ),
            (
                r#"{"data":{"tftensor":{"dtype":"DT_INT32","intVal":[3]}}}"#,
                Some(3),
            ),
            (r#"{"meta":{}}"#, Some(-1)),
            ("[0]", Some(0)),
            ("[]", None),
            (r#"{"data":{"ndarray":[]}}"#, None),
            ("not json", None),
        ];
        for (body, want) in cases {
            assert_eq!(extract_route(body.as_bytes()).ok(), want, "{body}");
        }
    }

    #[test]
    fn feedback_routing_is_read_from_the_response_meta() {
        let feedback: Feedback = serde_json::from_value(json!({
            "request": {"data": {"ndarray": [[1]]}},
            "response": {"meta": {"routing": {"router": 1}}},
            "reward": 1.0
        }))
        .unwrap();
        assert_eq!(feedback.routing_for("router"), Some(1));
        assert_eq!(feedback.routing_for("other"), None);
    }

    #[test]
    fn arrays_are_encoded_in_the_request_kind_when_numeric() {
        let array = NdArray::from_json(&json!([[1.5, 2.0]])).unwrap();
        let as_tensor = DefaultData::from_array(&array, PayloadKind::Tensor);
        assert_eq!(
            serde_json::to_value(&as_tensor).unwrap(),
            json!({"names": ["t:0", "t:1"], "tensor": {"shape": [1, 2], "values": [1.5, 2.0]}})
        );
        let as_ndarray = DefaultData::from_array(&array, PayloadKind::Ndarray);
        assert_eq!(
            serde_json::to_value(&as_ndarray).unwrap(),
            json!({"names": ["t:0", "t:1"], "ndarray": [[1.5, 2.0]]})
        );
        let strings = NdArray::from_json(&json!([["a"]])).unwrap();
        assert_eq!(
            serde_json::to_value(DefaultData::from_array(&strings, PayloadKind::Tensor)).unwrap(),
            json!({"names": ["t:0"], "ndarray": [["a"]]})
        );
    }
}
