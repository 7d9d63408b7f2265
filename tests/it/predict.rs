//! `predict` against a small HTTP server on 127.0.0.1 that records what it receives.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::common::seldon_local;

/// (path, body) of every request received.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// Answers every request with `status` and `body`; returns its URL and the bodies received.
fn serve(status: u16, body: &'static str) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let record = Arc::clone(&record);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                        return; // the client closed the keep-alive connection
                    }
                    let mut length = 0;
                    loop {
                        let mut header = String::new();
                        reader.read_line(&mut header).unwrap();
                        if header == "\r\n" {
                            break;
                        }
                        if let Some(value) =
                            header.to_ascii_lowercase().strip_prefix("content-length:")
                        {
                            length = value.trim().parse().unwrap();
                        }
                    }
                    let mut request_body = vec![0; length];
                    reader.read_exact(&mut request_body).unwrap();
                    let path = request_line
                        .split(' ')
                        .nth(1)
                        .unwrap_or_default()
                        .to_owned();
                    record
                        .lock()
                        .unwrap()
                        .push((path, String::from_utf8(request_body).unwrap()));
                    let response = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if writer.write_all(response.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

#[test]
fn predict_sends_a_seldon_message_and_prints_the_answer() {
    let (url, seen) = serve(
        200,
        r#"{"data":{"names":["t:0"],"ndarray":[[0.9]]},"meta":{}}"#,
    );
    let output = seldon_local()
        .args([
            "predict",
            "--endpoint",
            &url,
            "--ndarray",
            "[[1.0, 2.0]]",
            "--names",
            "a,b",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "{\"data\":{\"names\":[\"t:0\"],\"ndarray\":[[0.9]]},\"meta\":{}}\n"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0, "/api/v1.0/predictions");
    assert_eq!(
        seen[0].1,
        r#"{"data":{"names":["a","b"],"ndarray":[[1.0,2.0]]}}"#
    );
}

#[test]
fn a_unit_is_called_on_its_own_path_and_tensorflow_gets_instances() {
    let (url, seen) = serve(200, r#"{"predictions":[[1]]}"#);
    let output = seldon_local()
        .args([
            "predict",
            "--endpoint",
            &url,
            "--protocol",
            "tensorflow",
            "--unit",
            "mnist",
        ])
        .args(["--tensor", r#"{"shape":[1,2],"values":[3,4]}"#])
        .output()
        .unwrap();
    assert!(output.status.success());
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0],
        (
            "/v1/models/mnist:predict".to_owned(),
            r#"{"instances":[[3,4]]}"#.to_owned()
        )
    );
}

#[test]
fn a_non_2xx_answer_is_shown_and_exits_1() {
    let (url, _) = serve(
        500,
        r#"{"status":{"code":500,"info":"boom","status":"FAILURE"}}"#,
    );
    let output = seldon_local()
        .args(["predict", "--endpoint", &url, "--json", "{}"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8(output.stdout).unwrap().contains("boom"));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("answered 500"), "{stderr}");
}

#[test]
fn nothing_listening_is_an_error_with_a_hint() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let output = seldon_local()
        .args(["predict", "--endpoint", &url, "--json", "{}"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("hint: is the deployment up?"), "{stderr}");
}

#[test]
fn load_mode_reports_every_request_and_the_latency() {
    let (url, seen) = serve(200, r#"{"data":{"ndarray":[[1]]}}"#);
    let output = seldon_local()
        .args([
            "predict",
            "--endpoint",
            &url,
            "--ndarray",
            "[[1]]",
            "--repeat",
            "200",
            "--concurrency",
            "4",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("requests: 200 sent, 200 succeeded, 0 failed"),
        "{stdout}"
    );
    assert!(stdout.contains("latency: p50 "), "{stdout}");
    assert_eq!(seen.lock().unwrap().len(), 200);
}

#[test]
fn bad_input_is_refused_before_sending() {
    let output = seldon_local()
        .args([
            "predict",
            "--endpoint",
            "http://127.0.0.1:1",
            "--tensor",
            r#"{"shape":[2],"values":[1]}"#,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("`--tensor` shape [2] needs 2 values, got 1"),
        "{stderr}"
    );
}

#[test]
fn feedback_and_metadata_go_to_their_paths() {
    let (url, seen) = serve(200, r#"{"meta":{}}"#);
    let output = seldon_local()
        .args([
            "feedback",
            "--endpoint",
            &url,
            "--json",
            r#"{"reward":1.0}"#,
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = seldon_local()
        .args([
            "metadata",
            "--endpoint",
            &url,
            "--protocol",
            "v2",
            "--model",
            "m",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0],
        (
            "/api/v1.0/feedback".to_owned(),
            r#"{"reward":1.0}"#.to_owned()
        )
    );
    assert_eq!(seen[1], ("/v2/models/m".to_owned(), String::new()));
}

#[test]
fn load_mode_shows_a_sample_error_body_and_a_readable_rate() {
    let (url, _) = serve(400, r#"{"status":{"info":"expected 784 features"}}"#);
    let output = seldon_local()
        .args([
            "predict",
            "--endpoint",
            &url,
            "--ndarray",
            "[[1]]",
            "--repeat",
            "20",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("errors: 400: 20"), "{stdout}");
    assert!(
        stdout.contains("first error: 400: {\"status\":{\"info\":\"expected 784 features\"}}"),
        "{stdout}"
    );
    let rate = stdout
        .lines()
        .find_map(|l| l.strip_prefix("throughput: "))
        .unwrap();
    let (number, unit) = rate.split_once('/').unwrap();
    assert_eq!(unit, "s", "{rate}");
    let decimals = number.split_once('.').unwrap().1;
    assert_eq!(decimals.len(), 1, "{rate}");
}
