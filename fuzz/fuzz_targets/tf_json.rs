#![no_main]
//! `seldon_local::fuzz::tf_json`: see its documentation.
libfuzzer_sys::fuzz_target!(|data: &[u8]| seldon_local::fuzz::tf_json(data));
