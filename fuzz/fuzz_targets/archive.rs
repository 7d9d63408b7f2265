#![no_main]
//! `seldon_local::fuzz::archive`: see its documentation.
libfuzzer_sys::fuzz_target!(|data: &[u8]| seldon_local::fuzz::archive(data));
