//! libFuzzer entry point: every input goes to [`bitwake_fuzz::request`], which
//! panics when a property fails.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bitwake_fuzz::request(data));
