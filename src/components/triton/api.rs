//! The V2 REST API as Triton serves it: health, server and model metadata, model config,
//! infer (JSON and the binary data extension), the model repository extension (index, load,
//! unload). Errors are `{"error": "..."}` with 400 (404 for an unknown route), as Triton 2.13
//! answers.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value as Json, json};

use super::backend::{InferError, Loaded, full_dims};
use super::repository::{IndexEntry, Repository};
use super::tensor::{self, InferTensor, datatype_name};
use crate::components::model_server::Selector;
use crate::components::model_server::manager::State as VersionState;
use crate::protocol::v2::Datatype;

/// The header naming the JSON part's length in a binary request or response.
pub const HEADER_LENGTH: &str = "inference-header-content-length";

/// What `GET /v2` reports.
pub(super) const SERVER_NAME: &str = "triton";
pub(super) const SERVER_VERSION: &str = "2.13.0";
const EXTENSIONS: &[&str] = &["model_repository", "binary_tensor_data"];

pub(super) type Models = Arc<Repository>;

pub(super) fn extensions() -> Vec<String> {
    EXTENSIONS.iter().map(|e| (*e).to_owned()).collect()
}

/// Whether every model the server tried has a version ready.
pub(super) fn all_ready(models: &Models) -> bool {
    models.ready()
}

/// The router over `manager`'s models.
pub fn router(manager: Models, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/v2", get(server_metadata))
        .route("/v2/health/live", get(|| async { StatusCode::OK }))
        .route("/v2/health/ready", get(server_ready))
        .route("/v2/models/{model}", get(model_metadata))
        .route(
            "/v2/models/{model}/versions/{version}",
            get(model_metadata_v),
        )
        .route("/v2/models/{model}/ready", get(model_ready))
        .route(
            "/v2/models/{model}/versions/{version}/ready",
            get(model_ready_v),
        )
        .route("/v2/models/{model}/config", get(model_config))
        .route(
            "/v2/models/{model}/versions/{version}/config",
            get(model_config_v),
        )
        .route("/v2/models/{model}/infer", post(infer))
        .route("/v2/models/{model}/versions/{version}/infer", post(infer_v))
        .route("/v2/repository/index", post(index))
        .route("/v2/repository/models/{model}/load", post(load))
        .route("/v2/repository/models/{model}/unload", post(unload))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Not Found") })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(manager)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

fn bad(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

async fn server_metadata() -> Response {
    axum::Json(json!({
        "name": SERVER_NAME,
        "version": SERVER_VERSION,
        "extensions": EXTENSIONS,
    }))
    .into_response()
}

async fn server_ready(State(models): State<Models>) -> StatusCode {
    if all_ready(&models) {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// The version a request names ("" is the latest); every miss is a 400 with this message.
pub(super) fn find(
    models: &Models,
    name: &str,
    version: &str,
) -> Result<(i64, Arc<Loaded>), String> {
    let Some(manager) = models.loaded(name) else {
        return Err(if models.knows(name) {
            format!("Request for unknown model: '{name}' has no available versions")
        } else {
            format!("Request for unknown model: '{name}' is not found")
        });
    };
    let selector = if version.is_empty() {
        Selector::Latest
    } else {
        Selector::Version(
            version
                .parse()
                .map_err(|_| format!("failed to parse version '{version}' of model '{name}'"))?,
        )
    };
    manager.servable(name, &selector).map_err(|_| {
        if version.is_empty() {
            format!("Request for unknown model: '{name}' has no available versions")
        } else {
            format!("Request for unknown model: '{name}' version {version} is not found")
        }
    })
}

async fn model_metadata(State(m): State<Models>, Path(model): Path<String>) -> Response {
    metadata(&m, &model, "")
}

async fn model_metadata_v(
    State(m): State<Models>,
    Path((model, version)): Path<(String, String)>,
) -> Response {
    metadata(&m, &model, &version)
}

fn metadata(models: &Models, name: &str, version: &str) -> Response {
    match metadata_of(models, name, version) {
        Ok(json) => axum::Json(json).into_response(),
        Err(message) => bad(message),
    }
}

/// The model metadata object, or why the model or version is not found.
pub(super) fn metadata_of(models: &Models, name: &str, version: &str) -> Result<Json, String> {
    let (_, loaded) = find(models, name, version)?;
    let versions: Vec<String> = models
        .loaded(name)
        .and_then(|manager| manager.status(name, &Selector::Latest).ok())
        .unwrap_or_default()
        .iter()
        .filter(|s| s.state == VersionState::Available)
        .map(|s| s.version.to_string())
        .rev()
        .collect();
    let config = &loaded.config;
    let io = |list: &[super::config::IoConfig]| -> Json {
        list.iter()
            .map(|t| {
                json!({
                    "name": t.name,
                    "datatype": datatype_name(t.datatype),
                    "shape": full_dims(config, &t.dims),
                })
            })
            .collect()
    };
    Ok(json!({
        "name": name,
        "versions": versions,
        "platform": config.platform,
        "inputs": io(&config.inputs),
        "outputs": io(&config.outputs),
    }))
}

async fn model_ready(State(m): State<Models>, Path(model): Path<String>) -> StatusCode {
    ready(&m, &model, "")
}

async fn model_ready_v(
    State(m): State<Models>,
    Path((model, version)): Path<(String, String)>,
) -> StatusCode {
    ready(&m, &model, &version)
}

fn ready(models: &Models, name: &str, version: &str) -> StatusCode {
    if find(models, name, version).is_ok() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    }
}

async fn model_config(State(m): State<Models>, Path(model): Path<String>) -> Response {
    config(&m, &model, "")
}

async fn model_config_v(
    State(m): State<Models>,
    Path((model, version)): Path<(String, String)>,
) -> Response {
    config(&m, &model, &version)
}

fn config(models: &Models, name: &str, version: &str) -> Response {
    match find(models, name, version) {
        Ok((_, loaded)) => axum::Json(loaded.config.to_json()).into_response(),
        Err(message) => bad(message),
    }
}

/// `POST v2/repository/index`: the body may ask for `{"ready": true}`.
async fn index(State(models): State<Models>, body: Body) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return error(rejection.status(), rejection.body_text()),
    };
    let ready_only = if body.iter().all(u8::is_ascii_whitespace) {
        false
    } else {
        match serde_json::from_slice::<Json>(&body) {
            Ok(request) => match &request["ready"] {
                Json::Null => false,
                Json::Bool(ready) => *ready,
                other => return bad(format!("'ready' must be a boolean, not {other}")),
            },
            Err(e) => return bad(format!("failed to parse the request JSON buffer: {e}")),
        }
    };
    let entries = match models.index(ready_only) {
        Ok(entries) => entries,
        Err(e) => return bad(crate::components::model_server::error_chain(&e)),
    };
    axum::Json(Json::Array(entries.iter().map(index_json).collect())).into_response()
}

/// One index entry, with only the fields Triton fills in.
fn index_json(entry: &IndexEntry) -> Json {
    let mut json = json!({ "name": entry.name });
    for (key, value) in [
        ("version", &entry.version),
        ("state", &entry.state),
        ("reason", &entry.reason),
    ] {
        if !value.is_empty() {
            json[key] = Json::String(value.clone());
        }
    }
    json
}

/// `POST v2/repository/models/{model}/load` (`explicit` mode only).
async fn load(State(models): State<Models>, Path(model): Path<String>) -> Response {
    match models.load(&model).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => bad(e.to_string()),
    }
}

/// `POST v2/repository/models/{model}/unload` (`explicit` mode only).
async fn unload(State(models): State<Models>, Path(model): Path<String>) -> Response {
    match models.unload(&model).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => bad(e.to_string()),
    }
}

type Body = Result<Bytes, BytesRejection>;

async fn infer(
    State(m): State<Models>,
    Path(model): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    run(m, model, String::new(), &headers, body).await
}

async fn infer_v(
    State(m): State<Models>,
    Path((model, version)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    run(m, model, version, &headers, body).await
}

/// A decoded request: inputs, which outputs to return and how.
#[derive(Debug)]
pub struct Decoded {
    pub id: Option<Json>,
    pub inputs: Vec<InferTensor>,
    /// `(name, binary)`; empty: all outputs, binary as `binary_data_output` says.
    pub outputs: Vec<(String, bool)>,
    pub binary_default: bool,
}

async fn run(
    models: Models,
    name: String,
    version: String,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    // A body over the cap (or one that fails to arrive) in Triton's error shape, not axum's text.
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return error(rejection.status(), rejection.body_text()),
    };
    let (version, loaded) = match find(&models, &name, &version) {
        Ok(found) => found,
        Err(message) => return bad(message),
    };
    let header_length = match headers.get(HEADER_LENGTH) {
        None => None,
        Some(value) => match value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
        {
            Some(n) => Some(n),
            None => {
                return bad(format!(
                    "unable to parse '{HEADER_LENGTH}' header value `{}`",
                    String::from_utf8_lossy(value.as_bytes())
                ));
            }
        },
    };
    let decoded = match decode(&body, header_length) {
        Ok(decoded) => decoded,
        Err(message) => return bad(message),
    };
    for wanted in &decoded.outputs {
        if !loaded.config.outputs.iter().any(|o| o.name == wanted.0) {
            return bad(format!(
                "unexpected inference output '{}' for model '{name}'",
                wanted.0
            ));
        }
    }
    let id = decoded.id.clone();
    let inputs = decoded.inputs;
    let worker = Arc::clone(&loaded);
    let result = tokio::task::spawn_blocking(move || worker.infer(inputs)).await;
    let outputs = match result {
        Ok(Ok(outputs)) => outputs,
        Ok(Err(InferError::Invalid(message))) => return bad(message),
        Ok(Err(e @ InferError::Run(_))) => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        }
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    };
    encode(
        &name,
        version,
        id,
        &decoded.outputs,
        decoded.binary_default,
        outputs,
    )
}

/// Splits and decodes a request body: JSON alone, or `header_length` bytes of JSON followed
/// by the binary tensors in input order.
pub fn decode(body: &[u8], header_length: Option<usize>) -> Result<Decoded, String> {
    let (json_part, mut binary) = match header_length {
        Some(n) if n > body.len() => {
            return Err(format!(
                "'{HEADER_LENGTH}' is {n}, but the body holds only {} bytes",
                body.len()
            ));
        }
        Some(n) => body.split_at(n),
        None => (body, &[][..]),
    };
    let request: Json = serde_json::from_slice(json_part)
        .map_err(|e| format!("failed to parse the request JSON buffer: {e}"))?;
    let parameters = &request["parameters"];
    let binary_default = parameters["binary_data_output"].as_bool().unwrap_or(false);
    let Some(list) = request["inputs"].as_array() else {
        return Err("request has no 'inputs' array".to_owned());
    };
    let mut inputs = Vec::with_capacity(list.len());
    for input in list {
        let name = input["name"]
            .as_str()
            .ok_or("an input has no 'name'")?
            .to_owned();
        let datatype: Datatype = serde_json::from_value(input["datatype"].clone())
            .map_err(|_| format!("input '{name}': unknown datatype {}", input["datatype"]))?;
        let shape = input["shape"]
            .as_array()
            .ok_or_else(|| format!("input '{name}' has no 'shape'"))?
            .iter()
            .map(|d| d.as_u64().map(|d| d as usize))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("input '{name}': shape must be non-negative integers"))?;
        let size = &input["parameters"]["binary_data_size"];
        let tensor = if size.is_null() {
            if input["data"].is_null() {
                return Err(format!(
                    "input '{name}' has neither 'data' nor 'binary_data_size'"
                ));
            }
            tensor::from_json(&name, datatype, shape, &input["data"])?
        } else {
            let size = size
                .as_u64()
                .ok_or_else(|| format!("input '{name}': 'binary_data_size' must be an integer"))?
                as usize;
            if size > binary.len() {
                return Err(format!(
                    "unexpected end of binary data: input '{name}' needs {size} bytes, {} remain",
                    binary.len()
                ));
            }
            let (blob, rest) = binary.split_at(size);
            binary = rest;
            tensor::from_binary(&name, datatype, shape, blob)?
        };
        inputs.push(tensor);
    }
    if !binary.is_empty() {
        return Err(format!(
            "{} bytes of binary data follow the inputs that none claims",
            binary.len()
        ));
    }
    let mut outputs = Vec::new();
    if let Some(list) = request["outputs"].as_array() {
        for output in list {
            let name = output["name"].as_str().ok_or("an output has no 'name'")?;
            let binary = output["parameters"]["binary_data"]
                .as_bool()
                .unwrap_or(binary_default);
            outputs.push((name.to_owned(), binary));
        }
    }
    Ok(Decoded {
        id: request.get("id").cloned(),
        inputs,
        outputs,
        binary_default,
    })
}

fn encode(
    name: &str,
    version: i64,
    id: Option<Json>,
    wanted: &[(String, bool)],
    binary_default: bool,
    outputs: Vec<InferTensor>,
) -> Response {
    let selected: Vec<(InferTensor, bool)> = if wanted.is_empty() {
        outputs.into_iter().map(|t| (t, binary_default)).collect()
    } else {
        let mut outputs = outputs;
        wanted
            .iter()
            .filter_map(|(n, binary)| {
                let at = outputs.iter().position(|t| t.name == *n)?;
                Some((outputs.swap_remove(at), *binary))
            })
            .collect()
    };
    let mut blobs = Vec::new();
    let mut list = Vec::with_capacity(selected.len());
    for (t, binary) in selected {
        let mut entry = json!({
            "name": t.name,
            "datatype": datatype_name(t.datatype),
            "shape": t.shape,
        });
        if binary {
            let blob = t.to_binary();
            entry["parameters"] = json!({ "binary_data_size": blob.len() });
            blobs.push(blob);
        } else {
            entry["data"] = t.to_json();
        }
        list.push(entry);
    }
    let mut body = json!({
        "model_name": name,
        "model_version": version.to_string(),
        "outputs": list,
    });
    if let Some(id) = id {
        body["id"] = id;
    }
    let json = serde_json::to_vec(&body).unwrap_or_default();
    if blobs.is_empty() {
        return ([(header::CONTENT_TYPE, "application/json")], json).into_response();
    }
    let length = json.len();
    let mut bytes = json;
    for blob in blobs {
        bytes.extend_from_slice(&blob);
    }
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::HeaderName::from_static(HEADER_LENGTH),
                length.to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_over_the_cap_is_a_413_in_tritons_error_shape() {
        use tower::ServiceExt as _;
        let app = router(Arc::new(Repository::empty()), 16);
        let request = axum::http::Request::post("/v2/models/simple/infer")
            .body(axum::body::Body::from(vec![b' '; 17]))
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let body: Json = serde_json::from_slice(&body).unwrap();
        assert!(body["error"].is_string(), "{body}");
    }

    #[test]
    fn a_binary_request_splits_at_the_header_length() {
        let json = br#"{"inputs":[{"name":"x","datatype":"INT32","shape":[2],"parameters":{"binary_data_size":8}}],"outputs":[{"name":"y","parameters":{"binary_data":true}}]}"#;
        let mut body = json.to_vec();
        body.extend_from_slice(&[1, 0, 0, 0, 2, 0, 0, 0]);
        let decoded = decode(&body, Some(json.len())).unwrap();
        assert_eq!(decoded.inputs[0].to_json(), json!([1, 2]));
        assert_eq!(decoded.outputs, vec![("y".to_owned(), true)]);
    }

    #[test]
    fn malformed_binary_framing_is_refused() {
        let json = br#"{"inputs":[{"name":"x","datatype":"INT32","shape":[2],"parameters":{"binary_data_size":8}}]}"#;
        let mut body = json.to_vec();
        body.extend_from_slice(&[1, 0, 0, 0]);
        let short = decode(&body, Some(json.len())).unwrap_err();
        assert!(short.contains("unexpected end of binary data"), "{short}");
        let over = decode(&body, Some(body.len() + 1)).unwrap_err();
        assert!(over.contains("holds only"), "{over}");
        let cut = decode(&body, Some(5)).unwrap_err();
        assert!(cut.contains("failed to parse"), "{cut}");
    }
}
