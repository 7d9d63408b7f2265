//! What the executor reads inside Seldon protobuf messages when it walks a graph over gRPC: a
//! router's choice and the feedback's recorded routing (the same rules as the JSON walk in
//! `protocol::seldon`).

use prost_types::value::Kind;

use super::seldon::protos::{SeldonMessage, default_data, seldon_message};
use crate::protocol::ProtocolError;

/// The child index in a router's `Route` reply: the first `ndarray` element (or the first element
/// of a nested list), the first `tensor` value or the first `tftensor` int; `-1` when the message
/// has no data.
#[allow(clippy::cast_possible_truncation)] // routes are small integers sent as doubles
pub fn route_of(message: &SeldonMessage) -> Result<i64, ProtocolError> {
    let Some(seldon_message::DataOneof::Data(data)) = &message.data_oneof else {
        return Ok(-1);
    };
    let number = |value: &prost_types::Value| match &value.kind {
        Some(Kind::NumberValue(x)) => Some(*x),
        Some(Kind::ListValue(list)) => match list.values.first()?.kind {
            Some(Kind::NumberValue(x)) => Some(x),
            _ => None,
        },
        _ => None,
    };
    let first = match &data.data_oneof {
        Some(default_data::DataOneof::Ndarray(list)) => list.values.first().and_then(number),
        Some(default_data::DataOneof::Tensor(tensor)) => tensor.values.first().copied(),
        Some(default_data::DataOneof::Tftensor(tensor)) => {
            tensor.int_val.first().map(|x| f64::from(*x))
        }
        None => None,
    };
    first.map(|x| x as i64).ok_or(ProtocolError::NoRoute)
}

/// The route recorded for `node` in a feedback's `response.meta.routing`.
#[must_use]
pub fn feedback_route(feedback: &super::lazy::LazyFeedback, node: &str) -> Option<i32> {
    feedback
        .response
        .as_ref()?
        .meta
        .as_ref()?
        .routing
        .get(node)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::super::json::from_json;
    use super::*;

    #[test]
    fn routes_are_read_like_the_json_walk_reads_them() {
        let cases = [
            (r#"{"data":{"ndarray":[[1]]}}"#, Some(1)),
            (r#"{"data":{"ndarray":[2]}}"#, Some(2)),
            (r#"{"data":{"tensor":{"shape":[1],"values":[0]}}}"#, Some(0)),
            (r#"{"meta":{}}"#, Some(-1)),
            (r#"{"data":{"ndarray":[["a"]]}}"#, None),
            (r#"{"data":{"ndarray":[]}}"#, None),
        ];
        for (json, want) in cases {
            let message: SeldonMessage = from_json(json.as_bytes()).unwrap();
            assert_eq!(route_of(&message).ok(), want, "{json}");
        }
        let feedback: super::super::seldon::protos::Feedback =
            from_json(br#"{"response":{"meta":{"routing":{"r":1}}},"reward":1}"#).unwrap();
        let feedback = <super::super::lazy::LazyFeedback as prost::Message>::decode(
            prost::Message::encode_to_vec(&feedback).as_slice(),
        )
        .unwrap();
        assert_eq!(feedback_route(&feedback, "r"), Some(1));
        assert_eq!(feedback_route(&feedback, "x"), None);
    }
}
