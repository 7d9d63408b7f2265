//! Every fixture and example: the rendered objects and the runtime plan are snapshot-tested
//! for both operator versions, defaulting is idempotent, and invalid inputs get one clear
//! error.

use seldon_local::sdep::{self, OperatorConfig, SeldonVersion};

use crate::common::{load_first, objects_yaml, plan_of, seldon_local};

#[test]
fn fixtures_render_as_the_operator_would() {
    insta::glob!("../..", "tests/fixtures/sdep/*.yaml", |path| {
        for version in SeldonVersion::ALL {
            let sdep = load_first(path);
            if version.is_old() && matches!(sdep.spec.protocol(), "v2" | "kfserving") {
                continue; // not a protocol of 1.2.1; rejected, see the invalid tests
            }
            let plan = plan_of(sdep, version);
            insta::assert_snapshot!(format!("objects-{version}"), objects_yaml(&plan));
            insta::assert_yaml_snapshot!(format!("plan-{version}"), plan);
        }
    });
}

#[test]
fn every_example_validates_and_plans_in_each_version_of_its_protocol() {
    // An example's sdeps sit at its top; model directories hold other YAML (MLflow's
    // conda.yaml, a model's metadata.yaml).
    insta::glob!("../..", "examples/*/*.yaml", |path| {
        for version in SeldonVersion::ALL {
            let sdep = load_first(path);
            if version.is_old() && matches!(sdep.spec.protocol(), "v2" | "kfserving") {
                continue; // not a protocol of 1.2.1, which rejects it (see the fixtures)
            }
            // An example that needs a server `--config` adds (LIGHTGBM_SERVER) has its
            // ConfigMap in `config/`.
            let mut config = OperatorConfig::embedded(version);
            let overlay = path.parent().unwrap().join("config/seldon-config.yaml");
            if overlay.is_file() {
                let text = std::fs::read_to_string(&overlay).unwrap();
                let value = sdep::load_config_text(&text, "seldon-config.yaml").unwrap();
                config.overlay(&value, "seldon-config.yaml").unwrap();
            }
            let validated =
                sdep::validate(sdep, &config).unwrap_or_else(|violations| panic!("{violations}"));
            let plan = seldon_local::plan::build(&validated).unwrap();
            assert!(!plan.pods.is_empty(), "{}: no pods", path.display());
        }
    });
}

#[test]
fn defaulting_twice_equals_defaulting_once_on_every_fixture_and_example() {
    let mut checked = 0;
    let globs = [("tests/fixtures/sdep", "yaml"), ("examples", "yaml")];
    for (dir, extension) in globs {
        let top = crate::common::root().join(dir);
        for path in walk(&top, extension) {
            // Only an example's own files: its model directories hold other YAML.
            if dir == "examples" && path.parent().and_then(std::path::Path::parent) != Some(&top) {
                continue;
            }
            for version in SeldonVersion::ALL {
                let config = OperatorConfig::embedded(version);
                let mut once = load_first(&path);
                sdep::defaults::apply(&mut once, &config);
                let mut twice = once.clone();
                sdep::defaults::apply(&mut twice, &config);
                assert_eq!(once, twice, "{} ({version})", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} files checked");
}

#[test]
fn invalid_inputs_get_one_clear_error_and_exit_1() {
    insta::glob!("../..", "tests/fixtures/invalid/*.yaml", |path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let output = seldon_local()
            .current_dir(path.parent().unwrap())
            .args(["validate", &name])
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            stderr.lines().count() <= 12,
            "more than one screen: {stderr}"
        );
        insta::assert_snapshot!(stderr);
    });
}

pub(crate) fn walk(dir: &std::path::Path, extension: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path, extension));
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
    out.sort();
    out
}
