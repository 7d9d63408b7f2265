//! TensorFlow Serving's REST API (`/v1/models/{m}:predict`): request and response bodies, the error
//! body, and the conversions the tfserving proxy makes between it and the Seldon protocol.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::json_scan::{
    after_ws, json_f64, json_number, scan_numeric_list, scan_numeric_list_f32,
    uniform_numeric_list, walk_f32,
};
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
        /// The JSON text of the features as numpy's `tolist()` gives them: where the request's
        /// own list is forwarded, a slice of its body ([`Self::from_slice_reading`] shares
        /// the body's buffer instead of copying it).
        instances: Bytes,
    },
}

/// How [`ProxyRequest::to_body`] starts an array's body: the list follows.
const INSTANCES_KEY: &[u8] = b"{\"instances\":";

/// A numeric list's shape (list lengths from the outside in) and its numbers as `f32`.
#[derive(Debug, Clone, PartialEq)]
pub struct Floats {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// A numeric list that this process has read already, handed with the predict body that
/// carries it to a model server of the same process (the embedded runtime's in-process hop),
/// so that the list is not read twice: where it is in that body, and its values as
/// [`plain_predict`] reads them there.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadList {
    pub range: std::ops::Range<usize>,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
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
        match Self::from_plain_envelope(body) {
            Some(read) => Ok(read),
            None => Self::from_lazy_message(body),
        }
    }

    /// [`Self::from_slice`], and the values of the forwarded list when the one-pass reading
    /// took it (its shape and numbers as `f32`, as a model server of this process would read
    /// them): for [`Self::to_body_handing`].
    pub fn from_slice_reading(
        body: &Bytes,
    ) -> Result<(Self, Option<Meta>, Option<Floats>), ProtocolError> {
        match Self::plain_envelope(body, true) {
            Some((instances, meta, floats)) => {
                let request = Self::Array {
                    kind: PayloadKind::Ndarray,
                    instances: body.slice(instances),
                };
                Ok((request, meta, floats))
            }
            None => Self::from_lazy_message(body).map(|(request, meta)| (request, meta, None)),
        }
    }

    /// The common request, `{"data": {"ndarray": LIST}, "meta": {...}}` (meta optional, any key
    /// order, JSON whitespace) whose list is a uniform numeric list, read in one pass over the
    /// bytes: serde_json would first walk the whole list to skip it as a raw value, then the
    /// scanner would walk it again. Anything else (other keys, escapes in keys, duplicate keys,
    /// `null`s, invalid JSON) is `None`, and [`Self::from_lazy_message`] reads it; where this
    /// returns a request, that path returns the same one (the `proxy` fuzz target asserts it).
    #[must_use]
    pub fn from_plain_envelope(body: &[u8]) -> Option<(Self, Option<Meta>)> {
        let (instances, meta, _) = Self::plain_envelope(body, false)?;
        let request = Self::Array {
            kind: PayloadKind::Ndarray,
            instances: Bytes::copy_from_slice(&body[instances]),
        };
        Some((request, meta))
    }

    /// [`Self::from_plain_envelope`]'s reading: where the list is in `body`, the meta, and the
    /// list's values when `read` is set.
    fn plain_envelope(
        body: &[u8],
        read: bool,
    ) -> Option<(std::ops::Range<usize>, Option<Meta>, Option<Floats>)> {
        let (mut instances, mut meta, mut meta_seen) = (None, None, false);
        let mut floats = None;
        plain_object(body, |key, at| match key {
            b"data" if instances.is_none() => {
                let at = json_punct(body, at, b'{')?;
                let (key, after) = json_plain_key(body, after_ws(body, at))?;
                if key != b"ndarray" {
                    return None;
                }
                let start = after_ws(body, after);
                let end = if read {
                    let (end, shape, values) = scan_numeric_list_f32(body, start)?;
                    floats = Some(Floats { shape, values });
                    end
                } else {
                    scan_numeric_list(body, start)?
                };
                // Only ASCII number tokens, brackets and whitespace: no UTF-8 to check.
                instances = Some(start..end);
                json_punct(body, end, b'}')
            }
            b"meta" if !meta_seen => {
                meta_seen = true;
                let start = after_ws(body, at);
                if body.get(start) != Some(&b'{') {
                    return None;
                }
                let mut values =
                    serde_json::Deserializer::from_slice(&body[start..]).into_iter::<Meta>();
                meta = Some(values.next()?.ok()?);
                Some(start + values.byte_offset())
            }
            _ => None,
        })?;
        Some((instances?, meta, floats))
    }

    /// [`Self::from_slice`] without its one-pass reading of the common envelope.
    pub fn from_lazy_message(body: &[u8]) -> Result<(Self, Option<Meta>), ProtocolError> {
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
                instances: Bytes::copy_from_slice(raw.get().as_bytes()),
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
                    instances: Bytes::from(array.to_json().to_string()),
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
                body.extend_from_slice(INSTANCES_KEY);
                body.extend_from_slice(instances);
                body.extend_from_slice(b",\"signature_name\":");
                body.extend_from_slice(signature.as_bytes());
                body.push(b'}');
                body
            }
        }
    }

    /// [`Self::to_body`], and `floats` (this request's list as [`Self::from_slice_reading`]
    /// read it) as the [`ReadList`] of that body, for a model server of this process.
    #[must_use]
    pub fn to_body_handing(
        &self,
        signature_name: &str,
        floats: Option<Floats>,
    ) -> (Vec<u8>, Option<ReadList>) {
        let body = self.to_body(signature_name);
        let read = match (self, floats) {
            (Self::Array { instances, .. }, Some(Floats { shape, values })) => Some(ReadList {
                range: INSTANCES_KEY.len()..INSTANCES_KEY.len() + instances.len(),
                shape,
                values,
            }),
            _ => None,
        };
        (body, read)
    }

    /// The Seldon reply to TF Serving's successful answer as the bytes sent back (compact, sorted
    /// keys, trailing newline): [`Self::reply`] then [`SeldonMessage::to_wire`], except that an
    /// `ndarray` request whose `predictions` are a rectangular list of all-float or all-integer
    /// numbers is transcoded token by token, with no JSON tree and no array in between. The
    /// bytes are the same either way; anything the transcoder does not take (objects, mixed or
    /// empty lists, integers past 18 digits, numbers out of range, deep nesting) goes the general
    /// way, which also gives its errors.
    pub fn reply_wire(&self, tf_body: &[u8], meta: Meta) -> Result<Vec<u8>, ProtocolError> {
        if let Self::Array {
            kind: PayloadKind::Ndarray,
            ..
        } = self
            && let Some(wire) = ndarray_reply(tf_body, &meta)
        {
            return Ok(wire);
        }
        Ok(self.reply(tf_body, meta)?.to_wire())
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

/// `{"data":{"names":[…],"ndarray":…},"meta":…}` and a newline, as [`SeldonMessage::to_wire`]
/// prints the reply of an `ndarray` request, written straight from TF Serving's `predictions`
/// text; `None` when they are not a list the transcoder takes (see [`ProxyRequest::reply_wire`]).
fn ndarray_reply(tf_body: &[u8], meta: &Meta) -> Option<Vec<u8>> {
    let mut numbers = Transcoder {
        text: tf_body,
        at: 0,
        out: Vec::with_capacity(tf_body.len()),
        shape: Vec::new(),
        leaf_depth: None,
        float: None,
    };
    // TF Serving's answer to a row-format request, `{"predictions": LIST}`, read in the same
    // pass as the list (no serde pass before it); any other body goes the general way.
    let mut read = false;
    plain_object(tf_body, |key, at| {
        if key != b"predictions" || read {
            return None;
        }
        read = true;
        numbers.at = at;
        numbers.value(0).then_some(numbers.at)
    })?;
    // `expand_1d`: a list of N numbers is one row of N.
    let (expand, width) = match numbers.shape.as_slice() {
        [Some(n)] => (true, *n),
        [_, Some(n), ..] => (false, *n),
        _ => return None,
    };
    let mut out = Vec::with_capacity(numbers.out.len() + 8 * width + 64);
    out.extend_from_slice(br#"{"data":{"names":["#);
    for i in 0..width {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"\"t:");
        push_decimal(&mut out, i);
        out.push(b'"');
    }
    out.extend_from_slice(br#"],"ndarray":"#);
    if expand {
        out.push(b'[');
    }
    out.extend_from_slice(&numbers.out);
    if expand {
        out.push(b']');
    }
    out.extend_from_slice(br#"},"meta":"#);
    serde_json::to_writer(&mut out, meta).ok()?;
    out.extend_from_slice(b"}\n");
    Some(out)
}

/// Appends `n` in decimal (a name per column: `format!` allocated and went through the
/// formatter for each).
fn push_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + u8::try_from(n % 10).unwrap_or_default();
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Copies a rectangular JSON list of numbers compactly, each number as serde_json prints the
/// value the general path reads from it: floats are parsed and printed again (the shortest text
/// that reads back as the same `f64`), integers are copied. Gives up (`false`) on anything
/// else, including what the general path would read differently: a list mixing integers and
/// floats (numpy makes them all floats), `-0` (serde_json reads it as a float), integers of more
/// than 18 digits (they may not fit an `i64`), numbers out of `f64`'s range, empty lists, and
/// nesting deeper than 64 (so recursion stays bounded whatever the text).
struct Transcoder<'a> {
    text: &'a [u8],
    at: usize,
    out: Vec<u8>,
    shape: Vec<Option<usize>>,
    leaf_depth: Option<usize>,
    float: Option<bool>,
}

impl Transcoder<'_> {
    fn skip_ws(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> bool {
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
        self.out.push(b'[');
        self.skip_ws();
        if self.text.get(self.at) == Some(&b']') {
            return false;
        }
        let mut count = 0;
        loop {
            if !self.value(depth + 1) {
                return false;
            }
            count += 1;
            self.skip_ws();
            match self.text.get(self.at) {
                Some(b',') => {
                    self.at += 1;
                    self.out.push(b',');
                }
                Some(b']') => {
                    self.at += 1;
                    self.out.push(b']');
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
        // A token in JSON's grammar: the body was not validated before (what follows it is the
        // list's to check).
        let Some((end, float)) = json_number(self.text, start) else {
            return false;
        };
        self.at = end;
        let token = &self.text[start..end];
        if *self.float.get_or_insert(float) != float {
            return false;
        }
        if float {
            if is_canonical_float(token) {
                self.out.extend_from_slice(token);
                return true;
            }
            // A number token (lexed above), read by the exact fast path where it applies
            // (finite values only, as before).
            let Some(value) = json_f64(token, 0)
                .filter(|(end, _)| *end == token.len())
                .map(|(_, value)| value)
            else {
                return false;
            };
            serde_json::to_writer(&mut self.out, &value).is_ok()
        } else {
            let digits = token.strip_prefix(b"-").unwrap_or(token);
            if digits.len() > 18 || token == b"-0" {
                return false;
            }
            self.out.extend_from_slice(token);
            true
        }
    }
}

/// [`is_canonical_float`]'s common case, a plain fraction below 1 (softmax outputs), settled
/// without building the canonical text (`body` is the token without its sign): `0.`, at most
/// 4 zeros (from 1e-5 up serde_json writes it plain), then 1 to 15 significant digits, the last
/// not `0`; or `0.0` itself. `None` for another form.
fn fraction_below_one_is_canonical(body: &[u8]) -> Option<bool> {
    let fraction = body.strip_prefix(b"0.")?;
    if !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let zeros = fraction.iter().take_while(|&&digit| digit == b'0').count();
    Some(if zeros == fraction.len() {
        fraction == b"0"
    } else {
        zeros <= 4 && fraction.len() - zeros <= 15 && fraction.last() != Some(&b'0')
    })
}

/// [`is_canonical_float`]'s exponent form of a float32 output (`4.9051305e-9`; `body` without
/// its sign): a digit from 1, an optional fraction of at most 14 digits ending in no `0`, and a
/// signed exponent without padding in the range serde_json writes so (to 1e-6 and from 1e16,
/// within 1e±300). `false` leaves the token to the general check.
fn exponent_form_is_canonical(body: &[u8]) -> bool {
    let [b'1'..=b'9', rest @ ..] = body else {
        return false;
    };
    let Some(e) = rest.iter().position(|&byte| byte == b'e') else {
        return false;
    };
    let fraction_ok = match &rest[..e] {
        [] => true,
        [b'.', fraction @ ..] => {
            (1..=14).contains(&fraction.len())
                && fraction.iter().all(u8::is_ascii_digit)
                && fraction.last() != Some(&b'0')
        }
        _ => false,
    };
    let [sign @ (b'-' | b'+'), digits @ ..] = &rest[e + 1..] else {
        return false;
    };
    if !fraction_ok
        || !matches!(digits, [b'1'..=b'9', ..])
        || digits.len() > 3
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    let power = digits
        .iter()
        .fold(0u32, |power, digit| power * 10 + u32::from(digit - b'0'));
    let range = if *sign == b'-' { 6..=300 } else { 16..=300 };
    range.contains(&power)
}

/// Whether a JSON number with a fraction or exponent is already, byte for byte, what serde_json
/// prints for the `f64` it reads as, so it can be copied without parsing: at most 15 significant
/// digits (any such decimal reads back from the nearest `f64` as itself, and no shorter decimal
/// reads as that `f64`), a normal exponent, and serde_json's layout (`0.001234`, `12.34`,
/// `1200.0`, `1e-7`, `1.234e+30`: plain from 1e-5 to below 1e16, a signed exponent without
/// padding zeros otherwise). Most of the model server's float32 output (at most 9 digits,
/// plain in the same range) is of this kind.
#[allow(
    clippy::cast_possible_wrap,
    reason = "digit counts are at most 40 and exponents at most 3 digits"
)]
fn is_canonical_float(token: &[u8]) -> bool {
    let body = token.strip_prefix(b"-").unwrap_or(token);
    if let Some(canonical) = fraction_below_one_is_canonical(body) {
        return canonical;
    }
    if exponent_form_is_canonical(body) {
        return true;
    }
    let (mantissa, exponent) = match body.iter().position(|b| matches!(b, b'e' | b'E')) {
        Some(at) => {
            let digits = &body[at + 1..];
            let (negative, digits) = match digits.split_first() {
                Some((b'-', rest)) => (true, rest),
                Some((b'+', rest)) => (false, rest),
                _ => (false, digits),
            };
            if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
                return false;
            }
            let value = digits
                .iter()
                .fold(0i32, |v, d| v * 10 + i32::from(d - b'0'));
            (&body[..at], if negative { -value } else { value })
        }
        None => (body, 0),
    };
    let (int_part, frac_part) = match mantissa.iter().position(|b| *b == b'.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, &[][..]),
    };
    // The significant digits d and k with value = d * 10^k (no allocation: this runs per number).
    if int_part.len() + frac_part.len() > 40 {
        return false;
    }
    let mut all = [0u8; 40];
    all[..int_part.len()].copy_from_slice(int_part);
    all[int_part.len()..int_part.len() + frac_part.len()].copy_from_slice(frac_part);
    let all = &all[..int_part.len() + frac_part.len()];
    let first = all.iter().position(|d| *d != b'0').unwrap_or(all.len());
    let last = all
        .iter()
        .rposition(|d| *d != b'0')
        .map_or(first, |at| at + 1);
    let digits = &all[first..last.max(first)];
    if digits.is_empty() {
        return body == b"0.0";
    }
    // Both lengths are at most 40.
    let length = digits.len() as i32;
    let k = exponent - frac_part.len() as i32 + (all.len() - last) as i32;
    let kk = length + k;
    if length > 15 || !(-300..=300).contains(&(kk - 1)) {
        return false;
    }
    let mut canonical = [0u8; 48];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        canonical[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    if 0 <= k && kk <= 16 {
        put(digits);
        for _ in digits.len()..kk as usize {
            put(b"0");
        }
        put(b".0");
    } else if 0 < kk && kk <= 16 {
        put(&digits[..kk as usize]);
        put(b".");
        put(&digits[kk as usize..]);
    } else if -5 < kk && kk <= 0 {
        put(b"0.");
        for _ in 0..-kk {
            put(b"0");
        }
        put(digits);
    } else {
        put(&digits[..1]);
        if digits.len() > 1 {
            put(b".");
            put(&digits[1..]);
        }
        put(if kk > 0 { b"e+" } else { b"e-" });
        let e = (kk - 1).unsigned_abs();
        if e >= 100 {
            put(&[b'0' + (e / 100) as u8]);
        }
        if e >= 10 {
            put(&[b'0' + (e / 10 % 10) as u8]);
        }
        put(&[b'0' + (e % 10) as u8]);
    }
    &canonical[..at] == body
}

/// The index after `byte`, which must come next after whitespace.
fn json_punct(text: &[u8], at: usize, byte: u8) -> Option<usize> {
    let at = after_ws(text, at);
    (text.get(at) == Some(&byte)).then_some(at + 1)
}

/// An object key without escapes or control characters (any other key: `None`), and the index
/// after its colon.
fn json_plain_key(text: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let (key, end) = json_plain_string(text, at)?;
    Some((key, json_punct(text, end, b':')?))
}

/// A string without escapes or control characters after whitespace (any other: `None`), and the
/// index after its closing quote.
fn json_plain_string(text: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let start = json_punct(text, at, b'"')?;
    let len = text.get(start..)?.iter().position(|&b| b == b'"')?;
    let string = &text[start..start + len];
    if string.iter().any(|&b| b == b'\\' || b < 0x20) {
        return None;
    }
    Some((string, start + len + 1))
}

/// Walks a body that is one JSON object of plain keys ([`json_plain_key`]) and nothing after it
/// but whitespace, handing each key and the index after its colon to `member`, which reads the
/// value and returns the index after it (or `None` to refuse the body).
fn plain_object<'a>(
    body: &'a [u8],
    mut member: impl FnMut(&'a [u8], usize) -> Option<usize>,
) -> Option<()> {
    let mut at = json_punct(body, 0, b'{')?;
    loop {
        let (key, after) = json_plain_key(body, at)?;
        at = after_ws(body, member(key, after)?);
        match body.get(at) {
            Some(b',') => at += 1,
            Some(b'}') => break,
            _ => return None,
        }
    }
    (after_ws(body, at + 1) == body.len()).then_some(())
}

/// A TF Serving REST predict body of the common shape, read in one pass over its bytes:
/// `{"instances" | "inputs": LIST, "signature_name": "..."}` (the name optional, keys in any
/// order, once each, no escapes), LIST as [`numeric_list_f32`](super::json_scan::numeric_list_f32)
/// reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainPredict<'a> {
    /// `signature_name`, if given.
    pub signature_name: Option<&'a str>,
    /// Whether the payload came as `instances` (row format) rather than `inputs`.
    pub row: bool,
    /// Where the payload's text is in the body (for a signature that is not one float input).
    pub payload: std::ops::Range<usize>,
    /// The list lengths from the outside in.
    pub shape: Vec<usize>,
    /// The numbers in order, as `f32`.
    pub values: Vec<f32>,
}

/// Reads a predict body of the common shape ([`PlainPredict`]); `None` for any other body, which
/// the general path reads (and explains, when it is wrong).
#[must_use]
pub fn plain_predict(body: &[u8]) -> Option<PlainPredict<'_>> {
    plain_predict_with(body, None)
}

/// [`plain_predict`], taking the list's values from `read` when it is the list at the
/// payload's place (its range starts there) instead of reading them again.
#[must_use]
pub fn plain_predict_with(body: &[u8], mut read: Option<ReadList>) -> Option<PlainPredict<'_>> {
    let (mut signature_name, mut payload) = (None, None);
    plain_object(body, |key, at| match key {
        b"signature_name" if signature_name.is_none() => {
            let (name, end) = json_plain_string(body, at)?;
            signature_name = Some(std::str::from_utf8(name).ok()?);
            Some(end)
        }
        b"instances" | b"inputs" if payload.is_none() => {
            let start = after_ws(body, at);
            let (end, shape, values) = match read.take() {
                Some(list) if list.range.start == start && list.range.end <= body.len() => {
                    (list.range.end, list.shape, list.values)
                }
                _ => walk_f32(body, start)?,
            };
            payload = Some((key == b"instances", start..end, shape, values));
            Some(end)
        }
        _ => None,
    })?;
    let (row, payload, shape, values) = payload?;
    Some(PlainPredict {
        signature_name,
        row,
        payload,
        shape,
        values,
    })
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

    /// The list the proxy reads while checking it is the list a model server reads in the body
    /// the proxy sends, so handing it over changes nothing but the work.
    #[test]
    fn a_list_handed_with_the_body_is_the_list_read_there() {
        for seldon in [
            r#"{"data": {"ndarray": [[0.0, 0.0402, 1.0, 0.5]]}}"#,
            r#"{"meta": {"puid": "p"}, "data":{"ndarray":[[1,2],[3,-4]]}}"#,
            r#"{"data": {"ndarray": [[[1e-3], [2.5E+2]], [[-0.0], [7.25]]]}}"#,
            r#"{"data": {"ndarray": [0.1000000000000000055511151231257827, 3.4028235e38]}}"#,
        ] {
            let (request, meta, floats) =
                ProxyRequest::from_slice_reading(&Bytes::from(seldon)).unwrap();
            assert_eq!(
                (request.clone(), meta),
                ProxyRequest::from_slice(seldon.as_bytes()).unwrap(),
                "{seldon}"
            );
            let (body, read) = request.to_body_handing("sig", floats);
            assert_eq!(body, request.to_body("sig"), "{seldon}");
            let read = read.unwrap_or_else(|| panic!("{seldon}: no list handed over"));
            let want = plain_predict(&body).unwrap();
            assert_eq!(
                plain_predict_with(&body, Some(read)).unwrap(),
                want,
                "{seldon}"
            );
        }
        // Lists the check takes that the model server must explain (no f64 holds 1e400), or
        // that are not uniform, are forwarded without values.
        for seldon in [
            r#"{"data": {"ndarray": [1e400]}}"#,
            r#"{"data": {"ndarray": [1, 2.5]}}"#,
        ] {
            let (request, _, floats) =
                ProxyRequest::from_slice_reading(&Bytes::from(seldon)).unwrap();
            assert!(floats.is_none(), "{seldon}");
            assert_eq!(request.to_body_handing("sig", floats).1, None);
        }
        // The values handed over are taken, at the payload's place only.
        let body = br#"{"instances":[1.5],"signature_name":"s"}"#;
        let list = |start: usize| ReadList {
            range: start..18,
            shape: vec![1],
            values: vec![9.0],
        };
        assert_eq!(
            plain_predict_with(body, Some(list(13))).unwrap().values,
            [9.0]
        );
        assert_eq!(
            plain_predict_with(body, Some(list(14))).unwrap().values,
            [1.5]
        );
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
            ("[[1, 2]] ]", false),
            ("[[1, 2],, [3, 4]]", false),
            ("[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]", true),
            ("[[[1, 2], [3, 4]], [[5, 6]]]", false),
            ("[[[1]], [2]]", false),
            ("[-0.5e-3, 1E+2, 0.0]", true),
            ("[1\u{c}]", false),
            // JSON, though no f64 holds it: forwarded as text, as serde's raw value was.
            ("[11e4040]", true),
        ];
        let nested = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert!(uniform_numeric_list(nested(64).as_bytes()));
        assert!(!uniform_numeric_list(nested(65).as_bytes()));
        for (text, want) in cases {
            assert_eq!(uniform_numeric_list(text.as_bytes()), want, "{text}");
        }
    }

    #[test]
    fn the_plain_envelope_is_read_in_one_pass_as_the_lazy_path_reads_it() {
        let accepted = [
            r#"{"data":{"ndarray":[[1,2],[3,4]]}}"#,
            " \r\n{ \"data\" : { \"ndarray\" :\t[ [ 0.5 , -1e-3 ] ] } } \n",
            r#"{"meta":{"tags":{"a":[1,"}"]},"puid":"p"},"data":{"ndarray":[-0,10,2]}}"#,
            r#"{"data":{"ndarray":[1.5E+2,2.0e3]},"meta":{}}"#,
        ];
        for text in accepted {
            let fast = ProxyRequest::from_plain_envelope(text.as_bytes());
            let lazy = ProxyRequest::from_lazy_message(text.as_bytes()).ok();
            assert!(fast.is_some(), "{text}");
            assert_eq!(fast, lazy, "{text}");
        }
        // Not the plain envelope, or not JSON: the lazy path decides (and explains).
        let declined = [
            r#"{"data":{"names":["a"],"ndarray":[[1]]}}"#,
            r#"{"d\u0061ta":{"ndarray":[[1]]}}"#,
            r#"{"data":{"ndarray":[[1]]},"data":{"ndarray":[[2]]}}"#,
            r#"{"data":{"ndarray":[[1]]},"meta":null}"#,
            r#"{"data":{"ndarray":[[1, 2.5]]}}"#,
            r#"{"data":{"ndarray":[]}}"#,
            "{\"data\":{\"ndarray\":[1]}\x0c}",
            r#"{"data":{"ndarray":[01]}}"#,
            r#"{"data":{"ndarray":[1.]}}"#,
            r#"{"data":{"ndarray":[1e]}}"#,
            r#"{"data":{"ndarray":[-]}}"#,
            r#"{"data":{"ndarray":[+1]}}"#,
            r#"{"data":{"ndarray":[1]}} x"#,
            r#"{"data":{"ndarray":[1]},}"#,
            r#"{"data":{"ndarray":[1]}"#,
            r#"{"strData":"x"}"#,
            r#"{"data":{"ndarray":[1]},"meta":{"puid":1}}"#,
        ];
        for text in declined {
            assert_eq!(
                ProxyRequest::from_plain_envelope(text.as_bytes()),
                None,
                "{text}"
            );
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

    /// Predictions texts of every shape the model server and other servers write, and hostile
    /// ones; the transcoder must give the general path's bytes or leave them to it.
    fn prediction_texts() -> Vec<String> {
        let mut texts: Vec<String> = [
            "[[0.1, 0.2, 0.3]]",
            "[3.5, 4.0]",
            "[[1, 2], [3, 4]]",
            "[[1, 2.5]]",
            "[[1.0, 2]]",
            "[[-0, 1]]",
            "[[-0.0, 0.0, -0.0e0]]",
            "[[1e400]]",
            "[[-1e400, 1.0]]",
            "[[1e-400, 2e-320]]",
            "[[1E5, 1e+5, 1.5E-7, 123456789012345678901234567890.5]]",
            "[[123456789012345678]]",
            "[[1234567890123456789]]",
            "[[9223372036854775807, -9223372036854775808]]",
            "[[18446744073709551616]]",
            "[[0.30000000000000004, 0.1, 3.4028234663852886e38, 1.17549435e-38]]",
            "[[1e16, 1e17, 1e21, 1e22, 123456.0, 1e-5, 0.0001]]",
            "[[[1.0], [2.0]], [[3.0], [4.0]]]",
            "[[1, 2], [3]]",
            "[[1, 2], 3]",
            "[1, [2]]",
            "[]",
            "[[]]",
            "[[], []]",
            "7",
            "7.5",
            "[\"a\"]",
            "[[true, 1]]",
            "[[null]]",
            "[{\"a\": 1.0}]",
            "[[1.0, {\"b\": [1, 2]}]]",
            " [ [ 1.5 , 2.5 ] ,\n [ 3.5 , 4.5 ] ] ",
            "[[1.3373337133713e308, -1.3371337133713e308]]",
            "[[1e-7, 1e-07, 1e+30, 1E30, 1e2, 1.0e-5, 1.50, 0.00, 0.0, -0.0, 100.0, 1e15, 1e16]]",
            "[[1e+16, 1.5e+16, -2.5e-300, 1e+300, 1e+301, 1e-6, 1.234e+30, 1e-5, 1e-4]]",
            "[[0.00001, 0.0001, 0.001234, 12.34, 1000000000000000.0, 10000000000000000.0]]",
            "[[0.123456789012345, 0.1234567890123456, 9.99999999999999e299, 1e300, 1e-300]]",
            "[[4.9e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e-301, 1e301]]",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        // Nesting at, around and far past the transcoder's and serde's limits.
        for depth in [63, 64, 65, 66, 127, 128, 129, 5000] {
            texts.push(format!("{}1.5{}", "[".repeat(depth), "]".repeat(depth)));
        }
        // Floats as f32 prints them (the model server), as f64 and in exponent form, in random
        // rectangular shapes.
        let mut rng = fastrand::Rng::with_seed(17);
        for _ in 0..300 {
            let rows = rng.usize(1..5);
            let cols = rng.usize(1..12);
            let style = rng.u8(0..4);
            let row = |rng: &mut fastrand::Rng| {
                let items: Vec<String> = (0..cols)
                    .map(|_| {
                        let x = (rng.f64() - 0.5) * 10f64.powi(rng.i32(-40..40));
                        match style {
                            0 => format!("{:?}", x as f32),
                            1 => format!("{x:?}"),
                            2 => format!("{x:e}"),
                            _ => format!("{}", rng.i64(-1_000_000..1_000_000)),
                        }
                    })
                    .collect();
                format!("[{}]", items.join(", "))
            };
            let list: Vec<String> = (0..rows).map(|_| row(&mut rng)).collect();
            texts.push(format!("[{}]", list.join(",")));
            texts.push(row(&mut rng));
        }
        texts
    }

    #[test]
    fn transcoded_replies_are_the_general_paths_bytes() {
        let metas = [
            Meta::default(),
            unit_reply_meta(
                Some(
                    &serde_json::from_value(json!({
                        "puid": "p<&>", "tags": {"x": [1.5, "y"]}, "routing": {"r": 1},
                        "metrics": [{"key": "k", "value": 0.1}],
                        "requestPath": {"t": "img:1"}
                    }))
                    .unwrap(),
                ),
                Some(("mnist-model", "seldonio/tfserving-proxy:1.18.2")),
            ),
        ];
        let kinds = [
            json!({"data": {"ndarray": [[1, 2]]}}),
            json!({"data": {"tensor": {"shape": [1, 2], "values": [1, 2]}}}),
            json!({"jsonData": {"instances": [[1, 2]]}}),
        ];
        let mut transcoded = 0;
        for text in prediction_texts() {
            for body in [
                format!(r#"{{"predictions": {text}}}"#),
                format!(r#"{{"model_version": "1", "predictions":{text} , "x": [1, {{}}]}}"#),
                format!(r#"{{"predictions": {text}, "predictions": [[1.0]]}}"#),
                format!(r#"{{"outputs": {text}}}"#),
                format!(r#"{{"predictions": {text}"#),
            ] {
                for kind in &kinds {
                    let request = ProxyRequest::from_message(&message(kind.clone())).unwrap();
                    for meta in &metas {
                        let general = request
                            .reply(body.as_bytes(), meta.clone())
                            .map(|m| m.to_wire());
                        let fast = request.reply_wire(body.as_bytes(), meta.clone());
                        match (&fast, &general) {
                            (Ok(fast), Ok(general)) => assert_eq!(
                                String::from_utf8_lossy(fast),
                                String::from_utf8_lossy(general),
                                "{body}"
                            ),
                            (Err(fast), Err(general)) => {
                                assert_eq!(fast.to_string(), general.to_string(), "{body}");
                            }
                            _ => panic!("{body}: {fast:?} vs {general:?}"),
                        }
                        if matches!(request, ProxyRequest::Array { .. })
                            && ndarray_reply(body.as_bytes(), meta).is_some()
                        {
                            transcoded += 1;
                        }
                    }
                }
            }
        }
        // Most bodies took the transcoder, so the comparison above is not vacuous.
        assert!(
            transcoded > 1000,
            "only {transcoded} bodies were transcoded"
        );
    }

    /// Fractions below 1 (the shortcut's case): taken exactly when serde_json prints the value
    /// they read as with the same bytes, up to 15 significant digits.
    #[test]
    fn fractions_below_one_are_taken_exactly_when_serde_json_prints_them_so() {
        let mut accepted = 0;
        for zeros in 0..7 {
            for digits in [
                "0",
                "1",
                "10",
                "5",
                "25",
                "1234",
                "10924226",
                "123456789012345",
                "1234567890123456",
                "99999999999999999",
            ] {
                for sign in ["", "-"] {
                    let token = format!("{sign}0.{}{digits}", "0".repeat(zeros));
                    let value: f64 = token.parse().unwrap();
                    let printed = serde_json::to_string(&value).unwrap() == token;
                    let significant = digits.trim_start_matches('0').len();
                    let canonical = is_canonical_float(token.as_bytes());
                    assert!(
                        !canonical || printed,
                        "{token} is taken, serde_json prints it otherwise"
                    );
                    assert!(
                        !printed || canonical || significant > 15,
                        "{token} is not taken"
                    );
                    accepted += usize::from(canonical);
                }
            }
        }
        assert!(accepted > 50, "{accepted}");
    }

    /// Exponent forms (the shortcut's other case): taken only when serde_json prints the value
    /// they read as with the same bytes, and taken for float32's usual outputs.
    #[test]
    fn exponent_forms_are_taken_only_when_serde_json_prints_them_so() {
        let mut accepted = 0;
        for power in [
            "1", "5", "6", "9", "05", "15", "16", "17", "38", "45", "299", "300", "301", "307",
            "1000",
        ] {
            for sign in ["-", "+", ""] {
                for mantissa in [
                    "1",
                    "4",
                    "1.0",
                    "4.9051305",
                    "2.45566",
                    "1.23456789012345",
                    "1.234567890123456",
                    "1.50",
                    "0.5",
                    "12.5",
                ] {
                    let token = format!("{mantissa}e{sign}{power}");
                    let Ok(value) = token.parse::<f64>() else {
                        continue;
                    };
                    let printed =
                        value.is_finite() && serde_json::to_string(&value).unwrap() == token;
                    let canonical = is_canonical_float(token.as_bytes());
                    assert!(
                        !canonical || printed,
                        "{token} is taken, serde_json prints it otherwise"
                    );
                    accepted += usize::from(canonical);
                }
            }
        }
        assert!(accepted > 20, "{accepted}");
        for token in [
            "4.9051305e-9",
            "2.45566e-15",
            "8.56615e-17",
            "1.7341166e-9",
            "3.4028235e+38",
        ] {
            assert!(is_canonical_float(token.as_bytes()), "{token}");
            let value: f64 = token.parse().unwrap();
            assert_eq!(serde_json::to_string(&value).unwrap(), token);
        }
    }

    #[test]
    fn column_numbers_are_written_in_decimal() {
        for n in [0, 7, 9, 10, 99, 100, 12_345, usize::MAX] {
            let mut out = b"t:".to_vec();
            push_decimal(&mut out, n);
            assert_eq!(out, format!("t:{n}").as_bytes());
        }
    }

    #[test]
    fn floats_already_in_serde_jsons_form_are_recognised_and_others_are_not() {
        for (token, want) in [
            ("0.10924226", true),
            ("-0.5", true),
            ("0.0", true),
            ("-0.0", true),
            ("100.0", true),
            ("12.34", true),
            ("0.001234", true),
            ("0.00001", true),
            ("1e-5", false),
            ("1e-7", true),
            ("1.234e+30", true),
            ("1.234e30", false),
            ("1e+16", true),
            ("1e16", false),
            ("-2.5e-300", true),
            ("1000000000000000.0", true),
            ("1e15", false),
            ("1e-07", false),
            ("1e+30", true),
            ("1E30", false),
            ("1e2", false),
            ("1.0e-5", false),
            ("1.50", false),
            ("00.5", false),
            ("0.00", false),
            ("0.1234567890123456", false),
            ("0.123456789012345", true),
            ("1e-310", false),
            ("1e305", false),
        ] {
            assert_eq!(is_canonical_float(token.as_bytes()), want, "{token}");
            if want {
                let value: f64 = token.parse().unwrap();
                assert_eq!(serde_json::to_string(&value).unwrap(), token);
            }
        }
    }

    #[test]
    fn non_finite_predictions_pass_through_the_transcoder_as_before() {
        let request =
            ProxyRequest::from_message(&message(json!({"data": {"ndarray": [[1.0]]}}))).unwrap();
        let tf = br#"{"predictions": [[NaN, -Infinity, Infinity, 0.5]]}"#;
        let hidden = crate::protocol::nonfinite::hide(tf).unwrap();
        let wire = request.reply_wire(&hidden, Meta::default()).unwrap();
        assert_eq!(
            String::from_utf8(crate::protocol::nonfinite::restore(&wire)).unwrap(),
            "{\"data\":{\"names\":[\"t:0\",\"t:1\",\"t:2\",\"t:3\"],\"ndarray\":[[NaN,-Infinity,Infinity,0.5]]},\"meta\":{}}\n"
        );
        assert!(ndarray_reply(&hidden, &Meta::default()).is_some());
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
