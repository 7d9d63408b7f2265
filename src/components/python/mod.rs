//! Python-backed prepackaged servers: `SKLEARN_SERVER`, `XGBOOST_SERVER` and `MLFLOW_SERVER` on
//! the seldon protocol, played by the real `seldon-core-microservice` (the Seldon Python
//! wrapper from PyPI) running seldon-local's own server classes (`servers/*.py`, embedded in
//! the binary and written to the cache).
//!
//! One virtualenv per server kind, Seldon Core version, framework version and Python version is
//! built under the cache directory (uv when on `PATH`, else `python3 -m venv` and pip) and
//! reused. The framework version is the one the model was saved with where the model records it
//! ([`version`]), else upstream's image pin ([`spec::upstream_pin`]). A user's own interpreter
//! (`--python`) is used as it is, after checking that its framework matches the model's.
//!
//! The entry point is [`prepare`]: the interpreter and `PYTHONPATH` a unit runs with; then
//! [`command`] is the shell command that plays it.

pub mod spec;
pub mod version;

use std::io::{BufRead as _, BufReader};
use std::net::ToSocketAddrs as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub use spec::{EnvSpec, MLSERVER_VERSION, ModelFacts, PythonServer, ServerKind, Stack};

/// The server classes, written to `<cache>/servers/` before a unit starts.
const SERVER_FILES: [(&str, &str); 4] = [
    (
        "seldon_local_common.py",
        include_str!("servers/seldon_local_common.py"),
    ),
    ("SKLearnServer.py", include_str!("servers/SKLearnServer.py")),
    ("XGBoostServer.py", include_str!("servers/XGBoostServer.py")),
    ("MLFlowServer.py", include_str!("servers/MLFlowServer.py")),
];

/// The file MLServer reads a model's settings from, in the model directory.
pub const MODEL_SETTINGS: &str = "model-settings.json";

/// The marker written into an environment once it is complete.
const READY_MARKER: &str = ".seldon-local-ready";

/// How long the package index may take to accept a connection before `up` calls it offline.
const INDEX_TIMEOUT: Duration = Duration::from_secs(3);

/// How many of its last output lines a failed install's error quotes.
const TAIL: usize = 15;

/// Why a Python unit could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PythonError {
    /// The model directory lacks the file the server loads.
    #[error("the {kind} server needs `{file}` in `{}`, which is not there", dir.display())]
    MissingModel {
        /// The server kind.
        kind: ServerKind,
        /// The file.
        file: &'static str,
        /// The model directory.
        dir: PathBuf,
    },
    /// A file could not be read or written.
    #[error("failed to {what} `{}`", path.display())]
    Io {
        /// The operation.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A pickle mixes estimators saved by different scikit-learn versions.
    #[error("`{}` was saved by several scikit-learn versions ({versions}); it cannot load as saved", path.display())]
    MixedVersions {
        /// The model file.
        path: PathBuf,
        /// The versions.
        versions: String,
    },
    /// Two sources require different framework versions.
    #[error(
        "the model was saved with {package} {model}, but {source_of_other} has {package} {other}"
    )]
    VersionConflict {
        /// The framework's distribution.
        package: String,
        /// The model's version.
        model: String,
        /// The other version.
        other: String,
        /// Where the other comes from.
        source_of_other: String,
    },
    /// An interpreter could not be run.
    #[error("failed to run `{}`", program.display())]
    Run {
        /// The program.
        program: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The user's interpreter lacks a package.
    #[error("`{}` cannot import {modules}:\n{output}", python.display())]
    MissingPackages {
        /// The interpreter.
        python: PathBuf,
        /// The modules.
        modules: String,
        /// What it said.
        output: String,
    },
    /// No environment in the cache and no package index to build one from.
    #[error(
        "the {kind} environment ({packages}) is not in the cache `{}`, and the package index \
         {index} cannot be reached",
        cache.display()
    )]
    Offline {
        /// The server kind.
        kind: ServerKind,
        /// Its packages.
        packages: String,
        /// The cache directory.
        cache: PathBuf,
        /// The index URL.
        index: String,
    },
    /// Building an environment failed.
    #[error("failed to install {packages} for Python {python}; the last lines:\n{tail}")]
    Install {
        /// What was installed.
        packages: String,
        /// The Python version.
        python: String,
        /// The installer's last lines.
        tail: String,
        /// Whether the framework version is the model's own.
        from_model: bool,
    },
}

impl PythonError {
    /// What the user can do about it.
    #[must_use]
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Offline { .. } => Some(
                "run `seldon-local prepare FILE` while the index is reachable: it builds every \
                 environment the deployment needs, and `up` then works offline; or give your own \
                 interpreter with `--python PATH`"
                    .to_owned(),
            ),
            Self::Install {
                from_model: true, ..
            } => Some(
                "the framework version is the one the model was saved with, so that it loads as \
                 saved; give an interpreter where it installs (`--python PATH`), or save the \
                 model again with an installable version"
                    .to_owned(),
            ),
            Self::MissingPackages { .. } => Some(
                "install `seldon-core` (seldon protocol) or `mlserver` and its runtime (v2), and \
                 the model's framework, in it; or leave out `--python` and let seldon-local \
                 build an environment"
                    .to_owned(),
            ),
            Self::VersionConflict { .. } | Self::MixedVersions { .. } => Some(
                "use the framework version the model was saved with (`--python PATH` to an \
                 environment that has it), or save the model again"
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

/// Where and how environments are made.
#[derive(Debug, Clone)]
pub struct PythonSettings {
    /// The cache directory (environments under `envs/`, server classes under `servers/`).
    pub cache_dir: PathBuf,
    /// The user's own interpreter (`--python`): used as it is, nothing is installed.
    pub interpreter: Option<PathBuf>,
    /// The interpreter new environments are made from.
    pub base_python: PathBuf,
    /// `uv`, when on `PATH`.
    pub uv: Option<PathBuf>,
    /// The package index the installer is configured with (`PIP_INDEX_URL`...): checked
    /// before building, so that an offline `up` fails at once.
    pub index_url: String,
    /// The emulated Seldon Core version (the `seldon-core` installed).
    pub seldon_version: String,
}

/// A unit ready to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The interpreter that runs it.
    pub python: PathBuf,
    /// The directory holding the server classes (`PYTHONPATH`).
    pub servers_dir: PathBuf,
    /// What was used, for the log: `cached`, `built`, `user`.
    pub how: &'static str,
}

/// Reads what the model directory says about the environment it needs.
pub fn inspect(kind: ServerKind, dir: &Path) -> Result<ModelFacts, PythonError> {
    let path = dir.join(kind.model_file());
    // A LightGBM model may be named by its `model-settings.json` instead (upstream's example).
    if kind == ServerKind::Lightgbm && !path.is_file() && dir.join(MODEL_SETTINGS).is_file() {
        return Ok(ModelFacts::default());
    }
    if !path.is_file() {
        return Err(PythonError::MissingModel {
            kind,
            file: kind.model_file(),
            dir: dir.to_owned(),
        });
    }
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| PythonError::Io {
            what: "read",
            path: path.to_owned(),
            source,
        })
    };
    let bytes = read(&path)?;
    match kind {
        ServerKind::Sklearn => {
            let pickle = version::decompressed(&bytes).unwrap_or(bytes);
            let versions = version::sklearn_versions(&pickle);
            if versions.len() > 1 {
                return Err(PythonError::MixedVersions {
                    path,
                    versions: versions.into_iter().collect::<Vec<_>>().join(", "),
                });
            }
            Ok(ModelFacts {
                framework_version: versions.into_iter().next(),
                ..ModelFacts::default()
            })
        }
        ServerKind::Xgboost => Ok(ModelFacts {
            framework_version: version::xgboost_version(&bytes),
            ..ModelFacts::default()
        }),
        ServerKind::Lightgbm => Ok(ModelFacts {
            framework_range: version::lightgbm_range(&bytes).map(str::to_owned),
            ..ModelFacts::default()
        }),
        ServerKind::Huggingface => Ok(ModelFacts {
            framework_version: version::transformers_version(&bytes),
            ..ModelFacts::default()
        }),
        ServerKind::Mlflow => {
            let requirements = dir.join("requirements.txt");
            let requirements = if requirements.is_file() {
                version::requirements(&String::from_utf8_lossy(&read(&requirements)?))
            } else {
                Vec::new()
            };
            Ok(ModelFacts {
                framework_version: version::mlflow_version(&String::from_utf8_lossy(&bytes)),
                requirements,
                framework_range: None,
            })
        }
    }
}

/// The interpreter and server classes a unit of `kind` runs with, its model in `model_dir`:
/// the user's interpreter, checked; or a cached environment; or one built now, reporting
/// the installer's lines through `progress`.
pub fn prepare(
    server: PythonServer,
    model_dir: &Path,
    settings: &PythonSettings,
    progress: &mut dyn FnMut(String),
) -> Result<Prepared, PythonError> {
    let facts = inspect(server.kind, model_dir)?;
    let servers_dir = write_servers(&settings.cache_dir)?;
    if let Some(python) = &settings.interpreter {
        check_interpreter(server, python, &facts)?;
        return Ok(Prepared {
            python: python.clone(),
            servers_dir,
            how: "user",
        });
    }
    let spec = EnvSpec::new(server, &settings.seldon_version, &facts)?;
    let (python, how) = environment(&spec, settings, progress)?;
    Ok(Prepared {
        python,
        servers_dir,
        how,
    })
}

/// Writes the server classes into `<cache>/servers/` (rewritten each time, so that they are
/// this binary's).
fn write_servers(cache: &Path) -> Result<PathBuf, PythonError> {
    let dir = cache.join("servers");
    let io = |what, path: &Path| {
        let path = path.to_owned();
        move |source| PythonError::Io { what, path, source }
    };
    std::fs::create_dir_all(&dir).map_err(io("create", &dir))?;
    for (name, text) in SERVER_FILES {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            // Written beside and renamed: a running unit never reads half a file.
            let partial = dir.join(format!(".{name}.{}", std::process::id()));
            std::fs::write(&partial, text).map_err(io("write", &partial))?;
            std::fs::rename(&partial, &path).map_err(io("write", &path))?;
        }
    }
    Ok(dir)
}

/// Runs `python -c code`; its stdout, or its combined output as the error.
fn run_python(python: &Path, code: &str) -> Result<Result<String, String>, PythonError> {
    let output = Command::new(python)
        .arg("-c")
        .arg(code)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| PythonError::Run {
            program: python.to_owned(),
            source,
        })?;
    Ok(if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    })
}

/// The server's modules `python` must import: the stack's, then the framework's.
fn server_modules(server: PythonServer) -> [&'static str; 2] {
    match server.stack {
        Stack::SeldonCore => ["seldon_core", "seldon_core"],
        Stack::Mlserver => ["mlserver", server.kind.mlserver_runtime().1],
    }
}

/// The framework version `python` has; the server's modules must import too.
fn installed_version(server: PythonServer, python: &Path) -> Result<String, PythonError> {
    let (_, module) = server.kind.framework();
    let [stack, runtime] = server_modules(server);
    let code = format!("import {stack}, {runtime}, {module}; print({module}.__version__)");
    let modules = if stack == runtime {
        format!("{stack} and {module}")
    } else {
        format!("{stack}, {runtime} and {module}")
    };
    run_python(python, &code)?.map_err(|output| PythonError::MissingPackages {
        python: python.to_owned(),
        modules,
        output: last_lines(&output, 3),
    })
}

fn check_interpreter(
    server: PythonServer,
    python: &Path,
    facts: &ModelFacts,
) -> Result<(), PythonError> {
    let kind = server.kind;
    let installed = installed_version(server, python)?;
    match &facts.framework_version {
        Some(model) if *model != installed => Err(PythonError::VersionConflict {
            package: kind.framework().0.to_owned(),
            model: model.clone(),
            other: installed,
            source_of_other: format!("`{}`", python.display()),
        }),
        _ => Ok(()),
    }
}

/// The environment of `spec`: from the cache, or built now.
fn environment(
    spec: &EnvSpec,
    settings: &PythonSettings,
    progress: &mut dyn FnMut(String),
) -> Result<(PathBuf, &'static str), PythonError> {
    let base = &settings.base_python;
    let version = run_python(
        base,
        "import sys; print('Python %d.%d' % sys.version_info[:2])",
    )?
    .map_err(|output| PythonError::Run {
        program: base.clone(),
        source: std::io::Error::other(output),
    })?;
    let minor = spec::python_minor(&version).unwrap_or_else(|| "unknown".to_owned());
    let envs = settings.cache_dir.join("envs");
    let dir = envs.join(spec.key(&minor));
    let python = dir.join("bin").join("python");
    if dir.join(READY_MARKER).is_file() {
        return Ok((python, "cached"));
    }
    let packages = spec.packages();
    if !index_reachable(&settings.index_url) {
        return Err(PythonError::Offline {
            kind: spec.kind,
            packages: packages.join(" "),
            cache: settings.cache_dir.clone(),
            index: settings.index_url.clone(),
        });
    }
    progress(format!(
        "building the {} environment `{}` ({})",
        spec.kind,
        dir.display(),
        packages.join(" ")
    ));
    if let Some(warning) = size_warning(spec.kind) {
        progress(warning.to_owned());
    }
    let _lock = BuildLock::take(&envs, &dir)?;
    // Another `up` may have built it while this one waited for the lock.
    if dir.join(READY_MARKER).is_file() {
        return Ok((python, "cached"));
    }
    if dir.exists() {
        // A build that did not finish.
        std::fs::remove_dir_all(&dir).map_err(|source| PythonError::Io {
            what: "remove",
            path: dir.clone(),
            source,
        })?;
    }
    let install_failed = |tail: String| PythonError::Install {
        packages: packages.join(" "),
        python: minor.clone(),
        tail,
        from_model: spec.from_model,
    };
    let steps = install_steps(settings, &dir, &packages);
    for step in steps {
        run_streaming(&step, progress)?.map_err(install_failed)?;
    }
    let (package, _) = spec.kind.framework();
    let installed = installed_version(
        PythonServer {
            kind: spec.kind,
            stack: spec.stack,
        },
        &python,
    )?;
    if spec.from_model
        && let Some(wanted) = spec.framework.strip_prefix(&format!("{package}=="))
        && wanted != installed
    {
        return Err(PythonError::VersionConflict {
            package: package.to_owned(),
            model: wanted.to_owned(),
            other: installed,
            source_of_other: format!("the environment `{}`", dir.display()),
        });
    }
    std::fs::write(dir.join(READY_MARKER), packages.join("\n")).map_err(|source| {
        PythonError::Io {
            what: "write",
            path: dir.join(READY_MARKER),
            source,
        }
    })?;
    progress(format!(
        "{} environment ready ({package} {installed})",
        spec.kind
    ));
    Ok((python, "built"))
}

/// What a user is told before a large environment is built.
#[must_use]
pub fn size_warning(kind: ServerKind) -> Option<&'static str> {
    (kind == ServerKind::Huggingface).then_some(
        "warning: mlserver-huggingface imports both PyTorch and TensorFlow, and PyPI's PyTorch \
         brings the CUDA libraries: this environment is about 3 GB to download and 8 GB \
         installed (once; `seldon-local prepare` builds it ahead of time)",
    )
}

/// One program run while building.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
}

/// The commands that build `dir` with `packages`: uv's when it is available, else venv + pip.
/// The installer reads its own configuration (`PIP_INDEX_URL`, `pip.conf`, `UV_INDEX_URL`).
#[must_use]
pub fn install_steps(settings: &PythonSettings, dir: &Path, packages: &[String]) -> Vec<Step> {
    let dir_text = dir.display().to_string();
    let python = dir.join("bin").join("python").display().to_string();
    let base = settings.base_python.display().to_string();
    match &settings.uv {
        Some(uv) => vec![
            Step {
                program: uv.clone(),
                args: vec!["venv".into(), "--python".into(), base, dir_text],
            },
            Step {
                program: uv.clone(),
                args: ["pip", "install", "--python", &python]
                    .into_iter()
                    .map(str::to_owned)
                    .chain(packages.iter().cloned())
                    .collect(),
            },
        ],
        None => vec![
            Step {
                program: settings.base_python.clone(),
                args: vec!["-m".into(), "venv".into(), dir_text],
            },
            Step {
                program: PathBuf::from(&python),
                args: ["-m", "pip", "install", "--progress-bar", "off"]
                    .into_iter()
                    .map(str::to_owned)
                    .chain(packages.iter().cloned())
                    .collect(),
            },
        ],
    }
}

/// Runs a step, each output line reported; `Err(tail)` when it fails.
fn run_streaming(
    step: &Step,
    progress: &mut dyn FnMut(String),
) -> Result<Result<(), String>, PythonError> {
    let mut child = Command::new(&step.program)
        .args(&step.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| PythonError::Run {
            program: step.program.clone(),
            source,
        })?;
    // stderr on a thread of its own, so that neither pipe fills while the other is read.
    let stderr = child.stderr.take().map(|stderr| {
        std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        })
    });
    let mut tail = std::collections::VecDeque::with_capacity(TAIL);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tail.len() == TAIL {
                tail.pop_front();
            }
            tail.push_back(line.clone());
            progress(line);
        }
    }
    let errors = stderr
        .and_then(|handle| handle.join().ok())
        .unwrap_or_default();
    let status = child.wait().map_err(|source| PythonError::Run {
        program: step.program.clone(),
        source,
    })?;
    if status.success() {
        return Ok(Ok(()));
    }
    let mut lines: Vec<String> = tail.into_iter().collect();
    lines.extend(errors);
    let start = lines.len().saturating_sub(TAIL);
    Ok(Err(lines[start..].join("\n")))
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Whether a TCP connection to the index's host opens within [`INDEX_TIMEOUT`]. A `file://`
/// index is reachable when its directory exists.
fn index_reachable(index: &str) -> bool {
    let Ok(url) = url::Url::parse(index) else {
        return false;
    };
    if url.scheme() == "file" {
        return url.to_file_path().is_ok_and(|p| p.exists());
    }
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return false;
    };
    let Ok(addrs) = (host, port).to_socket_addrs() else {
        return false;
    };
    addrs
        .into_iter()
        .any(|addr| std::net::TcpStream::connect_timeout(&addr, INDEX_TIMEOUT).is_ok())
}

/// Serialises builds of one environment between processes: a lock file created exclusively,
/// holding the builder's pid; a lock whose builder is gone is taken over.
struct BuildLock(PathBuf);

impl BuildLock {
    fn take(envs: &Path, dir: &Path) -> Result<Self, PythonError> {
        std::fs::create_dir_all(envs).map_err(|source| PythonError::Io {
            what: "create",
            path: envs.to_owned(),
            source,
        })?;
        // Beside the environment; not `with_extension`: the name holds dots (`py3.11`).
        let mut name = dir.file_name().unwrap_or_default().to_owned();
        name.push(".lock");
        let path = dir.with_file_name(name);
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    use std::io::Write as _;
                    let _ = write!(file, "{}", std::process::id());
                    return Ok(Self(path));
                }
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|pid| pid.trim().parse::<u32>().ok());
                    let alive =
                        holder.is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
                    if !alive {
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(source) => {
                    return Err(PythonError::Io {
                        what: "create",
                        path,
                        source,
                    });
                }
            }
        }
    }
}

impl Drop for BuildLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The shell command that plays `server` with `python` (the container's env, with
/// `PYTHONPATH` at the server classes, is the caller's). MLServer is started on `model_dir`,
/// as upstream's image starts it on `/mnt/models`; the model itself comes from the operator's
/// `MLSERVER_MODEL_*` env.
#[must_use]
pub fn command(server: PythonServer, python: &Path, model_dir: &Path) -> String {
    let python = shell_quote(&python.display().to_string());
    match server.stack {
        Stack::SeldonCore => format!(
            "exec {python} -m seldon_core.microservice {} --service-type MODEL",
            server.kind.class().unwrap_or_default()
        ),
        // The `mlserver` entry point, run by the interpreter: a `--python` one need not be a
        // virtualenv with its scripts beside it.
        Stack::Mlserver => format!(
            "exec {python} -c {} start {}",
            shell_quote(MLSERVER_MAIN),
            shell_quote(&model_dir.display().to_string())
        ),
    }
}

/// What the `mlserver` script runs.
const MLSERVER_MAIN: &str =
    "import sys; from mlserver.cli import main; sys.argv[0] = \"mlserver\"; sys.exit(main())";

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(uv: Option<&str>) -> PythonSettings {
        PythonSettings {
            cache_dir: PathBuf::from("/cache"),
            interpreter: None,
            base_python: PathBuf::from("python3"),
            uv: uv.map(PathBuf::from),
            index_url: "https://pypi.org/simple".into(),
            seldon_version: "1.18.2".into(),
        }
    }

    #[test]
    fn the_command_runs_the_wrapper_with_the_server_class() {
        assert_eq!(
            command(
                PythonServer::seldon(ServerKind::Sklearn),
                Path::new("/c/envs/it's/bin/python"),
                Path::new("/m")
            ),
            "exec '/c/envs/it'\\''s/bin/python' -m seldon_core.microservice SKLearnServer \
             --service-type MODEL"
        );
    }

    #[test]
    fn the_v2_command_starts_mlserver_on_the_model_directory() {
        let command = command(
            PythonServer::mlserver(ServerKind::Xgboost),
            Path::new("/e/bin/python"),
            Path::new("/tmp/vol 1/models"),
        );
        assert_eq!(
            command,
            format!("exec '/e/bin/python' -c '{MLSERVER_MAIN}' start '/tmp/vol 1/models'")
        );
    }

    #[test]
    fn the_modules_checked_are_the_stacks() {
        assert_eq!(
            server_modules(PythonServer::mlserver(ServerKind::Mlflow)),
            ["mlserver", "mlserver_mlflow"]
        );
        assert_eq!(
            server_modules(PythonServer::seldon(ServerKind::Mlflow)),
            ["seldon_core", "seldon_core"]
        );
    }

    #[test]
    fn pip_builds_when_uv_is_absent() {
        let steps = install_steps(&settings(None), Path::new("/e"), &["a==1".into()]);
        assert_eq!(steps[0].program, PathBuf::from("python3"));
        assert_eq!(steps[0].args, ["-m", "venv", "/e"]);
        assert_eq!(steps[1].program, PathBuf::from("/e/bin/python"));
        assert_eq!(
            steps[1].args,
            ["-m", "pip", "install", "--progress-bar", "off", "a==1"]
        );
    }

    #[test]
    fn uv_builds_when_present() {
        let steps = install_steps(
            &settings(Some("/bin/uv")),
            Path::new("/e"),
            &["a==1".into()],
        );
        assert_eq!(steps[0].args, ["venv", "--python", "python3", "/e"]);
        assert_eq!(steps[1].program, PathBuf::from("/bin/uv"));
        assert_eq!(&steps[1].args[..3], ["pip", "install", "--python"]);
        assert_eq!(steps[1].args.last().unwrap(), "a==1");
    }

    #[test]
    fn a_dead_index_is_unreachable() {
        // A port bound and then closed: nothing listens on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert!(!index_reachable(&format!("http://127.0.0.1:{port}/simple")));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(index_reachable(&format!("http://127.0.0.1:{port}/simple")));
        assert!(!index_reachable("not a url"));
    }

    #[test]
    fn inspect_reads_the_recorded_versions() {
        let dir = tempfile::tempdir().unwrap();
        let error = inspect(ServerKind::Sklearn, dir.path()).unwrap_err();
        assert!(error.to_string().contains("model.joblib"), "{error}");
        std::fs::write(
            dir.path().join("MLmodel"),
            "flavors: {}\nmlflow_version: 2.17.2\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("requirements.txt"),
            "mlflow==2.17.2\npandas\n",
        )
        .unwrap();
        let facts = inspect(ServerKind::Mlflow, dir.path()).unwrap();
        assert_eq!(facts.framework_version.as_deref(), Some("2.17.2"));
        assert_eq!(facts.requirements, ["mlflow==2.17.2", "pandas"]);
    }

    #[test]
    fn v2_only_models_are_inspected() {
        let dir = tempfile::tempdir().unwrap();
        let error = inspect(ServerKind::Lightgbm, dir.path()).unwrap_err();
        assert!(error.to_string().contains("model.bst"), "{error}");
        std::fs::write(dir.path().join(MODEL_SETTINGS), "{}").unwrap();
        assert_eq!(
            inspect(ServerKind::Lightgbm, dir.path()).unwrap(),
            ModelFacts::default()
        );
        std::fs::write(dir.path().join("model.bst"), "tree\nversion=v4\n").unwrap();
        let facts = inspect(ServerKind::Lightgbm, dir.path()).unwrap();
        assert_eq!(facts.framework_range.as_deref(), Some(">=4"));
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"transformers_version": "4.53.3"}"#,
        )
        .unwrap();
        let facts = inspect(ServerKind::Huggingface, dir.path()).unwrap();
        assert_eq!(facts.framework_version.as_deref(), Some("4.53.3"));
        assert!(size_warning(ServerKind::Huggingface).is_some());
        assert!(size_warning(ServerKind::Lightgbm).is_none());
    }

    #[test]
    fn the_server_classes_are_written_to_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let servers = write_servers(dir.path()).unwrap();
        for kind in ServerKind::SELDON {
            let class = kind.class().unwrap();
            let text = std::fs::read_to_string(servers.join(format!("{class}.py"))).unwrap();
            assert!(text.contains(&format!("class {class}")));
        }
    }

    #[test]
    fn a_missing_user_interpreter_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("model.bst"), b"{\"version\":[2,1,0]}").unwrap();
        let mut settings = settings(None);
        settings.cache_dir = dir.path().join("cache");
        settings.interpreter = Some(dir.path().join("no-such-python"));
        let error = prepare(
            PythonServer::seldon(ServerKind::Xgboost),
            dir.path(),
            &settings,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(matches!(error, PythonError::Run { .. }), "{error}");
    }
}
