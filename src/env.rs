//! Every environment variable seldon-local reads, defined once. Only `cli` reads them.

/// Disables progress bars when set to any non-empty value.
pub const SELDON_LOCAL_NO_PROGRESS: &str = "SELDON_LOCAL_NO_PROGRESS";
/// The default Seldon Core version whose operator behaviour is emulated.
pub const SELDON_LOCAL_SELDON_VERSION: &str = "SELDON_LOCAL_SELDON_VERSION";
/// A `seldon-config` ConfigMap (JSON or YAML) that replaces the embedded one.
pub const SELDON_LOCAL_CONFIG: &str = "SELDON_LOCAL_CONFIG";
/// The standard switch that turns colours off (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
/// The Docker daemon to use (`unix:///var/run/docker.sock` when unset), as the docker CLI reads it.
pub const DOCKER_HOST: &str = "DOCKER_HOST";
/// The default `--images` policy of `up` (`upstream`, `builtin` or `auto`).
pub const SELDON_LOCAL_IMAGES: &str = "SELDON_LOCAL_IMAGES";
/// The session id `up` labels its resources with (a fresh one when unset); tests set it.
pub const SELDON_LOCAL_SESSION: &str = "SELDON_LOCAL_SESSION";
