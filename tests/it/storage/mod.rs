//! The storage initializer end to end: every scheme against a real server on 127.0.0.1,
//! hostile inputs, a planted canary secret and connections dropped mid-file.

mod cli;
mod servers;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use seldon_local::components::storage::{
    self, Config, Credentials, Event, RetryPolicy, Source, StorageError, Summary,
};

const CANARY: &str = "canary-secret-4e1f9b27";

/// Deterministic, incompressible-enough test data.
fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

fn config(vars: &[(&str, &str)]) -> Config {
    Config {
        credentials: Credentials::from_env_vars(vars.iter().copied()),
        retry: RetryPolicy {
            attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            idle_timeout: Duration::from_secs(10),
        },
        ..Config::default()
    }
}

struct Fetched {
    result: Result<Summary, StorageError>,
    events: Vec<Event>,
}

async fn fetch(uri: &str, dest: &Path, config: &Config) -> Fetched {
    let mut events = Vec::new();
    let result = match Source::parse(uri) {
        Ok(source) => storage::fetch(&source, dest, config, |e| events.push(e)).await,
        Err(e) => Err(e),
    };
    Fetched { result, events }
}

/// The error, its sources and its `Debug`, everything a user or a log could see.
fn everything_shown(err: &StorageError) -> String {
    let mut text = format!("{err:?}\n");
    let mut current: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = current {
        text.push_str(&e.to_string());
        text.push('\n');
        current = e.source();
    }
    text
}

/// Every path under `root`, relative and sorted (symlinks not followed).
fn tree(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(root).unwrap().display().to_string());
            if path.is_dir() && !path.is_symlink() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

fn bytes_received(events: &[Event]) -> u64 {
    events
        .iter()
        .map(|e| match e {
            Event::Bytes { bytes } => *bytes,
            _ => 0,
        })
        .sum::<u64>()
        - events
            .iter()
            .map(|e| match e {
                Event::Discarded { bytes } => *bytes,
                _ => 0,
            })
            .sum::<u64>()
}

fn retries(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::Retrying { .. }))
        .count()
}

// ---------------------------------------------------------------- http

#[tokio::test]
async fn http_file_is_downloaded_checked_and_reported() {
    let model = data(100_000, 1);
    let http = servers::http_files(&[("model.joblib", model.clone())]).await;
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("mnt/models");

    let url = format!("{}/files/model.joblib", http.server.url());
    let fetched = fetch(&url, &dest, &config(&[])).await;

    let summary = fetched.result.unwrap();
    assert_eq!((summary.files, summary.bytes), (1, 100_000));
    assert_eq!(fs::read(dest.join("model.joblib")).unwrap(), model);
    assert_eq!(
        tree(tmp.path()),
        ["mnt", "mnt/models", "mnt/models/model.joblib"]
    );
    assert_eq!(
        fetched.events.first(),
        Some(&Event::Planned {
            files: 1,
            bytes: None
        })
    );
    // The response's length makes the total known, so `up` can show an ETA.
    assert_eq!(
        fetched.events.get(1),
        Some(&Event::Planned {
            files: 1,
            bytes: Some(100_000)
        })
    );
    assert_eq!(bytes_received(&fetched.events), 100_000);
    assert!(fetched.events.contains(&Event::FileDone {
        name: "model.joblib".into()
    }));
}

fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, body) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, name, *body).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(body).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A tar whose second entry is written header by header, so hostile names survive.
fn tar_slip(name: &str) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut ok = tar::Header::new_gnu();
    ok.set_size(2);
    ok.set_mode(0o644);
    builder.append_data(&mut ok, "ok.txt", &b"ok"[..]).unwrap();
    let mut header = tar::Header::new_old();
    header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    header.set_size(4);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    builder.append(&header, &b"evil"[..]).unwrap();
    builder.into_inner().unwrap()
}

#[tokio::test]
async fn http_archives_are_unpacked_into_dest() {
    let tgz = tar_gz(&[
        ("./1/saved_model.pb", b"graph"),
        ("./1/variables/v.index", b"idx"),
    ]);
    let zipped = zip(&[("model/model.joblib", b"joblib")]);
    let http =
        servers::http_files(&[("m.tar.gz", tgz.clone()), ("m.tgz", tgz), ("m.zip", zipped)]).await;
    for name in ["m.tar.gz", "m.tgz"] {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("models");
        let url = format!("{}/files/{name}", http.server.url());
        let summary = fetch(&url, &dest, &config(&[])).await.result.unwrap();
        assert_eq!((summary.files, summary.bytes), (2, 8));
        assert_eq!(
            tree(&dest),
            [
                "1",
                "1/saved_model.pb",
                "1/variables",
                "1/variables/v.index"
            ]
        );
        assert_eq!(
            tree(tmp.path()).len(),
            5,
            "no archive or staging left: {:?}",
            tree(tmp.path())
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("{}/files/m.zip", http.server.url());
    fetch(&url, tmp.path(), &config(&[])).await.result.unwrap();
    assert_eq!(
        fs::read(tmp.path().join("model/model.joblib")).unwrap(),
        b"joblib"
    );
    assert_eq!(tree(tmp.path()), ["model", "model/model.joblib"]);
}

#[tokio::test]
async fn http_tar_slip_and_zip_slip_archives_are_rejected_with_the_entry_name() {
    let http = servers::http_files(&[
        ("slip.tar", tar_slip("../../evil.txt")),
        ("abs.tar", tar_slip("/tmp/evil-seldon-local.txt")),
        (
            "slip.zip",
            zip(&[("ok.txt", b"ok"), ("../evil.txt", b"evil")]),
        ),
    ])
    .await;
    for (name, entry) in [
        ("slip.tar", "../../evil.txt"),
        ("abs.tar", "/tmp/evil-seldon-local.txt"),
        ("slip.zip", "../evil.txt"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("a/b/models");
        let url = format!("{}/files/{name}", http.server.url());
        let err = fetch(&url, &dest, &config(&[])).await.result.unwrap_err();
        assert!(matches!(err, StorageError::UnsafeEntry { .. }), "{err:?}");
        assert!(err.to_string().contains(&format!("`{entry}`")), "{err}");
        assert_eq!(tree(tmp.path()), ["a", "a/b"], "{name}: nothing written");
    }
    assert!(!Path::new("/tmp/evil-seldon-local.txt").exists());
}

#[tokio::test]
async fn a_connection_dropped_mid_file_is_resumed_with_a_range_request() {
    let model = data(300_000, 2);
    let http = servers::http_files(&[("big.bin", model.clone())]).await;
    let tmp = tempfile::tempdir().unwrap();

    let url = format!("{}/flaky/big.bin", http.server.url());
    let fetched = fetch(&url, tmp.path(), &config(&[])).await;

    fetched.result.unwrap();
    assert_eq!(fs::read(tmp.path().join("big.bin")).unwrap(), model);
    assert_eq!(http.state.ranges("/flaky/big.bin"), [None, Some(150_000)]);
    assert_eq!(retries(&fetched.events), 1);
    assert_eq!(bytes_received(&fetched.events), 300_000);
}

#[tokio::test]
async fn a_stalled_connection_is_abandoned_after_the_idle_timeout_and_resumed() {
    let model = data(300_000, 9);
    let http = servers::http_files(&[("big.bin", model.clone())]).await;
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = config(&[]);
    cfg.retry.idle_timeout = Duration::from_millis(500);
    // Room for a spurious timeout on a loaded machine; the test is about the first stall.
    cfg.retry.attempts = 5;

    let url = format!("{}/stall/big.bin", http.server.url());
    let fetched = fetch(&url, tmp.path(), &cfg).await;

    fetched.result.unwrap();
    assert_eq!(fs::read(tmp.path().join("big.bin")).unwrap(), model);
    let ranges = http.state.ranges("/stall/big.bin");
    assert!(
        matches!(ranges.as_slice(), [None, Some(n), ..] if *n > 0 && *n <= 150_000),
        "the stalled first response was resumed: {ranges:?}"
    );
}

#[tokio::test]
async fn a_fetch_cancelled_mid_file_leaves_nothing_behind() {
    let http = servers::http_files(&[("big.bin", data(300_000, 10))]).await;
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("models");
    let url = format!("{}/stall/big.bin", http.server.url());
    let source = Source::parse(&url).unwrap();
    let cfg = config(&[]);
    let bytes_arrived = std::sync::Arc::new(tokio::sync::Notify::new());
    let notify = bytes_arrived.clone();
    let fetching = storage::fetch(&source, &dest, &cfg, |event| {
        if matches!(event, Event::Bytes { .. }) {
            notify.notify_one();
        }
    });
    tokio::select! {
        result = fetching => panic!("a stalled fetch finished: {result:?}"),
        () = bytes_arrived.notified() => {}
    }
    // The fetch future was dropped mid-file, as on Ctrl-C or a runtime shutdown.
    assert_eq!(tree(tmp.path()), Vec::<String>::new());
}

#[tokio::test]
async fn a_server_without_range_support_restarts_the_file() {
    let model = data(300_000, 3);
    let http = servers::http_files(&[("big.bin", model.clone())]).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("{}/no-range/big.bin", http.server.url());
    let fetched = fetch(&url, tmp.path(), &config(&[])).await;
    fetched.result.unwrap();
    assert_eq!(fs::read(tmp.path().join("big.bin")).unwrap(), model);
    assert!(
        fetched
            .events
            .contains(&Event::Discarded { bytes: 150_000 }),
        "{:?}",
        fetched.events
    );
    assert_eq!(bytes_received(&fetched.events), 300_000);
}

#[tokio::test]
async fn a_connection_dropped_every_time_fails_clearly_and_leaves_no_partial_model() {
    let http = servers::http_files(&[("big.bin", data(300_000, 4))]).await;
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("previous.txt"), "kept").unwrap();

    let url = format!("{}/broken/big.bin", http.server.url());
    let fetched = fetch(&url, tmp.path(), &config(&[])).await;

    let err = fetched.result.unwrap_err();
    assert!(
        matches!(err, StorageError::Download { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("failed to download `http://127.0.0.1:"),
        "{err}"
    );
    assert_eq!(retries(&fetched.events), 2);
    assert_eq!(
        tree(tmp.path()),
        ["previous.txt"],
        "no partial file or staging directory"
    );
}

#[tokio::test]
async fn a_file_longer_than_announced_fails_the_size_check() {
    let http = servers::http_files(&[("m.bin", data(10_000, 15))]).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("{}/grows/m.bin", http.server.url());
    let err = fetch(&url, &tmp.path().join("models"), &config(&[]))
        .await
        .result
        .unwrap_err();
    assert!(
        matches!(
            err,
            StorageError::SizeMismatch {
                expected: 10_000,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(tree(tmp.path()), Vec::<String>::new());
}

#[tokio::test]
async fn a_checksum_mismatch_fails_and_writes_nothing() {
    let http = servers::http_files(&[("m.bin", data(1000, 5))]).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("{}/bad-md5/m.bin", http.server.url());
    let err = fetch(&url, &tmp.path().join("models"), &config(&[]))
        .await
        .result
        .unwrap_err();
    assert!(
        matches!(err, StorageError::ChecksumMismatch { .. }),
        "{err:?}"
    );
    assert_eq!(tree(tmp.path()), Vec::<String>::new());
}

#[tokio::test]
async fn http_statuses_become_not_found_and_access_denied_without_leaking_signed_urls() {
    let http = servers::http_files(&[]).await;
    let tmp = tempfile::tempdir().unwrap();
    let base = http.server.url();

    let err = fetch(
        &format!("{base}/status/404/m.bin"),
        tmp.path(),
        &config(&[]),
    )
    .await;
    let err = err.result.unwrap_err();
    assert!(matches!(err, StorageError::NotFound { .. }), "{err:?}");

    let url = format!("{base}/status/403/m.bin?X-Goog-Signature={CANARY}");
    let err = fetch(&url, tmp.path(), &config(&[]))
        .await
        .result
        .unwrap_err();
    assert!(matches!(err, StorageError::AccessDenied { .. }), "{err:?}");
    let shown = everything_shown(&err);
    assert!(shown.contains("/status/403/m.bin"), "{shown}");
    assert!(!shown.contains(CANARY), "{shown}");
    assert_eq!(tree(tmp.path()), Vec::<String>::new());
}

// ---------------------------------------------------------------- s3

const AK: &str = "seldon-local-test";
const SK: &str = "right-secret-0a2b";

fn seed(root: &Path, files: &[(&str, &[u8])]) {
    for (path, body) in files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, body).unwrap();
    }
}

async fn s3_server() -> (tempfile::TempDir, servers::Server) {
    let root = tempfile::tempdir().unwrap();
    seed(
        root.path(),
        &[
            ("models/iris/model.joblib", &data(70_000, 6)),
            ("models/iris/meta/settings.json", b"{}"),
            ("models/iris-v2/other.bin", b"not under iris/"),
            ("models/empty-dir/.keep-out-of-prefix", b""),
            ("other/x", b"x"),
        ],
    );
    let server = servers::s3(root.path(), AK, SK).await;
    (root, server)
}

#[tokio::test]
async fn s3_prefix_is_downloaded_with_env_credentials_and_a_custom_endpoint() {
    let (_root, server) = s3_server().await;
    let endpoint = server.url();
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("models");
    let cfg = config(&[
        ("AWS_ACCESS_KEY_ID", AK),
        ("AWS_SECRET_ACCESS_KEY", SK),
        ("AWS_ENDPOINT_URL", &endpoint),
    ]);
    let fetched = fetch("s3://models/iris", &dest, &cfg).await;
    let summary = fetched.result.unwrap();
    assert_eq!((summary.files, summary.bytes), (2, 70_002));
    assert_eq!(tree(&dest), ["meta", "meta/settings.json", "model.joblib"]);
    assert_eq!(
        fs::read(dest.join("model.joblib")).unwrap(),
        data(70_000, 6)
    );
    assert_eq!(
        fetched.events[0],
        Event::Planned {
            files: 2,
            bytes: Some(70_002)
        }
    );
}

#[tokio::test]
async fn s3_endpoint_host_with_s3_use_https_off_and_a_single_object_key() {
    let (_root, server) = s3_server().await;
    let host = server.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(&[
        ("AWS_ACCESS_KEY_ID", AK),
        ("AWS_SECRET_ACCESS_KEY", SK),
        ("S3_ENDPOINT", &host),
        ("S3_USE_HTTPS", "0"),
    ]);
    fetch("s3://models/iris/model.joblib", tmp.path(), &cfg)
        .await
        .result
        .unwrap();
    assert_eq!(tree(tmp.path()), ["model.joblib"]);
}

#[tokio::test]
async fn s3_over_tls_checks_certificates_unless_s3_verify_ssl_is_off() {
    let root = tempfile::tempdir().unwrap();
    seed(root.path(), &[("models/iris/model.joblib", b"weights")]);
    let server = servers::s3_tls(root.path(), AK, SK).await;
    let endpoint = format!("https://{}", server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let vars = [
        ("AWS_ACCESS_KEY_ID", AK),
        ("AWS_SECRET_ACCESS_KEY", SK),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
    ];

    let err = fetch("s3://models/iris", &tmp.path().join("a"), &config(&vars)).await;
    let err = err.result.unwrap_err();
    let shown = everything_shown(&err);
    assert!(shown.to_lowercase().contains("certificate"), "{shown}");

    let mut insecure = vars.to_vec();
    insecure.push(("S3_VERIFY_SSL", "0"));
    let dest = tmp.path().join("b");
    fetch("s3://models/iris", &dest, &config(&insecure))
        .await
        .result
        .unwrap();
    assert_eq!(fs::read(dest.join("model.joblib")).unwrap(), b"weights");
}

#[tokio::test]
async fn s3_wrong_secret_is_access_denied_naming_the_source_and_never_the_canary() {
    let (_root, server) = s3_server().await;
    let endpoint = server.url();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(&[
        ("AWS_ACCESS_KEY_ID", AK),
        ("AWS_SECRET_ACCESS_KEY", CANARY),
        ("AWS_ENDPOINT_URL", &endpoint),
    ]);
    let fetched = fetch("s3://models/iris", tmp.path(), &cfg).await;
    let err = fetched.result.unwrap_err();
    assert!(matches!(err, StorageError::AccessDenied { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` from the environment"),
        "{err}"
    );
    let shown = format!("{}{:?}{cfg:?}", everything_shown(&err), fetched.events);
    assert!(!shown.contains(CANARY), "{shown}");
    assert_eq!(tree(tmp.path()), Vec::<String>::new());
}

#[tokio::test]
async fn s3_missing_bucket_and_empty_prefix_fail_clearly() {
    let (_root, server) = s3_server().await;
    let endpoint = server.url();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(&[
        ("AWS_ACCESS_KEY_ID", AK),
        ("AWS_SECRET_ACCESS_KEY", SK),
        ("AWS_ENDPOINT_URL", &endpoint),
    ]);
    let err = fetch("s3://no-such-bucket/iris", tmp.path(), &cfg)
        .await
        .result
        .unwrap_err();
    assert!(matches!(err, StorageError::NotFound { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "`s3://no-such-bucket` not found (HTTP 404)"
    );

    let err = fetch("s3://models/nothing-here", tmp.path(), &cfg)
        .await
        .result
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no objects found under `s3://models/nothing-here`; refusing to provide an empty model"
    );
    assert_eq!(tree(tmp.path()), Vec::<String>::new());
}

#[tokio::test]
async fn rclone_s3_remotes_work_by_name_and_for_s3_urls() {
    let (_root, server) = s3_server().await;
    let endpoint = server.url();
    let remote = |name: &str| {
        [
            (format!("RCLONE_CONFIG_{name}_TYPE"), "s3".to_owned()),
            (format!("RCLONE_CONFIG_{name}_PROVIDER"), "minio".to_owned()),
            (format!("RCLONE_CONFIG_{name}_ENV_AUTH"), "false".to_owned()),
            (format!("RCLONE_CONFIG_{name}_ACCESS_KEY_ID"), AK.to_owned()),
            (
                format!("RCLONE_CONFIG_{name}_SECRET_ACCESS_KEY"),
                SK.to_owned(),
            ),
            (format!("RCLONE_CONFIG_{name}_ENDPOINT"), endpoint.clone()),
        ]
    };
    for (uri, name) in [
        ("my-minio:models/iris", "MY_MINIO"),
        ("s3://models/iris", "S3"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = Config {
            credentials: Credentials::from_env_vars(remote(name)),
            ..config(&[])
        };
        fetch(uri, tmp.path(), &cfg).await.result.unwrap();
        assert_eq!(
            tree(tmp.path()),
            ["meta", "meta/settings.json", "model.joblib"],
            "{uri}"
        );
    }
}

// ---------------------------------------------------------------- gcs

fn gcs_objects() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        (
            "seldon-models",
            "sklearn/iris/model.joblib",
            data(50_000, 7),
        ),
        (
            "seldon-models",
            "sklearn/iris/flaky-weights.bin",
            data(200_000, 8),
        ),
        ("seldon-models", "sklearn/iris2/not-included", b"x".to_vec()),
        ("seldon-models", "sklearn/iris/sub/", Vec::new()),
        (
            "seldon-models",
            "sklearn/iris/sub/config.json",
            b"{}".to_vec(),
        ),
        ("hostile", "model/../../evil.txt", b"evil".to_vec()),
        ("hostile", "model/ok.txt", b"ok".to_vec()),
        ("parallel", "m/a", data(10, 1)),
        ("parallel", "m/b", data(20, 2)),
        ("parallel", "m/c", data(30, 3)),
        ("parallel", "m/d", data(40, 4)),
    ]
}

#[tokio::test]
async fn gs_public_bucket_is_fetched_anonymously_and_a_dropped_object_is_resumed() {
    let gcs = servers::gcs(&gcs_objects(), 4).await;
    let emulator = gcs.server.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(&[("STORAGE_EMULATOR_HOST", &emulator)]);

    let fetched = fetch("gs://seldon-models/sklearn/iris", tmp.path(), &cfg).await;

    let summary = fetched.result.unwrap();
    assert_eq!((summary.files, summary.bytes), (3, 250_002));
    assert_eq!(
        tree(tmp.path()),
        [
            "flaky-weights.bin",
            "model.joblib",
            "sub",
            "sub/config.json"
        ],
        "the `sub/` directory marker is not a file"
    );
    assert_eq!(
        fs::read(tmp.path().join("flaky-weights.bin")).unwrap(),
        data(200_000, 8)
    );
    assert_eq!(bytes_received(&fetched.events), 250_002);
    // The first read of the flaky object broke halfway; the next one resumed there (whether
    // object_store's stream retry or ours did it).
    let reads = gcs.state.reads.lock().unwrap().clone();
    let flaky: Vec<_> = reads
        .iter()
        .filter(|(k, _)| k.contains("flaky"))
        .map(|r| r.1)
        .collect();
    assert_eq!(flaky, [None, Some(100_000)], "{reads:?}");
}

#[tokio::test]
async fn an_object_replaced_mid_download_is_fetched_again_whole() {
    let a = data(100_000, 14);
    let gcs = servers::gcs(&[("live", "m/mutating.bin", a.clone())], 1).await;
    let emulator = gcs.server.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(&[("STORAGE_EMULATOR_HOST", &emulator)]);

    let fetched = fetch("gs://live/m", tmp.path(), &cfg).await;

    fetched.result.unwrap();
    let b: Vec<u8> = a.iter().rev().copied().collect();
    assert_eq!(
        fs::read(tmp.path().join("mutating.bin")).unwrap(),
        b,
        "the new version, whole"
    );
    let reads = gcs.state.reads.lock().unwrap().clone();
    assert_eq!(
        reads.first(),
        Some(&("m/mutating.bin".to_owned(), None)),
        "{reads:?}"
    );
    assert_eq!(
        reads.last(),
        Some(&("m/mutating.bin".to_owned(), None)),
        "{reads:?}"
    );
    assert!(
        reads.iter().any(|(_, range)| *range == Some(50_000)),
        "a resume was tried: {reads:?}"
    );
}

#[tokio::test]
async fn gs_uses_the_service_account_file_from_google_application_credentials() {
    let gcs = servers::gcs(&gcs_objects(), 4).await;
    let tmp = tempfile::tempdir().unwrap();
    // `gcs_base_url` and `disable_oauth` are the fields GCS emulators document; the base URL
    // can only come from this file, so a successful fetch proves the file was used.
    let key = tmp.path().join("sa.json");
    let json = serde_json::json!({
        "type": "service_account",
        "client_email": "test@example.iam.gserviceaccount.com",
        "private_key_id": "1",
        "private_key": CANARY,
        "gcs_base_url": gcs.server.url(),
        "disable_oauth": true,
    });
    fs::write(&key, json.to_string()).unwrap();
    let dest = tmp.path().join("models");
    let cfg = config(&[("GOOGLE_APPLICATION_CREDENTIALS", key.to_str().unwrap())]);
    fetch("gs://seldon-models/sklearn/iris/model.joblib", &dest, &cfg)
        .await
        .result
        .unwrap();
    assert_eq!(tree(&dest), ["model.joblib"]);
}

#[tokio::test]
async fn gs_private_bucket_is_access_denied_naming_anonymous_access() {
    let gcs = servers::gcs(&gcs_objects(), 4).await;
    let emulator = gcs.server.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(&[("STORAGE_EMULATOR_HOST", &emulator)]);
    let err = fetch("gs://private/model", tmp.path(), &cfg)
        .await
        .result
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "access denied to `gs://private/model` (HTTP 403) (credentials tried: anonymous \
         (`GOOGLE_APPLICATION_CREDENTIALS` is not set))"
    );
}

#[tokio::test]
async fn gs_object_keys_with_dot_dot_are_rejected_with_their_name() {
    let gcs = servers::gcs(&gcs_objects(), 4).await;
    let emulator = gcs.server.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("x/models");
    let cfg = config(&[("STORAGE_EMULATOR_HOST", &emulator)]);
    let err = fetch("gs://hostile/model", &dest, &cfg)
        .await
        .result
        .unwrap_err();
    assert!(matches!(err, StorageError::UnsafeEntry { .. }), "{err:?}");
    assert!(err.to_string().contains("`model/../../evil.txt`"), "{err}");
    assert_eq!(tree(tmp.path()), ["x"], "nothing written");
}

#[tokio::test]
async fn gs_objects_are_downloaded_in_parallel() {
    // Each object request in bucket `parallel` is held until four are in flight at once.
    let gcs = servers::gcs(&gcs_objects(), 4).await;
    let emulator = gcs.server.addr.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = Config {
        parallelism: 4,
        ..config(&[("STORAGE_EMULATOR_HOST", &emulator)])
    };
    fetch("gs://parallel/m", tmp.path(), &cfg)
        .await
        .result
        .unwrap();
    assert_eq!(tree(tmp.path()), ["a", "b", "c", "d"]);
    let requests = gcs.state.requests.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(requests, 5, "one listing and four object reads");
}

#[tokio::test]
async fn rclone_gcs_remote_with_a_custom_endpoint() {
    let gcs = servers::gcs(&gcs_objects(), 4).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = gcs.server.url();
    let cfg = config(&[
        ("RCLONE_CONFIG_GCS_TYPE", "google cloud storage"),
        ("RCLONE_CONFIG_GCS_ANONYMOUS", "true"),
        ("RCLONE_CONFIG_GCS_ENDPOINT", &url),
    ]);
    fetch(
        "gcs:seldon-models/sklearn/iris/model.joblib",
        tmp.path(),
        &cfg,
    )
    .await
    .result
    .unwrap();
    assert_eq!(tree(tmp.path()), ["model.joblib"]);
}

// ---------------------------------------------------------------- azure

const AZ_SECRET: &str = "right-client-secret";

fn azure_blobs() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        ("public", "sklearn/iris/model.joblib", data(40_000, 12)),
        ("public", "sklearn/iris/meta/settings.json", b"{}".to_vec()),
        ("private", "iris/model.joblib", data(1_000, 13)),
    ]
}

fn azure_config(server: &servers::Server, principal: Option<&str>) -> Config {
    let url = server.url();
    let mut vars = vec![("AZURE_STORAGE_ENDPOINT", url.as_str())];
    if let Some(secret) = principal {
        vars.extend([
            ("AZ_TENANT_ID", "tenant-1"),
            ("AZ_CLIENT_ID", "client-1"),
            ("AZ_CLIENT_SECRET", secret),
            ("AZURE_AUTHORITY_HOST", url.as_str()),
        ]);
    }
    config(&vars)
}

#[tokio::test]
async fn azure_public_container_is_fetched_anonymously() {
    let server = servers::azure(&azure_blobs(), AZ_SECRET).await;
    let tmp = tempfile::tempdir().unwrap();
    let uri = "https://acct.blob.core.windows.net/public/sklearn/iris";
    let summary = fetch(uri, tmp.path(), &azure_config(&server, None))
        .await
        .result
        .unwrap();
    assert_eq!((summary.files, summary.bytes), (2, 40_002));
    assert_eq!(
        tree(tmp.path()),
        ["meta", "meta/settings.json", "model.joblib"]
    );
}

#[tokio::test]
async fn azure_service_principal_from_az_variables_reads_a_private_container() {
    let server = servers::azure(&azure_blobs(), AZ_SECRET).await;
    let tmp = tempfile::tempdir().unwrap();
    let uri = "https://acct.blob.core.windows.net/private/iris";

    let cfg = azure_config(&server, Some(AZ_SECRET));
    fetch(uri, tmp.path(), &cfg).await.result.unwrap();
    assert_eq!(
        fs::read(tmp.path().join("model.joblib")).unwrap(),
        data(1_000, 13)
    );

    let dest = tmp.path().join("other");
    let err = fetch(uri, &dest, &azure_config(&server, None))
        .await
        .result
        .unwrap_err();
    assert!(matches!(err, StorageError::AccessDenied { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("(credentials tried: anonymous (`AZ_CLIENT_ID`"),
        "{err}"
    );

    let cfg = azure_config(&server, Some(CANARY));
    let err = fetch(uri, &dest, &cfg).await.result.unwrap_err();
    assert!(matches!(err, StorageError::AccessDenied { .. }), "{err:?}");
    assert!(
        err.to_string().contains("service principal `AZ_CLIENT_ID`"),
        "{err}"
    );
    let shown = format!("{}{cfg:?}", everything_shown(&err));
    assert!(!shown.contains(CANARY), "{shown}");
    assert!(!dest.exists());
}

// ---------------------------------------------------------------- local and pvc

fn local_model(root: &Path) -> PathBuf {
    let model = root.join("src/model");
    seed(
        &model,
        &[("model.joblib", b"weights"), ("meta/settings.json", b"{}")],
    );
    std::os::unix::fs::symlink(model.join("model.joblib"), model.join("alias.joblib")).unwrap();
    model
}

#[tokio::test]
async fn local_paths_in_every_form_are_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let model = local_model(tmp.path());
    let cfg = Config {
        base_dir: tmp.path().join("src"),
        ..config(&[])
    };
    let uris = [
        model.display().to_string(),
        format!("file://{}", model.display()),
        "model".to_owned(),
        "./model/".to_owned(),
    ];
    for (i, uri) in uris.iter().enumerate() {
        let dest = tmp.path().join(format!("dest{i}"));
        let summary = fetch(uri, &dest, &cfg).await.result.unwrap();
        assert_eq!(summary.files, 3, "{uri}");
        assert_eq!(
            tree(&dest),
            ["alias.joblib", "meta", "meta/settings.json", "model.joblib"]
        );
        assert!(
            !dest.join("alias.joblib").is_symlink(),
            "symlinks are copied as files"
        );
    }
    let dest = tmp.path().join("single");
    fetch(
        &model.join("model.joblib").display().to_string(),
        &dest,
        &cfg,
    )
    .await
    .result
    .unwrap();
    assert_eq!(tree(&dest), ["model.joblib"]);
}

#[tokio::test]
async fn local_special_files_missing_paths_and_empty_dirs_fail() {
    let tmp = tempfile::tempdir().unwrap();
    let model = local_model(tmp.path());
    let cfg = config(&[]);
    let status = std::process::Command::new("mkfifo")
        .arg(model.join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    let err = fetch(&model.display().to_string(), &tmp.path().join("d"), &cfg).await;
    let err = err.result.unwrap_err();
    assert!(
        err.to_string().starts_with("refusing entry `pipe`"),
        "{err}"
    );
    assert!(!tmp.path().join("d").exists());

    let err = fetch("/no/such/model", &tmp.path().join("d"), &cfg)
        .await
        .result
        .unwrap_err();
    assert_eq!(err.to_string(), "`/no/such/model` not found");

    fs::create_dir(tmp.path().join("empty")).unwrap();
    let empty = tmp.path().join("empty").display().to_string();
    let err = fetch(&empty, &tmp.path().join("d"), &cfg)
        .await
        .result
        .unwrap_err();
    assert!(matches!(err, StorageError::EmptyPrefix { .. }), "{err:?}");
}

#[tokio::test]
async fn pvc_claims_map_to_local_directories() {
    let tmp = tempfile::tempdir().unwrap();
    local_model(tmp.path());
    let cfg = Config {
        pvcs: BTreeMap::from([("models-pvc".to_owned(), tmp.path().join("src"))]),
        ..config(&[])
    };
    let dest = tmp.path().join("dest");
    fetch("pvc://models-pvc/model", &dest, &cfg)
        .await
        .result
        .unwrap();
    assert_eq!(
        tree(&dest),
        ["alias.joblib", "meta", "meta/settings.json", "model.joblib"]
    );

    let err = fetch("pvc://other/model", &dest, &cfg)
        .await
        .result
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "persistent volume claim `other` is not mapped to a local directory; \
         map it with `--pvc other=<dir>`"
    );
    let err = fetch("pvc://models-pvc/../../etc", &dest, &cfg)
        .await
        .result
        .unwrap_err();
    assert!(matches!(err, StorageError::UnsafeEntry { .. }), "{err:?}");
}

#[tokio::test]
async fn unknown_schemes_list_the_known_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let err = fetch("ftp://host/model", tmp.path(), &config(&[]))
        .await
        .result
        .unwrap_err();
    assert!(
        err.to_string().contains("known forms: `gs://`, `s3://`"),
        "{err}"
    );
}
