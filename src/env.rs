//! Every environment variable seldon-local reads, defined once. Only `cli` reads them.

/// Disables progress bars when set to any non-empty value.
pub const SELDON_LOCAL_NO_PROGRESS: &str = "SELDON_LOCAL_NO_PROGRESS";
/// The default Seldon Core version whose operator behaviour is emulated.
pub const SELDON_LOCAL_SELDON_VERSION: &str = "SELDON_LOCAL_SELDON_VERSION";
/// A `seldon-config` `ConfigMap` (JSON or YAML) that replaces the embedded one.
pub const SELDON_LOCAL_CONFIG: &str = "SELDON_LOCAL_CONFIG";
/// Where the embedded runtime keeps its deployments' state (default: the user's state dir).
pub const SELDON_LOCAL_STATE_DIR: &str = "SELDON_LOCAL_STATE_DIR";
/// The default `--runtime` of `up` (`auto`, `docker` or `embedded`).
pub const SELDON_LOCAL_RUNTIME: &str = "SELDON_LOCAL_RUNTIME";
/// The default `--ingress-port` of `up` (0: any free port).
pub const SELDON_LOCAL_INGRESS_PORT: &str = "SELDON_LOCAL_INGRESS_PORT";
/// The default `--max-unpacked-bytes` of the storage initializer: an archive expanding to more
/// is refused.
pub const SELDON_LOCAL_MAX_UNPACKED_BYTES: &str = "SELDON_LOCAL_MAX_UNPACKED_BYTES";
/// The default `--max-unpacked-entries` of the storage initializer.
pub const SELDON_LOCAL_MAX_UNPACKED_ENTRIES: &str = "SELDON_LOCAL_MAX_UNPACKED_ENTRIES";
/// The interpreter that plays Python-backed prepackaged servers (`--python`).
pub const SELDON_LOCAL_PYTHON: &str = "SELDON_LOCAL_PYTHON";
/// Where seldon-local caches Python environments (default `$XDG_CACHE_HOME/seldon-local`, else
/// `~/.cache/seldon-local`).
pub const SELDON_LOCAL_CACHE_DIR: &str = "SELDON_LOCAL_CACHE_DIR";
/// The package index pip installs from, as pip reads it; `up` checks it answers before
/// building an environment.
pub const PIP_INDEX_URL: &str = "PIP_INDEX_URL";
/// The package index uv installs from, as uv reads it.
pub const UV_INDEX_URL: &str = "UV_INDEX_URL";
/// Set by the shell completion scripts: `seldon-local` then answers with completions.
pub const SELDON_LOCAL_COMPLETE: &str = "SELDON_LOCAL_COMPLETE";
/// The standard switch that turns colours off (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
/// The Docker daemon to use (`unix:///var/run/docker.sock` when unset), as the docker CLI reads it.
pub const DOCKER_HOST: &str = "DOCKER_HOST";
/// A PEM file of extra certificate authorities, as OpenSSL, Go and curl read it. The storage
/// initializer trusts it besides its built-in roots; on Docker, `up` mounts it into the
/// storage-initializer containers and sets it there.
pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";
/// The default `--images` policy of `up` (`upstream`, `builtin` or `auto`).
pub const SELDON_LOCAL_IMAGES: &str = "SELDON_LOCAL_IMAGES";
/// The default `--registry` of `up`: a mirror every upstream image is pulled from.
pub const SELDON_LOCAL_REGISTRY: &str = "SELDON_LOCAL_REGISTRY";
/// The session id `up` labels its resources with (a fresh one when unset); tests set it.
pub const SELDON_LOCAL_SESSION: &str = "SELDON_LOCAL_SESSION";
/// Set (not read) by the embedded runtime in the env of each `--exec` command, to the
/// deployment's session: `down` signals a recorded pid only while it still carries it.
pub const SELDON_LOCAL_EMBEDDED_SESSION: &str = "SELDON_LOCAL_EMBEDDED_SESSION";

/// When set to a non-empty value, the embedded runtime's executor and proxy call the roles of
/// their process over loopback sockets, as separate processes would, instead of in-process
/// (benchmarks compare the two).
pub const SELDON_LOCAL_SOCKET_HOPS: &str = "SELDON_LOCAL_SOCKET_HOPS";

/// Address the built-in components (`seldon-local component …`) listen on, `127.0.0.1` when
/// unset; an image that runs them in containers sets `0.0.0.0`.
pub const SELDON_LOCAL_BIND: &str = "SELDON_LOCAL_BIND";

// Variables of upstream images that the built-in components read, under their upstream names.

/// The executor's graph: base64 of the defaulted PredictorSpec JSON (set by the operator).
pub const ENGINE_PREDICTOR: &str = "ENGINE_PREDICTOR";
/// When non-empty, the executor writes `meta.routing` into replies.
pub const SELDON_ENABLE_ROUTING_INJECTION: &str = "SELDON_ENABLE_ROUTING_INJECTION";
/// The executor's `Access-Control-Allow-Origin` (default `*`).
pub const CORS_ALLOWED_ORIGINS: &str = "CORS_ALLOWED_ORIGINS";
/// The executor's `Access-Control-Allow-Headers`.
pub const CORS_ALLOWED_HEADERS: &str = "CORS_ALLOWED_HEADERS";
/// A unit's parameters: JSON list of `{name, value, type}`.
pub const PREDICTIVE_UNIT_PARAMETERS: &str = "PREDICTIVE_UNIT_PARAMETERS";
/// A unit's HTTP port (1.18.2).
pub const PREDICTIVE_UNIT_HTTP_SERVICE_PORT: &str = "PREDICTIVE_UNIT_HTTP_SERVICE_PORT";
/// A unit's gRPC port (1.18.2).
pub const PREDICTIVE_UNIT_GRPC_SERVICE_PORT: &str = "PREDICTIVE_UNIT_GRPC_SERVICE_PORT";
/// A unit's port (1.2.1 sets only this one).
pub const PREDICTIVE_UNIT_SERVICE_PORT: &str = "PREDICTIVE_UNIT_SERVICE_PORT";
/// A unit's graph node name.
pub const PREDICTIVE_UNIT_ID: &str = "PREDICTIVE_UNIT_ID";
/// A unit's image.
pub const PREDICTIVE_UNIT_IMAGE: &str = "PREDICTIVE_UNIT_IMAGE";
/// The executor's request-logger target for nodes whose `logger` has no `url`.
pub const REQUEST_LOGGER_DEFAULT_ENDPOINT: &str = "REQUEST_LOGGER_DEFAULT_ENDPOINT";
/// A unit's metrics port (the wrapper's default is 6000).
pub const PREDICTIVE_UNIT_METRICS_SERVICE_PORT: &str = "PREDICTIVE_UNIT_METRICS_SERVICE_PORT";
/// A unit's metrics path (`/prometheus` as the operator sets it).
pub const PREDICTIVE_UNIT_METRICS_ENDPOINT: &str = "PREDICTIVE_UNIT_METRICS_ENDPOINT";
/// A unit's deployment name.
pub const SELDON_DEPLOYMENT_ID: &str = "SELDON_DEPLOYMENT_ID";
/// A unit's predictor name.
pub const PREDICTOR_ID: &str = "PREDICTOR_ID";
/// A unit's predictor labels, as JSON.
pub const PREDICTOR_LABELS: &str = "PREDICTOR_LABELS";
