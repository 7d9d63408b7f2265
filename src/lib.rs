//! seldon-local (base for parallel work; the foundation lands on main).

pub mod components;
pub mod env;
pub mod output;

/// Runs the command line and returns the process exit code.
#[must_use]
pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
