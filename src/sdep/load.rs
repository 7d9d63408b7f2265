//! Text → `SeldonDeployment`s. The only code that touches YAML.
//!
//! A file may hold several documents (YAML `---` or a single JSON object). Every
//! `SeldonDeployment` in it is loaded; documents of other kinds are skipped with a warning.
//! Type errors carry the file position and the field path; unknown keys become warnings with
//! their path (errors under `--strict`, which the caller applies).

use serde::Deserialize;
use serde_yaml::Value;

use super::types::{API_VERSIONS, GROUP, KIND, SeldonDeployment};
use super::{Diagnostic, FieldPath, Severity};

/// One loaded `SeldonDeployment` with what loading noticed about it.
#[derive(Debug, Clone)]
pub struct LoadedDocument {
    /// Position of the document in the file, from 0.
    pub index: usize,
    /// The resource as written.
    pub sdep: SeldonDeployment,
    /// Unknown keys and fields that are carried but not honoured.
    pub diagnostics: Vec<Diagnostic>,
}

/// The result of loading one file.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Every `SeldonDeployment` found, in file order.
    pub documents: Vec<LoadedDocument>,
    /// Diagnostics about the file as a whole (skipped documents).
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The text is not YAML or JSON.
    #[error("{source_name}{location}: not valid YAML or JSON: {message}")]
    Syntax {
        source_name: String,
        location: Location,
        message: String,
    },
    /// A document is not an object.
    #[error("{source_name}: document {index} is not an object")]
    NotAnObject { source_name: String, index: usize },
    /// A `SeldonDeployment` with an API version the CRD does not serve.
    #[error(
        "{source_name}: document {index}: unsupported apiVersion `{api_version}` for \
         `SeldonDeployment`; expected one of `machinelearning.seldon.io/v1`, `/v1alpha2`, `/v1alpha3`"
    )]
    UnsupportedApiVersion {
        source_name: String,
        index: usize,
        api_version: String,
    },
    /// A document whose fields have the wrong type, or lack a required one.
    #[error("{source_name}{location}: {path}: {message}")]
    Invalid {
        source_name: String,
        location: Location,
        path: FieldPath,
        message: String,
    },
    /// The file has no `SeldonDeployment` at all.
    #[error("{source_name}: no `SeldonDeployment` found{detail}")]
    NoSeldonDeployment { source_name: String, detail: String },
}

/// A `:line:column` position, or nothing when unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Location(pub Option<(usize, usize)>);

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some((line, column)) => write!(f, ":{line}:{column}"),
            None => Ok(()),
        }
    }
}

fn location_of(error: &serde_yaml::Error) -> Location {
    Location(error.location().map(|l| (l.line(), l.column())))
}

/// Strips serde_yaml's own " at line X column Y" suffix, since the location is shown in front.
fn message_of(error: &serde_yaml::Error) -> String {
    let text = error.to_string();
    match text.find(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Loads every `SeldonDeployment` of `text`; `source_name` names the file in messages.
pub fn load(text: &str, source_name: &str) -> Result<Loaded, LoadError> {
    let mut wanted = Vec::new();
    let mut diagnostics = Vec::new();
    let mut skipped = Vec::new();
    for (index, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(document).map_err(|e| LoadError::Syntax {
            source_name: source_name.to_owned(),
            location: location_of(&e),
            message: message_of(&e),
        })?;
        if value.is_null() {
            continue;
        }
        let Some(mapping) = value.as_mapping() else {
            return Err(LoadError::NotAnObject {
                source_name: source_name.to_owned(),
                index,
            });
        };
        let kind = mapping
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let api_version = mapping
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind != KIND {
            let shown = if kind.is_empty() {
                "an object without `kind`".to_owned()
            } else {
                format!("`{kind}`")
            };
            diagnostics.push(Diagnostic::general(format!(
                "document {index} ({shown}) is not a `SeldonDeployment`, skipped"
            )));
            skipped.push(shown);
            continue;
        }
        if !is_served_api_version(api_version) {
            return Err(LoadError::UnsupportedApiVersion {
                source_name: source_name.to_owned(),
                index,
                api_version: api_version.to_owned(),
            });
        }
        wanted.push(index);
    }
    if wanted.is_empty() {
        let detail = if skipped.is_empty() {
            String::new()
        } else {
            format!(" (found {})", skipped.join(", "))
        };
        return Err(LoadError::NoSeldonDeployment {
            source_name: source_name.to_owned(),
            detail,
        });
    }
    // Second pass: typed deserialisation straight from the text, so errors keep positions.
    let mut documents = Vec::with_capacity(wanted.len());
    for (index, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        if !wanted.contains(&index) {
            continue;
        }
        let mut unknown = Vec::new();
        let mut record = |path: serde_ignored::Path| unknown.push(field_path_of(&path));
        let ignored = serde_ignored::Deserializer::new(document, &mut record);
        let sdep: SeldonDeployment = serde_path_to_error::deserialize(ignored).map_err(|e| {
            let path = FieldPath::parse(&e.path().to_string().replace("?.", ""));
            let inner = e.into_inner();
            // serde_yaml sometimes repeats the path in its own message.
            let message = message_of(&inner);
            let message = message
                .strip_prefix(&format!("{}: ", path.as_str()))
                .map_or(message.clone(), str::to_owned);
            LoadError::Invalid {
                source_name: source_name.to_owned(),
                location: location_of(&inner),
                path,
                message,
            }
        })?;
        let diagnostics = unknown
            .into_iter()
            .map(unknown_field)
            .chain(not_honoured(&sdep))
            .collect();
        documents.push(LoadedDocument {
            index,
            sdep,
            diagnostics,
        });
    }
    Ok(Loaded {
        documents,
        diagnostics,
    })
}

/// Parses a YAML or JSON document (such as a `seldon-config` ConfigMap) into JSON data.
pub fn load_config_text(text: &str, source_name: &str) -> Result<serde_json::Value, LoadError> {
    serde_yaml::from_str(text).map_err(|e| LoadError::Syntax {
        source_name: source_name.to_owned(),
        location: location_of(&e),
        message: message_of(&e),
    })
}

/// Writes data as YAML (kept here so the YAML crate stays in one file).
pub fn to_yaml(value: &impl serde::Serialize) -> Result<String, serde_yaml::Error> {
    serde_yaml::to_string(value)
}

impl Loaded {
    /// Whether any document has a diagnostic at or above `severity`.
    #[must_use]
    pub fn has(&self, severity: Severity) -> bool {
        self.diagnostics
            .iter()
            .chain(self.documents.iter().flat_map(|d| &d.diagnostics))
            .any(|d| d.severity <= severity)
    }
}

fn is_served_api_version(api_version: &str) -> bool {
    api_version
        .strip_prefix(GROUP)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|version| API_VERSIONS.contains(&version))
}

/// The warning for a field the types do not have, with the field it resembles.
fn unknown_field(path: FieldPath) -> Diagnostic {
    let message = match path.last_key().and_then(suggestion) {
        Some(known) => format!("unknown field, ignored; did you mean `{known}`?"),
        None => "unknown field, ignored".to_owned(),
    };
    Diagnostic::warning(path, message)
}

/// Every field name of the resource's types (`types.rs`, `pod.rs`), for "did you mean".
const FIELDS: &[&str] = &[
    "activeDeadlineSeconds",
    "affinity",
    "allowPrivilegeEscalation",
    "annotations",
    "apiVersion",
    "args",
    "automountServiceAccountToken",
    "certSecretName",
    "children",
    "claims",
    "command",
    "componentSpecs",
    "config",
    "configMap",
    "configMapRef",
    "containerPort",
    "containerSpec",
    "containers",
    "creationTimestamp",
    "csi",
    "dnsConfig",
    "dnsPolicy",
    "downwardApi",
    "emptyDir",
    "enableServiceLinks",
    "endpoint",
    "engineResources",
    "env",
    "envFrom",
    "envSecretRefName",
    "ephemeral",
    "ephemeralContainers",
    "exec",
    "explainer",
    "failureThreshold",
    "finalizers",
    "fsGroup",
    "generateName",
    "generation",
    "graph",
    "grpc",
    "grpcPort",
    "host",
    "hostAliases",
    "hostIP",
    "hostIPC",
    "hostNetwork",
    "hostPID",
    "hostPath",
    "hostPort",
    "hostUsers",
    "hostname",
    "hpaSpec",
    "httpGet",
    "httpHeaders",
    "httpPort",
    "image",
    "imagePullPolicy",
    "imagePullSecrets",
    "implementation",
    "initContainers",
    "initParameters",
    "initialDelaySeconds",
    "kedaSpec",
    "kind",
    "labels",
    "lifecycle",
    "limits",
    "livenessProbe",
    "logger",
    "managedFields",
    "metadata",
    "methods",
    "mode",
    "modelUri",
    "mountPath",
    "mountPropagation",
    "name",
    "namespace",
    "nfs",
    "nodeName",
    "nodeSelector",
    "oauthSecret",
    "oauth_key",
    "optional",
    "os",
    "overhead",
    "ownerReferences",
    "parameters",
    "path",
    "pdbSpec",
    "periodSeconds",
    "persistentVolumeClaim",
    "port",
    "ports",
    "predictors",
    "preemptionPolicy",
    "prefix",
    "priority",
    "priorityClassName",
    "privileged",
    "progressDeadlineSeconds",
    "projected",
    "protocol",
    "readOnly",
    "readOnlyRootFilesystem",
    "readinessGates",
    "readinessProbe",
    "replicas",
    "requests",
    "resizePolicy",
    "resourceClaims",
    "resourceVersion",
    "resources",
    "restartPolicy",
    "runAsGroup",
    "runAsNonRoot",
    "runAsUser",
    "runtimeClassName",
    "schedulerName",
    "schedulingGates",
    "scheme",
    "secret",
    "secretRef",
    "securityContext",
    "serverType",
    "serviceAccount",
    "serviceAccountName",
    "serviceHost",
    "servicePort",
    "setHostnameAsFqdn",
    "shadow",
    "shareProcessNamespace",
    "spec",
    "ssl",
    "startupProbe",
    "status",
    "stdin",
    "stdinOnce",
    "storageInitializerImage",
    "subPath",
    "subPathExpr",
    "subdomain",
    "successThreshold",
    "svcOrchSpec",
    "tcpSocket",
    "terminationGracePeriodSeconds",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "timeoutSeconds",
    "tolerations",
    "topologySpreadConstraints",
    "traffic",
    "transport",
    "tty",
    "uid",
    "url",
    "value",
    "valueFrom",
    "volumeDevices",
    "volumeMounts",
    "volumes",
    "workingDir",
];

/// The known field closest to an unknown one, when it is a likely typo (one or two edits).
fn suggestion(unknown: &str) -> Option<&'static str> {
    let limit = if unknown.chars().count() > 5 { 2 } else { 1 };
    FIELDS
        .iter()
        .map(|known| (edit_distance(unknown, known), *known))
        .filter(|(distance, _)| *distance > 0 && *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// Levenshtein distance, case-insensitive (`modeluri` is `modelUri` mistyped).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    if a == b {
        return 1; // same letters, different case: still worth suggesting
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

fn field_path_of(path: &serde_ignored::Path<'_>) -> FieldPath {
    use serde_ignored::Path;
    match path {
        Path::Root => FieldPath::root(),
        Path::Seq { parent, index } => field_path_of(parent).index(*index),
        Path::Map { parent, key } => field_path_of(parent).key(key),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => field_path_of(parent),
    }
}

/// Notes for Kubernetes fields that render carries but the local runtimes do not act on.
fn not_honoured(sdep: &SeldonDeployment) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let predictors = FieldPath::root().key("spec").key("predictors");
    for (p, predictor) in sdep.spec.predictors.iter().enumerate() {
        for (c, component) in predictor.component_specs.iter().enumerate() {
            let spec_path = predictors
                .index(p)
                .key("componentSpecs")
                .index(c)
                .key("spec");
            for field in component.spec.not_honoured() {
                out.push(Diagnostic::note(
                    spec_path.key(field),
                    "rendered as written, not honoured by the local runtimes",
                ));
            }
            let lists = [
                ("initContainers", &component.spec.init_containers),
                ("containers", &component.spec.containers),
            ];
            for (list, containers) in lists {
                for (k, container) in containers.iter().enumerate() {
                    for field in container.not_honoured() {
                        out.push(Diagnostic::note(
                            spec_path.key(list).index(k).key(field),
                            "rendered as written, not honoured by the local runtimes",
                        ));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_mistyped_field_gets_the_field_it_resembles() {
        assert_eq!(super::suggestion("imagee"), Some("image"));
        assert_eq!(super::suggestion("modeluri"), Some("modelUri"));
        assert_eq!(super::suggestion("implementaton"), Some("implementation"));
        assert_eq!(super::suggestion("colour"), None);
    }

    use super::*;

    const MINIMAL: &str = "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\n\
        metadata:\n  name: m\nspec:\n  predictors:\n  - name: p\n    graph:\n      name: g\n";

    #[test]
    fn a_minimal_document_loads() {
        let loaded = load(MINIMAL, "m.yaml").unwrap();
        assert_eq!(loaded.documents.len(), 1);
        assert_eq!(loaded.documents[0].sdep.spec.predictors[0].graph.name, "g");
        assert!(loaded.documents[0].diagnostics.is_empty());
    }

    #[test]
    fn a_null_component_specs_is_none_as_the_operator_reads_it() {
        let text = MINIMAL.replace("  - name: p\n", "  - name: p\n    componentSpecs:\n");
        let loaded = load(&text, "m.yaml").unwrap();
        let predictor = &loaded.documents[0].sdep.spec.predictors[0];
        assert!(predictor.component_specs.is_empty());
        assert!(loaded.documents[0].diagnostics.is_empty());
        let explicit = MINIMAL.replace("  - name: p\n", "  - name: p\n    componentSpecs: null\n");
        assert!(load(&explicit, "m.yaml").is_ok());
        // Anything else that is not a list is still an error.
        let wrong = MINIMAL.replace("  - name: p\n", "  - name: p\n    componentSpecs: 3\n");
        assert!(load(&wrong, "m.yaml").is_err());
    }

    #[test]
    fn json_loads_too() {
        let json = r#"{"apiVersion":"machinelearning.seldon.io/v1alpha2","kind":"SeldonDeployment",
            "metadata":{"name":"j"},"spec":{"predictors":[{"name":"p","graph":{"name":"g"}}]}}"#;
        assert_eq!(load(json, "j.json").unwrap().documents[0].sdep.name(), "j");
    }

    #[test]
    fn other_kinds_are_skipped_with_a_warning() {
        let text = format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n---\n{MINIMAL}");
        let loaded = load(&text, "x.yaml").unwrap();
        assert_eq!(loaded.documents.len(), 1);
        assert_eq!(loaded.documents[0].index, 1);
        assert!(loaded.diagnostics[0].message.contains("`Secret`"));
    }

    #[test]
    fn unknown_keys_are_warnings_with_their_path() {
        let text = MINIMAL.replace("      name: g\n", "      name: g\n      colour: red\n");
        let loaded = load(&text, "x.yaml").unwrap();
        let diagnostic = &loaded.documents[0].diagnostics[0];
        assert_eq!(
            diagnostic.to_string(),
            "spec.predictors[0].graph.colour: unknown field, ignored"
        );
        assert!(loaded.has(Severity::Warning));
    }

    #[test]
    fn type_errors_carry_position_and_path() {
        let text = MINIMAL.replace("  - name: p\n", "  - name: p\n    replicas: two\n");
        let error = load(&text, "x.yaml").unwrap_err().to_string();
        assert!(error.starts_with("x.yaml:8:"), "{error}");
        assert!(
            error.contains("spec.predictors[0].replicas: invalid type: string \"two\""),
            "{error}"
        );
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let text = MINIMAL.replace("    graph:\n      name: g\n", "");
        let error = load(&text, "x.yaml").unwrap_err().to_string();
        assert!(error.contains("missing field `graph`"), "{error}");
    }

    #[test]
    fn wrong_api_version_is_rejected() {
        let text = MINIMAL.replace("seldon.io/v1", "seldon.io/v2");
        let error = load(&text, "x.yaml").unwrap_err().to_string();
        assert!(
            error.contains("unsupported apiVersion `machinelearning.seldon.io/v2`"),
            "{error}"
        );
    }

    #[test]
    fn text_that_is_not_yaml_is_a_syntax_error() {
        let error = load("spec: [unclosed", "x.yaml").unwrap_err();
        assert!(matches!(error, LoadError::Syntax { .. }), "{error}");
    }

    #[test]
    fn a_file_without_sdeps_says_what_it_found() {
        let error = load("kind: Namespace\napiVersion: v1\n", "x.yaml")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "x.yaml: no `SeldonDeployment` found (found `Namespace`)"
        );
    }

    #[test]
    fn pod_fields_that_are_not_honoured_are_noted() {
        let text = format!(
            "{MINIMAL}    componentSpecs:\n    - spec:\n        tolerations: []\n        containers:\n        - name: g\n          tty: true\n"
        );
        let loaded = load(&text, "x.yaml").unwrap();
        let paths: Vec<String> = loaded.documents[0]
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(paths[0].starts_with("spec.predictors[0].componentSpecs[0].spec.tolerations"));
        assert!(
            paths[1].starts_with("spec.predictors[0].componentSpecs[0].spec.containers[0].tty")
        );
        assert!(!loaded.has(Severity::Warning));
    }
}
