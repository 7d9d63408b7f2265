//! The layering rules of ARCHITECTURE.md, as a test: each module may only use the modules and
//! crates its layer allows, and some crates and calls are confined to single files.

use std::path::{Path, PathBuf};

use crate::common::root;
use crate::fixtures::walk;

/// (module, forbidden `crate::` modules, forbidden external crates)
const LAYERS: &[(&str, &[&str], &[&str])] = &[
    (
        "sdep",
        &[
            "protocol",
            "plan",
            "http",
            "components",
            "runtime",
            "cli",
            "output",
        ],
        &[
            "tokio",
            "axum",
            "bollard",
            "reqwest",
            "console",
            "indicatif",
        ],
    ),
    (
        "protocol",
        &[
            "sdep",
            "plan",
            "http",
            "components",
            "runtime",
            "cli",
            "output",
        ],
        &[
            "tokio",
            "axum",
            "bollard",
            "reqwest",
            "console",
            "indicatif",
            "tonic",
        ],
    ),
    (
        "env",
        &[
            "sdep",
            "protocol",
            "plan",
            "http",
            "components",
            "runtime",
            "cli",
            "output",
        ],
        &[
            "tokio",
            "axum",
            "bollard",
            "reqwest",
            "console",
            "indicatif",
        ],
    ),
    (
        "plan",
        &["http", "components", "runtime", "cli", "output"],
        &[
            "tokio",
            "axum",
            "bollard",
            "reqwest",
            "console",
            "indicatif",
        ],
    ),
    (
        "http",
        &["sdep", "plan", "components", "runtime", "cli", "output"],
        &["bollard", "console", "indicatif"],
    ),
    (
        "grpc",
        &[
            "sdep",
            "plan",
            "http",
            "components",
            "runtime",
            "cli",
            "output",
        ],
        &["bollard", "console", "indicatif", "reqwest"],
    ),
    (
        "components",
        &["sdep", "runtime", "cli", "output"],
        &["bollard", "console", "indicatif"],
    ),
    (
        "runtime",
        &["sdep", "cli", "output"],
        &["console", "indicatif"],
    ),
    (
        "output",
        &[
            "sdep",
            "plan",
            "protocol",
            "http",
            "components",
            "runtime",
            "cli",
        ],
        &["bollard", "tokio", "axum", "reqwest"],
    ),
];

/// (needle, the only files or directories where it may appear)
const CONFINED: &[(&str, &[&str])] = &[
    ("serde_yaml", &["src/sdep/load.rs"]),
    (
        "bollard::",
        &["src/runtime/docker/api.rs", "src/runtime/docker/spec.rs"],
    ),
    ("std::env::var", &["src/cli/"]),
    ("println!", &["src/output/"]),
    ("eprintln!", &["src/output/"]),
    ("eprint!(", &["src/output/"]),
    ("print!(", &["src/output/"]),
    ("Runtime::new", &["src/cli/"]),
    ("runtime::Builder", &["src/cli/"]),
];

fn sources(module: &str) -> Vec<PathBuf> {
    let dir = root().join("src").join(module);
    let file = root().join("src").join(format!("{module}.rs"));
    let mut files = if dir.is_dir() {
        walk(&dir, "rs")
    } else {
        Vec::new()
    };
    if file.is_file() {
        files.push(file);
    }
    files
}

fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect()
}

#[test]
fn modules_use_only_the_layers_below_them() {
    let mut offences = Vec::new();
    for (module, modules, crates) in LAYERS {
        for path in sources(module) {
            for (line, text) in code_lines(&path) {
                for other in *modules {
                    if text.contains(&format!("crate::{other}")) {
                        offences.push(format!(
                            "{}:{line}: `{module}` uses `crate::{other}`",
                            path.display()
                        ));
                    }
                }
                for krate in *crates {
                    if text.contains(&format!("{krate}::"))
                        || text.contains(&format!("use {krate};"))
                    {
                        offences.push(format!(
                            "{}:{line}: `{module}` uses crate `{krate}`",
                            path.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "layering violations:\n{}",
        offences.join("\n")
    );
}

#[test]
fn some_crates_and_calls_stay_in_their_files() {
    let mut offences = Vec::new();
    for path in walk(&root().join("src"), "rs") {
        let relative = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (line, text) in code_lines(&path) {
            for (needle, allowed) in CONFINED {
                let here = allowed.iter().any(|a| relative.starts_with(a));
                if !here && text.contains(needle) && !text.contains(&format!("e{needle}")) {
                    offences.push(format!("{relative}:{line}: `{needle}` outside {allowed:?}"));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "confinement violations:\n{}",
        offences.join("\n")
    );
}
