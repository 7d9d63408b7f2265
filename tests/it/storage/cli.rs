//! The `component storage-initializer` role through the binary: upstream arguments,
//! credentials from the environment, nothing secret on stdout or stderr.

use std::fs;
use std::process::Output;

use super::{AK, CANARY, SK, s3_server, tree};
use crate::common::seldon_local;

/// Runs the binary with exactly `vars` as its environment (plus `NO_COLOR`).
async fn run(args: Vec<String>, vars: Vec<(String, String)>) -> Output {
    let mut command = seldon_local();
    command
        .env_clear()
        .env("NO_COLOR", "1")
        .envs(vars)
        .args(args);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn the_role_fetches_from_s3_with_env_credentials_and_reports_on_stderr() {
    let (_root, server) = s3_server().await;
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("mnt/models");
    let args = vec![
        "component".into(),
        "storage-initializer".into(),
        "s3://models/iris".into(),
        dest.display().to_string(),
    ];
    let vars = owned(&[
        ("AWS_ACCESS_KEY_ID", AK),
        ("AWS_SECRET_ACCESS_KEY", SK),
        ("AWS_ENDPOINT_URL", &server.url()),
    ]);
    let output = run(args, vars).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "", "stdout is for data only");
    assert!(
        stderr.contains("fetched 2 file(s), 68.36 KiB, from `s3://models/iris`"),
        "{stderr}"
    );
    assert_eq!(tree(&dest), ["meta", "meta/settings.json", "model.joblib"]);
}

#[tokio::test]
async fn a_canary_secret_in_the_environment_appears_in_no_output() {
    let (_root, server) = s3_server().await;
    let endpoint = server.url();
    let tmp = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<(String, String)>)> = vec![
        (
            "s3://models/iris",
            owned(&[
                ("AWS_ACCESS_KEY_ID", AK),
                ("AWS_SECRET_ACCESS_KEY", CANARY),
                ("AWS_SESSION_TOKEN", CANARY),
                ("AWS_ENDPOINT_URL", &endpoint),
            ]),
        ),
        (
            "minio:models/iris",
            owned(&[
                ("RCLONE_CONFIG_MINIO_TYPE", "s3"),
                ("RCLONE_CONFIG_MINIO_ACCESS_KEY_ID", AK),
                ("RCLONE_CONFIG_MINIO_SECRET_ACCESS_KEY", CANARY),
                ("RCLONE_CONFIG_MINIO_ENDPOINT", &endpoint),
            ]),
        ),
    ];
    for (uri, vars) in cases {
        for verbosity in ["-v", "-q"] {
            let dest = tmp.path().join("models");
            let args = vec![
                verbosity.into(),
                "component".into(),
                "storage-initializer".into(),
                uri.into(),
                dest.display().to_string(),
            ];
            let output = run(args, vars.clone()).await;
            let (stdout, stderr) = text(&output);
            assert_eq!(output.status.code(), Some(2), "{stderr}");
            assert!(stderr.contains("access denied to `"), "{stderr}");
            assert!(
                !stdout.contains(CANARY) && !stderr.contains(CANARY),
                "{uri}: {stderr}"
            );
            assert_eq!(tree(tmp.path()), Vec::<String>::new(), "nothing written");
        }
    }
}

#[tokio::test]
async fn a_killed_run_leaves_no_model_in_dest_and_the_next_run_cleans_up() {
    let model = super::data(400_000, 11);
    let http = super::servers::http_files(&[("big.bin", model.clone())]).await;
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("models");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_seldon-local"))
        .env_clear()
        .args(["-q", "component", "storage-initializer"])
        .arg(format!("{}/stall/big.bin", http.server.url()))
        .arg(&dest)
        .spawn()
        .unwrap();

    // Wait (with a deadline) until half the file sits in the hidden staging directory.
    let staged = |root: &std::path::Path| {
        tree(root).into_iter().any(|p| {
            p.starts_with(".models.seldon-local-partial-")
                && p.ends_with("/big.bin")
                && fs::metadata(root.join(&p)).is_ok_and(|m| m.len() == 200_000)
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    while !staged(tmp.path()) {
        assert!(
            std::time::Instant::now() < deadline,
            "no partial download: {:?}",
            tree(tmp.path())
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(
        !dest.exists(),
        "a killed run leaves no DEST that looks like a model"
    );
    let left: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        matches!(left.as_slice(), [only] if only.starts_with(".models.seldon-local-partial-")),
        "{left:?}"
    );

    let args = vec![
        "component".into(),
        "storage-initializer".into(),
        format!("{}/files/big.bin", http.server.url()),
        dest.display().to_string(),
    ];
    let output = run(args, vec![]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    assert_eq!(
        tree(tmp.path()),
        ["models", "models/big.bin"],
        "stale staging removed"
    );
    assert_eq!(fs::read(dest.join("big.bin")).unwrap(), model);
}

#[tokio::test]
async fn render_shows_no_canary_from_the_environment() {
    let example = crate::common::root().join("examples/tfserving-mnist/sdep.yaml");
    let vars = owned(&[
        ("AWS_SECRET_ACCESS_KEY", CANARY),
        ("AZ_CLIENT_SECRET", CANARY),
        ("RCLONE_CONFIG_S3_SECRET_ACCESS_KEY", CANARY),
    ]);
    for show in ["objects", "plan"] {
        let args = [
            "render",
            "-o",
            "yaml",
            "--show",
            show,
            &example.display().to_string(),
        ]
        .map(str::to_owned)
        .to_vec();
        let output = run(args, vars.clone()).await;
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(
            stdout.contains("model-initializer"),
            "the init container is rendered"
        );
        assert!(!stdout.contains(CANARY) && !stderr.contains(CANARY));
    }
}

#[tokio::test]
async fn pvc_claims_are_mapped_with_a_flag_and_unknown_schemes_are_listed() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir_all(tmp.path().join("claim/iris")).unwrap();
    fs::write(tmp.path().join("claim/iris/model.joblib"), "w").unwrap();
    let dest = tmp.path().join("dest").display().to_string();
    let pvc = format!("models={}", tmp.path().join("claim").display());
    let args = [
        "component",
        "storage-initializer",
        "--pvc",
        &pvc,
        "pvc://models/iris",
        &dest,
    ];
    let output = run(args.iter().map(|a| (*a).to_owned()).collect(), vec![]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
    assert_eq!(tree(&tmp.path().join("dest")), ["model.joblib"]);

    let args = ["component", "storage-initializer", "ftp://host/m", &dest];
    let output = run(args.iter().map(|a| (*a).to_owned()).collect(), vec![]).await;
    let (_, stderr) = text(&output);
    assert_ne!(output.status.code(), Some(0));
    assert!(stderr.contains("unsupported scheme `ftp`"), "{stderr}");
    assert!(stderr.contains("known forms: `gs://`, `s3://`"), "{stderr}");
}

/// The lines meant for people: not blank, not progress lines (`up` reads those).
fn said(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            !l.is_empty() && seldon_local::components::storage::Snapshot::parse(l).is_none()
        })
        .collect()
}

fn fetch_args(uri: &str, dest: &std::path::Path) -> Vec<String> {
    vec![
        "component".into(),
        "storage-initializer".into(),
        uri.into(),
        dest.display().to_string(),
    ]
}

/// seldon-local's image holds no CA bundle; a host may have none either. Mozilla's roots are
/// compiled in, so building the client never fails for want of a system store (it did, and
/// every fetch failed on Docker, plain http included: "No CA certificates were loaded").
#[tokio::test]
async fn a_fetch_works_where_the_system_has_no_ca_certificates() {
    let http = super::servers::http_files(&[("model.bin", b"weights".to_vec())]).await;
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.pem");
    fs::write(&empty, "").unwrap();
    let no_store = tmp.path().join("no-certs");
    fs::create_dir(&no_store).unwrap();
    let dest = tmp.path().join("models");
    let url = format!("{}/files/model.bin", http.server.url());
    let vars = vec![
        ("SSL_CERT_FILE".to_owned(), empty.display().to_string()),
        ("SSL_CERT_DIR".to_owned(), no_store.display().to_string()),
    ];
    let output = run(fetch_args(&url, &dest), vars.clone()).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(fs::read(dest.join("model.bin")).unwrap(), b"weights");

    // The object-store clients (s3, gs, azure) are built the same way.
    let (_root, s3) = s3_server().await;
    let mut s3_vars = vars.clone();
    s3_vars.extend(owned(&[
        ("AWS_ACCESS_KEY_ID", AK),
        ("AWS_SECRET_ACCESS_KEY", SK),
        ("AWS_ENDPOINT_URL", &s3.url()),
    ]));
    let dest = tmp.path().join("s3");
    let output = run(fetch_args("s3://models/iris", &dest), s3_vars).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(tree(&dest), ["meta", "meta/settings.json", "model.joblib"]);

    let gcs = super::servers::gcs(&super::gcs_objects(), 4).await;
    let mut gcs_vars = vars;
    gcs_vars.extend(owned(&[(
        "STORAGE_EMULATOR_HOST",
        &gcs.server.addr.to_string(),
    )]));
    let dest = tmp.path().join("gs");
    let output = run(
        fetch_args("gs://seldon-models/sklearn/iris", &dest),
        gcs_vars,
    )
    .await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(dest.join("model.joblib").is_file(), "{stderr}");
}

/// A server with a private CA is refused in one line naming TLS, with a hint naming
/// `SSL_CERT_FILE`; with the CA's PEM in `SSL_CERT_FILE` the fetch works.
#[tokio::test]
async fn a_private_ca_is_trusted_through_ssl_cert_file() {
    let (https, ca_pem) = super::servers::https_files(&[("model.bin", b"weights".to_vec())]).await;
    let url = format!("https://{}/files/model.bin", https.server.addr);
    let tmp = tempfile::tempdir().unwrap();

    let output = run(fetch_args(&url, &tmp.path().join("a")), vec![]).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let lines = said(&stderr);
    assert_eq!(lines.len(), 2, "one error line and one hint: {stderr}");
    assert!(
        lines[0].starts_with(&format!(
            "error: cannot fetch `{url}`: TLS handshake with `"
        )),
        "{stderr}"
    );
    assert!(lines[0].contains("not trusted"), "{stderr}");
    assert!(
        lines[1].starts_with("hint: ") && lines[1].contains("SSL_CERT_FILE"),
        "{stderr}"
    );

    let ca = tmp.path().join("ca.pem");
    fs::write(&ca, ca_pem).unwrap();
    let dest = tmp.path().join("b");
    let vars = vec![("SSL_CERT_FILE".to_owned(), ca.display().to_string())];
    let output = run(fetch_args(&url, &dest), vars).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(fs::read(dest.join("model.bin")).unwrap(), b"weights");
}

/// Each failure is one line naming its cause, then one hint that fits it: the local-path
/// hint for an unreachable server, the credentials only for 401/403.
#[tokio::test]
async fn failures_are_one_line_with_their_cause_and_a_fitting_hint() {
    let http = super::servers::http_files(&[]).await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            format!("http://{closed}/m.tar.gz"),
            format!("connection to `{closed}` refused"),
            "modelUri: file://",
        ),
        (
            format!("{}/status/404/m.bin", http.server.url()),
            "not found (HTTP 404)".to_owned(),
            "check the bucket and path",
        ),
        (
            format!("{}/status/403/m.bin", http.server.url()),
            "access denied to".to_owned(),
            "credentials",
        ),
    ];
    for (i, (url, cause, hint)) in cases.iter().enumerate() {
        let output = run(fetch_args(url, &tmp.path().join(i.to_string())), vec![]).await;
        let (_, stderr) = text(&output);
        let lines: Vec<&str> = said(&stderr)
            .into_iter()
            .filter(|l| !l.starts_with("warning: retrying"))
            .collect();
        assert_eq!(lines.len(), 2, "{stderr}");
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains(cause.as_str()),
            "{stderr}"
        );
        assert!(
            lines[1].starts_with("hint: ") && lines[1].contains(hint),
            "{stderr}"
        );
        let credentials = lines[1].contains("credentials");
        assert_eq!(credentials, url.contains("/403/"), "{stderr}");
    }
}

/// In a container's log (no terminal) the role prints progress lines every half second and
/// a last one at the end, which `up` on Docker draws as a bar; `--quiet` prints none.
#[tokio::test]
async fn without_a_terminal_the_role_prints_progress_lines_up_can_read() {
    let model = vec![7u8; 300_000];
    let http = super::servers::http_files(&[("model.bin", model)]).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("{}/files/model.bin", http.server.url());
    let output = run(fetch_args(&url, &tmp.path().join("a")), vec![]).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let snapshots: Vec<seldon_local::components::storage::Snapshot> = stderr
        .lines()
        .filter_map(seldon_local::components::storage::Snapshot::parse)
        .collect();
    let last = snapshots
        .last()
        .unwrap_or_else(|| panic!("no progress line: {stderr}"));
    assert_eq!(
        (last.bytes, last.files_done, last.files),
        (300_000, 1, Some(1)),
        "{stderr}"
    );
    assert!(snapshots.len() >= 2, "the plan and the end: {stderr}");

    let mut quiet = fetch_args(&url, &tmp.path().join("b"));
    quiet.insert(0, "-q".to_owned());
    let output = run(quiet, vec![]).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("progress: "), "{stderr}");
}
