//! Integration tests.
#![allow(clippy::unwrap_used)]

mod component_cli;
mod executor;
mod proxy;
mod support;
