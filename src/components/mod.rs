//! The servers seldon-local runs: each exposes a `Config` and an async `serve`/`router` entry
//! point, and never builds a tokio runtime or reads the environment itself.

pub mod model_server;
