//! The `seldon-local` binary: everything lives in the library so tests can drive it.

fn main() -> std::process::ExitCode {
    seldon_local::main()
}
