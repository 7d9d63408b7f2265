//! The REST API of `tensorflow_model_server` (section 4 of the protocols spec): one handler that
//! matches TF Serving's URL grammar by hand, so every path under `/v1/` that does not match gets
//! TF Serving's "Malformed request" answer rather than a framework 404/405.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest as _, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::protocol::tensorflow::ReadList;

use super::manager::{Manager, Selector};
use super::rest;
use super::servable::PredictError;
use super::status::{ApiError, Code};

/// The router serving every model of `manager`, with request bodies capped at `max_body_bytes`.
pub fn router(manager: Arc<Manager>, max_body_bytes: usize) -> Router {
    Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(manager)
}

/// A parsed TF Serving URL.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    Status {
        model: String,
        selector: Selector,
    },
    Metadata {
        model: String,
        selector: Selector,
    },
    Predict {
        model: String,
        selector: Selector,
    },
    /// `:classify` / `:regress`: they need `tf.Example` parsing, which is not supported.
    Unsupported {
        verb: String,
    },
}

async fn handle(State(manager): State<Arc<Manager>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    // Only a caller of this process can attach one (`http::local`): nothing from the network.
    let read = parts.extensions.remove::<ReadList>();
    let (method, uri) = (parts.method.clone(), parts.uri.clone());
    let body = Bytes::from_request(Request::from_parts(parts, body), &()).await;
    match dispatch(&manager, &method, &uri, body, read).await {
        Ok(json) => respond(StatusCode::OK, json),
        Err(error) => error.into_response(),
    }
}

async fn dispatch(
    manager: &Arc<Manager>,
    method: &Method,
    uri: &Uri,
    body: Result<Bytes, BytesRejection>,
    read: Option<ReadList>,
) -> Result<String, ApiError> {
    match parse_route(method, uri.path())? {
        Route::Status { model, selector } => {
            let statuses = manager.status(&model, &selector)?;
            let list: Vec<_> = statuses
                .iter()
                .map(|s| {
                    let (code, message) = match &s.error {
                        Some(e) => ("UNKNOWN", e.as_str()),
                        None => ("OK", ""),
                    };
                    json!({
                        "version": s.version.to_string(),
                        "state": s.state.name(),
                        "status": {"error_code": code, "error_message": message},
                    })
                })
                .collect();
            Ok(json!({ "model_version_status": list }).to_string())
        }
        Route::Metadata { model, selector } => {
            let (version, servable) = manager.servable(&model, &selector)?;
            Ok(json!({
                "model_spec": {"name": model, "signature_name": "", "version": version.to_string()},
                "metadata": {"signature_def": servable.metadata()},
            })
            .to_string())
        }
        Route::Predict { model, selector } => {
            let body = body.map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(Code::PayloadTooLarge, "request body is over the size limit")
                } else {
                    ApiError::invalid(format!("failed to read the request body: {rejection}"))
                }
            })?;
            let mut request = rest::parse_predict_with(&body, read)?;
            let (_, servable) = manager.servable(&model, &selector)?;
            let signature = servable
                .signature(request.signature_name.as_deref())
                .map_err(predict_error)?;
            let inputs = request.decode(&signature.inputs)?;
            let format = request.format;
            let signature_name = request.signature_name;
            let outputs = super::predict(servable, signature_name, inputs)
                .await
                .map_err(|e| ApiError::new(Code::Internal, format!("prediction task failed: {e}")))?
                .map_err(predict_error)?;
            rest::encode(format, &outputs)
        }
        Route::Unsupported { verb } => Err(ApiError::new(
            Code::Unimplemented,
            format!("{verb} is not supported by the builtin model server"),
        )),
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(predict_error)`
fn predict_error(e: PredictError) -> ApiError {
    match e {
        PredictError::UnknownSignature(_) | PredictError::InvalidInput(_) => {
            ApiError::invalid(e.to_string())
        }
        PredictError::Unservable { .. } => ApiError::new(Code::FailedPrecondition, e.to_string()),
        PredictError::Run(_) => ApiError::new(Code::Internal, e.to_string()),
    }
}

fn respond(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = if status.is_server_error() && self.code == Code::Internal {
            tracing::error!(error = %self.message, "request failed");
            "internal error".to_owned()
        } else {
            self.message
        };
        respond(status, json!({ "error": message }).to_string())
    }
}

fn malformed(method: &Method, path: &str) -> ApiError {
    ApiError::invalid(format!("Malformed request: {method} {path}"))
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// TF Serving's URL grammar (`http_rest_api_util.cc`), matched case-insensitively.
fn parse_route(method: &Method, path: &str) -> Result<Route, ApiError> {
    if strip_prefix_ci(path, "/v1/").is_none() {
        return Err(ApiError::not_found(format!("Not found: {path}")));
    }
    let bad = || malformed(method, path);
    let rest = strip_prefix_ci(path, "/v1/models").ok_or_else(bad)?;
    match *method {
        Method::POST => {
            let rest = rest.strip_prefix('/').ok_or_else(bad)?;
            let (target, verb) = rest.rsplit_once(':').ok_or_else(bad)?;
            let mut segments = target.split('/').peekable();
            let model = model_name(segments.next()).ok_or_else(bad)?;
            let selector = selector(&mut segments, method, path)?;
            if segments.next().is_some() {
                return Err(bad());
            }
            match verb.to_ascii_lowercase().as_str() {
                "predict" => Ok(Route::Predict { model, selector }),
                "classify" | "regress" => Ok(Route::Unsupported {
                    verb: verb.to_ascii_lowercase(),
                }),
                _ => Err(bad()),
            }
        }
        Method::GET => {
            if rest.is_empty() || rest == "/" {
                return Err(ApiError::invalid("Missing model name in request."));
            }
            let rest = rest.strip_prefix('/').ok_or_else(bad)?;
            let mut segments = rest.split('/').peekable();
            let model = model_name(segments.next()).ok_or_else(bad)?;
            let selector = selector(&mut segments, method, path)?;
            match segments.next() {
                None => Ok(Route::Status { model, selector }),
                Some(s) if s.eq_ignore_ascii_case("metadata") && segments.next().is_none() => {
                    Ok(Route::Metadata { model, selector })
                }
                Some(_) => Err(bad()),
            }
        }
        _ => Err(bad()),
    }
}

/// Reads an optional `versions/N` or `labels/L` pair. A trailing `metadata` is left in place.
fn selector<'a>(
    segments: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>,
    method: &Method,
    path: &str,
) -> Result<Selector, ApiError> {
    let bad = || malformed(method, path);
    let Some(&keyword) = segments.peek() else {
        return Ok(Selector::Latest);
    };
    if keyword.eq_ignore_ascii_case("versions") {
        segments.next();
        let v = segments
            .next()
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
        let v = v.ok_or_else(bad)?;
        let version = v
            .parse::<i64>()
            .map_err(|_| ApiError::invalid(format!("Failed to convert version: {v}")))?;
        Ok(Selector::Version(version))
    } else if keyword.eq_ignore_ascii_case("labels") {
        segments.next();
        let label = model_name(segments.next()).ok_or_else(bad)?;
        Ok(Selector::Label(label))
    } else {
        Ok(Selector::Latest)
    }
}

/// A `[^/:]+` path segment, URL-decoded.
fn model_name(segment: Option<&str>) -> Option<String> {
    let segment = segment.filter(|s| !s.is_empty() && !s.contains(':'))?;
    percent_decode(segment)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &Method, path: &str) -> Result<Route, String> {
        parse_route(method, path).map_err(|e| e.message)
    }

    fn m(name: &str) -> String {
        name.to_owned()
    }

    #[test]
    fn urls_follow_tf_serving_grammar() {
        use Selector::{Label, Latest, Version};
        let ok = [
            (
                Method::POST,
                "/v1/models/mnist:predict",
                Route::Predict {
                    model: m("mnist"),
                    selector: Latest,
                },
            ),
            (
                Method::POST,
                "/V1/Models/mnist/versions/3:PREDICT",
                Route::Predict {
                    model: m("mnist"),
                    selector: Version(3),
                },
            ),
            (
                Method::POST,
                "/v1/models/a%20b/labels/stable:predict",
                Route::Predict {
                    model: m("a b"),
                    selector: Label(m("stable")),
                },
            ),
            (
                Method::GET,
                "/v1/models/mnist",
                Route::Status {
                    model: m("mnist"),
                    selector: Latest,
                },
            ),
            (
                Method::GET,
                "/v1/models/mnist/versions/2",
                Route::Status {
                    model: m("mnist"),
                    selector: Version(2),
                },
            ),
            (
                Method::GET,
                "/v1/models/mnist/metadata",
                Route::Metadata {
                    model: m("mnist"),
                    selector: Latest,
                },
            ),
            (
                Method::GET,
                "/v1/models/mnist/labels/x/metadata",
                Route::Metadata {
                    model: m("mnist"),
                    selector: Label(m("x")),
                },
            ),
            (
                Method::POST,
                "/v1/models/mnist:classify",
                Route::Unsupported {
                    verb: m("classify"),
                },
            ),
        ];
        for (method, path, expected) in ok {
            assert_eq!(route(&method, path), Ok(expected), "{path}");
        }
    }

    #[test]
    fn urls_outside_the_grammar_are_malformed() {
        for (method, path) in [
            (Method::POST, "/v1/models/foo/metadata"),
            (Method::GET, "/v1/models/foo:predict"),
            (Method::GET, "/v1/models/foo/versions/HELLO"),
            (Method::POST, "/v1/models/foo/version/50:regress"),
            (Method::PUT, "/v1/models/foo"),
        ] {
            assert_eq!(
                route(&method, path),
                Err(format!("Malformed request: {method} {path}"))
            );
        }
        assert_eq!(
            route(&Method::GET, "/v1/models"),
            Err(m("Missing model name in request."))
        );
        assert_eq!(
            route(&Method::GET, "/v1/models/foo/versions/99999999999999999999"),
            Err(m("Failed to convert version: 99999999999999999999"))
        );
        assert_eq!(
            route(&Method::GET, "/healthz"),
            Err(m("Not found: /healthz"))
        );
    }
}
