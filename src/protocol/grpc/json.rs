//! The proto3 JSON mapping of the gRPC messages, driven by their descriptors: what the Seldon
//! executor does when one side of a call speaks REST and the other gRPC, and what the Python
//! wrapper's `MessageToDict`/`ParseDict` do. 64-bit integers print as strings and default values
//! are left out, as protobuf's own printers do; unknown JSON fields are skipped on parse, so a
//! REST body with extra keys still converts.

use std::sync::LazyLock;

use prost::{Message, Name};
use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage, MessageDescriptor};

use super::DESCRIPTORS;

/// Why a message could not be mapped to or from JSON.
#[derive(Debug, thiserror::Error)]
pub enum JsonMappingError {
    /// The message type is not among the compiled descriptors (a build mistake).
    #[error("no descriptor for message `{0}`")]
    UnknownMessage(String),
    /// The JSON did not fit the message.
    #[error("invalid JSON for `{message}`: {source}")]
    Json {
        /// The full message name.
        message: String,
        /// What did not fit.
        #[source]
        source: serde_json::Error,
    },
    /// The protobuf bytes did not decode.
    #[error("invalid protobuf for `{message}`: {source}")]
    Decode {
        /// The full message name.
        message: String,
        /// Why.
        #[source]
        source: prost::DecodeError,
    },
}

static POOL: LazyLock<DescriptorPool> = LazyLock::new(|| {
    DescriptorPool::decode(DESCRIPTORS).expect("build.rs writes a valid descriptor set")
});

/// The descriptors of every compiled message.
#[must_use]
pub fn pool() -> &'static DescriptorPool {
    &POOL
}

fn descriptor<M: Name>() -> Result<MessageDescriptor, JsonMappingError> {
    let name = M::full_name();
    pool()
        .get_message_by_name(&name)
        .ok_or(JsonMappingError::UnknownMessage(name))
}

/// A message as compact proto3 JSON.
pub fn to_json<M: Message + Name>(message: &M) -> Result<Vec<u8>, JsonMappingError> {
    let descriptor = descriptor::<M>()?;
    let dynamic = DynamicMessage::decode(descriptor, message.encode_to_vec().as_slice()).map_err(
        |source| JsonMappingError::Decode {
            message: M::full_name(),
            source,
        },
    )?;
    serde_json::to_vec(&dynamic).map_err(|source| JsonMappingError::Json {
        message: M::full_name(),
        source,
    })
}

/// A message from proto3 JSON (unknown fields skipped).
pub fn from_json<M: Message + Name + Default>(json: &[u8]) -> Result<M, JsonMappingError> {
    let descriptor = descriptor::<M>()?;
    let json_error = |source| JsonMappingError::Json {
        message: M::full_name(),
        source,
    };
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let options = DeserializeOptions::new().deny_unknown_fields(false);
    let dynamic = DynamicMessage::deserialize_with_options(descriptor, &mut deserializer, &options)
        .map_err(json_error)?;
    deserializer.end().map_err(json_error)?;
    M::decode(dynamic.encode_to_vec().as_slice()).map_err(|source| JsonMappingError::Decode {
        message: M::full_name(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::protocol::grpc::seldon::protos::{SeldonMessage, default_data, seldon_message};
    use crate::protocol::grpc::tensorflow::serving::PredictRequest;

    fn round_trip<M: Message + Name + Default>(value: &Value) -> Value {
        let message: M = from_json(value.to_string().as_bytes()).unwrap();
        serde_json::from_slice(&to_json(&message).unwrap()).unwrap()
    }

    #[test]
    fn an_ndarray_message_maps_to_the_seldon_json_it_came_from() {
        let body = json!({"data": {"names": ["a", "b"], "ndarray": [[1.0, 2.5]]},
                          "meta": {"puid": "p", "routing": {"router": 1}, "tags": {"x": "y"}}});
        assert_eq!(round_trip::<SeldonMessage>(&body), body);
    }

    #[test]
    fn a_tensor_message_keeps_its_shape_and_values() {
        let body = json!({"data": {"tensor": {"shape": [1, 3], "values": [0.5, 1.0, 2.0]}}});
        let message: SeldonMessage = from_json(body.to_string().as_bytes()).unwrap();
        let Some(seldon_message::DataOneof::Data(data)) = &message.data_oneof else {
            panic!("data expected, got {message:?}");
        };
        let Some(default_data::DataOneof::Tensor(tensor)) = &data.data_oneof else {
            panic!("tensor expected");
        };
        assert_eq!(tensor.shape, [1, 3]);
        assert_eq!(tensor.values, [0.5, 1.0, 2.0]);
        assert_eq!(round_trip::<SeldonMessage>(&body), body);
    }

    #[test]
    fn a_tftensor_prints_as_tensorflow_prints_it() {
        let body = json!({"data": {"tftensor": {"dtype": "DT_FLOAT",
            "tensorShape": {"dim": [{"size": "1"}, {"size": "2"}]}, "floatVal": [1.0, 2.0]}}});
        assert_eq!(round_trip::<SeldonMessage>(&body), body);
    }

    #[test]
    fn unknown_fields_are_skipped_and_bad_types_are_errors() {
        let message: SeldonMessage = from_json(br#"{"strData": "hi", "extra": 1}"#).unwrap();
        assert_eq!(
            message.data_oneof,
            Some(seldon_message::DataOneof::StrData("hi".to_owned()))
        );
        let error = from_json::<SeldonMessage>(br#"{"strData": 5}"#).unwrap_err();
        assert!(
            error.to_string().contains("seldon.protos.SeldonMessage"),
            "{error}"
        );
    }

    #[test]
    fn a_tf_serving_request_maps_its_inputs() {
        let body = json!({"modelSpec": {"name": "m", "signatureName": "serving_default"},
            "inputs": {"x": {"dtype": "DT_FLOAT", "tensorShape": {"dim": [{"size": "1"}]},
            "floatVal": [3.0]}}});
        assert_eq!(round_trip::<PredictRequest>(&body), body);
    }
}
