//! The servers and roles seldon-local plays for the components the operator would create.

pub mod storage;
