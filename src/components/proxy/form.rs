//! The request shapes the Python wrapper accepts besides a JSON body (`get_request` in
//! `seldon_core/flask_utils.py`): a `json` field of an `application/x-www-form-urlencoded` body
//! or of the query string, and `multipart/form-data`, whose fields are the message's own keys
//! (`strData` as text, every other field as JSON; a `binData` file base64-encoded, any other
//! file as UTF-8 text).
//!
//! Each shape becomes the JSON bytes of the message, so the proxy parses one thing.

use axum::extract::Request;
use axum::http::header;
use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value};

use super::{State, UnitError, body_error};
use crate::http;

/// Reads a unit request's message as JSON bytes, whatever shape the client sent it in.
pub(super) async fn read(state: &State, request: Request) -> Result<Bytes, UnitError> {
    let (parts, body) = request.into_parts();
    let bytes = http::read_body(body, state.config.body_limit)
        .await
        .map_err(|e| body_error(&e))?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    message_bytes(content_type, parts.uri.query(), bytes)
}

/// The message's JSON bytes from a body, its content type and the query string.
pub(crate) fn message_bytes(
    content_type: Option<&str>,
    query: Option<&str>,
    body: Bytes,
) -> Result<Bytes, UnitError> {
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    match mime.as_deref() {
        Some("multipart/form-data") => {
            let boundary = content_type
                .and_then(boundary)
                .ok_or_else(|| UnitError::bad_data("multipart body without a boundary"))?;
            let message = multipart_message(&body, &boundary).map_err(UnitError::bad_data)?;
            let json =
                serde_json::to_vec(&Value::Object(message)).expect("a JSON map always serialises");
            return Ok(Bytes::from(json));
        }
        Some("application/x-www-form-urlencoded") => {
            if let Some(json) = json_field(&body) {
                return Ok(json);
            }
        }
        _ => {}
    }
    if let Some(json) = query.and_then(|q| json_field(q.as_bytes())) {
        return Ok(json);
    }
    Ok(body)
}

/// The first non-empty `json` field of a urlencoded string.
fn json_field(encoded: &[u8]) -> Option<Bytes> {
    url::form_urlencoded::parse(encoded)
        .find(|(key, value)| key == "json" && !value.is_empty())
        .map(|(_, value)| Bytes::from(value.into_owned()))
}

/// The `boundary` parameter of a multipart content type.
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

/// One part of a multipart body.
#[derive(Debug, PartialEq)]
struct Part<'a> {
    name: String,
    file: bool,
    content: &'a [u8],
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Splits a multipart body into its named parts (RFC 7578).
fn parts<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let mut at = find(body, delimiter.as_bytes(), 0)
        .ok_or("multipart body without its boundary")?
        + delimiter.len();
    let mut out = Vec::new();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Ok(out);
        }
        // Skip transport padding and the line break after the delimiter.
        at = find(body, b"\r\n", at).ok_or("multipart body ends inside a delimiter line")? + 2;
        let (headers, content_start) = if body.get(at..at + 2) == Some(b"\r\n") {
            (String::new().into(), at + 2)
        } else {
            let end = find(body, b"\r\n\r\n", at)
                .ok_or("multipart part without the end of its headers")?;
            (String::from_utf8_lossy(&body[at..end]), end + 4)
        };
        let content_end = find(body, next_delimiter.as_bytes(), content_start)
            .ok_or("multipart body without its closing boundary")?;
        let (name, file) = disposition(&headers).ok_or("multipart part without a field name")?;
        out.push(Part {
            name,
            file,
            content: &body[content_start..content_end],
        });
        at = content_end + next_delimiter.len();
    }
}

/// The field name of a part's `Content-Disposition`, and whether it is a file.
fn disposition(headers: &str) -> Option<(String, bool)> {
    let line = headers.split("\r\n").find(|line| {
        line.split_once(':')
            .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("content-disposition"))
    })?;
    let (_, value) = line.split_once(':')?;
    let mut name = None;
    let mut file = false;
    for param in value.split(';').skip(1) {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(value),
            "filename" => file = true,
            _ => {}
        }
    }
    Some((name?, file))
}

/// The message a multipart body stands for, as the wrapper builds it.
fn multipart_message(body: &[u8], boundary: &str) -> Result<Map<String, Value>, String> {
    let mut message = Map::new();
    let parts = parts(body, boundary)?;
    // Fields first, then files, as the wrapper reads `request.form` before `request.files`.
    for part in parts.iter().filter(|p| !p.file) {
        let value = if part.name == "strData" {
            Value::String(String::from_utf8_lossy(part.content).into_owned())
        } else {
            serde_json::from_slice(part.content)
                .map_err(|e| format!("field `{}` is not JSON: {e}", part.name))?
        };
        message.insert(part.name.clone(), value);
    }
    for part in parts.iter().filter(|p| p.file) {
        let value = if part.name == "binData" {
            base64::engine::general_purpose::STANDARD.encode(part.content)
        } else {
            String::from_utf8(part.content.to_vec())
                .map_err(|_| format!("file `{}` is not UTF-8 text", part.name))?
        };
        message.insert(part.name.clone(), Value::String(value));
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(content_type: Option<&str>, query: Option<&str>, body: &[u8]) -> Value {
        let bytes = message_bytes(content_type, query, Bytes::copy_from_slice(body))
            .unwrap_or_else(|e| {
                panic!("{}", e.info);
            });
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn a_json_form_field_is_the_message() {
        let message = r#"{"data":{"ndarray":[[1,2]]}}"#;
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("json", message)
            .finish();
        assert_eq!(
            decode(
                Some("application/x-www-form-urlencoded"),
                None,
                body.as_bytes()
            ),
            serde_json::json!({"data": {"ndarray": [[1, 2]]}})
        );
        // The query string's `json` is used when the form has none; a JSON body otherwise.
        let query = format!("json={}", body.trim_start_matches("json="));
        assert_eq!(
            decode(None, Some(&query), b""),
            serde_json::json!({"data": {"ndarray": [[1, 2]]}})
        );
        assert_eq!(
            decode(Some("application/json"), Some("x=1"), message.as_bytes()),
            serde_json::json!({"data": {"ndarray": [[1, 2]]}})
        );
    }

    #[test]
    fn a_form_without_a_json_field_is_passed_on_as_is() {
        let bytes = message_bytes(
            Some("application/x-www-form-urlencoded"),
            None,
            Bytes::from_static(b"a=1"),
        )
        .unwrap();
        assert_eq!(&bytes[..], b"a=1");
    }

    #[test]
    fn multipart_fields_are_message_keys_and_files_are_text_or_base64() {
        let body = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n\
             {\"ndarray\":[[1,2]]}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"strData\"\r\n\r\n\
             not json\r\n--XyZ\r\nContent-Disposition: form-data; name=\"binData\"; filename=\"b.bin\"\r\n\
             Content-Type: application/octet-stream\r\n\r\nab\r\n--XyZ\r\n\
             Content-Disposition: form-data; name=\"meta\"\r\n\r\n{\"puid\":\"p\"}\r\n--XyZ--\r\n";
        assert_eq!(
            decode(
                Some("multipart/form-data; boundary=\"XyZ\""),
                None,
                body.as_bytes()
            ),
            serde_json::json!({"data": {"ndarray": [[1, 2]]}, "strData": "not json",
                               "binData": "YWI=", "meta": {"puid": "p"}})
        );
    }

    #[test]
    fn broken_multipart_bodies_are_bad_data() {
        for (content_type, body) in [
            ("multipart/form-data", "--a\r\n\r\n--a--"),
            ("multipart/form-data; boundary=a", "no boundary here"),
            (
                "multipart/form-data; boundary=a",
                "--a\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{oops\r\n--a--",
            ),
            (
                "multipart/form-data; boundary=a",
                "--a\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n[1]",
            ),
        ] {
            let error = message_bytes(Some(content_type), None, Bytes::from(body)).expect_err(body);
            assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST);
        }
    }
}
