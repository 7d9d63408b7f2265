//! TensorFlow Serving's REST API (`/v1/models/{m}:predict`): request and response bodies, the error
//! body, and the conversions the tfserving proxy makes between it and the Seldon protocol.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::seldon::{DefaultData, Meta, PayloadKind, SeldonMessage};
use super::{NdArray, ProtocolError};

/// The default signature the proxy asks for.
pub const DEFAULT_SIGNATURE: &str = "serving_default";

/// A predict request, in row (`instances`) or columnar (`inputs`) format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictRequest {
    /// Row format: one item per batch element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<Value>,
    /// Columnar format: the whole tensor, or an object keyed by input name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Value>,
    /// The signature to run (`serving_default` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_name: Option<String>,
}

/// Which of the two request formats a [`PredictRequest`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `instances`; the reply has `predictions`.
    Row,
    /// `inputs`; the reply has `outputs`.
    Columnar,
}

impl PredictRequest {
    /// Parses and checks a body with TF Serving's rules and messages.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, ProtocolError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ProtocolError::Tensorflow(
                "JSON Parse error: The document is empty".into(),
            ));
        }
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| ProtocolError::Tensorflow(format!("JSON Parse error: {e}")))?;
        let Value::Object(map) = value else {
            return Err(ProtocolError::Tensorflow("Is not object".into()));
        };
        let signature_name = match map.get("signature_name") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(ProtocolError::Tensorflow(
                    "'signature_name' key must be a string value.".into(),
                ));
            }
        };
        let request = Self {
            instances: map.get("instances").cloned(),
            inputs: map.get("inputs").cloned(),
            signature_name,
        };
        request.format()?;
        Ok(request)
    }

    /// The format, checking that exactly one of `instances` and `inputs` is present.
    pub fn format(&self) -> Result<Format, ProtocolError> {
        match (&self.instances, &self.inputs) {
            (Some(_), Some(_)) => Err(ProtocolError::Tensorflow(
                "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist"
                    .into(),
            )),
            (None, None) => Err(ProtocolError::Tensorflow("Missing 'inputs' or 'instances' key".into())),
            (Some(Value::Array(items)), None) if items.is_empty() => {
                Err(ProtocolError::Tensorflow("No values in 'instances' array".into()))
            }
            (Some(Value::Array(_)), None) => Ok(Format::Row),
            (Some(_), None) => Err(ProtocolError::Tensorflow(
                "Expecting 'instances' to be an list/array".into(),
            )),
            (None, Some(_)) => Ok(Format::Columnar),
        }
    }
}

/// A predict response: `predictions` for row requests, `outputs` for columnar ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictResponse {
    /// Row-format results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predictions: Option<Value>,
    /// Columnar results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Value>,
}

/// TF Serving's error body, `{"error": "<message>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The message.
    pub error: String,
}

/// The canonical error codes TF Serving maps to HTTP statuses (`http_server.cc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// `CANCELLED`.
    Cancelled,
    /// `UNKNOWN`, `INTERNAL`, `DATA_LOSS`.
    Internal,
    /// `INVALID_ARGUMENT`, `FAILED_PRECONDITION`, `OUT_OF_RANGE`.
    InvalidArgument,
    /// `DEADLINE_EXCEEDED`.
    DeadlineExceeded,
    /// `NOT_FOUND`.
    NotFound,
    /// `ALREADY_EXISTS`, `ABORTED`.
    AlreadyExists,
    /// `PERMISSION_DENIED`.
    PermissionDenied,
    /// `RESOURCE_EXHAUSTED`.
    ResourceExhausted,
    /// `UNIMPLEMENTED`.
    Unimplemented,
    /// `UNAVAILABLE`.
    Unavailable,
    /// `UNAUTHENTICATED`.
    Unauthenticated,
}

impl ErrorCode {
    /// The HTTP status TF Serving answers with.
    #[must_use]
    pub fn http_status(self) -> u16 {
        match self {
            Self::Cancelled => 499,
            Self::Internal => 500,
            Self::InvalidArgument => 400,
            Self::DeadlineExceeded => 504,
            Self::NotFound => 404,
            Self::AlreadyExists => 409,
            Self::PermissionDenied => 403,
            Self::ResourceExhausted => 429,
            Self::Unimplemented => 501,
            Self::Unavailable => 503,
            Self::Unauthenticated => 401,
        }
    }
}

/// What the proxy sends to TF Serving for a Seldon request, and how it must read the reply.
#[derive(Debug, Clone, PartialEq)]
pub enum ProxyRequest {
    /// `jsonData` is posted unchanged; the reply comes back as `jsonData`.
    Json(Value),
    /// Tensor data is posted as `{"instances": …, "signature_name": …}`; the reply's
    /// `predictions` come back in the request's kind.
    Array {
        /// The request's kind (`ndarray`, `tensor`, `tftensor` or empty `data`).
        kind: PayloadKind,
        /// The JSON text of the features as numpy's `tolist()` gives them.
        instances: String,
    },
}

/// A request read only as far as the proxy needs: the payload stays raw JSON.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LazyMessage<'a> {
    #[serde(borrow, default)]
    data: Option<LazyData<'a>>,
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(borrow, default)]
    json_data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    str_data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    bin_data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    custom_data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct LazyData<'a> {
    #[serde(borrow, default)]
    ndarray: Option<&'a RawValue>,
    #[serde(borrow, default)]
    tensor: Option<&'a RawValue>,
    #[serde(borrow, default)]
    tftensor: Option<&'a RawValue>,
}

impl ProxyRequest {
    /// Reads a Seldon request body and its meta. An `ndarray` of numbers that are all integers
    /// or all floats is what numpy's `tolist()` gives back already, so its text is forwarded
    /// without building the array; anything else goes through [`Self::from_message`].
    pub fn from_slice(body: &[u8]) -> Result<(Self, Option<Meta>), ProtocolError> {
        let lazy: LazyMessage<'_> =
            serde_json::from_slice(body).map_err(|source| ProtocolError::Parse {
                what: "SeldonMessage",
                source,
            })?;
        let others = [
            lazy.json_data,
            lazy.str_data,
            lazy.bin_data,
            lazy.custom_data,
        ];
        if let Some(LazyData {
            ndarray: Some(raw),
            tensor: None,
            tftensor: None,
        }) = &lazy.data
            && others.iter().all(Option::is_none)
            && uniform_numeric_list(raw.get().as_bytes())
        {
            let request = Self::Array {
                kind: PayloadKind::Ndarray,
                instances: raw.get().to_owned(),
            };
            return Ok((request, lazy.meta));
        }
        let message = SeldonMessage::from_slice(body)?;
        Ok((Self::from_message(&message)?, message.meta))
    }

    /// Reads the payload of a Seldon request the way `TfServingProxy.predict` receives it.
    pub fn from_message(message: &SeldonMessage) -> Result<Self, ProtocolError> {
        let kind = message.payload_kind()?;
        match kind {
            PayloadKind::JsonData => {
                Ok(Self::Json(message.json_data.clone().unwrap_or(Value::Null)))
            }
            PayloadKind::Ndarray
            | PayloadKind::Tensor
            | PayloadKind::Tftensor
            | PayloadKind::EmptyData => {
                let array = message.array()?.expect("data is present for these kinds");
                Ok(Self::Array {
                    kind,
                    instances: array.to_json().to_string(),
                })
            }
            PayloadKind::StrData | PayloadKind::BinData | PayloadKind::CustomData => {
                Err(ProtocolError::Unsupported {
                    payload: kind,
                    target: "TensorFlow Serving REST",
                })
            }
        }
    }

    /// The body to POST to `…/v1/models/<m>:predict`.
    #[must_use]
    pub fn to_body(&self, signature_name: &str) -> Vec<u8> {
        match self {
            Self::Json(value) => serde_json::to_vec(value).expect("JSON values always serialise"),
            Self::Array { instances, .. } => {
                let signature = Value::String(signature_name.to_owned()).to_string();
                let mut body = Vec::with_capacity(instances.len() + signature.len() + 36);
                body.extend_from_slice(b"{\"instances\":");
                body.extend_from_slice(instances.as_bytes());
                body.extend_from_slice(b",\"signature_name\":");
                body.extend_from_slice(signature.as_bytes());
                body.push(b'}');
                body
            }
        }
    }

    /// Builds the Seldon reply from TF Serving's successful answer.
    pub fn reply(&self, tf_body: &[u8], meta: Meta) -> Result<SeldonMessage, ProtocolError> {
        let mut message = SeldonMessage {
            meta: Some(meta),
            ..SeldonMessage::default()
        };
        match self {
            Self::Json(_) => {
                let value: Value =
                    serde_json::from_slice(tf_body).map_err(|source| ProtocolError::Parse {
                        what: "TensorFlow Serving response",
                        source,
                    })?;
                message.json_data = Some(value);
            }
            Self::Array { kind, .. } => {
                // Only `predictions` is read; the rest of the reply stays unparsed.
                #[derive(Deserialize)]
                struct Predictions<'a> {
                    #[serde(borrow)]
                    predictions: Option<&'a RawValue>,
                }
                let reply: Predictions<'_> =
                    serde_json::from_slice(tf_body).map_err(|source| ProtocolError::Parse {
                        what: "TensorFlow Serving response",
                        source,
                    })?;
                let raw = reply.predictions.ok_or(ProtocolError::MissingPredictions)?;
                let value: Value =
                    serde_json::from_str(raw.get()).map_err(|source| ProtocolError::Parse {
                        what: "TensorFlow Serving predictions",
                        source,
                    })?;
                let array = NdArray::from_json(&value)?.expand_1d();
                message.data = Some(DefaultData::from_array(&array, *kind));
            }
        }
        Ok(message)
    }
}

/// Whether `text` is a non-empty rectangular JSON list whose leaves are all integers or all
/// non-integers (numbers with a fraction or exponent). Checked with a byte scanner: no number is
/// converted and nothing is allocated per element.
fn uniform_numeric_list(text: &[u8]) -> bool {
    struct Scan<'a> {
        text: &'a [u8],
        at: usize,
        shape: Vec<Option<usize>>,
        leaf_depth: Option<usize>,
        float: Option<bool>,
    }
    impl Scan<'_> {
        fn skip_ws(&mut self) {
            while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
                self.at += 1;
            }
        }
        fn value(&mut self, depth: usize) -> bool {
            // Deeper than any tensor: the general path (and serde's depth limit) decides.
            if depth > 64 {
                return false;
            }
            self.skip_ws();
            match self.text.get(self.at) {
                Some(b'[') => self.list(depth),
                Some(b'-' | b'0'..=b'9') => self.number(depth),
                _ => false,
            }
        }
        fn list(&mut self, depth: usize) -> bool {
            self.at += 1;
            self.skip_ws();
            if self.text.get(self.at) == Some(&b']') {
                return false; // empty lists take the general path
            }
            let mut count = 0;
            loop {
                if !self.value(depth + 1) {
                    return false;
                }
                count += 1;
                self.skip_ws();
                match self.text.get(self.at) {
                    Some(b',') => self.at += 1,
                    Some(b']') => {
                        self.at += 1;
                        break;
                    }
                    _ => return false,
                }
            }
            if self.shape.len() <= depth {
                self.shape.resize(depth + 1, None);
            }
            *self.shape[depth].get_or_insert(count) == count
        }
        fn number(&mut self, depth: usize) -> bool {
            if *self.leaf_depth.get_or_insert(depth) != depth {
                return false;
            }
            let start = self.at;
            let mut float = false;
            while let Some(&byte) = self.text.get(self.at) {
                match byte {
                    b'0'..=b'9' | b'-' | b'+' => {}
                    b'.' | b'e' | b'E' => float = true,
                    _ => break,
                }
                self.at += 1;
            }
            // Let serde_json judge the token's grammar; it was already validated as JSON.
            self.at > start && *self.float.get_or_insert(float) == float
        }
    }
    let mut scan = Scan {
        text,
        at: 0,
        shape: Vec::new(),
        leaf_depth: None,
        float: None,
    };
    let ok = scan.value(0) && scan.leaf_depth.is_some_and(|d| d > 0);
    scan.skip_ws();
    ok && scan.at == text.len()
}

/// The reply meta the Python wrapper builds from the request meta: tags, metrics and requestPath
/// are kept, `puid` only if present, `routing` dropped, and `requestPath[unit] = image` added
/// (request entries win).
#[must_use]
pub fn unit_reply_meta(request: Option<&Meta>, unit: Option<(&str, &str)>) -> Meta {
    let mut meta = request.cloned().unwrap_or_default();
    meta.routing = BTreeMap::new();
    if let Some((id, image)) = unit {
        meta.request_path
            .entry(id.to_owned())
            .or_insert_with(|| image.to_owned());
    }
    meta
}

/// Rewrites a unit's TF Serving reply so it can be the next unit's request, as the executor's
/// `Chain` does: a body with `instances` or `inputs` is kept (`None`), `predictions` is renamed
/// to `instances`, anything else is an error.
pub fn chain(body: &[u8]) -> Result<Option<Vec<u8>>, ProtocolError> {
    rename_key(
        body,
        &["instances", "inputs"],
        "predictions",
        "instances",
        "tensorflow",
    )
}

pub(crate) fn rename_key(
    body: &[u8],
    keep_if: &[&str],
    from: &str,
    to: &str,
    protocol: &'static str,
) -> Result<Option<Vec<u8>>, ProtocolError> {
    let mut map: BTreeMap<String, Box<RawValue>> =
        serde_json::from_slice(body).map_err(|_| ProtocolError::Chain(protocol))?;
    if keep_if.iter().any(|k| map.contains_key(*k)) {
        return Ok(None);
    }
    let value = map.remove(from).ok_or(ProtocolError::Chain(protocol))?;
    map.insert(to.to_owned(), value);
    Ok(Some(
        serde_json::to_vec(&map).expect("raw JSON values always serialise"),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn message(value: Value) -> SeldonMessage {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn predict_requests_are_checked_like_tf_serving() {
        let cases = [
            (r#"{"instances": [[1.0, 2.0]]}"#, Ok(Format::Row)),
            (
                r#"{"inputs": [1.0, 2.0], "signature_name": "s"}"#,
                Ok(Format::Columnar),
            ),
            (r#"{"inputs": 3}"#, Ok(Format::Columnar)),
            (
                r#"{"instances": [], "x": 1}"#,
                Err("No values in 'instances' array"),
            ),
            (
                r#"{"instances": 1}"#,
                Err("Expecting 'instances' to be an list/array"),
            ),
            (
                r#"{"instances": [1], "inputs": [1]}"#,
                Err(
                    "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist",
                ),
            ),
            (r"{}", Err("Missing 'inputs' or 'instances' key")),
            ("[1]", Err("Is not object")),
            ("  ", Err("JSON Parse error: The document is empty")),
            (
                r#"{"instances": [1], "signature_name": 1}"#,
                Err("'signature_name' key must be a string value."),
            ),
        ];
        for (body, want) in cases {
            let got = PredictRequest::from_slice(body.as_bytes()).and_then(|r| r.format());
            match (got, want) {
                (Ok(format), Ok(expected)) => assert_eq!(format, expected, "{body}"),
                (Err(ProtocolError::Tensorflow(message)), Err(expected)) => {
                    assert_eq!(message, expected, "{body}");
                }
                (got, want) => panic!("{body}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn seldon_requests_become_tf_bodies_like_the_proxy() {
        let cases = [
            (
                json!({"data": {"names": ["a", "b"], "ndarray": [[1, 2]]}}),
                json!({"instances": [[1, 2]], "signature_name": "serving_default"}),
            ),
            (
                json!({"data": {"ndarray": [[1.5, 2]]}}),
                json!({"instances": [[1.5, 2.0]], "signature_name": "serving_default"}),
            ),
            (
                json!({"data": {"tensor": {"shape": [2, 1], "values": [1, 2]}}}),
                json!({"instances": [[1], [2]], "signature_name": "serving_default"}),
            ),
            (
                json!({"data": {}}),
                json!({"instances": [], "signature_name": "serving_default"}),
            ),
            (
                json!({"jsonData": {"instances": [[1, 2]]}}),
                json!({"instances": [[1, 2]]}),
            ),
        ];
        for (input, want) in cases {
            let request = ProxyRequest::from_message(&message(input.clone())).unwrap();
            let body: Value = serde_json::from_slice(&request.to_body(DEFAULT_SIGNATURE)).unwrap();
            assert_eq!(body, want, "{input}");
        }
        for input in [
            json!({"strData": "hello"}),
            json!({"binData": "aGk="}),
            json!({"meta": {}}),
        ] {
            assert!(
                ProxyRequest::from_message(&message(input.clone())).is_err(),
                "{input}"
            );
        }
    }

    #[test]
    fn uniform_numeric_lists_are_recognised_without_parsing() {
        let cases = [
            ("[[1, 2], [3, 4]]", true),
            ("[[1.5, 2.0e3]]", true),
            (" [ -1 , 2 ] ", true),
            ("[[1, 2.5]]", false),
            ("[[1, 2], [3]]", false),
            ("[[1, 2], 3]", false),
            ("[1, [2]]", false),
            ("[]", false),
            ("[[]]", false),
            ("[\"a\"]", false),
            ("[true]", false),
            ("7", false),
            ("[1] x", false),
        ];
        for (text, want) in cases {
            assert_eq!(uniform_numeric_list(text.as_bytes()), want, "{text}");
        }
    }

    #[test]
    fn fast_and_general_paths_send_the_same_values() {
        for input in [
            json!({"data": {"ndarray": [[1, 2], [3, 4]]}, "meta": {"tags": {"a": 1}}}),
            json!({"data": {"ndarray": [[0.25, 1e-3]]}}),
            json!({"data": {"ndarray": [[1, 2.5]]}}),
            json!({"data": {"tensor": {"shape": [1, 2], "values": [1, 2]}}}),
            json!({"jsonData": {"instances": [1]}}),
        ] {
            let bytes = serde_json::to_vec(&input).unwrap();
            let (fast, meta) = ProxyRequest::from_slice(&bytes).unwrap();
            let general = ProxyRequest::from_message(&message(input.clone())).unwrap();
            let body =
                |r: &ProxyRequest| -> Value { serde_json::from_slice(&r.to_body("s")).unwrap() };
            assert_eq!(body(&fast), body(&general), "{input}");
            assert_eq!(meta, message(input.clone()).meta, "{input}");
        }
        for input in [
            json!({"strData": "x"}),
            json!({"meta": {}}),
            json!({"data": {"ndarray": [[1], [2, 3]]}}),
        ] {
            assert!(
                ProxyRequest::from_slice(&serde_json::to_vec(&input).unwrap()).is_err(),
                "{input}"
            );
        }
    }

    #[test]
    fn tf_replies_become_seldon_replies_like_the_proxy() {
        let meta = unit_reply_meta(
            None,
            Some(("mnist-model", "seldonio/tfserving-proxy:1.18.2")),
        );
        let path = json!({"requestPath": {"mnist-model": "seldonio/tfserving-proxy:1.18.2"}});
        let cases = [
            (
                json!({"data": {"ndarray": [[1, 2]]}}),
                json!({"predictions": [[0.1, 0.2, 0.3]]}),
                json!({"data": {"names": ["t:0", "t:1", "t:2"], "ndarray": [[0.1, 0.2, 0.3]]}, "meta": path}),
            ),
            (
                json!({"data": {"tensor": {"shape": [1, 2], "values": [1, 2]}}}),
                json!({"predictions": [[0.5, 1.0]]}),
                json!({"data": {"names": ["t:0", "t:1"], "tensor": {"shape": [1, 2], "values": [0.5, 1.0]}}, "meta": path}),
            ),
            (
                json!({"data": {"ndarray": [1, 2]}}),
                json!({"predictions": [3.5, 4.0]}),
                json!({"data": {"names": ["t:0", "t:1"], "ndarray": [[3.5, 4.0]]}, "meta": path}),
            ),
            (
                json!({"data": {"tensor": {"shape": [1], "values": [1]}}}),
                json!({"predictions": [{"a": 1.0, "b": [1, 2]}]}),
                json!({"data": {"names": ["t:0"], "ndarray": [[{"a": 1.0, "b": [1, 2]}]]}, "meta": path}),
            ),
            (
                json!({"jsonData": {"instances": [[1, 2]]}}),
                json!({"predictions": [[0.1]]}),
                json!({"jsonData": {"predictions": [[0.1]]}, "meta": path}),
            ),
        ];
        for (input, tf_reply, want) in cases {
            let request = ProxyRequest::from_message(&message(input.clone())).unwrap();
            let reply = request
                .reply(&serde_json::to_vec(&tf_reply).unwrap(), meta.clone())
                .unwrap();
            assert_eq!(
                serde_json::to_value(&reply).unwrap(),
                want,
                "{input} / {tf_reply}"
            );
        }
    }

    #[test]
    fn bad_tf_replies_are_errors() {
        let request =
            ProxyRequest::from_message(&message(json!({"data": {"ndarray": [[1]]}}))).unwrap();
        for body in [
            r#"{"outputs": [1]}"#,
            r#"{"predictions": [[1, 2], [3]]}"#,
            "nope",
        ] {
            assert!(
                request.reply(body.as_bytes(), Meta::default()).is_err(),
                "{body}"
            );
        }
    }

    #[test]
    fn reply_meta_keeps_request_meta_and_adds_the_unit() {
        let request: Meta = serde_json::from_value(json!({
            "puid": "abc", "tags": {"x": 1}, "routing": {"r": 1},
            "requestPath": {"t": "img:1", "mnist-model": "other:2"}
        }))
        .unwrap();
        let meta = unit_reply_meta(Some(&request), Some(("mnist-model", "proxy:1")));
        assert_eq!(
            serde_json::to_value(&meta).unwrap(),
            json!({"puid": "abc", "requestPath": {"mnist-model": "other:2", "t": "img:1"}, "tags": {"x": 1}})
        );
    }

    #[test]
    fn chaining_renames_predictions_to_instances() {
        assert_eq!(chain(br#"{"instances": [1]}"#).unwrap(), None);
        assert_eq!(chain(br#"{"inputs": [1]}"#).unwrap(), None);
        assert_eq!(
            chain(br#"{"predictions": [[1, 2]]}"#).unwrap().unwrap(),
            br#"{"instances":[[1, 2]]}"#.to_vec()
        );
        assert!(matches!(
            chain(br#"{"outputs": [1]}"#),
            Err(ProtocolError::Chain("tensorflow"))
        ));
        assert!(chain(b"[1]").is_err());
    }

    #[test]
    fn error_codes_map_to_http_statuses() {
        assert_eq!(ErrorCode::NotFound.http_status(), 404);
        assert_eq!(ErrorCode::InvalidArgument.http_status(), 400);
        assert_eq!(ErrorCode::Unavailable.http_status(), 503);
        assert_eq!(ErrorCode::Cancelled.http_status(), 499);
    }
}
