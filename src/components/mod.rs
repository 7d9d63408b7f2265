//! The servers seldon-local can play in place of upstream images, each with the upstream flags,
//! env and HTTP surface: the executor ([`executor`]) and the tfserving proxy ([`proxy`]).
//!
//! Each component exposes a `Config`, a `router(state)` and a `run(config, listener, shutdown)`.
//! Components never read the environment or parse command lines (that is `cli`'s job), never
//! import the SeldonDeployment schema (`sdep`), and never print.

pub mod executor;
pub mod proxy;
pub mod storage;
