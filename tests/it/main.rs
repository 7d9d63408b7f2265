//! Integration tests.
#![allow(clippy::unwrap_used)]

mod executor;
mod proxy;
mod support;
