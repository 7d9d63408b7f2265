//! The `SeldonDeployment` resource: load it, apply the operator's defaulting, validate it.
//!
//! Pure: no IO, no clock, no environment. The caller passes text in and gets data and
//! diagnostics back. The operator version whose behaviour is emulated (`1.2.1` or `1.18.2`)
//! and its `seldon-config` ConfigMap travel in [`OperatorConfig`].

mod config;
pub mod consts;
pub mod defaults;
mod diagnostic;
mod field_path;
mod load;
pub mod names;
mod pod;
mod types;
mod validate;

pub use config::{ConfigError, ImageSpec, OperatorConfig, SeldonVersion, ServerConfig};
pub use diagnostic::{Diagnostic, Severity};
pub use field_path::FieldPath;
pub use load::{LoadError, Loaded, LoadedDocument, Location, load, load_config_text, to_yaml};
pub use pod::*;
pub use types::*;
pub use validate::{Validated, Violation, Violations, validate};
