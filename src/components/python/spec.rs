//! PURE: which Python packages a server kind needs, for an emulated Seldon Core version and
//! the framework version its model records, and the cache key of that environment.

use std::fmt::{self, Write as _};

use super::PythonError;

/// A prepackaged server that upstream runs in Python on the seldon protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServerKind {
    /// `SKLEARN_SERVER`: `model.joblib`.
    Sklearn,
    /// `XGBOOST_SERVER`: `model.bst`.
    Xgboost,
    /// `MLFLOW_SERVER`: an `MLmodel` directory.
    Mlflow,
    /// `LIGHTGBM_SERVER` (v2 only, where `--config` adds it): `model.bst`, LightGBM's text
    /// model.
    Lightgbm,
    /// `HUGGINGFACE_SERVER` (v2 only): a transformers pipeline, `config.json` and weights.
    Huggingface,
}

impl ServerKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Sklearn,
        Self::Xgboost,
        Self::Mlflow,
        Self::Lightgbm,
        Self::Huggingface,
    ];

    /// The kinds upstream serves on the seldon protocol too (with a server class of ours).
    pub const SELDON: [Self; 3] = [Self::Sklearn, Self::Xgboost, Self::Mlflow];

    /// The kind of a graph unit's `implementation`, if it is one of these.
    #[must_use]
    pub fn of_implementation(implementation: &str) -> Option<Self> {
        match implementation {
            "SKLEARN_SERVER" => Some(Self::Sklearn),
            "XGBOOST_SERVER" => Some(Self::Xgboost),
            "MLFLOW_SERVER" => Some(Self::Mlflow),
            "LIGHTGBM_SERVER" => Some(Self::Lightgbm),
            "HUGGINGFACE_SERVER" => Some(Self::Huggingface),
            _ => None,
        }
    }

    /// Whether the kind has a seldon-protocol server (else it is played on v2 only).
    #[must_use]
    pub fn has_seldon_server(self) -> bool {
        Self::SELDON.contains(&self)
    }

    /// The short name used in cache keys and messages.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sklearn => "sklearn",
            Self::Xgboost => "xgboost",
            Self::Mlflow => "mlflow",
            Self::Lightgbm => "lightgbm",
            Self::Huggingface => "huggingface",
        }
    }

    /// The server class (and module) `seldon-core-microservice` is given, the name the
    /// upstream image's `MODEL_NAME` has; `None` for the kinds served on v2 only.
    #[must_use]
    pub fn class(self) -> Option<&'static str> {
        match self {
            Self::Sklearn => Some("SKLearnServer"),
            Self::Xgboost => Some("XGBoostServer"),
            Self::Mlflow => Some("MLFlowServer"),
            Self::Lightgbm | Self::Huggingface => None,
        }
    }

    /// The framework's distribution on PyPI and its import name.
    #[must_use]
    pub fn framework(self) -> (&'static str, &'static str) {
        match self {
            Self::Sklearn => ("scikit-learn", "sklearn"),
            Self::Xgboost => ("xgboost", "xgboost"),
            Self::Mlflow => ("mlflow", "mlflow"),
            Self::Lightgbm => ("lightgbm", "lightgbm"),
            Self::Huggingface => ("transformers", "transformers"),
        }
    }

    /// The model file the server loads from the model directory.
    #[must_use]
    pub fn model_file(self) -> &'static str {
        match self {
            Self::Sklearn => "model.joblib",
            // LightGBM's text model under the name mlserver-lightgbm looks for.
            Self::Xgboost | Self::Lightgbm => "model.bst",
            Self::Mlflow => "MLmodel",
            Self::Huggingface => "config.json",
        }
    }
}

impl ServerKind {
    /// MLServer's runtime for this kind (v2): its distribution and module, the module that
    /// starts the operator's `MLSERVER_MODEL_IMPLEMENTATION` (`mlserver_sklearn.SKLearnModel`).
    #[must_use]
    pub fn mlserver_runtime(self) -> (&'static str, &'static str) {
        match self {
            Self::Sklearn => ("mlserver-sklearn", "mlserver_sklearn"),
            Self::Xgboost => ("mlserver-xgboost", "mlserver_xgboost"),
            Self::Mlflow => ("mlserver-mlflow", "mlserver_mlflow"),
            Self::Lightgbm => ("mlserver-lightgbm", "mlserver_lightgbm"),
            Self::Huggingface => ("mlserver-huggingface", "mlserver_huggingface"),
        }
    }

    /// The runtime class MLServer loads the model with, the one upstream's operator (or, for
    /// `LIGHTGBM_SERVER`, upstream's example's `model-settings.json`) names.
    #[must_use]
    pub fn mlserver_class(self) -> &'static str {
        match self {
            Self::Sklearn => "mlserver_sklearn.SKLearnModel",
            Self::Xgboost => "mlserver_xgboost.XGBoostModel",
            Self::Mlflow => "mlserver_mlflow.MLflowRuntime",
            Self::Lightgbm => "mlserver_lightgbm.LightGBMModel",
            Self::Huggingface => "mlserver_huggingface.HuggingFaceRuntime",
        }
    }

    /// The kind whose runtime module an `MLSERVER_MODEL_IMPLEMENTATION` class lives in.
    #[must_use]
    pub fn of_mlserver_implementation(class: &str) -> Option<Self> {
        let (module, name) = class.trim().split_once('.')?;
        if name.is_empty() {
            return None;
        }
        Self::ALL
            .into_iter()
            .find(|kind| kind.mlserver_runtime().1 == module)
    }
}

/// The MLServer release v2 units run, with its runtime packages at the same version (the pins
/// of scripts/conformance-v2-grpc.sh).
pub const MLSERVER_VERSION: &str = "1.7.1";

/// The uvloop MLServer 1.7.1 works with.
const MLSERVER_UVLOOP: &str = "uvloop<0.22";

/// The first transformers release mlserver-huggingface 1.7.1 cannot import: it imports
/// `transformers.pipelines.Conversation`, removed in 4.42.
const TRANSFORMERS_TOO_NEW: (u32, u32) = (4, 42);

/// What mlserver-huggingface 1.7.1 runs on besides transformers, as found to work together:
/// newer PyTorch breaks the optimum it requires (and its triton's LLVM clashes with
/// TensorFlow's in one process, aborting the import).
const HUGGINGFACE_STACK: [&str; 2] = ["torch==2.7.1", "tensorflow==2.21.0"];

/// The Python stack that plays a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stack {
    /// The seldon protocol: `seldon-core-microservice` with seldon-local's server class.
    SeldonCore,
    /// The v2 protocol: MLServer with the kind's runtime.
    Mlserver,
}

/// A unit played by Python: its kind and the stack that plays it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PythonServer {
    /// The model's framework.
    pub kind: ServerKind,
    /// Who serves it.
    pub stack: Stack,
}

impl PythonServer {
    /// A seldon-protocol unit of `kind`.
    #[must_use]
    pub fn seldon(kind: ServerKind) -> Self {
        Self {
            kind,
            stack: Stack::SeldonCore,
        }
    }

    /// A v2 unit of `kind` played by MLServer.
    #[must_use]
    pub fn mlserver(kind: ServerKind) -> Self {
        Self {
            kind,
            stack: Stack::Mlserver,
        }
    }
}

impl fmt::Display for PythonServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.stack {
            Stack::SeldonCore => write!(f, "{}", self.kind),
            Stack::Mlserver => write!(f, "{} (MLServer)", self.kind),
        }
    }
}

impl fmt::Display for ServerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the model directory says about the environment it needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelFacts {
    /// The framework version the model was saved with, when it records one.
    pub framework_version: Option<String>,
    /// Extra requirements the model lists (MLflow's `requirements.txt`).
    pub requirements: Vec<String>,
    /// A range of framework versions the model's format needs, when it records no version
    /// (LightGBM's `version=v4` model format: `lightgbm>=4`).
    pub framework_range: Option<String>,
}

/// The packages of one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvSpec {
    /// The server kind.
    pub kind: ServerKind,
    /// Who serves it.
    pub stack: Stack,
    /// `seldon-core` version (the emulated operator's).
    pub seldon_core: String,
    /// The framework requirement (`scikit-learn==1.5.2`, or upstream's pin).
    pub framework: String,
    /// Whether `framework` is the model's own version (else upstream's image pin).
    pub from_model: bool,
    /// The model's extra requirements.
    pub extra: Vec<String>,
}

/// What upstream's image for `seldon_version` pins for `kind` (its `requirements.txt`).
#[must_use]
pub fn upstream_pin(kind: ServerKind, seldon_version: &str) -> &'static str {
    let old = seldon_version.starts_with("1.2.");
    match (kind, old) {
        (ServerKind::Sklearn, false) => "scikit-learn==0.24.2",
        (ServerKind::Sklearn, true) => "scikit-learn==0.20.3",
        (ServerKind::Xgboost, false) => "xgboost==1.4.2",
        (ServerKind::Xgboost, true) => "xgboost==1.0.1",
        (ServerKind::Mlflow, false) => "mlflow>=2.9.2,<3.0",
        (ServerKind::Mlflow, true) => "mlflow>=1.4.0,<1.9.0",
        // No seldon-protocol image upstream: MLServer's runtime chooses.
        (ServerKind::Lightgbm, _) => "lightgbm",
        (ServerKind::Huggingface, _) => "transformers",
    }
}

impl EnvSpec {
    /// The environment for `kind` under `seldon_version`, given what the model records.
    pub fn new(
        server: PythonServer,
        seldon_version: &str,
        facts: &ModelFacts,
    ) -> Result<Self, PythonError> {
        let kind = server.kind;
        let (package, _) = kind.framework();
        let (framework, from_model) = match (
            &facts.framework_version,
            &facts.framework_range,
            server.stack,
        ) {
            (Some(version), _, _) => (format!("{package}=={version}"), true),
            (None, Some(range), _) => (format!("{package}{range}"), false),
            (None, None, Stack::SeldonCore) => {
                (upstream_pin(kind, seldon_version).to_owned(), false)
            }
            (None, None, Stack::Mlserver) if kind == ServerKind::Huggingface => {
                (format!("{package}<4.42"), false)
            }
            // MLServer's runtime requires its own range of the framework.
            (None, None, Stack::Mlserver) => (package.to_owned(), false),
        };
        if kind == ServerKind::Huggingface
            && let Some(version) = &facts.framework_version
            && major_minor(version).is_some_and(|v| v >= TRANSFORMERS_TOO_NEW)
        {
            return Err(PythonError::VersionConflict {
                package: package.to_owned(),
                model: version.clone(),
                other: "<4.42".to_owned(),
                source_of_other: format!(
                    "mlserver-huggingface {MLSERVER_VERSION} (it imports \
                     `transformers.pipelines.Conversation`, gone from 4.42)"
                ),
            });
        }
        // A requirement on the framework itself that names another version cannot be met.
        if let Some(version) = &facts.framework_version {
            for requirement in &facts.requirements {
                if let Some(pinned) = pinned_version(requirement, package)
                    && pinned != *version
                {
                    return Err(PythonError::VersionConflict {
                        package: package.to_owned(),
                        model: version.clone(),
                        other: pinned,
                        source_of_other: "the model's requirements.txt".to_owned(),
                    });
                }
            }
        }
        let extra = facts
            .requirements
            .iter()
            .filter(|r| requirement_name(r) != package)
            .cloned()
            .collect();
        Ok(Self {
            kind,
            stack: server.stack,
            seldon_core: seldon_version.to_owned(),
            framework,
            from_model,
            extra,
        })
    }

    /// Everything `pip install` is given.
    #[must_use]
    pub fn packages(&self) -> Vec<String> {
        let mut packages = match self.stack {
            Stack::SeldonCore => vec![
                format!("seldon-core=={}", self.seldon_core),
                // seldon-core's gunicorn imports pkg_resources, gone from setuptools 70.
                "setuptools<70".to_owned(),
                self.framework.clone(),
            ],
            Stack::Mlserver => vec![
                format!("mlserver=={MLSERVER_VERSION}"),
                format!("{}=={MLSERVER_VERSION}", self.kind.mlserver_runtime().0),
                // From 0.22 uvloop has no implicit loop: MLServer 1.7.1's inference workers
                // die at start (`There is no current event loop`).
                MLSERVER_UVLOOP.to_owned(),
                self.framework.clone(),
            ],
        };
        if self.kind == ServerKind::Huggingface {
            packages.extend(HUGGINGFACE_STACK.map(str::to_owned));
        }
        // The XGBoost server's image also carries scikit-learn (upstream's requirements).
        if self.kind == ServerKind::Xgboost && self.stack == Stack::SeldonCore {
            packages.push("scikit-learn".to_owned());
        }
        packages.extend(self.extra.iter().cloned());
        packages
    }

    /// The cache directory name: kind, Seldon Core version, framework requirement, Python
    /// version, and a digest of the extra requirements.
    #[must_use]
    pub fn key(&self, python_version: &str) -> String {
        let framework: String = self
            .framework
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let server = match self.stack {
            Stack::SeldonCore => format!("seldon{}", self.seldon_core),
            // `b2`: the second set of MLServer pins (uvloop).
            Stack::Mlserver => format!("mlserver{MLSERVER_VERSION}b2"),
        };
        let mut key = format!("{}-{server}-{framework}-py{python_version}", self.kind);
        if !self.extra.is_empty() {
            let digest = self
                .extra
                .iter()
                .fold(0xcbf2_9ce4_8422_2325_u64, |hash, line| {
                    line.bytes()
                        .chain(std::iter::once(b'\n'))
                        .fold(hash, |h, b| {
                            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                        })
                });
            let _ = write!(key, "-req{digest:016x}");
        }
        key
    }
}

/// The distribution name of a requirement line (`scikit-learn==1.5` → `scikit-learn`),
/// normalised as pip does (lower case, `_` and `.` as `-`).
#[must_use]
pub fn requirement_name(requirement: &str) -> String {
    requirement
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .replace(['_', '.'], "-")
}

/// The exact version a requirement pins `package` to (`package==X`).
fn pinned_version(requirement: &str, package: &str) -> Option<String> {
    if requirement_name(requirement) != package {
        return None;
    }
    let (_, version) = requirement.split_once("==")?;
    let version = version.split([';', ',', ' ']).next()?.trim();
    (!version.is_empty()).then(|| version.to_owned())
}

/// `4.41.2` → `(4, 41)`.
fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    Some((major, minor))
}

/// `Python 3.11.7` (what `python --version` prints) → `3.11`.
#[must_use]
pub fn python_minor(version_output: &str) -> Option<String> {
    let version = version_output.trim().strip_prefix("Python ")?;
    let mut parts = version.split('.');
    let major = parts.next()?;
    let minor = parts.next()?;
    (major.chars().all(|c| c.is_ascii_digit()) && minor.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("{major}.{minor}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(version: Option<&str>, requirements: &[&str]) -> ModelFacts {
        ModelFacts {
            framework_version: version.map(str::to_owned),
            requirements: requirements.iter().map(|r| (*r).to_owned()).collect(),
            framework_range: None,
        }
    }

    #[test]
    fn implementations_map_to_kinds() {
        assert_eq!(
            ServerKind::of_implementation("SKLEARN_SERVER"),
            Some(ServerKind::Sklearn)
        );
        assert_eq!(
            ServerKind::of_implementation("MLFLOW_SERVER"),
            Some(ServerKind::Mlflow)
        );
        assert_eq!(ServerKind::of_implementation("TENSORFLOW_SERVER"), None);
        assert_eq!(ServerKind::Xgboost.class(), Some("XGBoostServer"));
        assert_eq!(
            ServerKind::of_implementation("LIGHTGBM_SERVER"),
            Some(ServerKind::Lightgbm)
        );
        assert_eq!(
            ServerKind::of_implementation("HUGGINGFACE_SERVER"),
            Some(ServerKind::Huggingface)
        );
        assert_eq!(ServerKind::of_implementation("TEMPO_SERVER"), None);
        assert!(!ServerKind::Huggingface.has_seldon_server());
        assert_eq!(ServerKind::Lightgbm.class(), None);
    }

    #[test]
    fn the_models_own_version_is_installed() {
        let spec = EnvSpec::new(
            PythonServer::seldon(ServerKind::Sklearn),
            "1.18.2",
            &facts(Some("1.5.2"), &[]),
        )
        .unwrap();
        assert!(spec.from_model);
        assert_eq!(
            spec.packages(),
            [
                "seldon-core==1.18.2",
                "setuptools<70",
                "scikit-learn==1.5.2"
            ]
        );
        assert_eq!(
            spec.key("3.11"),
            "sklearn-seldon1.18.2-scikit_learn__1.5.2-py3.11"
        );
    }

    #[test]
    fn without_a_recorded_version_upstreams_pin_is_used() {
        let spec = EnvSpec::new(
            PythonServer::seldon(ServerKind::Xgboost),
            "1.18.2",
            &facts(None, &[]),
        )
        .unwrap();
        assert!(!spec.from_model);
        assert_eq!(spec.framework, "xgboost==1.4.2");
        let old = EnvSpec::new(
            PythonServer::seldon(ServerKind::Sklearn),
            "1.2.1",
            &facts(None, &[]),
        )
        .unwrap();
        assert_eq!(old.framework, "scikit-learn==0.20.3");
        assert_eq!(old.packages()[0], "seldon-core==1.2.1");
    }

    #[test]
    fn mlflow_models_bring_their_requirements() {
        let spec = EnvSpec::new(
            PythonServer::seldon(ServerKind::Mlflow),
            "1.18.2",
            &facts(Some("2.17.2"), &["mlflow==2.17.2", "scikit-learn==1.5.2"]),
        )
        .unwrap();
        assert_eq!(
            spec.packages(),
            [
                "seldon-core==1.18.2",
                "setuptools<70",
                "mlflow==2.17.2",
                "scikit-learn==1.5.2"
            ]
        );
        let other = EnvSpec::new(
            PythonServer::seldon(ServerKind::Mlflow),
            "1.18.2",
            &facts(Some("2.17.2"), &["scikit-learn==1.6.0"]),
        )
        .unwrap();
        assert_ne!(spec.key("3.11"), other.key("3.11"));
    }

    #[test]
    fn a_requirement_contradicting_the_recorded_version_is_an_error_naming_both() {
        let error = EnvSpec::new(
            PythonServer::seldon(ServerKind::Mlflow),
            "1.18.2",
            &facts(Some("2.17.2"), &["mlflow==2.9.0"]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("2.17.2") && error.contains("2.9.0"),
            "{error}"
        );
    }

    #[test]
    fn requirement_names_are_normalised() {
        assert_eq!(requirement_name("Scikit_Learn>=1.0"), "scikit-learn");
        assert_eq!(requirement_name("mlflow"), "mlflow");
        assert_eq!(
            pinned_version("mlflow==2.1.0 ; python_version>'3'", "mlflow").as_deref(),
            Some("2.1.0")
        );
    }

    #[test]
    fn python_versions_are_read() {
        assert_eq!(python_minor("Python 3.11.7\n").as_deref(), Some("3.11"));
        assert_eq!(python_minor("nonsense"), None);
    }
}

#[cfg(test)]
mod mlserver_tests {
    use super::*;

    fn facts(version: Option<&str>) -> ModelFacts {
        ModelFacts {
            framework_version: version.map(str::to_owned),
            requirements: Vec::new(),
            framework_range: None,
        }
    }

    #[test]
    fn the_operators_implementation_names_the_runtime() {
        assert_eq!(
            ServerKind::of_mlserver_implementation("mlserver_sklearn.SKLearnModel"),
            Some(ServerKind::Sklearn)
        );
        assert_eq!(
            ServerKind::of_mlserver_implementation("mlserver_xgboost.XGBoostModel"),
            Some(ServerKind::Xgboost)
        );
        assert_eq!(
            ServerKind::of_mlserver_implementation("mlserver_mlflow.MLflowRuntime"),
            Some(ServerKind::Mlflow)
        );
        assert_eq!(
            ServerKind::of_mlserver_implementation("my_models.Custom"),
            None
        );
        assert_eq!(
            ServerKind::of_mlserver_implementation("mlserver_sklearn"),
            None
        );
        assert_eq!(
            ServerKind::of_mlserver_implementation("mlserver_sklearn."),
            None
        );
    }

    #[test]
    fn a_v2_environment_is_mlserver_its_runtime_and_the_models_framework() {
        let spec = EnvSpec::new(
            PythonServer::mlserver(ServerKind::Xgboost),
            "1.18.2",
            &facts(Some("2.1.4")),
        )
        .unwrap();
        assert_eq!(
            spec.packages(),
            [
                "mlserver==1.7.1",
                "mlserver-xgboost==1.7.1",
                "uvloop<0.22",
                "xgboost==2.1.4"
            ]
        );
        assert!(spec.from_model);
        assert_eq!(
            spec.key("3.11"),
            "xgboost-mlserver1.7.1b2-xgboost__2.1.4-py3.11"
        );
        // Not the seldon-protocol environment of the same model.
        let seldon = EnvSpec::new(
            PythonServer::seldon(ServerKind::Xgboost),
            "1.18.2",
            &facts(Some("2.1.4")),
        )
        .unwrap();
        assert_ne!(spec.key("3.11"), seldon.key("3.11"));
    }

    #[test]
    fn without_a_recorded_version_the_runtime_chooses_the_framework() {
        let spec = EnvSpec::new(
            PythonServer::mlserver(ServerKind::Sklearn),
            "1.18.2",
            &facts(None),
        )
        .unwrap();
        assert_eq!(
            spec.packages(),
            [
                "mlserver==1.7.1",
                "mlserver-sklearn==1.7.1",
                "uvloop<0.22",
                "scikit-learn"
            ]
        );
        assert!(!spec.from_model);
    }

    #[test]
    fn servers_display_their_stack() {
        assert_eq!(
            PythonServer::seldon(ServerKind::Mlflow).to_string(),
            "mlflow"
        );
        assert_eq!(
            PythonServer::mlserver(ServerKind::Mlflow).to_string(),
            "mlflow (MLServer)"
        );
    }
}

#[cfg(test)]
mod v2_only_tests {
    use super::*;

    #[test]
    fn a_lightgbm_model_format_chooses_the_major_version() {
        let facts = ModelFacts {
            framework_range: Some(">=4".to_owned()),
            ..ModelFacts::default()
        };
        let spec = EnvSpec::new(
            PythonServer::mlserver(ServerKind::Lightgbm),
            "1.18.2",
            &facts,
        )
        .unwrap();
        assert_eq!(
            spec.packages(),
            [
                "mlserver==1.7.1",
                "mlserver-lightgbm==1.7.1",
                "uvloop<0.22",
                "lightgbm>=4"
            ]
        );
        assert!(!spec.from_model);
        assert_eq!(
            spec.key("3.11"),
            "lightgbm-mlserver1.7.1b2-lightgbm__4-py3.11"
        );
    }

    #[test]
    fn a_huggingface_model_brings_its_transformers_version() {
        let facts = ModelFacts {
            framework_version: Some("4.41.2".to_owned()),
            ..ModelFacts::default()
        };
        let spec = EnvSpec::new(
            PythonServer::mlserver(ServerKind::Huggingface),
            "1.18.2",
            &facts,
        )
        .unwrap();
        assert_eq!(
            spec.packages(),
            [
                "mlserver==1.7.1",
                "mlserver-huggingface==1.7.1",
                "uvloop<0.22",
                "transformers==4.41.2",
                "torch==2.7.1",
                "tensorflow==2.21.0"
            ]
        );
        assert!(spec.from_model);
    }

    #[test]
    fn a_huggingface_model_newer_than_the_runtime_can_import_is_an_error_naming_both() {
        let facts = ModelFacts {
            framework_version: Some("4.53.3".to_owned()),
            ..ModelFacts::default()
        };
        let error = EnvSpec::new(
            PythonServer::mlserver(ServerKind::Huggingface),
            "1.18.2",
            &facts,
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("4.53.3") && error.contains("<4.42"),
            "{error}"
        );
        let unrecorded = EnvSpec::new(
            PythonServer::mlserver(ServerKind::Huggingface),
            "1.18.2",
            &ModelFacts::default(),
        )
        .unwrap();
        assert_eq!(unrecorded.framework, "transformers<4.42");
        assert_eq!(major_minor("4.9.0.dev0"), Some((4, 9)));
        assert_eq!(major_minor("x"), None);
    }

    #[test]
    fn the_operators_classes_name_the_v2_only_runtimes() {
        for kind in ServerKind::ALL {
            assert_eq!(
                ServerKind::of_mlserver_implementation(kind.mlserver_class()),
                Some(kind)
            );
        }
        assert_eq!(
            ServerKind::Huggingface.mlserver_class(),
            "mlserver_huggingface.HuggingFaceRuntime"
        );
        assert_eq!(
            ServerKind::of_mlserver_implementation("tempo.mlserver.InferenceRuntime"),
            None
        );
    }
}
