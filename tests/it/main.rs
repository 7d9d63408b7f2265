//! The default integration test binary: CLI, fixtures, architecture and conformance.
// Tests read the environment and print summaries; the layering lints are for `src/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    clippy::print_stdout
)]

mod architecture;
mod cli;
mod common;
mod component_cli;
mod corpus;
mod embedded_e2e;
mod embedded_graph;
mod embedded_grpc;
mod embedded_lifecycle;
mod embedded_restart;
mod embedded_runtime;
mod embedded_tfserving_grpc;
mod embedded_triton;
mod executor;
mod executor_grpc;
mod executor_grpc_protocols;
mod fixtures;
mod in_process;
mod ingress;
mod predict;
mod proxy;
mod proxy_grpc;
mod request_log;
mod seed;
mod storage;
mod support;
