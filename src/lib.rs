//! seldon-local runs a Seldon Core v1 `SeldonDeployment` on one machine, without Kubernetes.
//!
//! The pipeline is `sdep` (load, default, validate) → `plan` (what the operator would create)
//! → a runtime. `cli` is the only layer that reads the environment or the terminal; see
//! `ARCHITECTURE.md` for the layering rules, which `tests/it/architecture.rs` enforces.

mod cli;
pub mod client;
pub mod components;
pub mod env;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz;
pub mod grpc;
pub mod http;
pub mod output;
pub mod plan;
pub mod protocol;
pub mod runtime;
pub mod sdep;

/// Runs the command line and returns the process exit code.
#[must_use]
pub fn main() -> std::process::ExitCode {
    cli::main()
}
