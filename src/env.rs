//! Every environment variable seldon-local reads, defined once. Only `cli` reads them.

/// Disables progress bars when set to any non-empty value.
pub const SELDON_LOCAL_NO_PROGRESS: &str = "SELDON_LOCAL_NO_PROGRESS";
/// The default Seldon Core version whose operator behaviour is emulated.
pub const SELDON_LOCAL_SELDON_VERSION: &str = "SELDON_LOCAL_SELDON_VERSION";
/// A `seldon-config` `ConfigMap` (JSON or YAML) that replaces the embedded one.
pub const SELDON_LOCAL_CONFIG: &str = "SELDON_LOCAL_CONFIG";
/// The standard switch that turns colours off (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
