//! The command line as a user meets it: exit codes, stdout for data, stderr for the rest.

use crate::common::seldon_local;

const SEED: &str = "tests/fixtures/sdep/tfserving-seed.yaml";

fn run(args: &[&str]) -> (i32, String, String) {
    let output = seldon_local().args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn validate_prints_the_verdict_on_stdout() {
    let (code, stdout, stderr) = run(&["validate", SEED]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout, @"tests/fixtures/sdep/tfserving-seed.yaml: `tfserving` is valid (1 predictor, Seldon Core 1.18.2)");
    assert_eq!(stderr, "");
}

#[test]
fn validate_reads_stdin() {
    let text = std::fs::read_to_string(crate::common::root().join(SEED)).unwrap();
    let output = seldon_local()
        .args(["validate", "--seldon-version", "1.2.1", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    insta::assert_snapshot!(stdout, @"<stdin>: `tfserving` is valid (1 predictor, Seldon Core 1.2.1)");
}

#[test]
fn render_prints_deployments_then_services_as_yaml_documents() {
    let (code, stdout, _) = run(&["render", SEED]);
    assert_eq!(code, 0);
    let kinds: Vec<&str> = stdout.lines().filter(|l| l.starts_with("kind: ")).collect();
    assert_eq!(
        kinds,
        ["kind: Deployment", "kind: Service", "kind: Service"]
    );
    assert_eq!(stdout.matches("---\n").count(), 3);
}

#[test]
fn render_json_is_a_list_when_there_are_several_objects() {
    let (code, stdout, _) = run(&["render", "-o", "json", SEED]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["kind"], "List");
    assert_eq!(value["items"].as_array().unwrap().len(), 3);
}

#[test]
fn render_can_show_the_defaulted_resource_and_the_plan() {
    let (code, stdout, _) = run(&["render", "--show", "defaulted", SEED]);
    assert_eq!(code, 0);
    assert!(stdout.contains("service_host: localhost"), "{stdout}");
    let (code, stdout, _) = run(&["render", "--show", "plan", "-o", "json", SEED]);
    assert_eq!(code, 0);
    let plan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        plan["pods"][0]["containers"][0]["role"]["kind"],
        "tfserving-proxy"
    );
}

#[test]
fn a_missing_file_is_an_error_with_a_hint_and_exit_2() {
    let (code, stdout, stderr) = run(&["validate", "no/such.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    insta::assert_snapshot!(stderr, @r"
    error: failed to read `no/such.yaml`
      caused by: No such file or directory (os error 2)

    hint: check the path; use `-` to read from stdin
    ");
}

#[test]
fn an_unknown_seldon_version_is_a_usage_error() {
    let (code, _, stderr) = run(&["validate", "--seldon-version", "1.17", SEED]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unsupported Seldon Core version `1.17`"),
        "{stderr}"
    );
}

#[test]
fn unknown_fields_warn_and_fail_under_strict() {
    let file = "tests/fixtures/warn/unknown-field.yaml";
    let (code, _, stderr) = run(&["validate", "--seldon-version", "1.18.2", file]);
    assert_eq!(code, 0);
    assert!(
        stderr.contains("warning: tests/fixtures/warn/unknown-field.yaml: spec.predictors[0].graph.modelURI: unknown field, ignored"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["validate", "--strict", file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("rejected because of warnings (`--strict`)"),
        "{stderr}"
    );
}

#[test]
fn a_config_override_changes_the_images() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("seldon-config.yaml");
    std::fs::write(
        &config,
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  storageInitializer: '{\"image\": \"me/init:7\"}'\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&["render", "--config", config.to_str().unwrap(), SEED]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("image: me/init:7"));
}

#[test]
fn multi_document_files_validate_every_sdep_and_skip_other_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(crate::common::root().join(SEED)).unwrap();
    let file = dir.path().join("all.yaml");
    let text = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: x}}\n---\n{seed}---\n{}",
        seed.replace("name: tfserving", "name: second")
    );
    std::fs::write(&file, text).unwrap();
    let output = seldon_local()
        .current_dir(dir.path())
        .args(["validate", "all.yaml"])
        .output()
        .unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap(), @r"
    all.yaml#1: `tfserving` is valid (1 predictor, Seldon Core 1.18.2)
    all.yaml#2: `second` is valid (1 predictor, Seldon Core 1.18.2)
    ");
    insta::assert_snapshot!(String::from_utf8(output.stderr).unwrap(), @"warning: all.yaml: document 0 (`Namespace`) is not a `SeldonDeployment`, skipped");
}

#[test]
fn every_subcommand_help_has_an_example() {
    for command in [
        "validate",
        "render",
        "up",
        "predict",
        "feedback",
        "metadata",
        "ps",
        "logs",
        "down",
        "completions",
    ] {
        let (code, stdout, _) = run(&[command, "--help"]);
        assert_eq!(code, 0);
        assert!(
            stdout.contains("Examples:\n  seldon-local "),
            "{command}: {stdout}"
        );
    }
}

#[test]
fn a_wrong_flag_is_a_usage_error() {
    let (code, _, stderr) = run(&["validate", "--no-such-flag", SEED]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unexpected argument '--no-such-flag'"),
        "{stderr}"
    );
}

/// The subcommands `--help` lists, but `help`.
fn listed_subcommands() -> Vec<String> {
    let (_, stdout, _) = run(&["--help"]);
    stdout
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn checked_in_completions_and_man_pages_are_up_to_date() {
    let mut files: Vec<(Vec<String>, String)> = [
        ("bash", "seldon-local.bash"),
        ("zsh", "_seldon-local"),
        ("fish", "seldon-local.fish"),
        ("powershell", "_seldon-local.ps1"),
        ("elvish", "seldon-local.elv"),
        ("man", "man/seldon-local.1"),
    ]
    .into_iter()
    .map(|(shell, file)| {
        (
            vec!["completions".to_owned(), shell.to_owned()],
            file.to_owned(),
        )
    })
    .collect();
    let subcommands = listed_subcommands();
    assert!(subcommands.contains(&"up".to_owned()), "{subcommands:?}");
    for sub in &subcommands {
        files.push((
            vec!["completions".into(), "man".into(), sub.clone()],
            format!("man/seldon-local-{sub}.1"),
        ));
    }
    for (args, file) in &files {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 0, "{stderr}");
        let path = crate::common::root().join("completions").join(file);
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            stdout == checked_in,
            "completions/{file} is out of date: run scripts/completions.sh"
        );
    }
    let pages = std::fs::read_dir(crate::common::root().join("completions/man"))
        .unwrap()
        .count();
    assert_eq!(pages, subcommands.len() + 1, "a page without a subcommand");
}

#[test]
fn the_man_page_of_a_subcommand_is_titled_after_it() {
    let (code, stdout, _) = run(&["completions", "man", "up"]);
    assert_eq!(code, 0);
    assert!(stdout.contains(".TH seldon-local-up 1"), "{stdout}");
    assert!(stdout.contains("\\-\\-exec"), "{stdout}");
    let (code, _, stderr) = run(&["completions", "man", "nosuch"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no subcommand `nosuch`; pages exist for"),
        "{stderr}"
    );
}

#[test]
fn image_build_help_has_an_example() {
    let (code, stdout, _) = run(&["image", "build", "--help"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("Examples:\n  seldon-local image build"),
        "{stdout}"
    );
}

/// `seldon-local` with no Docker daemon to find, so that nothing here touches anyone's containers.
fn run_offline(state: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = seldon_local()
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env("SELDON_LOCAL_STATE_DIR", state)
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn a_bare_down_is_a_usage_error_and_down_all_is_explicit() {
    let state = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_offline(state.path(), &["down"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--all"), "{stderr}");
    let (code, _, stderr) = run_offline(state.path(), &["down", "--all"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("nothing to remove"), "{stderr}");
    let (code, _, stderr) = run_offline(state.path(), &["down", "nosuch"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("nothing to remove for `nosuch`"),
        "{stderr}"
    );
}

#[test]
fn a_missing_deployment_exits_1_on_every_command() {
    let state = tempfile::tempdir().unwrap();
    for args in [
        &["ps", "nosuch"][..],
        &["logs", "nosuch"],
        &["predict", "nosuch", "--ndarray", "[[1]]"],
        &["metadata", "nosuch"],
    ] {
        let (code, stdout, stderr) = run_offline(state.path(), args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(
            stderr.starts_with("error: no deployment `nosuch` is running\n"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn ps_takes_all_wide_json_and_yaml() {
    let state = tempfile::tempdir().unwrap();
    for args in [
        &["ps", "-a"][..],
        &["ps", "-o", "wide"],
        &["ps", "-o", "yaml"],
        &["ps", "-o", "json"],
    ] {
        let (code, _, stderr) = run_offline(state.path(), args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
}

#[test]
fn logs_since_is_validated() {
    let state = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_offline(state.path(), &["logs", "x", "--since", "10x"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown unit `x`"), "{stderr}");
}

#[test]
fn publishing_a_port_nothing_declares_is_an_error_listing_the_ports() {
    let state = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_offline(
        state.path(),
        &[
            "up",
            "--runtime",
            "embedded",
            "-p",
            "seldon-container-engine:8001=18999",
            "examples/tfserving-mnist/sdep.yaml",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no container `seldon-container-engine` declares port 8001"),
        "{stderr}"
    );
    assert!(stderr.contains("seldon-container-engine:8000"), "{stderr}");
    assert!(!state.path().join("tfserving").exists());
}

#[test]
fn short_help_shows_the_examples_too() {
    // `image` is a group: its `build` has the examples.
    let mut subs: Vec<Vec<String>> = listed_subcommands()
        .into_iter()
        .filter(|s| s != "image")
        .map(|s| vec![s])
        .collect();
    subs.push(vec!["image".into(), "build".into()]);
    for sub in subs {
        let args: Vec<&str> = sub.iter().map(String::as_str).chain(["-h"]).collect();
        let (code, stdout, _) = run(&args);
        assert_eq!(code, 0);
        assert!(stdout.contains("Examples:\n"), "`{sub:?} -h`:\n{stdout}");
    }
}

#[test]
fn a_mistyped_field_gets_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sdep.yaml");
    std::fs::write(
        &file,
        "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\nmetadata:\n  name: x\n\
         spec:\n  predictors:\n  - name: p\n    componentSpecs:\n    - spec:\n        containers:\n\
         \x20       - name: m\n          imagee: foo\n    graph:\n      name: m\n",
    )
    .unwrap();
    let (_, _, stderr) = run(&["validate", file.to_str().unwrap()]);
    assert!(
        stderr.contains("containers[0].imagee: unknown field, ignored; did you mean `image`?"),
        "{stderr}"
    );
}

/// What bash offers for `words` (the last one being completed), through the checked-in
/// script sourced into a real bash, the way a TAB runs it.
pub(crate) fn bash_complete(state: &std::path::Path, words: &[&str]) -> Vec<String> {
    let bin = assert_cmd::cargo::cargo_bin("seldon-local");
    let script = crate::common::root().join("completions/seldon-local.bash");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\n\
         COMP_WORDS=({})\n\
         COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         COMP_TYPE=9\n\
         complete -p seldon-local >/dev/null\n\
         fn=$(complete -p seldon-local | sed -E 's/.* -F ([^ ]+) .*/\\1/')\n\
         \"$fn\" seldon-local \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        quoted.join(" ")
    );
    let output = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.parent().unwrap().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env("SELDON_LOCAL_STATE_DIR", state)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_flags_values_and_never_hidden_items() {
    let state = tempfile::tempdir().unwrap();
    assert_eq!(
        bash_complete(state.path(), &["seldon-local", "up", "--run"]),
        ["--runtime"]
    );
    assert_eq!(
        bash_complete(state.path(), &["seldon-local", "up", "--runtime", ""]),
        ["auto", "docker", "embedded"]
    );
    assert_eq!(
        bash_complete(state.path(), &["seldon-local", "ps", "-o", ""]),
        ["table", "wide", "json", "yaml"]
    );
    let subcommands = bash_complete(state.path(), &["seldon-local", ""]);
    assert!(subcommands.contains(&"up".to_owned()), "{subcommands:?}");
    assert!(
        !subcommands.contains(&"component".to_owned()),
        "{subcommands:?}"
    );
    assert!(bash_complete(state.path(), &["seldon-local", "compo"]).is_empty());
    assert!(bash_complete(state.path(), &["seldon-local", "up", "--detached-"]).is_empty());
}

#[test]
fn docker_unreachable_when_asked_for_is_an_environment_error() {
    let state = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_offline(
        state.path(),
        &[
            "up",
            "--runtime",
            "docker",
            "examples/tfserving-mnist/sdep.yaml",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("hint: is Docker running?"), "{stderr}");
}
