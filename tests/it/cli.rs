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
