//! The servers and roles seldon-local can play in place of upstream images, each with the
//! upstream flags, env and HTTP surface: the executor ([`executor`]), the tfserving proxy
//! ([`proxy`]), the ingress in front of every deployment ([`ingress`]), the
//! TF-Serving-compatible model server ([`model_server`]), the storage
//! initializer ([`storage`]), a file server standing in for a model registry
//! ([`file_server`]), and the Python-backed prepackaged servers' environments and server classes
//! ([`python`]: these run `python` and `pip` as child processes).
//!
//! Each server exposes a `Config`, a `router(state)` and a `run(config, listener, shutdown)`
//! (or an async `serve`); the storage initializer is a function, [`storage::fetch`]. Components
//! never build a tokio runtime, read the environment or parse command lines (that is `cli`'s
//! job), never import the SeldonDeployment schema (`sdep`), and never print.

pub mod executor;
pub mod file_server;
pub mod ingress;
pub mod model_server;
pub mod proxy;
pub mod python;
pub mod request_sink;
pub mod storage;
pub mod triton;
