//! libFuzzer entry point: every input goes to [`bitwake_fuzz::response`], which
//! panics when a property fails.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bitwake_fuzz::response(data));
