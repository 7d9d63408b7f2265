//! Shared helpers: the binary with a hermetic environment, paths, plan rendering.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use seldon_local::plan;
use seldon_local::sdep::{self, OperatorConfig, SeldonVersion};

/// The repository root.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `seldon-local` with no inherited `SELDON_LOCAL_*` or colour settings.
pub(crate) fn seldon_local() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("seldon-local").unwrap();
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("SELDON_LOCAL_") || key == "NO_COLOR" || key.starts_with("CLICOLOR") {
            command.env_remove(&key);
        }
    }
    // The ingress on a free port: tests use no fixed ports.
    command.env("SELDON_LOCAL_INGRESS_PORT", "0");
    command.env("NO_COLOR", "1").current_dir(root());
    command
}

/// Runs `seldon-local` with its embedded state under `state`: (exit code, stdout, stderr).
pub(crate) fn run_embedded(state: &Path, args: &[&str]) -> (i32, String, String) {
    let output = seldon_local()
        .env("SELDON_LOCAL_STATE_DIR", state)
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Stops an embedded deployment when dropped, even when an assertion failed, so that no
/// background process is left: (state directory, deployment).
pub(crate) struct DownOnDrop<'a>(pub(crate) &'a Path, pub(crate) &'a str);

impl Drop for DownOnDrop<'_> {
    fn drop(&mut self) {
        let _ = run_embedded(self.0, &["down", self.1]);
    }
}

/// Loads the first document of a file, panicking with the error if it does not load.
pub(crate) fn load_first(path: &Path) -> sdep::SeldonDeployment {
    let text = std::fs::read_to_string(path).unwrap();
    sdep::load(&text, &path.display().to_string())
        .unwrap()
        .documents
        .remove(0)
        .sdep
}

/// Validates and plans a resource.
pub(crate) fn plan_of(sdep: sdep::SeldonDeployment, version: SeldonVersion) -> plan::Plan {
    let validated = sdep::validate(sdep, &OperatorConfig::embedded(version))
        .unwrap_or_else(|violations| panic!("{violations}"));
    plan::build(&validated).unwrap()
}

/// The objects as YAML, with `ENGINE_PREDICTOR` decoded so a snapshot diff is readable.
pub(crate) fn objects_yaml(plan: &plan::Plan) -> String {
    let mut out = String::new();
    for object in &plan.objects {
        let mut value = serde_json::to_value(object).unwrap();
        decode_engine_predictor(&mut value);
        out.push_str("---\n");
        out.push_str(&sdep::to_yaml(&value).unwrap());
    }
    out
}

fn decode_engine_predictor(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("name").and_then(|n| n.as_str()) == Some("ENGINE_PREDICTOR")
                && let Some(serde_json::Value::String(encoded)) = map.get_mut("value")
            {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&*encoded)
                    .unwrap();
                *encoded = format!("base64 of {}", String::from_utf8(bytes).unwrap());
            }
            map.values_mut().for_each(decode_engine_predictor);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(decode_engine_predictor),
        _ => {}
    }
}
