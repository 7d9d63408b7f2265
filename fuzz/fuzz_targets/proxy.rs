#![no_main]
//! `seldon_local::fuzz::proxy`: see its documentation.
libfuzzer_sys::fuzz_target!(|data: &[u8]| seldon_local::fuzz::proxy(data));
